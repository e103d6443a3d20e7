"""Issue 16's targets for `invoke bench`, and the table that holds the bench's medians
against them: a scenario, its median now, its target, pass or FAIL.

Measuring is `pipeline.bench`'s; this module only judges, so its rules are tested on
made-up numbers in milliseconds.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FLOOR = "pandoc + typst floor (--pieces)"
COLD_ALL = "cold, all formats"
COLD_TEXT = "cold, Markdown + feeds + JSON"
NO_OP = "no-op"
ONE_RECAP = "one recap changed (CLI)"
ONE_RECAP_SERVE = "one recap changed (serve, resident)"
ONE_PERSON = "one person changed"
FEEDS_COMMENT = "a comment added to render/feeds.py"
TALKS_SIZE = "talks.json size"
OURS_FOR_PEER = "cold, Markdown + feeds (ours)"
PEER = "Pelican + pandoc reader, same posts"
TARGET_RECAPS = 1000
"""Issue 16 sets its targets for 1,000 seed-sized recaps on 2 cores."""


@dataclass(frozen=True)
class Target:
    """One limit of issue 16's table."""

    limit: float
    unit: str
    scales: bool = False
    """Set for TARGET_RECAPS recaps and scaled linearly to other counts (seconds of work
    done once per recap, bytes of a file listing every talk)."""
    at_least: bool = False
    """The measured value must reach the limit (a speed-up) instead of staying under it."""

    def limit_for(self, recaps: int) -> float:
        return self.limit * recaps / TARGET_RECAPS if self.scales else self.limit

    def met(self, value: float, recaps: int) -> bool:
        limit = self.limit_for(recaps)
        return value >= limit if self.at_least else value <= limit

    def describe(self, recaps: int) -> str:
        return f"{'>=' if self.at_least else '<='} {self.limit_for(recaps):.3g} {self.unit}"


TARGETS = {
    FLOOR: Target(35.0, "s", scales=True),
    COLD_ALL: Target(1.15, "x floor"),
    COLD_TEXT: Target(1.15, "x its floor"),
    NO_OP: Target(0.2, "s"),
    ONE_RECAP: Target(1.0, "s"),
    ONE_RECAP_SERVE: Target(0.3, "s"),
    TALKS_SIZE: Target(10.0, "MB", scales=True),
    PEER: Target(3.0, "x ours", at_least=True),
}
"""Issue 16's targets; "a comment added to render/feeds.py" has its own: feeds only."""
EVERY_FORMAT = frozenset({"markdown", "pdf", "feeds", "json", "calendar"})
PIECE_FORMATS = {
    "pandoc read (every field)": EVERY_FORMAT,  # validation reads every field, whatever is built
    "pandoc gfm (posts)": frozenset({"markdown"}),
    "pandoc html (fields, json)": frozenset({"json"}),
    "pandoc typst (fields, pdf)": frozenset({"pdf"}),
    "typst compile (handouts)": frozenset({"pdf"}),
}
"""The formats that need each piece `pieces` times: a set of formats' floor is the sum of
the pieces it needs. A piece missing here counts for every set (and the bench says so)."""


def floor_of(timed: Mapping[str, float], formats: Sequence[str]) -> float:
    """Give the sum of the pieces `formats` need (see PIECE_FORMATS)."""
    needed = [seconds for name, seconds in timed.items()
              if name != "sum" and not PIECE_FORMATS.get(name, EVERY_FORMAT).isdisjoint(formats)]
    for name in timed.keys() - PIECE_FORMATS.keys() - {"sum"}:
        print(f"bench: piece {name!r} is not in PIECE_FORMATS; counted for every format", file=sys.stderr)
    return round(sum(needed), 2)


