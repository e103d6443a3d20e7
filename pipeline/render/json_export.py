"""JSON exports: each recap in full, an index, a people register, every talk, and JSON-LD.

What other programs (a search index, a dashboard, a newsletter tool) read instead of
scraping pages, so each recap's file holds enough to rebuild its page: people resolved to
full records, every Markdown field next to its HTML (`summary` and `summary_html`), the
computed figures and the URLs of the recap's other outputs. Every file says its
`schema_version`; `schema/export.schema.json` describes them all.

Output, under `json/` of the site's files (`pipeline.routes`; `<key>` is `yyyy-mm-dd-slug`):
  recaps/<key>.json    one recap                  index.json   every recap, newest first
  people.json          people keyed by `key`      talks.json   every talk, for search
  ld/<key>.jsonld      schema.org structured data (see `structured_data`)

Shape rules, so that consumers need no guessing: every key is always present, `null` when
the recap does not say, `[]` when a list is empty. A person's `key` is their registry id,
or `inline:<name>` for a one-off person written inline (never a valid registry id, so the
two cannot collide); inline people with the same name are taken to be one person.

Every URL comes from `pipeline.routes`, which also says where each output is written, so
a link here names a file the build published.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from html import unescape
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.convert import Converter, key
from pipeline.images import EXTENSIONS, image_bytes
from pipeline.manifest import code_fingerprint
from pipeline.model import (
    Artifact,
    CallToAction,
    Embed,
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
from pipeline.normalize import Catalog
from pipeline.render.document import (
    LINK_KINDS,
    TALK_KINDS,
    clock,
    format_duration,
    markdown_fields,
    meeting_sentence,
    meeting_times,
    person_label,
    takeaway_texts,
)
from pipeline.render.structured_data import (
    embed_url,
    iso_duration,
    json_ld,
    meeting_end,
    meeting_name,
    meeting_online,
    meeting_start,
    meta_description,
    thumbnail_url,
)
from pipeline.routes import JSON_INDEX, JSON_PEOPLE, JSON_TALKS, Routes

SCHEMA_VERSION = "1.0"
"""Bumped in its minor part when fields are added, in its major part when any changes."""
FORMAT = "json"
HTML_OPTIONS = ("--wrap=none", "--syntax-highlighting=none", "--reference-location=block")
"""A paragraph per line (reflowing at 72 columns is noise in a JSON string); code as plain
`<pre class="sh"><code>`, since pandoc's highlighting costs ~0.4 s to start, needs its CSS
and numbers its ids across the whole batch; footnotes after their block, since pandoc
would otherwise gather the notes of every fragment of the batch into the last one."""

Record = dict[str, Any]
Html = Mapping[str, str]
"""Markdown source -> its HTML."""


# --- bytes --------------------------------------------------------------------------------

_ONE_LINE = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def encode_by_line(document: Record, encoded: Mapping[str, Sequence[str]] | None = None) -> bytes:
    """Give a document's bytes: UTF-8, sorted keys, one line per top-level field and one
    per entry of a top-level list or map (a talk, a section, a person), a final newline.

    A change then shows as a few changed lines, as it would indented, but the encoding is
    C's: indenting makes Python encode in Python, which took ~7 s over the 50 MB that
    `index`, `people` and `talks` hold for 1,000 recaps, and ~3 ms per recap's file. A
    list in `encoded` (by field name) comes already encoded, one entry per string.
    """
    lines = []
    for name in sorted(document):
        value, key = document[name], _ONE_LINE.encode(name)
        given = (encoded or {}).get(name)
        if given:
            entries = ",\n".join(f"    {line}" for line in given)
            lines.append(f"  {key}: [\n{entries}\n  ]")
        elif isinstance(value, list) and value:
            entries = ",\n".join(f"    {_ONE_LINE.encode(item)}" for item in value)
            lines.append(f"  {key}: [\n{entries}\n  ]")
        elif isinstance(value, dict) and value:
            entries = ",\n".join(f"    {_ONE_LINE.encode(k)}: {_ONE_LINE.encode(v)}"
                                  for k, v in sorted(value.items()))
            lines.append(f"  {key}: {{\n{entries}\n  }}")
        else:
            lines.append(f"  {key}: {_ONE_LINE.encode(value)}")
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def artifact(path: PurePosixPath, document: Record, recap: Recap | None = None,
             encoded: Mapping[str, Sequence[str]] | None = None) -> Artifact:
    """Give a document as an output of `recap`, or (None) a site-wide one."""
    content = encode_by_line(document, encoded)
    return Artifact(path, content, FORMAT, recap.id if recap else None)


_TAG = re.compile(r"<[^>]*>")


def html_text(html: str) -> str:
    """Give the text of an HTML fragment on one line, for search indexes.

    Only for pandoc's HTML, which escapes every `<` and `>` outside its own tags, so that
    taking the tags out leaves the text; ~20 times faster than an HTML parser, which
    matters over every talk of a large site.
    """
    return " ".join(unescape(_TAG.sub("", html)).split())


def html_of(fields: Iterable[str], converter: Converter) -> dict[str, str]:
    """Convert Markdown fields to HTML, in one batched (and remembered) pandoc call."""
    unique = list(dict.fromkeys(fields))
    return dict(zip(unique, converter.markdown_to(unique, "html", *HTML_OPTIONS), strict=True))


def with_image_urls(html: Html, recap: Recap, site: Site) -> Html:
    """Give the recap's HTML with its own images at their absolute URLs: a field is
    converted once for every recap that has its text, so the names are placed here.
    Image names are plain file names, so `src="name"` is all pandoc can have written."""
    if not recap.images:
        return html
    routes = Routes(site)
    placed = {}
    for field in markdown_fields(recap):
        if field not in html:  # talks.json converts only the talks' fields
            continue
        text = html[field]
        for image in recap.images:
            text = text.replace(f'src="{image.name}"', f'src="{routes.image_url(recap, image.name)}"')
        placed[field] = text
    return placed


# --- parts --------------------------------------------------------------------------------

def person_key(person: Person) -> str:
    """Give the registry id, or `inline:` and the name in lowercase with hyphens."""
    if person.id is not None:
        return person.id
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", person.name).casefold())
    return "inline:" + "-".join(words)


def person_record(person: Person) -> Record:
    return {
        "key": person_key(person), "id": person.id, "name": person.name,
        "affiliation": person.affiliation, "role": person.role, "url": person.url,
        "email": person.email, "label": person_label(person), "bio": person.bio,
        "links": {link.kind: link.url for link in person.links},
    }


def recording_record(recording: Recording | None) -> Record | None:
    if recording is None:
        return None
    duration = recording.duration
    return {
        "url": recording.url,
        "duration": iso_duration(duration) if duration is not None else None,
        "duration_seconds": int(duration.total_seconds()) if duration is not None else None,
        "duration_text": format_duration(recording),
        "uploaded": recording.uploaded.isoformat() if recording.uploaded else None,
        "youtube_id": recording.youtube_id,
        "embed_url": embed_url(recording),
        "thumbnail_url": thumbnail_url(recording),
        "description": recording.description,
        "start_seconds": recording.start,
        "watch_url": recording.watch_url,
        "chapters": [{"at_seconds": chapter.at, "at": clock_text(chapter.at), "title": chapter.title,
                      "url": recording.at(chapter.at)} for chapter in recording.chapters],
    }


def recordings_records(recordings: Sequence[Recording]) -> list[Record]:
    return [record for record in map(recording_record, recordings) if record is not None]


def embed_record(embed: Embed) -> Record:
    return {"kind": embed.kind, "url": embed.url, "title": embed.title, "text": embed.text}


def takeaway_records(takeaways: Sequence[Takeaway], html: Html) -> list[Record]:
    return [{"text": t.text, "html": html[t.text],
             "points": [{"text": point, "html": html[point]} for point in t.points]} for t in takeaways]


def recap_ref(recap: Recap, site: Site) -> Record:
    """Give what another record needs to name and link a recap."""
    return {"id": recap.id, "slug": recap.slug, "title": recap.title, "date": recap.date.isoformat(),
            "url": Routes(site).post_url(recap)}


def urls(recap: Recap, site: Site) -> Record:
    """Give the URLs of every output made from the recap, its old URLs and its images."""
    routes = Routes(site)
    return {
        "post": routes.post_url(recap),
        "aliases": [routes.url(alias) for alias in recap.aliases],
        "pdf": routes.file_url(routes.pdf(recap)),
        "json": routes.file_url(routes.recap_json(recap)),
        "json_ld": routes.file_url(routes.json_ld(recap)),
        "calendar": (routes.file_url(routes.calendar(recap))
                     if recap.next_meeting and recap.next_meeting.timed else None),
        "cover": routes.image_url(recap, recap.cover) if recap.cover else None,
        "images": [routes.image_url(recap, image.name) for image in recap.images],
        "feeds": routes.feed_urls(routes.feed_folder("site")),
        "tag_feeds": [{"tag": tag, **routes.feed_urls(routes.feed_folder("tags", tag))}
                      for tag in recap.tags],
        "series_feed": (routes.feed_urls(routes.feed_folder("series", recap.series.id))
                        if recap.series else None),
    }


def stats(recap: Recap) -> Record:
    return {
        "word_count": recap.word_count,
        "reading_time_minutes": recap.reading_time_minutes,
        "talk_count": len(recap.talks),
        "section_count": len(recap.sections),
        "speaker_count": len(recap.speakers),
        "recording_count": len(recap.videos),
    }


def series_record(recap: Recap, catalog: Catalog) -> Record | None:
    """Give the series with its published parts and this part's neighbours among them."""
    series = recap.series
    if series is None:
        return None
    parts = sorted(
        (other for other in catalog.recaps if other.series and other.series.id == series.id),
        key=lambda other: (other.series.part if other.series else 0, other.slug),
    )
    published = [{"part": other.series.part, **recap_ref(other, catalog.site)}
                 for other in parts if other.series]
    by_part = {entry["part"]: entry for entry in published}
    return {
        "id": series.id, "name": series.name, "part": series.part, "parts": series.parts,
        "previous": by_part.get(series.part - 1), "next": by_part.get(series.part + 1),
        "published_parts": published,
    }


