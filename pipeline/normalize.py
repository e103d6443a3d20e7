"""Turn validated sources into frozen model objects: people resolved, computed fields filled.

Runs only on content that passed validation, so it may index freely; anything that can
be wrong with the content is validate.py's business, not this module's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.images import read_image
from pipeline.load import ContentSources
from pipeline.model import (
    CallToAction,
    Catalog,
    Chapter,
    DisplayZone,
    Embed,
    Event,
    Image,
    Link,
    NextMeeting,
    Person,
    PersonLink,
    Recap,
    Recording,
    Section,
    Series,
    Site,
    Takeaway,
    Talk,
    TalkLink,
    clock_seconds,
    parse_datetime,
    parse_duration,
    parse_moment,
    start_in_url,
)

WORDS_PER_MINUTE = 220
"""A common figure for reading prose on screen; Hugo uses 212, Medium 265."""

_WORD = re.compile(r"[\w'\u2019-]+")


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


def people_from(data: Mapping[str, Any], content_dir: Path | None = None) -> dict[str, Person]:
    return {person_id: person_from(fields, person_id, content_dir) for person_id, fields in data.items()}


def person_from(fields: Mapping[str, Any], person_id: str | None = None,
                content_dir: Path | None = None) -> Person:
    links = tuple(PersonLink(kind, url) for kind, url in sorted(fields.get("links", {}).items()))
    avatar = fields.get("avatar")
    plain = {key: value for key, value in fields.items() if key not in ("links", "avatar")}
    return Person(id=person_id, **plain, links=links,
                  avatar=read_image(content_dir, avatar) if avatar and content_dir else None)


class _Resolver:
    """Builds the parts of one recap, resolving people ids against the registry."""

    def __init__(self, people: Mapping[str, Person]) -> None:
        self.people = people
        self.used: set[str] = set()

    def person(self, ref: str | Mapping[str, Any]) -> Person:
        """Give the person a reference names: a registry id, a registry id with this
        recap's role or affiliation, or a one-off person written inline."""
        if isinstance(ref, str):
            self.used.add(ref)
            return self.people[ref]
        if "id" in ref:
            self.used.add(ref["id"])
            overrides = {key: ref[key] for key in ("role", "affiliation") if key in ref}
            return replace(self.people[ref["id"]], **overrides)
        return person_from(ref)

    def persons(self, refs: list[Any]) -> tuple[Person, ...]:
        return tuple(self.person(ref) for ref in refs)


def recording_from(data: Mapping[str, Any]) -> Recording:
    duration = data.get("duration")
    uploaded = data.get("uploaded")
    start = data.get("start")
    return Recording(
        url=data["url"],
        duration=parse_duration(duration) if duration else None,
        duration_text=duration,
        uploaded=date.fromisoformat(uploaded) if uploaded else None,
        description=data.get("description"),
        # One model: the field wins, a URL's `t=` is read into it.
        start=clock_seconds(start) if start else start_in_url(data["url"]),
        chapters=tuple(Chapter(clock_seconds(c["at"]), c["title"]) for c in data.get("chapters", ())),
    )


def recordings_from(data: Mapping[str, Any]) -> tuple[Recording, ...]:
    """Give the `recording` and `recordings` of a talk, section or recap, in that order."""
    single = [data["recording"]] if "recording" in data else []
    return tuple(recording_from(item) for item in (*single, *data.get("recordings", ())))


def takeaways_from(items: list[Any]) -> tuple[Takeaway, ...]:
    return tuple(Takeaway(item) if isinstance(item, str) else Takeaway(item["text"], tuple(item["points"]))
                 for item in items)


def action_from(data: Mapping[str, Any]) -> CallToAction:
    expires = data.get("expires")
    return CallToAction(title=data["title"], text=data["text"], url=data["url"],
                        expires=date.fromisoformat(expires) if expires else None, label=data.get("label"))


def talk_from(data: Mapping[str, Any], resolver: _Resolver) -> Talk:
    return Talk(
        title=data["title"],
        kind=data["kind"],
        speakers=resolver.persons(data["speakers"]),
        summary=data["summary"],
        track=data.get("track"),
        takeaways_intro=data.get("takeaways_intro"),
        takeaways=takeaways_from(data.get("takeaways", [])),
        recordings=recordings_from(data),
        links=tuple(TalkLink(**link) for link in data.get("links", ())),
        embeds=tuple(Embed(**embed) for embed in data.get("embeds", ())),
    )


