"""Account for every block of a post, so that nothing is lost without a word.

After the draft is composed, each top-level block of the post must be in one of two
places: *kept*, the block itself inside one of the draft's Markdown fields (an intro, a
section's body, a takeaway), or *taken*, its words and links all found in the draft's
other fields (a title, a recording, a speaker's name). The check looks only at the draft,
never at which mapping ran, so a mapping that drops a block cannot go unnoticed. A block
that is neither is put back as Markdown after the nearest block before it that a field
kept (the intro when none is), with a note naming its line, so the draft holds all of
the post; only what the reader could not turn into blocks is reported as not imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pipeline.importer.nodes import Markdown, block_text, links_in
from pipeline.importer.reading import Post
from pipeline.importer.report import Draft
from pipeline.importer.sections import GUEST_LABELS, LINK_LABELS, SPEAKER_LABELS, TALK_LABELS
from pipeline.model import JsonPath, Recording, format_path
from pipeline.sanitize import Block, plain_text

LABEL_WORDS = frozenset(word for label in (*TALK_LABELS, *LINK_LABELS, *SPEAKER_LABELS, *GUEST_LABELS)
                        for word in label.split()) | {"at", "by", "take", "part", "recording", "watch"}
"""Words the pipeline's own posts print as labels ("Talk at Track.", "**Speakers:**",
"[Slides]"): the fields they were read into show them again, so they need no match."""
_WORD = re.compile(r"[^\W_]+")
_X_STATUS = re.compile(r"(?:twitter|x)\.com/\w+/status(?:es)?/(\d+)")
_CONTAINERS = ("BlockQuote", "Div", "BulletList", "OrderedList")


def _words(text: str) -> list[str]:
    return [w for w in (word.lower() for word in _WORD.findall(text)) if w not in LABEL_WORDS]


def _url_key(url: str) -> str:
    """Give what identifies a link: a video's id, an X post's id, else the URL."""
    video = Recording(url).youtube_id
    if video:
        return f"youtube:{video}"
    post = _X_STATUS.search(url)
    return f"x:{post[1]}" if post else url.strip().rstrip("/")


def _targets(node: Any) -> Iterator[str]:
    """Yield every link and image target inside a node."""
    if isinstance(node, dict):
        if node.get("t") in ("Link", "Image"):
            yield node["c"][2][0]
        yield from _targets(node.get("c"))
    elif isinstance(node, list):
        for item in node:
            yield from _targets(item)


def _ids(node: Any, found: set[int]) -> set[int]:
    if isinstance(node, dict):
        found.add(id(node))
        _ids(node.get("c"), found)
    elif isinstance(node, list):
        for item in node:
            _ids(item, found)
    return found


def markdown_fields(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Markdown]]:
    """Yield each Markdown field of a draft with its path, in the draft's order."""
    if isinstance(value, Markdown):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from markdown_fields(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from markdown_fields(item, (*path, index))


class _Shown:
    """What the draft's fields hold: the ids of the blocks its Markdown keeps, and the
    words and link targets of everything else."""

    def __init__(self, draft: Draft, people: dict[str, str]) -> None:
        self.kept: set[int] = set()
        self.words: list[str] = []
        self.urls: set[str] = set()
        self._walk(draft.recap, people)
        for sentence in draft.restated:
            self.words += _words(sentence)
        self.grams = {tuple(self.words[n:n + size]) for size in (1, 2, 3)
                      for n in range(len(self.words) - size + 1)}

    def _walk(self, value: Any, people: dict[str, str]) -> None:
        if isinstance(value, Markdown):
            _ids(value.blocks, self.kept)
            self.words += _words(plain_text(value.blocks))
            self.urls |= {_url_key(url) for url in _targets(value.blocks)}
        elif isinstance(value, dict):
            for item in value.values():
                self._walk(item, people)
        elif isinstance(value, list):
            for item in value:
                self._walk(item, people)
        elif isinstance(value, str):
            self.words += _words(people.get(value, value))
            self.urls.add(_url_key(value))

    def keeps(self, block: Block) -> bool:
        """Say whether the block, or every block inside it, sits in a Markdown field."""
        if id(block) in self.kept:
            return True
        if block["t"] not in _CONTAINERS:
            return False
        children = block["c"][1] if block["t"] in ("OrderedList", "Div") else block["c"]
        flat = [child for item in children for child in (item if isinstance(item, list) else [item])]
        return bool(flat) and all(self.keeps(child) for child in flat)

    def takes(self, block: Block) -> bool:
        """Say whether every link target and word of the block shows in a field (a word
        shows when a run of three words around it does: a paragraph may be split, as a
        lead-in is from the sentences before it). The words of links to videos and X posts
        need no match: a player or an embed shows them instead."""
        urls = {_url_key(url) for url in _targets(block)}
        if not urls <= self.urls:
            return False
        embedded = {text for text, url in links_in(block) if _url_key(url).startswith(("youtube:", "x:"))}
        text = block_text(block)
        for label in embedded:
            text = text.replace(label, " ")
        words = _words(text)
        size = min(3, len(words))
        covered = [False] * len(words)
        for n in range(len(words) - size + 1):
            if tuple(words[n:n + size]) in self.grams:
                covered[n:n + size] = [True] * size
        # A lead-in of one or two words ("For example:") is split off the paragraph's end.
        tail = len(covered) - next((n for n, seen in enumerate(reversed(covered)) if seen), len(covered))
        if 0 < len(words) - tail <= 2 and tuple(words[tail:]) in self.grams:
            covered[tail:] = [True] * (len(words) - tail)
        return all(covered)


def _field_of(block: Block, fields: list[tuple[JsonPath, Markdown]]) -> tuple[JsonPath, Markdown, int] | None:
    """Give the Markdown field that holds `block` at its top level, and where."""
    for path, markdown in fields:
        at = next((n for n, kept in enumerate(markdown.blocks) if kept is block), None)
        if at is not None:
            return path, markdown, at
    return None


def _place(draft: Draft, block: Block, index: int, blocks: list[Block]) -> JsonPath:
    """Put a block no field holds beside its neighbours: after the nearest earlier block a
    Markdown field keeps (not a one-line takeaway) within its section, else before the
    next one within its section, else after any earlier one, else at the start of the
    intro; give the field's path."""
    fields = [(path, md) for path, md in markdown_fields(draft.recap) if not md.one_line]
    heading = next((n for n in range(index - 1, -1, -1) if blocks[n]["t"] == "Header"), -1)
    following = next((n for n in range(index + 1, len(blocks)) if blocks[n]["t"] == "Header"), len(blocks))
    for near in (*range(index - 1, heading, -1), *range(index + 1, following), *range(heading, -1, -1)):
        if (held := _field_of(blocks[near], fields)) is not None:
            path, markdown, at = held
            markdown.blocks.insert(at + 1 if near < index else at, block)
            return path
    intro = draft.recap.get("intro")
    if isinstance(intro, Markdown):
        intro.blocks.insert(0, block)
    else:
        draft.put(("intro",), Markdown([block]))
    return ("intro",)


def account(post: Post, draft: Draft, people: dict[str, str]) -> None:
    """Check that the draft holds every top-level block of the post; put each block it
    does not hold back as Markdown, noting its line. `people` maps person ids to names."""
    shown = _Shown(draft, people)
    for index, block in enumerate(post.blocks):
        if shown.keeps(block) or shown.takes(block):
            continue
        path = _place(draft, block, index, post.blocks)
        shown.kept.add(id(block))
        text = block_text(block)
        shown_text = text if len(text) <= 60 else text[:57] + "..."
        draft.notes.append(f"line {post.lines.get(id(block), 1)}: no field took {shown_text!r}; it is kept "
                           f"in {format_path(path)}: check where it belongs")
