"""Read Hugo shortcodes before pandoc does: embeds become link lines, the rest a link or a report.

Pandoc reads `{{< youtube ID >}}` as words, which then show as junk. Each shortcode is
replaced here, in place (the line count stays the same, so reported lines stay right), by
Markdown the rest of the importer already reads: a YouTube video or an X post as a link
to it (a paragraph of only that link becomes a recording or an embed), a figure as an
image, any other shortcode as a link where one of its arguments is a URL. Markers of a
paired shortcode (`{{< note >}}…{{< /note >}}`) go and the text between them stays.
Each one that is not an embed is reported; one with nothing to link is not imported.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_SHORTCODE = re.compile(r"\{\{([<%])\s*(/?)\s*([\w.-]+)(.*?)\s*[>%]\}\}", re.DOTALL)
_EMBEDS = frozenset({"youtube", "tweet", "x", "twitter"})
_LINKING = ("src", "href", "url", "link", "source")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_HTTP = re.compile(r"^https?://\S+$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1", re.MULTILINE | re.DOTALL)
"""A fenced code block, whose shortcodes are examples to show, not to run."""


@dataclass
class Shortcodes:
    """What was found: notes for the report, and lines whose shortcode could not be kept."""

    notes: list[str] = field(default_factory=list)
    not_imported: list[tuple[int, str]] = field(default_factory=list)


def _arguments(text: str) -> tuple[list[str], dict[str, str]]:
    """Give a shortcode's positional and named arguments (`id="x"`, `"x"`, `x`)."""
    try:
        words = shlex.split(text.replace("“", '"').replace("”", '"'))
    except ValueError:
        words = text.split()
    named = dict(word.split("=", 1) for word in words if re.match(r"^\w+=", word))
    return [word for word in words if not re.match(r"^\w+=", word)], named


def embed_link(name: str, text: str) -> str | None:
    """Give the Markdown link for a YouTube or X shortcode (the URL its own words: none
    are made up for it), else None."""
    positional, named = _arguments(text)
    if name == "youtube":
        video = named.get("id") or next(iter(positional), "")
        if not _VIDEO_ID.match(video):
            return None
        start = named.get("start")
        query = f"?t={start}" if start and start.isdigit() else ""
        return f"<https://youtu.be/{video}{query}>"
    post = named.get("id") or next((word for word in positional if word.isdigit()), "")
    user = named.get("user") or next((word for word in positional if not word.isdigit()), "i")
    if not post.isdigit() or not re.fullmatch(r"\w{1,30}", user):
        return None
    return f"<https://x.com/{user}/status/{post}>"


def _other_link(name: str, text: str) -> str | None:
    """Give a link (or, for `figure`, an image) for a shortcode with a URL among its arguments."""
    positional, named = _arguments(text)
    if name == "gist" and len(positional) >= 2:
        positional = [f"https://gist.github.com/{positional[0]}/{positional[1]}"]
    target = next((named[key] for key in _LINKING if named.get(key)), None)
    target = target or next((word for word in positional if _HTTP.match(word)), None)
    if not target or any(char in target for char in "()<> \n"):
        return None
    words = named.get("caption") or named.get("alt") or named.get("title") or name
    words = " ".join(words.replace("[", "").replace("]", "").split())
    return f"![{words}]({target})" if name == "figure" else f"[{words}]({target})"


def read_shortcodes(text: str, first_line: int) -> tuple[str, Shortcodes]:
    """Give the Markdown with every shortcode replaced, and what the report must say;
    `first_line` is the file's line number of the text's first line."""
    found = Shortcodes()
    fenced = [(fence.start(), fence.end()) for fence in _FENCE.finditer(text)]

    def replace(match: re.Match[str]) -> str:
        if any(start <= match.start() < end for start, end in fenced):
            return match[0]
        line = first_line + text.count("\n", 0, match.start())
        closing, name, rest = match[2], match[3].lower(), match[4]
        shown = " ".join(match[0].split())
        lines_kept = "\n" * match[0].count("\n")
        if closing:
            return lines_kept
        if name in _EMBEDS and (link := embed_link(name, rest)):
            return link + lines_kept
        if name in ("ref", "relref"):
            positional, _ = _arguments(rest)
            return (positional[0] if positional else "") + lines_kept
        if link := _other_link(name, rest):
            found.notes.append(f"line {line}: the shortcode {shown} became the link {link}")
            return link + lines_kept
        if re.search(rf"\{{\{{[<%]\s*/\s*{re.escape(match[3])}\s*[>%]\}}\}}", text[match.end():]):
            found.notes.append(f"line {line}: the shortcode {shown} was left out; the text inside it is kept")
            return lines_kept
        found.not_imported.append((line, f"the shortcode {shown} (nothing to link)"))
        return lines_kept

    return _SHORTCODE.sub(replace, text), found
