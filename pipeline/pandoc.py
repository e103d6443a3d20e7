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
from pipeline.sanitize import MAX_NESTING, Block, nesting_depth, sanitize_blocks
from pipeline.sanitize import __file__ as sanitize_file

_T = TypeVar("_T")
_R = TypeVar("_R")

jobs = os.cpu_count() or 1
"""How many pandoc processes one conversion may run at once."""
MIN_CHUNK = 8
"""Documents per process below which starting another process costs more than it saves."""

READER = ("markdown-raw_html-raw_tex-raw_attribute-yaml_metadata_block-pandoc_title_block"
          "-citations-tex_math_dollars-latex_macros-example_lists")
"""Pandoc Markdown without raw passthrough, without metadata blocks that would swallow
text (a `---` block or a leading `% title` line in a field), and without extensions no
recap needs that cost time or break a format: `citations` makes pandoc's time grow
fourfold per two more `[` (30 `[` never finish); TeX math (`$\\frac{}{}$`) has no typst
translation for every input. Such text stays literal."""
RTS_OPTIONS = ("+RTS", "-A8m", "-RTS")
"""A larger allocation area spares the short-lived process most garbage collections."""

SECONDS_PER_RUN = 10.0
"""Wall-time limit of a pandoc run over one document (a recap's field takes ~20 ms)."""
SECONDS_PER_MEGABYTE = 20.0
"""Extra wall time a batch gets per MB of input (1,000 seed recaps are ~6 MB, ~9 s)."""
MAX_SECONDS = 300.0
"""No pandoc run, however big its batch, runs longer than this."""
HEAP_MEGABYTES = 1024
"""Heap limit (`+RTS -M`) of a pandoc run over one document."""
HEAP_MEGABYTES_PER_INPUT_MEGABYTE = 256
"""Extra heap a batch gets per MB of input."""
MAX_HEAP_MEGABYTES = 4096
"""No pandoc run, however big its batch, gets more heap than this."""
_SEPARATOR = f"RECAPSEPARATOR{uuid.uuid4().hex}N"
_SEPARATOR_LINE = re.compile(rf"^(?:<p>)?{_SEPARATOR}(\d+)(?:</p>)?$", re.MULTILINE)


class PandocError(PipelineError):
    """Raised when pandoc fails or cannot be started; the message carries its stderr."""


class PandocLimitError(PandocError):
    """Raised when a pandoc run hits its time or heap limit (see `run_limits`)."""


class UnreadableMarkdown(PandocError):
    """Raised by `read_markdown` for a fragment that pandoc cannot read within the limits,
    alone; `fragment` and `reason` let validation locate and explain it."""

    def __init__(self, fragment: str, reason: str) -> None:
        super().__init__(f"cannot read Markdown: {reason}")
        self.fragment = fragment
        self.reason = reason


def run_limits(input_bytes: int) -> tuple[float, int]:
    """Give the (seconds, heap MB) a pandoc run over `input_bytes` of input may take:
    the single-document limits, scaled by the input's size, capped."""
    megabytes = input_bytes / 1_000_000
    seconds = min(SECONDS_PER_RUN + SECONDS_PER_MEGABYTE * megabytes, MAX_SECONDS)
    heap = min(HEAP_MEGABYTES + int(HEAP_MEGABYTES_PER_INPUT_MEGABYTE * megabytes), MAX_HEAP_MEGABYTES)
    return seconds, heap


@cache
def pandoc_path() -> str:
    """Give the pandoc binary that pypandoc-binary ships (no system pandoc is used)."""
    try:
        import pypandoc
    except ImportError as error:  # pragma: no cover - a broken install
        msg = "pandoc is missing: install the project (pip install -e .) to get pypandoc-binary"
        raise PandocError(msg) from error
    return str(pypandoc.get_pandoc_path())


_HEAP_EXHAUSTED = 251
"""Pandoc's (GHC's) exit status when the heap limit is reached."""


def run_pandoc(source: str, *args: str) -> str:
    """Run pandoc once in its sandbox (it reads no file but its input), within the time
    and heap limits for its input's size, and give stdout."""
    data = source.encode("utf-8")
    seconds, heap = run_limits(len(data))
    command = [pandoc_path(), *RTS_OPTIONS[:-1], f"-M{heap}m", "-RTS", "--sandbox", *args]
    try:
        result = subprocess.run(command, input=data, capture_output=True, check=False, timeout=seconds)
    except subprocess.TimeoutExpired:
        msg = f"pandoc took longer than {seconds:.1f} s, its limit"
        raise PandocLimitError(msg) from None
    except OSError as error:
        msg = f"cannot run pandoc: {error}"
        raise PandocError(msg) from error
    if result.returncode == _HEAP_EXHAUSTED or b"Heap exhausted" in result.stderr:
        msg = f"pandoc needed more than {heap} MB of memory, its limit"
        raise PandocLimitError(msg)
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
    _refused.clear()


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


