"""Validation reads every Markdown field with pandoc, so that what validates also builds.

Some Markdown is only found wanting when pandoc reads it: text that would take pandoc
longer or more memory than its limits (`pipeline.pandoc.run_limits`), or that nests
deeper than any output can lay out (`pipeline.sanitize.MAX_NESTING`). Validation reads
every field, through the converter the build then renders with, and reports such a field
at its line; the build then finds every field already read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from pipeline.convert import Converter
from pipeline.model import JsonPath, Problem, SourceDoc
from pipeline.sanitize import MAX_NESTING

_QUOTE_PREFIX = re.compile(r"^(?:[ \t]*>)+", re.MULTILINE)
"""A line's run of blockquote markers: counted before pandoc runs, since a few thousand
`>` cost pandoc minutes. The shapes below are refused before pandoc runs for the same
reason; any other slow shape meets pandoc's time limit (`pipeline.pandoc.run_limits`)."""


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
    for list_key in ("sections", "talks"):
        for index, part in _items(recap, list_key):
            yield from _takeaways((list_key, index), part)
    for index, section in _items(recap, "sections"):
        for number, action in _items(section, "calls_to_action"):
            if isinstance(action.get("text"), str):
                yield ("sections", index, "calls_to_action", number, "text"), action["text"]


def _takeaways(path: JsonPath, part: dict[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    """Yield a talk's or a section's takeaways: plain points, and points with sub-points."""
    takeaways = part.get("takeaways")
    for number, takeaway in enumerate(takeaways if isinstance(takeaways, list) else ()):
        here = (*path, "takeaways", number)
        if isinstance(takeaway, str):
            yield here, takeaway
        elif isinstance(takeaway, dict):
            if isinstance(takeaway.get("text"), str):
                yield (*here, "text"), takeaway["text"]
            points = takeaway.get("points")
            for point, text in enumerate(points if isinstance(points, list) else ()):
                if isinstance(text, str):
                    yield (*here, "points", point), text


def _items(recap: dict[str, Any], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = recap.get(key)
    for index, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, dict):
            yield index, item


MAX_BRACKET_SCAN = 50_000
"""Characters pandoc may scan after `[` that no `]` closes: it looks for the end of a link
at each, to the end of the field (~20 µs a character: 30 stray `[` before 19,000
characters took 12 s). Prose has a few stray `[`, and they cost a scan each."""
MAX_ANGLE_SCAN = 2_000_000
"""Characters pandoc may scan after `<` for a `>` closing an autolink (~0.3 µs each: 500
`<x ` before 18,000 characters took 2.6 s)."""
MAX_BACKTICK_SCAN = 5_000_000
"""Backticks times characters pandoc may scan after a run of backticks that no later run
of the same length closes (~0.15 µs each: runs of 1 to 199 backticks took 37 s)."""
MAX_AMPERSANDS = 500
"""`&`: pandoc's time grows with their square (6,000 `&a` took 8 s, 500 take 0.05 s)."""


def bracket_scan(text: str) -> int:
    """Give how many characters follow each `[` (not escaped) that no `]` closes, summed."""
    open_at: list[int] = []
    escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            open_at.append(index)
        elif char == "]" and open_at:
            open_at.pop()
    return sum(len(text) - index for index in open_at)


def angle_scan(text: str) -> int:
    """Give how many characters lie between each `<` and the next `>` (or the end), summed."""
    total, next_close = 0, len(text)
    for index in range(len(text) - 1, -1, -1):
        if text[index] == ">":
            next_close = index
        elif text[index] == "<":
            total += next_close - index
    return total


_BACKTICKS = re.compile(r"`+")


def backtick_scan(text: str) -> int:
    """Give, summed over each run of backticks that no later run of its length closes, its
    length times the characters from its start on."""
    total, closers = 0, set()
    for run in reversed(list(_BACKTICKS.finditer(text))):
        length = run.end() - run.start()
        if length not in closers:
            total += length * (len(text) - run.start())
        closers.add(length)
    return total


def costly_shape(text: str) -> str | None:
    """Say why pandoc would take too long over `text`, before it runs; None if it would not."""
    depth = quote_depth(text)
    if depth > MAX_NESTING:
        return f"nests {depth} block quotes deep; at most {MAX_NESTING} levels"
    if text.count("&") > MAX_AMPERSANDS:
        return f"has {text.count('&'):,} `&`; at most {MAX_AMPERSANDS} in one field"
    if "[" in text and bracket_scan(text) > MAX_BRACKET_SCAN:
        return "has `[` that no `]` closes before long text, which pandoc reads too slowly"
    if "`" in text and backtick_scan(text) > MAX_BACKTICK_SCAN:
        return "has runs of backticks that no run of the same length closes, which pandoc reads too slowly"
    if "<" in text and angle_scan(text) > MAX_ANGLE_SCAN:
        return "has `<` that no `>` closes before long text, which pandoc reads too slowly"
    return None


def quote_depth(text: str) -> int:
    """Give the most blockquote markers (`>`) that open one line of `text`."""
    return max((match.group().count(">") for match in _QUOTE_PREFIX.finditer(text)), default=0)


def markdown_problems(recaps: Sequence[SourceDoc], converter: Converter) -> list[Problem]:
    """Give a located problem for every Markdown field pandoc cannot read within the limits."""
    fields = [(doc, path, text) for doc in recaps for path, text in markdown_fields(doc.data)]
    problems = []
    readable = []
    for doc, path, text in fields:
        reason = costly_shape(text)
        if reason is not None:
            problems.append(_problem(doc, path, reason))
        else:
            readable.append((doc, path, text))
    refused = converter.refused([text for _, _, text in readable])
    for doc, path, text in readable:
        if text in refused:
            problems.append(_problem(doc, path, refused[text]))
    return problems


def _problem(doc: SourceDoc, path: JsonPath, reason: str) -> Problem:
    where = doc.position(path)
    return Problem(doc.file, where.line, where.column, path, f"Markdown that cannot be built: {reason}",
                   "simplify the text: fewer nested quotes or lists; close brackets, or write \\[ and \\<")
