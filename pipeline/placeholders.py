"""Placeholders: one marker for text a person must still write, whoever wrote the skeleton.

`invoke new` and the importer both fill what they cannot know with text that begins
`TODO:`. Validation finds every such value: a warning while the recap is a draft, an error
once it would publish, so "TODO: talk title" never reaches a feed, where readers keep it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pipeline.model import JsonPath, Problem, Severity, SourceDoc

MARKER = "TODO:"
PLACEHOLDER_SUMMARY = f"{MARKER} one plain-text paragraph for feeds and search results."
PLACEHOLDER_SPEAKER = f"{MARKER} speaker's name (or a person id from content/people.yaml)"
"""The inline name of a speaker nobody has named yet."""
_SHOWN = 60
"""How much of a placeholder a problem quotes: enough to recognise it, one line."""


def placeholder(what: str) -> str:
    """Give the placeholder text asking for `what`, e.g. `TODO: talk title`."""
    return f"{MARKER} {what}"


def is_placeholder(text: str) -> bool:
    """Say whether `text` is a placeholder: its first non-blank characters are the marker."""
    return text.lstrip().startswith(MARKER)


def find_placeholders(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, str]]:
    """Yield the path and text of every placeholder string value, in document order."""
    if isinstance(value, str):
        if is_placeholder(value):
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from find_placeholders(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from find_placeholders(item, (*path, index))


def _shown(text: str) -> str:
    """Give the placeholder's first line, shortened, quoted and escaped as JSON writes it."""
    line = text.strip().split("\n", 1)[0]
    return json.dumps(line if len(line) <= _SHOWN else line[: _SHOWN - 3] + "...", ensure_ascii=False)


def placeholder_problems(doc: SourceDoc) -> list[Problem]:
    """Give one problem per placeholder of a recap that passed its schema: an error unless
    the recap is a draft, which may keep placeholders until it is finished."""
    draft = doc.data.get("draft") is True
    severity: Severity = "warning" if draft else "error"
    if draft:
        hint = "write the real text before setting draft: false"
    else:
        hint = "write the real text, or set draft: true to keep working on it"
    problems = []
    for path, text in find_placeholders(doc.data):
        where = doc.position(path)
        message = f"is still a placeholder: {_shown(text)}"
        problems.append(Problem(doc.file, where.line, where.column, path, message, hint, severity))
    return problems