def _parse(fragment: str) -> list[Block]:
    return _blocks_of(run_pandoc(fragment, "-f", READER, "-t", "json"))


def _blocks_of(written: str) -> list[Block]:
    """Give the blocks of pandoc's JSON; a document nested beyond Python's recursion limit
    (1,000 `>` in a row) is a limit reached, not a crash."""
    try:
        blocks: list[Block] = json.loads(written)["blocks"]
    except RecursionError:
        msg = "the Markdown is nested too deeply to read"
        raise PandocLimitError(msg) from None
    return blocks


def _read_one(fragment: str) -> list[Block] | str:
    """Give a fragment's blocks, or why it cannot be read within the limits."""
    try:
        return _parse(fragment)
    except PandocLimitError as error:
        return str(error)


def _read_batch(fragments: list[str]) -> list[list[Block] | str]:
    """Read fragments in one run; when the batch hits a limit or its separators do not
    survive, read them one by one, which also finds the fragment that hit the limit."""
    joined = "\n\n".join(
        fragment if index == 0 else f"{_SEPARATOR}{index}\n\n{fragment}"
        for index, fragment in enumerate(fragments)
    )
    try:
        parts = _split_blocks(_parse(joined), len(fragments))
    except PandocLimitError:
        parts = None
    if parts is not None:
        return list(parts)
    return [_read_one(fragment) for fragment in fragments]


_NEEDS_OWN_DOCUMENT = re.compile(r"\[\^|^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)
"""Footnotes and link reference definitions resolve across a whole document, so a
fragment with either is read on its own: it must neither lend nor borrow definitions."""


def _read_alone(fragments: list[str]) -> list[list[Block] | str]:
    return [_read_one(fragment) for fragment in fragments]


_refused: dict[str, str] = {}
"""Fragment -> why pandoc could not read it within the limits (or it nests too deeply)."""


def _accept(fragment: str, read: list[Block] | str) -> list[Block] | None:
    """Give sanitized blocks, or None after recording why the fragment is refused."""
    if isinstance(read, str):
        _refused[fragment] = read
        return None
    depth = nesting_depth(read)
    if depth > MAX_NESTING:
        _refused[fragment] = f"nests {depth} levels deep (quotes, lists, emphasis...); at most {MAX_NESTING}"
        return None
    return list(sanitize_blocks(read))


def read_markdown(fragments: Sequence[str]) -> list[list[Block]]:
    """Give each Markdown fragment as sanitized pandoc blocks (batched, cached).

    Raises `UnreadableMarkdown` for a fragment that hits a limit; validation
    (`refused_markdown`) reports those first, so a build never meets one.
    """
    refused = refused_markdown(fragments)
    if refused:
        fragment, reason = next(iter(refused.items()))
        raise UnreadableMarkdown(fragment, reason)
    return [_read_cache[fragment] for fragment in fragments]


def refused_markdown(fragments: Sequence[str]) -> dict[str, str]:
    """Read every fragment into the cache; give those that cannot be read, and why."""
    missing = list(dict.fromkeys(f for f in fragments if f not in _read_cache and f not in _refused))
    stored = _from_store({_key("read", READER, f): f for f in missing})
    for fragment, text in stored.items():
        _read_cache[fragment] = json.loads(text)
    missing = [f for f in missing if f not in stored]
    alone = [f for f in missing if _NEEDS_OWN_DOCUMENT.search(f)]
    batched = [f for f in missing if not _NEEDS_OWN_DOCUMENT.search(f)]
    new: dict[str, str] = {}
    for group, convert in ((batched, _read_batch), (alone, _read_alone)):
        if group:
            for fragment, read in zip(group, _in_parallel(convert, group), strict=True):
                blocks = _accept(fragment, read)
                if blocks is not None:
                    _read_cache[fragment] = blocks
                    new[_key("read", READER, fragment)] = json.dumps(blocks)
    if store is not None:
        store.save(new)
    return {fragment: _refused[fragment] for fragment in dict.fromkeys(fragments) if fragment in _refused}


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


def markdown_to(fragments: Sequence[str], to: str, *options: str,
                adapt: Callable[[list[Block]], list[Block]] | None = None) -> list[str]:
    """Convert Markdown fragments to format `to` (two pandoc runs, whatever their number),
    after `adapt` (a function of `pipeline.sanitize`) has changed what that format
    cannot show.

    Each result is also stored under its Markdown text, so that a later build finds it
    with one lookup instead of decoding the parsed field and encoding it again.
    """
    adapted = adapt.__name__ if adapt else ""
    keys = {fragment: _key("convert", to, *options, adapted, fragment)
            for fragment in dict.fromkeys(fragments)}

    def convert(missing: list[str]) -> dict[str, str]:
        documents = read_markdown(missing)
        if adapt is not None:
            documents = [adapt(blocks) for blocks in documents]
        return dict(zip(missing, write_documents(documents, to, *options), strict=True))

    done = recall_or_make(keys, convert)
    return [done[fragment] for fragment in fragments]
