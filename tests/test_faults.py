"""Fault injection: an exception in any stage leaves the published dist/ as it was."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import FIXTURE_ROUTES, FIXTURES, ROOT

import pipeline.build as build_module
import pipeline.write as write_module
from pipeline.build import BuildOptions, build
from pipeline.manifest import Manifest

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


class Injected(Exception):
    """The fault the tests raise."""


def fail(*args: object, **kwargs: object) -> None:
    raise Injected


def fail_on_call(number: int, real):  # type: ignore[no-untyped-def]
    """Give a stand-in for `real` that raises on its `number`th call."""
    calls = {"n": 0}

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == number:
            raise Injected
        return real(*args, **kwargs)

    return wrapper


@pytest.fixture
def built(make_content, tmp_path):
    """A published dist/ and a content folder with real changes waiting to be published:
    an edited recap, a deleted one, a new one."""
    valid = FIXTURES / "valid"
    content = make_content([p for p in sorted(valid.glob("*.yaml")) if p.name != "non-ascii.yaml"])
    out = tmp_path / "dist"
    options = BuildOptions(content, out, NOW, jobs=1)
    assert build(options).report.ok
    edited = content / "recaps" / "meeting.yaml"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("March Community", "March Community (edited)"), encoding="utf-8")
    (content / "recaps" / "single-talk.yaml").unlink()
    (content / "recaps" / "non-ascii.yaml").write_bytes((valid / "non-ascii.yaml").read_bytes())
    return options, snapshot(out)


STAGES = {
    "load": ("load_content", fail),
    "validate": ("validate_sources", fail),
    "normalize": ("publishable_catalog", fail),
    "plan": ("plan_build", fail),
    "render": ("run_tasks", fail),
}


@pytest.mark.parametrize("stage", STAGES)
def test_an_exception_in_a_stage_before_publishing_changes_nothing(built, monkeypatch, stage):
    options, before = built
    name, replacement = STAGES[stage]
    monkeypatch.setattr(build_module, name, replacement)
    with pytest.raises(Injected):
        build(options)
    assert snapshot(options.out_dir) == before


@pytest.mark.parametrize("call", [1, 2, 7, 20])
def test_a_write_failing_while_publishing_is_rolled_back(built, monkeypatch, call):
    options, before = built
    monkeypatch.setattr(write_module, "write_atomically", fail_on_call(call, write_module.write_atomically))
    with pytest.raises(Injected):
        build(options)
    assert snapshot(options.out_dir) == before


def test_a_removal_failing_is_rolled_back(built, monkeypatch):
    options, before = built
    monkeypatch.setattr(write_module._Journal, "remove", fail_on_call(2, write_module._Journal.remove))
    with pytest.raises(Injected):
        build(options)
    assert snapshot(options.out_dir) == before


def test_the_manifest_failing_is_rolled_back(built, monkeypatch):
    options, before = built
    monkeypatch.setattr(Manifest, "to_bytes", fail)
    with pytest.raises(Injected):
        build(options)
    assert snapshot(options.out_dir) == before


def test_after_a_failure_the_next_build_publishes_everything(built, monkeypatch):
    options, _ = built
    monkeypatch.setattr(write_module, "write_atomically", fail_on_call(3, write_module.write_atomically))
    with pytest.raises(Injected):
        build(options)
    monkeypatch.undo()
    result = build(options)
    assert result.counts["pdf"].removed == 1
    handouts = options.out_dir / FIXTURE_ROUTES.file("pdf")
    assert (handouts / "2024-03-14-march-community-meeting-recap.pdf").is_file()
    assert not (handouts / "2024-05-02-one-talk-recap.pdf").exists()


# --- publishing errors are one-line problems (#18) ---------------------------------------

def cli_build(options: BuildOptions, **popen: object) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pipeline", "build", "--content", str(options.content_dir),
               "--out", str(options.out_dir), "--no-cache", "--jobs", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": str(int(NOW.timestamp()))}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False,
                          **popen)  # type: ignore[call-overload]


def assert_one_line_publish_error(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and reason in errors[0] and errors[0].endswith("every file is as it was"), errors


def test_a_file_size_limit_while_publishing_is_one_line_and_rolled_back(built):
    options, before = built

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # a handout is ~60 KB

    result = cli_build(options, preexec_fn=small_files)
    assert_one_line_publish_error(result, "File too large")
    assert snapshot(options.out_dir) == before


def test_a_folder_where_an_output_goes_is_one_line_and_rolled_back(built):
    options, before = built
    (options.out_dir / FIXTURE_ROUTES.file("pdf/2025-01-30-zoe-nandu-talk-tokyo.pdf")).mkdir()
    result = cli_build(options)
    assert_one_line_publish_error(result, "Is a directory")
    assert snapshot(options.out_dir) == before
    assert (options.out_dir / FIXTURE_ROUTES.file("pdf/2025-01-30-zoe-nandu-talk-tokyo.pdf")).is_dir()


def test_a_refused_write_is_one_line_with_exit_2_and_rolled_back(built, monkeypatch, capsys):
    """As a read-only dist/ gives it (the tests run as root, whom permissions do not stop)."""
    from pipeline.__main__ import main

    options, before = built
    real = write_module.write_atomically
    calls = {"n": 0}

    def refuse_third(target: Path, content: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise PermissionError(13, "Permission denied", str(target))
        real(target, content)

    monkeypatch.setattr(write_module, "write_atomically", refuse_third)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    code = main(["build", "--content", str(options.content_dir), "--out", str(options.out_dir),
                 "--no-cache", "--jobs", "1", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "error: cannot publish into" in err and "Permission denied" in err and "Traceback" not in err
    assert snapshot(options.out_dir) == before