def meeting_record(recap: Recap, meeting: NextMeeting, site: Site) -> Record:
    """Give the next meeting with its start in every display zone, as the page shows it;
    a meeting known only by its day has a `date` and no start."""
    if not meeting.timed:
        assert meeting.day is not None
        return {
            "title": meeting.title, "name": meeting_name(meeting, site), "date": meeting.day.isoformat(),
            "start": None, "end": None, "time_zone": None, "duration": None,
            "online": meeting_online(recap), "registration_url": meeting.registration_url,
            "display_zones": [], "times_text": meeting_times(meeting), "sentence": meeting_sentence(meeting),
            "calendar_url": None,
        }
    end = meeting_end(meeting)
    zones = []
    for zone in meeting.display_zones:
        local = meeting_start(meeting).astimezone(ZoneInfo(zone.zone))
        zones.append({"zone": zone.zone, "label": zone.label, "start": local.isoformat(),
                      "clock": clock(local)})
    return {
        "title": meeting.title, "name": meeting_name(meeting, site),
        "date": meeting_start(meeting).date().isoformat(),
        "start": meeting_start(meeting).isoformat(), "end": end.isoformat() if end else None,
        "time_zone": meeting.time_zone,
        "duration": iso_duration(meeting.duration) if meeting.duration else None,
        "online": meeting_online(recap), "registration_url": meeting.registration_url,
        "display_zones": zones, "times_text": meeting_times(meeting),
        "sentence": meeting_sentence(meeting),
        "calendar_url": Routes(site).file_url(Routes.calendar(recap)),
    }


