"""The body of a recap as a pandoc document, shared by the post and feed renderers.

Structure comes from the data (headings, speaker lines, lists, links), prose from the
Markdown fields parsed by pandoc. Strings from the data become `Str` nodes, never
Markdown source, so a title cannot inject markup into any output format. How a recording
is shown differs by output (a Hugo shortcode on the blog, a link in a feed reader), so
the caller passes a `RecordingStyle`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pipeline.convert import Converter
from pipeline.model import NextMeeting, Person, Recap, Recording, Site, Takeaway
from pipeline.routes import Routes
from pipeline.sanitize import Block, Inline

TALK_KINDS = {
    "talk": "Talk", "panel": "Panel", "keynote": "Keynote", "lightning": "Lightning talk",
    "workshop": "Workshop", "demo": "Demo", "fireside": "Fireside chat",
}
LINK_KINDS = {"slides": "Slides", "repository": "Repository", "article": "Article", "demo": "Demo",
              "other": "More"}
RecordingStyle = Callable[[Recording, str], list[Block]]
"""Gives the blocks that show a recording, given it and the title of what was recorded."""


# --- building pandoc nodes --------------------------------------------------------------

def text(value: str) -> list[Inline]:
    """Give plain text as pandoc inlines (words and spaces), with no Markdown meaning."""
    inlines: list[Inline] = []
    for index, word in enumerate(value.split()):
        if index:
            inlines.append({"t": "Space"})
        inlines.append({"t": "Str", "c": word})
    return inlines


def strong(inlines: list[Inline]) -> Inline:
    return {"t": "Strong", "c": inlines}


def emph(inlines: list[Inline]) -> Inline:
    return {"t": "Emph", "c": inlines}


def link(inlines: list[Inline], url: str) -> Inline:
    return {"t": "Link", "c": [["", [], []], inlines, [url, ""]]}


def para(*parts: Inline | list[Inline]) -> Block:
    inlines: list[Inline] = []
    for part in parts:
        inlines.extend(part if isinstance(part, list) else [part])
    return {"t": "Para", "c": inlines}


def header(level: int, inlines: list[Inline]) -> Block:
    return {"t": "Header", "c": [level, ["", [], []], inlines]}


def bullet_list(items: Iterable[list[Block]]) -> Block:
    return {"t": "BulletList", "c": list(items)}


def joined(parts: Sequence[list[Inline]], separator: str = ", ") -> list[Inline]:
    """Join inline runs with a separator such as ", " or " · "."""
    glue: list[Inline] = [{"t": "Str", "c": separator.strip()}, {"t": "Space"}]
    if separator.startswith(" "):
        glue.insert(0, {"t": "Space"})
    out: list[Inline] = []
    for index, part in enumerate(parts):
        if index:
            out.extend(glue)
        out.extend(part)
    return out


# --- words ------------------------------------------------------------------------------

def person_label(person: Person) -> str:
    """Give "Name (Role, Affiliation)" with whatever of role and affiliation is known."""
    extra = ", ".join(part for part in (person.role, person.affiliation) if part)
    return f"{person.name} ({extra})" if extra else person.name


def format_duration(recording: Recording) -> str | None:
    """Give a recording's length as 31:26 or 1:02:03."""
    if recording.duration is None:
        return None
    minutes, seconds = divmod(int(recording.duration.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def clock(moment: datetime) -> str:
    """Give a time as the seed writes it: 9 a.m., 12:30 p.m., 12 p.m."""
    hour = moment.hour % 12 or 12
    suffix = "a.m." if moment.hour < 12 else "p.m."
    return f"{hour}:{moment.minute:02d} {suffix}" if moment.minute else f"{hour} {suffix}"


def day(moment: datetime) -> str:
    return f"{moment:%A}, {moment:%B} {moment.day}, {moment.year}"


def meeting_times(meeting: NextMeeting) -> str:
    """Give the start in every display zone from one ISO time: "9 a.m. PT / 12 p.m. ET".

    A zone where the meeting falls on another calendar day says which day.
    """
    if meeting.start is None:
        return "time to be announced"
    first = meeting.start.astimezone(ZoneInfo(meeting.display_zones[0].zone))
    shown = []
    for zone in meeting.display_zones:
        local = meeting.start.astimezone(ZoneInfo(zone.zone))
        label = zone.label or local.tzname() or zone.zone
        when = f"{clock(local)} {label}"
        if local.date() != first.date():
            when += f" ({local:%B} {local.day})"
        shown.append(when)
    return " / ".join(shown)


def meeting_sentence(meeting: NextMeeting) -> str:
    name = meeting.title or "The next meeting"
    if meeting.start is None:
        assert meeting.day is not None
        return f"{name}: {calendar_day(meeting.day)}, time to be announced."
    first = meeting.start.astimezone(ZoneInfo(meeting.display_zones[0].zone))
    return f"{name}: {day(first)}, at {meeting_times(meeting)}."


def calendar_day(when: date) -> str:
    return f"{when:%A}, {when:%B} {when.day}, {when.year}"


# --- the document -----------------------------------------------------------------------

SeriesLinks = tuple[tuple[int, str, str], ...]


@dataclass(frozen=True)
class RecapDocument:
    """Everything needed to lay out one recap: its Markdown fields already parsed."""

    recap: Recap
    markdown: dict[str, list[Block]]
    """Markdown source -> sanitized pandoc blocks."""
    series_links: SeriesLinks
    """(part, title, url) of the other published parts of the recap's series."""


def markdown_fields(recap: Recap) -> Iterator[str]:
    """Yield every Markdown field of a recap."""
    if recap.intro:
        yield recap.intro
    for action in recap.calls_to_action:
        yield action.text
    for section in recap.sections:
        yield section.body
        yield from takeaway_texts(section.takeaways)
        yield from (action.text for action in section.calls_to_action)
    for talk in recap.talks:
        yield talk.summary
        yield from takeaway_texts(talk.takeaways)
    if recap.closing:
        yield recap.closing


def takeaway_texts(takeaways: Iterable[Takeaway]) -> Iterator[str]:
    for takeaway in takeaways:
        yield takeaway.text
        yield from takeaway.points


def series_links(recaps: Sequence[Recap], site: Site, published: Sequence[Recap]) -> dict[str, SeriesLinks]:
    """Give, per recap id, the (part, title, url) of the other parts of its series found
    in `published`, in part order."""
    parts: dict[str, list[Recap]] = {}
    for other in published:
        if other.series is not None:
            parts.setdefault(other.series.id, []).append(other)
    return {
        recap.id: () if recap.series is None else tuple(sorted(
            (other.series.part, other.title, Routes(site).post_url(other))
            for other in parts.get(recap.series.id, ())
            if other.series is not None and other.id != recap.id
        ))
        for recap in recaps
    }


def prepare(recaps: Sequence[Recap], site: Site, converter: Converter,
            published: Sequence[Recap] | None = None) -> list[RecapDocument]:
    """Parse every Markdown field of every recap in one pandoc run; series navigation
    links the parts found in `published` (default: `recaps`)."""
    fields = list(dict.fromkeys(field for recap in recaps for field in markdown_fields(recap)))
    parsed = dict(zip(fields, converter.read(fields), strict=True))
    links = series_links(recaps, site, recaps if published is None else published)
    return [RecapDocument(recap, parsed, links[recap.id]) for recap in recaps]


def _inline_markdown(blocks: list[Block]) -> list[Inline]:
    """Give a one-paragraph Markdown field as inlines (for list items and lead-ins)."""
    if len(blocks) == 1 and blocks[0]["t"] in ("Para", "Plain"):
        inlines: list[Inline] = blocks[0]["c"]
        return inlines
    return []


_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def series_sentence(recap: Recap) -> str:
    """Give "This is part 1 of the two-part series “May Community Meeting Recap”."."""
    series = recap.series
    assert series is not None
    count = _NUMBER_WORDS[series.parts - 1] if series.parts <= len(_NUMBER_WORDS) else str(series.parts)
    return f"This is part {series.part} of the {count}-part series “{series.name}”."


def series_blocks(doc: RecapDocument) -> Iterator[Block]:
    yield para(text(series_sentence(doc.recap)))
    if doc.series_links:
        yield bullet_list(
            [{"t": "Plain", "c": [*text(f"Part {part}:"), {"t": "Space"}, link(text(title), url)]}]
            for part, title, url in doc.series_links
        )


def recording_link(recording: Recording, title: str) -> list[Block]:
    """Show a recording as a link with its length: what feed readers and plain Markdown get."""
    length = format_duration(recording)
    label = f"Watch the recording ({length})" if length else "Watch the recording"
    return [para(link(text(f"▶ {label}"), recording.watch_url))]
