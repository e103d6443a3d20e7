"""PDF handouts: one printable `pdf/<yyyy-mm-dd-slug>.pdf` per recap, laid out by typst.

Structure comes from the data, prose from pandoc. The typst template
(`templates/handout/handout.typ`) gets each recap as one JSON string through `sys_inputs`,
so titles, names and URLs reach typst as data and are never spliced into typst source.
Only the Markdown fields are markup: pandoc converts all of them, for every recap, in one
batched run (raw passthrough off), and the template evaluates just those fields.

Typst compiles in-process. A `typst.Compiler` fixes its root folder when it is created, so
each process makes one private temporary folder holding only the template and its fonts,
and one compiler rooted there that it reuses for every handout: nothing a handout says
can make typst read a file outside that folder. Images the content names (the site's
logo) are copied in under names made from their hash (`place_image`). Fonts are typst's
bundled ones plus the shipped CJK subset, passed by path (system fonts are ignored), and
the PDF's dates come from the recap, so the same input gives the same bytes.

The template picks one or two columns and balances the last page by measuring; when a
column break cannot fall where it planned, it reports the overflow and the handout is laid
out again with that much more height (`compile_handout`): one layout for most handouts.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import segno
import typst

from pipeline.convert import Converter
from pipeline.errors import PipelineError
from pipeline.images import EXTENSIONS, image_bytes
from pipeline.model import (
    Artifact,
    CallToAction,
    Catalog,
    Embed,
    Event,
    NextMeeting,
    Person,
    Recap,
    Recording,
    Section,
    Site,
    Takeaway,
    Talk,
    TalkLink,
    clock_text,
)
from pipeline.render.body import DEFAULT_ACTION_LABEL, EMBED_SITES, meeting_line
from pipeline.render.document import (
    LINK_KINDS,
    TALK_KINDS,
    calendar_day,
    day,
    format_duration,
    markdown_fields,
    meeting_times,
)
from pipeline.routes import Routes
from pipeline.sanitize import without_fragment_links

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "handout"
TEMPLATE = "handout.typ"
FONT_FOLDER = "fonts"
IMAGE_FOLDER = "images"
QR_QUIET_ZONE = 4
"""Modules of white around a QR code: the minimum the QR standard asks for."""
DEFAULT_ACCENT = "#0b6e69"
EXTRA_HEIGHTS = (6, 30, 60)
"""Points the last page's columns may run past half of what that page holds, tried in
turn: a break cannot always fall at the half (a QR code or a sticky heading moves whole).
On 100 synthetic seed-sized recaps 6 fitted 73, 30 another 22 and 60 the rest, at 2.3
compiles a handout; starting at 0 fitted 57 but cost 2.7. When none fits, the handout
keeps its natural layout (columns filled in order)."""

EN_DASH = "\u2013"
Json = dict[str, Any]


class HandoutError(PipelineError):
    """Raised when typst cannot compile a handout; the message names the recap."""


# --- the compiler -----------------------------------------------------------------------

@dataclass(frozen=True)
class Workspace:
    """A private folder holding only the template and its fonts, and a compiler rooted there."""

    root: Path
    compiler: typst.Compiler


@cache
def _workspace(pid: int) -> Workspace:
    """Give this process's workspace.

    Keyed by process id so that a forked worker makes its own instead of sharing its
    parent's; only the process that made a folder removes it at exit.
    """
    root = Path(tempfile.mkdtemp(prefix=f"recap-handout-{pid}-"))
    atexit.register(_remove_workspace, root, pid)
    for source in TEMPLATE_DIR.iterdir():
        if source.is_file() and source.suffix == ".typ":
            shutil.copyfile(source, root / source.name)
    (root / IMAGE_FOLDER).mkdir()
    # Fonts are read from the package by path: typst loads them at start-up, and the
    # markup can name no font file (only the root folder is readable from markup).
    compiler = typst.Compiler(str(root / TEMPLATE), root=str(root), ignore_system_fonts=True,
                              font_paths=[str(TEMPLATE_DIR / FONT_FOLDER)])
    return Workspace(root, compiler)


def _remove_workspace(root: Path, pid: int) -> None:
    if os.getpid() == pid:
        shutil.rmtree(root, ignore_errors=True)


def place_image(content: bytes, media_type: str) -> str:
    """Put validated image bytes into this process's typst folder; give the path typst reads.

    The name is the bytes' hash and the extension their media type's, so nothing a content
    author wrote reaches the file system, and the same image is written once per process.
    """
    root = _workspace(os.getpid()).root
    name = f"{IMAGE_FOLDER}/{hashlib.sha256(content).hexdigest()[:32]}.{EXTENSIONS[media_type]}"
    target = root / name
    if not target.exists():
        partial = target.with_suffix(".partial")
        partial.write_bytes(content)
        partial.replace(target)
    return "/" + name


def compile_handout(recap: Recap, payload: Json) -> bytes:
    """Give the PDF of one handout from its template data: one column or balanced columns
    when that fits, else the columns filled in order."""
    compiler = _workspace(os.getpid()).compiler
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    stamp = int(recap.updated.timestamp())
    try:
        natural = compiler.compile(sys_inputs={"recap": data, "layout": "natural"}, timestamp=stamp)
        check = _layout_check(compiler)
        for extra in EXTRA_HEIGHTS:
            layout = f"balanced:{check['pages']}:{check['rest']:.2f}:{extra}"
            balanced = compiler.compile(sys_inputs={"recap": data, "layout": layout}, timestamp=stamp)
            if _layout_check(compiler)["fits"]:
                assert isinstance(balanced, bytes), "one PDF, not one image per page"
                return balanced
    except typst.TypstError as error:
        msg = f"typst cannot lay out the handout of {recap.source_file}: {error}"
        raise HandoutError(msg) from error
    assert isinstance(natural, bytes), "one PDF, not one image per page"
    return natural


def _layout_check(compiler: typst.Compiler) -> Json:
    """Give what the last layout reported about itself (`<layout-check>` in handout.typ)."""
    check: Json = json.loads(compiler.query("<layout-check>", field="value", one=True))
    return check


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


def short_url(url: str) -> str:
    """Give a URL as printed for typing from paper: no scheme, no `www.`, no final slash."""
    return url.split("://", 1)[-1].removeprefix("www.").removesuffix("/")


def _target(url: str) -> Json:
    """Give a link the reader may follow from paper: its URL, printed short, and a QR code."""
    return {"url": url, "display": short_url(url), "qr_svg": qr_svg(url)}


def _recording(recording: Recording | None) -> Json | None:
    if recording is None:
        return None
    length = format_duration(recording)
    return {**_target(recording.watch_url), "label": f"Watch · {length}" if length else "Watch"}


def _logo(site: Site) -> str | None:
    if site.logo is None:
        return None
    try:
        placed = place_image(image_bytes(site.logo), site.logo.media_type)
    except OSError as error:
        msg = f"site.yaml: branding.logo: cannot read {site.logo.source}: {error}"
        raise HandoutError(msg) from error
    problem = _decoding_problem(placed)
    if problem is not None:
        msg = f"site.yaml: branding.logo: typst cannot decode {site.logo.source}: {problem}"
        raise HandoutError(msg)
    return placed


@cache
def _decoding_problem(placed: str) -> str | None:
    """Give why typst cannot decode a placed image (its magic number can lie), or None.

    Tried alone, so that a broken logo is named as such rather than failing every handout
    with a message about the recap."""
    root = _workspace(os.getpid()).root
    probe = root / "image-probe.typ"
    if not probe.exists():
        probe.write_text("#image(sys.inputs.image)\n", encoding="utf-8")
    try:  # a compiler of its own: giving the shared one another input would keep it
        typst.compile(str(probe), root=str(root), ignore_system_fonts=True, format="svg",
                      sys_inputs={"image": placed})
    except typst.TypstError as error:
        return str(error.message)
    return None


def _language(site: Site) -> str:
    """Give the site's language as typst wants it: a bare ISO 639 code, else English."""
    code = site.language.split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else "en"


