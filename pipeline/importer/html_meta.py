"""Read what an HTML page says about itself: its title without the site's name, its
publication date and its author, from `<meta>`, `<time>` and JSON-LD; and where its post
is (the `<article>`, without the site's menus, and without the byline).

Pandoc's HTML reader gives only `<title>` and `<meta name=…>`; a blog page states its
date as `article:published_time`, a `<time datetime>` or JSON-LD's `datePublished`, and
its title as "Post | Site".
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from pipeline.importer.facts import find_date
from pipeline.importer.nodes import block_text

if TYPE_CHECKING:
    from pipeline.importer.reading import Post

_SEPARATORS = (" | ", " - ", " \u2013 ", " \u2014 ", " \u00b7 ")


class _PageParser(HTMLParser):
    """Collect the head's facts, the first `<h1>`, `<time datetime>` and the page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.h1 = ""
        self.times: list[str] = []
        self.json_ld: list[str] = []
        self.text: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key.lower(): value or "" for key, value in attrs}
        if tag == "meta":
            key = (named.get("property") or named.get("name") or named.get("itemprop") or "").lower()
            if key and key not in self.meta and named.get("content"):
                self.meta[key] = named["content"]
        elif tag == "time" and named.get("datetime"):
            self.times.append(named["datetime"])
        elif tag == "script" and named.get("type", "").lower() == "application/ld+json":
            self._open.append("ld")
            return
        if tag in ("title", "h1", "script", "style"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and (self._open[-1] == tag or (self._open[-1] == "ld" and tag == "script")):
            self._open.pop()

    def handle_data(self, data: str) -> None:
        where = self._open[-1] if self._open else ""
        if where == "title":
            self.title += data
        elif where == "ld":
            self.json_ld.append(data)
        elif where == "h1":
            self.h1 += data
        elif where not in ("script", "style"):
            self.text.append(data)


def _linked_data(sources: list[str]) -> list[dict[str, Any]]:
    """Give every JSON-LD object of the page (`@graph` entries included)."""
    found: list[dict[str, Any]] = []
    for source in sources:
        try:
            data = json.loads(source)
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict):
                graph = item.get("@graph")
                entries = graph if isinstance(graph, list) else [item]
                found += [entry for entry in entries if isinstance(entry, dict)]
    return found


def _ld_author(entry: dict[str, Any]) -> str | None:
    author = entry.get("author")
    first = author[0] if isinstance(author, list) and author else author
    name = first.get("name") if isinstance(first, dict) else first
    return name.strip() if isinstance(name, str) and name.strip() else None


def page_title(title: str, site_name: str | None, h1: str, text: str) -> str:
    """Give a `<title>` without its site suffix (" | Site", " - Site", an en dash): cut when
    the suffix is the page's site name, when the rest is the page's heading, or when the
    suffix shows twice elsewhere on the page (the site's header and footer)."""
    title = " ".join(title.split())
    for separator in _SEPARATORS:
        head, found, suffix = title.rpartition(separator)
        if not found or not head:
            continue
        named = site_name is not None and suffix.casefold() == " ".join(site_name.split()).casefold()
        heading = " ".join(h1.split()).casefold() == head.casefold()
        if named or heading or text.casefold().count(suffix.casefold()) >= 2:
            return head.strip()
    return title


def page_facts(html: str) -> dict[str, str]:
    """Give the front-matter fields an HTML page states: title, date and author."""
    page = _PageParser()
    try:
        page.feed(html)
        page.close()
    except (AssertionError, ValueError):
        return {}
    linked = _linked_data(page.json_ld)
    facts: dict[str, str] = {}
    meta_title = page.meta.get("og:title") or page.title
    if meta_title.strip():
        text = re.sub(r"\s+", " ", " ".join(page.text))
        facts["title"] = page_title(meta_title, page.meta.get("og:site_name"), page.h1, text)
    day = page.meta.get("article:published_time") or next(iter(page.times), None) or next(
        (str(entry["datePublished"]) for entry in linked if entry.get("datePublished")), None)
    if day:
        facts["date"] = day.strip()
    author = page.meta.get("author") or page.meta.get("article:author") or next(
        (name for entry in linked if (name := _ld_author(entry))), None)
    if author and not author.startswith(("http://", "https://")):
        facts["author"] = " ".join(author.split())
    return facts


_BYLINE_WORDS = frozenset({"by", "posted", "published", "written", "on", "in", "and", "min", "minute",
                           "minutes", "read", "reading", "time", "updated", "author"})
_BYLINE_WORDS_MAX = 25


def is_byline(text: str, facts: dict[str, str], day_words: set[str]) -> bool:
    """Say whether a short line only repeats the page's author and date ("By Jane Doe ·
    June 3, 2021 · 4 min read"): such a line is the byline, which the recap's `authors`
    and `date` show, not a paragraph of the intro."""
    words = re.findall(r"[^\W_]+", text.lower())
    if not words or len(words) > _BYLINE_WORDS_MAX:
        return False
    author = set(re.findall(r"[^\W_]+", facts.get("author", "").lower()))
    named = bool(author) and author <= set(words)
    dated = bool(day_words & set(words))
    rest = [w for w in words if w not in author | day_words | _BYLINE_WORDS and not w.isdigit()]
    return (named or dated) and len(rest) <= 1


_BY_NAME = re.compile(r"\b[Bb]y\s+([A-Z][\w'\u2019-]+(?:\s+[A-Z][\w'\u2019-]+){0,3})")


def byline_author(text: str) -> str | None:
    """Give the name after "by" in a byline ("Posted June 3, 2021 by Ada Field"), else None."""
    found = _BY_NAME.search(text)
    return found[1] if found else None


_BYLINE_WITHIN = 8
"""Blocks from the top of a page where a byline may stand (after the site's header and the title)."""
_ARTICLE = re.compile(r"<(article|main)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def page_head(html: str) -> str:
    """Give the page up to its `<body>`: the head, whose `<title>` and `<meta>` pandoc reads."""
    return re.split(r"<body\b", html, maxsplit=1, flags=re.IGNORECASE)[0]


def article_html(html: str) -> str:
    """Give a page's `<article>` (else its `<main>`) element, which holds the post without
    the site's header, menus and footer; the whole page when it has neither."""
    for tag in ("article", "main"):
        found = next((m for m in _ARTICLE.finditer(html) if m[1].lower() == tag), None)
        if found:
            return found[0]
    return html


_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")


def drop_byline(post: Post) -> None:
    """Leave out the byline of an HTML page (the lines before the text that only repeat
    its author and date), with a note: the recap shows both from its own fields."""
    day = find_date(str(post.front.get("date", "")))
    month = _MONTH_NAMES[day.month - 1] if day else ""
    day_words = {month, month[:3], str(day.year)} if day else set()
    for block in list(post.blocks[:_BYLINE_WITHIN]):
        text = block_text(block) if block["t"] in ("Para", "Plain", "Div") else ""
        named = byline_author(text) if text and "author" not in post.front else None
        if not text or not is_byline(text, {**post.front, **({"author": named} if named else {})}, day_words):
            continue
        if named:
            post.front["author"] = named
            post.front_guesses["author"] = f"from the byline {text!r}"
        post.blocks.remove(block)
        post.notes.append(f"left out the byline {block_text(block)!r} (the recap's authors and date show it)")
