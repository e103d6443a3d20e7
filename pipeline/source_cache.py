"""Remember the sources that passed every check, so an unchanged file is not parsed and
schema-checked again: on 1,000 recaps that is most of a no-op rebuild.

Keyed by the SHA-256 of each file's bytes (reading and hashing 1,000 files costs ~20 ms;
parsing them costs seconds: a rebuild of 1,000 recaps whose stamp no longer holds took
1.4 s with this cache and 6.7 s without, measured on 2 cores). Stored with `marshal`,
which holds plain data and cannot run code when loaded. Cross-file rules always run on
every file.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

from pipeline.load import ContentSources, KnownSources
from pipeline.model import SourceDoc
from pipeline.validate import ValidationReport

CACHE_NAME = "sources.marshal"
FORMAT_VERSION = 2
"""Raised whenever validation learns a new rule, so that files remembered as passing
are checked against it (2: Markdown read by pandoc, far dates)."""


def read_known(cache_dir: Path | None) -> KnownSources:
    """Give the remembered sources; an absent or damaged cache remembers nothing."""
    if cache_dir is None:
        return {}
    try:
        with (cache_dir / CACHE_NAME).open("rb") as handle:
            stored = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(stored, dict) or stored.get("version") != FORMAT_VERSION:
        return {}
    entries = stored.get("entries")
    return entries if isinstance(entries, dict) else {}


def remember(cache_dir: Path | None, sources: ContentSources, report: ValidationReport,
             known: KnownSources) -> None:
    """Store every source file that has no error (warnings are checked on every run anyway),
    if that changed anything."""
    if cache_dir is None:
        return
    troubled = {problem.file for problem in report.errors}
    docs: list[SourceDoc | None] = [sources.site, sources.people, *sources.recaps]
    entries: dict[str, tuple[str, dict[str, Any]]] = {
        doc.file: (doc.digest, doc.data) for doc in docs if doc is not None and doc.file not in troubled
    }
    if entries.keys() == known.keys() and all(entries[f][0] == known[f][0] for f in entries):
        return
    # A temporary file of this process's own: builds into other folders may share the cache.
    temp = cache_dir / f".{CACHE_NAME}.{os.getpid()}.tmp"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with temp.open("wb") as handle:
            marshal.dump({"version": FORMAT_VERSION, "entries": entries}, handle)
        os.replace(temp, cache_dir / CACHE_NAME)
    except OSError:
        temp.unlink(missing_ok=True)  # no cache this time: the next build validates again
