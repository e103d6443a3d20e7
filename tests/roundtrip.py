"""What a reader sees in a Markdown post: its words, the URLs it links and the videos and
posts it embeds, read by pandoc, so an original post and its rebuilt copy can be compared.

Written for the import round-trip test and independent of the importer: the shortcodes are
read here with their own patterns, so an importer bug cannot hide itself.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.pandoc import run_pandoc

_FRONT = re.compile(r"\A(---|\+\+\+)\n.*?\n\1\n", re.DOTALL)
_SHORTCODE = re.compile(r"\{\{[<%].*?[%>]\}\}", re.DOTALL)
_YOUTUBE_CODE = re.compile(r"\{\{[<%]\s*youtube\s+(?:id=)?[\"']?([A-Za-z0-9_-]{11})")
_X_CODE = re.compile(r"\{\{[<%]\s*(?:x|tweet)\s[^}]*?\bid=[\"']?(\d+)")
_YOUTUBE_URL = re.compile(
    r"(?:youtu\.be/|youtube(?:-nocookie)?\.com/(?:embed/|watch\?v=|live/))([A-Za-z0-9_-]{11})")
_X_URL = re.compile(
    r"(?:twitter|x)\.com/\w+/status(?:es)?/(\d+)|platform\.twitter\.com/embed/\S*?[?&]id=(\d+)")
_WORD = re.compile(r"[\w'.-]+")


@dataclass(frozen=True)
class Shown:
    """A post as a reader sees it."""

    words: tuple[tuple[str, ...], ...]
    """Each paragraph's words (a heading, a list item and a paragraph are each one)."""
    urls: frozenset[str]
    videos: frozenset[str]
    """YouTube ids, and X posts as `x:ID`."""


def _embedded(text: str) -> set[str]:
    found = {f"x:{m[1]}" for m in _X_CODE.finditer(text)}
    found |= {m[1] for m in _YOUTUBE_CODE.finditer(text)}
    return found


def _from_url(url: str) -> str | None:
    if video := _YOUTUBE_URL.search(url):
        return video[1]
    if post := _X_URL.search(url):
        return f"x:{post[1] or post[2]}"
    return None


def _targets(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("t") in ("Link", "Image"):
            yield node["c"][2][0]
        yield from _targets(node.get("c"))
    elif isinstance(node, list):
        for item in node:
            yield from _targets(item)


def words_of(text: str) -> tuple[str, ...]:
    """Give plain text as lowercase words, quotes and dashes folded, punctuation dropped."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'").replace("…", " ")
    return tuple(w for word in _WORD.findall(folded) if (w := word.strip("'.-")))


def shown(markdown: str) -> Shown:
    """Give what a Markdown post (front matter and shortcodes allowed) shows a reader."""
    body = _FRONT.sub("", markdown.replace("\r\n", "\n"), count=1)
    videos = _embedded(body)
    body = _SHORTCODE.sub("\n", body)
    document = json.loads(run_pandoc(body, "-f", "markdown", "-t", "json"))
    plain = run_pandoc(body, "-f", "markdown", "-t", "plain", "--wrap=none")
    urls: set[str] = set()
    for url in _targets(document["blocks"]):
        found = _from_url(url)
        if found:
            videos.add(found)
        else:
            urls.add(url.rstrip("/"))
    for raw in re.findall(r"<iframe[^>]*\ssrc=[\"']([^\"']+)", body):
        if found := _from_url(raw):
            videos.add(found)
    paragraphs = tuple(found for part in re.split(r"\n\s*\n", plain) if (found := words_of(part)))
    return Shown(paragraphs, frozenset(urls), frozenset(videos))


def missing_words(original: tuple[tuple[str, ...], ...], rebuilt: tuple[tuple[str, ...], ...]) -> list[str]:
    """Give the runs of the original's words that the rebuilt text does not show: a word
    counts as shown when a run of three words around it within its paragraph (the whole
    paragraph when it is shorter) shows in the rebuilt text."""
    grams = {words[n:n + size] for words in rebuilt for size in (1, 2, 3)
             for n in range(len(words) - size + 1)}
    runs: list[str] = []
    for words in original:
        size = min(3, len(words))
        covered = [False] * len(words)
        for n in range(len(words) - size + 1):
            if words[n:n + size] in grams:
                covered[n:n + size] = [True] * size
        run: list[str] = []
        for word, seen in zip(words, covered, strict=True):
            if not seen:
                run.append(word)
            elif run:
                runs.append(" ".join(run))
                run = []
        runs += [" ".join(run)] if run else []
    return runs


def lost(original: Path, rebuilt: Path) -> dict[str, list[str]]:
    """Give what the original post shows that the rebuilt one does not (empty lists: nothing)."""
    before = shown(original.read_text(encoding="utf-8"))
    after = shown(rebuilt.read_text(encoding="utf-8"))
    return {"words": missing_words(before.words, after.words),
            "urls": sorted(before.urls - after.urls),
            "videos": sorted(before.videos - after.videos)}
