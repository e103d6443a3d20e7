"""The body of a recap as pandoc blocks, in the order its source gives.

Structure comes from the data (headings, the lines saying who spoke, lists, links), prose
from the Markdown fields pandoc parsed (`RecapDocument.markdown`). What differs between
outputs, how a recording or an embed is shown, comes in a `Style`: a Hugo post embeds
players and social posts with the blog's shortcodes, a feed reader gets stills and link
cards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from pipeline.model import (
    CallToAction,
    Embed,
    Person,
    Recap,
    Recording,
    Section,
    Takeaway,
    Talk,
    TalkLink,
    clock_text,
)
from pipeline.render.document import (
    LINK_KINDS,
    TALK_KINDS,
    RecapDocument,
    bullet_list,
    header,
    joined,
    link,
    meeting_sentence,
    para,
    person_label,
    recording_link,
    series_blocks,
    strong,
    text,
)
from pipeline.sanitize import Block, Inline

DEFAULT_ACTION_LABEL = "Take part →"
EMBED_SITES = {"x": "X", "twitter": "X", "mastodon": "Mastodon", "youtube": "YouTube", "slides": "Slides",
               "link": "Link"}


def embed_card(embed: Embed) -> list[Block]:
    """Show an embed as a link card: its words quoted, then where it is."""
    blocks: list[Block] = []
    if embed.text:
        blocks.append({"t": "BlockQuote", "c": [para(text(embed.text))]})
    label = embed.title or f"{EMBED_SITES[embed.kind]}: {embed.url.split('://', 1)[-1]}"
    blocks.append(para(link(text(f"↗ {label}"), embed.url)))
    return blocks


@dataclass(frozen=True)
class Style:
    """How one output shows what it cannot write as Markdown: recordings and embeds."""

    recording: Callable[[Recording, str], list[Block]] = recording_link
    embed: Callable[[Embed], list[Block]] = embed_card


def names_in(people: Sequence[Person], prose: str) -> bool:
    """Say whether the prose already names every one of the people."""
    return all(person.name in prose for person in people)


def and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def talk_line(talk: Talk) -> str:
    """Give the line under a talk's heading: what it was, where, and who spoke when the
    summary does not already name them ("Panel at Cloud Native Rust Day.")."""
    kind = TALK_KINDS[talk.kind]
    if talk.track and kind.lower() in talk.track.lower():
        line = talk.track[0].upper() + talk.track[1:]  # "KubeCon EU keynote", not "Keynote · ..."
    elif talk.track:
        line = f"{kind} at {talk.track}"
    else:
        line = kind
    if not names_in(talk.speakers, talk.summary):
        joiner = "with" if talk.kind in ("panel", "fireside") else "by"
        line += f" {joiner} " + and_list(list(map(person_label, talk.speakers)))
    return line + "."


def heading_text(title: str) -> str:
    """Give a title as a heading: trailing `.,;:` go (linters and readers expect none)."""
    return title.rstrip(".,;: ") or title


def _inline_markdown(blocks: list[Block]) -> list[Inline]:
    """Give a one-paragraph Markdown field as inlines (for list items and lead-ins)."""
    if len(blocks) == 1 and blocks[0]["t"] in ("Para", "Plain"):
        inlines: list[Inline] = blocks[0]["c"]
        return inlines
    return []


def _item(doc: RecapDocument, markdown: str) -> list[Block]:
    inlines = _inline_markdown(doc.markdown[markdown])
    return [{"t": "Plain", "c": inlines}] if inlines else list(doc.markdown[markdown])


def takeaway_list(doc: RecapDocument, takeaways: Sequence[Takeaway]) -> Block:
    """Give takeaways as a bullet list, sub-points nested under their point."""
    items = []
    for takeaway in takeaways:
        item = _item(doc, takeaway.text)
        if takeaway.points:
            item.append(bullet_list(_item(doc, point) for point in takeaway.points))
        items.append(item)
    return bullet_list(items)


def recordings_blocks(recordings: Sequence[Recording], title: str, style: Style) -> Iterator[Block]:
    """Give each recording as the style shows it, its chapters listed under it."""
    for index, recording in enumerate(recordings):
        name = title if len(recordings) == 1 else f"{title} (part {index + 1})"
        yield from style.recording(recording, name)
        if recording.chapters:
            yield bullet_list(
                [{"t": "Plain", "c": [link(text(clock_text(chapter.at)), recording.at(chapter.at)),
                                      {"t": "Space"}, *text(chapter.title)]}]
                for chapter in recording.chapters
            )


def action_blocks(doc: RecapDocument, actions: Sequence[CallToAction]) -> list[Block]:
    """Give the calls to action still open on the recap's date, as paragraphs, as people
    write them: a bold title opening the text, then the link."""
    blocks: list[Block] = []
    for action in actions:
        if not action.active_on(doc.recap.date):
            continue
        title = action.title if action.title[-1] in ".!?:" else f"{action.title}."
        inner = list(doc.markdown[action.text])
        lead = [strong(text(title)), {"t": "Space"}]
        if inner and inner[0]["t"] == "Para":
            inner[0] = {"t": "Para", "c": lead + inner[0]["c"]}
        else:
            inner.insert(0, para(strong(text(title))))
        inner.append(para(link(text(action.label or DEFAULT_ACTION_LABEL), action.url)))
        blocks.extend(inner)
    return blocks


def _links(links: Sequence[TalkLink]) -> Block:
    parts = [[link(text(item.title or LINK_KINDS[item.kind]), item.url)] for item in links]
    return para(joined(parts, " · "))


def _material(part: Talk | Section, doc: RecapDocument, style: Style) -> Iterator[Block]:
    """Give what follows a talk's or a section's text: its embeds, links and recordings."""
    for embed in part.embeds:
        yield from style.embed(embed)
    if part.links:
        yield _links(part.links)
    yield from recordings_blocks(part.recordings, part.title, style)


def talk_blocks(talk: Talk, doc: RecapDocument, style: Style) -> Iterator[Block]:
    yield header(2, text(heading_text(talk.title)))
    line = talk_line(talk)
    if line != f"{TALK_KINDS[talk.kind]}.":  # "Talk." alone tells a reader nothing
        yield para(text(line))
    yield from doc.markdown[talk.summary]
    if talk.takeaways:
        yield para(text(talk.takeaways_intro or "Takeaways:"))
        yield takeaway_list(doc, talk.takeaways)
    yield from _material(talk, doc, style)


def section_blocks(section: Section, doc: RecapDocument, style: Style) -> Iterator[Block]:
    yield header(2, text(heading_text(section.title)))
    if section.label and section.label.lower() not in section.title.lower():
        yield para(text(f"{section.label}."))
    if section.guests and not names_in(section.guests, section.body):
        guests = ", ".join(map(person_label, section.guests))
        yield para(strong(text("With:")), {"t": "Space"}, text(guests))
    yield from doc.markdown[section.body]
    if section.takeaways:
        yield takeaway_list(doc, section.takeaways)
    yield from _material(section, doc, style)
    yield from action_blocks(doc, section.calls_to_action)


def meeting_line(recap: Recap) -> str | None:
    """Give "Held on Thursday, October 28, 2021, hosted by Jason Morgan." or None."""
    parts = []
    if recap.meeting_date:
        when = recap.meeting_date
        parts.append(f"Held on {when:%A}, {when:%B} {when.day}, {when.year}")
    if recap.hosts:
        parts.append(("hosted" if parts else "Hosted") + " by " + and_list([p.name for p in recap.hosts]))
    return ", ".join(parts) + "." if parts else None


def body_blocks(doc: RecapDocument, style: Style) -> list[Block]:
    """Give the recap's body: its intro, recordings, calls to action, sections, talks and
    closing in the order the source gives them, then the next meeting, the series and
    related posts."""
    recap = doc.recap
    blocks: list[Block] = []
    for part in recap.order:
        if part == "intro" and recap.intro:
            blocks.extend(doc.markdown[recap.intro])
            if line := meeting_line(recap):
                blocks.append(para(text(line)))
        elif part == "recordings":
            blocks.extend(recordings_blocks(recap.recordings, recap.recording_title, style))
        elif part == "calls_to_action":
            blocks.extend(action_blocks(doc, recap.calls_to_action))
        elif part == "sections":
            for section in recap.sections:
                blocks.extend(section_blocks(section, doc, style))
        elif part == "talks":
            for talk in recap.talks:
                blocks.extend(talk_blocks(talk, doc, style))
        elif part == "closing" and recap.closing:
            if (recap.talks or recap.sections) and blocks and blocks[-1]["t"] != "HorizontalRule":
                blocks.append({"t": "HorizontalRule"})
            blocks.extend(doc.markdown[recap.closing])
    if not recap.intro and (line := meeting_line(recap)):
        blocks.insert(0, para(text(line)))
    if recap.next_meeting:
        blocks.append(header(2, text("Next meeting")))
        sentence = text(meeting_sentence(recap.next_meeting))
        url = recap.next_meeting.registration_url
        if url:
            sentence += [{"t": "Space"}, link(text("Register here"), url), {"t": "Str", "c": "."}]
        blocks.append(para(sentence))
    if recap.series:
        blocks.extend(series_blocks(doc))
    if recap.related:
        blocks.append(header(2, text("Related posts")))
        blocks.append(bullet_list([{"t": "Plain", "c": [link(text(r.title), r.url)]}] for r in recap.related))
    return blocks
