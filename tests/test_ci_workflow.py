"""The example GitHub workflow: a valid workflow whose builds reuse the conversion cache,
so that a pull request's build converts only what it changed."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CONTENT

from pipeline.__main__ import parser

ROOT = CONTENT.parent
WORKFLOW = ROOT / "docs" / "examples" / "github-workflow.yml"


@pytest.fixture(scope="module")
def steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    steps: list[dict[str, Any]] = job["steps"]
    return steps


def cache_step(steps: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    (found,) = [(n, step) for n, step in enumerate(steps)
                if step.get("uses", "").startswith("actions/cache@")]
    return found


def test_the_workflow_is_valid_for_github() -> None:
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
               str(WORKFLOW)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_validation_and_the_build_read_the_cache_the_workflow_restores_before_them(
    steps: list[dict[str, Any]],
) -> None:
    position, cache = cache_step(steps)
    runs = [(n, shlex.split(step["run"])) for n, step in enumerate(steps) if "run" in step]
    pipeline_runs = [(n, words[3:]) for n, words in runs if words[:3] == ["python", "-m", "pipeline"]]
    assert [words[0] for _, words in pipeline_runs] == ["validate", "build"]
    for n, words in pipeline_runs:
        args = parser().parse_args(words)
        assert n > position and not args.no_cache
        assert args.cache == Path(cache["with"]["path"])


def test_each_commit_saves_a_cache_and_a_run_restores_the_newest_with_the_same_dependencies(
    steps: list[dict[str, Any]],
) -> None:
    _, cache = cache_step(steps)
    key, restore_keys = cache["with"]["key"], cache["with"]["restore-keys"].splitlines()
    assert key.endswith("-${{ github.sha }}")
    assert restore_keys == [key.removesuffix("${{ github.sha }}")]
    # Python (the cache holds marshal files) and the dependencies (pandoc comes from one)
    # start a new cache; a changed recap or pipeline module does not.
    assert "steps.python.outputs.python-version" in key
    (files,) = re.findall(r"hashFiles\(([^)]*)\)", key)
    hashed = re.findall(r"'([^']+)'", files)
    assert "pyproject.toml" in hashed and (ROOT / "pyproject.toml").is_file()
    assert not any(name.startswith(("content", "pipeline")) for name in hashed)
    (python,) = [step for step in steps if step.get("uses", "").startswith("actions/setup-python@")]
    assert python["id"] == "python"
