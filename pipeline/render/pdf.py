"""PDF handouts: one printable `pdf/<slug>.pdf` per recap, laid out by typst.

Structure comes from the data, prose from pandoc. The typst template
(`templates/handout/handout.typ`) gets each recap as one JSON string through `sys_inputs`,
so titles, names and URLs reach typst as data and are never spliced into typst source.
Only the Markdown fields are markup: pandoc converts all of them, for every recap, in one
batched run (raw passthrough off), and the template evaluates just those fields.

Typst compiles in-process. A `typst.Compiler` fixes its root folder when it is created, so
each process makes one private temporary folder holding only the template, and one
compiler rooted there that it reuses for every handout: nothing a handout says can make
typst read a file outside that folder. Fonts are typst's bundled ones (system fonts are
ignored), and the PDF's dates come from the recap, so the same input gives the same bytes.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, timedelta
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

import segno
import typst

from pipeline.errors import PipelineError
from pipeline.model import Artifact, Event, NextMeeting, Person, Recap, Recording, Section, Site, Talk
from pipeline.normalize import Catalog, count_words
from pipeline.pandoc import markdown_to
from pipeline.render.document import (
    LINK_KINDS,
    TALK_KINDS,
    day,
    format_duration,
    markdown_fields,
    meeting_times,
)
from pipeline.sanitize import without_fragment_links

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "handout"
TEMPLATE = "handout.typ"
QR_QUIET_ZONE = 4
"""Modules of white around a QR code: the minimum the QR standard asks for."""
CARD_SPLIT_WORDS = 220
"""A talk or section card with more words than this may split across columns. A column
holds about 400 words beside the QR codes, so shorter cards stay whole (no title alone at
the foot of a column) and a longer one cannot push past the page or leave a column empty."""

EN_DASH = "\u2013"
Json = dict[str, Any]


class HandoutError(PipelineError):
    """Raised when typst cannot compile a handout; the message names the recap."""


# --- the compiler -----------------------------------------------------------------------

@cache
def _workspace(pid: int) -> typst.Compiler:
    """Give this process's compiler, rooted in a private folder holding only the template.

    Keyed by process id so that a forked worker makes its own instead of sharing its
    parent's; only the process that made a folder removes it at exit.
    """
    root = Path(tempfile.mkdtemp(prefix=f"recap-handout-{pid}-"))
    atexit.register(_remove_workspace, root, pid)
    for source in TEMPLATE_DIR.iterdir():
        if source.is_file() and source.suffix == ".typ":
            shutil.copyfile(source, root / source.name)
    return typst.Compiler(str(root / TEMPLATE), root=str(root), ignore_system_fonts=True)


def _remove_workspace(root: Path, pid: int) -> None:
    if os.getpid() == pid:
        shutil.rmtree(root, ignore_errors=True)


def compile_handout(recap: Recap, payload: Json) -> bytes:
    """Give the PDF of one handout from its template data."""
    compiler = _workspace(os.getpid())
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    try:
        pdf = compiler.compile(sys_inputs={"recap": data}, timestamp=int(recap.updated.timestamp()))
    except typst.TypstError as error:
        msg = f"typst cannot lay out the handout of {recap.source_file}: {error}"
        raise HandoutError(msg) from error
    assert isinstance(pdf, bytes), "one PDF, not one image per page"
    return pdf


# --- words and pictures -----------------------------------------------------------------

QR_MASK = 0


@cache
def qr_svg(url: str) -> str:
    """Give a QR code for `url` as SVG, quiet zone included, sized by the template.

    The mask is fixed: choosing the best of eight cost segno 8 ms per code, 90 ms per
    seed-sized handout, more than compiling it. Readers decode every mask (the code
    says which it uses); a test decodes the seed's codes with zxing-cpp.
    """
    code = segno.make(url, error="l", micro=False, mask=QR_MASK)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=1, border=QR_QUIET_ZONE, xmldecl=False,
              dark="#000000", light="#ffffff")
    return buffer.getvalue().decode("utf-8")


def date_range(event: Event) -> str | None:
    """Give an event's dates as "May 4-7, 2021", "April 30 - May 2, 2021" or one day,
    with en dashes."""
    start, end = event.start, event.end or event.start
    if start is None or end is None:
        return None
    if start == end:
        return _long_date(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%B} {start.day}{EN_DASH}{end.day}, {end.year}"
    if start.year == end.year:
        return f"{start:%B} {start.day} {EN_DASH} {end:%B} {end.day}, {end.year}"
    return f"{_long_date(start)} {EN_DASH} {_long_date(end)}"


def _long_date(moment: date) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def _person(person: Person) -> Json:
    """Give a name and its "Role, Affiliation" apart, so the template can set them apart."""
    detail = ", ".join(part for part in (person.role, person.affiliation) if part)
    return {"name": person.name, "detail": detail or None}


def _recording(recording: Recording | None) -> Json | None:
    if recording is None:
        return None
    length = format_duration(recording)
    return {
        "url": recording.url,
        "display_url": recording.url.removeprefix("https://").removeprefix("http://"),
        "label": f"Watch · {length}" if length else "Watch",
        "qr_svg": qr_svg(recording.url),
    }


def _language(site: Site) -> str:
    """Give the site's language as typst wants it: a bare ISO 639 code, else English."""
    code = site.language.split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else "en"


