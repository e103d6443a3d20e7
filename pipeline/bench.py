"""`invoke bench`: time the build on deterministic synthetic content against issue 16's
targets. Not a test.

Every run writes fresh synthetic content and a private copy of the pipeline's code and
schemas, then times in order: the floor of pandoc and typst (`pieces`), a cold build, a
no-op build, one recap changed from the command line, the same edit in a resident `serve`
preview, one person changed, a comment appended to the copy's render/feeds.py, and a cold
Markdown + feeds + JSON build. Every build is a fresh `python -m pipeline build` process,
as a maintainer or CI would run it, so no in-memory cache flatters a later scenario. With
--peer, each run also times Pelican with its pandoc reader on the same posts. The table on
stderr gives each scenario's median over the runs beside its target; JSON on stdout has
every measurement.
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from pipeline.bench_targets import (
    COLD_ALL,
    COLD_TEXT,
    FEEDS_COMMENT,
    FLOOR,
    NO_OP,
    ONE_PERSON,
    ONE_RECAP,
    ONE_RECAP_SERVE,
    OURS_FOR_PEER,
    PEER,
    TARGET_RECAPS,
    TARGETS,
    floor_of,
    median_results,
    rows,
    table,
)
from pipeline.synthetic import write_content
from pipeline.yaml_text import dump_yaml

TEXT_FORMATS = ("markdown", "feeds", "json")
PEER_FORMATS = ("markdown", "feeds")
PEER_MISSING = "the peer needs Pelican and its pandoc reader: pip install -e '.[bench]'"


def _in_copy(code: Path) -> dict[str, Any]:
    """Give how to start a process that imports the run's copy of the pipeline (`python -m`
    and `-c` look in the working folder first, then PYTHONPATH)."""
    # Python may cache the pipeline's compiled modules, as it does on a maintainer's machine.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {"cwd": code, "env": {**env, "PYTHONPATH": str(code)}}


def _timed_process(command: list[str], code: Path) -> tuple[float, float]:
    """Run `command`; give its wall time and the peak resident memory (MB) of its largest
    process (the build, a render worker or a pandoc run). A failure raises with its stderr."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               **_in_copy(code))
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        msg = f"{' '.join(command[1:4])} failed: {stderr.strip()}"
        raise RuntimeError(msg)
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


