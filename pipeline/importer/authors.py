"""A post's authors: people ids, names of known people, or the blog's author keys.

Hugo themes name a post's author by a key of the site's `data/authors.yaml`
(`params.author: charles`). A key becomes the person whose `site_author` it is; an
unknown key becomes a proposed person (`site_author: <key>`), named from the author
file when `--authors` gave one, else a `TODO:` placeholder that keeps the key. Until the
proposal is accepted the recap names the site's default author, with a comment saying
who really wrote it, so the draft still validates and no author is lost.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.importer.mapping import Setting, front_value
from pipeline.importer.reading import Post
from pipeline.importer.report import Draft
from pipeline.load import display_path, load_file
from pipeline.new import slugify
from pipeline.placeholders import placeholder

_KEY = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
"""The people schema's pattern for `site_author`."""


def read_site_authors(path: Path) -> dict[str, str]:
    """Give a Hugo site's `data/authors.yaml` as key -> name (the key when no name is given)."""
    doc, problems = load_file(path)
    if problems or doc is None:
        first = problems[0] if problems else None
        where = f"{first.file}:{first.line}:{first.column}: {first.message}" if first else display_path(path)
        raise UsageError(f"--authors: cannot read the author file: {where}")
    if not isinstance(doc.data, dict):
        raise UsageError(f"--authors: {display_path(path)} must map author keys to {{name: ...}}")
    names = {}
    for key, entry in doc.data.items():
        name = entry.get("name") if isinstance(entry, dict) else None
        names[str(key)] = " ".join(name.split()) if isinstance(name, str) and name.strip() else str(key)
    return names


def _proposed_id(key: str, name: str, setting: Setting, draft: Draft) -> str:
    """Give the id of the proposed person for a site author key, proposing them once."""
    existing = next((pid for pid, entry in draft.proposed_people.items()
                     if entry.get("site_author") == key), None)
    if existing:
        return existing
    base = slugify(name if setting.site_authors is not None and key in setting.site_authors else key)
    person_id, counter = base or "author", 2
    while person_id in setting.registry.names or person_id in draft.proposed_people:
        person_id, counter = f"{base}-{counter}", counter + 1
    draft.proposed_people[person_id] = {"name": name, "site_author": key}
    return person_id


def _site_author(key: str, setting: Setting, draft: Draft) -> str | None:
    """Propose a person for an unknown author key; give their proposed id (None: not a key)."""
    if not _KEY.match(key):
        return None
    if setting.site_authors is not None and key in setting.site_authors:
        name = setting.site_authors[key]
    else:
        name = placeholder(f"the name of the site author {key!r}")
    return _proposed_id(key, name, setting, draft)


def _named_person(name: str, setting: Setting, draft: Draft) -> str | None:
    """Propose a person for an author given by name (an HTML page's `<meta name=author>`
    or JSON-LD), so the name is kept; give their proposed id (None: not a name)."""
    name = " ".join(name.split())
    base = slugify(name)
    if not base or len(name) > 100:
        return None
    existing = next((pid for pid, entry in draft.proposed_people.items() if entry.get("name") == name), None)
    if existing:
        return existing
    person_id, counter = base, 2
    while person_id in setting.registry.names or person_id in draft.proposed_people:
        person_id, counter = f"{base}-{counter}", counter + 1
    draft.proposed_people[person_id] = {"name": name}
    return person_id


def set_authors(post: Post, setting: Setting, draft: Draft) -> None:
    """Set the authors: people ids, site author keys, names of known people, else the default."""
    written = front_value(post, "author", "authors")
    names = written if isinstance(written, list) else [written] if written else []
    ids, proposed, guessed = [], [], False
    for name in (str(n) for n in names):
        if name in setting.registry.names:
            ids.append(name)
        elif name in setting.registry.site_authors:
            ids.append(setting.registry.site_authors[name])
        elif found := setting.registry.id_for(name):
            ids.append(found)
            guessed = True
        elif found := setting.registry.id_for((setting.site_authors or {}).get(name, "")):
            ids.append(found)  # the author file names someone people.yaml knows, without their key
            draft.notes.append(f"author {name!r} is {found!r} in people.yaml: add site_author: {name} there")
            guessed = True
        elif new_id := _site_author(name, setting, draft) or _named_person(name, setting, draft):
            proposed.append(f"{name!r} (proposed as {new_id})")
    ids = list(dict.fromkeys(ids))
    if proposed:
        draft.notes.append(f"author {', '.join(proposed)} is not in people.yaml: accept the proposed "
                           "person, then put its id in authors")
    if not ids:
        who = (f"the post's author {', '.join(proposed)} is proposed" if proposed
               else "no author in the post is in people.yaml")
        draft.guess(("authors",), [setting.default_author], f"{who}: the site's default_author until then")
    elif guessed or "author" in post.front_guesses or proposed:
        draft.guess(("authors",), ids, "matched by name against people.yaml" + (
            f"; also proposed: {', '.join(proposed)}" if proposed else ""))
    else:
        draft.put(("authors",), ids)
