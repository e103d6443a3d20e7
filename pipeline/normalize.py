"""Turn validated sources into frozen model objects: people resolved, computed fields filled.

Runs only on content that passed validation, so it may index freely; anything that can
be wrong with the content is validate.py's business, not this module's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline.images import read_image
from pipeline.load import ContentSources
from pipeline.model import (
    CallToAction,
    DisplayZone,
    Event,
    Image,
    Link,
    NextMeeting,
    Person,
    Recap,
    Recording,
    Section,
    Series,
    Site,
    Talk,
    TalkLink,
    parse_datetime,
    parse_moment,
)

WORDS_PER_MINUTE = 220
"""A common figure for reading prose on screen; Hugo uses 212, Medium 265."""

_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")
_WORD = re.compile(r"[\w'\u2019-]+")


@dataclass(frozen=True)
class Catalog:
    """Everything a renderer may use: the site, the people registry and every recap."""

    site: Site
    people: Mapping[str, Person]
    recaps: tuple[Recap, ...]


def parse_duration(text: str) -> timedelta:
    """Parse the schema's ISO 8601 durations (PT#H#M#S)."""
    match = _DURATION.match(text)
    if not match:
        msg = f"not an ISO 8601 duration: {text!r}"
        raise ValueError(msg)
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def site_from(data: Mapping[str, Any], content_dir: Path | None = None) -> Site:
    markdown = data.get("markdown", {})
    wrap = markdown.get("wrap", 80)
    branding = data.get("branding", {})
    logo = branding.get("logo")
    return Site(
        title=data["title"],
        base_url=data["base_url"],
        language=data["language"],
        description=data.get("description"),
        default_author=data.get("default_author"),
        community=data.get("community"),
        blog_path=data.get("blog_path", "blog/"),
        permalink=data.get("permalink"),
        files_path=data.get("files_path", ""),
        feed_limit=data.get("feeds", {}).get("limit", 20),
        markdown_flavor=markdown.get("flavor", "hugo"),
        markdown_wrap=None if wrap == "none" else wrap,
        markdown_url=markdown.get("url"),
        params=tuple(sorted(markdown.get("params", {}).items())),
        paper=data.get("pdf", {}).get("paper", "a4"),
        logo=read_image(content_dir, logo) if logo and content_dir else None,
        accent=branding.get("accent"),
    )


def people_from(data: Mapping[str, Any]) -> dict[str, Person]:
    return {person_id: Person(id=person_id, **fields) for person_id, fields in data.items()}


class _Resolver:
    """Builds the parts of one recap, resolving people ids against the registry."""

    def __init__(self, people: Mapping[str, Person]) -> None:
        self.people = people
        self.used: set[str] = set()

    def person(self, ref: str | Mapping[str, Any]) -> Person:
        if isinstance(ref, str):
            self.used.add(ref)
            return self.people[ref]
        return Person(**ref)

    def persons(self, refs: list[Any]) -> tuple[Person, ...]:
        return tuple(self.person(ref) for ref in refs)


def recording_from(data: Mapping[str, Any] | None) -> Recording | None:
    if data is None:
        return None
    duration = data.get("duration")
    uploaded = data.get("uploaded")
    return Recording(
        url=data["url"],
        duration=parse_duration(duration) if duration else None,
        duration_text=duration,
        uploaded=date.fromisoformat(uploaded) if uploaded else None,
        description=data.get("description"),
    )


def talk_from(data: Mapping[str, Any], resolver: _Resolver) -> Talk:
    return Talk(
        title=data["title"],
        kind=data["kind"],
        speakers=resolver.persons(data["speakers"]),
        summary=data["summary"],
        track=data.get("track"),
        takeaways_intro=data.get("takeaways_intro"),
        takeaways=tuple(data.get("takeaways", ())),
        recording=recording_from(data.get("recording")),
        links=tuple(TalkLink(**link) for link in data.get("links", ())),
    )


def section_from(data: Mapping[str, Any], resolver: _Resolver) -> Section:
    return Section(
        kind=data["kind"],
        title=data["title"],
        body=data["body"],
        guests=resolver.persons(data.get("guests", [])),
        recording=recording_from(data.get("recording")),
    )


