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
from datetime import datetime
from zoneinfo import ZoneInfo

from pipeline.model import NextMeeting, Person, Recap, Recording, Site, Talk
from pipeline.pandoc import read_markdown
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
    first = meeting.start.astimezone(ZoneInfo(meeting.display_zones[0].zone))
    name = meeting.title or "The next meeting"
    return f"{name}: {day(first)}, at {meeting_times(meeting)}."


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
    """Yield every Markdown field of a recap, in reading order."""
    if recap.intro:
        yield recap.intro
    for action in recap.calls_to_action:
        yield action.text
    for section in recap.sections:
        yield section.body
    for talk in recap.talks:
        yield talk.summary
        yield from talk.takeaways
    if recap.closing:
        yield recap.closing


def series_links(recaps: Sequence[Recap], site: Site, published: Sequence[Recap]) -> dict[str, SeriesLinks]:
    """Give, per recap id, the (part, title, url) of the other parts of its series found
    in `published`, in part order."""
    parts: dict[str, list[Recap]] = {}
    for other in published:
        if other.series is not None:
            parts.setdefault(other.series.id, []).append(other)
    return {
        recap.id: () if recap.series is None else tuple(sorted(
            (other.series.part, other.title, site.post_url(other))
            for other in parts.get(recap.series.id, ())
            if other.series is not None and other.id != recap.id
        ))
        for recap in recaps
    }


def prepare(recaps: Sequence[Recap], site: Site,
            published: Sequence[Recap] | None = None) -> list[RecapDocument]:
    """Parse every Markdown field of every recap in one pandoc run; series navigation
    links the parts found in `published` (default: `recaps`)."""
    fields = list(dict.fromkeys(field for recap in recaps for field in markdown_fields(recap)))
    parsed = dict(zip(fields, read_markdown(fields), strict=True))
    links = series_links(recaps, site, recaps if published is None else published)
    return [RecapDocument(recap, parsed, links[recap.id]) for recap in recaps]


def _inline_markdown(blocks: list[Block]) -> list[Inline]:
    """Give a one-paragraph Markdown field as inlines (for list items and lead-ins)."""
    if len(blocks) == 1 and blocks[0]["t"] in ("Para", "Plain"):
        inlines: list[Inline] = blocks[0]["c"]
        return inlines
    return []


def _speakers_line(label: str, people: Sequence[Person]) -> Block:
    return para(strong(text(f"{label}:")), {"t": "Space"}, text(", ".join(map(person_label, people))))


def _talk_blocks(talk: Talk, doc: RecapDocument, recording_style: RecordingStyle) -> Iterator[Block]:
    yield header(2, text(talk.title))
    meta = " · ".join(part for part in (TALK_KINDS[talk.kind], talk.track) if part)
    yield para(emph(text(meta)))
    label = "Speaker" if len(talk.speakers) == 1 else ("Panelists" if talk.kind == "panel" else "Speakers")
    yield _speakers_line(label, talk.speakers)
    yield from doc.markdown[talk.summary]
    if talk.takeaways:
        yield para(text(talk.takeaways_intro or "Takeaways:"))
        items = []
        for takeaway in talk.takeaways:
            inlines = _inline_markdown(doc.markdown[takeaway])
            items.append([{"t": "Plain", "c": inlines}] if inlines else doc.markdown[takeaway])
        yield bullet_list(items)
    if talk.links:
        parts = [[link(text(item.title or LINK_KINDS[item.kind]), item.url)] for item in talk.links]
        yield para(joined(parts, " · "))
    if talk.recording:
        yield from recording_style(talk.recording, talk.title)


def body_blocks(doc: RecapDocument, recording_style: RecordingStyle) -> list[Block]:
    """Give the recap's body: intro, calls to action, sections, talks, closing, next
    meeting, series navigation and related posts, in that order."""
    recap = doc.recap
    blocks: list[Block] = []
    if recap.intro:
        blocks.extend(doc.markdown[recap.intro])
    if recap.recording:
        blocks.extend(recording_style(recap.recording, f"{recap.title} (full meeting)"))
    for action in recap.calls_to_action:
        if action.active_on(recap.date):
            title = action.title if action.title[-1] in ".!?:" else f"{action.title}."
            lead = [strong(text(title)), {"t": "Space"}]
            inner = list(doc.markdown[action.text])
            inner.append(para(link(text("Take part →"), action.url)))
            if inner and inner[0]["t"] == "Para":
                inner[0] = {"t": "Para", "c": lead + inner[0]["c"]}
            blocks.append({"t": "BlockQuote", "c": inner})
    for section in recap.sections:
        blocks.append(header(2, text(section.title)))
        if section.guests:
            blocks.append(_speakers_line("With", section.guests))
        blocks.extend(doc.markdown[section.body])
        if section.recording:
            blocks.extend(recording_style(section.recording, section.title))
    for talk in recap.talks:
        blocks.extend(_talk_blocks(talk, doc, recording_style))
    if recap.closing:
        if recap.talks or recap.sections:
            blocks.append({"t": "HorizontalRule"})
        blocks.extend(doc.markdown[recap.closing])
    if recap.next_meeting:
        blocks.append(header(2, text("Next meeting")))
        sentence = text(meeting_sentence(recap.next_meeting))
        url = recap.next_meeting.registration_url
        if url:
            sentence += [{"t": "Space"}, link(text("Register here"), url), {"t": "Str", "c": "."}]
        blocks.append(para(sentence))
    if recap.series:
        blocks.extend(_series_blocks(doc))
    if recap.related:
        blocks.append(header(2, text("Related posts")))
        blocks.append(bullet_list([{"t": "Plain", "c": [link(text(r.title), r.url)]}] for r in recap.related))
    return blocks


def _series_blocks(doc: RecapDocument) -> Iterator[Block]:
    series = doc.recap.series
    assert series is not None
    yield para(emph(text(f"Part {series.part} of {series.parts} of {series.name}.")))
    if doc.series_links:
        yield bullet_list(
            [{"t": "Plain", "c": [*text(f"Part {part}:"), {"t": "Space"}, link(text(title), url)]}]
            for part, title, url in doc.series_links
        )


def recording_link(recording: Recording, title: str) -> list[Block]:
    """Show a recording as a link with its length: what feed readers and plain Markdown get."""
    length = format_duration(recording)
    label = f"Watch the recording ({length})" if length else "Watch the recording"
    return [para(link(text(f"▶ {label}"), recording.url))]
