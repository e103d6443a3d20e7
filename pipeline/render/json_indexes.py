"""The site-wide JSON exports: index.json, people.json (with the avatars) and talks.json,
joined from one piece per recap.

A recap's piece is its index entry and its talks, encoded, and the people it shows with
what they did in it (`RecapPiece`). A piece depends on the recap, the site and the code
alone, so it is kept in the conversion store under a digest of those: after an edit one
recap's piece is made again and the files are joined from the pieces. What that saves,
measured over 1,000 synthetic recaps in one process (conversions stored, 2 busy cores,
medians of 5): the three files from stored pieces 1.2 s, from pieces made afresh 2.1-2.5 s
(the old whole-catalog indexes: 1.7-2.1 s). Most of what remains is digesting every
recap for its key (~0.3 s) and encoding people.json (~0.2 s).
See `json_export` for the files and their shape rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from pipeline.convert import Converter
from pipeline.convert import key as store_key
from pipeline.images import EXTENSIONS, image_bytes
from pipeline.model import Artifact, Catalog, Person, Recap, Site, Talk
from pipeline.render import JsonExports
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

Appearance = tuple[str, str, Record | None]
"""(person key, the list of their people.json record it goes in, the entry)."""


# --- one recap's piece --------------------------------------------------------------------

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


def avatar_file(person: Person) -> str:
    """Give where a person's avatar is published among the site's files."""
    assert person.avatar is not None
    return f"people/{person.id}.{EXTENSIONS[person.avatar.media_type]}"


def talk_entry(recap: Recap, talk: Talk, position: int, html: Html) -> Record:
    """Give a talk as talks.json lists it, for search: its words as plain text and what
    a result shows. The recap (by id, as index.json lists it) and the speakers (by key,
    as people.json lists them) are named, not repeated; the whole talk, HTML and
    recordings included, is `talks[position - 1]` of the recap's own file. (Entries that
    were whole talks came to 37 MB over 1,000 synthetic recaps; these come to 9 MB.)"""
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


def recap_appearances(recap: Recap) -> Iterator[tuple[Person, str, Record | None]]:
    """Yield (person, list name, entry) for every authorship, talk and guest spot of the
    recap, in reading order; an entry leaves out the recap, and an authorship or a hosted
    meeting is only the recap (None)."""
    for author in recap.authors:
        yield author, "authored", None
    for host in recap.hosts:
        yield host, "hosted", None
    for n, section in enumerate(recap.sections, 1):
        for guest in section.guests:
            yield guest, "sections", {"position": n, "title": section.title, "kind": section.kind}
    for n, talk in enumerate(recap.talks, 1):
        for speaker in talk.speakers:
            yield speaker, "talks", {"position": n, "title": talk.title, "kind": talk.kind,
                                     "track": talk.track}


def person_entry(person: Person, routes: Routes) -> Record:
    """Give a person's record as people.json starts it, with their avatar's URL."""
    avatar = routes.file_url(avatar_file(person)) if person.avatar else None
    return {**person_record(person), "avatar_url": avatar}


@dataclass(frozen=True)
class RecapPiece:
    """What one recap adds to the site-wide files."""

    index_line: str
    """Its entry in index.json, encoded."""
    talk_lines: tuple[str, ...]
    """Its talks' entries in talks.json, encoded, in reading order."""
    ref: Record
    """The recap as people.json names it."""
    appearances: tuple[Appearance, ...]
    """What each person did in the recap, in reading order (see `recap_appearances`)."""
    inline_people: Mapping[str, Record]
    """Key -> record of each person the recap writes inline; the others are the register's."""

    def to_text(self) -> str:
        """Give the piece as it is stored: the index line, the people on one line, a
        line per talk; only the people's line is parsed again."""
        people = encode_line({"ref": self.ref, "appearances": self.appearances, "inline": self.inline_people})
        return "\n".join((self.index_line, people, *self.talk_lines))

    @classmethod
    def from_text(cls, text: str) -> RecapPiece:
        index_line, people_line, *talk_lines = text.split("\n")
        people = json.loads(people_line)
        appearances = tuple((key, kind, entry) for key, kind, entry in people["appearances"])
        return cls(index_line, tuple(talk_lines), people["ref"], appearances, people["inline"])


