"""Write a draft as source text: Markdown fields through pandoc, YAML by hand with comments.

PyYAML cannot write comments, and every guess needs one, so the YAML is written here:
strings as JSON (which YAML reads the same), Markdown as literal blocks. The result is read
back with the project's loader and compared, so a quoting mistake can never reach a file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from pipeline.convert import Converter
from pipeline.importer.nodes import Markdown
from pipeline.importer.report import Draft, ImportFailed
from pipeline.landing import IMPORTED_FROM
from pipeline.load import parse_yaml
from pipeline.model import JsonPath
from pipeline.new import MODELINE
from pipeline.placeholders import placeholder

TOP_ORDER = ("id", "kind", "title", "slug", "aliases", "date", "updated", "draft", "authors", "tags",
             "summary", "description", "cover", "params", "series", "event", "meeting", "intro",
             "calls_to_action", "sections", "talks", "recording", "closing", "next_meeting", "related")
KEY_ORDER = ("title", "kind", "track", "speakers", "guests", "summary", "body", "takeaways_intro",
             "takeaways", "text", "url", "recording", "links", "duration", "uploaded", "id", "name", "part",
             "parts", "start", "time_zone", "display_zones", "zone", "label", "registration_url")
BLANK_BEFORE = frozenset({"series", "intro", "calls_to_action", "sections", "talks", "recording", "closing",
                          "next_meeting", "related"})
BODY = frozenset({"intro", "calls_to_action", "sections", "talks", "recording", "recordings", "closing"})
"""The keys whose order is the order the post shows them in (the draft keeps it)."""
MARKDOWN_WRITER = ("markdown-smart", "--wrap=auto", "--columns=76")
"""Without `smart` the writer keeps curly quotes, apostrophes and dashes as the author typed them."""
_MUST_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _markdown_fields(value: Any) -> Iterator[Markdown]:
    if isinstance(value, Markdown):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _markdown_fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from _markdown_fields(item)


def _replace_markdown(value: Any, written: dict[int, str]) -> Any:
    if isinstance(value, Markdown):
        return written[id(value)]
    if isinstance(value, dict):
        return {key: _replace_markdown(item, written) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_markdown(item, written) for item in value]
    return value


def write_markdown(draft: Draft, converter: Converter) -> None:
    """Write every Markdown field of the draft with pandoc's Markdown writer, in one batch."""
    fields = list(_markdown_fields(draft.recap))
    texts = converter.write([field.blocks for field in fields], *MARKDOWN_WRITER)
    written = {}
    for field, text in zip(fields, texts, strict=True):
        text = text.strip("\n")
        if field.one_line and "\n\n" not in text:  # a list item reads best on one line
            text = " ".join(text.split("\n"))
        written[id(field)] = text + "\n" if "\n" in text else text or placeholder("write this field.")
    draft.recap = _replace_markdown(draft.recap, written)


def quoted(text: str) -> str:
    """Give a YAML double-quoted scalar (JSON's escapes, plus the characters YAML 1.1 forbids)."""
    return _MUST_ESCAPE.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(text, ensure_ascii=False))


def _literal_ok(text: str) -> bool:
    """Say whether a string can be a `|` block: ends in one newline, no leading space or odd breaks."""
    body = text[:-1]
    return (text.endswith("\n") and not body.endswith("\n") and not body.startswith((" ", "\n"))
            and "\r" not in text and not _MUST_ESCAPE.search(text)
            and all(not line or not line.isspace() for line in body.split("\n")))


def _scalar(prefix: str, value: Any, indent: int) -> list[str]:
    if isinstance(value, bool):
        return [prefix + ("true" if value else "false")]
    if isinstance(value, int):
        return [prefix + str(value)]
    if isinstance(value, str) and "\n" in value and _literal_ok(value):
        pad = " " * indent
        return [prefix + "|"] + [pad + line if line else "" for line in value[:-1].split("\n")]
    if value == [] or value == {}:
        return [prefix + json.dumps(value)]
    return [prefix + quoted(str(value))]


