"""Read one old post: its bytes, its front matter (YAML or TOML) and its body as pandoc blocks.

Front matter is split off by comparing whole lines with the fence (`---` or `+++`), then
parsed by the project's strict YAML loader or `tomllib`; Hugo shortcodes are read
(`shortcodes`) and the body goes to pandoc. HTML is read by pandoc's HTML reader: the
page's `<article>`, with front matter from its head (`html_meta`). Raw HTML (scripts,
comments, iframes) never reaches a source; raw HTML that shows something is reported
as not imported, and each block keeps the line it came from (`source_lines`).
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.importer.html_meta import article_html, drop_byline, page_facts, page_head
from pipeline.importer.nodes import block_text, clean, dropped_raw
from pipeline.importer.plaintext import shape_plain_text
from pipeline.importer.report import ImportFailed
from pipeline.importer.shortcodes import read_shortcodes
from pipeline.importer.source_lines import line_of_each
from pipeline.load import display_path, parse_yaml
from pipeline.pandoc import PandocError, run_pandoc
from pipeline.plain_files import MAX_FILE_BYTES, NotAPlainFile, read_plain_file
from pipeline.sanitize import Block, nesting_depth

MARKDOWN_READER = "markdown-raw_tex-raw_attribute-yaml_metadata_block-pandoc_title_block"
"""Raw HTML stays on so that HTML in a post is a RawBlock we can drop whole (a `<script>`
read as text would end up in a summary); the front matter is already split off."""
TEXT_READER = "markdown-raw_html-raw_tex-raw_attribute-yaml_metadata_block-pandoc_title_block"
HTML_READER = "html+raw_html"
"""Raw HTML kept as RawBlocks so that iframes can be read as recordings; every raw node
(scripts included, whole) is then dropped."""
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_FENCES = {"---": "yaml", "+++": "toml"}


@dataclass
class Post:
    """One input as read: its format, front matter, cleaned blocks and raw embeds."""

    path: Path
    file: str
    format: str
    front: dict[str, Any]
    blocks: list[Block]
    front_guesses: dict[str, str] = field(default_factory=dict)
    """Front fields that were guessed from the text (plain text has no front matter)."""
    notes: list[str] = field(default_factory=list)
    lines: dict[int, int] = field(default_factory=dict)
    """The file's line number of each top-level block, by the block's `id()`."""
    not_imported: list[tuple[int, str]] = field(default_factory=list)
    """What the reader could not turn into blocks: (line, what it was)."""


def fail(file: str, reason: str) -> ImportFailed:
    return ImportFailed(f"{file}: {reason}")


def decode(file: str, raw: bytes) -> str:
    """Give the text of a file, refusing empty, binary, oversized and non-UTF-8 files."""
    if len(raw) > MAX_FILE_BYTES:
        raise fail(file, f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; is it a post?")
    if b"\x00" in raw[:8192]:
        raise fail(file, "this is a binary file, not a post (Markdown, HTML or plain text)")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        msg = (f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); "
               "save it as UTF-8")
        raise fail(file, msg) from None
    if not text.strip():
        raise fail(file, "the file is empty; there is nothing to import")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(file: str, text: str) -> tuple[dict[str, Any] | None, str]:
    """Give the front matter (None when there is none) and the body after it."""
    lines = text.split("\n")
    kind = _FENCES.get(lines[0].rstrip())
    if kind is None:
        return None, text
    fence = lines[0].rstrip()
    ends = {fence, "..."} if kind == "yaml" else {fence}
    closing = next((n for n in range(1, len(lines)) if lines[n].rstrip() in ends), None)
    if closing is None:
        raise fail(file, f"the front matter opened with {fence} on line 1 is never closed")
    source = "\n".join(lines[1:closing])
    matter = _yaml_matter(file, source) if kind == "yaml" else _toml_matter(file, source)
    return matter, "\n".join(lines[closing + 1:])


def _yaml_matter(file: str, source: str) -> dict[str, Any]:
    if not source.strip():
        return {}
    doc, problems = parse_yaml(file, source.encode("utf-8"))
    if doc is None or problems:
        first = problems[0]
        # The front matter starts on line 2 of the file.
        raise fail(file, f"line {first.line + 1}: front matter: {first.message}")
    return doc.data


def _toml_matter(file: str, source: str) -> dict[str, Any]:
    try:
        matter = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise fail(file, f"TOML front matter: {error}") from None
    except RecursionError:
        raise fail(file, "TOML front matter: values are nested too deeply") from None
    plain: dict[str, Any] = json.loads(json.dumps(matter, default=_toml_value))
    return plain


def _toml_value(value: Any) -> str:
    """TOML has real dates and times; the rest of the importer reads them as ISO text."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


