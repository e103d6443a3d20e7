"""Build progress on stderr: a rich bar per stage on a terminal, one plain line per stage
elsewhere (CI, pipes), and a closing summary table. stdout is left alone."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO


@dataclass
class FormatCounts:
    """What a build did with one format's outputs."""

    built: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0


def interactive(stream: TextIO) -> bool:
    """Animate only on a terminal, and never in CI."""
    return stream.isatty() and not os.environ.get("CI")


class Progress:
    """Reports stages as they run; `quiet` reports nothing (library use, tests)."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = not quiet and interactive(self.stream)

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[StageTicker]:
        """Time one stage; the ticker advances its bar by finished units of work."""
        started = time.perf_counter()
        ticker = StageTicker()
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            columns = ("[bold]{task.description:<10}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Bar(*columns, console=_console(self.stream), transient=False) as bar:
                # A stage of unknown size shows as one step, done when the stage is.
                task = bar.add_task(name, total=total or 1)
                ticker.callback = (lambda done: bar.advance(task, done)) if total else None
                yield ticker
                bar.update(task, completed=total or 1)
        else:
            yield ticker
        ticker.seconds = time.perf_counter() - started
        if not self.quiet and not self.live:
            count = f" {ticker.done} of {total}" if total else ""
            print(f"{name}:{count} {ticker.seconds:.2f} s", file=self.stream)

    def summary(self, counts: Mapping[str, FormatCounts], seconds: Mapping[str, float]) -> None:
        """Print outputs built / unchanged / removed / failed per format, and time per stage."""
        if self.quiet:
            return
        header = ("format", "built", "unchanged", "removed", "failed")
        rows = [(name, str(c.built), str(c.unchanged), str(c.removed), str(c.failed))
                for name, c in counts.items()]
        timing = ", ".join(f"{stage} {value:.2f} s" for stage, value in seconds.items())
        if self.live:
            from rich.table import Table

            table = Table(*header, title="outputs", title_justify="left")
            for row in rows:
                table.add_row(*row)
            console = _console(self.stream)
            console.print(table)
            console.print(f"time: {timing}")
            return
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(),
                  file=self.stream)
        print(f"time: {timing}", file=self.stream)


class StageTicker:
    """Counts the units of work a stage finished and moves its bar."""

    def __init__(self) -> None:
        self.done = 0
        self.seconds = 0.0
        self.callback: object = None

    def advance(self, units: int = 1) -> None:
        self.done += units
        if callable(self.callback):
            self.callback(units)


def _console(stream: TextIO):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(file=stream, no_color="NO_COLOR" in os.environ or None)
