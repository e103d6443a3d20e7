"""Pandoc, batched and sanitized: Markdown fragments in, pandoc AST or any format out.

A pandoc process costs ~40 ms to start and ~20 ms to convert a seed-sized recap, so
every call here converts many documents at once: they are joined with numbered separator
paragraphs carrying a random token, converted in one process, and split again. If the
separators do not all come back in order (an unclosed code fence in one fragment can
swallow the rest), the batch is converted again one document per process.

Recap text comes from many contributors, so reading is strict: raw HTML, raw TeX and raw
`{=format}` blocks are off (they become literal text), and the AST is then sanitized:
attributes (`typst:` ones included) are dropped, links keep only web and mail URLs, and
images only web URLs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Protocol, TypeVar

from pipeline.errors import PipelineError
from pipeline.sanitize import Block, sanitize_blocks
from pipeline.sanitize import __file__ as sanitize_file

_T = TypeVar("_T")
_R = TypeVar("_R")

jobs = os.cpu_count() or 1
"""How many pandoc processes one conversion may run at once."""
MIN_CHUNK = 8
"""Documents per process below which starting another process costs more than it saves."""

READER = "markdown-raw_html-raw_tex-raw_attribute-yaml_metadata_block-pandoc_title_block"
"""Pandoc Markdown without raw passthrough, and without metadata blocks that would
swallow text (a `---` block or a leading `% title` line in a field)."""
RTS_OPTIONS = ("+RTS", "-A8m", "-RTS")
"""A larger allocation area spares the short-lived process most garbage collections."""
_SEPARATOR = f"RECAPSEPARATOR{uuid.uuid4().hex}N"
_SEPARATOR_LINE = re.compile(rf"^(?:<p>)?{_SEPARATOR}(\d+)(?:</p>)?$", re.MULTILINE)


class PandocError(PipelineError):
    """Raised when pandoc fails or cannot be started; the message carries its stderr."""


@cache
def pandoc_path() -> str:
    """Give the pandoc binary that pypandoc-binary ships (no system pandoc is used)."""
    try:
        import pypandoc
    except ImportError as error:  # pragma: no cover - a broken install
        msg = "pandoc is missing: install the project (pip install -e .) to get pypandoc-binary"
        raise PandocError(msg) from error
    return str(pypandoc.get_pandoc_path())


def run_pandoc(source: str, *args: str) -> str:
    """Run pandoc once in its sandbox (it reads no file but its input) and give stdout."""
    command = [pandoc_path(), *RTS_OPTIONS, "--sandbox", *args]
    try:
        result = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, check=False)
    except OSError as error:
        msg = f"cannot run pandoc: {error}"
        raise PandocError(msg) from error
    if result.returncode != 0:
        msg = f"pandoc failed ({' '.join(args)}): {result.stderr.decode('utf-8', 'replace').strip()}"
        raise PandocError(msg)
    return result.stdout.decode("utf-8")


@cache
def api_version() -> tuple[int, ...]:
    """Give the AST version of the bundled pandoc, needed to hand it JSON documents."""
    return tuple(json.loads(run_pandoc("", "-f", "markdown", "-t", "json"))["pandoc-api-version"])


def separator(index: int) -> Block:
    return {"t": "Para", "c": [{"t": "Str", "c": f"{_SEPARATOR}{index}"}]}


def _split_blocks(blocks: list[Block], count: int) -> list[list[Block]] | None:
    """Split a batch's blocks at the separators; None when they did not survive."""
    parts: list[list[Block]] = [[]]
    for block in blocks:
        if block == separator(len(parts)):
            parts.append([])
        else:
            parts[-1].append(block)
    return parts if len(parts) == count else None


def _split_text(text: str, count: int) -> list[str] | None:
    """Split written output at the separator lines; None when they did not all survive."""
    pieces = _SEPARATOR_LINE.split(text)
    numbers = [int(n) for n in pieces[1::2]]
    if numbers != list(range(1, count)):
        return None
    return [piece.strip("\n") + "\n" if piece.strip() else "" for piece in pieces[0::2]]


_read_cache: dict[str, list[Block]] = {}
_write_cache: dict[tuple[str, str, tuple[str, ...]], str] = {}


