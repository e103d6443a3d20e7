"""The source cache: unchanged files skip parsing and schema checks, changed ones do not."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import FIXTURES

from pipeline import source_cache
from pipeline.build import BuildOptions, build
from pipeline.load import load_content
from pipeline.validate import validate_sources


def test_unchanged_sources_are_reused_and_a_changed_one_is_checked_again(make_content, tmp_path):
    content = make_content(sorted((FIXTURES / "valid").glob("*.yaml")))
    cache = tmp_path / "cache"
    sources = load_content(content, source_cache.read_known(cache))
    report = validate_sources(sources)
    source_cache.remember(cache, sources, report, {})
    known = source_cache.read_known(cache)
    assert len(known) == len(sources.recaps) + 2
    again = load_content(content, known)
    assert all(doc.checked for doc in again.recaps)
    assert validate_sources(again).problems == ()
    edited = content / "recaps" / "single-talk.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace('kind: "talk"', 'kind: "tlak"'),
                      encoding="utf-8")
    third = load_content(content, known)
    assert [doc.file for doc in third.recaps if not doc.checked] == [third.recaps[-1].file]
    problems = validate_sources(third).problems
    assert [(p.line, p.message) for p in problems] == [(12, '"tlak" is not an allowed kind of talk')]


def test_a_cross_file_problem_in_a_cached_file_is_still_located(make_content, tmp_path):
    valid = FIXTURES / "valid"
    content = make_content([valid / "single-talk.yaml", valid / "meeting.yaml"])
    cache = tmp_path / "cache"
    options = BuildOptions(content, tmp_path / "dist", datetime(2030, 1, 1, tzinfo=UTC), jobs=1,
                           cache_dir=cache, formats=("json",))
    assert build(options).report.ok
    # Give the meeting an old URL that is the single talk's post. The clash is reported on
    # both files, and single-talk.yaml is unchanged and so comes from the cache without positions.
    meeting = content / "recaps" / "meeting.yaml"
    text = meeting.read_text(encoding="utf-8")
    alias_line = text.count("\n") + 1
    meeting.write_text(text + 'aliases: ["/blog/2024/0502-one-talk-recap/"]\n', encoding="utf-8")
    report = build(options).report
    clash = "both land at /blog/2024/0502-one-talk-recap/"
    assert sorted((p.file.rsplit("/", 1)[-1], p.line, p.column, clash in p.message)
                  for p in report.problems) == [
        ("meeting.yaml", alias_line, 11, True), ("single-talk.yaml", 5, 7, True),
    ]


def test_a_damaged_cache_is_ignored(tmp_path):
    (tmp_path / source_cache.CACHE_NAME).write_bytes(b"\x00garbage")
    assert source_cache.read_known(tmp_path) == {}


def test_a_draft_with_placeholders_is_cached_and_still_warned_about(make_content, tmp_path):
    """Warnings do not keep a file out of the cache, and a cached file still gets them: the
    placeholder check runs on every validation, so setting `draft: false` is never missed."""
    content = make_content([FIXTURES / "invalid" / "placeholder-in-a-draft.yaml"])
    cache = tmp_path / "cache"
    sources = load_content(content, source_cache.read_known(cache))
    report = validate_sources(sources)
    assert report.ok and len(report.warnings) == 2
    source_cache.remember(cache, sources, report, {})
    again = load_content(content, source_cache.read_known(cache))
    assert all(doc.checked for doc in again.recaps)
    assert [p.severity for p in validate_sources(again).problems] == ["warning", "warning"]
    draft = content / "recaps" / "placeholder-in-a-draft.yaml"
    draft.write_text(draft.read_text(encoding="utf-8").replace("draft: true", "draft: false"),
                     encoding="utf-8")
    published = validate_sources(load_content(content, source_cache.read_known(cache)))
    assert [p.severity for p in published.problems] == ["error", "error"]
