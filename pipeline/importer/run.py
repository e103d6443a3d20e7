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

from pipeline.convert import Converter
from pipeline.errors import UsageError
from pipeline.images import IMAGE_NAME, MAX_IMAGE_BYTES, media_type
from pipeline.importer.authors import read_site_authors
from pipeline.importer.compose import compose
from pipeline.importer.emit import people_text, source_text, write_markdown
from pipeline.importer.finding import find_posts
from pipeline.importer.ledger import account
from pipeline.importer.mapping import Setting
from pipeline.importer.people import Registry
from pipeline.importer.reading import Post, read_post
from pipeline.importer.report import (
    AlreadyImported,
    Draft,
    ImportCollision,
    ImportFailed,
    ImportReport,
    ImportResult,
)
from pipeline.importer.urls import keep_original_url, refuse_duplicate
from pipeline.landing import content_routes, landed_recaps
from pipeline.load import display_path, load_content, load_file
from pipeline.model import Problem
from pipeline.new import write_new_source
from pipeline.pandoc import PandocError
from pipeline.validate import validate_sources

PROPOSED_PEOPLE_DIR = "people-proposed"
"""Under the content folder, beside recaps/: load_content never reads it, so a proposal
cannot break validation, and its depth matches recaps/ so the schema modeline resolves."""
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def load_setting(content_dir: Path, today: date, authors_file: Path | None = None) -> Setting:
    """Read the people registry, the default author and the blog's author file (if given)
    that every import of a run uses."""
    people, _ = load_file(content_dir / "people.yaml")
    data = people.data if people else {}
    entries = {pid: entry for pid, entry in data.items() if isinstance(entry, dict)}
    names = {pid: str(entry["name"]) for pid, entry in entries.items() if isinstance(entry.get("name"), str)}
    keys = {str(entry["site_author"]): pid for pid, entry in entries.items() if entry.get("site_author")}
    site, _ = load_file(content_dir / "site.yaml")
    author = site.data.get("default_author") if site else None
    if not isinstance(author, str):
        msg = f"{display_path(content_dir / 'site.yaml')}: no default_author, which imported recaps need"
        raise UsageError(msg)
    site_authors = read_site_authors(authors_file) if authors_file is not None else None
    base_url = site.data.get("base_url") if site else None
    return Setting(Registry(names, keys), author, today, site_authors,
                   base_url if isinstance(base_url, str) else None)


def _refuse_collisions(content_dir: Path, post: Post, draft: Draft, slug_given: bool) -> Path:
    """Give the new source's path, or raise when the post is already imported, or its URL,
    id or file is already taken (a slug may repeat when the URLs differ)."""
    routes = content_routes(content_dir)
    refuse_duplicate(post, draft, landed_recaps(content_dir, routes), routes, slug_given)
    advice = "pick another slug" if slug_given else "import it under another slug with --slug NEW"
    recap_id = draft.recap["id"]
    for doc in load_content(content_dir).recaps:
        if doc.data.get("id") == recap_id:
            msg = f"{post.file}: the id {recap_id!r} is already used by {doc.file}; try again"
            raise ImportCollision(msg)
    target = content_dir / "recaps" / f"{draft.recap['date']}-{draft.recap['slug']}.yaml"
    if target.exists():
        raise ImportCollision(f"{post.file}: {display_path(target)} already exists; {advice}")
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


def _problems_of(content_dir: Path, target: Path, converter: Converter) -> tuple[Problem, ...]:
    """Give what validation finds in the new source, and in other files about it (a clash
    is reported on whichever of the two files sorts later)."""
    report = validate_sources(load_content(content_dir), converter)
    file = display_path(target)
    return tuple(p for p in report.problems if p.file == file or file in (p.hint or ""))


def _bundle_cover(post: Path) -> str | None:
    """Give the name of a bundle's `cover.*` image (Hugo themes find it by that name)."""
    if post.name != "index.md":
        return None
    covers = sorted(entry.name for entry in post.parent.glob("cover.*") if IMAGE_NAME.match(entry.name))
    return covers[0] if covers else None


