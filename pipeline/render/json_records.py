"""The parts every JSON export is made of: their bytes, people, recap references,
URLs and figures, shared by each recap's file (`json_export`) and the site-wide indexes
(`json_indexes`), so that a person or a URL reads the same in every file."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from html import unescape
from pathlib import PurePosixPath
from typing import Any

from pipeline.convert import Converter
from pipeline.model import Artifact, Person, Recap, Site
from pipeline.render.document import person_label
from pipeline.routes import Routes

SCHEMA_VERSION = "2.0"
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




def encode_line(value: Any) -> str:
    """Give a value's JSON on one line, as `encode_by_line` writes a list's entries."""
    return _ONE_LINE.encode(value)


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
    if not unique:
        return {}
    return dict(zip(unique, converter.markdown_to(unique, "html", *HTML_OPTIONS), strict=True))



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
