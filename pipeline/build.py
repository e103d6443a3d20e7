"""Stage orchestration: load -> validate -> normalize -> plan -> render -> publish.

Reads top to bottom as the build does. It starts by hashing the sources: when they,
the code and the settings are what the last build recorded (`manifest.Stamp`), there
is nothing to do and nothing else is read. A validation problem stops the build before
anything is rendered or written; rendering finishes before anything is published, so a
failing renderer leaves `dist/` as it was. The time of the build is taken once, by the
caller, and only decides what is published (drafts, scheduled recaps); it is never
written into an output.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from pipeline.cache import stored_converter
from pipeline.convert import Converter
from pipeline.errors import UsageError
from pipeline.load import ContentSources, load_content
from pipeline.manifest import (
    Manifest,
    Seen,
    Stamp,
    UnitId,
    UnitRecord,
    build_digest,
    read_manifest,
    recap_keys,
    recap_unit_key,
    site_key,
)
from pipeline.model import MARKDOWN_FLAVORS, Artifact, Catalog, Problem, Recap
from pipeline.normalize import normalize
from pipeline.parallel import Task, run_tasks, split
from pipeline.progress import FormatCounts, Progress
from pipeline.render import FORMATS
from pipeline.seen import read_seen, remember_seen
from pipeline.source_cache import read_known, remember
from pipeline.validate import ValidationReport, validate_sources
from pipeline.write import PublishResult, output_lock, publish, published_files


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path
    out_dir: Path
    now: datetime
    formats: tuple[str, ...] = ()
    """Empty means every format."""
    drafts: bool = False
    markdown_flavor: str | None = None
    """Overrides content/site.yaml's markdown.flavor (hugo, jekyll or gfm)."""
    force: bool = False
    """Render everything, whatever the manifest says."""
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    cache_dir: Path | None = None
    """Where pandoc conversions are kept between builds; None keeps them in memory."""
    progress: Progress = field(default_factory=lambda: Progress(quiet=True))


@dataclass(frozen=True)
class BuildResult:
    report: ValidationReport
    formats: tuple[str, ...]
    recaps: int = 0
    published: PublishResult | None = None
    removed: tuple[PurePosixPath, ...] = ()
    counts: dict[str, FormatCounts] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    current: bool = False
    """The last build's outputs were still current: nothing was rendered or written."""
    sources: ContentSources | None = None
    catalog: Catalog | None = None
    """What a build that published loaded and normalized (drafts and scheduled recaps too),
    for a caller that goes on to show them (the preview), so it need not read them again."""


def build_time(environ: dict[str, str] | None = None) -> datetime:
    """Give "now" for this build: SOURCE_DATE_EPOCH when set, else the wall clock."""
    env = os.environ if environ is None else environ
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        msg = f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}"
        raise UsageError(msg) from None


def chosen_formats(requested: Sequence[str]) -> tuple[str, ...]:
    """Give the formats to build, in registry order; unknown names are a usage error."""
    unknown = [name for name in requested if name not in FORMATS]
    if unknown:
        msg = f"unknown output format {', '.join(map(repr, unknown))} (available: {', '.join(FORMATS)})"
        raise UsageError(msg)
    return tuple(name for name in FORMATS if not requested or name in requested)


def is_published(recap: Recap, now: datetime, drafts: bool) -> bool:
    """Say whether a recap goes out in this build: not a draft, and not scheduled later."""
    if recap.draft and not drafts:
        return False
    return recap.publish_at is None or recap.publish_at <= now


def _check_options(options: BuildOptions) -> tuple[str, ...]:
    if options.markdown_flavor not in (None, *MARKDOWN_FLAVORS):
        msg = f"unknown Markdown flavor {options.markdown_flavor!r} (use {', '.join(MARKDOWN_FLAVORS)})"
        raise UsageError(msg)
    if options.jobs < 1:
        msg = f"--jobs must be at least 1, not {options.jobs}"
        raise UsageError(msg)
    return chosen_formats(options.formats)


def publishable_catalog(catalog: Catalog, options: BuildOptions) -> Catalog:
    """Give the catalog of what this build publishes, with any flavor override applied."""
    recaps = tuple(r for r in catalog.recaps if is_published(r, options.now, options.drafts))
    site = catalog.site
    if options.markdown_flavor:
        site = replace(site, markdown_flavor=options.markdown_flavor)
    return replace(catalog, recaps=recaps, site=site)