def copy_bundle_images(post: Path, source: Path) -> list[Path]:
    """Copy the images of a Hugo page bundle (the files beside its `index.md`) into the
    folder beside the new source, where the recap's cover and Markdown find them. Only
    files that are images by name and by their bytes, within the size limit, and never
    over a file already there."""
    if post.name != "index.md":
        return []
    copied = []
    for entry in sorted(post.parent.iterdir()):
        if not (entry.is_file() and not entry.is_symlink() and IMAGE_NAME.match(entry.name)):
            continue
        if entry.stat().st_size > MAX_IMAGE_BYTES:
            continue
        content = entry.read_bytes()
        target = source.with_suffix("") / entry.name
        if media_type(content) is None or target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        copied.append(target)
    return copied


def import_post(path: Path, content_dir: Path, *, slug: str | None = None, today: date,
                setting: Setting | None = None, converter: Converter | None = None) -> ImportResult:
    """Import one post as a draft source; raise `ImportFailed` (nothing written) when it cannot.
    `converter` (default: a new one) writes the Markdown and validation reads it back."""
    setting = setting or load_setting(content_dir, today)
    converter = converter or Converter()
    post = read_post(path)
    draft = compose(post, setting)
    if slug is None:
        keep_original_url(post, draft, content_routes(content_dir))
    else:
        if not _SLUG.match(slug) or len(slug) > 80:
            msg = f"{post.file}: --slug {slug!r} is not a slug (lowercase letters, digits, single hyphens)"
            raise ImportFailed(msg)
        draft.put(("slug",), slug)
    draft.recap["id"] = f"urn:uuid:{uuid.uuid4()}"
    cover = _bundle_cover(path)
    if cover is not None and "cover" not in draft.recap:
        draft.put(("cover",), cover)
    target = _refuse_collisions(content_dir, post, draft, slug is not None)
    proposed = {pid: entry.get("name", pid) for pid, entry in draft.proposed_people.items()}
    account(post, draft, {**setting.registry.names, **proposed})
    try:
        write_markdown(draft, converter)
    except PandocError as error:
        raise ImportFailed(f"{post.file}: pandoc could not write the Markdown fields: {error}") from None
    text = source_text(draft, post.file)
    people = None
    if draft.proposed_people:
        people_path = content_dir / PROPOSED_PEOPLE_DIR / target.name
        people = (people_path, people_text(draft.proposed_people, display_path(target)))
    _write(target, text, people, post.file)
    copy_bundle_images(path, target)
    not_imported = tuple(f"line {line}: {what}" for line, what in sorted(post.not_imported))
    return ImportResult(path, target, None, people[0] if people else None, draft.guesses(),
                        tuple(draft.notes), _problems_of(content_dir, target, converter),
                        not_imported=not_imported)


def import_posts(paths: Sequence[Path], content_dir: Path, *, slug: str | None = None,
                 today: date, authors_file: Path | None = None) -> ImportReport:
    """Import each post (each file given, every post in each folder) as a draft recap
    source under `content_dir/recaps/`.

    Every post gets a result: the source written, why it was skipped (already imported),
    or the reason nothing was. `authors_file` is the blog's `data/authors.yaml`. `slug`
    replaces the slug of the imported recap (meant for one input; a second input given the
    same slug collides with the first and is refused). `today` dates a post that names no
    date. Raises `UsageError` only when the content folder itself cannot be used.
    """
    setting = load_setting(content_dir, today, authors_file)
    converter = Converter()  # validation after each import reads the other recaps once
    results = []
    for path in find_posts(paths):
        try:
            results.append(import_post(path, content_dir, slug=slug, today=today, setting=setting,
                                       converter=converter))
        except AlreadyImported as reason:
            results.append(ImportResult(path, skipped=str(reason)))
        except ImportFailed as error:
            results.append(ImportResult(path, error=str(error)))
    return ImportReport(tuple(results))
