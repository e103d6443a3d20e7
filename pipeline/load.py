"""Read YAML sources strictly, keeping the line and column of every node.

The loader builds plain values straight from libyaml's event stream instead of using a
PyYAML constructor, for three reasons:

* scalars follow the YAML 1.2 core schema, which is what editors and check-jsonschema
  assume (`on`, `no`, `12:30` and `2021-06-17` stay strings), so every JSON Schema
  validator run on the same file agrees with ours;
* an explicit stack makes deep nesting fail fast instead of recursing;
* aliases are counted as they are expanded, so an alias bomb fails in microseconds.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from pipeline.images import load_images
from pipeline.model import Image, JsonPath, Position, Problem, SourceDoc
from pipeline.plain_files import MAX_FILE_BYTES, NotAPlainFile, read_plain_file

MAX_DEPTH = 32
"""The schema nests at most 6 levels; anything deeper is a mistake or an attack."""
MAX_LIST_ITEMS = 1_000
"""The schema allows at most 200 talks; stopping a 10,000-talk list here takes milliseconds,
where loading and schema-checking it first took seconds."""
MAX_NODES = 100_000
"""Counted after alias expansion, so `&a [*b, *b, ...]` chains stop here."""
EXPANSION_FACTOR = 4
"""The characters of a document's keys and values, aliases expanded, may be at most this
many times its file's size: without aliases they are at most its size."""
MAX_EXPANDED_CHARACTERS = 4_000_000
"""And never more than this: one 20 KB anchor used in 200 talks (a 56 KB file) once built
398 MB of output at 1.3 GB of memory while counting only 2,000 values."""

_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# YAML 1.2 core schema, except that numbers with leading zeros stay strings (a YAML 1.1
# reader would take `012` as octal 10; refusing to guess keeps both readings visible).
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


def resolve_plain_scalar(text: str) -> Any:
    """Give the value of an unquoted scalar under the YAML 1.2 core schema."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text)
    if _INT_OCT.match(text):
        return int(text[2:], 8)
    if _INT_HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text) and any(ch.isdigit() for ch in text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


_KIND_OF_VALUE = {type(None): "null", bool: "a boolean", int: "a number", float: "a number"}


def _position(mark: Any) -> Position:
    """Give libyaml's 0-based mark as a 1-based position."""
    return Position(mark.line + 1, mark.column + 1)


