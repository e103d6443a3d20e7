"""Property tests: schema-valid recaps, with hostile text spliced in, never break the pipeline.

hypothesis-jsonschema generates recaps from a generation-friendly copy of the real schema
(see `generation_schema`): the formats it cannot satisfy (date, date-time, uri) and the
cross-field rules the schema cannot express (dates in order, offsets that match the zone)
become short lists of good values, and lists are kept short. Then `splice` replaces some
free-text fields with hostile strings (raw HTML, template syntax, typst and pandoc raw
blocks, unsafe links, characters YAML and XML treat specially).

Two properties share the budget of 500+ examples per run:

* many examples through load, validate and normalize, in memory (milliseconds each): the
  YAML round trip is exact, a rejected recap gets only located problems, never an
  exception, and a valid one normalizes;
* fewer examples through the real build of every format (pandoc and typst start-up make
  each ~0.5-1 s): every output parses and is inert, and a rebuild from cold caches gives
  the same bytes.

Both use `derandomize=True` and no example database, so every CI run tries the same inputs.
"""

from __future__ import annotations

import copy
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, assemble_content
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from test_hostile import check_outputs, tree

from pipeline.build import BuildOptions, build
from pipeline.load import ContentSources, load_file, parse_yaml
from pipeline.normalize import normalize
from pipeline.validate import schema_path, validate_sources
from pipeline.yaml_text import dump_yaml

NOW = datetime(2030, 1, 1, tzinfo=UTC)
FILE = "recaps/generated.yaml"
PEOPLE = ["ada", "ben-okafor", "zoe-nunez", "taro-yamada", "dmitri-ivanov"]
URLS = ["https://recaps.example.org/x", "https://youtu.be/BWL4889RKhU", "http://e.org/a?b='c'&d=(e)#f",
        "https://www.youtube.com/watch?v=aaaaaaaaaaa", "https://e.org/%3Cscript%3E"]
SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
ONE_LINE_PATTERN = "^[^\\n]*$"
MAX_LIST = 3
EXAMPLES_IN_MEMORY = int(os.environ.get("FUZZ_IN_MEMORY", 450))
EXAMPLES_BUILT = int(os.environ.get("FUZZ_BUILT", 150))
MAX_TEXT = 120

HOSTILE_LINE = [
    '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '{{< youtube "evil" >}}', "{{% x %}}",
    "{{ .Site }}", '#read("/etc/passwd")', "#panic()", "`x`{=typst}", "]]>", "&lt;script&gt;", "&amp;",
    "javascript:alert(1)", "---", "+++", "\u202e\u2028\u2029", "'\"\\", "$x$ @ref <label>", "<!--", "012",
    "on", "NO", "12:30", "2024-05-02", "~", "*a &b !c", "%", "\ufeff", "\u00a0",
]
HOSTILE_MARKDOWN = [
    *HOSTILE_LINE,
    "```{=html}\n<script>alert(1)</script>\n```",
    "```{=typst}\n#text(fill: red)[X]\n```",
    "[x](javascript:alert(1)) [f](file:///etc/passwd) ![d](data:image/png;base64,AA==)",
    "<javascript:alert(1)> <https://ok.example/>",
    "[r][1]\n\n[1]: javascript:alert(2)",
    "a[^1]\n\n[^1]: note [js](javascript:x)",
    "```\nunclosed fence",
    "---\ntitle: x\n---",
    "# h {#id onclick=x typst:fill=red}\n\n[s]{typst:text:fill=red}",
    "| a | b |\n|---|---|\n| <b>1</b> | 2 |",
    "::: {.x onclick=y}\ndiv\n:::",
    "% title\n% author",
]
MARKDOWN_KEYS = {"intro", "closing", "text", "body"}
"""Markdown fields by key; a talk's `summary` and the takeaways are handled by position."""
PLAIN_KEYS = {"title", "name", "track", "location", "takeaways_intro", "affiliation", "role"}


def _fixed(values: list[Any]) -> dict[str, Any]:
    return {"type": "string", "enum": values}


