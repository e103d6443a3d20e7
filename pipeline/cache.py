"""The conversion store: one SQLite file on disk, so that an unchanged Markdown field is
never converted twice, in this build or the next.

Pandoc is the build's main cost (~20 ms per recap per format). The store maps content
hashes (`pipeline.convert.key`) to what a `Converter` made: readings, written texts and
memos. Worker processes open it read-only and hand their new entries back with their
results; only the parent process writes, so there is never a writer racing another.

What it saves, measured on 100 synthetic recaps (`python -m pipeline build`, 2 cores,
three runs, sums of the stage times): Markdown + feeds + JSON 4.7-4.9 s with an empty
store, 1.9-2.1 s with `--force` over a full one (validation 1.2 s -> 0.03 s, rendering
3.1-3.4 s -> 1.7-1.8 s); every format 9.0-11.2 s -> 5.7-6.6 s, where typst's layout,
which no store holds, is most of what is left.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pipeline.convert import Converter

_BATCH = 500
"""SQLite allows a limited number of parameters per statement."""


class ConversionStore:
    """Key -> text, in `<folder>/conversions.sqlite3`; a read-only store (a render
    worker's) only loads. One thread at a time may use it (the preview's builds and page
    views take turns), not necessarily the one that opened it."""

    def __init__(self, folder: Path, *, read_only: bool = False) -> None:
        self.path = folder / "conversions.sqlite3"
        self.read_only = read_only
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is None:
            try:
                if self.read_only:
                    self._connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                                       check_same_thread=False)
                else:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._connection = sqlite3.connect(self.path, check_same_thread=False)
                    self._connection.execute(
                        "CREATE TABLE IF NOT EXISTS conversions (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                    )
            except sqlite3.Error:
                return None  # no cache yet (read-only) or an unusable one: convert instead
        return self._connection

    def load(self, keys: Iterable[str]) -> dict[str, str]:
        """Give the cached values of those `keys` that are cached."""
        connection = self._connect()
        wanted = list(keys)
        found: dict[str, str] = {}
        if connection is None:
            return found
        try:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start:start + _BATCH]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, value FROM conversions WHERE key IN ({marks})"
                found.update(connection.execute(query, chunk).fetchall())
        except sqlite3.Error:
            return {}
        return found

    def save(self, entries: Mapping[str, str]) -> None:
        """Store `entries` (a read-only store cannot: it is a mistake to ask it)."""
        assert not self.read_only, "only the store's owner saves into it"
        if not entries:
            return
        connection = self._connect()
        if connection is None:
            return
        try:
            with connection:
                connection.executemany("INSERT OR REPLACE INTO conversions VALUES (?, ?)", entries.items())
        except sqlite3.Error:
            return

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@contextmanager
def stored_converter(cache_dir: Path | None, jobs: int) -> Iterator[Converter]:
    """Give a converter that loads from the store in `cache_dir` (none: memory only) and,
    at the end, saves what it converted there, whatever happened meanwhile."""
    store = ConversionStore(cache_dir) if cache_dir else None
    converter = Converter(store, jobs=jobs)
    try:
        yield converter
    finally:
        if store is not None:
            store.save(converter.new_conversions())
            store.close()
