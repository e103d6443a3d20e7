"""invoke tasks: a thin layer over `python -m pipeline`, one short task per stage.

Every task runs the same command CI and pre-commit run, and ends with its exit code
(0 clean, 1 content problems, 2 usage or environment).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from invoke import Context, task

PYTHON = shlex.quote(sys.executable)


def _pipeline(c: Context, *args: str) -> None:
    """Run `python -m pipeline ARGS` and leave with its exit code."""
    command = " ".join([PYTHON, "-m", "pipeline", *map(shlex.quote, args)])
    result = c.run(command, warn=True, pty=False)
    if result is not None and result.exited:
        sys.exit(result.exited)


@task(help={"format": "text (default), github (workflow annotations) or json",
            "content": "content folder (default: content)"})
def validate(c, format="text", content="content"):
    """Validate every recap, people.yaml and site.yaml; report all problems at once."""
    _pipeline(c, "validate", "--format", format, "--content", content)


@task(help={"only": "comma-separated formats: markdown,pdf,feeds,json,calendar", "drafts": "include drafts",
            "force": "render everything, stale or not", "jobs": "render processes (default: cores)",
            "out": "output folder (default: dist)", "content": "content folder (default: content)"})
def build(c, only="", drafts=False, force=False, jobs=0, out="dist", content="content"):
    """Validate, then render every stale output of every publishable recap into dist/."""
    args = ["build", "--out", out, "--content", content]
    if only:
        args += ["--only", only]
    if drafts:
        args.append("--drafts")
    if force:
        args.append("--force")
    if jobs:
        args += ["--jobs", str(jobs)]
    _pipeline(c, *args)


@task(help={"drafts": "include drafts"})
def pdf(c, drafts=False):
    """Write the PDF handouts only (dist/pdf/<slug>.pdf)."""
    _pipeline(c, "build", "--only", "pdf", *(["--drafts"] if drafts else []))


@task(help={"drafts": "include drafts"})
def feeds(c, drafts=False):
    """Write the Atom, RSS and JSON feeds only (dist/feeds/)."""
    _pipeline(c, "build", "--only", "feeds", *(["--drafts"] if drafts else []))


@task(help={"drafts": "include drafts"})
def export(c, drafts=False):
    """Write the JSON exports and calendar invites only (dist/json/, dist/calendar/)."""
    _pipeline(c, "build", "--only", "json,calendar", *(["--drafts"] if drafts else []))


@task(help={"flavor": "hugo, jekyll or gfm (default: content/site.yaml)", "drafts": "include drafts"})
def markdown(c, flavor="", drafts=False):
    """Write the blog posts only (Hugo page bundles by default) into dist/."""
    args = ["build", "--only", "markdown"]
    if flavor:
        args += ["--flavor", flavor]
    if drafts:
        args.append("--drafts")
    _pipeline(c, *args)


# `title` has a default only so that it is a flag, not a positional argument: invoke
# gives a missing positional argument the next word, so `invoke new --help` ran the task
# with the title "--help". `python -m pipeline new` still requires --title.
@task(help={"title": "the recap's title (required)", "kind": "meeting (default), conference or review",
            "date": "publication date YYYY-MM-DD (default: today); also the file name's date",
            "slug": "default: from the title", "author": "person id (default: site.yaml's default_author)",
            "content": "content folder (default: content)"})
def new(c, title="", kind="meeting", date="", slug="", author="", content="content"):
    """Start content/recaps/<date>-<slug>.yaml with a permanent id and the schema modeline."""
    args = ["new", "--kind", kind, "--content", content]
    for flag, value in (("--title", title), ("--date", date), ("--slug", slug), ("--author", author)):
        if value:
            args += [flag, value]
    _pipeline(c, *args)


@task(help={"check": "fail if docs/schema.md is out of date instead of writing it"})
def schema_docs(c, check=False):
    """Write docs/schema.md, the field reference generated from schema/."""
    _pipeline(c, "schema-docs", *(["--check"] if check else []))


@task(name="import", help={"paths": "posts or blog folders (Markdown, HTML or text), comma-separated",
                           "slug": "slug for the new source, e.g. after a collision",
                           "authors": "the blog's data/authors.yaml, to map author keys to people"})
def import_(c, paths, slug="", authors=""):
    """Turn existing posts (files, or whole blog folders) into draft recap sources, for review."""
    args = ["import", *[p for p in paths.split(",") if p]]
    if slug:
        args += ["--slug", slug]
    if authors:
        args += ["--authors", authors]
    _pipeline(c, *args)


@task(help={"port": "port on 127.0.0.1 (default 8000)", "drafts": "include drafts",
            "hugo_site": "render posts through this Hugo site (default: site.yaml's preview.hugo_site)",
            "content": "content folder (default: content)", "out": "output folder (default: dist)"})
def serve(c, port=8000, drafts=False, hugo_site="", content="content", out="dist"):
    """Preview each recap as readers will see it on http://127.0.0.1:PORT/, rebuilding on every change."""
    args = ["serve", "--port", str(int(port)), "--content", content, "--out", out]
    if drafts:
        args.append("--drafts")
    if hugo_site:
        args += ["--hugo-site", hugo_site]
    # The preview replaces this process rather than running as its child: Ctrl-C and a
    # signal sent to `invoke serve` then reach the server itself, which closes its port and
    # ends everything it started (a child would outlive invoke and keep the port).
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "pipeline", *args])


