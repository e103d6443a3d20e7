"""Compose a whole draft from a read post: front matter, kind, intro, sections, closing,
the meeting's recording, hosts and the next meeting.

The body's fields are put in the order the post gives them (intro, its calls to action
and recording, sections, the meeting's recording, closing), and the source is written in
that order, so the recap shows each part where the post showed it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.importer.actions import joined, sentences, take_actions
from pipeline.importer.authors import set_authors
from pipeline.importer.facts import (
    ZONES,
    announcing_sentence,
    find_date,
    find_next_meeting,
    mentions_next_meeting,
    video_recording,
)
from pipeline.importer.mapping import (
    Setting,
    derive_slug,
    front_value,
    set_date,
    set_summary,
    set_tags,
    split_sections,
    take_calls_to_action,
    take_closing,
    take_series,
    take_title,
)
from pipeline.importer.nodes import Markdown, inline_text, is_para, links_in
from pipeline.importer.people import fold
from pipeline.importer.reading import Post
from pipeline.importer.report import Draft
from pipeline.importer.sections import SPEAKER_LABELS, recording_in, take_apart
from pipeline.importer.shape import Kind, meeting_hosts, recap_kind
from pipeline.importer.talks import (
    Context,
    Videos,
    add_section,
    complete_recording,
    people_field,
    take_listed_talks,
)
from pipeline.sanitize import Block, plain_text

_SPECIAL = {"next meeting": "next_meeting", "upcoming meeting": "next_meeting", "related posts": "related",
            "related": "related", "suggested blog posts": "related", "read more": "related"}


def _videos(post: Post) -> Videos:
    """Give the front matter's video list (Hugo `params.videoSchema`) by YouTube video id."""
    listed = front_value(post, "videoSchema", "videos")
    entries = listed if isinstance(listed, list) else []
    found = {}
    for entry in entries:
        url = entry.get("embedUrl") or entry.get("url") if isinstance(entry, dict) else None
        video = video_recording(str(url)) if url else None
        if video:
            found[video["url"].rsplit("/", 1)[-1]] = entry
    return found


def _speakers_line(block: Block) -> bool:
    """Say whether a paragraph is a "**Speakers:** …" line (the posts' own talk marker)."""
    first = block["c"][0] if is_para(block) and block["c"] else None
    label = inline_text(first["c"]).rstrip(": ").lower() if first and first["t"] == "Strong" else ""
    return label in SPEAKER_LABELS


def _kind(post: Post, blocks: list[Block], draft: Draft) -> Kind:
    """Set the recap's kind (and the workshop a workshop recap names) from the post's signals."""
    written = front_value(post, "keywords", "tags", "categories")
    keywords = [str(word) for word in written] if isinstance(written, list) else [str(written or "")]
    _, sections = split_sections(blocks)
    speaker_lines = sum(1 for _, body in sections for block in body if _speakers_line(block))
    found = recap_kind(draft.recap["title"], keywords, [title for title, _ in sections], speaker_lines)
    draft.guess(("kind",), found.kind, found.reason)
    if found.workshop:
        draft.guess(("event",), {"name": found.workshop[:120], "kind": "workshop"},
                    "the workshop the title names; add its date if you know it")
    return found


def _intro(blocks: list[Block], context: Context, draft: Draft) -> None:
    """Set the intro, its calls to action and a whole-meeting recording, in the post's order."""
    kept, actions = take_calls_to_action(blocks)
    shown = next((block for block in kept if recording_in(block)), None)
    recording = recording_in(shown) if shown else None
    kept = [b for b in kept if b["t"] != "HorizontalRule" and b is not shown]
    prose, asked = take_actions(kept, context.setting.base_url)
    if prose:
        kept, actions = prose, actions + asked
    if kept:
        draft.put(("intro",), Markdown(kept))
    if actions:
        draft.guess(("calls_to_action",), actions, "paragraphs of the introduction that ask readers to act")
    if recording:
        draft.guess(("recording",), complete_recording(recording, context.videos),
                    "a video in the introduction: the meeting's recording")
        return
    video = next((found for _, url in links_in(kept) if (found := video_recording(url))), None)
    named = next(((text, url) for text, url in links_in(kept) if "recording" in text.lower()
                  and url.startswith(("http://", "https://"))), None)
    if video:
        draft.guess(("recording",), complete_recording(video, context.videos),
                    "a video linked in the introduction: the meeting's recording")
    elif named:
        draft.guess(("recording",), {"url": named[1]}, f"the link the introduction calls {named[0]!r}")


def _related(blocks: list[Block], draft: Draft) -> None:
    links = [{"title": text[:200], "url": url} for text, url in links_in(blocks)
             if url.startswith(("http://", "https://")) and text]
    if links:
        draft.put(("related",), links[:20])