def next_meeting_from(data: Mapping[str, Any] | None) -> NextMeeting | None:
    if data is None:
        return None
    zones = data.get("display_zones") or [{"zone": data["time_zone"]}]
    duration = data.get("duration")
    return NextMeeting(
        start=parse_datetime(data["start"]),
        time_zone=data["time_zone"],
        display_zones=tuple(DisplayZone(**zone) for zone in zones),
        title=data.get("title"),
        duration=parse_duration(duration) if duration else None,
        registration_url=data.get("registration_url"),
    )


def event_from(data: Mapping[str, Any] | None) -> Event | None:
    if data is None:
        return None
    fields = dict(data)
    for key in ("start", "end"):
        if key in fields:
            fields[key] = date.fromisoformat(fields[key])
    return Event(**fields)


def _prose(data: Mapping[str, Any]) -> Iterator[str]:
    """Yield every piece of text a reader reads, for the word count."""
    yield data["title"]
    for key in ("intro", "closing"):
        if key in data:
            yield data[key]
    for action in data.get("calls_to_action", ()):
        yield from (action["title"], action["text"])
    for section in data.get("sections", ()):
        yield from (section["title"], section["body"])
    for talk in data.get("talks", ()):
        yield from (talk["title"], talk["summary"], *talk.get("takeaways", ()))


def count_words(texts: Iterator[str]) -> int:
    return sum(len(_WORD.findall(text)) for text in texts)


def recap_from(data: Mapping[str, Any], source_file: str, people: Mapping[str, Person],
               images: tuple[Image, ...] = ()) -> Recap:
    """Build one `Recap` from validated source data."""
    resolver = _Resolver(people)
    published = date.fromisoformat(data["date"])
    words = count_words(_prose(data))
    talks = tuple(talk_from(talk, resolver) for talk in data.get("talks", ()))
    sections = tuple(section_from(section, resolver) for section in data.get("sections", ()))
    authors = resolver.persons(data["authors"])
    publish_at = data.get("publish_at")
    series = data.get("series")
    return Recap(
        id=data["id"],
        kind=data["kind"],
        title=data["title"],
        slug=data["slug"],
        date=published,
        updated=parse_moment(data.get("updated", data["date"])),
        authors=authors,
        summary=data["summary"],
        source_file=source_file,
        tags=tuple(data.get("tags", ())),
        draft=data.get("draft", False),
        publish_at=parse_datetime(publish_at) if publish_at else None,
        series=Series(**series) if series else None,
        event=event_from(data.get("event")),
        intro=data.get("intro"),
        calls_to_action=tuple(CallToAction(
            title=a["title"], text=a["text"], url=a["url"],
            expires=date.fromisoformat(a["expires"]) if "expires" in a else None,
        ) for a in data.get("calls_to_action", ())),
        sections=sections,
        talks=talks,
        recording=recording_from(data.get("recording")),
        closing=data.get("closing"),
        next_meeting=next_meeting_from(data.get("next_meeting")),
        related=tuple(Link(**link) for link in data.get("related", ())),
        description=data.get("description"),
        aliases=tuple(data.get("aliases", ())),
        cover=data.get("cover"),
        images=images,
        params=tuple(sorted(data.get("params", {}).items())),
        word_count=words,
        reading_time_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
        people_ids=tuple(sorted(resolver.used)),
    )


def normalize(sources: ContentSources) -> Catalog:
    """Build the catalog from validated sources; recaps sorted newest first, then by slug."""
    assert sources.site is not None and sources.people is not None, "validate first"
    people = people_from(sources.people.data)
    recaps = [recap_from(doc.data, doc.file, people, sources.images.get(doc.file, ()))
              for doc in sources.recaps]
    # Newest first is the order of every feed and index; the slug breaks ties so that the
    # order never depends on file-system listing order.
    recaps.sort(key=lambda recap: (-recap.date.toordinal(), recap.slug))
    return Catalog(site_from(sources.site.data, sources.content_dir), people, tuple(recaps))