def _narrow(node: Any) -> Any:
    """Give a schema node with short lists, short strings and formats made enumerable."""
    if isinstance(node, list):
        return [_narrow(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _narrow(value) for key, value in node.items() if key not in ("examples", "default")}
    if node.get("format") == "date":
        return _fixed(["2020-01-01", "2024-05-01", "2031-12-31"])
    if node.get("format") == "date-time":
        return _fixed(["2024-05-02T09:00:00-07:00", "2024-05-02T16:00:00Z"])
    if "maxItems" in node:
        node["maxItems"] = min(node["maxItems"], MAX_LIST)
        node["minItems"] = min(node.get("minItems", 0), node["maxItems"])
    if node.get("type") == "string" and "maxLength" in node:
        node["maxLength"] = min(node["maxLength"], MAX_TEXT)
    # Regex-then-length filtering starves the generator: bound the regex instead, and let
    # `splice` take newlines out of one-line fields.
    if node.get("pattern") == SLUG_PATTERN:
        node["pattern"], node["maxLength"] = "^[a-z0-9]{1,12}(-[a-z0-9]{1,8}){0,2}$", 40
    elif node.get("pattern") == ONE_LINE_PATTERN:
        del node["pattern"]
    return node


def generation_schema() -> dict[str, Any]:
    """Give the recap schema narrowed so that what it generates is almost always publishable."""
    schema = json.loads(schema_path("recap").read_text(encoding="utf-8"))
    definitions = schema["definitions"]
    definitions["url"] = _fixed(URLS)
    definitions["personId"] = _fixed(PEOPLE)
    definitions["timeZone"] = _fixed(["UTC", "Europe/Berlin", "Asia/Kolkata"])
    # A few fixed lengths; the schema bounds hours (see tests/hostile/huge-meeting-duration.yaml).
    definitions["duration"] = _fixed(["PT1H", "PT31M26S", "PT45S", "PT1H2M30S", "PT100H"])
    schema = _narrow(schema)
    properties = schema["properties"]
    # The schema cannot say "after the recap's date" or "the zone's offset": fix those fields.
    properties["id"] = _fixed(["urn:uuid:3f1c0a52-8a9e-4c1e-9d55-2b7f1f0e6a11",
                               "tag:example.org,2024-05-02:recap/../x"])
    properties["date"] = _fixed(["2024-05-02"])
    properties["updated"] = _fixed(["2024-05-02", "2024-06-01T10:30:00+02:00"])
    properties["draft"] = {"const": False}
    properties["summary"] = {"type": "string", "minLength": 20, "maxLength": 300}
    schema["definitions"]["nextMeeting"]["properties"]["start"] = _fixed(["2030-06-01T09:00:00Z"])
    schema["definitions"]["nextMeeting"]["properties"]["time_zone"] = _fixed(["UTC"])
    schema["definitions"]["event"]["properties"]["start"] = _fixed(["2024-04-30"])
    schema["definitions"]["event"]["properties"]["end"] = _fixed(["2024-05-01"])
    schema["definitions"]["series"]["properties"]["part"] = {"const": 1}
    return schema


RECAPS = from_schema(generation_schema())


def _hostile(data: st.DataObject, current: str, pool: list[str], limit: int) -> str:
    """Give `current`, or a hostile string from `pool` put before or instead of it."""
    choice = data.draw(st.sampled_from(["keep", "replace", "append"]))
    if choice == "keep":
        return current
    payload = data.draw(st.sampled_from(pool))
    text = payload if choice == "replace" else f"{current} {payload}"
    return text[:limit] if text[:limit].strip() else current


def splice(value: Any, data: st.DataObject, key: str = "", in_talk: bool = False) -> Any:
    """Give `value` with some free-text fields replaced by hostile strings."""
    if isinstance(value, dict):
        return {k: splice(v, data, k, in_talk or "speakers" in value) for k, v in value.items()}
    if isinstance(value, list):
        return [splice(item, data, key, in_talk) for item in value]
    if not isinstance(value, str):
        return value
    if key in MARKDOWN_KEYS or (in_talk and key in ("summary", "takeaways")):
        return _hostile(data, value, HOSTILE_MARKDOWN, 500)
    if key in PLAIN_KEYS:
        return _hostile(data, value.replace("\n", " "), HOSTILE_LINE, 120)
    if key == "summary":  # the recap's own summary: one line of plain text, no < or >
        return (re.sub(r"[\n<>]", " ", value) + " " * 20)[:300] if value.strip() else "x" * 20
    return value


XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 forbids: the validator rejects them (with a located problem)."""


def _without_forbidden(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_forbidden(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_forbidden(item) for item in value]
    if isinstance(value, str):
        return XML_FORBIDDEN.sub("", value) or "x"
    return value


@st.composite
def hostile_recaps(draw: st.DrawFn, printable: bool = False) -> dict[str, Any]:
    """Give a generated recap with hostile text spliced in; with `printable`, without the
    control characters the validator rejects (generated text is full of them), so that
    most examples get as far as the renderers."""
    recap = splice(draw(RECAPS), draw(st.data()))
    return _without_forbidden(recap) if printable else recap


def recap_yaml(recap: dict[str, Any]) -> bytes:
    """Write a recap as a contributor's file would be: block YAML, Unicode kept."""
    return dump_yaml(recap, width=80).encode("utf-8")


_registries: dict[str, Any] = {}


def registries() -> tuple[Any, Any]:
    """Give the fixture site and people, loaded once."""
    if not _registries:
        for name in ("site", "people"):
            doc, problems = load_file(FIXTURES / f"{name}.yaml")
            assert problems == []
            _registries[name] = doc
    return _registries["site"], _registries["people"]


def assert_located(problems: Any, files: set[str]) -> None:
    for problem in problems:
        assert problem.file in files, problem
        assert problem.line >= 1 and problem.column >= 1, problem
        assert problem.message and "\n" not in problem.message, problem


@settings(max_examples=EXAMPLES_IN_MEMORY, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(recap=hostile_recaps())
def test_a_generated_recap_loads_exactly_and_validates_or_is_located(recap: dict[str, Any]) -> None:
    """too_slow/data_too_large are suppressed: a whole recap from a 400-line schema is a big
    draw by design, and the run is budgeted by max_examples, not by Hypothesis' timers."""
    doc, problems = parse_yaml(FILE, recap_yaml(recap))
    assert problems == [] and doc is not None
    assert doc.data == recap  # YAML 1.1 look-alikes ('on', '012', '12:30') stay strings
    site, people = registries()
    sources = ContentSources(site, people, (doc,), (), 3)
    report = validate_sources(sources)
    assert_located(report.problems, {FILE})
    event("valid" if report.ok else "rejected by validation")
    if report.ok:
        catalog = normalize(sources)
        [normalized] = catalog.recaps
        assert (normalized.title, normalized.slug) == (recap["title"], recap["slug"])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


_example = iter(range(10**9))


@settings(max_examples=EXAMPLES_BUILT, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(recap=hostile_recaps(printable=True))
def test_a_generated_recap_builds_every_format_to_parseable_inert_reproducible_outputs(
        recap: dict[str, Any], scratch: Path) -> None:
    """Each example gets its own folder under a module-scoped scratch folder (the fixture is
    not reset between examples, hence the suppressed health check)."""
    folder = scratch / str(next(_example))
    content = assemble_content(folder / "content", [])
    (content / "recaps" / "generated.yaml").write_bytes(recap_yaml(recap))
    first = build(BuildOptions(content, folder / "first", now=NOW))
    event("rejected by validation" if not first.report.ok else "built")
    if not first.report.ok:
        assert_located(first.report.problems, {p.file for p in first.report.problems})
        assert all(p.file.endswith("recaps/generated.yaml") for p in first.report.problems)
        return
    assert first.published is not None
    check_outputs(folder / "first", ())
    build(BuildOptions(content, folder / "second", now=NOW))  # a new converter: converts all again
    assert tree(folder / "second") == tree(folder / "first")


def test_the_generation_schema_only_narrows_the_real_one() -> None:
    """Every value the fuzzer generates must be one the real schema accepts (before splicing
    hostile text into fields whose constraints the splice respects)."""
    original = json.loads(schema_path("recap").read_text(encoding="utf-8"))
    narrowed = copy.deepcopy(generation_schema())
    assert set(narrowed["properties"]) == set(original["properties"])
    assert set(narrowed["definitions"]) == set(original["definitions"])