def next_release(catalog: Catalog, options: BuildOptions) -> datetime | None:
    """Give when the first recap this build leaves out only for its time goes out."""
    later = [r.publish_at for r in catalog.recaps
             if r.publish_at is not None and r.publish_at > options.now and (options.drafts or not r.draft)]
    return min(later, default=None)


def settings_of(options: BuildOptions, formats: Sequence[str]) -> dict[str, object]:
    """Give the options that decide what a build publishes (not where, nor how fast)."""
    return {"formats": list(formats), "drafts": options.drafts, "flavor": options.markdown_flavor}


def is_current(old: Manifest, digest: str, options: BuildOptions, seen: Seen) -> bool:
    """Say whether the last build read exactly this content and settings, nothing it
    left out has come due, and every output it recorded is still there, as it wrote it."""
    if options.force or old.stamp is None or not old.stamp.holds(digest, options.now):
        return False
    present = published_files(options.out_dir)
    return present is not None and old.outputs() <= present and not old.changed_outputs(options.out_dir, seen)


@dataclass(frozen=True)
class Plan:
    """Which units are stale, and every unit's key for the new manifest."""

    tasks: tuple[Task, ...]
    keys: dict[UnitId, str]
    """Every unit of the formats being built -> its key."""
    fresh: frozenset[UnitId]


def plan_build(catalog: Catalog, sources: ContentSources, formats: Sequence[str],
               old: Manifest, options: BuildOptions, seen: Seen | None = None) -> Plan:
    """Give the tasks that re-render stale units: changed keys or missing outputs."""
    recap_key = recap_keys(catalog, sources)
    keys: dict[UnitId, str] = {}
    tasks: list[Task] = []
    fresh: set[UnitId] = set()
    changed = old.changed_outputs(options.out_dir, seen)

    def is_fresh(unit: UnitId) -> bool:
        record = old.units.get(unit)
        return (not options.force and record is not None and record.key == keys[unit]
                and not changed.intersection(record.outputs))

    for format_name in formats:
        output_format = FORMATS[format_name]
        fingerprint = output_format.fingerprint()
        if output_format.per_recap:
            stale = []
            for recap in catalog.recaps:
                unit = UnitId(format_name, recap.id)
                keys[unit] = recap_unit_key(fingerprint, recap_key[recap.id])
                (fresh.add(unit) if is_fresh(unit) else stale.append(recap.id))
            tasks.extend(split(format_name, stale, options.jobs))
        if output_format.site_wide:
            stale_channels = []
            for channel, recap_ids in output_format.channels(catalog).items():
                unit = UnitId(format_name, None, channel)
                keys[unit] = site_key(fingerprint, catalog, recap_key, channel, recap_ids)
                (fresh.add(unit) if is_fresh(unit) else stale_channels.append(channel))
            if stale_channels:
                tasks.append(Task(format_name, None, tuple(stale_channels)))
    # Biggest first, so the pool's workers finish together.
    tasks.sort(key=lambda t: -(len(t.recap_ids) if t.recap_ids is not None else 1))
    return Plan(tuple(tasks), keys, frozenset(fresh))


def new_manifest(plan: Plan, old: Manifest, artifacts: Sequence[Artifact],
                 formats: Sequence[str], stamp: Stamp) -> Manifest:
    """Give the manifest after this build: fresh units as they were, rendered units with
    their new outputs, and the units of formats not built this time untouched."""
    outputs: dict[UnitId, list[str]] = {unit: [] for unit in plan.keys if unit not in plan.fresh}
    for artifact in artifacts:
        outputs[UnitId(artifact.format, artifact.recap_id, artifact.channel)].append(str(artifact.path))
    units = {unit: record for unit, record in old.units.items() if unit.format not in formats}
    for unit, key in plan.keys.items():
        if unit in plan.fresh:
            units[unit] = old.units[unit]
        else:
            units[unit] = UnitRecord(key, tuple(sorted(outputs[unit])))
    return Manifest(dict(sorted(units.items(), key=lambda item: str(item[0]))), stamp, old.files)


MAX_RECAP_OUTPUT_BYTES = 20_000_000
"""The outputs of one recap together (post, handout, JSON, calendar) may come to at most
this: the loader bounds a source's expanded text (4 MB), this bounds what it renders to."""


