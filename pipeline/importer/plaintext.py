"""Give plain text the shape of a post: a title heading, section headings, bullet lists.

Plain text (a web page copied out of a browser) has no markup, so its structure is read
from pandoc's paragraphs: a short line without final punctuation followed by a paragraph
is a heading; lines starting with a bullet character are a list; the lines before the
first real paragraph are the page's title, byline and date.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pipeline.importer.facts import find_date
from pipeline.importer.nodes import inline_text, is_para, lines_of, para
from pipeline.sanitize import Block, Inline

if TYPE_CHECKING:
    from pipeline.importer.reading import Post

BULLETS = ("•", "·", "◦", "▪", "\u2013", "*", "-")
_FINAL = tuple(".!?:;,»…")
_PROSE_END = re.compile(r"[.!?:…][\"'”\u2019)»]*$")
_PERSON_LINE = re.compile(r"^[A-ZÀ-Þ][\w\u2019'-]+(?:\s+[A-ZÀ-Þ][\w\u2019'-]+){1,3}$")
HEADING_MAX = 100
"""Characters: the seed's longest talk title is 81."""


def header(level: int, inlines: list[Inline]) -> Block:
    return {"t": "Header", "c": [level, ["", [], []], inlines]}


def _single_line(block: Block) -> str | None:
    if not is_para(block) or len(lines_of(block)) != 1:
        return None
    return inline_text(block["c"])


def heading_like(block: Block) -> bool:
    """Say whether a paragraph is a short line without final punctuation."""
    line = _single_line(block)
    if not line or len(line) > HEADING_MAX or line.endswith(_FINAL) or line.startswith(BULLETS):
        return False
    return line[0].isupper() or line[0].isdigit()


def is_prose(block: Block) -> bool:
    """Say whether a block is running text: a list, or sentences ending in punctuation."""
    if block["t"] in ("BulletList", "OrderedList", "BlockQuote"):
        return True
    words = inline_text(block["c"]) if is_para(block) else ""
    return len(words.split()) >= 6 and bool(_PROSE_END.search(words))


def _bulleted(block: Block) -> list[Block]:
    """Split a paragraph whose last lines start with a bullet into a lead-in and a list."""
    if not is_para(block):
        return [block]
    lines = lines_of(block)
    marked = [inline_text(line).startswith(BULLETS[:4]) for line in lines]
    first = next((n for n, mark in enumerate(marked) if mark), None)
    if first is None or not all(marked[first:]):
        return [block]
    items = [[{"t": "Plain", "c": _unbullet(line)}] for line in lines[first:]]
    lead = [para(_join_lines(lines[:first]))] if first else []
    return [*lead, {"t": "BulletList", "c": items}]


def _unbullet(line: list[Inline]) -> list[Inline]:
    rest = list(line)
    if rest and rest[0]["t"] == "Str" and rest[0]["c"].startswith(BULLETS[:4]):
        word = rest[0]["c"][1:]
        rest = ([{"t": "Str", "c": word}] if word else []) + rest[1:]
    while rest and rest[0]["t"] == "Space":
        rest.pop(0)
    return rest


def _join_lines(lines: list[list[Inline]]) -> list[Inline]:
    joined: list[Inline] = []
    for index, line in enumerate(lines):
        joined.extend(([{"t": "SoftBreak"}] if index else []) + line)
    return joined


def _read_preamble(post: Post, preamble: list[Block]) -> Block | None:
    """Take the title, date and byline out of the lines before the first paragraph."""
    lines = [text for block in preamble for line in lines_of(block) if (text := inline_text(line))]
    title_at = next((n for n, block in enumerate(preamble) if heading_like(block)), None)
    title = header(1, preamble[title_at]["c"]) if title_at is not None else None
    after = lines[title_at + 1:] if title_at is not None else lines
    for line in after:
        day = find_date(line)
        if day and "date" not in post.front:
            post.front["date"] = day.isoformat()
            post.front_guesses["date"] = f"from the byline {line!r}"
        elif _PERSON_LINE.match(line) and "author" not in post.front:
            post.front["author"] = line
            post.front_guesses["author"] = f"from the byline {line!r}"
    skipped = [line for line in lines if title is None or line != inline_text(title["c"][2])]
    if skipped:
        post.notes.append("left out the lines before the text: " + "; ".join(repr(s) for s in skipped))
    return title


def _promote_headings(blocks: list[Block]) -> list[Block]:
    """Make each heading-like line that is followed by running text a level-2 heading."""
    shaped: list[Block] = []
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if heading_like(block) and following is not None and not heading_like(following):
            shaped.append(header(2, block["c"]))
        else:
            shaped.append(block)
    return shaped


def shape_plain_text(post: Post) -> None:
    """Give `post.blocks` (read from plain text) a title heading and section headings."""
    blocks = [piece for block in post.blocks for piece in _bulleted(block)]
    start = next((n for n, block in enumerate(blocks) if is_prose(block)), len(blocks))
    title = _read_preamble(post, blocks[:start])
    body = blocks[start:]
    while body and heading_like(body[-1]):
        post.notes.append(f"left out the trailing line {inline_text(body[-1]['c'])!r} (site navigation?)")
        body.pop()
    shaped: list[Any] = _promote_headings(body)
    post.blocks = ([title] if title else []) + shaped
