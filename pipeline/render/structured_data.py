"""schema.org JSON-LD for a recap: a BlogPosting, its talks as VideoObjects, the next meeting.

Pure: a recap and the site in, a plain dict out, so that the JSON export writes it to
`json/ld/<slug>.jsonld` and the Hugo flavor embeds the very same dict through front matter.
It calls no pandoc, so descriptions are the Markdown summaries with the inline markup
taken off (`plain_text`), which is what search engines show anyway.

The dict carries no `schema_version`: the schema.org context maps every unknown key to a
schema.org property through its `@vocab`, so a version key would become the bogus
property `schema:schema_version` and earn a warning in every structured-data validator,
on every page that embeds it; schema.org's own `schemaVersion` means "the version of a
schema this work uses", which a blog post does not. The vocabulary is schema.org's, which
is the contract JSON-LD consumers read; the exporter's version is in the recap JSON and
`index.json` that link to the file.

Helpers that both this module and the JSON export need (ISO durations, YouTube embed and
thumbnail URLs, a meeting's name and zoned start) live here too.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.model import Event, NextMeeting, Person, Recap, Recording, Site, Video, parse_moment
from pipeline.routes import Routes

JsonLd = dict[str, Any]

SCHEMA_ORG = "https://schema.org"
YOUTUBE_EMBED = "https://www.youtube.com/embed/{id}"
YOUTUBE_THUMBNAIL = "https://i3.ytimg.com/vi/{id}/maxresdefault.jpg"
"""The seed site's thumbnail URLs (see ../shared/seed/videos.tsv) over https, so the Hugo
videoSchema and this JSON-LD name the same image."""
DESCRIPTION_LIMIT = 160
"""Search engines cut meta and video descriptions near here."""
ONLINE = f"{SCHEMA_ORG}/OnlineEventAttendanceMode"
OFFLINE = f"{SCHEMA_ORG}/OfflineEventAttendanceMode"

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"(\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`)")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)


# --- shared helpers -----------------------------------------------------------------------

def iso_duration(duration: timedelta) -> str:
    """Give a duration as ISO 8601 `PT#H#M#S` in canonical form (PT60M becomes PT1H)."""
    minutes, seconds = divmod(int(duration.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    text = "PT" + "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return text if text != "PT" else "PT0S"


def embed_url(recording: Recording) -> str | None:
    """Give the player URL of a YouTube recording, starting where the recording says."""
    video = recording.youtube_id
    if video is None:
        return None
    url = YOUTUBE_EMBED.format(id=video)
    return f"{url}?start={recording.start}" if recording.start else url


def thumbnail_url(recording: Recording) -> str | None:
    video = recording.youtube_id
    return YOUTUBE_THUMBNAIL.format(id=video) if video else None


def meeting_name(meeting: NextMeeting, site: Site) -> str:
    """Give the meeting's title, or a name that says whose meeting it is."""
    return meeting.title or f"{site.title}: next meeting"


def meeting_start(meeting: NextMeeting) -> datetime:
    """Give the start in the organiser's zone (the offset in force there at that moment)."""
    assert meeting.start is not None and meeting.time_zone is not None, "a timed meeting"
    return meeting.start.astimezone(ZoneInfo(meeting.time_zone))


def meeting_end(meeting: NextMeeting) -> datetime | None:
    if meeting.duration is None or not meeting.timed:
        return None
    return meeting_start(meeting) + meeting.duration


def meeting_online(recap: Recap) -> bool | None:
    """Say whether the next meeting is online, as far as the data knows.

    `next_meeting` has no attendance mode of its own, so the recap's event stands in for
    it: the community meets the way the recapped event met. None when nothing says.
    """
    return None if recap.event is None else recap.event.online


def plain_text(markdown: str) -> str:
    """Give Markdown prose as one line of text: links become their text, emphasis and code
    marks and list markers go, whitespace collapses. Good for descriptions, not a parser."""
    text = _LIST_MARKER.sub("", markdown)
    text = _LINK.sub(r"\1", text)
    text = _MARKUP.sub("", text)
    return " ".join(text.split())


