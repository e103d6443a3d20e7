"""The converter: every pandoc conversion of a build, made once and remembered.

A `Converter` is made by whoever runs a stage (the build, a render worker, the preview, a
test) and handed to every function that needs pandoc; nothing about conversions lives in
module variables. It keeps what it converted in memory and, given a store
(`pipeline.cache.ConversionStore`), looks there first. It never writes the store: its
owner saves `new_conversions()` (a worker hands them back with its artifacts instead), so
one process alone writes the store.

Every stored text is keyed by a digest of all it is made from, tied to this pandoc and
this sanitizer (`namespace`): a key cannot go stale, it can only stop being asked for.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

from pipeline import pandoc
from pipeline.pandoc import READER, Run, UnreadableMarkdown, encode_document, read_all, run_pandoc, write_all
from pipeline.sanitize import Block
from pipeline.sanitize import __file__ as sanitize_file


class Store(Protocol):
    """Where conversions outlive the process (see `pipeline.cache`)."""

    def load(self, keys: Iterable[str]) -> dict[str, str]: ...


@cache
def namespace() -> str:
    """Tie stored conversions to this pandoc, this sanitizer and these keys: a change to
    any makes every stored conversion a miss."""
    digest = hashlib.sha256(Path(pandoc.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(Path(sanitize_file).read_bytes())
    digest.update(str(Path(pandoc.pandoc_path()).stat().st_size).encode())
    return digest.hexdigest()[:16]


def key(*parts: str) -> str:
    """Give a store key for `parts`, tied to this pandoc and this sanitizer."""
    digest = hashlib.sha256(namespace().encode())
    for part in parts:
        digest.update(b"\0" + part.encode("utf-8"))
    return digest.hexdigest()


class Converter:
    """Markdown fragments to sanitized pandoc blocks, and pandoc documents to any format,
    batched (`jobs` pandoc processes at once) and remembered.

    `Converter()` converts in memory only, as tests do; a build passes its store.
    """

    def __init__(self, store: Store | None = None, *, jobs: int | None = None, run: Run = run_pandoc) -> None:
        self.store = store
        self.jobs = jobs or os.cpu_count() or 1
        self.run = run
        """How pandoc is run; a test may wrap `run_pandoc` to count the runs."""
        self._blocks: dict[str, list[Block]] = {}
        self._refused: dict[str, str] = {}
        """Fragment -> why pandoc cannot read it within the limits (or it nests too deeply)."""
        self._texts: dict[str, str] = {}
        """Store key -> text: every written document and every memo."""
        self._new: dict[str, str] = {}
        """What this converter made and its store does not hold yet (store key -> text)."""

    def _load(self, keys: Iterable[str]) -> dict[str, str]:
        """Give the remembered texts of `keys`: from memory, else from the store."""
        wanted = list(keys)
        found = {k: self._texts[k] for k in wanted if k in self._texts}
        missing = [k for k in wanted if k not in found]
        if self.store is not None and missing:
            found.update(self.store.load(missing))
        return found

    def _keep(self, texts: Mapping[str, str]) -> None:
        self._texts.update(texts)
        self._new.update(texts)

    def new_conversions(self) -> dict[str, str]:
        """Give what was converted since the last call, for the store's owner to save."""
        new, self._new = self._new, {}
        return new

    def forget(self) -> None:
        """Drop what is in memory (not what was not yet handed on): bounds a long-lived
        process's memory; the store keeps the conversions for next time."""
        self._blocks.clear()
        self._refused.clear()
        self._texts.clear()

    # --- reading Markdown -------------------------------------------------------------

    def refused(self, fragments: Sequence[str]) -> dict[str, str]:
        """Read every fragment; give those that cannot be read within the limits, and why."""
        known = self._blocks.keys() | self._refused.keys()
        missing = list(dict.fromkeys(f for f in fragments if f not in known))
        keys = {key("read", READER, f): f for f in missing}
        for stored_key, text in (self.store.load(keys) if self.store is not None and keys else {}).items():
            self._blocks[keys[stored_key]] = json.loads(text)
        missing = [f for f in missing if f not in self._blocks]
        for fragment, read in zip(missing, read_all(missing, self.jobs, self.run), strict=True):
            if isinstance(read, str):
                self._refused[fragment] = read
            else:
                self._blocks[fragment] = read
                self._new[key("read", READER, fragment)] = json.dumps(read)
        return {fragment: self._refused[fragment] for fragment in dict.fromkeys(fragments)
                if fragment in self._refused}

    def read(self, fragments: Sequence[str]) -> list[list[Block]]:
        """Give each Markdown fragment as sanitized pandoc blocks.

        Raises `UnreadableMarkdown` for a fragment that hits a limit; validation
        (`refused`) reports those first, so a build never meets one.
        """
        refused = self.refused(fragments)
        if refused:
            fragment, reason = next(iter(refused.items()))
            raise UnreadableMarkdown(fragment, reason)
        return [self._blocks[fragment] for fragment in fragments]

    # --- writing ----------------------------------------------------------------------

    def write(self, documents: Sequence[list[Block]], to: str, *options: str) -> list[str]:
        """Write each document (a list of blocks) in format `to`."""
        return self.write_encoded([encode_document(blocks) for blocks in documents], to, *options)

    def write_encoded(self, documents: Sequence[str], to: str, *options: str) -> list[str]:
        """Write each document, given as pandoc JSON (`pandoc.encode_document`), in format `to`."""
        keys = [key("write", to, *options, document) for document in documents]
        done = self._load(dict.fromkeys(keys))
        missing = {k: document for k, document in zip(keys, documents, strict=True) if k not in done}
        if missing:
            written = write_all(list(missing.values()), to, options, self.jobs, self.run)
            self._keep(dict(zip(missing, written, strict=True)))
            done.update(zip(missing, written, strict=True))
        self._texts.update(done)
        return [done[k] for k in keys]

    def markdown_to(self, fragments: Sequence[str], to: str, *options: str,
                    adapt: Callable[[list[Block]], list[Block]] | None = None) -> list[str]:
        """Convert Markdown fragments to format `to` (two pandoc runs, whatever their
        number), after `adapt` (a function of `pipeline.sanitize`) has changed what that
        format cannot show.

        Each result is also remembered under its Markdown text, so that a later build
        finds it with one lookup instead of decoding the parsed field and encoding it again.
        """
        adapted = adapt.__name__ if adapt else ""
        keys = {fragment: key("convert", to, *options, adapted, fragment) for fragment in fragments}

        def convert(missing: list[str]) -> dict[str, str]:
            documents = self.read(missing)
            if adapt is not None:
                documents = [adapt(blocks) for blocks in documents]
            return dict(zip(missing, self.write(documents, to, *options), strict=True))

        done = self.memo(keys, convert)
        return [done[fragment] for fragment in fragments]

    def memo(self, keys: Mapping[str, str], make: Callable[[list[str]], Mapping[str, str]]) -> dict[str, str]:
        """Give a text per name of `keys` (name -> `key(...)` of all it is made from): the
        remembered ones, and for the others what `make(their names)` gives, remembered.

        For texts that cost a conversion and more to make: a feed entry's body, talks.json's
        lines of a recap, a field converted to one format (`markdown_to`). Measured on 100
        synthetic recaps over a full store, the feeds render in 0.10 s and the JSON indexes
        in 0.07 s with it, 0.43 s and 0.24 s without (each made again from the stored
        readings and writings); one recap's JSON in 2.5 ms with it, 3.6 ms without.
        """
        remembered = self._load(keys.values())
        texts = {name: remembered[k] for name, k in keys.items() if k in remembered}
        missing = [name for name in keys if name not in texts]
        if missing:
            made = make(missing)
            texts.update((name, made[name]) for name in missing)
            self._keep({keys[name]: made[name] for name in missing})
        return texts