def link_record(item: TalkLink) -> Record:
    return {"kind": item.kind, "title": item.title, "label": item.title or LINK_KINDS[item.kind],
            "url": item.url}


def talk_record(talk: Talk, position: int, html: Html) -> Record:
    """Give one talk with its Markdown and HTML side by side."""
    return {
        "position": position, "title": talk.title, "kind": talk.kind, "kind_label": TALK_KINDS[talk.kind],
        "track": talk.track, "speakers": [person_record(p) for p in talk.speakers],
        "summary": talk.summary, "summary_html": html[talk.summary],
        "takeaways_intro": talk.takeaways_intro, "takeaways": [t.text for t in talk.takeaways],
        "takeaways_html": [html[t.text] for t in talk.takeaways],
        "takeaway_points": takeaway_records(talk.takeaways, html),
        "recording": recording_record(talk.recording), "recordings": recordings_records(talk.recordings),
        "links": [link_record(x) for x in talk.links], "embeds": [embed_record(e) for e in talk.embeds],
    }


def section_record(section: Section, position: int, html: Html, recap: Recap) -> Record:
    return {
        "position": position, "kind": section.kind, "title": section.title,
        "body": section.body, "body_html": html[section.body],
        "guests": [person_record(p) for p in section.guests], "label": section.label,
        "recording": recording_record(section.recording),
        "recordings": recordings_records(section.recordings),
        "takeaways": takeaway_records(section.takeaways, html),
        "links": [link_record(x) for x in section.links], "embeds": [embed_record(e) for e in section.embeds],
        "calls_to_action": [action_record(a, recap, html) for a in section.calls_to_action],
    }


def action_record(action: CallToAction, recap: Recap, html: Html) -> Record:
    return {
        "title": action.title, "text": action.text, "text_html": html[action.text], "url": action.url,
        "label": action.label,
        "expires": action.expires.isoformat() if action.expires else None,
        "shown": action.active_on(recap.date),
    }


