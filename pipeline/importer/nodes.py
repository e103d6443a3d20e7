"""Small readers of pandoc's JSON AST: the text of inlines, a paragraph's lines, its links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pipeline.sanitize import Block, Inline, plain_text, sanitize_blocks

_BREAKS = ("SoftBreak", "LineBreak")


def inline_text(inlines: list[Inline]) -> str:
    """Give inlines as one line of plain text (pandoc's own reading of the words)."""
    return " ".join(plain_text([{"t": "Plain", "c": inlines}]).split())


def block_text(block: Block) -> str:
    """Give a block's words as one line of plain text."""
    return " ".join(plain_text([block]).split())


def para(inlines: list[Inline]) -> Block:
    return {"t": "Para", "c": inlines}


def is_para(block: Block) -> bool:
    return block["t"] in ("Para", "Plain")


def lines_of(block: Block) -> list[list[Inline]]:
    """Split a paragraph's inlines at its line breaks (plain text keeps one line per line)."""
    lines: list[list[Inline]] = [[]]
    for node in block["c"]:
        if node["t"] in _BREAKS:
            lines.append([])
        else:
            lines[-1].append(node)
    return [line for line in lines if line]


def links_in(node: Any) -> Iterator[tuple[str, str]]:
    """Yield (text, url) of every link inside a block or inline, in document order."""
    if isinstance(node, dict):
        if node.get("t") == "Link":
            yield inline_text(node["c"][1]), node["c"][2][0]
        else:
            yield from links_in(node.get("c"))
    elif isinstance(node, list):
        for item in node:
            yield from links_in(item)


def without_links(inlines: list[Inline]) -> list[Inline]:
    """Give inlines with every link removed (text and all)."""
    return [node for node in inlines if node["t"] != "Link"]


def only_links(block: Block) -> bool:
    """Say whether a paragraph holds nothing but links and separators (· , |)."""
    if not is_para(block):
        return False
    rest = inline_text(without_links(block["c"]))
    return any(node["t"] == "Link" for node in block["c"]) and not rest.strip(" ·|,.-\u2013—")


def drop_raw(blocks: list[Block]) -> list[Block]:
    """Remove raw HTML/TeX blocks and inlines everywhere (scripts, comments, iframes)."""
    return [_drop_raw_node(block) for block in blocks if block.get("t") != "RawBlock"]


def _drop_raw_node(node: Any) -> Any:
    if isinstance(node, list):
        return [_drop_raw_node(item) for item in node
                if not (isinstance(item, dict) and item.get("t") in ("RawBlock", "RawInline"))]
    if isinstance(node, dict):
        return {key: _drop_raw_node(value) for key, value in node.items()}
    return node


_EMBED = re.compile(r"https?://(?:www\.)?(?:youtube(?:-nocookie)?\.com/embed/|youtu\.be/)[A-Za-z0-9_-]{11}")
_TWEET_FRAME = re.compile(r"https?://platform\.twitter\.com/embed/[^\"'\s>]*?[?&]id=(\d+)")
_VISIBLE_RAW = re.compile(r"^\s*<(iframe|img|video|audio|object|embed|svg|canvas|picture|table|form)\b",
                          re.IGNORECASE)
"""Raw HTML that shows something; other raw HTML (comments, scripts, a `<div>` tag
around Markdown, whose text pandoc reads as blocks) shows nothing of its own."""


def _embedded_url(raw: str) -> str | None:
    """Give the page an `<iframe>` shows: a YouTube video or an X post, else None."""
    if found := _EMBED.search(raw):
        return found[0]
    if found := _TWEET_FRAME.search(raw):
        return f"https://x.com/i/status/{found[1]}"
    return None


def embeds_as_links(blocks: list[Block]) -> list[Block]:
    """Give raw HTML embeds (`<iframe src=".../embed/ID">`, an X post's frame) as link
    paragraphs, which survive the dropping of raw HTML and are then read as recordings
    and embeds."""
    shown: list[Block] = []
    for block in blocks:
        found = _embedded_url(block["c"][1]) if block["t"] == "RawBlock" else None
        if found:
            label: list[Inline] = [{"t": "Str", "c": found}]
            block = para([{"t": "Link", "c": [["", ["uri"], []], label, [found, ""]]}])
        shown.append(block)
    return shown


def dropped_raw(blocks: list[Block], lines: list[str], first: int) -> list[tuple[int, str]]:
    """Give (line, what) for each raw HTML block that shows something and is not an embed:
    cleaning drops it, so the report must name it."""
    found = []
    for block in blocks:
        raw = block["c"][1] if block["t"] == "RawBlock" and block["c"][0] == "html" else ""
        if not _VISIBLE_RAW.match(raw) or _embedded_url(raw):
            continue
        opening = raw.strip().split("\n", 1)[0]
        number = next((n for n, line in enumerate(lines[first - 1:], start=first) if opening[:60] in line),
                      first)
        shown = opening if len(opening) <= 80 else opening[:77] + "..."
        found.append((number, f"raw HTML {shown}"))
    return found


def clean(blocks: list[Block]) -> list[Block]:
    """Give blocks without raw content, attributes or unsafe links (the pipeline's sanitizer)."""
    return list(sanitize_blocks(drop_raw(embeds_as_links(blocks))))


class Markdown:
    """A Markdown field still held as pandoc blocks; written out in one batch at the end."""

    def __init__(self, blocks: list[Block], *, one_line: bool = False) -> None:
        self.blocks = blocks
        self.one_line = one_line
