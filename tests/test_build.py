"""The staged build: incremental, atomic, parallel and deterministic."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pypdf
import pytest
from conftest import FIXTURE_ROUTES, FIXTURES, ROOT

from pipeline import build as build_module
from pipeline import manifest as manifest_module
from pipeline.build import BuildOptions, BuildResult, build
from pipeline.load import load_content
from pipeline.manifest import MANIFEST_NAME, MANIFEST_VERSION, Manifest, UnitId, UnitRecord, read_manifest
from pipeline.normalize import normalize
from pipeline.render import FORMATS, calendar, feeds, json_export, markdown, pdf
from pipeline.synthetic import write_content

VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
NOW = datetime(2030, 1, 1, tzinfo=UTC)
FILES = FIXTURE_ROUTES.file("")
"""The folder the fixture site's handouts, feeds, JSON and calendars are written in."""
HANDOUT = FIXTURE_ROUTES.file("pdf/2024-05-02-one-talk-recap.pdf")
"""The handout of single-talk.yaml, named by its key (date and slug)."""


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def run(content: Path, out: Path, **changes: object) -> BuildResult:
    options = BuildOptions(content_dir=content, out_dir=out, now=NOW, jobs=1)
    result = build(replace(options, **changes))  # type: ignore[arg-type]
    assert result.report.ok, result.report.problems
    return result


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def built(result: BuildResult) -> dict[str, int]:
    return {name: c.built for name, c in result.counts.items() if c.built}


@pytest.fixture
def content(make_content) -> Path:
    return make_content(VALID)


def test_the_registry_builds_every_format_in_order_each_with_the_outputs_it_declares(make_content, converter):
    assert list(FORMATS) == ["markdown", "pdf", "feeds", "json", "calendar"]
    catalog = normalize(load_content(make_content(VALID)))
    for name, module in [("markdown", markdown), ("pdf", pdf), ("feeds", feeds), ("json", json_export),
                         ("calendar", calendar)]:
        output_format = FORMATS[name]
        artifacts = output_format.render(catalog, converter)
        assert artifacts == module.render(catalog, converter)
        assert {a.format for a in artifacts} == {name}
        assert output_format.per_recap == any(a.recap_id is not None for a in artifacts), name
        assert output_format.site_wide == any(a.recap_id is None for a in artifacts), name


def test_units_read_back_from_the_manifest_file_as_the_units_that_were_written(tmp_path):
    recap_id = "urn:uuid:00000000-0000-4000-8000-000000000001"
    units = {
        UnitId("pdf", recap_id): UnitRecord("a", ("pdf/one.pdf",)),
        UnitId("json"): UnitRecord("b", ("json/index.json",)),
        UnitId("feeds", None, "tags/mesh/"): UnitRecord("c", ("feeds/tags/mesh/atom.xml",)),
    }
    (tmp_path / MANIFEST_NAME).write_bytes(Manifest(units).to_bytes())
    assert read_manifest(tmp_path).units == units
    names = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))["units"]
    assert sorted(names) == ["feeds *tags/mesh/", "json *", f"pdf {recap_id}"]
    with pytest.raises(ValueError, match="unpack"):
        UnitId.parse("pdf")


def test_an_unchanged_rebuild_renders_nothing_and_writes_nothing(content, tmp_path):
    out = tmp_path / "dist"
    first = run(content, out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    second = run(content, out)
    assert built(second) == {}
    assert sum(c.unchanged for c in second.counts.values()) == sum(c.built for c in first.counts.values())
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_an_unchanged_rebuild_reads_no_source_beyond_hashing_it(content, tmp_path, monkeypatch):
    out = tmp_path / "dist"
    run(content, out)

    def no_parsing(*args, **kwargs):
        raise AssertionError("an unchanged build parsed the content")

    monkeypatch.setattr(build_module, "load_content", no_parsing)
    assert built(run(content, out)) == {}
    replace_in(content / "recaps" / "single-talk.yaml", "Proxies Without Tears", "Changed")
    with pytest.raises(AssertionError, match="parsed the content"):
        run(content, out)


def test_new_code_or_other_settings_are_never_taken_for_an_unchanged_build(content, tmp_path, monkeypatch):
    out = tmp_path / "dist"
    assert not run(content, out).current
    assert run(content, out).current
    assert not run(content, out, markdown_flavor="gfm").current
    assert (out / "gfm/2024-05-02-one-talk-recap.md").is_file()
    assert run(content, out, markdown_flavor="gfm").current
    monkeypatch.setattr(manifest_module, "pipeline_fingerprint", lambda: "a newer pipeline")
    assert not run(content, out, markdown_flavor="gfm").current


def test_a_build_with_nothing_to_render_imports_no_renderer_nor_its_tools(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    command = [sys.executable, "-X", "importtime", "-m", "pipeline", "build", "--quiet",
               "--content", str(content), "--out", str(out), "--jobs", "1"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(NOW.timestamp()))}
    finished = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in finished.stderr.splitlines()
                if line.startswith("import time:")}
    assert "pipeline.build" in imported  # the timing is on
    heavy = {"typst", "feedgen", "lxml", "icalendar", "pipeline.render.pdf", "pipeline.render.feeds"}
    assert imported.isdisjoint(heavy), imported & heavy


