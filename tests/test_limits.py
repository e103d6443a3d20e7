"""Bounded work: every pandoc run has a time and a heap limit, and a field that reaches
one is a located validation problem, never a hang or a failed build.

The limits are lowered here so that each test proves its limit in about a second.
"""

from __future__ import annotations

import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import assemble_content

from pipeline import pandoc
from pipeline.build import BuildOptions, build
from pipeline.convert import Converter
from pipeline.load import load_content
from pipeline.validate import validate_sources

SLOW = "[" * 16 + "a" + "](b)" * 16
"""Links nested 16 deep: about 2 s of pandoc on the development machine."""
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def content_with(tmp_path: Path, **fields: str) -> Path:
    """Give a content folder with one small recap carrying `fields` (YAML values)."""
    recap = textwrap.dedent("""\
        id: "urn:uuid:00000000-0000-4000-8000-999999990001"
        kind: "conference"
        title: "Limits"
        slug: "limits"
        date: "2024-05-02"
        authors: ["ada"]
        summary: "A recap whose Markdown reaches a limit of pandoc."
        talks:
          - {title: "One", kind: "talk", speakers: ["ada"], summary: "Fine *text*."}
          - {title: "Two", kind: "talk", speakers: ["ada"], summary: "More fine text."}
        """) + "".join(f"{key}: {value}\n" for key, value in fields.items())
    content = assemble_content(tmp_path / "content", [])
    (content / "recaps" / "limits.yaml").write_text(recap, encoding="utf-8")
    return content


def test_a_field_that_outlasts_the_time_limit_is_located_and_the_rest_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(pandoc, "SECONDS_PER_RUN", 0.5)
    content = content_with(tmp_path, intro=f'"{SLOW}"')
    runs: list[tuple[str, ...]] = []

    def counting(source: str, *args: str) -> str:
        runs.append(args)
        return pandoc.run_pandoc(source, *args)

    converter = Converter(run=counting)
    started = time.monotonic()
    report = validate_sources(load_content(content), converter)
    elapsed = time.monotonic() - started
    assert [(p.line, p.dotted_path, p.message) for p in report.problems] == [
        (11, "intro", "Markdown that cannot be built: pandoc took longer than 0.5 s, its limit")]
    # the batch ran into the limit, then the field alone: two limits and the reads of the rest
    assert elapsed < 3.0, elapsed
    runs_in_validation = len(runs)
    assert converter.read(["Fine *text*.", "More fine text."])  # read once, in validation
    assert len(runs) == runs_in_validation


def test_a_field_that_needs_more_than_the_heap_limit_is_located(tmp_path, monkeypatch):
    monkeypatch.setattr(pandoc, "HEAP_MEGABYTES", 64)
    monkeypatch.setattr(pandoc, "HEAP_MEGABYTES_PER_INPUT_MEGABYTE", 0)
    content = content_with(tmp_path, closing=f'"{"[" * 12 + "a" + "](b)" * 12}"')  # ~170 MB of heap
    report = validate_sources(load_content(content))
    assert [(p.dotted_path, p.message) for p in report.problems] == [
        ("closing", "Markdown that cannot be built: pandoc needed more than 64 MB of memory, its limit")]


def test_the_build_stops_at_the_located_problem_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(pandoc, "SECONDS_PER_RUN", 0.5)
    content = content_with(tmp_path, intro=f'"{SLOW}"')
    result = build(BuildOptions(content, tmp_path / "dist", now=NOW))
    assert [p.dotted_path for p in result.report.problems] == ["intro"]
    assert result.published is None
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").rglob("*.md"))


def test_limits_grow_with_a_batch_but_stay_capped():
    assert pandoc.run_limits(1_000) == (pytest.approx(pandoc.SECONDS_PER_RUN, abs=0.1), pandoc.HEAP_MEGABYTES)
    seconds, heap = pandoc.run_limits(6_000_000)
    assert pandoc.SECONDS_PER_RUN < seconds <= pandoc.MAX_SECONDS
    assert pandoc.HEAP_MEGABYTES < heap <= pandoc.MAX_HEAP_MEGABYTES
    assert pandoc.run_limits(10**12) == (pandoc.MAX_SECONDS, pandoc.MAX_HEAP_MEGABYTES)


def test_citations_are_off_so_brackets_cost_nothing():
    started = time.monotonic()
    [blocks] = Converter().read(["[" * 40 + "x"])
    assert time.monotonic() - started < 1.0
    assert blocks[0]["c"][0] == {"t": "Str", "c": "[" * 40 + "x"}


def test_a_nesting_beyond_python_recursion_is_refused_not_a_crash():
    deep = ">" * 1000 + " x"
    converter = Converter()
    assert converter.refused([deep, "fine"]) == {deep: "the Markdown is nested too deeply to read"}
    with pytest.raises(pandoc.UnreadableMarkdown):
        converter.read([deep])
