"""`invoke bench`: time the build on deterministic synthetic content. Not a test.

Every scenario runs `python -m pipeline build` as a fresh process, as a maintainer or CI
would, so no in-memory cache flatters a later scenario. Reports JSON on stdout and a table
on stderr: wall time, per-stage times, outputs per second and the peak resident memory of
the largest process (the build, a render worker or a pandoc run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from pipeline.synthetic import write_content
from pipeline.yaml_text import dump_yaml

TARGETS = {
    "cold, all formats": 20.0,
    "cold, markdown+feeds+json": 6.0,
    "no-op rebuild": 0.5,
    "one recap changed": 1.0,
    "one person changed": None,
}
"""Seconds on a 2-core machine, from the build issue; None: no target set."""


def _build(content: Path, out: Path, cache: Path, only: str | None, jobs: int) -> dict[str, Any]:
    """Run one build in a fresh process; give its wall time, stages, outputs and peak memory."""
    report = out.parent / f"{out.name}-report.json"
    command = [sys.executable, "-m", "pipeline", "build", "--quiet", "--content", str(content),
               "--out", str(out), "--cache", str(cache), "--jobs", str(jobs), "--report-json", str(report)]
    if only:
        command += ["--only", only]
    started = time.perf_counter()
    # Python may cache the pipeline's compiled modules, as it does on a maintainer's machine.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        msg = f"the build failed: {stderr.strip()}"
        raise RuntimeError(msg)
    details = json.loads(report.read_text(encoding="utf-8"))
    outputs = sum(c["built"] + c["unchanged"] for c in details["counts"].values())
    built = sum(c["built"] for c in details["counts"].values())
    return {
        "seconds": round(seconds, 3),
        "stages": {k: round(v, 3) for k, v in details["seconds"].items()},
        "outputs": outputs,
        "outputs_written": built,
        "outputs_per_second": round(outputs / seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
    }


def _edit_yaml(path: Path, edit: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(dump_yaml(data), encoding="utf-8")


def _touch_recap(content: Path) -> None:
    """Edit the newest recap, the usual fix after publishing: its post, handout and JSON
    change, and so do the feeds, the indexes and its series neighbours' pages."""
    source = sorted((content / "recaps").glob("*.yaml"))[-1]
    _edit_yaml(source, lambda recap: recap.update(title=recap["title"] + " (edited)"))


def _touch_person(content: Path) -> None:
    _edit_yaml(content / "people.yaml", lambda people: people["person-1"].update(affiliation="Company One"))


def scenarios(root: Path, recaps: int, jobs: int) -> dict[str, dict[str, Any]]:
    """Run the five scenarios of the build issue in order; give their measurements."""
    content = write_content(root / "content", recaps)
    out, cache = root / "dist", root / "cache"
    results = {"cold, all formats": _build(content, out, cache, None, jobs)}
    results["no-op rebuild"] = _build(content, out, cache, None, jobs)
    _touch_recap(content)
    results["one recap changed"] = _build(content, out, cache, None, jobs)
    _touch_person(content)
    results["one person changed"] = _build(content, out, cache, None, jobs)
    results["cold, markdown+feeds+json"] = _build(content, root / "dist2", root / "cache2",
                                                  "markdown,feeds,json", jobs)
    return results