def _meeting_recording(post: Post, context: Context, draft: Draft) -> None:
    """Move the meeting's recording out of the section it stood in to the recap: the video
    the front matter names after the post, else a meeting's only video when the post
    promises "the recording"."""
    if "recording" in draft.recap or "recordings" in draft.recap:
        return
    sections = draft.recap.get("sections", [])
    holding = [n for n, section in enumerate(sections) if isinstance(section.get("recording"), dict)]
    title = fold(draft.recap["title"]).strip()
    named = [n for n in holding if fold(str(context.videos.get(
        sections[n]["recording"]["url"].rsplit("/", 1)[-1], {}).get("title", ""))).strip() == title]
    promised = "recording" in fold(" ".join(inline_text(b["c"]) for b in post.blocks[:6] if is_para(b)))
    if named:
        index, reason = named[0], "the front matter's video list names this video after the post"
    elif context.recap_kind == "meeting" and len(holding) == 1 and promised and "talks" not in draft.recap:
        index, reason = holding[0], "the post's only video, and it promises the recording"
    else:
        return
    recording = sections[index].pop("recording")
    draft.comments.pop(("sections", index, "recording"), None)
    draft.guess(("recording",), recording, f"{reason}: the meeting's recording, shown after the sections")


Announcing = tuple[list[tuple[Block, bool]], list[tuple[str, list[Block]]]]
"""The paragraphs that may announce the next meeting (and whether a "Next meeting" section
holds them), and those sections, kept as sections when they announce none."""


def _body(post: Post, blocks: list[Block], context: Context, draft: Draft) -> Announcing:
    """Add intro, sections and closing; give what may announce the next meeting."""
    intro, sections = split_sections(blocks)
    special = {name: body for name, body in sections if fold(name).strip() in _SPECIAL}
    sections = [(name, body) for name, body in sections if fold(name).strip() not in _SPECIAL]
    closing = take_closing(sections)
    _intro(intro, context, draft)
    for title, body in sections:
        kept = take_listed_talks(body, draft, context) if context.recap_kind == "conference" else body
        if kept or not body:  # a section that was only a list of talks became those talks
            add_section(draft, take_apart(title, kept), context)
    _meeting_recording(post, context, draft)
    closing = [block for block in closing if block["t"] != "HorizontalRule"]
    shown = next((block for block in closing if recording_in(block)), None)
    recording = recording_in(shown) if shown and "recording" not in draft.recap else None
    closing = [block for block in closing if recording is None or block is not shown]
    if closing:
        draft.put(("closing",), Markdown(closing))
    if recording:
        draft.guess(("recording",), complete_recording(recording, context.videos),
                    "the video at the end of the post: the meeting's recording")
    for name, body in special.items():
        if _SPECIAL[fold(name).strip()] == "related":
            _related(body, draft)
    next_sections = [(name, body) for name, body in special.items()
                     if _SPECIAL[fold(name).strip()] == "next_meeting"]
    announced = [(b, True) for _, body in next_sections for b in body if is_para(b)]
    last = draft.recap.get("sections", [{}])[-1].get("body")
    in_last = last.blocks if isinstance(last, Markdown) and context.recap_kind == "meeting" else []
    return announced + [(b, False) for b in closing + in_last + intro if is_para(b)], next_sections


def _announcement_dropped(block: Block, day: date, registration: str | None, draft: Draft) -> None:
    """Cut the sentences that announce the next meeting out of their paragraph (in place):
    `next_meeting` shows them, once."""
    kept = []
    for sentence in sentences(block["c"]):
        text = inline_text(sentence)
        urls = [url for _, url in links_in(sentence)]
        dated = find_date(text, day.year) is not None and mentions_next_meeting(text)
        registers = bool(urls) and set(urls) <= {registration} and len(text.split()) <= 6
        if dated or registers:
            draft.restate(f"{text!r} is shown by next_meeting, not as text", text)
        else:
            kept.append(sentence)
    block["c"] = joined(kept)


def _without_empty_paragraphs(draft: Draft, registration: str | None) -> None:
    """Drop paragraphs left empty by a cut; a closing left empty goes, and so does a
    section left with nothing to say but the registration `next_meeting` links."""
    for key in ("intro", "closing"):
        field = draft.recap.get(key)
        if isinstance(field, Markdown):
            field.blocks = [b for b in field.blocks if not (is_para(b) and not b["c"])]
            if not field.blocks:
                del draft.recap[key]
    emptied = []
    for index, section in enumerate(draft.recap.get("sections", [])):
        body = section.get("body")
        if isinstance(body, Markdown) and any(is_para(b) and not b["c"] for b in body.blocks):
            body.blocks = [b for b in body.blocks if not (is_para(b) and not b["c"])]
            if not body.blocks:
                emptied.append(index)
    for index in reversed(emptied):
        section = draft.recap["sections"][index]
        asks = section.get("calls_to_action", [])
        rest = set(section) - {"title", "kind", "body", "calls_to_action"}
        texts = [ask["text"] for ask in asks if isinstance(ask.get("text"), Markdown)]
        if not rest and all(ask.get("url") == registration for ask in asks):
            _announcement_only(draft, section["title"], [plain_text(text.blocks) for text in texts])
            _drop_section(draft, index)
        elif texts:  # its asks were all it said: they are its text again
            section["body"] = Markdown([block for text in texts for block in text.blocks])
            del section["calls_to_action"]
            draft.comments.pop(("sections", index, "calls_to_action"), None)