class Store(Protocol):
    """Where conversions outlive the process (see `pipeline.cache`)."""

    def load(self, keys: Iterable[str]) -> dict[str, str]: ...
    def save(self, entries: Mapping[str, str]) -> None: ...


def forget() -> None:
    """Drop the in-memory conversions (a stored copy, if any, stays): bounds the memory of a
    long-lived process that converts many recaps."""
    _read_cache.clear()
    _write_cache.clear()


store: Store | None = None
"""Set by the build to keep conversions between builds; None keeps them in memory only."""


@cache
def _namespace() -> str:
    """Tie stored conversions to this pandoc and this sanitizer: a change to either
    makes every stored conversion a miss."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(Path(sanitize_file).read_bytes())
    digest.update(str(Path(pandoc_path()).stat().st_size).encode())
    return digest.hexdigest()[:16]


def _key(*parts: str) -> str:
    digest = hashlib.sha256(_namespace().encode())
    for part in parts:
        digest.update(b"\0" + part.encode("utf-8"))
    return digest.hexdigest()


def _from_store(keys: dict[str, _T]) -> dict[_T, str]:
    """Give the stored values for `keys` (stored key -> caller's key)."""
    if store is None or not keys:
        return {}
    return {keys[k]: value for k, value in store.load(keys).items()}


def _chunks(items: list[_T]) -> list[list[_T]]:
    """Split work for up to `jobs` parallel pandoc processes, none with too little to do."""
    count = max(1, min(jobs, len(items) // MIN_CHUNK))
    size = -(-len(items) // count)
    return [items[start:start + size] for start in range(0, len(items), size)]


def _in_parallel(convert: Callable[[list[_T]], list[_R]], items: list[_T]) -> list[_R]:
    """Run `convert` over chunks of `items` at once (pandoc runs outside the GIL)."""
    chunks = _chunks(items)
    if len(chunks) == 1:
        return convert(chunks[0])
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        return [result for part in pool.map(convert, chunks) for result in part]


def _read_batch(fragments: list[str]) -> list[list[Block]]:
    joined = "\n\n".join(
        fragment if index == 0 else f"{_SEPARATOR}{index}\n\n{fragment}"
        for index, fragment in enumerate(fragments)
    )
    blocks = json.loads(run_pandoc(joined, "-f", READER, "-t", "json"))["blocks"]
    parts = _split_blocks(blocks, len(fragments))
    if parts is not None:
        return parts
    return [json.loads(run_pandoc(fragment, "-f", READER, "-t", "json"))["blocks"] for fragment in fragments]


_NEEDS_OWN_DOCUMENT = re.compile(r"\[\^|^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)
"""Footnotes and link reference definitions resolve across a whole document, so a
fragment with either is read on its own: it must neither lend nor borrow definitions."""


def _read_alone(fragments: list[str]) -> list[list[Block]]:
    return [json.loads(run_pandoc(fragment, "-f", READER, "-t", "json"))["blocks"] for fragment in fragments]


def read_markdown(fragments: Sequence[str]) -> list[list[Block]]:
    """Give each Markdown fragment as sanitized pandoc blocks (batched, cached)."""
    missing = list(dict.fromkeys(f for f in fragments if f not in _read_cache))
    stored = _from_store({_key("read", READER, f): f for f in missing})
    for fragment, text in stored.items():
        _read_cache[fragment] = json.loads(text)
    missing = [f for f in missing if f not in stored]
    alone = [f for f in missing if _NEEDS_OWN_DOCUMENT.search(f)]
    batched = [f for f in missing if not _NEEDS_OWN_DOCUMENT.search(f)]
    new: dict[str, str] = {}
    for group, convert in ((batched, _read_batch), (alone, _read_alone)):
        if group:
            for fragment, blocks in zip(group, _in_parallel(convert, group), strict=True):
                _read_cache[fragment] = list(sanitize_blocks(blocks))
                new[_key("read", READER, fragment)] = json.dumps(_read_cache[fragment])
    if store is not None:
        store.save(new)
    return [_read_cache[fragment] for fragment in fragments]


@cache
def _document_head() -> str:
    return f'{{"pandoc-api-version": {json.dumps(list(api_version()))}, "meta": {{}}, "blocks": '


def encode_document(blocks: Iterable[Block]) -> str:
    """Give a pandoc JSON document holding `blocks` (the text `json.dumps` gives for it)."""
    return f"{_document_head()}{json.dumps(list(blocks))}}}"


def _write_batch(to: str, options: tuple[str, ...]) -> Callable[[list[str]], list[str]]:
    def write(documents: list[str]) -> list[str]:
        # The batch is spliced from the documents' JSON texts: encoding the blocks a second
        # time cost as much as the first.
        start = len(_document_head()) + 1
        pieces = []
        for index, document in enumerate(documents):
            if index:
                pieces.append(json.dumps(separator(index)))
            if document[start:-2]:
                pieces.append(document[start:-2])
        batch = f"{_document_head()}[{', '.join(pieces)}]}}"
        parts = _split_text(run_pandoc(batch, "-f", "json", "-t", to, *options), len(documents))
        if parts is None:
            parts = [run_pandoc(document, "-f", "json", "-t", to, *options) for document in documents]
        return parts
    return write


def _numbers_across_documents(document_json: str) -> bool:
    """Say whether a writer would number things across a batch: footnotes are collected at
    the end and numbered, highlighted code blocks get numbered line anchors."""
    return '"t": "Note"' in document_json or '"t": "CodeBlock", "c": [["", ["' in document_json


def write_documents(documents: Sequence[list[Block]], to: str, *options: str) -> list[str]:
    """Write each document (a list of blocks) in format `to` (batched, cached)."""
    return write_encoded([encode_document(doc) for doc in documents], to, *options)


def write_encoded(documents: Sequence[str], to: str, *options: str) -> list[str]:
    """Write each document, given as pandoc JSON (`encode_document`), in format `to`."""
    keys = [(document, to, options) for document in documents]
    missing = {key for key in keys if key not in _write_cache}
    stored_keys = {_key("write", to, *options, key[0]): key for key in missing}
    stored = _from_store(stored_keys)
    _write_cache.update(stored)
    missing = {key for key in missing if key not in stored}
    alone = [key for key in dict.fromkeys(keys) if key in missing and _numbers_across_documents(key[0])]
    batched = [key for key in dict.fromkeys(keys) if key in missing and key not in alone]
    if batched:
        written = _in_parallel(_write_batch(to, options), [key[0] for key in batched])
        _write_cache.update(zip(batched, written, strict=True))
    for key in alone:
        _write_cache[key] = run_pandoc(key[0], "-f", "json", "-t", to, *options)
    if store is not None:
        store.save({k: _write_cache[key] for k, key in stored_keys.items() if key in missing})
    return [_write_cache[key] for key in keys]


def recall_or_make(keys: Mapping[str, str], make: Callable[[list[str]], Mapping[str, str]]) -> dict[str, str]:
    """Give a text per name of `keys` (name -> store key): the stored ones, and for the
    others what `make(their names)` gives, which is stored for next time.

    For texts that cost a conversion and more to make (a feed entry's body, say), under
    keys their makers derive from every input (see `stored_key`).
    """
    stored = store.load(keys.values()) if store is not None else {}
    texts = {name: stored[key] for name, key in keys.items() if key in stored}
    missing = [name for name in keys if name not in texts]
    if missing:
        made = make(missing)
        texts.update((name, made[name]) for name in missing)
        if store is not None:
            store.save({keys[name]: made[name] for name in missing})
    return texts


def stored_key(*parts: str) -> str:
    """Give a store key for `parts`, tied to this pandoc and this sanitizer."""
    return _key(*parts)


def markdown_to(fragments: Sequence[str], to: str, *options: str) -> list[str]:
    """Convert Markdown fragments to format `to` (two pandoc runs, whatever their number).

    Each result is also stored under its Markdown text, so that a later build finds it
    with one lookup instead of decoding the parsed field and encoding it again.
    """
    keys = {fragment: _key("convert", to, *options, fragment) for fragment in dict.fromkeys(fragments)}

    def convert(missing: list[str]) -> dict[str, str]:
        return dict(zip(missing, write_documents(read_markdown(missing), to, *options), strict=True))

    done = recall_or_make(keys, convert)
    return [done[fragment] for fragment in fragments]
