"""Calendar invites (iCalendar, RFC 5545) for the next meeting each recap announces.

Output, under `calendar/`:
  <slug>.ics      the recap's `next_meeting`, linked from its page and its JSON
  meetings.ics    the upcoming meetings of all published recaps, one calendar to subscribe to

Each event starts in the organiser's IANA zone (`DTSTART;TZID=America/Los_Angeles:...`) and
the file carries the matching VTIMEZONE, built by icalendar from zoneinfo for the years the
events fall in, so a calendar app shows the right local time in any zone, across daylight
saving changes. The UID is a UUID 5 of the recap id at the site's host: renaming the slug
or editing the meeting updates the same event instead of adding a second one. DTSTAMP and
LAST-MODIFIED are the recap's `updated` time, never the clock, so unchanged content gives
unchanged bytes. Lines end in CRLF, as RFC 5545 requires (the one exception to our LF rule).

"Upcoming" without a clock: renderers may not call now(), and the renderer signature has
no `now`, so meetings.ics measures against the content itself: it lists every next meeting
that starts on or after the date of the newest published recap, the moment the site last
said something. Every next meeting is later than its own recap (validation checks that), so
the newest recap's meeting is always listed, and a meeting already past when a newer recap
came out is not. Two recaps announcing the same meeting (a series whose parts repeat it)
give one event, the one with the UID of the first recap that announced it, so that
subscribers keep the event they already have.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone

from pipeline.model import Artifact, Catalog, NextMeeting, Recap, Site
from pipeline.render.document import meeting_sentence
from pipeline.render.structured_data import meeting_name, meeting_start
from pipeline.routes import MEETINGS_CALENDAR, Routes

if TYPE_CHECKING:
    from pipeline.convert import Converter

FORMAT = "calendar"


def event_uid(recap: Recap, site: Site) -> str:
    """Give the meeting's stable UID: a UUID 5 of the recap id, at the site's host."""
    host = urlsplit(site.base_url).hostname or "localhost"
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, recap.id)}@{host}"


def description(recap: Recap, meeting: NextMeeting, site: Site) -> str:
    """Give the invite's text: when, in every display zone, where to register, and why."""
    lines = [meeting_sentence(meeting)]
    if meeting.registration_url:
        lines.append(f"Register: {meeting.registration_url}")
    lines.append(f"Announced in “{recap.title}”: {Routes(site).post_url(recap)}")
    return "\n\n".join(lines)


def meeting_event(recap: Recap, site: Site) -> Event:
    """Give the recap's next meeting as a VEVENT."""
    meeting = recap.next_meeting
    assert meeting is not None
    stamp = recap.updated.astimezone(UTC)
    event = Event.new(
        uid=event_uid(recap, site),
        stamp=stamp,
        last_modified=stamp,
        start=meeting_start(meeting),
        summary=meeting_name(meeting, site),
        description=description(recap, meeting, site),
        url=meeting.registration_url,
    )
    if meeting.duration is not None:
        event.add("duration", meeting.duration)
    return event


def calendar_of(recaps: Sequence[Recap], site: Site, name: str, path: str) -> bytes:
    """Give a calendar holding the next meetings of `recaps`, in the given order, with one
    VTIMEZONE per zone (sorted, so the bytes never depend on set order)."""
    calendar = Calendar.new(
        prodid=f"-//recap-pipeline//{site.title}//{site.language.upper()}",
        uid=str(uuid.uuid5(uuid.NAMESPACE_URL, Routes(site).file_url(path))),
        name=name,
        method="PUBLISH",
        calscale="GREGORIAN",
    )
    meetings = [recap.next_meeting for recap in recaps if recap.next_meeting and recap.next_meeting.timed]
    if meetings:
        # The whole years the meetings fall in: enough for any app, and a few lines long.
        years = [meeting_start(meeting).year for meeting in meetings]
        first, last = date(min(years), 1, 1), date(max(years) + 1, 1, 1)
        for zone in sorted({meeting.time_zone for meeting in meetings if meeting.time_zone}):
            calendar.add_component(_timezone(zone, first, last))
    for recap in recaps:
        calendar.add_component(meeting_event(recap, site))
    ical: bytes = calendar.to_ical()
    return ical


@cache
def _timezone(zone: str, first: date, last: date) -> Timezone:
    """Give the VTIMEZONE of a zone over some years: icalendar finds the transitions by
    stepping through time (~30 ms a call), and most meetings share a zone and a year."""
    return Timezone.from_tzid(zone, first_date=first, last_date=last)


def upcoming(catalog: Catalog) -> list[Recap]:
    """Give the recaps whose meeting goes into meetings.ics, by start time then UID."""
    if not catalog.recaps:
        return []
    newest = max(recap.date for recap in catalog.recaps)
    first_announced: dict[tuple[object, ...], Recap] = {}
    # Oldest recap first, so that a meeting repeated by a later recap keeps its first UID.
    for recap in sorted(catalog.recaps, key=lambda r: (r.date, r.slug)):
        meeting = recap.next_meeting
        if meeting is None or not meeting.timed or meeting_start(meeting).date() < newest:
            continue
        same = (meeting.start, meeting.time_zone, meeting.title, meeting.registration_url)
        first_announced.setdefault(same, recap)
    return sorted(first_announced.values(), key=lambda r: (_start_of(r), event_uid(r, catalog.site)))


def _start_of(recap: Recap) -> datetime:
    assert recap.next_meeting is not None and recap.next_meeting.start is not None
    return recap.next_meeting.start


def render_recaps(catalog: Catalog, recaps: Sequence[Recap],
                  converter: Converter | None = None) -> list[Artifact]:
    """Give one invite per recap that announces a next meeting (an invite has no Markdown:
    a converter is never needed)."""
    site = catalog.site
    routes = Routes(site)
    artifacts = []
    for recap in recaps:
        if recap.next_meeting and recap.next_meeting.timed:  # a day alone gives no invite
            path = routes.calendar(recap)
            name = meeting_name(recap.next_meeting, site)
            ical = calendar_of([recap], site, name, path)
            artifacts.append(Artifact(routes.file(path), ical, FORMAT, recap.id))
    return artifacts


def render_site(catalog: Catalog, converter: Converter | None = None) -> list[Artifact]:
    """Give meetings.ics, the upcoming meetings of every recap."""
    site = catalog.site
    ical = calendar_of(upcoming(catalog), site, f"{site.title}: meetings", MEETINGS_CALENDAR)
    return [Artifact(Routes(site).file(MEETINGS_CALENDAR), ical, FORMAT)]


def render(catalog: Catalog, converter: Converter | None = None) -> list[Artifact]:
    """Give every invite and meetings.ics (a converter is never needed, as for the other
    formats' `render` it may be given)."""
    return render_recaps(catalog, catalog.recaps) + render_site(catalog)
