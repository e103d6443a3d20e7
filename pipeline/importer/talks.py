"""Add one section of a post to the draft, as a talk or as an agenda section."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.importer.actions import absolute, take_actions
from pipeline.importer.facts import guess_talk_kind, guess_track, video_recording
from pipeline.importer.mapping import Setting
from pipeline.importer.nodes import Markdown, inline_text, is_para
from pipeline.importer.people import (
    Registry,
    Speaker,
    resolve,
    source_refs,
    speakers_from_line,
    speakers_in_text,
)
from pipeline.importer.report import Draft
from pipeline.importer.sections import GUEST_LABELS, SectionParts, takeaway_fields
from pipeline.importer.shape import Person, heading_kind, section_guests
from pipeline.importer.shape import section_kind as shape_kind
from pipeline.new import slugify
from pipeline.placeholders import placeholder
from pipeline.sanitize import Block, Inline

PLACEHOLDER_TALK = placeholder("what the talk said.")
_DURATION = re.compile(r"^PT([0-9]+H([0-9]+M)?([0-9]+S)?|[0-9]+M([0-9]+S)?|[0-9]+S)$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")

Videos = dict[str, dict[str, Any]]
"""Front-matter video entries (params.videoSchema) by YouTube video id."""


def complete_recording(recording: dict[str, str], videos: Videos) -> dict[str, str]:
    """Give the recording with the duration and upload date of its front-matter video
    entry, matched by video id (titles differ from headings, ids do not)."""
    short = video_recording(recording["url"])
    video = videos.get(short["url"].rsplit("/", 1)[-1]) if short else None
    if video is None:
        return recording
    found = dict(recording)
    if "duration" not in found and _DURATION.match(str(video.get("duration", ""))):
        found["duration"] = str(video["duration"])
    if _DAY.match(str(video.get("uploadDate", ""))):
        found["uploaded"] = str(video["uploadDate"])[:10]
    return found


def _speakers(parts: SectionParts, registry: Registry) -> tuple[list[Speaker], bool]:
    """Give the section's people and whether they were read from prose (a guess)."""
    if parts.people_text is not None:
        return speakers_from_line(parts.people_text, registry), False
    return speakers_in_text(parts.prose_text, registry), True


def _people_field(draft: Draft, path: tuple[Any, ...], speakers: list[Speaker], registry: Registry,
                  from_prose: bool) -> None:
    refs = source_refs(speakers, registry, draft.proposed_people)
    draft.put(path, [ref for ref, _ in refs])
    if from_prose:
        draft.comments[path] = "names found in the text, in the order it names them: check"
    for index, (_, proposed) in enumerate(refs):
        if proposed:
            draft.comments[(*path, index)] = (f"not in people.yaml: proposed as {proposed!r} in the proposed "
                                              "people file; once accepted, write the id here")


def _material(parts: SectionParts, videos: Videos, draft: Draft, path: tuple[Any, ...], *,
              guessed_ok: bool = True, links: bool = True) -> None:
    """Set the part's recording (several: `recordings`, every video of the section is
    kept), its embedded posts and, unless its body shows them, its other links; each
    recording completed from the front matter's video list."""
    recordings = [parts.recording] if parts.recording and (guessed_ok or not parts.recording_guessed) else []
    recordings += parts.more_recordings
    others = []
    for link in parts.links:
        video = video_recording(link["url"])
        if video is None:
            others.append(link)
        elif links:
            recordings.append(video)
    recordings = [complete_recording(recording, videos) for recording in recordings]
    if len(recordings) == 1:
        draft.put((*path, "recording"), recordings[0])
        if parts.recording_guessed and recordings[0]["url"] == (parts.recording or {}).get("url"):
            draft.comments[(*path, "recording")] = "the first video link in the text"
    elif recordings:
        draft.put((*path, "recordings"), recordings[:20])
    if parts.embeds:
        draft.put((*path, "embeds"), parts.embeds[:20])
    if others and links:
        draft.put((*path, "links"), others[:20])


