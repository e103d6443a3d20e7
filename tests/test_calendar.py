"""Calendar invites: parsed back with icalendar, at the right time in every zone, stable UIDs,
no clock in the bytes, and one subscription calendar of upcoming meetings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import CONTENT, FIXTURES, ContentMaker, assemble_content
from icalendar import Calendar, Event

from pipeline.load import load_content
from pipeline.model import Artifact, Catalog
from pipeline.normalize import normalize
from pipeline.render import calendar
from pipeline.routes import MEETINGS_CALENDAR, Routes

VALID = FIXTURES / "valid"
REGISTRATION = ("https://community.cncf.io/events/details/"
                "cncf-linkerd-community-presents-june-linkerd-online-community-meetup/")


def catalog_of(folder: Path) -> Catalog:
    return normalize(load_content(folder))


def calendars(artifacts: Sequence[Artifact]) -> dict[str, Calendar]:
    return {str(artifact.path): Calendar.from_ical(artifact.content) for artifact in artifacts}


def invite_path(catalog: Catalog, slug: str) -> str:
    """Give where the invite of the recap with `slug` is written in the output folder."""
    (recap,) = (recap for recap in catalog.recaps if recap.slug == slug)
    routes = Routes(catalog.site)
    return str(routes.file(routes.calendar(recap)))


def meetings_path(catalog: Catalog) -> str:
    return str(Routes(catalog.site).file(MEETINGS_CALENDAR))


def only_event(ical: Calendar) -> Event:
    (event,) = ical.events
    return event


@pytest.fixture(scope="module")
def seed() -> Catalog:
    return catalog_of(CONTENT)


@pytest.fixture(scope="module")
def seed_invite(seed: Catalog) -> Calendar:
    return calendars(calendar.render(seed))[invite_path(seed, "linkerd-at-kubecon-eu")]


def test_the_seed_invite_is_at_9_in_los_angeles_and_12_in_new_york(seed_invite: Calendar) -> None:
    event = only_event(seed_invite)
    start = event.start
    assert isinstance(start, datetime)
    assert start == datetime(2021, 6, 24, 9, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert start.astimezone(ZoneInfo("America/New_York")).replace(tzinfo=None) == datetime(2021, 6, 24, 12)
    assert event["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert event.duration == timedelta(hours=1)
    assert event.end.astimezone(UTC) == datetime(2021, 6, 24, 17, tzinfo=UTC)


def test_the_invite_carries_the_vtimezone_of_its_zone(seed_invite: Calendar) -> None:
    (zone,) = seed_invite.timezones
    assert zone.tz_name == "America/Los_Angeles"
    assert seed_invite.get_missing_tzids() == set()
    summer = zone.to_tz().utcoffset(datetime(2021, 6, 24, 9))
    assert summer == timedelta(hours=-7)


def test_the_invite_says_what_where_and_from_whom(seed: Catalog, seed_invite: Calendar) -> None:
    event = only_event(seed_invite)
    assert event["SUMMARY"] == "June Linkerd Online Community Meetup"
    assert event["URL"] == REGISTRATION
    assert "9 a.m. PT / 12 p.m. ET" in event["DESCRIPTION"]
    assert "https://linkerd.io/2021/06/17/linkerd-at-kubecon-eu/" in event["DESCRIPTION"]
    assert seed_invite["PRODID"].startswith("-//recap-pipeline//")
    assert seed_invite["VERSION"] == "2.0" and seed_invite["METHOD"] == "PUBLISH"


def test_the_uid_comes_from_the_recap_id_and_the_stamp_from_the_recap(seed: Catalog,
                                                                    seed_invite: Calendar) -> None:
    event = only_event(seed_invite)
    recap = seed.recaps[0]
    assert event["UID"] == f"{uuid.uuid5(uuid.NAMESPACE_URL, recap.id)}@linkerd.io"
    assert event.DTSTAMP == datetime(2021, 6, 17, tzinfo=UTC) == recap.updated


def test_renaming_the_slug_keeps_the_uid(seed_content: Path) -> None:
    before = only_event(calendars(calendar.render(catalog_of(seed_content)))[
        "hugo/static/recaps/calendar/2021-06-17-linkerd-at-kubecon-eu.ics"])
    source = seed_content / "recaps" / "2021-06-17-linkerd-at-kubecon-eu.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        'slug: "linkerd-at-kubecon-eu"', 'slug: "kubecon-eu-2021"'), encoding="utf-8")
    after = only_event(calendars(calendar.render(catalog_of(seed_content)))[
        "hugo/static/recaps/calendar/2021-06-17-kubecon-eu-2021.ics"])
    assert after["UID"] == before["UID"]


def test_the_bytes_are_the_same_every_time_and_end_lines_in_crlf(seed: Catalog) -> None:
    first, second = calendar.render(seed), calendar.render(seed)
    assert [(a.path, a.content) for a in first] == [(a.path, a.content) for a in second]
    for artifact in first:
        assert artifact.format == "calendar"
        lines = artifact.content.split(b"\r\n")
        assert lines[-1] == b"" and all(b"\n" not in line for line in lines)
        assert all(len(line) <= 75 for line in lines)


# --- the fixtures: other zones, no title, meetings.ics ----------------------------------------

@pytest.fixture(scope="module")
def fixture_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    folder = assemble_content(tmp_path_factory.mktemp("calendar") / "content", sorted(VALID.glob("*.yaml")))
    return catalog_of(folder)


@pytest.fixture(scope="module")
def fixture_calendars(fixture_catalog: Catalog) -> dict[str, Calendar]:
    return calendars(calendar.render(fixture_catalog))


def test_only_recaps_with_a_next_meeting_get_an_invite(fixture_calendars: dict[str, Calendar]) -> None:
    # Invites are named by the recap key (date and slug), under the Hugo static root.
    assert set(fixture_calendars) == {
        "hugo/static/calendar/2023-10-19-autumn-summit-recap-part-1.ics",
        "hugo/static/calendar/2024-03-14-march-community-meeting-recap.ics",
        "hugo/static/calendar/2024-07-04-july-office-hours.ics",
        "hugo/static/calendar/2025-01-30-zoe-nandu-talk-tokyo.ics",
        "hugo/static/calendar/meetings.ics",
    }


def test_a_half_hour_zone_and_a_default_summary(fixture_catalog: Catalog,
                                                fixture_calendars: dict[str, Calendar]) -> None:
    event = only_event(fixture_calendars[invite_path(fixture_catalog, "july-office-hours")])
    assert event.start == datetime(2024, 8, 1, 18, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert event.start.astimezone(UTC) == datetime(2024, 8, 1, 12, 30, tzinfo=UTC)
    assert event["SUMMARY"] == "Example community recaps: next meeting"
    assert event.duration == timedelta(minutes=45)
    assert "URL" not in event


def test_non_ascii_titles_survive_the_round_trip(fixture_catalog: Catalog,
                                                 fixture_calendars: dict[str, Calendar]) -> None:
    event = only_event(fixture_calendars[invite_path(fixture_catalog, "zoe-nandu-talk-tokyo")])
    assert event["SUMMARY"] == "次回のミートアップ"
    assert event.start.astimezone(UTC) == datetime(2025, 2, 20, 10, tzinfo=UTC)


def test_meetings_ics_leaves_out_meetings_before_the_newest_recap(
    fixture_catalog: Catalog, fixture_calendars: dict[str, Calendar],
) -> None:
    # The newest fixture recap is dated 2025-01-30; only its own meeting is still ahead.
    meetings = fixture_calendars[meetings_path(fixture_catalog)]
    assert [e["SUMMARY"] for e in meetings.events] == ["次回のミートアップ"]
    assert [z.tz_name for z in meetings.timezones] == ["Asia/Tokyo"]
    own = only_event(fixture_calendars[invite_path(fixture_catalog, "zoe-nandu-talk-tokyo")])
    assert meetings.events[0]["UID"] == own["UID"]


def test_meetings_ics_cuts_at_the_newest_recap_date(make_content: ContentMaker) -> None:
    names = ("series-part-1.yaml", "meeting.yaml", "sections-only.yaml")
    folder = make_content([VALID / name for name in names])
    catalog = catalog_of(folder)
    before_july = Catalog(catalog.site, catalog.people,
                          tuple(r for r in catalog.recaps if r.slug != "july-office-hours"))
    # Newest is then the March 2024 recap: the November 2023 meeting is past, April 2024 ahead.
    meetings = calendars(calendar.render(before_july))[meetings_path(catalog)]
    assert [e.start.date().isoformat() for e in meetings.events] == ["2024-04-11"]
    everything = calendars(calendar.render(catalog))[meetings_path(catalog)]
    assert [e.start.date().isoformat() for e in everything.events] == ["2024-08-01"]


def test_meetings_ics_lists_meetings_by_start_with_one_vtimezone_per_zone(fixture_catalog: Catalog) -> None:
    early = tuple(replace(recap, date=date(2023, 1, 1)) for recap in fixture_catalog.recaps)
    catalog = Catalog(fixture_catalog.site, fixture_catalog.people, early)
    meetings = calendars(calendar.render(catalog))[meetings_path(catalog)]
    assert [e.start.date().isoformat() for e in meetings.events] == [
        "2023-11-06", "2024-04-11", "2024-08-01", "2025-02-20"]
    assert [z.tz_name for z in meetings.timezones] == [
        "America/New_York", "Asia/Kolkata", "Asia/Tokyo", "Europe/Berlin"]
    assert meetings.get_missing_tzids() == set()


def test_a_meeting_announced_twice_is_listed_once_with_its_first_uid(make_content: ContentMaker) -> None:
    folder = make_content([VALID / "series-part-1.yaml", VALID / "series-part-2.yaml"])
    part_1 = (folder / "recaps" / "series-part-1.yaml").read_text(encoding="utf-8")
    meeting = part_1[part_1.index("next_meeting:"):]
    part_2 = folder / "recaps" / "series-part-2.yaml"
    part_2.write_text(part_2.read_text(encoding="utf-8") + meeting, encoding="utf-8")
    catalog = catalog_of(folder)
    invites = calendars(calendar.render(catalog))
    first = only_event(invites[invite_path(catalog, "autumn-summit-recap-part-1")])
    listed = only_event(invites[meetings_path(catalog)])
    assert listed["UID"] == first["UID"]
    assert only_event(invites[invite_path(catalog, "autumn-summit-recap-part-2")])["UID"] != first["UID"]


def test_an_empty_catalog_gives_an_empty_meetings_calendar(make_content: ContentMaker) -> None:
    catalog = catalog_of(make_content([]))
    (artifact,) = calendar.render(catalog)
    assert str(artifact.path) == "hugo/static/calendar/meetings.ics"
    assert Calendar.from_ical(artifact.content).events == []
