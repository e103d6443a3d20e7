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

Nothing here remembers a conversion: `pipeline.convert.Converter` does.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

from pipeline.errors import PipelineError
from pipeline.sanitize import MAX_NESTING, Block, nesting_depth, sanitize_blocks

_T = TypeVar("_T")
_R = TypeVar("_R")

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
    """Raised by `Converter.read` for a fragment that pandoc cannot read within the limits,
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


Run = Callable[..., str]
"""How a conversion runs pandoc: `run_pandoc`, or a test's wrapper around it."""


def _chunks(items: list[_T], jobs: int) -> list[list[_T]]:
    """Split work for up to `jobs` parallel pandoc processes, none with too little to do."""
    count = max(1, min(jobs, len(items) // MIN_CHUNK))
    size = -(-len(items) // count)
    return [items[start:start + size] for start in range(0, len(items), size)]


def in_parallel(convert: Callable[[list[_T]], list[_R]], items: list[_T], jobs: int) -> list[_R]:
    """Run `convert` over chunks of `items` at once (pandoc runs outside the GIL)."""
    chunks = _chunks(items, jobs)
    if len(chunks) == 1:
        return convert(chunks[0])
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        return [result for part in pool.map(convert, chunks) for result in part]


def _blocks_of(written: str) -> list[Block]:
    """Give the blocks of pandoc's JSON; a document nested beyond Python's recursion limit
    (1,000 `>` in a row) is a limit reached, not a crash."""
    try:
        blocks: list[Block] = json.loads(written)["blocks"]
    except RecursionError:
        msg = "the Markdown is nested too deeply to read"
        raise PandocLimitError(msg) from None
    return blocks


def _read_one(run: Run, fragment: str) -> list[Block] | str:
    """Give a fragment's blocks, or why it cannot be read within the limits."""
    try:
        return _blocks_of(run(fragment, "-f", READER, "-t", "json"))
    except PandocLimitError as error:
        return str(error)


def _read_batch(run: Run) -> Callable[[list[str]], list[list[Block] | str]]:
    """Read fragments in one run; when the batch hits a limit or its separators do not
    survive, read them one by one, which also finds the fragment that hit the limit."""
    def read(fragments: list[str]) -> list[list[Block] | str]:
        joined = "\n\n".join(
            fragment if index == 0 else f"{_SEPARATOR}{index}\n\n{fragment}"
            for index, fragment in enumerate(fragments)
        )
        try:
            parts = _split_blocks(_blocks_of(run(joined, "-f", READER, "-t", "json")), len(fragments))
        except PandocLimitError:
            parts = None
        if parts is not None:
            return list(parts)
        return [_read_one(run, fragment) for fragment in fragments]
    return read


_NEEDS_OWN_DOCUMENT = re.compile(r"\[\^|^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)
"""Footnotes and link reference definitions resolve across a whole document, so a
fragment with either is read on its own: it must neither lend nor borrow definitions."""


def _accepted(read: list[Block] | str) -> list[Block] | str:
    """Give sanitized blocks, or why the fragment is refused."""
    if isinstance(read, str):
        return read
    depth = nesting_depth(read)
    if depth > MAX_NESTING:
        return f"nests {depth} levels deep (quotes, lists, emphasis...); at most {MAX_NESTING}"
    return list(sanitize_blocks(read))


def read_all(fragments: Sequence[str], jobs: int, run: Run = run_pandoc) -> list[list[Block] | str]:
    """Give each Markdown fragment as sanitized pandoc blocks, or why it cannot be read
    within the limits: in as few runs as the fragments allow, up to `jobs` at once."""
    alone = [f for f in fragments if _NEEDS_OWN_DOCUMENT.search(f)]
    batched = [f for f in fragments if not _NEEDS_OWN_DOCUMENT.search(f)]
    read: dict[str, list[Block] | str] = {}
    if batched:
        read.update(zip(batched, in_parallel(_read_batch(run), batched, jobs), strict=True))
    if alone:
        one_by_one = in_parallel(lambda group: [_read_one(run, f) for f in group], alone, jobs)
        read.update(zip(alone, one_by_one, strict=True))
    return [_accepted(read[fragment]) for fragment in fragments]


@cache
def _document_head() -> str:
    return f'{{"pandoc-api-version": {json.dumps(list(api_version()))}, "meta": {{}}, "blocks": '


def encode_document(blocks: Iterable[Block]) -> str:
    """Give a pandoc JSON document holding `blocks` (the text `json.dumps` gives for it)."""
    return f"{_document_head()}{json.dumps(list(blocks))}}}"


def _write_batch(run: Run, to: str, options: tuple[str, ...]) -> Callable[[list[str]], list[str]]:
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
        parts = _split_text(run(batch, "-f", "json", "-t", to, *options), len(documents))
        if parts is None:
            parts = [run(document, "-f", "json", "-t", to, *options) for document in documents]
        return parts
    return write


def numbers_across_documents(document_json: str) -> bool:
    """Say whether a writer would number things across a batch: footnotes are collected at
    the end and numbered, highlighted code blocks get numbered line anchors."""
    return '"t": "Note"' in document_json or '"t": "CodeBlock", "c": [["", ["' in document_json


def write_all(documents: Sequence[str], to: str, options: tuple[str, ...], jobs: int,
              run: Run = run_pandoc) -> list[str]:
    """Write each document, given as pandoc JSON (`encode_document`), in format `to`: in
    as few runs as the documents allow, up to `jobs` at once."""
    alone = [d for d in documents if numbers_across_documents(d)]
    batched = [d for d in documents if not numbers_across_documents(d)]
    written: dict[str, str] = {}
    if batched:
        written.update(zip(batched, in_parallel(_write_batch(run, to, options), batched, jobs), strict=True))
    for document in alone:
        written[document] = run(document, "-f", "json", "-t", to, *options)
    return [written[document] for document in documents]
