"""What the preview shows after a good build: every recap, its state and what was published for it.

A recap's outputs come from what the build recorded (`dist/.recap-manifest.json`), by
format, never from paths worked out here: the manifest is the one place that knows where
the build put each file. Its feed entry is read back from the published JSON feeds, so the
preview shows exactly what a feed reader receives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.convert import Converter
from pipeline.manifest import SITE, read_manifest
from pipeline.model import Catalog, Recap
from pipeline.render.feeds import build_entries
from pipeline.routes import Routes


@dataclass(frozen=True)
class FeedEntry:
    """One recap's item in the JSON feeds, and the channels that carry it."""

    channels: Mapping[str, tuple[str, ...]]
    """A channel's folder -> its files (Atom, RSS, JSON Feed)."""
    item: Mapping[str, Any]


@dataclass(frozen=True)
class RecapView:
    """One recap as the preview lists it."""

    recap: Recap
    key: str
    """Its address in the preview, `/recaps/<key>/`: the source file's name without `.yaml`."""
    state: str
    """published, draft, or "scheduled for <time>"."""
    outputs: Mapping[str, tuple[str, ...]]
    """Format -> the files the last build published for it (paths in the output folder)."""
    feed: FeedEntry | None = None
    site_page: str | None = None
    """Where the Hugo site put its post, below `/site/`; None without a Hugo site."""

    @property
    def built(self) -> bool:
        return bool(self.outputs)

    @property
    def formats(self) -> tuple[str, ...]:
        return (*sorted(self.outputs), *(("feeds",) if self.feed else ()))

    def files(self, format_name: str, suffix: str = "") -> tuple[str, ...]:
        return tuple(path for path in self.outputs.get(format_name, ()) if path.endswith(suffix))


@dataclass(frozen=True)
class Snapshot:
    """Everything the preview's pages are made from, as of one good build."""

    site_title: str
    views: tuple[RecapView, ...]
    """Newest first."""
    site_outputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Format -> its site-wide files (feeds, indexes, meetings.ics)."""

    def view(self, key: str) -> RecapView | None:
        return next((view for view in self.views if view.key == key), None)


def state_of(recap: Recap, now: datetime) -> str:
    """Say whether a recap is a draft, scheduled, or published at `now`."""
    if recap.draft:
        return "draft"
    if recap.publish_at is not None and recap.publish_at > now:
        return f"scheduled for {recap.publish_at:%Y-%m-%d %H:%M %Z}".strip()
    return "published"


def outputs_by_recap(out_dir: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """Give recap id (or `SITE`) -> format -> the outputs the last build recorded."""
    found: dict[str, dict[str, list[str]]] = {}
    for unit, record in read_manifest(out_dir).units.items():
        owner = SITE if unit.recap is None else unit.recap
        found.setdefault(owner, {}).setdefault(unit.format, []).extend(record.outputs)
    return {owner: {name: tuple(sorted(paths)) for name, paths in formats.items()}
            for owner, formats in found.items()}


def feed_entries(out_dir: Path, feed_files: tuple[str, ...], root: str = "") -> dict[str, FeedEntry]:
    """Give recap id -> its entry, read back from every published JSON feed, with its
    channels named as the site serves them (`root`, the folder of the site's files, off)."""
    items: dict[str, dict[str, Any]] = {}
    channels: dict[str, dict[str, tuple[str, ...]]] = {}
    folders = {PurePosixPath(path).parent for path in feed_files}
    files = {folder: tuple(p for p in feed_files if PurePosixPath(p).parent == folder) for folder in folders}
    for path in feed_files:
        if not path.endswith(".json"):
            continue
        try:
            feed = json.loads((out_dir / path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for item in feed.get("items", []):
            items.setdefault(item["id"], item)
            folder = PurePosixPath(path).parent
            channels.setdefault(item["id"], {})[f"{folder}/".removeprefix(root)] = files[folder]
    return {recap_id: FeedEntry(channels[recap_id], item) for recap_id, item in items.items()}


def take_snapshot(everything: Catalog, out_dir: Path, now: datetime,
                  site_pages: Mapping[Path, str] | None = None) -> Snapshot:
    """Give the preview of the last build of `everything` (drafts and scheduled recaps too);
    `site_pages` maps a post's file to its page in the Hugo site, when there is one."""
    site_pages = site_pages or {}
    outputs = outputs_by_recap(out_dir)
    site_wide = outputs.get(SITE, {})
    root = Routes(everything.site).file("_").as_posix()[:-1]  # the folder served as <files_path>
    entries = feed_entries(out_dir, site_wide.get("feeds", ()), root)
    views = []
    for recap in sorted(everything.recaps, key=lambda r: (r.date, r.title), reverse=True):
        mine = outputs.get(recap.id, {})
        posts = [(out_dir / post).resolve() for post in mine.get("markdown", ())]
        site_page = next((site_pages[post] for post in posts if post in site_pages), None)
        views.append(RecapView(recap, Path(recap.source_file).stem, state_of(recap, now), mine,
                               entries.get(recap.id), site_page))
    return Snapshot(everything.site.title, tuple(views), site_wide)


def post_body(published: Catalog, recap: Recap, converter: Converter) -> str:
    """Give the recap's body as HTML: the very body its feed entry carries (with the
    build's converter, a recap the build just rendered costs no pandoc run)."""
    (entry,) = build_entries({recap.id}, published.recaps, published.site, converter)
    return entry.content_html
