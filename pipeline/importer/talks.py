"""Add one section of a post to the draft, as a talk or as an agenda section."""

from __future__ import annotations

import re
from typing import Any

from pipeline.importer.facts import guess_talk_kind, guess_track
from pipeline.importer.nodes import Markdown
from pipeline.importer.people import (
    Registry,
    Speaker,
    fold,
    source_refs,
    speakers_from_line,
    speakers_in_text,
)
from pipeline.importer.report import Draft
from pipeline.importer.sections import GUEST_LABELS, SectionParts, section_kind, takeaway_fields
from pipeline.placeholders import PLACEHOLDER_SPEAKER, placeholder

PLACEHOLDER_TALK = placeholder("what the talk said.")
_DURATION = re.compile(r"^PT([0-9]+H([0-9]+M)?([0-9]+S)?|[0-9]+M([0-9]+S)?|[0-9]+S)$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")

Videos = dict[str, dict[str, Any]]
"""Front-matter video entries (params.videoSchema) by folded title."""


def _speakers(parts: SectionParts, registry: Registry) -> tuple[list[Speaker], bool]:
    """Give the section's people and whether they were read from prose (a guess)."""
    if parts.people_text is not None:
        return speakers_from_line(parts.people_text, registry), False
    return speakers_in_text(parts.prose_text, registry), True


def _people_field(draft: Draft, path: tuple[Any, ...], speakers: list[Speaker], registry: Registry,
                  from_prose: bool) -> None:
    refs = source_refs(speakers, registry, draft.proposed_people)
    draft.put(path, [ref for ref, _ in refs] or [{"name": PLACEHOLDER_SPEAKER}])
    if not refs:
        draft.comments[path] = "no speaker found in the text: fill in"
    elif from_prose:
        draft.comments[path] = "names found in the text, in the order it names them: check"
    for index, (_, proposed) in enumerate(refs):
        if proposed:
            draft.comments[(*path, index)] = (f"not in people.yaml: proposed as {proposed!r} in the proposed "
                                              "people file; once accepted, write the id here")


def _recording(parts: SectionParts, videos: Videos, draft: Draft, path: tuple[Any, ...]) -> None:
    """Set the recording, completed from the front matter's video list (matched by title)."""
    recording = dict(parts.recording or {})
    video = videos.get(fold(parts.title).strip())
    embed = str(video.get("embedUrl", "")) if video else ""
    if not recording and "youtube.com/embed/" in embed:
        recording["url"] = "https://youtu.be/" + embed.rsplit("/", 1)[-1][:11]
        draft.comments[path] = "from the front matter's video list, matched by the talk title"
    if not recording:
        return
    if video and _DURATION.match(str(video.get("duration", ""))):
        recording["duration"] = video["duration"]
    if video and _DAY.match(str(video.get("uploadDate", ""))):
        recording["uploaded"] = str(video["uploadDate"])[:10]
    draft.put(path, recording)
    if parts.recording_guessed:
        draft.comments[path] = "the first video link in the text"


def _is_talk(parts: SectionParts, kind: str, speakers: list[Speaker], from_prose: bool) -> bool:
    """A talk carries a talk label, a speakers line, or (outside news, Q&A...) a recording or names."""
    if parts.meta_kind or (parts.people_label and parts.people_label not in GUEST_LABELS):
        return True
    if kind != "other" or parts.people_label in GUEST_LABELS:
        return False
    return parts.recording is not None or bool(speakers and from_prose)


def _add_talk(draft: Draft, parts: SectionParts, registry: Registry, videos: Videos,
              speakers: tuple[list[Speaker], bool]) -> None:
    talks: list[dict[str, Any]] = draft.recap.setdefault("talks", [])
    path = ("talks", len(talks))
    talks.append({"title": parts.title[:200]})
    kind = parts.meta_kind or guess_talk_kind(parts.title) or "talk"
    if parts.meta_kind:
        draft.put((*path, "kind"), kind)
    else:
        draft.guess((*path, "kind"), kind, "from the title")
    found = guess_track(parts.prose_text)
    if parts.meta_track:
        draft.put((*path, "track"), parts.meta_track)
    elif found:
        draft.guess((*path, "track"), found[0][:120], f"from the words {found[1]!r} in the text")
    _people_field(draft, (*path, "speakers"), speakers[0], registry, speakers[1])
    draft.put((*path, "summary"), Markdown(parts.prose) if parts.prose else PLACEHOLDER_TALK)
    if not parts.prose:
        draft.comments[(*path, "summary")] = "the section has no text: write a summary"
    for key, value in takeaway_fields(parts).items():
        draft.put((*path, key), value)
    if parts.takeaways:
        draft.comments[(*path, "takeaways")] = "the list after a sentence ending in a colon"
    _recording(parts, videos, draft, (*path, "recording"))
    if parts.links:
        draft.put((*path, "links"), parts.links)
    _more_videos(draft, parts, path)


def _more_videos(draft: Draft, parts: SectionParts, path: tuple[Any, ...]) -> None:
    """Set the section's second and later recordings and its embedded posts."""
    if parts.more_recordings:
        draft.put((*path, "recordings"), parts.more_recordings)
    if parts.embeds:
        draft.put((*path, "embeds"), parts.embeds[:20])


def _add_agenda(draft: Draft, parts: SectionParts, kind: str, registry: Registry,
                speakers: tuple[list[Speaker], bool]) -> None:
    sections: list[dict[str, Any]] = draft.recap.setdefault("sections", [])
    path = ("sections", len(sections))
    sections.append({"title": parts.title[:200]})
    draft.guess((*path, "kind"), kind, "from the heading" if kind != "other"
                else "a heading without a recording or speakers: an agenda section")
    if parts.people_label in GUEST_LABELS:
        _people_field(draft, (*path, "guests"), speakers[0], registry, False)
    body: Any = Markdown(parts.body) if parts.body else placeholder("what this part was about.")
    draft.put((*path, "body"), body)
    if parts.recording:
        draft.put((*path, "recording"), parts.recording)
    _more_videos(draft, parts, path)


def add_section(draft: Draft, parts: SectionParts, registry: Registry, videos: Videos) -> None:
    """Add a section to the draft's talks or agenda sections, whichever it looks like."""
    kind = section_kind(parts.title)
    speakers = _speakers(parts, registry)
    if _is_talk(parts, kind, *speakers):
        _add_talk(draft, parts, registry, videos, speakers)
    else:
        _add_agenda(draft, parts, kind, registry, speakers)
