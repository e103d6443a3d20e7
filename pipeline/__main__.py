"""`python -m pipeline validate|build|new|schema-docs`: the command line, without invoke.

CI and pre-commit call this directly. One handler at the bottom turns the pipeline's
exceptions into exit codes: 0 clean, 1 content problems, 2 usage or environment.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.build import BuildOptions, build, build_time
from pipeline.cache import stored_converter
from pipeline.errors import EXIT_CONTENT, EXIT_OK, EXIT_USAGE, PipelineError, UsageError
from pipeline.load import display_path, load_content
from pipeline.new import create_recap
from pipeline.progress import Progress
from pipeline.report import FORMAT_NAMES, TextReporter, printable, reporter_for
from pipeline.schema_docs import schema_reference
from pipeline.validate import ValidationReport, validate_sources

if TYPE_CHECKING:
    from pipeline.importer import ImportResult


def _validate(args: argparse.Namespace) -> int:
    # Validation reads every Markdown field with pandoc; the cache makes that a lookup for
    # fields read before (by an earlier validate or build).
    with stored_converter(None if args.no_cache else args.cache, os.cpu_count() or 1) as converter:
        report = validate_sources(load_content(args.content), converter)
    reporter_for(args.format).report(report)
    return EXIT_OK if report.ok else EXIT_CONTENT


def _split_formats(text: str | None) -> tuple[str, ...]:
    return tuple(name.strip() for name in (text or "").split(",") if name.strip())


def _build(args: argparse.Namespace) -> int:
    progress = Progress(sys.stderr, quiet=args.quiet)
    options = BuildOptions(
        content_dir=args.content,
        out_dir=args.out,
        now=build_time(),
        formats=_split_formats(args.only),
        drafts=args.drafts,
        markdown_flavor=args.flavor,
        force=args.force,
        jobs=args.jobs or os.cpu_count() or 1,
        cache_dir=None if args.no_cache else args.cache,
        progress=progress,
    )
    result = build(options)
    if not result.report.ok:
        TextReporter(sys.stderr).report(result.report)
        print("build stopped: nothing was written", file=sys.stderr)
        return EXIT_CONTENT
    if result.report.warnings:  # reported, but they never stop a build
        TextReporter(sys.stderr).report(result.report)
    if not result.current:
        progress.summary(result.counts, result.seconds)
    if args.report_json:
        report = {"counts": {name: vars(count) for name, count in result.counts.items()},
                  "seconds": result.seconds, "recaps": result.recaps}
        args.report_json.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if not args.quiet:
        recaps = f"{result.recaps} recap{'s' if result.recaps != 1 else ''}"
        if result.current:
            print(f"{args.out}/ is up to date: {recaps}, nothing changed since the last build "
                  f"({', '.join(result.formats)})", file=sys.stderr)
        else:
            print(f"published {recaps} into {args.out}/ ({', '.join(result.formats)})", file=sys.stderr)
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    try:
        day = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        msg = f"--date must be YYYY-MM-DD, not {args.date!r}"
        raise UsageError(msg) from None
    path = create_recap(args.content, title=args.title, kind=args.kind, day=day,
                        slug=args.slug, author=args.author)
    print(path)
    return EXIT_OK


def _schema_docs(args: argparse.Namespace) -> int:
    text = schema_reference()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is out of date: run `invoke schema-docs`", file=sys.stderr)
            return EXIT_CONTENT
        return EXIT_OK
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8", newline="\n")
    print(args.out)
    return EXIT_OK


def _import_line(result: ImportResult) -> str:
    """Give a post's one line: imported as <source>, skipped: <why> or failed: <first problem>."""
    shown = f"{result.input}: "
    if result.source is not None:
        missing = len(result.not_imported)
        listed = f"; {missing} not imported, listed below" if missing else ""
        return f"{shown}imported as {result.source}{listed}"
    message = result.skipped if result.skipped is not None else result.error or ""
    why = message.split("\n", 1)[0].removeprefix(f"{display_path(result.input)}: ")
    return f"{shown}{'skipped' if result.skipped is not None else 'failed'}: {printable(why)}"