@dataclass(frozen=True)
class Context:
    """What adding a section needs besides the section: the run's setting, the post's
    video list and the recap's kind (a meeting or a review holds no talks)."""

    setting: Setting
    videos: Videos
    recap_kind: str


def _is_talk(parts: SectionParts, kind: str, speakers: list[Speaker], from_prose: bool) -> bool:
    """A talk carries a talk label or a speakers line, or (outside news, Q&A...) names its
    speakers; a video or a heading alone is no evidence of a speaker, so it stays a section."""
    if parts.meta_kind or (parts.people_label and parts.people_label not in GUEST_LABELS):
        return True
    if kind != "other" or parts.people_label in GUEST_LABELS:
        return False
    return bool(speakers and from_prose)


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
    _material(parts, videos, draft, path)


def person_ref(person: Person, setting: Setting, draft: Draft) -> tuple[Any, str | None]:
    """Give a person as a source value (a people.yaml id, else the person written inline
    and proposed for people.yaml) and the comment a reviewer needs, if any."""
    found = resolve(person.name, setting.registry, setting.site_authors)
    if found.person_id:
        return found.person_id, found.reason
    entry = {"name": found.name}
    entry.update({k: v[:120] for k, v in (("affiliation", person.affiliation), ("role", person.role)) if v})
    proposed = draft.proposed_people
    new_id = next((pid for pid, known in proposed.items() if known["name"] == found.name or (
        found.site_author and known.get("site_author") == found.site_author)), None)
    if new_id is None:
        new_id = base = slugify(found.name) or "person"
        counter = 2
        while new_id in setting.registry.names or new_id in proposed:
            new_id, counter = f"{base}-{counter}", counter + 1
        proposed[new_id] = {**entry, **({"site_author": found.site_author} if found.site_author else {})}
    why = f"{found.reason}; " if found.reason else ""
    return entry, f"{why}not in people.yaml: proposed as {new_id!r}; once accepted, write the id here"


def people_field(draft: Draft, path: tuple[Any, ...], people: list[Person], setting: Setting) -> None:
    """Set a list of guests or hosts, each resolved or proposed, with where it was read."""
    refs = [person_ref(person, setting, draft) for person in people]
    draft.guess(path, [ref for ref, _ in refs], f"from {people[0].cue}: check")
    for index, (_, comment) in enumerate(refs):
        if comment:
            draft.comments[(*path, index)] = comment


def _add_agenda(draft: Draft, parts: SectionParts, context: Context,
                speakers: tuple[list[Speaker], bool]) -> None:
    sections: list[dict[str, Any]] = draft.recap.setdefault("sections", [])
    path = ("sections", len(sections))
    sections.append({"title": parts.title[:200]})
    lead = next((inline_text(b["c"]) for b in parts.prose if is_para(b)), "")
    kind, reason = shape_kind(parts.title, lead, context.recap_kind)
    draft.guess((*path, "kind"), kind, reason)
    if parts.people_label in GUEST_LABELS:
        _people_field(draft, (*path, "guests"), speakers[0], context.setting.registry, False)
    elif context.recap_kind == "meeting" and (guests := section_guests(parts.title, kind, lead)):
        people_field(draft, (*path, "guests"), guests, context.setting)
    # The body is the section as the post showed it: lists after a colon and link lines
    # stay where they stood, so its links are not repeated as `links`.
    body_blocks, actions = take_actions(parts.body, context.setting.base_url)
    if not body_blocks:  # the ask is all the section says: it stays its text
        body_blocks, actions = parts.body, []
    body: Any = Markdown(body_blocks) if body_blocks else placeholder("what this part was about.")
    draft.put((*path, "body"), body)
    # a video linked in an article's prose is a reference, not the part's recording
    _material(parts, context.videos, draft, path, guessed_ok=context.recap_kind != "review", links=False)
    if actions:
        draft.guess((*path, "calls_to_action"), actions, "paragraphs asking readers to act, with their link")


