"""Validation reads every Markdown field with pandoc, so that what validates also builds.

Some Markdown is only found wanting when pandoc reads it: text that would take pandoc
longer or more memory than its limits (`pipeline.pandoc.run_limits`), or that nests
deeper than any output can lay out (`pipeline.sanitize.MAX_NESTING`). Validation reads
every field, through the same cache the build reads from, and reports such a field at
its line; the build then finds every field already read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from pipeline.model import JsonPath, Problem, SourceDoc
from pipeline.pandoc import refused_markdown
from pipeline.sanitize import MAX_NESTING

_QUOTE_PREFIX = re.compile(r"^(?:[ \t]*>)+", re.MULTILINE)
"""A line's run of blockquote markers: counted before pandoc runs, since a few thousand
`>` cost pandoc minutes."""


def markdown_fields(recap: Any) -> Iterator[tuple[JsonPath, str]]:
    """Yield (path, text) of every Markdown field of a recap source (whatever its shape:
    this also runs on sources that broke their schema)."""
    if not isinstance(recap, dict):
        return
    for key in ("intro", "closing"):
        if isinstance(recap.get(key), str):
            yield (key,), recap[key]
    for list_key, field in (("calls_to_action", "text"), ("sections", "body"), ("talks", "summary")):
        for index, item in _items(recap, list_key):
            if isinstance(item.get(field), str):
                yield (list_key, index, field), item[field]
    for index, talk in _items(recap, "talks"):
        takeaways = talk.get("takeaways")
        for number, takeaway in enumerate(takeaways if isinstance(takeaways, list) else ()):
            if isinstance(takeaway, str):
                yield ("talks", index, "takeaways", number), takeaway


def _items(recap: dict[str, Any], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = recap.get(key)
    for index, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, dict):
            yield index, item


def quote_depth(text: str) -> int:
    """Give the most blockquote markers (`>`) that open one line of `text`."""
    return max((match.group().count(">") for match in _QUOTE_PREFIX.finditer(text)), default=0)


def markdown_problems(recaps: Sequence[SourceDoc]) -> list[Problem]:
    """Give a located problem for every Markdown field pandoc cannot read within the limits."""
    fields = [(doc, path, text) for doc in recaps for path, text in markdown_fields(doc.data)]
    problems = []
    readable = []
    for doc, path, text in fields:
        if quote_depth(text) > MAX_NESTING:
            reason = f"nests {quote_depth(text)} block quotes deep; at most {MAX_NESTING} levels"
            problems.append(_problem(doc, path, reason))
        else:
            readable.append((doc, path, text))
    refused = refused_markdown([text for _, _, text in readable])
    for doc, path, text in readable:
        if text in refused:
            problems.append(_problem(doc, path, refused[text]))
    return problems


def _problem(doc: SourceDoc, path: JsonPath, reason: str) -> Problem:
    where = doc.position(path)
    return Problem(doc.file, where.line, where.column, path, f"Markdown that cannot be built: {reason}",
                   "simplify the text: fewer nested quotes, lists or brackets")
