"""Turn a read post into a draft recap: front matter to fields, sections to talks or agenda.

Each field is set with `Draft.put` when the post states it and with `Draft.guess` (and a
reason) when it was inferred, so the written source shows the reviewer what to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.importer.facts import (
    find_date,
    first_sentences,
    mentions_next_meeting,
    series_part,
)
from pipeline.importer.nodes import Markdown, inline_text, is_para, links_in
from pipeline.importer.people import Registry
from pipeline.importer.reading import Post, fail
from pipeline.importer.report import Draft
from pipeline.new import slugify
from pipeline.placeholders import PLACEHOLDER_SUMMARY
from pipeline.sanitize import Block, plain_text

SUMMARY_LIMIT = 300
_CLOSING_CUES = re.compile(r"^(This concludes|That wraps up|That['\u2019]s a wrap|That['\u2019]s all|"
                           r"Thanks for reading|In part two|See you)", re.IGNORECASE)
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2}-|\d{4}-|\d{4}_)")


@dataclass(frozen=True)
class Setting:
    """What every import in a run shares: the people registry, the default author, today,
    the blog's author file (key -> name) when `--authors` gave one, and the site's base URL
    (a call to action's link must be absolute; posts link their own site by its path)."""

    registry: Registry
    default_author: str
    today: date
    site_authors: dict[str, str] | None = None
    base_url: str | None = None


def front_value(post: Post, *keys: str) -> Any:
    """Give the first front-matter value among `keys`, looking inside Hugo's `params` too."""
    params = post.front.get("params")
    for scope in (post.front, params if isinstance(params, dict) else {}):
        for key in keys:
            value = scope.get(key)
            if value not in (None, "", []):
                return value
    return None


def take_title(post: Post, blocks: list[Block], draft: Draft) -> list[Block]:
    """Set the title (front matter, else a leading `# heading`) and give the blocks after it."""
    title = front_value(post, "title")
    title = str(title) if isinstance(title, (str, int, float)) else None
    if blocks and blocks[0]["t"] == "Header" and blocks[0]["c"][0] == 1:
        title = title or inline_text(blocks[0]["c"][2])
        blocks = blocks[1:]
        lead = blocks[0] if blocks else None
        if lead and is_para(lead) and len(lead["c"]) == 1 and lead["c"][0]["t"] == "Emph":
            post.front.setdefault("description", inline_text(lead["c"]))
            blocks = blocks[1:]
    if not isinstance(title, str) or not title.strip():
        where = "a title in its front matter" if post.front else "front matter (--- or +++)"
        msg = f"no title found: the file has no {where} and no `# Title` heading"
        raise fail(post.file, msg)
    draft.put(("title",), " ".join(title.split())[:200])
    return blocks


def _file_date(post: Post) -> date | None:
    """Give the date a Jekyll (2021-06-17-slug.md) or Hugo bundle (2021/0617-slug/) path holds."""
    stem = post.path.stem if post.path.stem not in ("index", "_index") else post.path.parent.name
    found = find_date(stem)
    if found is None and re.match(r"^\d{4}-", stem) and re.fullmatch(r"\d{4}", post.path.parent.parent.name):
        found = find_date(f"{post.path.parent.parent.name}-{stem[:2]}-{stem[2:4]}")
    return found


def set_date(post: Post, draft: Draft, today: date) -> date:
    """Set the date: front matter, the file name, the byline; today only as a last guess."""
    written = front_value(post, "date", "published", "pubdate")
    day = find_date(str(written)) if written is not None else None
    if day:
        reason = post.front_guesses.get("date")
        (draft.guess(("date",), day.isoformat(), reason) if reason else draft.put(("date",), day.isoformat()))
        return day
    day = _file_date(post)
    if day:
        draft.guess(("date",), day.isoformat(), "from the file name")
        return day
    draft.guess(("date",), today.isoformat(), "no date found in the post: today's date")
    return today


def derive_slug(post: Post, title: str) -> str:
    """Give the slug: front matter, else a Markdown file's name without its date, else the title."""
    written = front_value(post, "slug")
    if isinstance(written, str) and slugify(written):
        return slugify(written)
    if post.format == "markdown":
        stem = post.path.stem if post.path.stem not in ("index", "_index") else post.path.parent.name
        from_name = slugify(_DATE_PREFIX.sub("", stem).lstrip("0123456789-_"))
        if from_name:
            return from_name
    return slugify(title) or "imported-recap"


def set_tags(post: Post, draft: Draft) -> None:
    written = front_value(post, "tags", "keywords", "categories")
    values = written if isinstance(written, list) else str(written).split(",") if written else []
    tags = list(dict.fromkeys(tag for value in values if (tag := slugify(str(value))[:40].strip("-"))))
    if tags:
        draft.put(("tags",), tags[:20])


def set_summary(post: Post, draft: Draft) -> None:
    """Set the summary: the front matter's summary or description, else the intro's first
    sentences."""
    written = front_value(post, "summary", "description", "excerpt")
    if isinstance(written, str) and len(" ".join(written.split())) >= 20:
        text = first_sentences(written, SUMMARY_LIMIT)
        if text == " ".join(written.split()):
            draft.put(("summary",), text)
        else:
            draft.guess(("summary",), text, "the description, shortened to 300 characters")
        return
    intro = draft.recap.get("intro")
    text = first_sentences(plain_text(intro.blocks), SUMMARY_LIMIT) if isinstance(intro, Markdown) else ""
    if len(text) >= 20:
        draft.guess(("summary",), text, "the first sentences of the introduction")
    else:
        draft.guess(("summary",), PLACEHOLDER_SUMMARY, "nothing to take a summary from: write one")


def split_sections(blocks: list[Block]) -> tuple[list[Block], list[tuple[str, list[Block]]]]:
    """Split the body at its shallowest heading level: intro blocks, then (heading, blocks)."""
    levels = [block["c"][0] for block in blocks if block["t"] == "Header"]
    if not levels:
        return blocks, []
    level = min(levels)
    intro: list[Block] = []
    sections: list[tuple[str, list[Block]]] = []
    for block in blocks:
        if block["t"] == "Header" and block["c"][0] == level:
            sections.append((inline_text(block["c"][2]), []))
        elif sections:
            sections[-1][1].append(block)
        else:
            intro.append(block)
    return intro, sections


def take_series(post: Post, blocks: list[Block], draft: Draft) -> list[Block]:
    """Set the series from front matter or the posts' "Part 1 of 2 of NAME." line."""
    written = front_value(post, "series")
    types = {"id": str, "name": str, "part": int, "parts": int}
    if isinstance(written, dict) and all(isinstance(written.get(k), t) for k, t in types.items()):
        draft.put(("series",), {key: written[key] for key in ("id", "name", "part", "parts")})
    kept = []
    for block in blocks:
        found = series_part(inline_text(block["c"])) if is_para(block) else None
        if found and "series" not in draft.recap:
            part, parts, name = found
            series = {"id": slugify(name), "name": name, "part": part, "parts": parts}
            draft.guess(("series",), series, f"from the line {inline_text(block['c'])!r}; the id is made up")
        elif not found:
            kept.append(block)
    return kept


def take_closing(sections: list[tuple[str, list[Block]]]) -> list[Block]:
    """Cut the closing off the last section: after a rule, or from a "This concludes" paragraph."""
    if not sections:
        return []
    blocks = sections[-1][1]
    rules = [n for n, block in enumerate(blocks) if block["t"] == "HorizontalRule"]
    start = rules[-1] + 1 if rules else next(
        (n for n, block in enumerate(blocks) if n and is_para(block) and (
            _CLOSING_CUES.match(inline_text(block["c"])) or mentions_next_meeting(inline_text(block["c"])))),
        len(blocks))
    closing = blocks[start:]
    del blocks[(rules[-1] if rules else start):]
    return closing


_TAKE_PART = "Take part →"


def _quote_actions(blocks: list[Block]) -> list[Block]:
    """Give the blocks with each call to action the pipeline writes as paragraphs (a bold
    title opening the text, then a "Take part →" link alone) gathered into a quote, the
    shape older posts and other authors give them."""
    out: list[Block] = []
    for block in blocks:
        inlines = block["c"] if is_para(block) else []
        alone = [node for node in inlines if node["t"] not in ("Space", "SoftBreak")]
        closes = len(alone) == 1 and alone[0]["t"] == "Link" and inline_text(alone[0]["c"][1]) == _TAKE_PART
        previous = out[-1] if out else None
        if closes and previous and is_para(previous) and previous["c"] and previous["c"][0]["t"] == "Strong":
            out[-1] = {"t": "BlockQuote", "c": [previous, block]}
        else:
            out.append(block)
    return out


def take_calls_to_action(blocks: list[Block]) -> tuple[list[Block], list[dict[str, Any]]]:
    """Give the blocks without the calls to action the pipeline writes (block quotes that
    open with a bold title and end in a link), and those calls to action."""
    kept, actions = [], []
    for block in _quote_actions(blocks):
        inner = block["c"] if block["t"] == "BlockQuote" else []
        first = inner[0] if inner else None
        urls = [url for _, url in links_in(inner) if url.startswith(("http://", "https://"))]
        if not (first and is_para(first) and first["c"] and first["c"][0]["t"] == "Strong" and urls):
            kept.append(block)
            continue
        title = inline_text(first["c"][0]["c"]).rstrip(".")
        body = [{"t": "Para", "c": first["c"][1:]}, *inner[1:]]
        body = [b for b in body if not (is_para(b) and [u for _, u in links_in(b)] == [urls[-1]])]
        actions.append({"title": title[:120], "text": Markdown(body), "url": urls[-1]})
    return kept, actions