# --- documents ----------------------------------------------------------------------------

def recap_export(recap: Recap, catalog: Catalog, html: Html) -> Record:
    """Give the recap in full: everything a program needs to rebuild its page."""
    site = catalog.site
    return {
        "schema_version": SCHEMA_VERSION,
        "id": recap.id, "kind": recap.kind, "title": recap.title, "slug": recap.slug,
        "date": recap.date.isoformat(), "updated": recap.updated.isoformat(),
        "summary": recap.summary, "description": meta_description(recap), "tags": list(recap.tags),
        "authors": [person_record(p) for p in recap.authors],
        "speakers": [person_record(p) for p in recap.speakers],
        "series": series_record(recap, catalog),
        "event": None if recap.event is None else {
            "name": recap.event.name, "kind": recap.event.kind,
            "start": recap.event.start.isoformat() if recap.event.start else None,
            "end": recap.event.end.isoformat() if recap.event.end else None,
            "location": recap.event.location, "online": recap.event.online, "url": recap.event.url,
        },
        "intro": recap.intro, "intro_html": html[recap.intro] if recap.intro else None,
        "calls_to_action": [action_record(a, recap, html) for a in recap.calls_to_action],
        "recording": recording_record(recap.recording), "recordings": recordings_records(recap.recordings),
        "meeting": {"date": recap.meeting_date.isoformat() if recap.meeting_date else None,
                    "hosts": [person_record(p) for p in recap.hosts]},
        "order": list(recap.order),
        "sections": [section_record(s, n, html, recap) for n, s in enumerate(recap.sections, 1)],
        "talks": [talk_record(t, n, html) for n, t in enumerate(recap.talks, 1)],
        "closing": recap.closing, "closing_html": html[recap.closing] if recap.closing else None,
        "next_meeting": meeting_record(recap, recap.next_meeting, site) if recap.next_meeting else None,
        "related": [{"title": r.title, "url": r.url} for r in recap.related],
        "stats": stats(recap),
        "urls": urls(recap, site),
    }


def index_entry(recap: Recap, site: Site) -> Record:
    return {
        "id": recap.id, "kind": recap.kind, "slug": recap.slug, "title": recap.title,
        "date": recap.date.isoformat(), "updated": recap.updated.isoformat(),
        "summary": recap.summary, "description": meta_description(recap), "tags": list(recap.tags),
        "authors": [person_key(p) for p in recap.authors],
        "series": None if recap.series is None else {
            "id": recap.series.id, "name": recap.series.name,
            "part": recap.series.part, "parts": recap.series.parts,
        },
        "next_meeting_start": (meeting_start(recap.next_meeting).isoformat()
                               if recap.next_meeting and recap.next_meeting.timed else None),
        "stats": stats(recap),
        "urls": urls(recap, site),
    }


def index_export(catalog: Catalog) -> Record:
    """Give every published recap, newest first (the catalog's order), and the site."""
    site = catalog.site
    return {
        "schema_version": SCHEMA_VERSION,
        "site": {"title": site.title, "description": site.description, "base_url": site.base_url,
                 "language": site.language},
        "recaps": [index_entry(recap, site) for recap in catalog.recaps],
        "people_url": Routes(site).file_url(JSON_PEOPLE),
        "talks_url": Routes(site).file_url(JSON_TALKS),
    }


def _appearances(catalog: Catalog) -> Iterator[tuple[Person, str, Record]]:
    """Yield (person, list name, entry) for every authorship, talk and guest spot, newest
    recap first and in reading order within a recap."""
    site = catalog.site
    for recap in catalog.recaps:
        ref = recap_ref(recap, site)
        for author in recap.authors:
            yield author, "authored", ref
        for host in recap.hosts:
            yield host, "hosted", ref
        for n, section in enumerate(recap.sections, 1):
            for guest in section.guests:
                yield guest, "sections", {"recap": ref, "position": n, "title": section.title,
                                          "kind": section.kind}
        for n, talk in enumerate(recap.talks, 1):
            for speaker in talk.speakers:
                yield speaker, "talks", {"recap": ref, "position": n, "title": talk.title,
                                         "kind": talk.kind, "track": talk.track}


