"""Calls to action read from the paragraphs that ask: "Fill out the survey", "Submit your
nomination", "sign up", "register", "join", or a reminder of a programme with its link.

A paragraph becomes a call to action only when the whole of it is the ask (a few
sentences, one link target), so taking it out of the text tears no other sentence; its
words stay in the call's text and title. Paragraphs that announce the next meeting are
left to `next_meeting`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from pipeline.importer.facts import mentions_next_meeting
from pipeline.importer.nodes import Markdown, inline_text, is_para, links_in
from pipeline.sanitize import Block, Inline

_VERBS = (r"submit|fill(?: out| in)?|nominate|sign(?: ?up| up)|signup|register|join|participate|take|vote"
          r"|apply|subscribe|complete|tell")
_ASKS = re.compile(rf"(?:^|[,;:\u2014\u2013-]\s*|\bplease\s+)(?:please\s+)?(?:make sure (?:you|to)\s+)?"
                   rf"(?:{_VERBS})\b", re.IGNORECASE)
_IMPERATIVE_TEXT = re.compile(rf"^(?:please\s+)?(?P<rest>(?:{_VERBS})\b.*)$", re.IGNORECASE)
_REMINDER = re.compile(r"\breminder (?:of|about) (?:our|the)\b|\bremind you (?:of|about) (?:our|the)\b",
                       re.IGNORECASE)
_PLEASE_DO = re.compile(r"\bplease do so\b", re.IGNORECASE)
_NEXT_MEETING_LINK = re.compile(r"\bnext\b.*\b(meeting|meetup|call)\b", re.IGNORECASE)
MAX_SENTENCES = 5
"""An ask is a short paragraph; a longer one mixes it with other news, and stays text."""


def sentences(inlines: list[Inline]) -> list[list[Inline]]:
    """Split a paragraph's inlines into sentences (after a word ending in . ! or ?)."""
    found: list[list[Inline]] = [[]]
    for node in inlines:
        if not found[-1] and node["t"] in ("Space", "SoftBreak", "LineBreak"):
            continue
        found[-1].append(node)
        if node["t"] == "Str" and re.search(r"[.!?][)\"\u201d\u2019]?$", node["c"]) and not re.search(
                r"\b(e\.g|i\.e|etc|vs|a\.m|p\.m)\.$", node["c"]):
            found.append([])
    return [sentence for sentence in found if sentence]


def joined(parts: list[list[Inline]]) -> list[Inline]:
    """Give sentences back as one run of inlines, a space between each."""
    out: list[Inline] = []
    for part in parts:
        out += ([{"t": "Space"}] if out else []) + part
    return out


def _asks(sentence: list[Inline]) -> bool:
    text = inline_text(sentence)
    return bool(_ASKS.search(text) or _REMINDER.search(text) or _PLEASE_DO.search(text)
                or any(_IMPERATIVE_TEXT.match(words) for words, _ in links_in(sentence)))


def _title(link_text: str, sentence_text: str) -> str:
    """Give the call's title: the link's own words when they ask ("Submit the form"),
    else the asking words of the sentence, else the link's words."""
    if found := _IMPERATIVE_TEXT.match(link_text.strip()):
        words = found["rest"]
    elif (ask := _ASKS.search(sentence_text)) and not _REMINDER.search(sentence_text):
        asked = sentence_text[ask.start():].lstrip(",;:\u2014\u2013- ")
        if link_text and (end := asked.find(link_text)) >= 0:  # "fill out our [survey](…) by Friday"
            asked = asked[:end + len(link_text)]
        words = re.split(r"[\u2014\u2013!.?]| - ", asked)[0]
        words = re.sub(r"^please\s+", "", words.strip(), flags=re.IGNORECASE)
    else:
        words = link_text
    if re.match(r"(?i)(please )?do so\b", words.strip()):
        words = link_text
    words = " ".join(words.split()).rstrip(".,!")
    return (words[:1].upper() + words[1:])[:120]


def absolute(url: str, base_url: str | None) -> str | None:
    """Give a link as an absolute URL: a path on the post's own site joined to its base URL."""
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("/") and not url.startswith("//") and base_url:
        return urljoin(base_url, url)
    return None


def action_in(block: Block, base_url: str | None) -> dict[str, Any] | None:
    """Give the call to action a paragraph is, or None when it is not (only) an ask."""
    if not is_para(block):
        return None
    targets = [(text, url) for text, url in links_in(block) if not url.startswith("#")]
    if not targets or len({url for _, url in targets}) != 1:
        return None
    parts = sentences(block["c"])
    text = inline_text(block["c"])
    if len(parts) > MAX_SENTENCES or mentions_next_meeting(text) or _NEXT_MEETING_LINK.search(targets[0][0]):
        return None
    asking = [part for part in parts if _asks(part)]
    lead = parts[0]
    opens = _asks(lead) or any(True for _ in links_in(lead)) or inline_text(lead).endswith("?")
    if not asking or not opens:
        return None  # the paragraph opens with something else: only its end may be the ask
    link_text, url = targets[-1][0], absolute(targets[-1][1], base_url)
    if url is None:
        return None
    title = _title(link_text, inline_text(asking[-1]))
    return {"title": title, "text": Markdown([_without_closing_link(block, link_text, title)]), "url": url}


def _without_closing_link(block: Block, link_text: str, title: str) -> Block:
    """Give the paragraph without its last link when that link ends it and its words are
    the title (they show there); otherwise the paragraph as it is."""
    inlines = list(block["c"])
    while inlines and inlines[-1]["t"] in ("Space", "SoftBreak"):
        inlines.pop()
    tail = inlines[-1] if inlines else None
    if tail and tail["t"] == "Str" and not tail["c"].strip(".!?"):
        inlines.pop()
    last = inlines[-1] if inlines else None
    if not last or last["t"] != "Link" or inline_text(last["c"][1]).rstrip(".!") != link_text:
        return block
    if title.lower() not in link_text.lower():
        return block
    rest = inlines[:-1]
    while rest and rest[-1]["t"] in ("Space", "SoftBreak"):
        rest.pop()
    return {"t": "Para", "c": rest} if inline_text(rest) else block


def _split_trailing_ask(block: Block) -> tuple[Block, Block] | None:
    """Split a paragraph that ends in an ask ("… Who is your hero? [Submit your nomination
    today](…)!") into the text before it and the ask: from the last sentence with a link (and
    the question before it) to the end, when that part asks and links one place."""
    if not is_para(block):
        return None
    parts = sentences(block["c"])
    linked = [n for n, part in enumerate(parts) if any(True for _ in links_in(part))]
    start = linked[-1] if linked else 0
    if start and inline_text(parts[start - 1]).endswith("?"):
        start -= 1
    tail = parts[start:]
    if not start or not any(_asks(part) for part in tail):
        return None
    return {"t": "Para", "c": joined(parts[:start])}, {"t": "Para", "c": joined(tail)}


def take_actions(blocks: list[Block], base_url: str | None) -> tuple[list[Block], list[dict[str, Any]]]:
    """Give the blocks that are not calls to action, and the calls to action, in order (a
    paragraph that ends in an ask is split there, and what comes before read again)."""
    kept: list[Block] = []
    actions: list[dict[str, Any]] = []
    for block in blocks:
        found: list[dict[str, Any]] = []
        while (action := action_in(block, base_url)) is None and (split := _split_trailing_ask(block)):
            if (tail := action_in(split[1], base_url)) is None:
                break
            found.insert(0, tail)
            block = split[0]
        if action is not None:
            found.insert(0, action)
        else:
            kept.append(block)
        actions += found
    return kept, actions
