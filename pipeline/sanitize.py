"""What recap Markdown may become: pandoc's AST, sanitized, and its plain text.

Recap text comes from many contributors. After pandoc has read it (raw passthrough off),
the AST is sanitized: raw content becomes literal text, attributes (`typst:` ones
included) are dropped, links keep only web, mail, fragment and relative URLs, images only
web URLs and the bare names of images kept beside the source, which each format then
points at its own copy (`local_images`). Every output format is written from this AST,
so the policy lives in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Block = dict[str, Any]
Inline = dict[str, Any]

SAFE_LINK = re.compile(r"^(https?://[^/?#\s]|mailto:[^@\s]+@[^@\s]|#|/(?!/)|[A-Za-z0-9._~-]+(/|$|#|\?))",
                       re.IGNORECASE)
"""Web URLs with a host, mail URLs with an address, fragments and relative paths:
`mailto:` alone or `http:///p` lead nowhere, and feed readers refuse them."""
SAFE_IMAGE = re.compile(
    r"^(https?://[^/?#\s]|[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\.(png|jpe?g|webp|gif)$)",
    re.IGNORECASE)
"""Web images with a host, and plain file names of images kept beside the source
(`local_images`)."""
_WEB = re.compile(r"^https?://", re.IGNORECASE)
MAX_NESTING = 12
"""Levels of pandoc nodes (quotes, lists, emphasis, links...) a Markdown field may nest.
Prose needs five or six; typst stops at its show-rule depth (16 quotes or 40 lists, a
handout adds levels of its own) and Python's recursion at a few hundred."""


_NO_ATTR: list[Any] = ["", [], []]


def _clean_attr(attr: list[Any], keep_classes: bool = False) -> list[Any]:
    """Drop identifiers and key-value attributes; keep classes only where asked (code)."""
    classes = [c for c in attr[1] if re.fullmatch(r"[A-Za-z0-9_+-]+", c)] if keep_classes else []
    return ["", classes, []]


def nesting_depth(blocks: list[Block]) -> int:
    """Give how many pandoc nodes deep `blocks` nest, without recursion (the input may be
    hundreds of levels deep)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(blocks, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            if "t" in node:
                depth += 1
                deepest = max(deepest, depth)
            pending.extend((value, depth) for value in node.values())
        elif isinstance(node, list):
            pending.extend((item, depth) for item in node)
    return deepest


def plain_text(blocks: Iterable[Block]) -> str:
    """Give the words of pandoc blocks as plain text, blocks separated by blank lines."""
    return "\n\n".join(_text_of(_inlines_in(block, [])) for block in blocks).strip()


def _inlines_in(node: Any, found: list[Inline]) -> list[Inline]:
    """Give the outermost inlines inside a block, in document order (appended to `found`;
    a list, not nested generators: this runs over every word of every talk summary)."""
    if isinstance(node, dict):
        if node.get("t") in _INLINE_TYPES:
            found.append(node)
        else:
            _inlines_in(node.get("c"), found)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item.get("t") in _INLINE_TYPES:
                found.append(item)
            else:
                _inlines_in(item, found)
    return found


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


ImageResolver = Callable[[str], str | None]
"""Gives where a local image (by name) is, for one output; None: it is not there."""


def local_images(node: Any, resolve: ImageResolver) -> Any:
    """Give `node` (blocks, a block, inlines) with each local image pointed where `resolve`
    says, or shown as its alt text where it says None; web images stay as they are."""
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            replaced = local_images(item, resolve)
            out.extend(replaced if isinstance(item, dict) and isinstance(replaced, list) else [replaced])
        return out
    if not isinstance(node, dict) or "c" not in node:
        return node
    if node["t"] == "Image" and not _WEB.match(node["c"][2][0]):
        attr, content, (name, title) = node["c"]
        target = resolve(name)
        if target is None:
            return [{"t": "Str", "c": _text_of(content) or "[image]"}]
        return {"t": "Image", "c": [attr, content, [target, title]]}
    return {"t": node["t"], "c": local_images(node["c"], resolve)}


def without_fragment_links(blocks: Iterable[Block]) -> list[Block]:
    """Give `blocks` with links to a fragment (`#notes`, `#`) replaced by their text.

    For the handout: typst resolves a fragment as a label of its own document, and
    fails on one that is not there (recap text can name none: identifiers are dropped).
    """
    def visit(node: Any) -> Any:
        if isinstance(node, list):
            out: list[Any] = []
            for item in node:
                if isinstance(item, dict) and item.get("t") == "Link" and item["c"][2][0].startswith("#"):
                    out.extend(visit(item["c"][1]))
                else:
                    out.append(visit(item))
            return out
        if isinstance(node, dict):
            return {key: visit(value) for key, value in node.items()}
        return node

    result: list[Block] = visit(list(blocks))
    return result


def with_fenced_code(blocks: Iterable[Block]) -> list[Block]:
    """Give `blocks` with every code block that has no language marked `text`.

    For the Markdown writer: pandoc 3.9's `gfm` writer writes a plain code block that
    opens a list item, or sits in a definition list, without its indentation, so the code
    became live Markdown (`- <script>...`); a code block with a language is always fenced.
    """
    def visit(node: Any) -> Any:
        if isinstance(node, list):
            return [visit(item) for item in node]
        if isinstance(node, dict):
            if node.get("t") == "CodeBlock" and not node["c"][0][1]:
                attr = node["c"][0]
                return {"t": "CodeBlock", "c": [[attr[0], ["text"], attr[2]], node["c"][1]]}
            return {key: visit(value) for key, value in node.items()}
        return node

    result: list[Block] = visit(list(blocks))
    return result
