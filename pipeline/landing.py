"""Where the recaps already in a content folder land: the one check that two never share a URL.

A slug may repeat (a monthly meeting recap every year) as long as the site's permalink
tells the dates apart; what must never repeat is the post's path. `invoke new` and the
importer both ask `recap_at` before writing a source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.load import load_file, recap_paths
from pipeline.model import Site
from pipeline.normalize import site_from
from pipeline.routes import Routes

IMPORTED_FROM = "# imported from: "
"""The comment line, under the modeline, that names the post a source was imported from."""


@dataclass(frozen=True)
class Landed:
    """A recap source as far as URLs go: its path on the site (None when its date cannot be
    read), its old paths, and the post it was imported from (None when it was not)."""

    source: Path
    slug: str | None
    path: str | None
    aliases: tuple[str, ...]
    imported_from: str | None


def content_routes(content_dir: Path) -> Routes:
    """Give the routes of the content's site, or the defaults when site.yaml is unreadable."""
    doc, _ = load_file(content_dir / "site.yaml")
    data = doc.data if doc else {}
    try:
        return Routes(site_from(data))
    except (KeyError, TypeError):
        return Routes(Site(title="", base_url="/", language="en"))


def _imported_from(source: Path) -> str | None:
    try:
        head = source.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        return None
    for line in head.split("\n")[:5]:
        if line.startswith(IMPORTED_FROM):
            return line.removeprefix(IMPORTED_FROM).strip()
    return None


def landed_recaps(content_dir: Path, routes: Routes) -> list[Landed]:
    """Give every readable recap source of the content folder with where it lands."""
    landed = []
    for source in recap_paths(content_dir):
        doc, _ = load_file(source)
        if doc is None or not isinstance(doc.data, dict):
            continue
        slug = doc.data.get("slug")
        slug = slug if isinstance(slug, str) else None
        try:
            path = routes.path_of(date.fromisoformat(str(doc.data.get("date"))), slug) if slug else None
        except ValueError:
            path = None
        aliases = doc.data.get("aliases")
        aliases = tuple(a for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else ()
        landed.append(Landed(source, slug, path, aliases, _imported_from(source)))
    return landed


def recap_at(landed: list[Landed], routes: Routes, day: date, slug: str) -> Landed | None:
    """Give the recap that already lands where a recap of `day` and `slug` would: the same
    path, or the same slug on a date that cannot be read (so where it lands is unknown)."""
    wanted = routes.path_of(day, slug)
    for recap in landed:
        if recap.path == wanted or (recap.path is None and recap.slug == slug):
            return recap
    return None


__all__ = ["IMPORTED_FROM", "Landed", "content_routes", "landed_recaps", "recap_at"]
