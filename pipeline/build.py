"""Stage orchestration: load -> validate -> normalize -> render -> publish.

Reads top to bottom as the build does. A validation problem stops the build before
anything is rendered or written; the time of the build is taken once, here, and only
used to decide what is published (drafts, scheduled recaps), never written into outputs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.load import load_content
from pipeline.model import Artifact, Recap
from pipeline.normalize import Catalog, normalize
from pipeline.render import RENDERERS
from pipeline.render.markdown import FLAVORS as MARKDOWN_FLAVORS
from pipeline.validate import ValidationReport, validate_sources
from pipeline.write import PublishResult, publish


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path
    out_dir: Path
    now: datetime
    formats: tuple[str, ...] = ()
    """Empty means every registered format."""
    drafts: bool = False
    markdown_flavor: str | None = None
    """Overrides content/site.yaml's markdown.flavor (hugo, jekyll or gfm)."""


@dataclass(frozen=True)
class BuildResult:
    report: ValidationReport
    formats: tuple[str, ...]
    recaps: int = 0
    published: PublishResult | None = None


def build_time(environ: dict[str, str] | None = None) -> datetime:
    """Give "now" for this build: SOURCE_DATE_EPOCH when set, else the wall clock."""
    env = os.environ if environ is None else environ
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError):
        msg = f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}"
        raise UsageError(msg) from None


def chosen_formats(requested: Sequence[str]) -> tuple[str, ...]:
    """Give the formats to build, in registry order; unknown names are a usage error."""
    unknown = [name for name in requested if name not in RENDERERS]
    if unknown:
        available = ", ".join(RENDERERS) or "none registered yet"
        msg = f"unknown output format {', '.join(map(repr, unknown))} (available: {available})"
        raise UsageError(msg)
    return tuple(name for name in RENDERERS if not requested or name in requested)


def is_published(recap: Recap, now: datetime, drafts: bool) -> bool:
    """Say whether a recap goes out in this build: not a draft, and not scheduled later."""
    if recap.draft and not drafts:
        return False
    return recap.publish_at is None or recap.publish_at <= now


def render(catalog: Catalog, formats: Sequence[str]) -> list[Artifact]:
    return [artifact for name in formats for artifact in RENDERERS[name](catalog)]


def build(options: BuildOptions) -> BuildResult:
    """Run every stage; give the validation report and, when clean, what was published."""
    formats = chosen_formats(options.formats)
    if options.markdown_flavor not in (None, *MARKDOWN_FLAVORS):
        msg = f"unknown Markdown flavor {options.markdown_flavor!r} (use {', '.join(MARKDOWN_FLAVORS)})"
        raise UsageError(msg)
    sources = load_content(options.content_dir)
    report = validate_sources(sources)
    if not report.ok:
        return BuildResult(report, formats)
    catalog = normalize(sources)
    publishable = tuple(r for r in catalog.recaps if is_published(r, options.now, options.drafts))
    site = catalog.site
    if options.markdown_flavor:
        site = replace(site, markdown_flavor=options.markdown_flavor)
    catalog = replace(catalog, recaps=publishable, site=site)
    artifacts = render(catalog, formats)
    published = publish(artifacts, options.out_dir) if artifacts else None
    return BuildResult(report, formats, len(publishable), published)