def _absolute_links(parts: SectionParts, base_url: str | None) -> None:
    """Make the part's links absolute (a post links its own site by path); a link that
    cannot be goes back into the text as the paragraph it was."""
    kept = []
    for link in parts.links:
        url = absolute(link["url"], base_url)
        if url is not None:
            kept.append({**link, "url": url})
        else:
            words = link.get("title") or link.get("kind") or link["url"]
            label: list[Inline] = [{"t": "Str", "c": words}]
            shown: Inline = {"t": "Link", "c": [["", [], []], label, [link["url"], ""]]}
            parts.prose.append({"t": "Para", "c": [shown]})
    parts.links = kept


def add_section(draft: Draft, parts: SectionParts, context: Context) -> None:
    """Add a section to the draft's talks or agenda sections, whichever it looks like: a
    meeting's and a review's sections are never talks."""
    _absolute_links(parts, context.setting.base_url)
    registry = context.setting.registry
    speakers = _speakers(parts, registry)
    if context.recap_kind == "conference" and _is_talk(parts, heading_kind(parts.title), *speakers):
        _add_talk(draft, parts, registry, context.videos, speakers)
    else:
        _add_agenda(draft, parts, context, speakers)


def _listed_talk(item: list[Block]) -> tuple[str, str, str] | None:
    """Read a list item "[Title](video link): Name, Org & Name, Org" as (title, url, people)."""
    if len(item) != 1 or not is_para(item[0]):
        return None
    inlines = item[0]["c"]
    first = inlines[0] if inlines else None
    if not (first and first["t"] == "Link" and video_recording(first["c"][2][0])):
        return None
    people = inline_text(inlines[1:]).strip()
    if not people.startswith(":") or len(people) < 3:
        return None
    return inline_text(first["c"][1]), first["c"][2][0], people[1:].strip()


def _listed_speakers(people: str) -> list[Person]:
    """Give the people of "Name, Org & Name, Org" (or "Name and Name, Org")."""
    found = []
    for entry in re.split(r"\s+(?:&|and)\s+", people):
        name, _, affiliation = entry.partition(",")
        if name.strip():
            found.append(Person(" ".join(name.split()), affiliation.strip() or None, None, "the list item"))
    return found


def take_listed_talks(blocks: list[Block], draft: Draft, context: Context) -> list[Block]:
    """Add the talks a list of recordings names (each item a video link and its speakers),
    and give the blocks without that list; other lists stay as they are."""
    kept = []
    for block in blocks:
        items = block["c"] if block["t"] == "BulletList" else []
        listed = [_listed_talk(item) for item in items]
        if not items or None in listed:
            kept.append(block)
            continue
        for title, url, people in (found for found in listed if found):
            _add_listed_talk(draft, title, url, _listed_speakers(people), context)
    return kept


def _add_listed_talk(draft: Draft, title: str, url: str, speakers: list[Person], context: Context) -> None:
    talks: list[dict[str, Any]] = draft.recap.setdefault("talks", [])
    path = ("talks", len(talks))
    talk_title, _, rest = title.partition(": ")
    kind = guess_talk_kind(talk_title) if rest else None
    talks.append({"title": (rest if kind else title)[:200]})
    reason = f"from the words {talk_title!r}" if kind else "a listed talk"
    draft.guess((*path, "kind"), kind or "talk", reason)
    refs = [person_ref(person, context.setting, draft) for person in speakers]
    draft.put((*path, "speakers"), [ref for ref, _ in refs])
    for index, (_, comment) in enumerate(refs):
        if comment:
            draft.comments[(*path, "speakers", index)] = comment
    draft.put((*path, "summary"), PLACEHOLDER_TALK)
    draft.comments[(*path, "summary")] = "the post lists the talk without saying what it was about: write it"
    recording = video_recording(url)
    if recording:
        draft.put((*path, "recording"), complete_recording(recording, context.videos))