def test_leftovers_of_a_killed_build_are_swept_even_when_nothing_changed(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    leftover = out / HANDOUT.parent / f".{HANDOUT.name}.tmp"
    leftover.write_bytes(b"half a file")
    assert built(run(content, out)) == {}
    assert not leftover.exists()


def test_a_forced_rebuild_renders_everything_again_with_identical_bytes(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    before = snapshot(out)
    forced = run(content, out, force=True)
    assert built(forced) == {}  # rendered again, and every byte came out the same
    assert snapshot(out) == before


def test_editing_one_recap_rebuilds_its_outputs_and_the_site_wide_ones(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    replace_in(content / "recaps" / "single-talk.yaml", "Proxies Without Tears", "Proxies, Tearless")
    result = run(content, out)
    # json: the recap's export and JSON-LD, and the index (word count), people and talks
    assert built(result) == {"markdown": 1, "pdf": 1, "feeds": 3, "json": 5}
    post = (out / "hugo/content/blog/2024/0502-one-talk-recap/index.md").read_text(encoding="utf-8")
    assert "## Proxies, Tearless" in post


def test_editing_one_recap_renders_only_the_feed_channels_that_show_it(content, tmp_path, monkeypatch):
    out = tmp_path / "dist"
    run(content, out)
    asked = []
    render = feeds.render

    def spy(catalog, converter, channels=None):
        asked.append(channels)
        return render(catalog, converter, channels)

    monkeypatch.setattr(feeds, "render", spy)
    replace_in(content / "recaps" / "meeting.yaml", "Example Mesh", "Sample Mesh")
    result = run(content, out)
    assert asked == [("feeds/", "feeds/tags/community/", "feeds/tags/meeting/")]
    assert result.counts["feeds"].built == 9  # three channels, three formats
    assert "Sample Mesh" in (out / FILES / "feeds/tags/meeting/atom.xml").read_text(encoding="utf-8")
    assert "Sample Mesh" not in (out / FILES / "feeds/tags/summit/atom.xml").read_text(encoding="utf-8")


def test_editing_a_person_rebuilds_exactly_the_recaps_that_mention_them(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    replace_in(content / "people.yaml", "Chloé Dubois", "Chloé Dubois-Martin")
    mentioning = [p.name for p in VALID if "chloe-dubois" in p.read_text(encoding="utf-8")]
    result = run(content, out)
    assert 0 < len(mentioning) < len(VALID)
    assert result.counts["pdf"].built == len(mentioning)
    assert result.counts["pdf"].unchanged == len(VALID) - len(mentioning)
    assert "Chloé Dubois-Martin" in (out / FILES / "json/people.json").read_text(encoding="utf-8")


def test_deleting_a_recap_removes_its_outputs_and_its_feed_entry(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    assert (out / HANDOUT).is_file()
    (content / "recaps" / "single-talk.yaml").unlink()
    result = run(content, out)
    assert not (out / HANDOUT).exists()
    assert not (out / "hugo/content/blog/2024/0502-one-talk-recap").exists()
    assert not (out / FILES / "json/recaps/2024-05-02-one-talk-recap.json").exists()
    assert result.counts["pdf"].removed == 1 and result.counts["json"].removed == 2
    titles = [e.title for e in feedparser.parse((out / FILES / "feeds/atom.xml").read_bytes()).entries]
    assert "One Talk Recap" not in titles and len(titles) == len(VALID) - 1


def test_a_tag_no_recap_carries_any_more_loses_its_feeds(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    assert (out / FILES / "feeds/tags/tokyo/atom.xml").is_file()
    (content / "recaps" / "non-ascii.yaml").unlink()
    result = run(content, out)
    assert not (out / FILES / "feeds/tags/tokyo").exists() and not (out / FILES / "feeds/tags/i18n").exists()
    assert result.counts["feeds"].removed == 6
    assert (out / FILES / "feeds/tags/community/atom.xml").is_file()


def test_renaming_a_slug_moves_the_outputs_and_keeps_the_feed_id(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    entry = next(e for e in feedparser.parse((out / FILES / "feeds/atom.xml").read_bytes()).entries
                 if e.title == "One Talk Recap")
    replace_in(content / "recaps" / "single-talk.yaml", 'slug: "one-talk-recap"', 'slug: "one-talk"')
    run(content, out)
    assert (out / HANDOUT.with_name("2024-05-02-one-talk.pdf")).is_file() and not (out / HANDOUT).exists()
    moved = next(e for e in feedparser.parse((out / FILES / "feeds/atom.xml").read_bytes()).entries
                 if e.title == "One Talk Recap")
    assert moved.id == entry.id and moved.link.endswith("/0502-one-talk/")


def test_only_builds_the_named_formats_and_leaves_the_others_alone(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    before = snapshot(out)
    (content / "recaps" / "single-talk.yaml").unlink()
    result = run(content, out, formats=("markdown",))
    assert result.formats == ("markdown",)
    after = snapshot(out)
    assert HANDOUT.as_posix() in after  # not this build's business
    assert not any(path.startswith("hugo/content/blog/2024/0502-one-talk-recap") for path in after)
    units = json.loads(after[MANIFEST_NAME])["units"]
    assert any(name.startswith("pdf ") for name in units)
    feeds_folder = (FILES / "feeds").as_posix() + "/"
    assert {k: v for k, v in after.items() if k.startswith(feeds_folder)} == \
        {k: v for k, v in before.items() if k.startswith(feeds_folder)}


def test_drafts_are_built_only_when_asked_and_removed_afterwards(content, tmp_path):
    out = tmp_path / "dist"
    source = content / "recaps" / "single-talk.yaml"
    source.write_text(source.read_text(encoding="utf-8") + "draft: true\n", encoding="utf-8")
    run(content, out)
    assert not (out / HANDOUT).exists()
    run(content, out, drafts=True)
    post = (out / "hugo/content/blog/2024/0502-one-talk-recap/index.md").read_text(encoding="utf-8")
    assert "draft: true" in post
    run(content, out)
    assert not (out / HANDOUT).exists()


def test_a_scheduled_recap_appears_once_its_time_has_come(content, tmp_path):
    out = tmp_path / "dist"
    source = content / "recaps" / "single-talk.yaml"
    source.write_text(source.read_text(encoding="utf-8") + 'publish_at: "2024-05-02T09:00:00+00:00"\n',
                      encoding="utf-8")
    run(content, out, now=datetime(2024, 5, 2, 8, 59, tzinfo=UTC))
    assert not (out / HANDOUT).exists()
    run(content, out, now=datetime(2024, 5, 2, 9, 0, tzinfo=UTC))
    assert (out / HANDOUT).is_file()


def test_a_failing_renderer_leaves_the_published_outputs_unchanged(content, tmp_path, monkeypatch):
    out = tmp_path / "dist"
    run(content, out)
    replace_in(content / "recaps" / "single-talk.yaml", "Proxies Without Tears", "Changed")
    before = snapshot(out)

    def broken(catalog, recaps, converter):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pdf, "render_recaps", broken)
    from pipeline.parallel import RenderError
    expected = r"rendering pdf for \S*single-talk\.yaml failed: RuntimeError: disk on fire"
    with pytest.raises(RenderError, match=expected):
        run(content, out)
    assert snapshot(out) == before


def test_a_missing_output_is_rendered_again(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    (out / HANDOUT).unlink()
    result = run(content, out)
    assert built(result) == {"pdf": 1}


def test_a_damaged_manifest_means_a_full_build(content, tmp_path):
    out = tmp_path / "dist"
    run(content, out)
    (out / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    result = run(content, out)
    assert built(result) == {}  # everything rendered again, byte-identical
    assert json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))["version"] == MANIFEST_VERSION


def test_the_process_pool_gives_the_same_bytes_as_one_process(tmp_path):
    content = write_content(tmp_path / "content", 20, people_count=30)
    two = run(content, tmp_path / "two", jobs=2, formats=("markdown", "json"),
              cache_dir=tmp_path / "cache")
    one = run(content, tmp_path / "one", jobs=1, formats=("markdown", "json"))
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    assert two.counts["markdown"].built == one.counts["markdown"].built == 20
    # The conversions were stored by the parent for the next build.
    assert (tmp_path / "cache" / "conversions.sqlite3").stat().st_size > 0


SLOW_BUILD = """
import sys, time
from datetime import datetime, UTC
from pathlib import Path
import pipeline.write as write
real = write.write_atomically
def slow(target, content):
    real(target, content)
    print("wrote", target, flush=True)
    time.sleep(0.05)
write.write_atomically = slow
from pipeline.build import BuildOptions, build
build(BuildOptions(Path(sys.argv[1]), Path(sys.argv[2]), datetime(2030, 1, 1, tzinfo=UTC), jobs=1))
"""


KILL_POINTS = [1, *random.Random(20261125).sample(range(2, 40), 2)]
"""After how many written files the build is killed: the first, and two drawn at random
(from a fixed seed, so that a failure can be reproduced)."""


@pytest.mark.parametrize("kill_after", KILL_POINTS)
def test_a_build_killed_while_publishing_leaves_every_file_whole(content, tmp_path, kill_after):
    out = tmp_path / "dist"
    run(content, out)
    old = snapshot(out)
    for source in (content / "recaps").glob("*.yaml"):
        source.write_text(source.read_text(encoding="utf-8").replace("Recap", "Report"), encoding="utf-8")
    script = tmp_path / "slow_build.py"
    script.write_text(SLOW_BUILD, encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script), str(content), str(out)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None
    written = 0
    for _line in process.stdout:
        written += 1
        if written == kill_after:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert written == kill_after
    middle = snapshot(out)
    assert set(old) <= set(middle)  # nothing missing
    changed = [p for p in old if middle[p] != old[p]]
    assert 0 < len(changed) <= kill_after + 1
    for path in changed:  # a changed file is a complete new version: it parses
        if path.endswith(".json"):
            json.loads(middle[path])
        if path.endswith(".xml"):
            assert feedparser.parse(middle[path]).bozo == 0
    finished = run(content, out)
    assert sum(c.built for c in finished.counts.values()) > 0
    final = snapshot(out)
    assert not [p for p in final if p.endswith(".tmp")]
    # each file the killed build had touched was already its complete new version
    assert all(middle[path] == final[path] for path in changed)


def test_reverting_after_a_killed_publish_restores_every_output(content, tmp_path):
    """Build v1, edit to v2, kill the publish half way, revert to v1: the next build finds
    the v2 files by their bytes and puts v1 back, and the one after says up to date."""
    out = tmp_path / "dist"
    run(content, out)
    first = snapshot(out)
    originals = {p: p.read_text(encoding="utf-8") for p in (content / "recaps").glob("*.yaml")}
    for source, text in originals.items():
        source.write_text(text.replace("Recap", "Report"), encoding="utf-8")
    script = tmp_path / "slow_build.py"
    script.write_text(SLOW_BUILD, encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script), str(content), str(out)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None
    for written, _line in enumerate(process.stdout, start=1):
        if written == 12:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    for source, text in originals.items():
        source.write_text(text, encoding="utf-8")
    run(content, out)
    assert snapshot(out) == first
    assert run(content, out).current


@pytest.mark.parametrize("cache", [False, True])
def test_an_output_edited_by_hand_is_stale_even_when_its_size_is_kept(content, tmp_path, cache):
    out = tmp_path / "dist"
    cache_dir = tmp_path / "cache" if cache else None
    run(content, out, cache_dir=cache_dir)
    first = snapshot(out)
    post = next(out.rglob("index.md"))
    text = post.read_bytes()
    post.write_bytes(text.replace(b"e", b"E", 1))  # same size, other bytes
    result = run(content, out, cache_dir=cache_dir)
    assert not result.current and built(result) == {"markdown": 1}
    assert snapshot(out) == first


def test_two_builds_at_once_into_one_folder_both_succeed_and_lose_nothing(content, tmp_path):
    """The second waits for the first (it used to crash, and its rollback deleted files the
    first had published)."""
    reference = tmp_path / "reference"
    run(content, reference)
    out = tmp_path / "dist"
    command = [sys.executable, "-m", "pipeline", "build", "--content", str(content), "--out", str(out),
               "--no-cache"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": str(int(NOW.timestamp()))}
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
    outcomes = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outcomes
    assert snapshot(out) == snapshot(reference)


def test_a_build_that_cannot_get_the_folder_in_time_exits_2(content, tmp_path, monkeypatch, capsys):
    from pipeline import write
    from pipeline.__main__ import main
    out = tmp_path / "dist"
    run(content, out)
    before = snapshot(out)
    monkeypatch.setattr(write, "LOCK_WAIT_SECONDS", 0.3)
    with write.output_lock(out):
        code = main(["build", "--content", str(content), "--out", str(out), "--force", "--no-cache"])
    assert code == 2
    message = capsys.readouterr().err
    assert f"another build (process {os.getpid()}) is writing into {out}" in message
    assert "Traceback" not in message
    assert snapshot(out) == before


def test_the_command_line_prints_stages_and_a_summary_in_ci(tmp_path):
    command = [sys.executable, "-m", "pipeline", "build", "--out", str(tmp_path / "dist"), "--no-cache"]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "CI": "true"},
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    stages = [line.split(":")[0] for line in lines[:5]]
    assert stages == ["load", "validate", "normalize", "render", "publish"]
    assert "format    built  unchanged  removed  failed" in lines
    assert "markdown  1      0          0        0" in lines
    assert result.stdout == ""


def _long_body(characters: int, last_words: str) -> str:
    """Give Markdown of exactly `characters` characters (with its final newline): paragraphs,
    lists and headings as real posts have them, ending with `last_words`."""
    paragraph = ("The proxy handled **mutual TLS** for every request; `mesh viz` showed the golden "
                 "metrics per route, see [the docs](https://example.org/docs/). ") * 3
    blocks = [paragraph if n % 5 else "- retries\n- timeouts\n- *load balancing*" for n in range(1, 2000)]
    text = "\n\n".join(blocks)[: characters - len(last_words) - 3].rstrip()
    return text + "x" * (characters - len(last_words) - 3 - len(text)) + "\n\n" + last_words + "\n"


def test_a_section_of_100000_characters_builds_every_format_in_bounded_time(make_content, tmp_path):
    """The limit is sized for real posts (their longest section is about 20,500 characters):
    a field at the limit validates and builds, all of it, in seconds (about 2 s on one core)."""
    body = _long_body(100_000, "Last words of the long section.")
    assert len(body) == 100_000
    source = tmp_path / "long-section.yaml"
    text = (FIXTURES / "valid" / "sections-only.yaml").read_text(encoding="utf-8")
    indented = "".join(f"      {line}\n" if line else "\n" for line in body.rstrip("\n").split("\n"))
    source.write_text(text.replace('    body: "Nothing else to report."\n', f"    body: |\n{indented}"),
                      encoding="utf-8")
    out = tmp_path / "dist"
    started = time.perf_counter()
    result = run(make_content([source]), out, cache_dir=None)
    assert time.perf_counter() - started < 30
    assert set(built(result)) == set(FORMATS)
    (post,) = [p for p in out.rglob("*.md") if "July Office Hours" in p.read_text(encoding="utf-8")]
    assert "Last words of the long section." in post.read_text(encoding="utf-8")
    (handout,) = out.rglob("*july-office-hours.pdf")
    pages = pypdf.PdfReader(handout).pages
    assert "Last words of the long section." in " ".join(page.extract_text() for page in pages)


def test_outputs_of_a_recap_beyond_the_cap_are_a_problem_and_nothing_written(content, tmp_path, monkeypatch):
    monkeypatch.setattr(build_module, "MAX_RECAP_OUTPUT_BYTES", 60_000)  # the real cap is 20 MB
    options = BuildOptions(content_dir=content, out_dir=tmp_path / "dist", now=NOW, jobs=1)
    result = build(options)
    assert not result.report.ok and result.published is None
    problem = result.report.problems[0]
    assert (problem.line, problem.column) == (1, 1)
    assert problem.message.startswith("its outputs come to ") and "at most 0 MB per recap" in problem.message
    assert not (tmp_path / "dist").exists()