def _comment(comments: dict[JsonPath, str], path: JsonPath, pad: str) -> list[str]:
    reason = comments.get(path)
    return [f"{pad}# guessed: {' '.join(reason.split())}"] if reason else []


def _ordered(mapping: dict[str, Any], order: tuple[str, ...]) -> list[str]:
    return sorted(mapping, key=lambda key: order.index(key) if key in order else len(order))


def _top_ordered(recap: dict[str, Any]) -> list[str]:
    """Give the recap's keys in `TOP_ORDER`, the body's keys in the order the draft got
    them (the order the post shows them in)."""
    keys = _ordered(recap, TOP_ORDER)
    body = iter([key for key in recap if key in BODY])
    return [next(body) if key in BODY else key for key in keys]


def _entry(key: str, value: Any, path: JsonPath, comments: dict[JsonPath, str], indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict) and value:
        return [f"{pad}{key}:", *_mapping(value, path, comments, indent + 2)]
    if isinstance(value, list) and value:
        return [f"{pad}{key}:", *_sequence(value, path, comments, indent + 2)]
    return _scalar(f"{pad}{key}: ", value, indent + 2)


def _mapping(mapping: dict[str, Any], path: JsonPath, comments: dict[JsonPath, str],
             indent: int) -> list[str]:
    lines: list[str] = []
    for key in _ordered(mapping, KEY_ORDER):
        lines += _comment(comments, (*path, key), " " * indent)
        lines += _entry(key, mapping[key], (*path, key), comments, indent)
    return lines


def _sequence(items: list[Any], path: JsonPath, comments: dict[JsonPath, str], indent: int) -> list[str]:
    """Write a list; a mapping item's first key goes on the `- ` line, its comment above it."""
    pad, lines = " " * indent, []
    for index, item in enumerate(items):
        lines += _comment(comments, (*path, index), pad)
        if isinstance(item, dict) and item:
            first = _ordered(item, KEY_ORDER)[0]
            lines += _comment(comments, (*path, index, first), pad)
            body = _mapping(item, (*path, index), {**comments, (*path, index, first): ""}, indent + 2)
            lines += [pad + "- " + body[0].lstrip(), *body[1:]]
        else:
            lines += _scalar(pad + "- ", item, indent + 2)
    return lines


def source_text(draft: Draft, imported_from: str | None = None) -> str:
    """Give the source file's text: modeline, the post it came from (so importing it again
    is recognised), then every field with its guess comment."""
    lines = [MODELINE]
    if imported_from is not None:
        lines.append(IMPORTED_FROM + " ".join(imported_from.split()))
    for key in _top_ordered(draft.recap):
        if key in BLANK_BEFORE:
            lines.append("")
        lines += _comment(draft.comments, (key,), "")
        lines += _entry(key, draft.recap[key], (key,), draft.comments, 0)
    text = "\n".join(lines) + "\n"
    doc, problems = parse_yaml("import", text.encode("utf-8"))
    if doc is None or problems or doc.data != draft.recap:
        msg = "internal error: the source written for this post does not read back the same; please report it"
        raise ImportFailed(msg)
    return text


def people_text(proposed: dict[str, dict[str, str]], source: str) -> str:
    """Give a proposed-people file: people.yaml entries for the names not in the registry."""
    lines = [
        "# yaml-language-server: $schema=../../schema/people.schema.json",
        f"# People named in {source} who are not in content/people.yaml.",
        "# Check each entry, move the ones you accept into content/people.yaml, replace the",
        "# inline speakers in the source with their ids, then delete this file.",
    ]
    for person_id, entry in proposed.items():
        lines += ["", f"{person_id}:", *(f"  {key}: {quoted(value)}" for key, value in entry.items())]
    return "\n".join(lines) + "\n"
