"""Read one `##` section of a post: is it a talk or an agenda section, and what does it hold?

The pipeline's own posts label everything ("*Talk · Track*", "**Speakers:** ...", a
recording embed, "[Repository](...)"), so those are read exactly; hand-written posts and
plain text are read from their prose, and what comes from prose is marked as a guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.importer.facts import video_recording
from pipeline.importer.nodes import Markdown, inline_text, is_para, links_in, only_links
from pipeline.model import Recording, start_in_url
from pipeline.sanitize import Block, Inline

TALK_LABELS = {"talk": "talk", "panel": "panel", "keynote": "keynote", "lightning talk": "lightning",
               "workshop": "workshop", "demo": "demo", "fireside chat": "fireside"}
LINK_LABELS = {"slides": "slides", "repository": "repository", "repo": "repository", "article": "article",
               "demo": "demo", "more": "other"}
SPEAKER_LABELS = frozenset({"speaker", "speakers", "panelists", "panelist", "presenter", "presenters"})
GUEST_LABELS = frozenset({"with", "guest", "guests", "host", "hosts"})
SECTION_WORDS = (("q&a", "qa"), ("questions", "qa"), ("ask me anything", "qa"), ("roadmap", "roadmap"),
                 ("what's next", "roadmap"), ("news", "news"), ("updates", "news"),
                 ("conversation", "conversation"), ("interview", "conversation"), ("spotlight", "spotlight"),
                 ("announcement", "announcement"), ("demo", "demo"))
_SHORTCODE = re.compile(r"\{\{[<%]\s*youtube\s+(?:id\s*=\s*)?[\"“”']?([A-Za-z0-9_-]{11})"
                        r"|\{%\s*(?:youtube|include\s+youtube\S*)\s+(?:id\s*=\s*)?[\"“”']?([A-Za-z0-9_-]{11})")
_LENGTH = re.compile(r"\((\d{1,2}(?::\d{2}){1,2})\)")


def youtube_url(url: str) -> str | None:
    """Give the short https://youtu.be/ID form of a YouTube link (with its start time,
    `?t=SECONDS`), else None."""
    recording = Recording(url)
    video = recording.youtube_id
    if not video:
        return None
    start = start_in_url(url)
    return f"https://youtu.be/{video}?t={start}" if start else f"https://youtu.be/{video}"


_X_POST = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w{1,30})/status(?:es)?/(\d{1,25})(?:[/?#]\S*)?$")


def embeds_in(block: Block) -> list[dict[str, str]]:
    """Give the X posts a paragraph of only links to them shows (an embed shortcode, an
    iframe or a pasted link), as the schema's embeds; [] for any other paragraph."""
    if not only_links(block):
        return []
    posts = [_X_POST.match(url) for _, url in links_in(block)]
    if not all(posts):
        return []
    return [{"kind": "x", "url": f"https://x.com/{post[1]}/status/{post[2]}"} for post in posts if post]


def duration_of(clock: str) -> str:
    """Give "31:26" or "1:02:03" as an ISO 8601 duration."""
    numbers = [int(part) for part in clock.split(":")]
    hours, minutes, seconds = ([0] * (3 - len(numbers)) + numbers)
    units = ((hours, "H"), (minutes, "M"), (seconds, "S"))
    parts = "".join(f"{amount}{unit}" for amount, unit in units if amount)
    return "PT" + (parts or "0S")


def recording_in(block: Block) -> dict[str, str] | None:
    """Give the recording a paragraph shows: a shortcode, or a paragraph of just a video link."""
    if not is_para(block):
        return None
    text = inline_text(block["c"])
    shortcode = _SHORTCODE.search(text)
    if shortcode and text.startswith("{"):
        return {"url": f"https://youtu.be/{shortcode[1] or shortcode[2]}"}
    if not only_links(block):
        return None
    for label, url in links_in(block):
        if video := video_recording(url):
            length = _LENGTH.search(label)
            return {**video, "duration": duration_of(length[1])} if length else video
    return None


@dataclass
class SectionParts:
    """What one section holds, taken apart."""

    title: str
    meta_kind: str | None = None
    meta_track: str | None = None
    people_label: str | None = None
    people_text: str | None = None
    recording: dict[str, str] | None = None
    recording_guessed: bool = False
    more_recordings: list[dict[str, str]] = field(default_factory=list)
    embeds: list[dict[str, str]] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    takeaways_intro: str | None = None
    takeaways: list[Markdown] = field(default_factory=list)
    prose: list[Block] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)
    """An agenda section's Markdown: the prose with the link lines and lists that a talk
    takes apart kept where they stand (a section shows them as the post did)."""

    @property
    def prose_text(self) -> str:
        return " ".join(inline_text(b["c"]) if is_para(b) else "" for b in self.prose)


_KINDS = "|".join(sorted(TALK_LABELS, key=len, reverse=True))
_TALK_LINE = re.compile(rf"^(?P<kind>{_KINDS})(?: at (?P<track>.+?))?(?: (?:by|with) .+)?\.$", re.IGNORECASE)
_TRACK_NAMING_KIND = re.compile(rf"^(?P<track>.{{1,100}} (?P<kind>{_KINDS}))(?: (?:by|with) .+)?\.$",
                                re.IGNORECASE)