def section_from(data: Mapping[str, Any], resolver: _Resolver) -> Section:
    return Section(
        kind=data["kind"],
        title=data["title"],
        body=data["body"],
        guests=resolver.persons(data.get("guests", [])),
        recordings=recordings_from(data),
        label=data.get("label"),
        takeaways=takeaways_from(data.get("takeaways", [])),
        links=tuple(TalkLink(**link) for link in data.get("links", ())),
        embeds=tuple(Embed(**embed) for embed in data.get("embeds", ())),
        calls_to_action=tuple(action_from(action) for action in data.get("calls_to_action", ())),
    )


def next_meeting_from(data: Mapping[str, Any] | None,
                      default_duration: str | None = None) -> NextMeeting | None:
    if data is None:
        return None
    if "date" in data:  # the day is known, the time not yet
        return NextMeeting(start=None, time_zone=None, display_zones=(), title=data.get("title"),
                           registration_url=data.get("registration_url"),
                           day=date.fromisoformat(data["date"]))
    zones = data.get("display_zones") or [{"zone": data["time_zone"]}]
    duration = data.get("duration", default_duration)
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
        yield from (section["title"], section["body"], *_takeaway_texts(section.get("takeaways", ())))
    for talk in data.get("talks", ()):
        yield from (talk["title"], talk["summary"], *_takeaway_texts(talk.get("takeaways", ())))


def _takeaway_texts(items: Iterable[Any]) -> Iterator[str]:
    for item in items:
        if isinstance(item, str):
            yield item
        else:
            yield from (item["text"], *item["points"])


def count_words(texts: Iterator[str]) -> int:
    return sum(len(_WORD.findall(text)) for text in texts)


BLOCKS = ("intro", "recordings", "calls_to_action", "sections", "talks", "closing")
"""The parts of a recap's body whose order the source decides (`recording` counts as
`recordings`)."""


def block_order(data: Mapping[str, Any]) -> tuple[str, ...]:
    """Give the body's blocks in the order the source writes their keys (the blocks it
    leaves out are empty, so where they go does not matter)."""
    written = ["recordings" if key == "recording" else key for key in data]
    placed = list(dict.fromkeys(block for block in written if block in BLOCKS))
    return (*placed, *(block for block in BLOCKS if block not in placed))


def recap_from(data: Mapping[str, Any], source_file: str, people: Mapping[str, Person],
               images: tuple[Image, ...] = (), meeting_duration: str | None = None) -> Recap:
    """Build one `Recap` from validated source data."""
    resolver = _Resolver(people)
    meeting = data.get("meeting", {})
    hosts = resolver.persons(meeting.get("hosts", []))
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
        calls_to_action=tuple(action_from(action) for action in data.get("calls_to_action", ())),
        sections=sections,
        talks=talks,
        recordings=recordings_from(data),
        closing=data.get("closing"),
        next_meeting=next_meeting_from(data.get("next_meeting"), meeting_duration),
        related=tuple(Link(**link) for link in data.get("related", ())),
        description=data.get("description"),
        aliases=tuple(data.get("aliases", ())),
        cover=data.get("cover"),
        images=images,
        params=tuple(sorted(data.get("params", {}).items())),
        word_count=words,
        reading_time_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
        people_ids=tuple(sorted(resolver.used)),
        hosts=hosts,
        meeting_date=date.fromisoformat(meeting["date"]) if "date" in meeting else None,
        order=block_order(data),
    )


def normalize(sources: ContentSources) -> Catalog:
    """Build the catalog from validated sources; recaps sorted newest first, then by slug."""
    assert sources.site is not None and sources.people is not None, "validate first"
    people = people_from(sources.people.data, sources.content_dir)
    duration = sources.site.data.get("meetings", {}).get("duration")
    recaps = [recap_from(doc.data, doc.file, people, sources.images.get(doc.file, ()), duration)
              for doc in sources.recaps]
    # Newest first is the order of every feed and index; the slug breaks ties so that the
    # order never depends on file-system listing order.
    recaps.sort(key=lambda recap: (-recap.date.toordinal(), recap.slug))
    return Catalog(site_from(sources.site.data, sources.content_dir), people, tuple(recaps))