def recap_piece(recap: Recap, site: Site, html: Html) -> RecapPiece:
    """Give the recap's piece, made afresh; `html` holds its talks' fields."""
    routes = Routes(site)
    inline_people: dict[str, Record] = {}
    appearances = []
    for person, kind, entry in recap_appearances(recap):
        key = person_key(person)
        if person.id is None and key not in inline_people:
            inline_people[key] = person_entry(person, routes)
        appearances.append((key, kind, entry))
    talk_lines = tuple(map(encode_line, recap_talks(recap, html)))
    return RecapPiece(encode_line(index_entry(recap, site)), talk_lines, recap_ref(recap, site),
                      tuple(appearances), inline_people)


def recap_pieces(catalog: Catalog, converter: Converter) -> list[RecapPiece]:
    """Give each recap's piece, newest recap first: stored under a digest of the recap,
    the site and the code, or made (one pandoc batch for all that are missing) and stored."""
    site = catalog.site
    context = (JsonExports.fingerprint(), repr(site))
    keys = {recap.id: store_key("json index piece", *context, repr(recap)) for recap in catalog.recaps}
    by_id = {recap.id: recap for recap in catalog.recaps}

    def make(recap_ids: list[str]) -> dict[str, str]:
        missing = [by_id[recap_id] for recap_id in recap_ids]
        html = html_of(talk_fields(missing), converter)
        return {recap.id: recap_piece(recap, site, html).to_text() for recap in missing}

    texts = converter.memo(keys, make)
    return [RecapPiece.from_text(texts[recap.id]) for recap in catalog.recaps]


# --- the files, joined from the pieces ----------------------------------------------------

def index_export(catalog: Catalog) -> Record:
    """Give index.json without its recaps, which are the pieces' lines: the site and
    where the other files are."""
    site = catalog.site
    return {
        "schema_version": SCHEMA_VERSION,
        "site": {"title": site.title, "description": site.description, "base_url": site.base_url,
                 "language": site.language},
        "recaps": [],
        "people_url": Routes(site).file_url(JSON_PEOPLE),
        "talks_url": Routes(site).file_url(JSON_TALKS),
    }


def people_export(catalog: Catalog, pieces: Sequence[RecapPiece]) -> Record:
    """Give each person who appears in a published recap once, keyed by `key`, with what
    they wrote, the meetings they hosted, the talks they gave and the sections they were a
    guest in, newest recap first."""
    people: dict[str, Record] = {}
    routes = Routes(catalog.site)
    for piece in pieces:
        for key, kind, entry in piece.appearances:
            if key not in people:
                # The register's record, not the recap's: a recap may give someone another
                # role for one event.
                inline = piece.inline_people.get(key)
                record = inline if inline is not None else person_entry(catalog.people[key], routes)
                people[key] = {**record, "authored": [], "hosted": [], "sections": [], "talks": []}
            people[key][kind].append(piece.ref if entry is None else {"recap": piece.ref, **entry})
    for record in people.values():
        record["talk_count"] = len(record["talks"])
    return {"schema_version": SCHEMA_VERSION, "people": people}


def render_site(catalog: Catalog, converter: Converter) -> list[Artifact]:
    """Give the exports that span every recap, joined from the recaps' pieces: the index,
    people (and their avatars) and talks."""
    pieces = recap_pieces(catalog, converter)
    routes = Routes(catalog.site)
    people = people_export(catalog, pieces)
    avatars = {catalog.people[record["id"]] for record in people["people"].values()
               if record["avatar_url"] and record["id"] in catalog.people}
    talks = {"schema_version": SCHEMA_VERSION, "talks": []}
    return [
        artifact(routes.file(JSON_INDEX), index_export(catalog),
                 encoded={"recaps": [piece.index_line for piece in pieces]}),
        artifact(routes.file(JSON_PEOPLE), people),
        *(Artifact(routes.file(avatar_file(person)), image_bytes(person.avatar), FORMAT)
          for person in sorted(avatars, key=lambda p: str(p.id)) if person.avatar),
        artifact(routes.file(JSON_TALKS), talks,
                 encoded={"talks": [line for piece in pieces for line in piece.talk_lines]}),
    ]