def _build(code: Path, content: Path, out: Path, cache: Path, only: Sequence[str],
           jobs: int) -> dict[str, Any]:
    """Run one build in a fresh process; give its wall time, stages, outputs and peak memory."""
    report = out.parent / f"{out.name}-report.json"
    command = [sys.executable, "-m", "pipeline", "build", "--quiet", "--content", str(content),
               "--out", str(out), "--cache", str(cache), "--jobs", str(jobs), "--report-json", str(report)]
    if only:
        command += ["--only", ",".join(only)]
    seconds, peak_mb = _timed_process(command, code)
    details = json.loads(report.read_text(encoding="utf-8"))
    outputs = sum(c["built"] + c["unchanged"] for c in details["counts"].values())
    return {
        "seconds": round(seconds, 3),
        "stages": {k: round(v, 3) for k, v in details["seconds"].items()},
        "outputs": outputs,
        "outputs_written": sum(c["built"] for c in details["counts"].values()),
        "written_per_format": {name: c["built"] for name, c in sorted(details["counts"].items())},
        "outputs_per_second": round(outputs / seconds, 1),
        "peak_rss_mb": round(peak_mb, 1),
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


def copy_code(code: Path) -> Path:
    """Copy this checkout's pipeline and schemas into `code`, compiled, for a run to import
    and edit; give `code`."""
    checkout = Path(__file__).resolve().parent.parent
    shutil.copytree(checkout / "pipeline", code / "pipeline")  # copy2 keeps the compiled files valid
    shutil.copytree(checkout / "schema", code / "schema")
    compileall.compile_dir(code / "pipeline", quiet=1)
    return code


def unit_keys(out: Path) -> dict[str, str]:
    """Give each unit's key from the manifest the last build left in `out`."""
    from pipeline.manifest import MANIFEST_NAME

    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    return {name: unit["key"] for name, unit in manifest["units"].items()}


def rerendered(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, int]:
    """Give, per format, how many units a build rendered again: those whose key changed (a
    unit's name starts with its format). Outputs written would not tell: a build writes
    only bytes that changed, and a comment changes none."""
    counts: dict[str, int] = {}
    for name, key in sorted(after.items()):
        if before.get(name) != key:
            format_name = name.split(" ", 1)[0]
            counts[format_name] = counts.get(format_name, 0) + 1
    return counts


def _feeds_comment(code: Path, content: Path, out: Path, cache: Path, jobs: int) -> dict[str, Any]:
    """Append a comment to the copy's render/feeds.py and build; say which formats rendered again."""
    before = unit_keys(out)
    with (code / "pipeline" / "render" / "feeds.py").open("a", encoding="utf-8") as module:
        module.write("# added by the benchmark: a comment changes no output\n")
    result = _build(code, content, out, cache, (), jobs)
    return {**result, "rerendered": rerendered(before, unit_keys(out))}


def resident_rebuild_seconds(content: Path, out: Path, cache: Path, jobs: int) -> float:
    """Time what `serve` does after an edit: its preview, built once and kept in memory,
    rebuilds (the build and the snapshot the pages show; a page is made on first view)."""
    from pipeline.build import BuildOptions, build_time
    from pipeline.serve import Preview

    preview = Preview(BuildOptions(content, out, build_time(), jobs=jobs, cache_dir=cache))
    try:
        first = preview.rebuild()
        _touch_recap(content)
        started = time.perf_counter()
        edited = preview.rebuild()
        seconds = time.perf_counter() - started
    finally:
        preview.stop()
    if not (first and edited):
        msg = "a preview build failed"
        raise RuntimeError(msg)
    return seconds


def _resident_rebuild(code: Path, content: Path, out: Path, cache: Path, jobs: int) -> dict[str, Any]:
    """Run `resident_rebuild_seconds` in a fresh process; a preview that cannot be timed is
    "not measured", with the reason, and the other scenarios still run."""
    probe = ("import sys; from pathlib import Path; from pipeline.bench import resident_rebuild_seconds; "
             "print(resident_rebuild_seconds(*map(Path, sys.argv[1:4]), int(sys.argv[4])))")
    result = subprocess.run([sys.executable, "-c", probe, str(content), str(out), str(cache), str(jobs)],
                            capture_output=True, text=True, **_in_copy(code), check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no message"])[-1]
        return {"seconds": None, "not_measured": reason}
    return {"seconds": round(float(result.stdout.strip().splitlines()[-1]), 3)}


def floor(code: Path, recaps: int, jobs: int) -> dict[str, Any]:
    """Time `pieces` in a fresh process; give their sum, and the floor of Markdown + feeds + JSON."""
    command = [sys.executable, "-m", "pipeline.bench", "--pieces", "--recaps", str(recaps),
               "--jobs", str(jobs)]
    result = subprocess.run(command, capture_output=True, text=True, **_in_copy(code), check=False)
    if result.returncode != 0:
        msg = f"timing the pieces failed: {result.stderr.strip()}"
        raise RuntimeError(msg)
    timed = json.loads(result.stdout)["pieces"]
    return {"seconds": timed["sum"], "pieces": timed, "text_floor": floor_of(timed, TEXT_FORMATS)}


def talks_json_bytes(out: Path) -> int | None:
    found = sorted(out.rglob("talks.json"))
    return found[0].stat().st_size if found else None


def scenarios(root: Path, recaps: int, jobs: int) -> dict[str, dict[str, Any]]:
    """Run issue 16's scenarios in order on fresh content and code; give their measurements."""
    content = write_content(root / "content", recaps)
    code = copy_code(root / "code")
    out, cache = root / "dist", root / "cache"
    results = {FLOOR: floor(code, recaps, jobs)}
    results[COLD_ALL] = _build(code, content, out, cache, (), jobs)
    results[COLD_ALL]["talks_json_bytes"] = talks_json_bytes(out)
    results[NO_OP] = _build(code, content, out, cache, (), jobs)
    _touch_recap(content)
    results[ONE_RECAP] = _build(code, content, out, cache, (), jobs)
    results[ONE_RECAP_SERVE] = _resident_rebuild(code, content, out, cache, jobs)
    _build(code, content, out, cache, (), jobs)  # whatever the preview managed, dist/ is current again
    _touch_person(content)
    results[ONE_PERSON] = _build(code, content, out, cache, (), jobs)
    results[FEEDS_COMMENT] = _feeds_comment(code, content, out, cache, jobs)
    results[COLD_TEXT] = _build(code, content, root / "dist-text", root / "cache-text", TEXT_FORMATS, jobs)
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


def peer_missing() -> str | None:
    """Give the one-line message to print when Pelican or its pandoc reader is not installed."""
    for module in ("pelican", "pelican.plugins.pandoc_reader"):
        try:
            importlib.import_module(module)
        except ImportError:
            return PEER_MISSING
    return None


def pelican_posts(out: Path, posts: Path) -> list[str]:
    """Write each of our Markdown posts under `out` as a post Pelican's pandoc reader takes:
    the same body under a front matter of the fields Pelican knows (ours nests Hugo's
    `params`, which Pelican would try to set as attributes); give their slugs."""
    posts.mkdir(parents=True)
    slugs = []
    for source in sorted(out.rglob("*.md")):
        text = source.read_text(encoding="utf-8")
        if not text.startswith("---\n"):  # not a post: no front matter
            continue
        _, front_matter, body = text.split("---\n", 2)
        post = yaml.safe_load(front_matter)
        header = {"title": post["title"], "date": str(post["date"]), "slug": post["slug"],
                  "tags": post.get("tags", []), "summary": post.get("summary", "")}
        (posts / f"{post['slug']}.md").write_text(f"---\n{dump_yaml(header)}---\n{body}", encoding="utf-8")
        slugs.append(post["slug"])
    return slugs


def pelican_settings(posts: Path, site: Path) -> str:
    """Give a pelicanconf.py: the pandoc reader run by pypandoc-binary's pandoc, the feeds
    ours write (everything, per tag; Atom and RSS), no content cache."""
    import pypandoc

    settings = {
        "SITENAME": "Synthetic recaps", "SITEURL": "https://bench.example.org", "TIMEZONE": "UTC",
        "DEFAULT_LANG": "en", "PATH": str(posts), "OUTPUT_PATH": str(site),
        "PLUGINS": ["pelican.plugins.pandoc_reader"],
        "PANDOC_EXECUTABLE_PATH": str(pypandoc.get_pandoc_path()),
        "FEED_ALL_ATOM": "feeds/all.atom.xml", "FEED_ALL_RSS": "feeds/all.rss.xml",
        "TAG_FEED_ATOM": "feeds/tag/{slug}.atom.xml", "TAG_FEED_RSS": "feeds/tag/{slug}.rss.xml",
        "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False,
    }
    return "".join(f"{name} = {value!r}\n" for name, value in settings.items())


def peer(root: Path, code: Path, content: Path, jobs: int) -> dict[str, dict[str, Any]]:
    """Time our cold Markdown + feeds build, then Pelican with its pandoc reader on the posts
    it wrote (turning them into Pelican's posts is not timed)."""
    out = root / "dist-peer"
    ours = _build(code, content, out, root / "cache-peer", PEER_FORMATS, jobs)
    posts, site, settings = root / "pelican-posts", root / "pelican-site", root / "pelicanconf.py"
    slugs = pelican_posts(out, posts)
    settings.write_text(pelican_settings(posts, site), encoding="utf-8")
    command = [sys.executable, "-m", "pelican", str(posts), "--settings", str(settings),
               "--output", str(site), "--quiet"]
    seconds, peak_mb = _timed_process(command, code)
    articles = sum((site / f"{slug}.html").is_file() for slug in slugs)
    pelican = {"seconds": round(seconds, 3), "posts": len(slugs), "articles": articles,
               "peak_rss_mb": round(peak_mb, 1)}
    return {OURS_FOR_PEER: ours, PEER: pelican}


def _one_run(recaps: int, jobs: int, with_peer: bool) -> dict[str, dict[str, Any]]:
    root = Path(tempfile.mkdtemp(prefix="recap-bench-"))
    try:
        results = scenarios(root, recaps, jobs)
        if with_peer:
            results |= peer(root, root / "code", root / "content", jobs)
        return results
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--recaps", type=int, default=TARGET_RECAPS)
    parser.add_argument("--runs", "--repeat", type=int, default=3,
                        help="runs of every scenario (default 3); the table shows medians")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pieces", action="store_true",
                        help="time only the pandoc passes and typst layouts a cold build needs")
    parser.add_argument("--peer", action="store_true",
                        help="also time Pelican with its pandoc reader on the same posts (needs .[bench])")
    args = parser.parse_args(argv)
    if args.peer and (missing := peer_missing()):
        print(missing, file=sys.stderr)
        return 2
    if args.pieces:
        root = Path(tempfile.mkdtemp(prefix="recap-bench-"))
        try:
            timed = pieces(root, args.recaps, args.jobs)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        for name, value in timed.items():
            print(f"{name:<30}{value:>8.2f} s", file=sys.stderr)
        print(json.dumps({"recaps": args.recaps, "jobs": args.jobs, "pieces": timed}, indent=2))
        return 0
    try:
        runs = [_one_run(args.recaps, args.jobs, args.peer) for _ in range(args.runs)]
    except RuntimeError as error:  # a build or Pelican failed: its own message, not ours
        print(f"bench: {error}", file=sys.stderr)
        return 1
    results = median_results(runs)
    print(table(results, args.recaps, args.jobs), file=sys.stderr)
    summary = {"recaps": args.recaps, "jobs": args.jobs, "runs": args.runs,
               "targets": {name: vars(target) for name, target in TARGETS.items()},
               "rows": [vars(row) for row in rows(results, args.recaps)], "scenarios": results}
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