MAX_IMPORT_NESTING = 64
"""Levels of pandoc nodes an imported post may nest: old HTML nests its divs deeply, but
past this the importer's tree walks would run out of Python's recursion."""


def pandoc_blocks(file: str, text: str, reader: str) -> tuple[list[Block], dict[str, Any]]:
    """Give pandoc's blocks and metadata for `text` read with `reader` (within pandoc's
    time and heap limits, and `MAX_IMPORT_NESTING`)."""
    try:
        document = json.loads(run_pandoc(text, "-f", reader, "-t", "json"))
    except PandocError as error:
        raise fail(file, f"pandoc could not read it: {error}") from None
    except RecursionError:
        document = None
    depth = nesting_depth(document["blocks"]) if document is not None else None
    if depth is None or depth > MAX_IMPORT_NESTING:
        shown = "too" if depth is None else f"{depth} levels"
        raise fail(file, f"the post is nested {shown} deep (quotes, lists, HTML elements); "
                   f"at most {MAX_IMPORT_NESTING} levels can be imported")
    return document["blocks"], document["meta"]


def input_format(path: Path, text: str) -> str:
    """Say how to read a file: by its suffix, front matter making any file Markdown."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in MARKDOWN_SUFFIXES or text.split("\n", 1)[0].rstrip() in _FENCES:
        return "markdown"
    return "text"


def _meta_text(meta: dict[str, Any]) -> dict[str, Any]:
    """Give pandoc metadata (from HTML `<title>` and `<meta>`) as plain strings."""
    found: dict[str, Any] = {}
    for key, value in meta.items():
        if value.get("t") in ("MetaInlines", "MetaString"):
            content = value["c"]
            plain = {"t": "Plain", "c": content}
            found[key.lower()] = content if isinstance(content, str) else block_text(plain)
    return found


def _read_markdown(post: Post, text: str) -> tuple[list[Block], int]:
    """Give a Markdown or text post's blocks: front matter split off, shortcodes read."""
    matter, body = split_front_matter(post.file, text)
    first_line = text.count("\n", 0, len(text) - len(body)) + 1
    post.front = matter if matter is not None else {}
    if matter is None and post.format == "markdown":
        post.notes.append("no front matter: title, date and slug come from the text and file name")
    if post.format == "markdown":
        body, found = read_shortcodes(body, first_line)
        post.notes.extend(found.notes)
        post.not_imported.extend(found.not_imported)
    reader = MARKDOWN_READER if post.format == "markdown" else TEXT_READER
    blocks, _ = pandoc_blocks(post.file, body, reader)
    return blocks, first_line


def read_post(path: Path) -> Post:
    """Read one input file into a `Post`, or raise `ImportFailed` saying why it cannot be."""
    file = display_path(path)
    try:
        raw, size = read_plain_file(path, follow_links=True)
    except NotAPlainFile as refusal:
        raise fail(file, str(refusal)) from None
    except OSError as error:
        raise fail(file, f"cannot read the file: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 1_000_000
        raise fail(file, f"the file is {size / 1_000_000:.1f} MB, larger than {limit} MB; is it a post?")
    text = decode(file, raw)
    kind = input_format(path, text)
    post = Post(path, file, kind, {}, [])
    if kind == "html":
        _, meta = pandoc_blocks(file, page_head(text), HTML_READER)
        blocks, _ = pandoc_blocks(file, article_html(text), HTML_READER)
        post.front, first_line = {**_meta_text(meta), **page_facts(text)}, 1
    else:
        blocks, first_line = _read_markdown(post, text)
    lines = text.split("\n")
    post.not_imported.extend(dropped_raw(blocks, lines, first_line))
    post.blocks = clean(blocks)
    if not post.blocks:
        raise fail(file, "no text left to import (the file holds only markup, scripts or front matter)")
    if kind == "text":
        shape_plain_text(post)
    if kind == "html":
        drop_byline(post)
    post.lines = line_of_each(post.blocks, lines, first_line)
    return post