def _import(args: argparse.Namespace) -> int:
    from pipeline.importer import import_posts

    report = import_posts(args.paths, args.content, slug=args.slug, today=date.today(),
                          authors_file=args.authors)
    for result in report.results:
        print(_import_line(result), flush=True)
        if result.source is None:
            continue
        print(f"  draft; {len(result.guesses)} fields guessed, each marked '# guessed:'", file=sys.stderr)
        if result.proposed_people:
            print(f"  new people proposed for review in {result.proposed_people}", file=sys.stderr)
        for note in result.notes:
            print(f"  note: {note}", file=sys.stderr)
        for part in result.not_imported:
            print(f"  not imported: {printable(part)}", file=sys.stderr)
        if result.problems:
            print("  still needs a human:", file=sys.stderr)
            TextReporter(sys.stderr).report(ValidationReport(result.problems, 1))
    counts = report.counts()
    print("\n".join(["", "posts     count", *(f"{name:<9} {count:>5}" for name, count in counts.items()),
                     f"{'total':<9} {sum(counts.values()):>5}"]))
    return report.exit_code


def _serve(args: argparse.Namespace) -> int:
    from pipeline.serve import serve

    options = BuildOptions(content_dir=args.content, out_dir=args.out, now=build_time(),
                           drafts=args.drafts, cache_dir=args.cache, progress=Progress(quiet=True))
    serve(options, args.port, host=args.host, hugo_site=args.hugo_site)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.split("\n")[0])
    commands = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--content", type=Path, default=Path("content"),
                         help="content folder (default: content)")
        return sub

    validate = command("validate", "check every source against the schemas and cross-file rules")
    validate.add_argument("--format", choices=FORMAT_NAMES, default="text", help="report format")
    validate.add_argument("--cache", type=Path, default=Path(".recap-cache"),
                          help="conversion cache folder, shared with build (default: .recap-cache)")
    validate.add_argument("--no-cache", action="store_true", help="keep no conversions")
    validate.set_defaults(run=_validate)

    build_cmd = command("build", "validate, render every format and publish into the output folder")
    build_cmd.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    build_cmd.add_argument("--only", metavar="FORMAT[,FORMAT]", help="build only these formats")
    build_cmd.add_argument("--drafts", action="store_true", help="include drafts")
    build_cmd.add_argument("--flavor", choices=("hugo", "jekyll", "gfm"),
                           help="Markdown flavor (default: content/site.yaml's markdown.flavor)")
    build_cmd.add_argument("--force", action="store_true", help="render everything, stale or not")
    build_cmd.add_argument("--jobs", type=int, help="render processes (default: the number of cores)")
    build_cmd.add_argument("--cache", type=Path, default=Path(".recap-cache"),
                           help="conversion cache folder (default: .recap-cache)")
    build_cmd.add_argument("--no-cache", action="store_true", help="keep no conversions between builds")
    build_cmd.add_argument("--quiet", action="store_true", help="print nothing but problems")
    build_cmd.add_argument("--report-json", type=Path, help="also write the counts and stage times here")
    build_cmd.set_defaults(run=_build)

    serve_cmd = command("serve", "preview each recap as readers will see it; rebuild on every change")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve_cmd.add_argument("--hugo-site", type=Path, metavar="PATH",
                           help="render posts through this Hugo site (default: site.yaml preview.hugo_site)")
    serve_cmd.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    serve_cmd.add_argument("--drafts", action="store_true", help="include drafts")
    serve_cmd.add_argument("--cache", type=Path, default=Path(".recap-cache"), help="conversion cache folder")
    serve_cmd.set_defaults(run=_serve)

    import_cmd = command("import", "turn existing posts (Markdown, HTML, text) into draft recap sources")
    import_cmd.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    import_cmd.add_argument("--slug", help="slug for the new source (one input), e.g. after a collision")
    import_cmd.add_argument("--authors", type=Path, metavar="PATH",
                            help="the blog's author file (Hugo: data/authors.yaml): author keys to people")
    import_cmd.set_defaults(run=_import)

    new = command("new", "start a new recap source with a permanent id")
    new.add_argument("--title", required=True)
    new.add_argument("--kind", choices=("meeting", "conference", "review"), default="meeting")
    new.add_argument("--date", help="publication date, YYYY-MM-DD (default: today)")
    new.add_argument("--slug", help="default: made from the title")
    new.add_argument("--author", help="person id (default: site.yaml's default_author)")
    new.set_defaults(run=_new)

    docs = command("schema-docs", "write the field reference generated from the schemas")
    docs.add_argument("--out", type=Path, default=Path("docs/schema.md"))
    docs.add_argument("--check", action="store_true", help="fail if the file is out of date")
    docs.set_defaults(run=_schema_docs)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except PipelineError as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
