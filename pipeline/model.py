"""Frozen dataclasses: the only objects the stages hand each other.

`SourceDoc` and `Problem` come out of loading and validation; `Recap`, `Person`, `Site` and
their parts come out of normalization, with people resolved and computed fields filled in,
so that renderers never look at raw YAML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

JsonPath = tuple[str | int, ...]
Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column in a source file."""

    line: int
    column: int


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def format_path(path: JsonPath) -> str:
    """Give a path as a reader writes it: `talks[3].speakers[0]`, or `(top level)`.

    A key that is not a plain name is quoted with its control characters escaped, so a
    key holding a newline or a terminal escape cannot forge or garble a report line.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text or "(top level)"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, located in its file."""

    file: str
    line: int
    column: int
    path: JsonPath
    message: str
    hint: str | None = None
    severity: Severity = "error"
    """An error stops publishing; a warning is reported and changes nothing else."""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def dotted_path(self) -> str:
        return format_path(self.path)


@dataclass(frozen=True)
class SourceDoc:
    """One YAML file as loaded: plain values plus where each value and key was written."""

    file: str
    data: dict[str, Any]
    positions: Mapping[JsonPath, Position]
    key_positions: Mapping[JsonPath, Position]
    digest: str = ""
    """SHA-256 of the file's bytes."""
    checked: bool = False
    """True when these exact bytes passed the schema and character checks in an earlier
    build (see `pipeline.source_cache`), so they need not be checked again."""

    def position(self, path: JsonPath) -> Position:
        """Give where the value at `path` was written, or its nearest written ancestor."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return Position(1, 1)

    def key_position(self, path: JsonPath) -> Position:
        """Give where the key of `path` was written (falling back to the value)."""
        return self.key_positions.get(path) or self.position(path)


@dataclass(frozen=True)
class Person:
    """An author, speaker or guest; `id` is None for one-off people written inline."""

    name: str
    id: str | None = None
    affiliation: str | None = None
    role: str | None = None
    url: str | None = None
    email: str | None = None
    site_author: str | None = None
    """The person's key in the blog's author data file (Hugo `data/authors.yaml`)."""


def parse_datetime(text: str) -> datetime:
    """Parse an RFC 3339 date-time (already format-checked), `Z` included."""
    return datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))


def parse_moment(text: str) -> datetime:
    """Parse a date or date-time; a bare date means midnight UTC, for stable feed times."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    return parse_datetime(text)


_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