def short_description(markdown: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Give the first sentence of Markdown prose as plain text, at most `limit` characters:
    a longer sentence is cut after its last clause that fits (at a comma, colon or
    semicolon), else at a word, with an ellipsis."""
    text = plain_text(markdown)
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    head = sentence[: limit - 1]
    clause = max(head.rfind(", "), head.rfind("; "), head.rfind(": "))
    cut = head[:clause] if clause >= limit // 3 else head.rsplit(" ", 1)[0]
    return cut.rstrip(",;: ") + "…"


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")


def meta_description(recap: Recap) -> str:
    """Give the recap's short description for search results: its own, or its summary's
    first sentence."""
    return recap.description or short_description(recap.summary)


# --- schema.org nodes ---------------------------------------------------------------------

def person_node(person: Person) -> JsonLd:
    """Give a Person node; the e-mail address stays out of pages."""
    node: JsonLd = {"@type": "Person", "name": person.name}
    if person.role:
        node["jobTitle"] = person.role
    if person.affiliation:
        node["affiliation"] = {"@type": "Organization", "name": person.affiliation}
    if person.url:
        node["url"] = person.url
    return node


def video_node(video: Video) -> JsonLd:
    """Give a recording as a VideoObject, the fields the seed's videoSchema lists."""
    recording = video.recording
    node: JsonLd = {
        "@type": "VideoObject",
        "name": video.title,
        "description": recording.description or short_description(video.summary),
        "url": recording.url,
    }
    optional = {
        "embedUrl": embed_url(recording),
        "thumbnailUrl": thumbnail_url(recording),
        "uploadDate": recording.uploaded.isoformat() if recording.uploaded else None,
        "duration": iso_duration(recording.duration) if recording.duration else None,
    }
    node.update({key: value for key, value in optional.items() if value is not None})
    return node


def recapped_event_node(event: Event) -> JsonLd:
    """Give the event a recap is about (a conference, a meeting) as an Event."""
    node: JsonLd = {"@type": "Event", "name": event.name}
    if event.start:
        node["startDate"] = event.start.isoformat()
    if event.end:
        node["endDate"] = event.end.isoformat()
    if event.online is not None:
        node["eventAttendanceMode"] = ONLINE if event.online else OFFLINE
    if event.location:
        node["location"] = {"@type": "Place", "name": event.location}
    elif event.online and event.url:
        node["location"] = {"@type": "VirtualLocation", "url": event.url}
    if event.url:
        node["url"] = event.url
    return node


def meeting_node(recap: Recap, meeting: NextMeeting, site: Site) -> JsonLd:
    """Give the next meeting as an Event with a zoned start and, when known, online mode."""
    node: JsonLd = {
        "@type": "Event",
        "@id": f"{Routes(site).post_url(recap)}#next-meeting",
        "name": meeting_name(meeting, site),
        # A day alone is a valid schema.org Date when the time is not known yet.
        "startDate": meeting_start(meeting).isoformat() if meeting.timed else str(meeting.day),
        "eventStatus": f"{SCHEMA_ORG}/EventScheduled",
        "organizer": {"@type": "Organization", "name": site.community or site.title, "url": site.base_url},
    }
    end = meeting_end(meeting)
    if end is not None:
        node["endDate"] = end.isoformat()
    online = meeting_online(recap)
    if online is not None:
        node["eventAttendanceMode"] = ONLINE if online else OFFLINE
    if meeting.registration_url:
        node["url"] = meeting.registration_url
        if online:
            node["location"] = {"@type": "VirtualLocation", "url": meeting.registration_url}
    return node


def json_ld(recap: Recap, site: Site) -> JsonLd:
    """Give the recap's structured data: a BlogPosting, its recordings as VideoObjects, the
    event it is about and the next meeting as Events."""
    routes = Routes(site)
    url = routes.post_url(recap)
    post: JsonLd = {
        "@context": SCHEMA_ORG,
        "@type": "BlogPosting",
        "@id": f"{url}#article",
        "headline": recap.title,
        "description": meta_description(recap),
        "datePublished": parse_moment(recap.date.isoformat()).isoformat(),
        "dateModified": recap.updated.isoformat(),
        "author": [person_node(author) for author in recap.authors],
        "publisher": {"@type": "Organization", "name": site.title, "url": site.base_url},
        "keywords": list(recap.tags),
        "inLanguage": site.language,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "wordCount": recap.word_count,
        "timeRequired": f"PT{recap.reading_time_minutes}M",
    }
    if recap.cover:
        post["image"] = routes.image_url(recap, recap.cover)
    videos = [video_node(video) for video in recap.videos]
    if videos:
        post["video"] = videos
    if recap.series:
        post["isPartOf"] = {"@type": "CreativeWorkSeries", "name": recap.series.name}
        post["position"] = recap.series.part
    if recap.event:
        post["about"] = recapped_event_node(recap.event)
    if recap.next_meeting:
        post["mentions"] = meeting_node(recap, recap.next_meeting, site)
    return post
