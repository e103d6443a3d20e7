"""What makes an output stale: each format's declared code, templates and tools.

The staleness tests edit a copy of the pipeline's files and point the fingerprints at it
(`fingerprint.PACKAGE`): the build hashes the real files, only in another folder, so
that the code under test can stay as it is while its sources change.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

from pipeline import build as build_module
from pipeline import fingerprint
from pipeline.build import BuildOptions, BuildResult, build
from pipeline.parallel import Task
from pipeline.render import FORMATS, SHARED, SHARED_TOOLS, pdf

VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
NOW = datetime(2030, 1, 1, tzinfo=UTC)
REGISTRY = "pipeline/render/__init__.py"


def module_file(name: str) -> str | None:
    """Give the project-relative file of the pipeline module `name`, if it is one."""
    path = ROOT / Path(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate.relative_to(ROOT).as_posix()
    return None


def imported_files(file: str) -> set[str]:
    """Give the pipeline files `file` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse((ROOT / file).read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names if alias.name.startswith("pipeline")]
        found.update(f for f in map(module_file, names) if f is not None)
    return found


def registry_imports() -> set[str]:
    """Give what the registry imports at the top: its formats' methods import a format's
    module to hand a call to it, which makes no format depend on another."""
    tree = ast.parse((ROOT / REGISTRY).read_text(encoding="utf-8"))
    return {f for node in tree.body if isinstance(node, ast.ImportFrom) and node.module
            for f in [module_file(node.module)] if f is not None}


def closure(start: str) -> set[str]:
    """Give `start` and every pipeline file it imports, directly or not."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        file = todo.pop()
        if file not in seen:
            seen.add(file)
            todo.extend(registry_imports() if file == REGISTRY else imported_files(file))
    return seen


MODULES = {"markdown": "markdown", "pdf": "pdf", "feeds": "feeds", "json": "json_export",
           "calendar": "calendar"}


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_format_declares_every_module_its_outputs_are_made_with(name):
    output_format = FORMATS[name]
    module = f"pipeline/render/{MODULES[name]}.py"
    assert module in output_format.depends_on
    undeclared = closure(module) - set(SHARED) - set(output_format.depends_on)
    assert not undeclared, f"{name} imports {sorted(undeclared)} without declaring it"


def test_the_shared_code_includes_all_the_sources_go_through_to_become_the_catalog():
    for stage in ("pipeline/load.py", "pipeline/normalize.py", "pipeline/pandoc.py", REGISTRY):
        assert closure(stage) <= set(SHARED), stage


def test_every_declared_file_exists_and_every_declared_tool_is_known():
    for output_format in FORMATS.values():
        for path in (*SHARED, *output_format.depends_on):
            assert (ROOT / path).exists(), path
        assert set(output_format.tools) | set(SHARED_TOOLS) <= set(fingerprint.TOOLS)
    assert pdf.TEMPLATE_DIR.relative_to(ROOT).as_posix() in FORMATS["pdf"].depends_on


def test_a_misspelt_declaration_is_an_error_not_a_hash_of_nothing():
    with pytest.raises(FileNotFoundError, match=r"render/feedz\.py"):
        fingerprint.code_fingerprint(["pipeline/render/feedz.py"], [])


# --- what an edit rebuilds -----------------------------------------------------------------

@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """Give a copy of the pipeline and its schemas, which the fingerprints now read."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "pipeline", copy / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "schema", copy / "schema")
    monkeypatch.setattr(fingerprint, "PACKAGE", copy / "pipeline")
    return copy


@pytest.fixture
def rendered(monkeypatch) -> list[Task]:
    """Give the tasks the builds render, as they run."""
    tasks: list[Task] = []
    run_tasks = build_module.run_tasks

    def spy(planned: Sequence[Task], *args, **kwargs):
        tasks.extend(planned)
        return run_tasks(planned, *args, **kwargs)

    monkeypatch.setattr(build_module, "run_tasks", spy)
    return tasks


def run(content: Path, out: Path) -> BuildResult:
    result = build(BuildOptions(content_dir=content, out_dir=out, now=NOW, jobs=1))
    assert result.report.ok, result.report.problems
    return result


def append_comment(file: Path) -> None:
    with file.open("a", encoding="utf-8") as text:
        text.write("# a comment changes no output\n")


def rendered_units(tasks: list[Task]) -> dict[str, int]:
    """Give format -> how many recaps, or site-wide channels, its tasks rendered."""
    counts: dict[str, int] = {}
    for task in tasks:
        counts[task.format] = counts.get(task.format, 0) + len(task.recap_ids or task.channels)
    return counts


def test_a_comment_added_to_the_feeds_module_renders_every_feed_again_and_nothing_else(
        make_content, project, rendered, tmp_path):
    content, out = make_content(VALID), tmp_path / "dist"
    run(content, out)
    first = rendered_units(rendered)
    assert set(first) == set(FORMATS)
    rendered.clear()
    append_comment(project / "pipeline/render/feeds.py")
    again = run(content, out)
    assert not again.current
    assert rendered_units(rendered) == {"feeds": first["feeds"]}  # every channel, no handout
    assert sum(c.built for c in again.counts.values()) == 0  # and the feeds came out the same


def test_an_edit_to_the_model_renders_every_output_again(make_content, project, rendered, tmp_path):
    content, out = make_content(VALID), tmp_path / "dist"
    run(content, out)
    first = rendered_units(rendered)
    rendered.clear()
    append_comment(project / "pipeline/model.py")
    run(content, out)
    assert rendered_units(rendered) == first


def test_an_edit_to_code_no_output_depends_on_reads_the_content_again_and_renders_nothing(
        make_content, project, rendered, tmp_path):
    content, out = make_content(VALID), tmp_path / "dist"
    run(content, out)
    assert run(content, out).current
    rendered.clear()
    for edited in ("pipeline/validate.py", "pipeline/serve.py", "schema/recap.schema.json"):
        text = (project / edited).read_bytes()
        (project / edited).write_bytes(text + b"\n")
        again = run(content, out)
        assert not again.current, edited  # the validator may have changed: check again
        assert rendered == [], edited
        assert run(content, out).current


def test_a_newer_tool_renders_again_only_the_formats_that_use_it(make_content, rendered, tmp_path,
                                                                 monkeypatch):
    content, out = make_content(VALID), tmp_path / "dist"
    run(content, out)
    first = rendered_units(rendered)
    rendered.clear()
    versions = fingerprint._version
    monkeypatch.setattr(fingerprint, "_version",
                        lambda name: "99.0" if name == "icalendar" else versions(name))
    run(content, out)
    assert rendered_units(rendered) == {"calendar": first["calendar"]}