def people_export(catalog: Catalog) -> Record:
    """Give each person who appears in a published recap once, keyed by `key`, with what
    they wrote, the meetings they hosted, the talks they gave and the sections they were a
    guest in."""
    people: dict[str, Record] = {}
    routes = Routes(catalog.site)
    for person, kind, entry in _appearances(catalog):
        key = person_key(person)
        if key not in people:
            # The register's own record: a recap may give someone another role for one event.
            person = catalog.people.get(person.id, person) if person.id else person
            avatar = routes.file_url(avatar_file(person)) if person.avatar else None
            people[key] = {**person_record(person), "avatar_url": avatar, "authored": [], "hosted": [],
                           "sections": [], "talks": []}
        people[key][kind].append(entry)
    for record in people.values():
        record["talk_count"] = len(record["talks"])
    return {"schema_version": SCHEMA_VERSION, "people": people}


def avatar_file(person: Person) -> str:
    """Give where a person's avatar is published among the site's files."""
    assert person.avatar is not None
    return f"people/{person.id}.{EXTENSIONS[person.avatar.media_type]}"


def recap_talks(recap: Recap, site: Site, html: Html) -> list[Record]:
    """Give the talks of one recap as talks.json lists them, in reading order."""
    talks = []
    ref = recap_ref(recap, site)
    for n, talk in enumerate(recap.talks, 1):
        record = talk_record(talk, n, html)
        record["recap"] = ref
        record["summary_text"] = html_text(record["summary_html"])
        talks.append(record)
    return talks


def talk_fields(recaps: Iterable[Recap]) -> Iterator[str]:
    for recap in recaps:
        for talk in recap.talks:
            yield talk.summary
            yield from takeaway_texts(talk.takeaways)


def talks_export(catalog: Catalog, converter: Converter) -> Record:
    """Give every talk of every published recap, newest recap first, in reading order."""
    html = html_of(talk_fields(catalog.recaps), converter)
    site = catalog.site
    return {"schema_version": SCHEMA_VERSION,
            "talks": [talk for recap in catalog.recaps
                      for talk in recap_talks(recap, site, with_image_urls(html, recap, site))]}


def talk_lines(catalog: Catalog, converter: Converter) -> list[str]:
    """Give talks.json's entries, encoded, one per line: the same as `talks_export`, but
    each recap's lines are remembered under a digest of the recap, the site and the code, so
    that after one edit one recap's talks are made again, not 11,000."""
    site = catalog.site
    keys = {recap.id: key("talks.json lines", code_fingerprint(), repr((recap, site)))
            for recap in catalog.recaps}
    by_id = {recap.id: recap for recap in catalog.recaps}

    def encode_talks(recap_ids: list[str]) -> dict[str, str]:
        missing = [by_id[recap_id] for recap_id in recap_ids]
        html = html_of(talk_fields(missing), converter)
        return {recap.id: "\n".join(map(_ONE_LINE.encode,
                                         recap_talks(recap, site, with_image_urls(html, recap, site))))
                for recap in missing}

    lines = converter.memo(keys, encode_talks)
    return [line for recap in catalog.recaps for line in lines[recap.id].split("\n") if line]


def render_recaps(catalog: Catalog, recaps: Sequence[Recap], converter: Converter) -> list[Artifact]:
    """Give the export and the JSON-LD of each of `recaps`."""
    html = html_of((field for recap in recaps for field in markdown_fields(recap)), converter)
    routes = Routes(catalog.site)
    artifacts = []
    for recap in recaps:
        export = recap_export(recap, catalog, with_image_urls(html, recap, catalog.site))
        artifacts.append(artifact(routes.file(routes.recap_json(recap)), export, recap))
        artifacts.append(artifact(routes.file(routes.json_ld(recap)), json_ld(recap, catalog.site), recap))
    return artifacts


def render_site(catalog: Catalog, converter: Converter) -> list[Artifact]:
    """Give the exports that span every recap: the index, people and talks."""
    talks = {"schema_version": SCHEMA_VERSION, "talks": []}
    routes = Routes(catalog.site)
    people = people_export(catalog)
    avatars = {catalog.people[record["id"]] for record in people["people"].values()
               if record["avatar_url"] and record["id"] in catalog.people}
    return [
        artifact(routes.file(JSON_INDEX), index_export(catalog)),
        artifact(routes.file(JSON_PEOPLE), people),
        *(Artifact(routes.file(avatar_file(person)), image_bytes(person.avatar), FORMAT)
          for person in sorted(avatars, key=lambda p: str(p.id)) if person.avatar),
        artifact(routes.file(JSON_TALKS), talks, encoded={"talks": talk_lines(catalog, converter)}),
    ]


def render(catalog: Catalog, converter: Converter) -> list[Artifact]:
    """Give every JSON export of the catalog's (published) recaps."""
    return render_recaps(catalog, catalog.recaps, converter) + render_site(catalog, converter)
