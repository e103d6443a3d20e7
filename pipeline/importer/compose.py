"""Compose a whole draft from a read post: front matter, intro, sections, closing, next meeting."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.importer.authors import set_authors
from pipeline.importer.facts import ZONES, announcing_sentence, find_next_meeting, mentions_next_meeting
from pipeline.importer.mapping import (
    Setting,
    derive_slug,
    front_value,
    set_date,
    set_summary,
    set_tags,
    split_sections,
    take_calls_to_action,
    take_closing,
    take_series,
    take_title,
)
from pipeline.importer.nodes import Markdown, inline_text, is_para, links_in
from pipeline.importer.people import fold
from pipeline.importer.reading import Post
from pipeline.importer.report import Draft
from pipeline.importer.sections import recording_in, take_apart, youtube_url
from pipeline.importer.talks import Videos, add_section
from pipeline.sanitize import Block

_SPECIAL = {"next meeting": "next_meeting", "upcoming meeting": "next_meeting", "related posts": "related",
            "related": "related", "suggested blog posts": "related", "read more": "related"}


def _videos(post: Post) -> Videos:
    """Give the front matter's video list (Hugo `params.videoSchema`) by folded title."""
    listed = front_value(post, "videoSchema", "videos")
    entries = listed if isinstance(listed, list) else []
    return {fold(str(e["title"])).strip(): e for e in entries if isinstance(e, dict) and e.get("title")}


def _intro(blocks: list[Block], draft: Draft) -> None:
    """Set the intro, pulling out calls to action and a whole-meeting recording."""
    kept = []
    for block in take_calls_to_action(blocks, draft):
        recording = recording_in(block)
        if recording and "recording" not in draft.recap:
            draft.guess(("recording",), recording, "a video in the introduction: the meeting's recording?")
        elif block["t"] != "HorizontalRule":
            kept.append(block)
    if kept:
        draft.put(("intro",), Markdown(kept))
    video = next((u for _, url in links_in(kept) if (u := youtube_url(url))), None)
    if video and "recording" not in draft.recap:
        draft.guess(("recording",), {"url": video}, "a video linked in the introduction: the recording?")


def _related(blocks: list[Block], draft: Draft) -> None:
    links = [{"title": text[:200], "url": url} for text, url in links_in(blocks)
             if url.startswith(("http://", "https://")) and text]
    if links:
        draft.put(("related",), links[:20])


def _next_meeting(paragraphs: list[tuple[Block, bool]], recap_day: date, draft: Draft) -> None:
    """Set a next meeting from the first paragraph that announces one (a guess, commented)."""
    for block, in_section in paragraphs:
        sentence = inline_text(block["c"])
        announces = in_section or mentions_next_meeting(sentence)
        guess = find_next_meeting(sentence, recap_day) if announces else None
        if guess is None:
            continue
        meeting: dict[str, Any] = {"start": guess.start.isoformat(), "time_zone": guess.time_zone}
        if guess.title:
            meeting = {"title": guess.title[:120], **meeting}
        if guess.labels:
            meeting["display_zones"] = [{"zone": ZONES[label], "label": label} for label in guess.labels]
        urls = [url for _, url in links_in(block) if url.startswith(("http://", "https://"))]
        if urls:
            meeting["registration_url"] = urls[0]
        shown = announcing_sentence(sentence)
        shown = shown if len(shown) <= 140 else shown[:137] + "..."
        draft.guess(("next_meeting",), meeting, f"from {shown!r}; the year and the time zone are guesses")
        return


def _body(post: Post, blocks: list[Block], setting: Setting, draft: Draft) -> list[tuple[Block, bool]]:
    """Add intro, sections and closing; give the paragraphs that may announce the next meeting."""
    intro, sections = split_sections(blocks)
    special = {name: body for name, body in sections if fold(name).strip() in _SPECIAL}
    sections = [(name, body) for name, body in sections if fold(name).strip() not in _SPECIAL]
    closing = take_closing(sections)
    _intro(intro, draft)
    videos = _videos(post)
    for title, body in sections:
        add_section(draft, take_apart(title, body), setting.registry, videos)
    closing = [block for block in closing if block["t"] != "HorizontalRule"]
    if closing:
        draft.put(("closing",), Markdown(closing))
    for name, body in special.items():
        if _SPECIAL[fold(name).strip()] == "related":
            _related(body, draft)
    announced = [(b, True) for name, body in special.items() if _SPECIAL[fold(name).strip()] == "next_meeting"
                 for b in body if is_para(b)]
    return announced + [(b, False) for b in closing + intro if is_para(b)]


def compose(post: Post, setting: Setting) -> Draft:
    """Give the draft recap for a post (everything but id and slug, which need the content folder)."""
    draft = Draft()
    blocks = take_title(post, list(post.blocks), draft)
    recap_day = set_date(post, draft, setting.today)
    draft.put(("draft",), True)
    set_authors(post, setting, draft)
    set_tags(post, draft)
    blocks = take_series(post, blocks, draft)
    announcing = _body(post, blocks, setting, draft)
    set_summary(post, draft)
    _next_meeting(announcing, recap_day, draft)
    kind = "conference" if draft.recap.get("talks") else "meeting"
    draft.guess(("kind",), kind, "conference when talks were found, else meeting")
    draft.put(("slug",), derive_slug(post, draft.recap["title"]))
    draft.notes.extend(post.notes)
    return draft