# --- the template's data ----------------------------------------------------------------

def _takeaways(takeaways: Sequence[Takeaway], markup: Mapping[str, str]) -> list[str]:
    """Give each takeaway's markup, its sub-points as a list under it (pandoc's markup
    for each, so nothing from the source is written into markup here)."""
    return [markup[t.text] + "".join(f"\n- {markup[point].strip()}" for point in t.points) for t in takeaways]


def _more(recordings: Sequence[Recording], links: Sequence[TalkLink], embeds: Sequence[Embed]) -> list[Json]:
    """Give the links a card prints besides its first recording's code: the links, the
    embeds, the other recordings and every chapter, each with a short printed URL."""
    items = [(link.title or LINK_KINDS[link.kind], link.url) for link in links]
    items += [(embed_label(embed), embed.url) for embed in embeds]
    for index, recording in enumerate(recordings):
        if index:
            items.append((f"Recording, part {index + 1}", recording.watch_url))
        items += [(f"{clock_text(c.at)} {c.title}", recording.at(c.at)) for c in recording.chapters]
    return [{"label": label, "url": url, "display": short_url(url)} for label, url in items]


def embed_label(embed: Embed) -> str:
    """Give what paper prints for an embed: its title, else its quoted words (shortened),
    else the site it is on."""
    if embed.title:
        return embed.title
    if embed.text:
        words = " ".join(embed.text.split())
        if len(words) > 80:
            words = words[:79].rsplit(" ", 1)[0] + "…"
        return f"“{words}” on {EMBED_SITES[embed.kind]}"
    return EMBED_SITES[embed.kind]


def _talk(talk: Talk, markup: Mapping[str, str]) -> Json:
    return {
        "title": talk.title,
        "meta": " · ".join(part for part in (TALK_KINDS[talk.kind], talk.track) if part),
        "speakers": [_person(speaker) for speaker in talk.speakers],
        "summary_typst": markup[talk.summary],
        "takeaways_intro": talk.takeaways_intro or "Takeaways:",
        "takeaways_typst": _takeaways(talk.takeaways, markup),
        "links": _more(talk.recordings, talk.links, talk.embeds),
        "recording": _recording(talk.recording),
    }


