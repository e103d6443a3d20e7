"""The site-wide JSON exports: index.json, people.json (with the avatars) and talks.json.

Each lists every published recap, newest first (the catalog's order); see `json_export`
for the files and their shape rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pipeline.images import EXTENSIONS, image_bytes
from pipeline.manifest import code_fingerprint
from pipeline.model import Artifact, Person, Recap, Site, Talk
from pipeline.normalize import Catalog
from pipeline.pandoc import recall_or_make, stored_key
from pipeline.render.document import takeaway_texts
from pipeline.render.json_records import (
    FORMAT,
    SCHEMA_VERSION,
    Html,
    Record,
    artifact,
    encode_line,
    html_of,
    html_text,
    person_key,
    person_record,
    recap_ref,
    stats,
    urls,
)
from pipeline.render.structured_data import meeting_start, meta_description
from pipeline.routes import JSON_INDEX, JSON_PEOPLE, JSON_TALKS, Routes


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


def talk_entry(recap: Recap, talk: Talk, position: int, html: Html) -> Record:
    """Give a talk as talks.json lists it, for search: its words as plain text and what
    a result shows. The recap (by id, as index.json lists it) and the speakers (by key,
    as people.json lists them) are named, not repeated: the speakers' records made up
    most of 37 MB over 1,000 recaps. The whole talk is `talks[position - 1]` of the
    recap's own file."""
    return {
        "recap": recap.id, "position": position, "title": talk.title, "kind": talk.kind,
        "track": talk.track, "speakers": [person_key(speaker) for speaker in talk.speakers],
        "summary_text": html_text(html[talk.summary]),
        "takeaways_text": [html_text(" ".join(html[text] for text in takeaway_texts([takeaway])))
                           for takeaway in talk.takeaways],
        "watch_url": talk.recording.watch_url if talk.recording else None,
    }


def recap_talks(recap: Recap, html: Html) -> list[Record]:
    """Give the talks of one recap as talks.json lists them, in reading order."""
    return [talk_entry(recap, talk, n, html) for n, talk in enumerate(recap.talks, 1)]


def talk_fields(recaps: Iterable[Recap]) -> Iterator[str]:
    for recap in recaps:
        for talk in recap.talks:
            yield talk.summary
            yield from takeaway_texts(talk.takeaways)


def talks_export(catalog: Catalog) -> Record:
    """Give every talk of every published recap, newest recap first, in reading order."""
    html = html_of(talk_fields(catalog.recaps))
    return {"schema_version": SCHEMA_VERSION,
            "talks": [talk for recap in catalog.recaps for talk in recap_talks(recap, html)]}


def talk_lines(catalog: Catalog) -> list[str]:
    """Give talks.json's entries, encoded, one per line: the same as `talks_export`, but
    each recap's lines are stored under a digest of the recap, the site and the code, so
    that after one edit one recap's talks are made again, not 11,000."""
    site = catalog.site
    keys = {recap.id: stored_key("talks.json lines", code_fingerprint(), repr((recap, site)))
            for recap in catalog.recaps}
    by_id = {recap.id: recap for recap in catalog.recaps}

    def encode_talks(recap_ids: list[str]) -> dict[str, str]:
        missing = [by_id[recap_id] for recap_id in recap_ids]
        html = html_of(talk_fields(missing))
        return {recap.id: "\n".join(map(encode_line, recap_talks(recap, html))) for recap in missing}

    lines = recall_or_make(keys, encode_talks)
    return [line for recap in catalog.recaps for line in lines[recap.id].split("\n") if line]


def render_site(catalog: Catalog) -> list[Artifact]:
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
        artifact(routes.file(JSON_TALKS), talks, encoded={"talks": talk_lines(catalog)}),
    ]
