"""What the last build saw of its outputs, so that the next need not read them again.

Freshness comes from content: the manifest records each output's SHA-256, and an output
whose bytes differ is stale (`Manifest.changed_outputs`). Hashing every output of 1,000
recaps means reading ~250 MB (~35 ms per 100 recaps measured); with each file's size and
modification time as the last build left it, an untouched file is one `stat`. Kept in the
cache folder, not in the manifest: times differ between two builds of the same content,
and the output folder must not.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path

from pipeline.manifest import Manifest, Seen

SEEN_NAME = "outputs.marshal"


def read_seen(cache_dir: Path | None) -> Seen:
    """Give what the last build saw; nothing when there is no cache or it is damaged."""
    if cache_dir is None:
        return {}
    try:
        with (cache_dir / SEEN_NAME).open("rb") as handle:
            seen = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(seen, dict):
        return {}
    return {path: entry for path, entry in seen.items()
            if isinstance(entry, tuple) and len(entry) == 3}


def remember_seen(cache_dir: Path | None, manifest: Manifest | None, out_dir: Path) -> None:
    """Record the size and time of every output the manifest vouches for."""
    if cache_dir is None or manifest is None:
        return
    seen: Seen = {}
    for path, sha in manifest.files.items():
        try:
            status = (out_dir / path).stat()
        except OSError:
            continue
        seen[path] = (status.st_size, status.st_mtime_ns, sha)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        temp = cache_dir / f".{SEEN_NAME}.{os.getpid()}.tmp"
        with temp.open("wb") as handle:
            marshal.dump(seen, handle)
        os.replace(temp, cache_dir / SEEN_NAME)
    except OSError:
        return