def oversized_recaps(catalog: Catalog, artifacts: Sequence[Artifact]) -> tuple[Problem, ...]:
    """Give a problem for each recap whose outputs rendered in this build exceed the cap."""
    totals: dict[str, int] = {}
    for artifact in artifacts:
        if artifact.recap_id is not None:
            totals[artifact.recap_id] = totals.get(artifact.recap_id, 0) + len(artifact.content)
    return tuple(
        Problem(recap.source_file, 1, 1, (), f"its outputs come to {totals[recap.id] / 1_000_000:.1f} MB; "
                f"at most {MAX_RECAP_OUTPUT_BYTES // 1_000_000} MB per recap", "shorten the longest texts")
        for recap in catalog.recaps if totals.get(recap.id, 0) > MAX_RECAP_OUTPUT_BYTES
    )


def count_outputs(formats: Sequence[str], old: Manifest, manifest: Manifest,
                  published: PublishResult) -> dict[str, FormatCounts]:
    """Give built / unchanged / removed outputs per format."""
    counts = {name: FormatCounts() for name in formats}
    written = {str(path) for path in published.written}
    kept = manifest.outputs()
    for unit, record in manifest.units.items():
        if unit.format in counts:
            for path in record.outputs:
                if path in written:
                    counts[unit.format].built += 1
                else:
                    counts[unit.format].unchanged += 1
    for unit, record in old.units.items():
        if unit.format in counts:
            counts[unit.format].removed += sum(1 for path in record.outputs if path not in kept)
    return counts


def build(options: BuildOptions, converter: Converter | None = None) -> BuildResult:
    """Run every stage; give the validation report and, when clean, what was published.
    One build at a time per output folder: a second waits for the first (`output_lock`).

    One converter serves validation and rendering, since the renderers need what validation
    read: by default one keeping its conversions in `options.cache_dir`; a long-lived
    caller (the preview) passes its own and saves its new conversions itself."""
    formats = _check_options(options)
    with output_lock(options.out_dir):
        if converter is not None:
            return _build(options, formats, converter)
        with stored_converter(options.cache_dir, options.jobs) as made:
            return _build(options, formats, made)


def _build(options: BuildOptions, formats: tuple[str, ...], converter: Converter) -> BuildResult:
    progress = options.progress
    seconds: dict[str, float] = {}
    with progress.stage("load") as ticker:
        digest = build_digest(options.content_dir, settings_of(options, formats))
        old = read_manifest(options.out_dir)
        seen = read_seen(options.cache_dir)
        current = is_current(old, digest, options, seen)
        if not current:
            known = read_known(options.cache_dir)
            sources = load_content(options.content_dir, known)
            ticker.advance(sources.files_read)
    seconds["load"] = ticker.seconds
    if current:
        assert old.stamp is not None
        counts = count_outputs(formats, old, old, PublishResult((), ()))
        report = ValidationReport((), old.stamp.files)
        return BuildResult(report, formats, old.stamp.recaps, counts=counts, seconds=seconds, current=True)
    with progress.stage("validate") as ticker:
        report = validate_sources(sources, converter)
        remember(options.cache_dir, sources, report, known)
    seconds["validate"] = ticker.seconds
    if not report.ok:
        return BuildResult(report, formats, seconds=seconds)
    with progress.stage("normalize") as ticker:
        everything = normalize(sources)
        catalog = publishable_catalog(everything, options)
        release = next_release(everything, options)
        plan = plan_build(catalog, sources, formats, old, options, seen)
    seconds["normalize"] = ticker.seconds
    with progress.stage("render", total=len(plan.tasks)) as ticker:
        artifacts = run_tasks(plan.tasks, catalog, converter, on_done=lambda task: ticker.advance())
    seconds["render"] = ticker.seconds
    oversized = oversized_recaps(catalog, artifacts)
    if oversized:
        return BuildResult(ValidationReport(oversized, report.files_checked), formats, seconds=seconds)
    with progress.stage("publish") as ticker:
        stamp = Stamp(digest, report.files_checked, len(catalog.recaps),
                      release.isoformat() if release else None)
        manifest = new_manifest(plan, old, artifacts, formats, stamp)
        gone = sorted(PurePosixPath(p) for p in old.outputs() - manifest.outputs())
        published = publish(artifacts, options.out_dir, gone, manifest)
        remember_seen(options.cache_dir, published.manifest, options.out_dir)
    seconds["publish"] = ticker.seconds
    counts = count_outputs(formats, old, manifest, published)
    return BuildResult(report, formats, len(catalog.recaps), published, published.removed, counts, seconds,
                       sources=sources, catalog=everything)
