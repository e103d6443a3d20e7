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

The site-wide files name a person by `key` instead of repeating their record, which is
in people.json once; talks.json lists each talk's words for search and names its recap
by `id` (its entry is in index.json). Each recap's own file resolves everything, to
stand alone.

Shape rules, so that consumers need no guessing: every key is always present, `null` when
the recap does not say, `[]` when a list is empty. A person's `key` is their registry id,
or `inline:<name>` for a one-off person written inline (never a valid registry id, so the
two cannot collide); inline people with the same name are taken to be one person.

Every URL comes from `pipeline.routes`, which also says where each output is written, so
a link here names a file the build published.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from pipeline.convert import Converter
from pipeline.model import (
    Artifact,
    CallToAction,
    Catalog,
    Embed,
    NextMeeting,
    Recap,
    Recording,
    Section,
    Site,
    Takeaway,
    Talk,
    TalkLink,
    clock_text,
)
from pipeline.render.document import (
    LINK_KINDS,
    TALK_KINDS,
    clock,
    format_duration,
    markdown_fields,
    meeting_sentence,
    meeting_times,
)
from pipeline.render.json_indexes import render_site
from pipeline.render.json_records import (
    HTML_OPTIONS,
    SCHEMA_VERSION,
    Html,
    Record,
    artifact,
    html_of,
    person_record,
    recap_ref,
    stats,
    urls,
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
from pipeline.routes import Routes

__all__ = ["HTML_OPTIONS", "SCHEMA_VERSION", "recap_export", "render", "render_recaps", "render_site"]


def with_image_urls(html: Html, recap: Recap, site: Site) -> Html:
    """Give the recap's HTML with its own images at their absolute URLs: a field is
    converted once for every recap that has its text, so the names are placed here.
    Image names are plain file names, so `src="name"` is all pandoc can have written."""
    if not recap.images:
        return html
    routes = Routes(site)
    placed = {}
    for field in markdown_fields(recap):
        text = html[field]
        for image in recap.images:
            text = text.replace(f'src="{image.name}"', f'src="{routes.image_url(recap, image.name)}"')
        placed[field] = text
    return placed


# --- the parts of a recap's file ----------------------------------------------------------

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


def render(catalog: Catalog, converter: Converter) -> list[Artifact]:
    """Give every JSON export of the catalog's (published) recaps."""
    return render_recaps(catalog, catalog.recaps, converter) + render_site(catalog, converter)
