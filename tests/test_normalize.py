"""Normalization of the seed recap: people resolved once, facts kept, computed fields."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import CONTENT

from pipeline.load import load_content
from pipeline.model import Recording, parse_duration
from pipeline.normalize import normalize


@pytest.fixture(scope="module")
def seed():
    catalog = normalize(load_content(CONTENT))
    return catalog.recaps[0]


def test_the_seed_has_all_eleven_talks_in_order(seed):
    assert len(seed.talks) == 11
    assert seed.talks[0].title == "Why the future of the cloud will be built on Rust"
    assert seed.talks[-1].title == "Overview and State of Linkerd"


def test_people_are_resolved_and_spelled_one_way(seed):
    names = {person.name for person in seed.speakers}
    assert {"Christian Hüning", "Max Körbächer", "Sergio Arnaldo Méndez Aguilar", "Matei David"} <= names
    assert "Matei Davis" not in names
    william = [s for t in seed.talks for s in t.speakers if s.id == "william-morgan"]
    assert len(william) == 4 and len(set(william)) == 1
    assert seed.talks[0].speakers[0].affiliation == "Buoyant"


def test_every_talk_has_its_recording_with_duration_and_upload_date(seed):
    assert all(t.recording is not None for t in seed.talks)
    first = seed.talks[0].recording
    assert first.youtube_id == "BWL4889RKhU"
    assert first.duration == timedelta(minutes=31, seconds=26)
    assert first.uploaded == date(2021, 5, 14)


def test_series_next_meeting_and_computed_fields(seed):
    assert (seed.series.part, seed.series.parts) == (1, 2)
    assert seed.next_meeting.start.astimezone(UTC) == datetime(2021, 6, 24, 16, 0, tzinfo=UTC)
    assert [z.label for z in seed.next_meeting.display_zones] == ["PT", "ET"]
    assert 800 < seed.word_count < 2000
    assert seed.reading_time_minutes == -(-seed.word_count // 220)
    assert seed.updated == datetime(2021, 6, 17, tzinfo=UTC)


@pytest.mark.parametrize(("url", "video"), [
    ("https://youtu.be/BWL4889RKhU", "BWL4889RKhU"),
    ("https://www.youtube.com/watch?v=BWL4889RKhU&t=10", "BWL4889RKhU"),
    ("https://youtube.com/embed/BWL4889RKhU", "BWL4889RKhU"),
    ("https://vimeo.com/123456", None),
    ("https://youtu.be/not-an-id", None),
    ("https://evil.example/youtu.be/BWL4889RKhU", None),
])
def test_youtube_ids_are_recognised_only_on_youtube(url, video):
    assert Recording(url).youtube_id == video


def test_durations_parse():
    assert parse_duration("PT1H2M3S") == timedelta(hours=1, minutes=2, seconds=3)
    assert parse_duration("PT9M") == timedelta(minutes=9)
