"""Property test: random Markdown shapes either build in every format or are a located
problem, always within a time bound: what validation accepts, the build builds.

A small grammar nests block quotes, lists, emphasis, links, images, code spans with runs
of backticks, headings, fences, tables and footnotes, and sprinkles the delimiters pandoc
reads slowly (`[`, `<`, `&`, backticks) unclosed. Each example goes into a recap's intro,
closing, talk summary and takeaway, then through validation and, when valid, the build
of every format.
"""

from __future__ import annotations

import os
import textwrap
import time
from datetime import UTC, datetime
from typing import Any

from conftest import assemble_content
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_hostile import check_outputs

from pipeline.build import BuildOptions, build
from pipeline.load import load_content
from pipeline.validate import validate_sources
from pipeline.yaml_text import dump_yaml

EXAMPLES = int(os.environ.get("FUZZ_SHAPES", 100))
SECONDS_PER_CASE = 8.0
"""Validation and a cold build of every format of one recap: ~1 s on the development
machine; the bound leaves room for a shared CI runner, and is far below the hang it guards."""
NOW = datetime(2030, 1, 1, tzinfo=UTC)
TAKEAWAY_LENGTH = 500
"""The schema's limit for a takeaway; a longer shape goes into the other fields only."""

WORDS = st.sampled_from(["word", "x", "Linkerd", "a b", "1.", "#", "-", "+", "*", "|", ":", "!", "\\", "$x$",
                         "@ref", "{.c}", "{: a=b}", "{{", "{%", "%}}", "}}", "#notes", "mailto:", "http:///p"])
DELIMITERS = st.sampled_from(["[", "]", "(", ")", "<", ">", "&", "`", "``", "```", "*", "**", "_", "~~", "^",
                              "![", "[^", "[x]", "[ ]", "\n", "\n\n", "    ", "> ", "- ", "1. "])
URLS = st.sampled_from(["https://e.org/a", "#", "#notes", "mailto:", "mailto:a@e.org", "http:///p",
                        "rel/path", "javascript:alert(1)", ""])


def inline(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, children).map(" ".join),
        children.map(lambda t: f"*{t}*"), children.map(lambda t: f"**{t}**"),
        children.map(lambda t: f"~~{t}~~"),
        st.tuples(children, URLS).map(lambda p: f"[{p[0]}]({p[1]})"),
        st.tuples(children, URLS).map(lambda p: f"![{p[0]}]({p[1]})"),
        st.tuples(st.integers(1, 4), children).map(lambda p: f"{'`' * p[0]}{p[1]}{'`' * p[0]}"),
        children.map(lambda t: f"{t}[^n]\n\n[^n]: {t}"),
    )


INLINE = st.recursive(st.one_of(WORDS, DELIMITERS), inline, max_leaves=12)


def block(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, children).map("\n\n".join),
        children.map(lambda t: textwrap.indent(t, "> ", lambda _line: True)),
        children.map(lambda t: "- " + textwrap.indent(t, "  ").lstrip()),
        children.map(lambda t: "1. " + textwrap.indent(t, "   ").lstrip()),
        st.tuples(st.integers(1, 6), INLINE).map(lambda p: f"{'#' * p[0]} {p[1]}"),
        INLINE.map(lambda t: f"```\n{t}\n```"),
        st.tuples(INLINE, INLINE).map(lambda p: f"| {p[0]} | b |\n|---|---|\n| {p[1]} | 2 |"),
        st.tuples(st.integers(1, 300), DELIMITERS, INLINE).map(lambda p: p[1] * p[0] + p[2]),
    )


MARKDOWN = st.recursive(INLINE, block, max_leaves=8).filter(lambda text: text.strip() != "")


def recap_with(markdown: str) -> str:
    recap: dict[str, Any] = {
        "id": "urn:uuid:00000000-0000-4000-8000-999999990042", "kind": "conference", "title": "Shapes",
        "slug": "shapes", "date": "2024-05-02", "authors": ["ada"],
        "summary": "A recap whose Markdown fields hold a generated shape.",
        "intro": markdown, "closing": markdown,
        "talks": [{"title": "A talk", "kind": "talk", "speakers": ["ada"], "summary": markdown}],
    }
    if len(markdown) <= TAKEAWAY_LENGTH:
        recap["talks"][0]["takeaways"] = [markdown]
    return dump_yaml(recap)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(markdown=MARKDOWN)
def test_a_markdown_shape_builds_in_every_format_or_is_a_located_problem(markdown: str,
                                                                          tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("shape")
    content = assemble_content(folder / "content", [])
    (content / "recaps" / "shapes.yaml").write_text(recap_with(markdown), encoding="utf-8")
    started = time.monotonic()
    report = validate_sources(load_content(content))
    if not report.ok:
        event("refused")
        for problem in report.problems:  # only Markdown problems, each at its field's line
            assert problem.message.startswith("Markdown that cannot be built"), problem
            assert problem.line > 1 and problem.dotted_path.startswith(("intro", "closing", "talks[0]"))
    else:
        event("built")
        result = build(BuildOptions(content, folder / "dist", now=NOW, jobs=1))
        assert result.report.ok and result.published is not None
        assert check_outputs(folder / "dist", ()) == {"markdown", "feeds", "json", "calendar", "pdf"}
    assert time.monotonic() - started < SECONDS_PER_CASE
