"""Import posts into a content folder: read, compose, refuse collisions, write, validate.

A source is written only once everything for it succeeded, with `open(..., "x")`, so an
existing file is never overwritten and a failed import leaves nothing behind.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.importer.compose import compose
from pipeline.importer.emit import people_text, source_text, write_markdown
from pipeline.importer.mapping import Setting
from pipeline.importer.people import Registry
from pipeline.importer.reading import read_post
from pipeline.importer.report import Draft, ImportCollision, ImportFailed, ImportReport, ImportResult
from pipeline.load import display_path, load_content, load_file
from pipeline.model import Problem
from pipeline.new import write_new_source
from pipeline.pandoc import PandocError
from pipeline.validate import validate_sources

PROPOSED_PEOPLE_DIR = "people-proposed"
"""Under the content folder, beside recaps/: load_content never reads it, so a proposal
cannot break validation, and its depth matches recaps/ so the schema modeline resolves."""
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def load_setting(content_dir: Path, today: date) -> Setting:
    """Read the people registry and the default author that every import of a run uses."""
    people, _ = load_file(content_dir / "people.yaml")
    names = {pid: str(entry["name"]) for pid, entry in (people.data if people else {}).items()
             if isinstance(entry, dict) and isinstance(entry.get("name"), str)}
    site, _ = load_file(content_dir / "site.yaml")
    author = site.data.get("default_author") if site else None
    if not isinstance(author, str):
        msg = f"{display_path(content_dir / 'site.yaml')}: no default_author, which imported recaps need"
        raise UsageError(msg)
    return Setting(Registry(names), author, today)


def _refuse_collisions(content_dir: Path, draft: Draft, file: str, slug_given: bool) -> Path:
    """Give the new source's path, or raise when its slug, id or file is already taken."""
    slug, recap_id = draft.recap["slug"], draft.recap["id"]
    advice = "pick another slug" if slug_given else "import it under another slug with --slug NEW"
    for doc in load_content(content_dir).recaps:
        if doc.data.get("slug") == slug:
            raise ImportCollision(f"{file}: the slug {slug!r} is already used by {doc.file}; {advice}")
        if doc.data.get("id") == recap_id:
            raise ImportCollision(f"{file}: the id {recap_id!r} is already used by {doc.file}; try again")
    target = content_dir / "recaps" / f"{draft.recap['date']}-{slug}.yaml"
    if target.exists():
        raise ImportCollision(f"{file}: {display_path(target)} already exists; {advice}")
    return target


def _write_new(path: Path, text: str, file: str) -> None:
    try:
        write_new_source(path, text)
    except FileExistsError:
        msg = f"{file}: {display_path(path)} already exists; it was left as it is (move it away and retry)"
        raise ImportCollision(msg) from None


def _write(target: Path, text: str, people: tuple[Path, str] | None, file: str) -> None:
    """Write the proposal (if any), then the source; undo the proposal if the source fails."""
    if people:
        _write_new(people[0], people[1], file)
    try:
        _write_new(target, text, file)
    except ImportFailed:
        if people:
            people[0].unlink()
        raise


def _problems_of(content_dir: Path, target: Path) -> tuple[Problem, ...]:
    """Give what validation finds in the new source, and in other files about it (a clash
    is reported on whichever of the two files sorts later)."""
    report = validate_sources(load_content(content_dir))
    file = display_path(target)
    return tuple(p for p in report.problems if p.file == file or file in (p.hint or ""))


def import_post(path: Path, content_dir: Path, *, slug: str | None = None, today: date,
                setting: Setting | None = None) -> ImportResult:
    """Import one post as a draft source; raise `ImportFailed` (nothing written) when it cannot."""
    setting = setting or load_setting(content_dir, today)
    post = read_post(path)
    draft = compose(post, setting)
    if slug is not None:
        if not _SLUG.match(slug) or len(slug) > 80:
            msg = f"{post.file}: --slug {slug!r} is not a slug (lowercase letters, digits, single hyphens)"
            raise ImportFailed(msg)
        draft.put(("slug",), slug)
    draft.recap["id"] = f"urn:uuid:{uuid.uuid4()}"
    target = _refuse_collisions(content_dir, draft, post.file, slug is not None)
    try:
        write_markdown(draft)
    except PandocError as error:
        raise ImportFailed(f"{post.file}: pandoc could not write the Markdown fields: {error}") from None
    text = source_text(draft)
    people = None
    if draft.proposed_people:
        people_path = content_dir / PROPOSED_PEOPLE_DIR / target.name
        people = (people_path, people_text(draft.proposed_people, display_path(target)))
    _write(target, text, people, post.file)
    return ImportResult(path, target, None, people[0] if people else None, draft.guesses(),
                        tuple(draft.notes), _problems_of(content_dir, target))


def import_posts(paths: Sequence[Path], content_dir: Path, *, slug: str | None = None,
                 today: date) -> ImportReport:
    """Import each post as a draft recap source under `content_dir/recaps/`.

    Every input gets a result: the source written, or the reason nothing was. `slug`
    replaces the slug of the imported recap (meant for one input; a second input given the
    same slug collides with the first and is refused). `today` dates a post that names no
    date. Raises `UsageError` only when the content folder itself cannot be used.
    """
    setting = load_setting(content_dir, today)
    results = []
    for path in paths:
        try:
            results.append(import_post(path, content_dir, slug=slug, today=today, setting=setting))
        except ImportFailed as error:
            results.append(ImportResult(path, error=str(error)))
    return ImportReport(tuple(results))