def _announcement_only(draft: Draft, title: str, said: list[str]) -> None:
    """Record a section that only announced the next meeting (its title, and what its asks
    `said`) as shown by `next_meeting`."""
    shown = f" ({' '.join(said)!r})" if said else ""
    draft.restate(f"section {title!r} only announced the next meeting{shown}: next_meeting shows it, "
                  "not a section", title, *said)


def _drop_section(draft: Draft, index: int) -> None:
    """Remove a section and the comments on it, renumbering those of the sections after it."""
    del draft.recap["sections"][index]
    moved = {}
    for path, reason in list(draft.comments.items()):
        if path[:1] == ("sections",) and len(path) > 1 and isinstance(path[1], int) and path[1] >= index:
            del draft.comments[path]
            if path[1] > index:
                moved[("sections", path[1] - 1, *path[2:])] = reason
    draft.comments.update(moved)
    if not draft.recap["sections"]:
        del draft.recap["sections"]


def _registration(block: Block) -> list[str]:
    """Give the links of the sentence that announces the meeting and of the one after it
    ("Register today!"), not the paragraph's other links."""
    parts = sentences(block["c"])
    found = next((n for n, part in enumerate(parts) if mentions_next_meeting(inline_text(part))), None)
    near = parts[found:found + 2] if found is not None else parts
    return [url for part in near for _, url in links_in(part) if url.startswith(("http://", "https://"))]


def _asked_beside(block: Block, draft: Draft) -> list[str]:
    """Give the link of the one call to action taken from the section whose text holds
    `block` (an announcement split from its "Sign up" ask): the meeting's registration."""
    for section in draft.recap.get("sections", []):
        body = section.get("body")
        if isinstance(body, Markdown) and any(kept is block for kept in body.blocks):
            asks = section.get("calls_to_action", [])
            return [asks[0]["url"]] if len(asks) == 1 and asks[0].get("url") else []
    return []


def _next_meeting(paragraphs: list[tuple[Block, bool]], recap_day: date, draft: Draft) -> Block | None:
    """Set a next meeting from the first paragraph that announces one (a guess, commented),
    and cut the announcement from the text, so the meeting is printed once; give that paragraph."""
    for block, in_section in paragraphs:
        sentence = inline_text(block["c"])
        announces = in_section or mentions_next_meeting(sentence)
        guess = find_next_meeting(sentence, recap_day) if announces else None
        if guess is None:
            continue
        meeting: dict[str, Any] = ({"start": guess.start.isoformat(), "time_zone": guess.time_zone}
                                   if guess.start else {"date": (guess.day or recap_day).isoformat()})
        if guess.title:
            meeting = {"title": guess.title[:120], **meeting}
        if guess.labels:
            meeting["display_zones"] = [{"zone": ZONES[label], "label": label} for label in guess.labels]
        urls = _registration(block) or _asked_beside(block, draft)
        if urls:
            meeting["registration_url"] = urls[0]
        shown = announcing_sentence(sentence)
        shown = shown if len(shown) <= 140 else shown[:137] + "..."
        draft.guess(("next_meeting",), meeting, f"from {shown!r}; the year and the time zone are guesses")
        if not in_section:
            _announcement_dropped(block, recap_day, urls[0] if urls else None, draft)
            _without_empty_paragraphs(draft, urls[0] if urls else None)
        return block
    return None


def _hosts(post: Post, setting: Setting, draft: Draft) -> None:
    hosts = meeting_hosts([inline_text(block["c"]) for block in post.blocks if is_para(block)])
    if hosts:
        people_field(draft, ("meeting", "hosts"), hosts, setting)


def compose(post: Post, setting: Setting) -> Draft:
    """Give the draft recap for a post (everything but id and slug, which need the content folder)."""
    draft = Draft()
    blocks = take_title(post, list(post.blocks), draft)
    recap_day = set_date(post, draft, setting.today)
    draft.put(("draft",), True)
    set_authors(post, setting, draft)
    set_tags(post, draft)
    blocks = take_series(post, blocks, draft)
    kind = _kind(post, blocks, draft)
    context = Context(setting, _videos(post), kind.kind)
    if kind.kind == "meeting":
        _hosts(post, setting, draft)
    announcing, next_sections = _body(post, blocks, context, draft)
    set_summary(post, draft)
    used = _next_meeting(announcing, recap_day, draft)
    for title, body in next_sections:
        rest = [block for block in body if block is not used]
        if rest:  # what a "Next meeting" section says besides the date stays its text
            add_section(draft, take_apart(title, rest), context)
        elif used is not None:
            _announcement_only(draft, title, [])
    draft.put(("slug",), derive_slug(post, draft.recap["title"]))
    draft.notes.extend(post.notes)
    return draft