def median_results(runs: Sequence[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Give each scenario's run with the median wall time, plus every run's time; a scenario
    some run could not time is not measured, for the first such run's reason."""
    merged = {}
    for name in runs[0]:
        timed = sorted((run[name] for run in runs if run[name].get("seconds") is not None),
                       key=lambda result: float(result["seconds"]))
        untimed = [run[name] for run in runs if run[name].get("seconds") is None]
        median = untimed[0] if untimed else timed[len(timed) // 2]
        merged[name] = {**median, "all_seconds": [run[name].get("seconds") for run in runs]}
    return merged


@dataclass(frozen=True)
class Row:
    """One line of the table: a scenario, its median now, its target and whether it holds."""

    scenario: str
    now: str
    target: str = "-"
    verdict: str = "-"
    """pass, FAIL, or - where there is no target or no measurement."""
    runs: str = ""


def _verdict(passed: bool) -> str:
    return "pass" if passed else "FAIL"


def _seconds_row(name: str, result: Mapping[str, Any], recaps: int) -> Row:
    runs = " ".join("-" if s is None else f"{s:.2f}" for s in result.get("all_seconds", ()))
    seconds = result.get("seconds")
    target = TARGETS.get(name)
    if seconds is None:  # the JSON has the whole reason; the table keeps to one line
        reason = f"not measured: {result.get('not_measured', 'no way to time it')}"
        return Row(name, reason[:70], target.describe(recaps) if target else "-")
    if target is None:
        return Row(name, f"{seconds:.2f} s", runs=runs)
    return Row(name, f"{seconds:.2f} s", target.describe(recaps), _verdict(target.met(seconds, recaps)), runs)


def _ratio_row(name: str, result: Mapping[str, Any], base: float, recaps: int) -> Row:
    """A row whose target is a multiple of another median time, `base` (a floor, our build)."""
    target = TARGETS[name]
    runs = " ".join(f"{s:.2f}" for s in result.get("all_seconds", ()))
    ratio = result["seconds"] / base
    return Row(name, f"{result['seconds']:.2f} s = {ratio:.2f} {target.unit} ({base:.2f} s)",
               target.describe(recaps), _verdict(target.met(ratio, recaps)), runs)


def _comment_row(result: Mapping[str, Any]) -> Row:
    counts = result["rerendered"]
    now = ", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "nothing"
    runs = " ".join(f"{s:.2f}" for s in result.get("all_seconds", ()))
    feeds_only = _verdict(set(counts) == {"feeds"})
    return Row(FEEDS_COMMENT, f"rendered again: {now}", "feeds only", feeds_only, runs)


def _size_row(result: Mapping[str, Any], recaps: int) -> Row:
    size = result.get("talks_json_bytes")
    target = TARGETS[TALKS_SIZE]
    if size is None:
        return Row(TALKS_SIZE, "not found in the output", target.describe(recaps))
    megabytes = size / 1_000_000
    held = _verdict(target.met(megabytes, recaps))
    return Row(TALKS_SIZE, f"{megabytes:.2f} MB", target.describe(recaps), held)


def rows(results: Mapping[str, Mapping[str, Any]], recaps: int) -> list[Row]:
    """Give the table's rows from the medians, in the issue's order, the peer last if it ran."""
    floor_seconds = results[FLOOR]["seconds"]
    text_floor = results[FLOOR]["text_floor"]
    table = [_seconds_row(FLOOR, results[FLOOR], recaps),
             _ratio_row(COLD_ALL, results[COLD_ALL], floor_seconds, recaps),
             _ratio_row(COLD_TEXT, results[COLD_TEXT], text_floor, recaps),
             *(_seconds_row(name, results[name], recaps) for name in (NO_OP, ONE_RECAP, ONE_RECAP_SERVE)),
             _comment_row(results[FEEDS_COMMENT]),
             _size_row(results[COLD_ALL], recaps),
             _seconds_row(ONE_PERSON, results[ONE_PERSON], recaps)]
    if PEER in results:
        ours = results[OURS_FOR_PEER]["seconds"]
        table += [_seconds_row(OURS_FOR_PEER, results[OURS_FOR_PEER], recaps),
                  _ratio_row(PEER, results[PEER], ours, recaps)]
    return table


def table(results: Mapping[str, Mapping[str, Any]], recaps: int, jobs: int) -> str:
    """Give the table of `rows`, columns as wide as their widest cell."""
    cells = [("scenario", "now (median)", "target", "", "runs"),
             *((row.scenario, row.now, row.target, row.verdict, row.runs) for row in rows(results, recaps))]
    widths = [max(len(line[column]) for line in cells) + 2 for column in range(5)]
    lines = ["".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)).rstrip()
             for line in cells]
    lines.append(f"({recaps} synthetic recaps, {jobs} jobs, {os.cpu_count()} cores; the floor and talks.json "
                 f"targets are set for {TARGET_RECAPS} recaps and scaled)")
    return "\n".join(lines)