def _meta_line(block: Block) -> tuple[str, str | None] | None:
    """Read the line the pipeline writes under a talk's heading: "Talk at Track." (or
    "KubeCon EU keynote.", "Panel with …"), or the older "*Talk · Track*"."""
    if not is_para(block) or not block["c"]:
        return None
    if len(block["c"]) == 1 and block["c"][0]["t"] == "Emph":
        kind, _, track = inline_text(block["c"][0]["c"]).partition(" · ")
        return (TALK_LABELS[kind.lower()], track.strip() or None) if kind.lower() in TALK_LABELS else None
    line = inline_text(block["c"])
    if found := _TALK_LINE.match(line):
        return TALK_LABELS[found["kind"].lower()], found["track"]
    if found := _TRACK_NAMING_KIND.match(line):
        return TALK_LABELS[found["kind"].lower()], found["track"]
    return None


def _people_line(block: Block) -> tuple[str, str] | None:
    """Read "**Speakers:** A (Org), B (Org)" into its label and the list."""
    if not is_para(block) or not block["c"] or block["c"][0]["t"] != "Strong":
        return None
    label = inline_text(block["c"][0]["c"]).rstrip(":").strip().lower()
    if label not in SPEAKER_LABELS | GUEST_LABELS:
        return None
    return label, inline_text(block["c"][1:]).lstrip(": ")


def _links_line(block: Block) -> list[dict[str, str]] | None:
    """Give the links of a paragraph of only links (not an image link: it shows the image)."""
    if not only_links(block) or '"Image"' in json.dumps(block):
        return None
    found = []
    for label, url in links_in(block):
        kind = LINK_LABELS.get(label.lower())
        found.append({"kind": kind, "url": url} if kind and kind != "other" else
                     {"kind": "other", "title": label, "url": url})
    return found


def _split_lead_in(inlines: list[Inline]) -> tuple[list[Inline], str]:
    """Split "... ever since. Here are his main takeaways:" before its last sentence."""
    ends = [n for n, node in enumerate(inlines[:-1])
            if node["t"] == "Str" and node["c"].endswith((".", "!", "?"))]
    if not ends:
        return [], inline_text(inlines)
    rest = inlines[ends[-1] + 1:]
    return inlines[: ends[-1] + 1], inline_text(rest)


def _is_label(block: Block) -> bool:
    """Say whether a block is one the pipeline's posts write after a talk's text (a
    recording, an embed, a links line, a people line)."""
    return bool(recording_in(block) or embeds_in(block) or _people_line(block)
                or _links_line(block) is not None)


def _take_takeaways(parts: SectionParts, block: Block, following: Block | None, rest: list[Block]) -> bool:
    """Take a sentence ending in a colon and the list after it as the takeaways, when
    only labelled blocks follow them: taken from the middle of the text, they would be
    shown after all of it, away from the sentences they belong to."""
    if not (is_para(block) and following is not None and following["t"] == "BulletList"):
        return False
    if not all(_is_label(later) for later in rest):
        return False
    text = inline_text(block["c"])
    if not text.endswith(":") or parts.takeaways:
        return False
    before, lead = _split_lead_in(block["c"])
    if len(lead) > 200:
        return False
    if before:
        parts.prose.append({"t": "Para", "c": before})
    parts.body += [block, following]
    parts.takeaways_intro = lead
    parts.takeaways = [Markdown(item, one_line=True) for item in following["c"]]
    return True


def _take_labelled(parts: SectionParts, block: Block) -> bool:
    """Take a block the pipeline's posts label: meta line, people line, recording, links."""
    if parts.meta_kind is None and not parts.prose and (meta := _meta_line(block)):
        parts.meta_kind, parts.meta_track = meta
    elif parts.people_text is None and (people := _people_line(block)):
        parts.people_label, parts.people_text = people
    elif recording := recording_in(block):
        if parts.recording is None:
            parts.recording = recording
        else:
            parts.more_recordings.append(recording)
    elif embeds := embeds_in(block):
        parts.embeds.extend(embeds)
    elif (links := _links_line(block)) is not None:
        parts.links.extend(links)
        parts.body.append(block)
    else:
        return False
    return True


def take_apart(title: str, blocks: list[Block]) -> SectionParts:
    """Sort a section's blocks into labelled parts and prose."""
    parts = SectionParts(title)
    skip = False
    for index, block in enumerate(blocks):
        if skip:
            skip = False
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if _take_labelled(parts, block):
            continue
        if _take_takeaways(parts, block, following, blocks[index + 2:]):
            skip = True
            continue
        parts.prose.append(block)
        parts.body.append(block)
    if parts.recording is None:
        video = next((found for _, url in links_in(parts.prose) if (found := video_recording(url))), None)
        if video:
            parts.recording, parts.recording_guessed = video, True
    return parts


def section_kind(title: str) -> str:
    """Give the agenda kind a heading names ("News", "Roadmap", "Q&A"), else "other"."""
    lowered = title.lower().replace("\u2019", "'")
    named = (kind for word, kind in SECTION_WORDS if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered))
    return next(named, "other")


def takeaway_fields(parts: SectionParts) -> dict[str, Any]:
    if not parts.takeaways:
        return {}
    return {"takeaways_intro": parts.takeaways_intro, "takeaways": list(parts.takeaways)}
