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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pipeline.errors import PipelineError

Block = dict[str, Any]
Inline = dict[str, Any]
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
SAFE_LINK = re.compile(r"^(https?://|mailto:|#|/(?!/)|[A-Za-z0-9._~-]+(/|$|#|\?))", re.IGNORECASE)
SAFE_IMAGE = re.compile(r"^https?://", re.IGNORECASE)
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


def _document(blocks: Iterable[Block]) -> str:
    return json.dumps({"pandoc-api-version": list(api_version()), "meta": {}, "blocks": list(blocks)})


def _write_batch(to: str, options: tuple[str, ...]) -> Callable[[list[list[Block]]], list[str]]:
    def write(documents: list[list[Block]]) -> list[str]:
        batch: list[Block] = []
        for index, blocks in enumerate(documents):
            batch.extend([separator(index), *blocks] if index else blocks)
        parts = _split_text(run_pandoc(_document(batch), "-f", "json", "-t", to, *options), len(documents))
        if parts is None:
            parts = [run_pandoc(_document(doc), "-f", "json", "-t", to, *options) for doc in documents]
        return parts
    return write


def _numbers_across_documents(document_json: str) -> bool:
    """Say whether a writer would number things across a batch: footnotes are collected at
    the end and numbered, highlighted code blocks get numbered line anchors."""
    return '"t": "Note"' in document_json or '"t": "CodeBlock", "c": [["", ["' in document_json


def write_documents(documents: Sequence[list[Block]], to: str, *options: str) -> list[str]:
    """Write each document (a list of blocks) in format `to` (batched, cached)."""
    keys = [(_document(doc), to, options) for doc in documents]
    missing = {key: doc for key, doc in zip(keys, documents, strict=True) if key not in _write_cache}
    stored_keys = {_key("write", to, *options, key[0]): key for key in missing}
    stored = _from_store(stored_keys)
    _write_cache.update(stored)
    missing = {key: doc for key, doc in missing.items() if key not in stored}
    alone = [key for key in missing if _numbers_across_documents(key[0])]
    batched = [key for key in missing if key not in alone]
    if batched:
        written = _in_parallel(_write_batch(to, options), [missing[key] for key in batched])
        _write_cache.update(zip(batched, written, strict=True))
    for key in alone:
        _write_cache[key] = run_pandoc(key[0], "-f", "json", "-t", to, *options)
    if store is not None:
        store.save({k: _write_cache[key] for k, key in stored_keys.items() if key in missing})
    return [_write_cache[key] for key in keys]


def markdown_to(fragments: Sequence[str], to: str, *options: str) -> list[str]:
    """Convert Markdown fragments to format `to` (two pandoc runs, whatever their number)."""
    return write_documents(read_markdown(fragments), to, *options)


# --- sanitizing -------------------------------------------------------------------------

_NO_ATTR: list[Any] = ["", [], []]


def _clean_attr(attr: list[Any], keep_classes: bool = False) -> list[Any]:
    """Drop identifiers and key-value attributes; keep classes only where asked (code)."""
    classes = [c for c in attr[1] if re.fullmatch(r"[A-Za-z0-9_+-]+", c)] if keep_classes else []
    return ["", classes, []]


def plain_text(blocks: Iterable[Block]) -> str:
    """Give the words of pandoc blocks as plain text, blocks separated by blank lines."""
    return "\n\n".join(_text_of(_inlines_in(block)) for block in blocks).strip()


def _inlines_in(node: Any) -> Iterator[Inline]:
    """Yield the outermost inlines inside a block, in document order."""
    if isinstance(node, dict):
        if node.get("t") in _INLINE_TYPES:
            yield node
        else:
            yield from _inlines_in(node.get("c"))
    elif isinstance(node, list):
        for item in node:
            yield from _inlines_in(item)


_INLINE_TYPES = frozenset({"Str", "Space", "SoftBreak", "LineBreak", "Emph", "Strong", "Code", "Link",
                           "Image", "Quoted", "Strikeout", "Superscript", "Subscript", "SmallCaps",
                           "Underline", "Span", "Math", "Note", "Cite", "RawInline"})
_QUOTES = {"DoubleQuote": ("\u201c", "\u201d"), "SingleQuote": ("\u2018", "\u2019")}


def _text_of(inlines: Iterable[Inline]) -> str:
    parts = []
    for node in inlines:
        kind = node["t"]
        if kind == "Str":
            parts.append(node["c"])
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Code", "Math", "RawInline"):
            parts.append(node["c"][1])
        elif kind == "Quoted":
            opening, closing = _QUOTES[node["c"][0]["t"]]
            parts.append(opening + _text_of(node["c"][1]) + closing)
        elif kind in ("Link", "Image", "Span", "Cite"):
            parts.append(_text_of(node["c"][1]))
        elif kind != "Note":  # Emph, Strong and the other wrappers of inlines
            parts.append(_text_of(node["c"]))
    return "".join(parts)


