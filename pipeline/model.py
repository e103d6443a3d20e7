"""Frozen dataclasses: the only objects the stages hand each other.

`SourceDoc` and `Problem` come out of loading and validation; `Recap`, `Person`, `Site` and
their parts come out of normalization, with people resolved, dates parsed and computed
fields filled in, gathered in a `Catalog`, so that renderers never look at raw YAML and
depend on nothing but this module (and the converter).
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
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

JsonPath = tuple[str | int, ...]
Severity = Literal["error", "warning"]
Day = date
"""A calendar day (for fields of classes that have a field named `date`)."""


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
class PersonLink:
    """Where else a person is: `kind` is github, x, mastodon, linkedin or website."""

    kind: str
    url: str


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
    bio: str | None = None
    links: tuple[PersonLink, ...] = ()
    avatar: LocalImage | None = None
    """A photo from the content folder, published with the people register."""


def parse_datetime(text: str) -> datetime:
    """Parse an RFC 3339 date-time (already format-checked), `Z` included."""
    return datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))


def parse_moment(text: str) -> datetime:
    """Parse a date or date-time; a bare date means midnight UTC, for stable feed times."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    return parse_datetime(text)


_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


def parse_duration(text: str) -> timedelta:
    """Parse the schema's ISO 8601 durations (PT#H#M#S)."""
    match = _DURATION.match(text)
    if not match:
        msg = f"not an ISO 8601 duration: {text!r}"
        raise ValueError(msg)
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


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


def clock_seconds(text: str) -> int:
    """Give `15:00` or `1:02:03` in seconds."""
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


def clock_text(seconds: int) -> str:
    """Give seconds as `15:00` or `1:02:03`."""
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"


@dataclass(frozen=True)
class Chapter:
    at: int
    """Seconds from the start of the recording."""
    title: str


@dataclass(frozen=True)
class Recording:
    url: str
    duration: timedelta | None = None
    duration_text: str | None = None
    uploaded: date | None = None
    description: str | None = None
    """A sentence of its own for video listings (else one is taken from the summary)."""
    start: int | None = None
    """Where to start watching, in seconds: the source's `start`, else the URL's `t=`."""
    chapters: tuple[Chapter, ...] = ()

    def at(self, seconds: int | None) -> str:
        """Give the URL that plays the recording from `seconds` (YouTube's `t=`, else a
        media fragment), or the plain URL for None."""
        if not seconds:
            return self.url
        parts = urlsplit(self.url)
        if self.youtube_id:
            query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                     if key not in ("t", "start")]
            return urlunsplit(parts._replace(query=urlencode([*query, ("t", str(seconds))]), fragment=""))
        return urlunsplit(parts._replace(fragment=f"t={seconds}"))

    @property
    def watch_url(self) -> str:
        """Give the URL every link and QR code uses: the recording from its start."""
        return self.at(self.start)

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
    takeaways: tuple[Takeaway, ...] = ()
    recordings: tuple[Recording, ...] = ()
    links: tuple[TalkLink, ...] = ()
    embeds: tuple[Embed, ...] = ()

    @property
    def recording(self) -> Recording | None:
        return self.recordings[0] if self.recordings else None


@dataclass(frozen=True)
class Section:
    kind: str
    title: str
    body: str
    guests: tuple[Person, ...] = ()
    recordings: tuple[Recording, ...] = ()
    label: str | None = None
    takeaways: tuple[Takeaway, ...] = ()
    links: tuple[TalkLink, ...] = ()
    embeds: tuple[Embed, ...] = ()
    calls_to_action: tuple[CallToAction, ...] = ()

    @property
    def recording(self) -> Recording | None:
        return self.recordings[0] if self.recordings else None


@dataclass(frozen=True)
class Takeaway:
    """A Markdown point, with Markdown sub-points."""

    text: str
    points: tuple[str, ...] = ()


EMBED_KINDS = ("x", "twitter", "mastodon", "youtube", "slides", "link")


@dataclass(frozen=True)
class Embed:
    """Something shown from another site (see the schema's `embed`)."""

    kind: str
    url: str
    title: str | None = None
    text: str | None = None

    @property
    def x_post(self) -> tuple[str, str] | None:
        """Give (user, id) of an X/Twitter post URL, else None."""
        parts = urlsplit(self.url)
        host = (parts.hostname or "").removeprefix("www.").removeprefix("mobile.")
        found = _X_POST.match(parts.path) if host in ("x.com", "twitter.com") else None
        return (found[1], found[2]) if found else None


_X_POST = re.compile(r"^/([A-Za-z0-9_]{1,15})/status/([0-9]{1,25})/?$")


@dataclass(frozen=True)
class CallToAction:
    title: str
    text: str
    url: str
    expires: date | None = None
    label: str | None = None
    """The link's words; None: the default."""

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
    """The next meeting: a start in a zone, or (`start` None) only its day."""

    start: datetime | None
    time_zone: str | None
    display_zones: tuple[DisplayZone, ...]
    title: str | None = None
    duration: timedelta | None = None
    registration_url: str | None = None
    day: date | None = None
    """The day, when the time is not known yet."""

    @property
    def timed(self) -> bool:
        """Say whether the start is known: only then is there a calendar invite."""
        return self.start is not None


def _nth(title: str, index: int, recordings: tuple[Recording, ...]) -> str:
    """Give "Title (part 2 of 3)" for the second of three recordings; one keeps the title."""
    return title if len(recordings) == 1 else f"{title} (part {index + 1} of {len(recordings)})"


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
    recordings: tuple[Recording, ...] = ()
    """The whole meeting's recordings."""
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
    hosts: tuple[Person, ...] = ()
    meeting_date: Day | None = None
    """The day the meeting was held (`date` is when the recap was published)."""
    order: tuple[str, ...] = ("intro", "recordings", "calls_to_action", "sections", "talks", "closing")
    """The recap's blocks in the order the source gives them."""

    @property
    def recording(self) -> Recording | None:
        return self.recordings[0] if self.recordings else None

    @property
    def videos(self) -> tuple[Video, ...]:
        """Give every recording in reading order: the meeting's, each section's, each talk's."""
        videos = [Video(_nth(self.recording_title, n, self.recordings), r, self.intro or self.summary)
                  for n, r in enumerate(self.recordings)]
        videos += [Video(_nth(s.title, n, s.recordings), r, s.body)
                   for s in self.sections for n, r in enumerate(s.recordings)]
        videos += [Video(_nth(t.title, n, t.recordings), r, t.summary)
                   for t in self.talks for n, r in enumerate(t.recordings)]
        return tuple(videos)

    @property
    def recording_title(self) -> str:
        """Give what the whole meeting's recording is called wherever it is listed."""
        return f"{self.event.name if self.event else self.title}: full recording"

    @property
    def people(self) -> tuple[Person, ...]:
        """Give every person the recap shows: hosts, speakers and guests."""
        return (*self.hosts, *self.speakers)

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
    feed, an index), which depends on many recaps and is published after them. `channel`
    names the channel of a format whose site-wide outputs rebuild channel by channel (a
    feed channel); empty for all others.
    """

    path: PurePosixPath
    content: bytes
    format: str
    recap_id: str | None = None
    channel: str = ""


@dataclass(frozen=True)
class Catalog:
    """Everything a renderer may use: the site, the people registry and every recap."""

    site: Site
    people: Mapping[str, Person]
    recaps: tuple[Recap, ...]