def pieces(root: Path, recaps: int, jobs: int) -> dict[str, float]:
    """Time what a cold build cannot avoid, each piece alone and at full speed: pandoc's
    passes over every recap (read, then each writer the formats need, `jobs` processes at
    once) and typst laying out every handout (`jobs` compilers at once, estimated from
    one). Their sum is the floor of a cold build made of these tools."""
    from pipeline.convert import Converter
    from pipeline.load import load_content
    from pipeline.normalize import normalize
    from pipeline.render import markdown, pdf
    from pipeline.render.document import markdown_fields, prepare
    from pipeline.render.json_export import HTML_OPTIONS

    catalog = normalize(load_content(write_content(root / "content", recaps)))
    fields = list(dict.fromkeys(f for recap in catalog.recaps for f in markdown_fields(recap)))
    converter = Converter(jobs=jobs)
    seconds: dict[str, float] = {}

    def timed(name: str, work: Any) -> Any:
        started = time.perf_counter()
        result = work()
        seconds[name] = round(time.perf_counter() - started, 2)
        return result

    parsed = timed("pandoc read (every field)", lambda: converter.read(fields))
    documents = prepare(catalog.recaps, catalog.site, converter)
    posts = markdown.post_bodies(documents, markdown.FLAVOR_TABLE[catalog.site.markdown_flavor], catalog.site)
    options = markdown.writer_options(catalog.site)
    timed("pandoc gfm (posts)", lambda: converter.write_encoded(posts, markdown.WRITER, *options))
    timed("pandoc html (fields, json)", lambda: converter.write(parsed, "html", *HTML_OPTIONS))
    typst_fields = timed("pandoc typst (fields, pdf)", lambda: converter.write(parsed, "typst"))
    markup = dict(zip(fields, typst_fields, strict=True))
    sample = catalog.recaps[: min(len(catalog.recaps), 50)]
    payloads = [(recap, pdf.template_data(recap, catalog.site, markup)) for recap in sample]
    pdf.compile_handout(*payloads[0])  # the compiler's first run loads fonts
    started = time.perf_counter()
    for recap, payload in payloads:  # one compiler per process: time one, scale to `jobs`
        pdf.compile_handout(recap, payload)
    per_handout = (time.perf_counter() - started) / len(payloads)
    seconds["typst compile (handouts)"] = round(per_handout * len(catalog.recaps) / jobs, 2)
    seconds["sum"] = round(sum(seconds.values()), 2)
    return seconds


def table(results: dict[str, dict[str, Any]], recaps: int) -> str:
    heading = f"{'scenario':<27}{'seconds':>9}{'target':>8}{'outputs/s':>11}{'written':>9}{'peak MB':>9}"
    lines = [heading + "  stages"]
    for name, result in results.items():
        target = TARGETS.get(name)
        stages = " ".join(f"{k}={v}" for k, v in result["stages"].items())
        lines.append(f"{name:<27}{result['seconds']:>9.2f}{(f'{target:.1f}' if target else '-'):>8}"
                     f"{result['outputs_per_second']:>11.1f}{result['outputs_written']:>9}"
                     f"{result['peak_rss_mb']:>9.1f}  {stages}")
    lines.append(f"({recaps} synthetic recaps, {os.cpu_count()} cores)")
    return "\n".join(lines)


def median_results(runs: Sequence[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Give each scenario's run with the median wall time, plus every run's time."""
    merged = {}
    for name in runs[0]:
        ordered = sorted((run[name] for run in runs), key=lambda result: result["seconds"])
        merged[name] = {**ordered[len(ordered) // 2], "all_seconds": [run[name]["seconds"] for run in runs]}
    return merged


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--recaps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario; the median is reported")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pieces", action="store_true",
                        help="time only the pandoc passes and typst layouts a cold build needs")
    args = parser.parse_args(argv)
    if args.pieces:
        root = Path(tempfile.mkdtemp(prefix="recap-bench-"))
        try:
            floor = pieces(root, args.recaps, args.jobs)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        for name, value in floor.items():
            print(f"{name:<30}{value:>8.2f} s", file=sys.stderr)
        print(json.dumps({"recaps": args.recaps, "jobs": args.jobs, "pieces": floor}, indent=2))
        return 0
    runs = []
    for _ in range(args.repeat):
        root = Path(tempfile.mkdtemp(prefix="recap-bench-"))
        try:
            runs.append(scenarios(root, args.recaps, args.jobs))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    results = median_results(runs)
    print(table(results, args.recaps), file=sys.stderr)
    summary = {"recaps": args.recaps, "jobs": args.jobs, "repeat": args.repeat, "targets": TARGETS,
               "scenarios": results}
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
