"""The hostile corpus (tests/hostile/): every case is a located problem or renders inert.

Each file of `tests/hostile/` is one case, a folder is one cross-file case, and a
`.generated` file is a marker for a case too big to commit (its bytes are made here, at
run time). A case states its outcome at its end, in ASCII comment lines:

* `# expect: LINE:COL PATH: MESSAGE (HINT)`: exactly these problems, in this order (control
  characters in a problem line are written `\\xNN`, so the lines stay printable ASCII);
* `# expect: renders inert` plus `# payload: TEXT` lines: the recap validates, builds in
  every format, every output parses, nothing executable survives, and each payload shows
  in the PDF handout as literal text.

Validation and builds run in-process for speed. The budget of each case (1 s, 200 MB) is
measured in a separate, freshly started worker that forks once per case, so that one
case's peak memory is not hidden behind what pytest or an earlier case already used.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pypdf
import pytest
import yaml
from conftest import ROOT, assemble_content

from pipeline.build import BuildOptions, build
from pipeline.load import load_content
from pipeline.validate import ValidationReport, validate_sources

HOSTILE = ROOT / "tests" / "hostile"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
EXPECT = re.compile(rb"^# expect: (.*)$", re.MULTILINE)
PAYLOAD = re.compile(rb"^# payload: (.*)$", re.MULTILINE)
INERT = "renders inert"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
SECONDS_PER_CASE = 1.0
"""CPU seconds (the case's process and its pandoc runs): unlike wall time, they do not grow
when other jobs share the machine, so the budget fails on a blow-up, not on a busy CI."""
WALL_SECONDS_PER_CASE = 10.0
"""Wall time, for what CPU time cannot see: a case that waits (a FIFO, a lock) instead of working."""
MEGABYTES_PER_CASE = 200


# --- the corpus -------------------------------------------------------------------------

def _recap(slug: str, **fields: str) -> str:
    """Give a small valid recap as YAML text, with `fields` (raw YAML values) appended."""
    text = textwrap.dedent(f"""\
        id: "urn:uuid:00000000-0000-4000-8000-99999999{len(slug):04d}"
        kind: "conference"
        title: "Generated hostile case"
        slug: "{slug}"
        date: "2024-05-02"
        authors: ["ada"]
        summary: "A recap from the hostile corpus, generated when the tests run."
        """)
    return text + "".join(f"{key}: {value}\n" for key, value in fields.items())


def _ten_megabyte_string() -> bytes:
    talks = '\n  - {title: "T", kind: "talk", speakers: ["ada"], summary: "S"}'
    return _recap("hostile-ten-megabytes", talks=talks, intro='"' + "a" * 10_000_000 + '"').encode()


def _ten_thousand_talks() -> bytes:
    talks = "".join(f'\n  - {{title: "Talk {n}", kind: "talk", speakers: ["ada"], summary: "S{n}"}}'
                    for n in range(10_000))
    return _recap("hostile-ten-thousand-talks", talks=talks).encode()


def _empty_file() -> bytes:
    return b""


def _alias_amplification_by_bytes() -> bytes:
    """One 19.9 KB anchor used in 200 talks: 2,000 values, but 4 MB of text (#18)."""
    talks = "".join(f'\n  - {{title: "Talk {n}", kind: "talk", speakers: ["ada"], summary: *big}}'
                    for n in range(200))
    return _recap("hostile-alias-amplification", intro=f'&big "{"a" * 19_900}"', talks=talks).encode()


GENERATORS: dict[str, Callable[[], bytes]] = {
    "ten-megabyte-string": _ten_megabyte_string,
    "ten-thousand-talks": _ten_thousand_talks,
    "empty-file": _empty_file,
    "alias-amplification-by-bytes": _alias_amplification_by_bytes,
}
"""Marker name -> the bytes of the real case, made at run time instead of committed."""


@dataclass(frozen=True)
class Case:
    """One hostile case: the recap files it puts in a content folder and what must happen."""

    name: str
    files: tuple[tuple[str, bytes], ...]
    expected: dict[str, list[str]]
    payloads: tuple[str, ...]

    @property
    def inert(self) -> bool:
        return self.expected == {name: [INERT] for name, _ in self.files}

    def content(self, folder: Path) -> Path:
        """Give a content folder with the fixture people and site and this case's recaps."""
        content = assemble_content(folder, [])
        for name, raw in self.files:
            (content / "recaps" / name).write_bytes(raw)
        return content


def _expectations(raw: bytes) -> list[str]:
    return [line.decode("ascii") for line in EXPECT.findall(raw)]


def load_case(path: Path) -> Case:
    if path.is_dir():
        members = sorted(path.glob("*.yaml"))
        files = tuple((p.name, p.read_bytes()) for p in members)
    elif path.suffix == ".generated":
        files = ((f"{path.stem}.yaml", GENERATORS[path.stem]()),)
        members = [path]
    else:
        files = ((path.name, path.read_bytes()),)
        members = [path]
    expected = {}
    payloads: list[str] = []
    for (name, _), member in zip(files, members, strict=True):
        raw = member.read_bytes()
        if _expectations(raw):
            expected[name] = _expectations(raw)
        payloads += [p.decode("utf-8") for p in PAYLOAD.findall(raw)]
    return Case(path.name, files, expected, tuple(payloads))


CASE_PATHS = sorted(p for p in HOSTILE.iterdir() if p.is_dir() or p.suffix in (".yaml", ".generated"))
CASES = [load_case(p) for p in CASE_PATHS]
INERT_CASES = [case for case in CASES if case.inert]


_reports: dict[str, tuple[Path, ValidationReport]] = {}


def validated(case: Case, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ValidationReport]:
    """Give the case's content folder and its validation report, made once per test run."""
    if case.name not in _reports:
        content = case.content(tmp_path_factory.mktemp("case") / "content")
        _reports[case.name] = content, validate_sources(load_content(content))
    return _reports[case.name]


def problem_lines(content: Path, report: ValidationReport) -> dict[str, list[str]]:
    """Give each file's problems as `line:col path: message (hint)`, as the corpus writes them."""
    prefix = f"{content.resolve()}/"
    found: dict[str, list[str]] = {}
    for p in report.problems:
        line = f"{p.line}:{p.column} {p.dotted_path}: {p.message}" + (f" ({p.hint})" if p.hint else "")
        printable = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", line.replace(prefix, ""))
        found.setdefault(Path(p.file).name, []).append(printable)
    return found


# --- the corpus is what the issue asks for ------------------------------------------------

def test_the_corpus_has_at_least_60_cases_each_with_an_expected_outcome():
    assert len(CASES) >= 60
    for case in CASES:
        assert case.expected, f"{case.name} states no '# expect:' line"
        for name, lines in case.expected.items():
            assert lines == [INERT] or INERT not in lines, f"{case.name}/{name} mixes outcomes"
    assert len(INERT_CASES) >= 15
    assert all(case.payloads for case in INERT_CASES), "an inert case names no payload to look for"


def test_every_generated_marker_has_a_generator():
    markers = {p.stem for p in HOSTILE.glob("*.generated")}
    assert markers == set(GENERATORS)
    assert len(GENERATORS["ten-megabyte-string"]()) > 10_000_000


# --- validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in CASES])
def test_a_hostile_case_yields_exactly_its_expected_problems(case: Case, tmp_path_factory):
    """A rejected case names every problem at its line and column; an inert one has none."""
    found = problem_lines(*validated(case, tmp_path_factory))
    expected = {} if case.inert else case.expected
    assert found == expected


@pytest.mark.parametrize("case", [case for case in CASES if not case.inert], ids=lambda c: c.name)
def test_a_problem_is_one_printable_line(case: Case, tmp_path_factory):
    """A report goes to terminals and CI logs: a problem must not print control characters,
    or it could forge other problem lines or rewrite the screen."""
    _, report = validated(case, tmp_path_factory)
    for p in report.problems:
        text = f"{p.file}:{p.line}:{p.column}: {p.dotted_path}: {p.message} {p.hint or ''}"
        assert not CONTROL.search(text), repr(text)


def test_the_cli_rejects_the_whole_corpus_with_exit_1_and_no_traceback(tmp_path: Path):
    """Every case at once, through the real command line: content problems, never a crash."""
    content = assemble_content(tmp_path / "content", [])
    for case in CASES:
        for name, raw in case.files:
            (content / "recaps" / f"{case.name}--{name}").write_bytes(raw)
    result = subprocess.run([sys.executable, "-m", "pipeline", "validate", "--content", str(content)],
                            capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert "ten-thousand-talks" in result.stdout + result.stderr


# --- inert cases: the build and what it writes -------------------------------------------

UNSAFE_URL = re.compile(r"^\s*(javascript|vbscript|data|file)\s*:", re.IGNORECASE)
LIVE_TAGS = frozenset({"script", "iframe", "object", "embed", "style", "svg", "math", "form", "base", "meta",
                       "link", "frame", "frameset"})


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_inert_html(html: str, where: str) -> None:
    """Check an HTML fragment: no live element, no event handler, no unsafe link target."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag not in LIVE_TAGS, (where, tag, attrs)
        for name, value in attrs:
            assert not name.startswith("on"), (where, tag, name)
            if name in ("href", "src", "srcset", "action", "formaction", "xlink:href", "poster", "data"):
                assert not UNSAFE_URL.match(value or ""), (where, tag, name, value)
    assert "<script" not in html.lower(), where


def _html_values(value: object, key: str = "") -> Iterator[tuple[str, str]]:
    """Yield (key, text) for every JSON string that holds HTML (`*_html`, `content_html`)."""
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from _html_values(child, child_key)
    elif isinstance(value, list):
        for child in value:
            yield from _html_values(child, key)
    elif isinstance(value, str) and key.endswith("html"):
        yield key, value


ALLOWED_SHORTCODE = re.compile(r'\{\{< youtube id="[A-Za-z0-9_-]{11}"(?: start="[0-9]+")? >\}\}')
MARKDOWN_UNSAFE_TARGET = re.compile(
    r"((?<!\\)\]\(\s*<?|^\s*\[[^\]]*\]:\s*<?|(?<!\\)<)\s*(javascript|vbscript|data|file)\s*:",
    re.IGNORECASE | re.MULTILINE)
"""A link, reference definition or autolink whose target is not a web address (an escaped
`\\]` closes no link text)."""


CODE_SPAN = re.compile(r"(?<!\\)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
RAW_HTML = re.compile(r"(?<!\\)(?:\\\\)*<[A-Za-z!?/]")
"""A `<` that starts a tag, not escaped by a backslash (`\\<script\\>` is Markdown for text)."""


def check_hugo_post(path: Path, text: str) -> None:
    """Front matter is data (YAML that parses); the body carries no HTML, no link to an unsafe
    URL and no live shortcode. Text such as `javascript:alert(1)` may remain: it is not a link
    (Goldmark's linkify only links www., http(s):// and ftp:// text)."""
    assert text.startswith("---\n"), path
    matter, body = text[4:].split("\n---\n", 1)
    assert isinstance(yaml.safe_load(matter), dict), path
    live = ALLOWED_SHORTCODE.sub("", body)
    body = CODE_SPAN.sub("", body)  # text in a code span is code, whatever it looks like
    assert not RAW_HTML.search(re.sub(r"<(https?|mailto):[^>\s]*>", "", body)), (path, "raw HTML")
    assert not MARKDOWN_UNSAFE_TARGET.search(body), (path, "unsafe link target")
    assert "{{<" not in live and "{{%" not in live and "{{" not in live, (path, "live template syntax")


def check_feed_xml(path: Path, raw: bytes) -> None:
    """The feed parses; every HTML payload in it is inert; every link is http(s)."""
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    assert b"<script" not in raw.lower(), path
    root = ET.fromstring(raw)
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        html_carrier = tag in ("description", "encoded") or (
            tag in ("content", "summary", "title", "subtitle") and element.get("type") in ("html", "xhtml"))
        if html_carrier and element.text:
            assert_inert_html(element.text, f"{path}:{tag}")
        for name, value in element.attrib.items():
            if name in ("href", "src", "url"):
                assert not UNSAFE_URL.match(value), (path, tag, value)
        if tag in ("link", "guid", "id", "uri", "icon", "logo", "url") and element.text:
            assert not UNSAFE_URL.match(element.text), (path, tag, element.text)


def check_json(path: Path, raw: bytes) -> None:
    document = json.loads(raw)
    if path.name == "feed.json":  # feedparser reads only XML feeds
        assert document["version"] == "https://jsonfeed.org/version/1.1", path
    for key, html in _html_values(document):
        assert_inert_html(html, f"{path}:{key}")


def check_calendar(path: Path, raw: bytes) -> None:
    from icalendar import Calendar

    calendar = Calendar.from_ical(raw)
    assert calendar.name == "VCALENDAR", path
    assert not re.search(rb"(?im)^(URL|ATTACH)[^:]*:\s*(javascript|data|file):", raw), path


def normalize_text(text: str) -> str:
    """Give PDF text with whitespace collapsed, typographic quotes made straight and case
    folded (the handout sets some headings in capitals; literal text stays literal)."""
    for curly, straight in (("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'")):
        text = text.replace(curly, straight)
    return " ".join(text.split()).casefold()


def check_pdf(path: Path, raw: bytes, payloads: tuple[str, ...]) -> None:
    """The PDF opens; it shows each payload as text; it runs and links to nothing unsafe."""
    reader = pypdf.PdfReader(io.BytesIO(raw))
    text = normalize_text("\n".join(page.extract_text() for page in reader.pages))
    for payload in payloads:
        assert normalize_text(payload) in text, (path, payload)
    for marker in (b"/JavaScript", b"/JS ", b"/Launch", b"/SubmitForm", b"/ImportData"):
        assert marker not in raw, (path, marker)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            uri = str(action.get("/URI", ""))
            assert not UNSAFE_URL.match(uri), (path, uri)


def check_outputs(out: Path, payloads: tuple[str, ...]) -> set[str]:
    """Check every output file of a build; give the kinds of output seen."""
    seen = set()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        relative = path.relative_to(out)
        if path.suffix == ".md":
            check_hugo_post(relative, raw.decode("utf-8"))
            seen.add("markdown")
        elif path.suffix == ".xml":
            check_feed_xml(relative, raw)
            seen.add("feeds")
        elif path.suffix in (".json", ".jsonld"):
            check_json(relative, raw)
            seen.add("json")
        elif path.suffix == ".ics":
            check_calendar(relative, raw)
            seen.add("calendar")
        elif path.suffix == ".pdf":
            check_pdf(relative, raw, payloads)
            seen.add("pdf")
        else:
            pytest.fail(f"unexpected output {relative}")
    return seen


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}




@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in INERT_CASES])
def test_a_hostile_recap_renders_inert_in_every_format(case: Case, tmp_path: Path):
    """The payload builds to outputs that parse, carry nothing live, show it as text, and the
    build writes nowhere but its output folder."""
    content = case.content(tmp_path / "content")
    before = tree(tmp_path)
    out = tmp_path / "dist"
    result = build(BuildOptions(content, out, now=NOW))
    assert result.report.problems == ()
    assert result.published is not None and result.published.written
    after = tree(tmp_path)
    assert {name: data for name, data in after.items() if not name.startswith("dist/")} == before
    assert check_outputs(out, case.payloads) == {"markdown", "feeds", "json", "calendar", "pdf"}


# --- the time and memory budget -----------------------------------------------------------

WORKER = r'''
import atexit, json, os, resource, sys, time
from datetime import UTC, datetime
from pathlib import Path
from pipeline.build import BuildOptions, build
from pipeline.load import load_content
from pipeline.validate import validate_sources

cases, warm_up = json.loads(sys.argv[1]), sys.argv[2]
# Warm up what every case shares (imports, schema validators, pandoc's version probe), so a
# case is charged for its own work, not for starting Python. No build here: typst must not
# have run in a process that forks (a fork after typst deadlocks).
from pipeline import pandoc
validate_sources(load_content(Path(warm_up)))
pandoc.api_version()
for name, content, inert in cases:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        start = time.perf_counter()
        try:
            if inert:
                ok = build(BuildOptions(Path(content), Path(content) / "dist",
                                        now=datetime(2030, 1, 1, tzinfo=UTC))).report.ok
            else:
                ok = validate_sources(load_content(Path(content))).ok
        except Exception as error:  # reported, and failed, by the test
            ok = f"{type(error).__name__}: {error}"
        seconds = time.perf_counter() - start
        atexit._run_exitfuncs()  # the handout workspace of this process goes now
        usage = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # a fork's counters start at zero
        cpu = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime
        os.write(write, json.dumps([name, ok, seconds, cpu, usage.ru_maxrss, children.ru_maxrss]).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        print(pipe.read().decode(), flush=True)
    os.waitpid(pid, 0)
'''


@pytest.fixture(scope="module")
def budgets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bool, float, float, int, int]]:
    """Give each case's (built or validated clean, wall seconds, CPU seconds, peak kB, pandoc's peak kB).

    Measured per case in a fork of a fresh, warmed-up worker. `ru_maxrss` is a process's
    peak resident memory and never goes down, so measuring in pytest's own process would
    show the largest case so far, not this one. A forked child starts from the worker's
    small baseline (shared pages count, so the figure is an upper bound of what the case
    needs), and RUSAGE_CHILDREN adds pandoc's own peak. No address-space limit is set: it
    would kill pandoc and typst rather than measure them.
    """
    root = tmp_path_factory.mktemp("budget")
    warm_up = assemble_content(root / "warm-up", [ROOT / "tests" / "fixtures" / "valid" / "single-talk.yaml"])
    jobs = [[case.name, str(case.content(root / "cases" / case.name)), case.inert] for case in CASES]
    scratch = root / "tmpdir"
    scratch.mkdir()
    environment = {**os.environ, "TMPDIR": str(scratch)}
    command = [sys.executable, "-c", WORKER, json.dumps(jobs), str(warm_up)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT, env=environment,
                            timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert list(scratch.iterdir()) == [], "a build left files in the temporary folder"
    measured = [json.loads(line) for line in result.stdout.splitlines()]
    return {name: (ok, seconds, cpu, own, helpers) for name, ok, seconds, cpu, own, helpers in measured}


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in CASES])
def test_a_case_takes_under_a_cpu_second_and_200_mb(case: Case, budgets):
    """Rejected cases are measured through validation, inert ones through a full build."""
    ok, seconds, cpu, own, helpers = budgets[case.name]
    assert ok == case.inert
    assert cpu < SECONDS_PER_CASE, f"{cpu:.2f} CPU seconds ({seconds:.2f} s wall)"
    assert seconds < WALL_SECONDS_PER_CASE, f"{seconds:.2f} s waiting"
    assert max(own, helpers) < MEGABYTES_PER_CASE * 1024, f"{own // 1024} MB, pandoc {helpers // 1024} MB"
