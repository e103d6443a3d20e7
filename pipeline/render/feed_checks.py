"""The last look at a finished feed: no script, no event handler, no unsafe or relative URL.

Recap Markdown is already read without raw HTML and sanitized (`pipeline.pandoc`), so
nothing here should ever fire. It is defence in depth: it reads the feed bytes exactly as
a feed reader will, so a future change to the reader, the sanitizer or a writer cannot
quietly publish a script to every subscriber. A finding stops the build.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

from pipeline.errors import PipelineError
from pipeline.model import Artifact

FORBIDDEN_ELEMENTS = frozenset({
    "script", "iframe", "frame", "frameset", "embed", "object", "applet", "meta", "link",
    "base", "style", "form", "input", "button", "textarea", "svg", "math",
})
"""Elements that run code, embed other documents or restyle the reader's page."""
URL_ATTRIBUTES = frozenset({
    "href", "src", "srcset", "cite", "action", "formaction", "poster", "data", "background",
    "longdesc", "usemap", "xlink:href",
})
SAFE_URL = re.compile(r"^(https?://[^\s/?#]+|mailto:[^\s]+$)", re.IGNORECASE)
"""Absolute web URLs and mail addresses: nothing relative (a feed has no reliable base)
and no `javascript:`, `data:` or `vbscript:`."""
ATOM = "{http://www.w3.org/2005/Atom}"
HTML_ELEMENTS = ("description", "{http://purl.org/rss/1.0/modules/content/}encoded")
"""RSS elements whose text readers treat as HTML; in Atom, type="html" says so."""
JSON_URL_KEYS = frozenset({
    "url", "home_page_url", "feed_url", "next_url", "external_url", "image", "banner_image",
    "icon", "favicon", "avatar",
})


class UnsafeFeedError(PipelineError):
    """Raised by the feed renderer when a finished feed would carry script or unsafe URLs."""


class _HtmlScan(HTMLParser):
    """Collects what is unsafe in one HTML fragment: elements, `on*` attributes, URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"a <{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event handler ({name}) on <{tag}>")
            elif name in URL_ATTRIBUTES and not SAFE_URL.match((value or "").strip()):
                self.problems.append(f"{name}={value!r} on <{tag}>, not an absolute web or mail URL")


@lru_cache(maxsize=4096)
def html_problems(fragment: str) -> tuple[str, ...]:
    """Give what is unsafe in an HTML fragment, or nothing.

    Cached: an entry's content appears in the site feed and in each of its tag and series
    feeds, in three formats, and scanning it is most of the check's cost."""
    scan = _HtmlScan()
    scan.feed(fragment)
    scan.close()
    return tuple(scan.problems)


def url_problems(url: str) -> list[str]:
    return [] if SAFE_URL.match(url.strip()) else [f"{url!r} is not an absolute web or mail URL"]


def _xml_problems(content: bytes) -> Iterator[str]:
    for element in ElementTree.fromstring(content).iter():
        if element.tag in HTML_ELEMENTS or (
            element.tag.startswith(ATOM) and element.get("type") in ("html", "xhtml")
        ):
            yield from html_problems(element.text or "")
        for name in ("href", "src", "url"):
            if name in element.attrib:
                yield from url_problems(element.attrib[name])
        if element.tag in ("link", f"{ATOM}uri"):
            yield from url_problems(element.text or "")


def _json_problems(node: Any, key: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _json_problems(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _json_problems(value, key)
    elif isinstance(node, str) and key == "content_html":
        yield from html_problems(node)
    elif isinstance(node, str) and key in JSON_URL_KEYS:
        yield from url_problems(node)


def check_feed(artifact: Artifact) -> None:
    """Raise `UnsafeFeedError` naming every unsafe thing in a finished feed."""
    if artifact.path.suffix == ".json":
        problems = list(_json_problems(json.loads(artifact.content)))
    else:
        problems = list(_xml_problems(artifact.content))
    if problems:
        found = "; ".join(dict.fromkeys(problems))
        msg = f"{artifact.path} would carry unsafe content: {found}"
        raise UnsafeFeedError(msg)
