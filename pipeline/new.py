"""`new`: start a recap source with a permanent id, the schema modeline and a skeleton.

The id is a random UUID written once here; nothing ever derives it from the title or
slug, so renaming either never makes a feed reader show the recap twice.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.errors import UsageError
from pipeline.landing import content_routes, landed_recaps, recap_at
from pipeline.load import load_file
from pipeline.placeholders import PLACEHOLDER_SPEAKER, PLACEHOLDER_SUMMARY, placeholder

MODELINE = "# yaml-language-server: $schema=../../schema/recap.schema.json"
SLUG_LIMIT = 80


def slugify(title: str) -> str:
    """Give a slug of lowercase ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_LIMIT:
        slug = slug[:SLUG_LIMIT].rsplit("-", 1)[0]
    return slug


def _quoted(text: str) -> str:
    """Give a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


NEXT_MEETING_ZONE = "America/Los_Angeles"
NEXT_MEETING_AFTER = timedelta(days=28)
"""The skeleton's next meeting: four weeks on at 09:00 in this zone, for the author to fix."""


def _next_meeting(day: date) -> str:
    """Give a complete `next_meeting` whose title is a placeholder, so the author is told
    to check it; its offset is the zone's real offset then, so the skeleton validates."""
    start = datetime.combine(day + NEXT_MEETING_AFTER, time(9), ZoneInfo(NEXT_MEETING_ZONE))
    title = placeholder("the next meeting's name; check its start and time zone")
    return f"""\
next_meeting:
  title: {_quoted(title)}
  start: "{start.isoformat()}"
  time_zone: "{NEXT_MEETING_ZONE}"
  duration: "PT1H"
"""


def _meeting_body(day: date) -> str:
    return f"""\
intro: |
  {placeholder("what happened at the meeting, in a paragraph or two.")}
sections:
  - kind: news
    title: "News and updates"
    body: |
      {placeholder("releases, announcements.")}
  - kind: roadmap
    title: "Roadmap"
    body: |
      {placeholder("what is coming next.")}
  - kind: conversation
    title: "Community conversation"
    guests: []
    body: |
      {placeholder("who joined and what they talked about.")}
  - kind: qa
    title: "Q&A"
    body: |
      {placeholder("questions from the audience.")}
# recording: {{url: "https://youtu.be/VIDEO_ID", duration: "PT1H", uploaded: "YYYY-MM-DD"}}
{_next_meeting(day)}\
  # display_zones: [{{zone: "America/Los_Angeles", label: "PT"}}, {{zone: "America/New_York", label: "ET"}}]
"""


def _conference_body() -> str:
    return f"""\
# event: {{name: "KubeCon + CloudNativeCon Europe", kind: conference, start: "YYYY-MM-DD", end: "YYYY-MM-DD"}}
intro: |
  {placeholder("which event, and why these talks.")}
talks:
  - title: {_quoted(placeholder("talk title"))}
    kind: talk
    # track: "ServiceMeshCon"
    speakers:
      - name: {_quoted(PLACEHOLDER_SPEAKER)}
    summary: |
      {placeholder("what the talk said.")}
    # recording: {{url: "https://youtu.be/VIDEO_ID", duration: "PT30M", uploaded: "YYYY-MM-DD"}}
"""


def _review_body() -> str:
    return f"""\
intro: |
  {placeholder("what this review covers.")}
sections:
  - kind: theme
    title: {_quoted(placeholder("the first theme"))}
    body: |
      {placeholder("what happened, with links.")}
    # recordings: [{{url: "https://youtu.be/VIDEO_ID"}}]
    # embeds: [{{kind: x, url: "https://x.com/USER/status/ID"}}]
"""


BODIES: dict[str, Callable[[date], str]] = {
    "meeting": _meeting_body,
    "conference": lambda day: _conference_body(),
    "review": lambda day: _review_body(),
}
"""Kind of recap -> the skeleton of its body, given its date."""


def write_new_source(path: Path, text: str) -> None:
    """Create `path` holding `text` with LF line ends; raise FileExistsError rather than
    overwrite anything (the check and the creation are one system call)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def recap_template(*, recap_id: str, title: str, slug: str, kind: str, day: date, author: str) -> str:
    """Give the text of a new draft recap source that already validates, with warnings:
    each placeholder must be written before `draft: false` lets it publish."""
    head = f"""{MODELINE}
id: {_quoted(recap_id)}
kind: {kind}
title: {_quoted(title)}
slug: {slug}
date: "{day.isoformat()}"
draft: true
authors: [{author}]
summary: {_quoted(PLACEHOLDER_SUMMARY)}
tags: []
"""
    return head + BODIES[kind](day)


def create_recap(content_dir: Path, *, title: str, kind: str, day: date,
                 slug: str | None = None, author: str | None = None) -> Path:
    """Write `content/recaps/<date>-<slug>.yaml`; never overwrite, never take another
    recap's URL (a slug may repeat when the site's permalink tells the dates apart)."""
    if kind not in BODIES:
        msg = f"--kind must be one of {', '.join(BODIES)}, not {kind!r}"
        raise UsageError(msg)
    slug = slug or slugify(title)
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) or len(slug) > SLUG_LIMIT:
        msg = f"cannot use {slug!r} as a slug: pass --slug with lowercase letters, digits and hyphens"
        raise UsageError(msg)
    routes = content_routes(content_dir)
    taken = recap_at(landed_recaps(content_dir, routes), routes, day, slug)
    if taken is not None:
        where = taken.path or "this URL"
        msg = f"{taken.source} already lands at {where} with the slug {slug!r}: pass --slug to choose another"
        raise UsageError(msg)
    author = author or _default_author(content_dir)
    text = recap_template(recap_id=f"urn:uuid:{uuid.uuid4()}", title=title, slug=slug,
                          kind=kind, day=day, author=author)
    target = content_dir / "recaps" / f"{day.isoformat()}-{slug}.yaml"
    try:
        write_new_source(target, text)
    except FileExistsError:
        msg = f"{target} already exists; it was left as it is"
        raise UsageError(msg) from None
    return target


def _default_author(content_dir: Path) -> str:
    doc, _ = load_file(content_dir / "site.yaml")
    author = doc.data.get("default_author") if doc else None
    if not isinstance(author, str):
        msg = "no author: pass --author or set default_author in content/site.yaml"
        raise UsageError(msg)
    return author