# --- the template's data ----------------------------------------------------------------

def _talk(talk: Talk, markup: Mapping[str, str]) -> Json:
    return {
        "title": talk.title,
        "meta": " · ".join(part for part in (TALK_KINDS[talk.kind], talk.track) if part),
        "speakers": [_person(speaker) for speaker in talk.speakers],
        "summary_typst": markup[talk.summary],
        "takeaways_intro": talk.takeaways_intro or "Takeaways:",
        "takeaways_typst": [markup[takeaway] for takeaway in talk.takeaways],
        "links": [{"label": link.title or LINK_KINDS[link.kind], "url": link.url} for link in talk.links],
        "recording": _recording(talk.recording),
        "breakable": count_words(iter((talk.summary, *talk.takeaways))) > CARD_SPLIT_WORDS,
    }


def _section(section: Section, markup: Mapping[str, str]) -> Json:
    return {
        "title": section.title,
        "guests": [_person(guest) for guest in section.guests],
        "body_typst": markup[section.body],
        "recording": _recording(section.recording),
        "breakable": count_words(iter((section.body,))) > CARD_SPLIT_WORDS,
    }


def _next_meeting(meeting: NextMeeting | None) -> Json | None:
    if meeting is None:
        return None
    first = meeting.start.astimezone(ZoneInfo(meeting.display_zones[0].zone))
    return {
        "title": meeting.title or "The next meeting",
        "day": day(first),
        "times": meeting_times(meeting),
        "duration": _length(meeting.duration) if meeting.duration else None,
        "url": meeting.registration_url,
    }


def _length(duration: timedelta) -> str:
    """Give a meeting's length as "1 hour", "2 hours", "45 minutes" or "1 h 30 min"."""
    hours, minutes = divmod(int(duration.total_seconds()) // 60, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    if hours:
        return f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{minutes} minutes"


def _header(recap: Recap, site: Site) -> Json:
    """Give the masthead's and the PDF metadata's fields."""
    updated = recap.updated.astimezone(UTC)
    event = recap.event
    details = [] if event is None else [
        part for part in (date_range(event), event.location, "Online" if event.online else None) if part
    ]
    authors = ", ".join(person.name for person in recap.authors)
    return {
        "site": site.title,
        "series": f"Part {recap.series.part} of {recap.series.parts} · {recap.series.name}"
        if recap.series else None,
        "title": recap.title,
        "event": None if event is None else {"name": event.name, "details": details},
        "byline": f"Published {_long_date(recap.date)} · by {authors}",
        "authors": [person.name for person in recap.authors],
        "summary": recap.summary,
        "tags": list(recap.tags),
        "date": {"year": updated.year, "month": updated.month, "day": updated.day,
                 "hour": updated.hour, "minute": updated.minute, "second": updated.second},
        "paper": site.paper,
        "lang": _language(site),
        "post_url": site.post_url(recap),
    }


def template_data(recap: Recap, site: Site, markup: Mapping[str, str]) -> Json:
    """Give everything the template lays out for one recap; `*_typst` fields are markup."""
    return {
        **_header(recap, site),
        "intro_typst": markup[recap.intro] if recap.intro else None,
        "actions": [
            {"title": action.title, "text_typst": markup[action.text], "url": action.url}
            for action in recap.calls_to_action if action.active_on(recap.date)
        ],
        "recording": _recording(recap.recording),
        "sections": [_section(section, markup) for section in recap.sections],
        "talks_heading": "The talks" if recap.kind == "conference" else "Talks",
        "talks": [_talk(talk, markup) for talk in recap.talks],
        "closing_typst": markup[recap.closing] if recap.closing else None,
        "next_meeting": _next_meeting(recap.next_meeting),
        "related": [{"title": link.title, "url": link.url} for link in recap.related],
    }


def _all_markdown(recaps: Sequence[Recap]) -> Iterator[str]:
    for recap in recaps:
        yield from markdown_fields(recap)


def render_recaps(catalog: Catalog, recaps: Sequence[Recap]) -> list[Artifact]:
    """Give one handout per recap, converting every Markdown field in one pandoc batch."""
    fields = list(dict.fromkeys(_all_markdown(recaps)))
    markup = dict(zip(fields, markdown_to(fields, "typst", adapt=without_fragment_links), strict=True))
    return [
        Artifact(
            PurePosixPath(f"pdf/{recap.slug}.pdf"),
            compile_handout(recap, template_data(recap, catalog.site, markup)),
            "pdf",
            recap.id,
        )
        for recap in recaps
    ]


def render(catalog: Catalog) -> list[Artifact]:
    """Give the handout of every recap of the catalog."""
    return render_recaps(catalog, catalog.recaps)
