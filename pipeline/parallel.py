"""Run render tasks in a process pool, or in this process when there is little to do.

The pool starts its workers with `spawn`: a pool forked after typst had been used
deadlocked. Each worker receives the catalog once (as an initializer argument), keeps one
typst compiler and one `Converter`, which runs pandoc one process at a time, since the
pool already fills the cores. Workers read the conversion store but never write it: they
hand new conversions back with their artifacts and the parent stores them.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from pipeline.cache import ConversionStore
from pipeline.convert import Converter
from pipeline.errors import PipelineError
from pipeline.model import Artifact, Catalog
from pipeline.render import FORMATS
from pipeline.render.document import markdown_fields

MIN_RECAPS_PER_TASK = 8
"""Below this, a task's share of pandoc's start-up outweighs spreading the work."""
POOL_THRESHOLD = 16
"""Fewer stale (format, recap) units than this: spawning workers (~0.5 s) is not worth it."""


class RenderError(PipelineError):
    """Raised when a renderer fails; names the format and the recap sources involved."""

    exit_code = 1


@dataclass(frozen=True)
class Task:
    """Render one format for some recaps, or (recap_ids None) the site-wide outputs of
    its named `channels` (the one unnamed channel, for a format that has no others)."""

    format: str
    recap_ids: tuple[str, ...] | None
    channels: tuple[str, ...] = ()

    def describe(self, catalog: Catalog) -> str:
        if self.recap_ids is None:
            named = ", ".join(channel for channel in self.channels if channel)
            return f"{self.format} (site-wide outputs{': ' + named if named else ''})"
        files = {r.id: r.source_file for r in catalog.recaps}
        shown = ", ".join(files[i] for i in self.recap_ids[:3])
        more = f" and {len(self.recap_ids) - 3} more" if len(self.recap_ids) > 3 else ""
        return f"{self.format} for {shown}{more}"


_catalog: Catalog | None = None
_converter: Converter | None = None
"""A pool worker's catalog and converter, set once when the worker starts."""


def _init_worker(catalog: Catalog, cache_dir: Path | None) -> None:
    global _catalog, _converter
    _catalog = catalog
    _converter = Converter(ConversionStore(cache_dir, read_only=True) if cache_dir else None, jobs=1)


def render_task(task: Task, catalog: Catalog, converter: Converter) -> list[Artifact]:
    """Give the artifacts of one task."""
    output_format = FORMATS[task.format]
    if task.recap_ids is None:
        return output_format.render_site(catalog, task.channels, converter)
    by_id = {recap.id: recap for recap in catalog.recaps}
    return output_format.render_recaps(catalog, [by_id[i] for i in task.recap_ids], converter)


def run_task(task: Task) -> tuple[list[Artifact], dict[str, str]]:
    """Render one task in a pool worker; give its artifacts and the conversions it made,
    for the parent to store (the worker's memory then lets them go)."""
    assert _catalog is not None and _converter is not None, "the worker was not initialised"
    artifacts = render_task(task, _catalog, _converter)
    new = _converter.new_conversions()
    _converter.forget()
    return artifacts, new


def split(format_name: str, recap_ids: Sequence[str], jobs: int) -> list[Task]:
    """Give the tasks for one format's stale recaps: up to `jobs`, none too small."""
    if not recap_ids:
        return []
    count = max(1, min(jobs, len(recap_ids) // MIN_RECAPS_PER_TASK))
    size = -(-len(recap_ids) // count)
    return [Task(format_name, tuple(recap_ids[i:i + size])) for i in range(0, len(recap_ids), size)]


def _failure(task: Task, catalog: Catalog, error: Exception) -> RenderError:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
    message = f"rendering {task.describe(catalog)} failed: {type(error).__name__}: {detail}"
    return RenderError(message)


def _read_ahead(tasks: Sequence[Task], catalog: Catalog, converter: Converter,
                store: ConversionStore) -> None:
    """Parse every Markdown field once, here, into the store, so that the workers of the
    four formats that need them load them instead of each running pandoc over them
    (validation has read most of them already: they are in the converter's memory)."""
    wanted = {recap_id for task in tasks for recap_id in task.recap_ids or ()}
    fields = [field for recap in catalog.recaps if recap.id in wanted for field in markdown_fields(recap)]
    converter.read(list(dict.fromkeys(fields)))
    store.save(converter.new_conversions())


def run_tasks(tasks: Sequence[Task], catalog: Catalog, converter: Converter, *,
              on_done: Callable[[Task], None]) -> list[Artifact]:
    """Run every task (in a pool of `converter.jobs` workers when worth it); give all
    artifacts, in task order. In a pool, the workers open the converter's store read-only
    and the conversions they make are saved into it here; in this process, they stay in
    the converter for its owner to save."""
    jobs = converter.jobs
    results: dict[int, list[Artifact]] = {}
    stale_units = sum(len(t.recap_ids) for t in tasks if t.recap_ids is not None)
    if jobs <= 1 or len(tasks) <= 1 or stale_units < POOL_THRESHOLD:
        for index, task in enumerate(tasks):
            try:
                results[index] = render_task(task, catalog, converter)
            except Exception as error:
                raise _failure(task, catalog, error) from error
            on_done(task)
        return [artifact for index in range(len(tasks)) for artifact in results[index]]
    store = converter.store if isinstance(converter.store, ConversionStore) else None
    if store is not None:
        _read_ahead(tasks, catalog, converter, store)
    context = multiprocessing.get_context("spawn")
    # Site-wide outputs go second: by then the store holds every conversion the
    # recaps' own outputs made, which is most of what an index or a feed needs.
    phases = ([i for i, t in enumerate(tasks) if t.recap_ids is not None],
              [i for i, t in enumerate(tasks) if t.recap_ids is None])
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                             initargs=(catalog, store.path.parent if store else None)) as pool:
        for phase in phases:
            futures = {pool.submit(run_task, tasks[index]): index for index in phase}
            for future in as_completed(futures):
                task = tasks[futures[future]]
                try:
                    results[futures[future]], new = future.result()
                except Exception as error:
                    pool.shutdown(wait=False, cancel_futures=True)  # nothing will be published
                    raise _failure(task, catalog, error) from error
                if store is not None:
                    store.save(new)
                on_done(task)
    return [artifact for index in range(len(tasks)) for artifact in results[index]]
