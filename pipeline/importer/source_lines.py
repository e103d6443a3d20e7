"""Find the line of the original file each block came from, so a report can point at it.

Pandoc's Markdown reader keeps no positions, so each block is found by its first words
(or the first URL it links) in the file's lines, searching forward from the block
before it: blocks come in file order, so the search never goes back.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.importer.nodes import block_text, links_in
from pipeline.sanitize import Block

_TOKEN = re.compile(r"[^\W_]+")
_PROBES = (8, 3, 1)
"""Words a block is looked up by, tried in turn: eight tell paragraphs apart ("in
Linkerd 2.11" is not "in Linkerd 2.13"); fewer find a block whose words the file
writes with markup in between."""


def _tokens(text: str) -> list[str]:
    return [token.lower() for token in _TOKEN.findall(text)]


def _targets(block: Any) -> list[str]:
    """Give the link and image targets in a block (images have no text to search by)."""
    found = [url for _, url in links_in(block)]
    if isinstance(block, dict):
        if block.get("t") == "Image":
            found.append(block["c"][2][0])
        found += _targets(block.get("c"))
    elif isinstance(block, list):
        for item in block:
            found += _targets(item)
    return found


def _token_lines(lines: list[str], first: int) -> tuple[list[str], list[int]]:
    tokens: list[str] = []
    where: list[int] = []
    for number, line in enumerate(lines[first - 1:], start=first):
        found = _tokens(line)
        tokens += found
        where += [number] * len(found)
    return tokens, where


def _find(probe: list[str], tokens: list[str], start: int) -> int | None:
    for at in range(start, len(tokens) - len(probe) + 1):
        if tokens[at:at + len(probe)] == probe:
            return at
    return None


def _first_match(probe: list[str], tokens: list[str], cursor: int) -> int | None:
    """Give where the probe's first eight (else three, else one) tokens are, from `cursor` on."""
    for size in _PROBES if probe else ():
        found = _find(probe[:size], tokens, cursor)
        if found is not None:
            return found
    return None


def line_of_each(blocks: list[Block], lines: list[str], first: int) -> dict[int, int]:
    """Give the file's line (1-based) of each block, by `id(block)`; `first` is the line
    the body starts on. A block that cannot be found gets the line of the one before it."""
    tokens, where = _token_lines(lines, first)
    found: dict[int, int] = {}
    cursor, line = 0, first
    for block in blocks:
        by_url = (url_tokens for url in _targets(block) if (url_tokens := _tokens(url)))
        probe = _tokens(block_text(block)) or next(by_url, [])
        at = _first_match(probe, tokens, cursor)
        if at is not None:
            cursor, line = at + 1, where[at]
        found[id(block)] = line
    return found