_START = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def start_in_url(url: str) -> int | None:
    """Give the start time a video URL carries (`t=42`, `t=1m30s`, `start=90`, `#t=20m01s`),
    in seconds, or None."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    fragment = parse_qs(parts.fragment)
    for value in (*query.get("t", ()), *query.get("start", ()), *fragment.get("t", ())):
        match = _START.match(value.strip().lower())
        if match and any(match.groups()):
            hours, minutes, seconds = (int(part or 0) for part in match.groups())
            return hours * 3600 + minutes * 60 + seconds
    return None


@dataclass(frozen=True)
class Recording:
    url: str
    duration: timedelta | None = None
    duration_text: str | None = None
    uploaded: date | None = None
    description: str | None = None
    """A sentence of its own for video listings (else one is taken from the summary)."""

    @cached_property
    def start(self) -> int | None:
        """Give where to start watching, in seconds (from the URL's `t=`), or None."""
        return start_in_url(self.url)

    @cached_property
    def youtube_id(self) -> str | None:
        """Give the video id for YouTube links (youtu.be, watch?v=, embed/), else None
        (worked out once: every format asks, some several times)."""
        parts = urlsplit(self.url)
        host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
        candidate = None
        if host == "youtu.be":
            candidate = parts.path.strip("/")
        elif host in ("youtube.com", "youtube-nocookie.com"):
            path = PurePosixPath(parts.path)
            if parts.path == "/watch":
                candidate = parse_qs(parts.query).get("v", [""])[0]
            elif len(path.parts) == 3 and path.parts[1] in ("embed", "live", "shorts", "v"):
                candidate = path.parts[2]
        return candidate if candidate and _YOUTUBE_ID.match(candidate) else None


@dataclass(frozen=True)
class Video:
    """A recording with what lists of videos show: what was recorded and its prose."""

    title: str
    recording: Recording
    summary: str
    """Markdown describing what was recorded (a talk summary, a section body)."""


@dataclass(frozen=True)
class TalkLink:
    kind: str
    url: str
    title: str | None = None


@dataclass(frozen=True)
class Talk:
    title: str
    kind: str
    speakers: tuple[Person, ...]
    summary: str
    track: str | None = None
    takeaways_intro: str | None = None
    takeaways: tuple[str, ...] = ()
    recording: Recording | None = None
    links: tuple[TalkLink, ...] = ()


@dataclass(frozen=True)
class Section:
    kind: str
    title: str
    body: str
    guests: tuple[Person, ...] = ()
    recording: Recording | None = None


@dataclass(frozen=True)
class CallToAction:
    title: str
    text: str
    url: str
    expires: date | None = None

    def active_on(self, day: date) -> bool:
        return self.expires is None or day <= self.expires


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Series:
    id: str
    name: str
    part: int
    parts: int


@dataclass(frozen=True)
class Event:
    name: str
    kind: str
    start: date | None = None
    end: date | None = None
    location: str | None = None
    online: bool | None = None
    url: str | None = None


@dataclass(frozen=True)
class DisplayZone:
    zone: str
    label: str | None = None


@dataclass(frozen=True)
class NextMeeting:
    start: datetime
    time_zone: str
    display_zones: tuple[DisplayZone, ...]
    title: str | None = None
    duration: timedelta | None = None
    registration_url: str | None = None


@dataclass(frozen=True)
class Image:
    """An image file kept beside a recap's source, checked to be PNG, JPEG, WebP or GIF."""

    name: str
    media_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class Recap:
    """One recap, normalized: people resolved, dates parsed, computed fields filled in."""

    id: str
    kind: str
    title: str
    slug: str
    date: date
    updated: datetime
    authors: tuple[Person, ...]
    summary: str
    source_file: str
    tags: tuple[str, ...] = ()
    draft: bool = False
    publish_at: datetime | None = None
    series: Series | None = None
    event: Event | None = None
    intro: str | None = None
    calls_to_action: tuple[CallToAction, ...] = ()
    sections: tuple[Section, ...] = ()
    talks: tuple[Talk, ...] = ()
    recording: Recording | None = None
    closing: str | None = None
    next_meeting: NextMeeting | None = None
    related: tuple[Link, ...] = ()
    description: str | None = None
    """A short meta description of its own (else one is made from the summary)."""
    aliases: tuple[str, ...] = ()
    """Old site-relative URLs of the post, which keep working (Hugo `aliases`)."""
    cover: str | None = None
    """The name of the cover image among `images`."""
    images: tuple[Image, ...] = ()
    """Local images kept beside the source, which travel with the post."""
    params: tuple[tuple[str, str | int | float | bool], ...] = ()
    """Front-matter params of the recap's own, added to the site's."""
    word_count: int = 0
    reading_time_minutes: int = 1
    people_ids: tuple[str, ...] = ()
    """Every registry id the recap mentions, sorted."""

    @property
    def videos(self) -> tuple[Video, ...]:
        """Give every recording in reading order: the meeting's, each section's, each talk's."""
        videos = []
        if self.recording:
            name = self.event.name if self.event else self.title
            videos.append(Video(f"{name}: full recording", self.recording, self.intro or self.summary))
        videos += [Video(s.title, s.recording, s.body) for s in self.sections if s.recording]
        videos += [Video(t.title, t.recording, t.summary) for t in self.talks if t.recording]
        return tuple(videos)

    def image(self, name: str) -> Image | None:
        return next((image for image in self.images if image.name == name), None)

    @property
    def speakers(self) -> tuple[Person, ...]:
        """Give every distinct speaker and guest, in order of first appearance."""
        seen: dict[tuple[str | None, str], Person] = {}
        for person in (
            *(s for talk in self.talks for s in talk.speakers),
            *(g for section in self.sections for g in section.guests),
        ):
            seen.setdefault((person.id, person.name), person)
        return tuple(seen.values())


WRITTEN_PARAMS = frozenset({"author", "authors", "readingTime", "wordCount", "series", "videoSchema",
                            "jsonLd", "cover", "images"})
"""The front-matter params the Markdown renderer writes itself, which settings cannot set."""
@dataclass(frozen=True)
class LocalImage:
    """An image file of the content folder that passed validation (see `pipeline.images`).

    The bytes stay on disk: the digest stands for them in dependency keys, so a changed
    logo makes its outputs stale without hashing megabytes into every key.
    """

    source: str
    """The path as written in the content, relative to the content folder."""
    path: Path
    media_type: str
    digest: str
    """SHA-256 of the file's bytes when it was validated."""


MARKDOWN_FLAVORS = ("hugo", "jekyll", "gfm")
"""The Markdown dialects a post can be written in (see `pipeline.render.markdown`)."""


@dataclass(frozen=True)
class Site:
    """Site-wide settings (content/site.yaml); where outputs go is `pipeline.routes`' job."""

    title: str
    base_url: str
    language: str
    description: str | None = None
    default_author: str | None = None
    community: str | None = None
    """The community the recaps are about, the organizer of its meetings (JSON-LD)."""
    blog_path: str = "blog/"
    """The posts' section: the content folder of a Hugo site, and `:section` in permalinks."""
    permalink: str | None = None
    """A post's URL path with Hugo's tokens, e.g. `/:year/:month/:day/:slug/`."""
    files_path: str = ""
    """Where handouts, feeds, JSON and calendars are served below the base URL."""
    feed_limit: int = 20
    markdown_flavor: str = "hugo"
    markdown_wrap: int | None = 80
    """Prose line width of posts; None keeps one line per paragraph."""
    markdown_url: bool | None = None
    """Write `url:` into Hugo front matter; None: only when there is no `permalink`."""
    params: tuple[tuple[str, str | int | float | bool], ...] = ()
    """Front-matter params every post carries (e.g. a theme's `thumbnailRatio`)."""
    paper: str = "a4"
    logo: LocalImage | None = None
    accent: str | None = None
    """The handout's accent colour, `#rrggbb`; None keeps the template's own."""


@dataclass(frozen=True)
class Artifact:
    """One output file: a path relative to the output folder and its exact bytes.

    `recap_id` names the recap an output belongs to; None marks a site-wide output (a
    feed, an index), which depends on many recaps and is published after them. `part`
    names the site-wide unit of a format whose site-wide outputs rebuild separately
    (one feed channel); empty for all others.
    """

    path: PurePosixPath
    content: bytes
    format: str
    recap_id: str | None = None
    part: str = ""
