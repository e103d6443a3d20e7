"""Find the posts in what `import` was given: files as they are, folders searched whole.

In a folder, a Hugo page bundle is its `index.md` (the rest of the bundle is its
resources, never posts); every other `.md` or `.html` file is a post, except Hugo's
`_index.md` section pages, which list posts rather than being one. Hidden files and
folders are skipped. The order is sorted, so two runs report in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from pipeline.importer.reading import HTML_SUFFIXES, MARKDOWN_SUFFIXES

BUNDLE_PAGE = "index.md"
SECTION_PAGE = "_index.md"
POST_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES


def _posts_in(folder: Path) -> Iterator[Path]:
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    if (folder / BUNDLE_PAGE).is_file():
        yield folder / BUNDLE_PAGE
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _posts_in(entry)
        elif entry.is_file() and entry.suffix.lower() in POST_SUFFIXES and entry.name != SECTION_PAGE:
            yield entry


def find_posts(paths: Sequence[Path]) -> list[Path]:
    """Give the posts to import: each file given, and every post found under each folder."""
    found: list[Path] = []
    for path in paths:
        found.extend(_posts_in(path) if path.is_dir() else [path])
    return list(dict.fromkeys(found))
