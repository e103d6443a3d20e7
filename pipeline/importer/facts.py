"""Facts read out of single sentences: dates, the next meeting, a talk's kind and track.

Everything here works on one string that the AST walk has already found (a paragraph, a
title), never on the raw file, and gives None when the sentence does not say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pipeline.model import Recording, clock_text, start_in_url

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_MONTH = (r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s?m\.?(?:\s+([A-Z]{2,4}))?", re.IGNORECASE)
_WEEKDAY_TITLE = re.compile(r"^(.{3,120}?):\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),")
_MEETING_CUES = re.compile(
    r"\b(upcoming|next)\s+(community\s+)?(meeting|meetup|call)\b|\bregister\b|\bsign up\b", re.IGNORECASE)
_TRACK = re.compile(r"((?:[A-Z][A-Za-z0-9+.-]*\s){1,4})(talk|panel|keynote|presentation)\b")
_TRACK_NOISE = frozenset({"In", "During", "The", "This", "That", "At", "His", "Her", "Their", "A", "An",
                          "Our"})
_PART_OF = re.compile(r"^Part (\d+) of (\d+) of (.{1,120}?)\.?$")
_PART_OF_SERIES = re.compile(r"^This is part (\d+) of the (\w+)-part series [“\"](.{1,120}?)[”\"]\.$")
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

ZONES = {
    "PT": "America/Los_Angeles", "PDT": "America/Los_Angeles", "PST": "America/Los_Angeles",
    "MT": "America/Denver", "MDT": "America/Denver", "MST": "America/Denver",
    "CT": "America/Chicago", "CDT": "America/Chicago", "CST": "America/Chicago",
    "ET": "America/New_York", "EDT": "America/New_York", "EST": "America/New_York",
    "UTC": "UTC", "GMT": "UTC", "CET": "Europe/Berlin", "CEST": "Europe/Berlin",
    "BST": "Europe/London", "IST": "Asia/Kolkata",
}
"""Zone labels posts write after a time, and the IANA zone each most likely means."""

TALK_KIND_WORDS = (("panel", "panel"), ("keynote", "keynote"), ("lightning", "lightning"),
                   ("workshop", "workshop"), ("fireside", "fireside"))


def month_number(name: str) -> int:
    return next(n for n, month in enumerate(_MONTHS, 1) if month.startswith(name.lower().rstrip(".")[:3]))


def find_date(sentence: str, default_year: int | None = None) -> date | None:
    """Give the first date written as `June 17, 2021` (or `2021-06-17`) in a sentence."""
    iso = _ISO_DATE.match(sentence.strip())
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
    for found in _DATE.finditer(sentence):
        year = int(found[3]) if found[3] else default_year
        if year is None:
            continue
        try:
            return date(year, month_number(found[1]), int(found[2]))
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class MeetingGuess:
    """A next meeting read from a sentence such as "on June 24 at 9 a.m. PT / 12 p.m. ET"."""

    start: datetime | None
    time_zone: str | None
    labels: tuple[str, ...]
    title: str | None
    day: date | None = None
    """The day alone, when the sentence gives no time."""


def announcing_sentence(paragraph: str) -> str:
    """Give the sentence of a paragraph that announces a meeting (the whole paragraph if none)."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", paragraph)
    return next((s for s in sentences if mentions_next_meeting(s)), paragraph)


def mentions_next_meeting(sentence: str) -> bool:
    return bool(_MEETING_CUES.search(sentence)) and bool(_DATE.search(sentence))


def find_next_meeting(sentence: str, recap_day: date) -> MeetingGuess | None:
    """Give the meeting a sentence announces; the year defaults to the recap's (or the next)."""
    day = find_date(sentence, recap_day.year)
    times = list(_TIME.finditer(sentence))
    if day is None:
        return None
    if day <= recap_day and str(day.year) not in sentence:  # "June 24" after a June 30 recap
        day = date(day.year + 1, day.month, min(day.day, 28) if day.month == 2 else day.day)
    if not times:  # "on Thursday, January 27": the day, the time to be announced
        return MeetingGuess(None, None, (), None, day)
    first = times[0]
    if not 1 <= int(first[1]) <= 12 or int(first[2] or 0) > 59:
        return None
    labels = tuple(dict.fromkeys(t[4].upper() for t in times if t[4] and t[4].upper() in ZONES))
    zone = ZONES[labels[0]] if labels else "America/Los_Angeles"
    hour = int(first[1]) % 12 + (12 if first[3].lower() == "p" else 0)
    start = datetime(day.year, day.month, day.day, hour, int(first[2] or 0), tzinfo=ZoneInfo(zone))
    titled = _WEEKDAY_TITLE.match(sentence)
    return MeetingGuess(start, zone, labels, titled[1] if titled else None)


def guess_talk_kind(title: str) -> str | None:
    """Give the talk kind a title names ("Panel: ...", "Keynote: ..."), else None."""
    words = title.lower()
    return next((kind for word, kind in TALK_KIND_WORDS if word in words), None)


def guess_track(sentence: str) -> tuple[str, str] | None:
    """Give the track a phrase such as "In his ServiceMeshCon talk" names, and the phrase."""
    for found in _TRACK.finditer(sentence):
        words = found[1].split()
        while words and words[0] in _TRACK_NOISE:
            words.pop(0)
        if words:
            track = " ".join(words)
            phrase = f"{track} {found[2]}"
            return (f"{track} keynote" if found[2] == "keynote" else track), phrase
    return None


def series_part(sentence: str) -> tuple[int, int, str] | None:
    """Give (part, parts, name) from the posts' own series line: "This is part 1 of the
    two-part series “NAME”." (or the older "Part 1 of 2 of NAME.")."""
    found = _PART_OF.match(sentence.strip())
    if found is None and (found := _PART_OF_SERIES.match(sentence.strip())):
        count = found[2]
        words = {word: number for number, word in enumerate(_NUMBER_WORDS, 1)}
        parts = words.get(count) or (int(count) if count.isdigit() else 0)
        return (int(found[1]), parts, found[3]) if 0 < int(found[1]) <= parts <= 100 else None
    if not found or not 0 < int(found[1]) <= int(found[2]) <= 100:
        return None
    return int(found[1]), int(found[2]), found[3]


def first_sentences(text: str, limit: int) -> str:
    """Give the leading whole sentences of `text` that fit in `limit` characters."""
    words = " ".join(text.replace("<", "").replace(">", "").split())
    if len(words) <= limit:
        return words
    sentences = re.split(r"(?<=[.!?])\s+", words)
    kept = ""
    for sentence in sentences:
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    return kept or words[: limit - 1].rsplit(" ", 1)[0] + "…"


def video_recording(url: str) -> dict[str, str] | None:
    """Give a YouTube link as a recording: the short `https://youtu.be/ID` URL, and the
    `start` its `t=` (`?t=359`, `&t=1m2s`, `#t=20m01s`) gives; None for other links."""
    try:
        video, start = Recording(url).youtube_id, start_in_url(url)
    except ValueError:  # not a URL at all ("http://[…"): no video
        return None
    if video is None:
        return None
    found = {"url": f"https://youtu.be/{video}"}
    if start:
        found["start"] = clock_text(start)
    return found