class _LoadFailure(Exception):
    """Stops reading one file; carries the problem that says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class _Frame:
    """An open mapping or sequence while its events stream in."""

    value: dict[str, Any] | list[Any]
    path: JsonPath
    anchor: str | None
    nodes_at_start: int
    characters_at_start: int = 0
    key: str | None = None
    key_is_pending: bool = True


@dataclass
class _Builder:
    """Turns one document's events into plain values plus a path -> position table."""

    file: str
    max_characters: int = MAX_EXPANDED_CHARACTERS
    positions: dict[JsonPath, Position] = field(default_factory=dict)
    key_positions: dict[JsonPath, Position] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    anchors: dict[str, tuple[Any, int, int]] = field(default_factory=dict)
    stack: list[_Frame] = field(default_factory=list)
    nodes: int = 0
    characters: int = 0
    root: Any = None
    has_root: bool = False

    def fail(self, mark: Any, message: str, hint: str | None = None, path: JsonPath = ()) -> _LoadFailure:
        return _LoadFailure(self.problem(mark, message, hint, path))

    def problem(self, mark: Any, message: str, hint: str | None = None, path: JsonPath = ()) -> Problem:
        where = _position(mark)
        return Problem(self.file, where.line, where.column, path, message, hint)

    def count(self, nodes: int, mark: Any, path: JsonPath, characters: int = 0) -> None:
        self.nodes += nodes
        self.characters += characters
        if self.nodes > MAX_NODES:
            msg = f"the document expands to more than {MAX_NODES:,} values (an alias bomb?)"
            raise self.fail(mark, msg, "remove the anchors and aliases (&name, *name)", path)
        if self.characters > self.max_characters:
            limit = f"{EXPANSION_FACTOR} times the file's size"
            if self.max_characters == MAX_EXPANDED_CHARACTERS:
                limit = f"{MAX_EXPANDED_CHARACTERS:,} characters"
            msg = f"the document's text, aliases expanded, is more than {limit} (an alias bomb?)"
            raise self.fail(mark, msg, "remove the anchors and aliases (&name, *name)", path)

    def check_tag(self, event: Any, path: JsonPath) -> None:
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            shown = "!!" + tag.removeprefix(_YAML_TAG_PREFIX) if tag.startswith(_YAML_TAG_PREFIX) else tag
            raise self.fail(
                event.start_mark,
                f"YAML tags such as {shown} are not allowed",
                "write plain values; quote a value to make it a string",
                path,
            )

    def child_path(self, mark: Any) -> JsonPath | None:
        """Give the path for a value, or None when the event is a mapping key."""
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if isinstance(frame.value, list):
            if len(frame.value) >= MAX_LIST_ITEMS:
                where = self.positions.get(frame.path, _position(mark))
                msg = f"has more than {MAX_LIST_ITEMS:,} entries"
                hint = "no list in a source may be that long: split the recap into a series"
                raise _LoadFailure(Problem(self.file, where.line, where.column, frame.path, msg, hint))
            return (*frame.path, len(frame.value))
        if frame.key_is_pending:
            return None
        assert frame.key is not None
        return (*frame.path, frame.key)

    def attach(self, value: Any) -> None:
        if not self.stack:
            self.root, self.has_root = value, True
            return
        frame = self.stack[-1]
        if isinstance(frame.value, list):
            frame.value.append(value)
        else:
            assert frame.key is not None
            frame.value[frame.key] = value
            frame.key_is_pending = True

    def take_key(self, event: Any) -> None:
        frame = self.stack[-1]
        assert isinstance(frame.value, dict)
        if not isinstance(event, yaml.ScalarEvent):
            raise self.fail(event.start_mark, "mapping keys must be plain strings", None)
        key = event.value
        if event.tag is None and event.implicit[0]:
            resolved = resolve_plain_scalar(key)
            if not isinstance(resolved, str):
                kind = _KIND_OF_VALUE.get(type(resolved), "a value")
                message = f"key {key!r} is read as {kind}, not a string"
                hint = f'quote it: "{key}"'
                self.problems.append(self.problem(event.start_mark, message, hint, frame.path))
        path = (*frame.path, key)
        if key in frame.value:
            first = self.key_positions[path]
            self.problems.append(
                self.problem(
                    event.start_mark,
                    f"duplicate key {key!r}",
                    f"it is already set on line {first.line}; keep one",
                    path,
                )
            )
        else:
            self.key_positions[path] = _position(event.start_mark)
        self.characters += len(key)
        frame.key, frame.key_is_pending = key, False

    def feed(self, event: Any) -> None:
        if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            return
        if isinstance(event, yaml.DocumentStartEvent):
            if self.has_root:
                raise self.fail(event.start_mark, "a file holds one YAML document; found a second")
            return
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.close(event)
            return
        path = self.child_path(event.start_mark)
        if path is None:
            self.check_tag(event, self.stack[-1].path)
            self.take_key(event)
            return
        self.positions[path] = _position(event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                msg = f"alias *{event.anchor} refers to no anchor defined before it"
                raise self.fail(event.start_mark, msg, None, path)
            value, size, characters = self.anchors[event.anchor]
            self.count(size, event.start_mark, path, characters)
            self.attach(value)
            return
        self.check_tag(event, path)
        characters = len(event.value) if isinstance(event, yaml.ScalarEvent) else 0
        self.count(1, event.start_mark, path, characters)
        if isinstance(event, yaml.ScalarEvent):
            value = resolve_plain_scalar(event.value) if event.implicit[0] else event.value
            if event.anchor:
                self.anchors[event.anchor] = (value, 1, characters)
            self.attach(value)
            return
        if len(self.stack) >= MAX_DEPTH:
            msg = f"values are nested more than {MAX_DEPTH} levels deep"
            raise self.fail(event.start_mark, msg, None, path[:2])
        container: dict[str, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
        self.stack.append(_Frame(container, path, event.anchor, self.nodes, self.characters))

    def close(self, event: Any) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.value, self.nodes - frame.nodes_at_start + 1,
                                          self.characters - frame.characters_at_start)
        self.attach(frame.value)


def _line_and_column(raw: bytes, offset: int) -> Position:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return Position(raw.count(b"\n", 0, offset) + 1, offset - line_start + 1)


def _decode(file: str, raw: bytes) -> str:
    if len(raw) > MAX_FILE_BYTES:
        size = f"{len(raw) / 1_000_000:.1f} MB"
        msg = f"the file is {size}; the limit is {MAX_FILE_BYTES // 1_000_000} MB"
        raise _LoadFailure(Problem(file, 1, 1, (), msg, "split it or shorten the longest text"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        where = _line_and_column(raw, error.start)
        msg = f"the file is not valid UTF-8 (byte 0x{raw[error.start]:02x})"
        hint = "save the file as UTF-8"
        raise _LoadFailure(Problem(file, where.line, where.column, (), msg, hint)) from None
    return text.removeprefix("\ufeff")


def _events(text: str) -> Iterator[Any]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def parse_yaml(file: str, raw: bytes) -> tuple[SourceDoc | None, list[Problem]]:
    """Give the document in `raw` (None when it cannot be read) and every problem found."""
    builder = _Builder(file, min(EXPANSION_FACTOR * len(raw), MAX_EXPANDED_CHARACTERS))
    text = ""
    try:
        text = _decode(file, raw)
        for event in _events(text):
            builder.feed(event)
    except _LoadFailure as failure:
        return None, [failure.problem]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = error.problem or error.context or "unreadable YAML"
        if "nesting depth" in reason:  # PyYAML 6.0.4+ stops deep flow collections itself
            return None, [Problem(file, line, column, (), "values are nested too deeply", None)]
        hint = None
        if error.context and error.context_mark and error.problem:
            hint = f"{error.context} that starts on line {error.context_mark.line + 1}"
        return None, [Problem(file, line, column, (), f"YAML syntax error: {reason}", hint)]
    except yaml.reader.ReaderError as error:  # a character YAML forbids, found before parsing
        # libyaml counts bytes of the UTF-8 text it was given (the BOM already removed)
        before = text.encode("utf-8")[: error.position].decode("utf-8", "replace")
        where = Position(before.count("\n") + 1, len(before) - before.rfind("\n"))
        msg = f"the file contains the character U+{error.character:04X}, which YAML does not allow"
        hint = "remove it, or write it as an escape inside double quotes"
        return None, [Problem(file, where.line, where.column, (), msg, hint)]
    except yaml.YAMLError as error:  # libyaml reports a few errors without a mark
        return None, [Problem(file, 1, 1, (), f"YAML syntax error: {error}", None)]
    if not builder.has_root or builder.root is None:
        msg = "the file is empty; expected a mapping of fields"
        return None, [Problem(file, 1, 1, (), msg, None)]
    if not isinstance(builder.root, dict):
        where = builder.positions.get((), Position(1, 1))
        kind = "a list" if isinstance(builder.root, list) else "a single value"
        msg = f"the file holds {kind}; expected a mapping of fields"
        return None, [Problem(file, where.line, where.column, (), msg, None)]
    doc = SourceDoc(
        file=file,
        data=builder.root,
        positions=MappingProxyType(builder.positions),
        key_positions=MappingProxyType(builder.key_positions),
    )
    return doc, builder.problems


def display_path(path: Path) -> str:
    """Give `path` relative to the working directory where possible: what CI annotations want."""
    folder = _display_folder(path.parent, Path.cwd())
    return path.as_posix() if folder is None else f"{folder}{path.name}"


@lru_cache(maxsize=64)
def _display_folder(folder: Path, cwd: Path) -> str | None:
    """Give how `folder` is shown, with a final slash; resolved once per folder, not per file
    (resolving is a system call per path component: 0.2 s over 1,000 recaps)."""
    try:
        relative = folder.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return None
    return "" if relative == "." else f"{relative}/"


class _ParsedLater(Mapping[JsonPath, Position]):
    """Positions of a file whose data came from the source cache: parsed only if a
    problem needs them, which for a file that passed its checks is rare."""

    def __init__(self, path: Path, of_keys: bool) -> None:
        self.path, self.of_keys = path, of_keys
        self._table: Mapping[JsonPath, Position] | None = None

    def _load(self) -> Mapping[JsonPath, Position]:
        if self._table is None:
            doc, _ = load_file(self.path)
            empty: Mapping[JsonPath, Position] = {}
            self._table = empty if doc is None else (doc.key_positions if self.of_keys else doc.positions)
        return self._table

    def __getitem__(self, path: JsonPath) -> Position:
        return self._load()[path]

    def __iter__(self) -> Iterator[JsonPath]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


KnownSources = Mapping[str, tuple[str, dict[str, Any]]]
"""File -> (SHA-256 of its bytes, its data), for files that passed every check before."""


def load_file(path: Path, known: KnownSources | None = None) -> tuple[SourceDoc | None, list[Problem]]:
    """Read and parse one YAML file; an unreadable file is a problem, not an exception.

    A file whose bytes match a `known` entry is not parsed again.
    """
    file = display_path(path)
    try:
        raw, size = read_plain_file(path)
    except NotAPlainFile as refusal:
        return None, [Problem(file, 1, 1, (), str(refusal), "put the file itself in the content folder")]
    except OSError as error:
        return None, [Problem(file, 1, 1, (), f"cannot read the file: {error.strerror}", None)]
    if size > MAX_FILE_BYTES:  # only the first megabyte was read: say how big it really is
        msg = f"the file is {size / 1_000_000:.1f} MB; the limit is {MAX_FILE_BYTES // 1_000_000} MB"
        return None, [Problem(file, 1, 1, (), msg, "split it or shorten the longest text")]
    digest = hashlib.sha256(raw).hexdigest()
    hit = known.get(file) if known else None
    if hit is not None and hit[0] == digest:
        positions, keys = _ParsedLater(path, of_keys=False), _ParsedLater(path, of_keys=True)
        return SourceDoc(file, hit[1], positions, keys, digest=digest, checked=True), []
    doc, problems = parse_yaml(file, raw)
    return (replace(doc, digest=digest) if doc else None), problems


@dataclass(frozen=True)
class ContentSources:
    """Every source of one content folder, as loaded; `problems` are the loading problems."""

    site: SourceDoc | None
    people: SourceDoc | None
    recaps: tuple[SourceDoc, ...]
    problems: tuple[Problem, ...]
    files_read: int
    images: Mapping[str, tuple[Image, ...]] = field(default_factory=dict)
    """Source file (as shown) -> the images kept beside it (see `pipeline.images`)."""
    content_dir: Path | None = None
    """The folder the sources came from: files the site names (its logo) are read from it."""


def recap_paths(content_dir: Path) -> list[Path]:
    """Give the recap sources under `content_dir/recaps`, sorted, hidden files skipped."""
    folder = content_dir / "recaps"
    try:
        with os.scandir(folder) as entries:  # one listing: globbing twice costs more on 1,000 files
            # A link is listed, to be refused by name (`read_plain_file`), never skipped silently.
            names = [entry.name for entry in entries if (entry.is_file() or entry.is_symlink())
                     and not entry.name.startswith(".")
                     and entry.name.endswith((".yaml", ".yml"))]
    except OSError:
        return []
    return [folder / name for name in sorted(names)]


def load_content(content_dir: Path, known: KnownSources | None = None) -> ContentSources:
    """Load `site.yaml`, `people.yaml` and every recap of a content folder."""
    problems: list[Problem] = []
    loaded: dict[str, SourceDoc | None] = {}
    for name in ("site", "people"):
        path = content_dir / f"{name}.yaml"
        if not path.exists() and not path.is_symlink():
            msg = f"{name}.yaml is missing from the content folder"
            problems.append(Problem(display_path(path), 1, 1, (), msg, None))
            loaded[name] = None
            continue
        loaded[name], found = load_file(path, known)
        problems.extend(found)
    recaps = []
    images = {}
    paths = recap_paths(content_dir)
    for path in paths:
        doc, found = load_file(path, known)
        problems.extend(found)
        if doc is not None:
            recaps.append(doc)
            images[doc.file], found = load_images(path, doc.file)
            problems.extend(found)
    files_read = len(paths) + sum(1 for doc in loaded.values() if doc is not None)
    return ContentSources(loaded["site"], loaded["people"], tuple(recaps), tuple(problems), files_read,
                          images, content_dir)
