"""Hashes of the code, templates and tools that outputs depend on.

Two questions, two hashes. "Can this build stop before reading anything?" (the build's
`Stamp`) takes every file of the pipeline and the schemas (`pipeline_fingerprint`): any
edit, even to the validator, means the content must be read again. "Is this output
stale?" takes only what the output's format declares it depends on
(`code_fingerprint`, through `Format.fingerprint`): a comment added to the feeds'
module rebuilds the feeds and typesets no handout again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
"""The `pipeline` package; declared paths are relative to the folder holding it (the
project). Tests point it at a copy of the package, to edit the copy."""

SCHEMA = "schema"
TOOLS = ("pypandoc-binary", "PyYAML", "typst", "segno", "feedgen", "lxml", "icalendar")
"""Every distribution whose version can change an output."""


def code_fingerprint(paths: Iterable[str], tools: Iterable[str]) -> str:
    """Hash the files at `paths` (relative to the project; a folder stands for every file
    in it) and the installed versions of the distributions `tools`."""
    project = PACKAGE.parent
    digest = hashlib.sha256()
    for declared in sorted(set(paths)):
        for path in _files(project / declared):
            status = path.stat()
            digest.update(b"\0" + path.relative_to(project).as_posix().encode())
            digest.update(b"\0" + _file_digest(path, status.st_size, status.st_mtime_ns))
    for name in sorted(set(tools)):
        digest.update(f"\0{name}=={_version(name)}".encode())
    return digest.hexdigest()


def pipeline_fingerprint() -> str:
    """Hash every file of the pipeline and the schemas, and the versions of the `TOOLS`."""
    return code_fingerprint([PACKAGE.name, SCHEMA], TOOLS)


@cache
def _file_digest(path: Path, size: int, modified_ns: int) -> bytes:
    """Give the SHA-256 of a file's bytes, read once per size and time: a resident
    process (`serve`) sees an edit to a template, and reads no file twice otherwise."""
    return hashlib.sha256(path.read_bytes()).digest()


def _files(path: Path) -> list[Path]:
    """Give the file at `path`, or every file below the folder (no compiled bytecode);
    a path that is neither is a mistake in a declaration."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        msg = f"a format declares {path}, which does not exist"
        raise FileNotFoundError(msg)
    return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@cache
def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "missing"