def _section(section: Section, markup: Mapping[str, str], recap_date: date) -> Json:
    return {
        "title": section.title,
        "label": section.label,
        "guests": [_person(guest) for guest in section.guests],
        "body_typst": markup[section.body],
        "takeaways_typst": _takeaways(section.takeaways, markup),
        "links": _more(section.recordings, section.links, section.embeds),
        "actions": [_action(action, markup) for action in section.calls_to_action
                    if action.active_on(recap_date)],
        "recording": _recording(section.recording),
    }


def _action(action: CallToAction, markup: Mapping[str, str]) -> Json:
    return {"title": action.title, "text_typst": markup[action.text], "link": _target(action.url),
            "label": action.label or DEFAULT_ACTION_LABEL}


def _next_meeting(meeting: NextMeeting | None) -> Json | None:
    if meeting is None:
        return None
    if meeting.start is None:
        assert meeting.day is not None
        shown = calendar_day(meeting.day)
    else:
        shown = day(meeting.start.astimezone(ZoneInfo(meeting.display_zones[0].zone)))
    return {
        "title": meeting.title or "The next meeting",
        "day": shown,
        "times": meeting_times(meeting),
        "duration": _length(meeting.duration) if meeting.duration else None,
        "registration": _target(meeting.registration_url) if meeting.registration_url else None,
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
        "byline": " · ".join(filter(None, (f"Published {_long_date(recap.date)}", f"by {authors}",
                                             meeting_line(recap)))),
        "authors": [person.name for person in recap.authors],
        "summary": recap.summary,
        "tags": list(recap.tags),
        "date": {"year": updated.year, "month": updated.month, "day": updated.day,
                 "hour": updated.hour, "minute": updated.minute, "second": updated.second},
        "paper": site.paper,
        "lang": _language(site),
        "post": _target(Routes(site).post_url(recap)),
        "accent": site.accent or DEFAULT_ACCENT,
        "logo": _logo(site),
        "cover": _local_image(recap, recap.cover) if recap.cover else None,
    }


def template_data(recap: Recap, site: Site, markup: Mapping[str, str]) -> Json:
    """Give everything the template lays out for one recap; `*_typst` fields are markup."""
    return {
        **_header(recap, site),
        "intro_typst": markup[recap.intro] if recap.intro else None,
        "actions": [_action(action, markup) for action in recap.calls_to_action
                    if action.active_on(recap.date)],
        "recording": _recording(recap.recording),
        "recording_links": _more(recap.recordings, (), ()),
        "sections": [_section(section, markup, recap.date) for section in recap.sections],
        "talks_heading": "The talks" if recap.kind == "conference" else "Talks",
        "talks": [_talk(talk, markup) for talk in recap.talks],
        "closing_typst": markup[recap.closing] if recap.closing else None,
        "next_meeting": _next_meeting(recap.next_meeting),
        "related": [{"title": link.title, "url": link.url, "display": short_url(link.url)}
                    for link in recap.related],
    }


def _all_markdown(recaps: Sequence[Recap]) -> Iterator[str]:
    for recap in recaps:
        yield from markdown_fields(recap)


def render_recaps(catalog: Catalog, recaps: Sequence[Recap], converter: Converter) -> list[Artifact]:
    """Give one handout per recap, converting every Markdown field in one pandoc batch."""
    fields = list(dict.fromkeys(_all_markdown(recaps)))
    typst = converter.markdown_to(fields, "typst", adapt=without_fragment_links)
    markup = dict(zip(fields, typst, strict=True))
    routes = Routes(catalog.site)
    return [
        Artifact(
            routes.file(routes.pdf(recap)),
            compile_handout(recap, template_data(recap, catalog.site, placed_images(markup, recap))),
            "pdf",
            recap.id,
        )
        for recap in recaps
    ]


_TYPST_IMAGE = re.compile(r'image\("([^"\\]*)"\)')


def _local_image(recap: Recap, name: str) -> str | None:
    """Give where typst reads one of the recap's images, or None when it has no such image
    or typst cannot decode it (its first bytes can lie): the handout is printed without it."""
    image = recap.image(name)
    if image is None:
        return None
    placed = place_image(image.content, image.media_type)
    return None if _decoding_problem(placed) else placed


def placed_images(markup: Mapping[str, str], recap: Recap) -> dict[str, str]:
    """Give the recap's typst markup with its own images placed in the workspace
    (`place_image`) and any other local image left out: typst reads no file from anywhere
    else. Web images never reach here (pandoc leaves them out)."""
    def place(match: re.Match[str]) -> str:
        placed = _local_image(recap, match[1])
        return f'image("{placed}")' if placed else "box()"

    return {field: _TYPST_IMAGE.sub(place, markup[field]) for field in markdown_fields(recap)}


def render(catalog: Catalog, converter: Converter) -> list[Artifact]:
    """Give the handout of every recap of the catalog."""
    return render_recaps(catalog, catalog.recaps, converter)