@task(help={"recaps": "how many synthetic recaps (default 1000)",
            "runs": "runs of every scenario (default 3); the table shows medians",
            "pieces": "time only the pandoc passes and typst layouts a cold build needs",
            "peer": "also time Pelican with its pandoc reader on the same posts (pip install -e '.[bench]')"})
def bench(c, recaps=1000, runs=3, pieces=False, peer=False):
    """Time builds of synthetic recaps against issue 16's targets: a table on stderr, JSON on stdout."""
    flags = (" --pieces" if pieces else "") + (" --peer" if peer else "")
    result = c.run(f"{PYTHON} -m pipeline.bench --recaps {int(recaps)} --runs {int(runs)}{flags}",
                   warn=True, pty=False)
    if result is not None and result.exited:
        sys.exit(result.exited)


@task
def golden(c):
    """Regenerate tests/golden/ from the shipped content; review the diff before committing."""
    import tempfile

    for flavor in ("hugo", "jekyll", "gfm"):
        with tempfile.TemporaryDirectory() as scratch:
            _pipeline(c, "build", "--quiet", "--no-cache", "--only", "markdown", "--flavor", flavor,
                      "--out", scratch)
            shutil.copytree(Path(scratch) / flavor, Path("tests/golden") / flavor, dirs_exist_ok=True)
    c.run(f"{PYTHON} tests/handout_pixels.py")  # the handouts' reviewed page images
    c.run("git status --short tests/golden", warn=True)


@task(help={"args": "extra pytest arguments, e.g. '-k feeds -x'"})
def test(c, args=""):
    """Run the test suite (real pandoc, typst, feedgen, Hugo; nothing mocked)."""
    result = c.run(f"{PYTHON} -m pytest {args}", warn=True, pty=False)
    if result is not None and result.exited:
        sys.exit(result.exited)


@task
def lint(c):
    """Run ruff and mypy over the package and tests."""
    c.run(f"{PYTHON} -m ruff check pipeline tests tasks.py")
    c.run(f"{PYTHON} -m mypy")


@task(help={"out": "output folder (default: dist)"})
def clean(c, out="dist"):
    """Remove the output folder and the conversion cache (.recap-cache)."""
    for target in (Path(out), Path(".recap-cache")):
        if target.exists():
            shutil.rmtree(target)
            print(f"removed {target}")