def _sanitize_inline(node: Inline) -> Iterator[Inline]:
    kind = node["t"]
    if kind == "RawInline":  # unreachable with READER, kept for defence in depth
        yield {"t": "Str", "c": node["c"][1]}
    elif kind in ("Link", "Image"):
        _attr, content, (url, title) = node["c"]
        content = list(sanitize_inlines(content))
        allowed = SAFE_IMAGE if kind == "Image" else SAFE_LINK
        if allowed.match(url.strip()):
            yield {"t": kind, "c": [_NO_ATTR, content, [url.strip(), title]]}
        elif kind == "Link":
            yield from content
        else:
            yield {"t": "Str", "c": _text_of(content) or "[image]"}
    elif kind == "Code":
        yield {"t": "Code", "c": [_NO_ATTR, node["c"][1]]}
    elif kind == "Span":
        yield from sanitize_inlines(node["c"][1])
    elif kind == "Note":
        yield {"t": "Note", "c": list(sanitize_blocks(node["c"]))}
    elif kind in ("Emph", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps", "Underline"):
        yield {"t": kind, "c": list(sanitize_inlines(node["c"]))}
    elif kind == "Quoted":
        yield {"t": kind, "c": [node["c"][0], list(sanitize_inlines(node["c"][1]))]}
    elif kind == "Cite":
        yield from sanitize_inlines(node["c"][1])
    else:  # Str, Space, SoftBreak, LineBreak, Math
        yield node


def sanitize_inlines(inlines: Iterable[Inline]) -> Iterator[Inline]:
    for node in inlines:
        yield from _sanitize_inline(node)


def _sanitize_block(block: Block) -> Iterator[Block]:
    kind = block["t"]
    content: Any = block.get("c")
    if kind == "RawBlock":  # unreachable with READER, kept for defence in depth
        yield {"t": "CodeBlock", "c": [_NO_ATTR, content[1]]}
    elif kind == "CodeBlock":
        yield {"t": "CodeBlock", "c": [_clean_attr(content[0], keep_classes=True), content[1]]}
    elif kind in ("Plain", "Para"):
        yield {"t": kind, "c": list(sanitize_inlines(content))}
    elif kind == "Header":
        yield {"t": "Header", "c": [content[0], _NO_ATTR, list(sanitize_inlines(content[2]))]}
    elif kind == "BlockQuote":
        yield {"t": kind, "c": list(sanitize_blocks(content))}
    elif kind == "BulletList":
        yield {"t": kind, "c": [list(sanitize_blocks(item)) for item in content]}
    elif kind == "OrderedList":
        yield {"t": kind, "c": [content[0], [list(sanitize_blocks(item)) for item in content[1]]]}
    elif kind == "Div":
        yield from sanitize_blocks(content[1])
    elif kind == "LineBlock":
        yield {"t": kind, "c": [list(sanitize_inlines(line)) for line in content]}
    elif kind == "DefinitionList":
        yield {"t": kind, "c": [
            [list(sanitize_inlines(term)), [list(sanitize_blocks(d)) for d in definitions]]
            for term, definitions in content
        ]}
    elif kind == "Figure":
        yield from sanitize_blocks(content[2])
    elif kind == "Table":
        yield from _table_as_blocks(block)
    else:  # HorizontalRule
        yield block


def _table_as_blocks(table: Block) -> Iterator[Block]:
    """Keep a table's structure but clean every cell (tables carry attributes at 4 levels)."""
    _attr, caption, specs, head, bodies, foot = table["c"]

    def cells(rows: list[Any]) -> list[Any]:
        return [[_NO_ATTR, [[_NO_ATTR, c[1], c[2], c[3], list(sanitize_blocks(c[4]))] for c in row[1]]]
                for row in rows]

    yield {"t": "Table", "c": [
        _NO_ATTR,
        [caption[0], list(sanitize_blocks(caption[1]))],
        specs,
        [_NO_ATTR, cells(head[1])],
        [[_NO_ATTR, body[1], cells(body[2]), cells(body[3])] for body in bodies],
        [_NO_ATTR, cells(foot[1])],
    ]}


def sanitize_blocks(blocks: Iterable[Block]) -> Iterator[Block]:
    """Give `blocks` with raw content as text, attributes dropped and unsafe URLs removed."""
    for block in blocks:
        yield from _sanitize_block(block)
