"""Find the people a talk's text names, and match them against content/people.yaml.

Known people are found by their full name (exact, then ignoring case and accents). Names
that are not in the registry are only taken where the sentence marks them as people:
"Name (Company)", "X and Y from the Z", "Name, Role at Company", "student, Name," or
"Name's talk". That misses some people but rarely mistakes a product for a person; every
one it finds is proposed for review, never added to people.yaml.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.new import slugify

_LETTERS = r"[A-ZÀ-ÖØ-Þ][^\W\d_]*(?:[\u2019'-][^\W\d_]+)*"
_PARTICLE = r"(?:(?:de|del|della|da|van|von|der|den|la|le|di|du|dos|das|bin|ibn)\s+)?"
_NAME_RUN = re.compile(rf"{_LETTERS}(?:\s+{_PARTICLE}{_LETTERS}){{1,5}}")
_LEADING_NOISE = frozenset({
    "In", "During", "The", "This", "That", "These", "Those", "When", "While", "Before", "After",
    "Today", "And", "But", "So", "Our", "His", "Her", "Their", "Its", "With", "From", "By", "For", "At",
    "On", "Also", "Both", "Here", "There", "Then", "According", "Meanwhile", "Finally", "Thanks",
    "Congratulations", "Welcome", "Please"
})
NOT_NAMES = frozenset({
    "Linkerd", "KubeCon", "CloudNativeCon", "Kubernetes", "Service", "Mesh", "Cloud", "Native", "Day",
    "University", "Foundation", "Inc", "Community", "Meeting", "Meetup", "Panel", "Keynote", "Talk",
    "Discussion", "Conference", "Summit", "Project", "Team", "Group", "Labs", "Technologies", "Corp",
    "Company", "State", "Health", "Europe", "America", "North", "South", "Rust", "Go", "GitHub",
    "Google", "Microsoft", "Amazon", "Blog", "Posts", "Part", "Recap", "Program", "Edition", "Release",
    "Version", "Chaos", "Multi", "Cluster", "Observability", "Security", "Online", "Anchor", "Overview",
    "Experimentation", "Debugging", "Compliance", "Evangelist", "Engineer", "Developer", "Advocate",
    "Maintainer", "Director", "Manager", "Architect", "Professor", "Student", "Founder", "Officer",
    "President", "Head", "Lead", "Senior", "Principal", "Staff", "CTO", "CEO", "CFO", "COO", "VP",
    "Ambassador", "Hero", "Heroes"
})
"""Words that make a run of capitalised words something other than a person's name."""
_PAREN = re.compile(r"\s*\(([A-Z][^()]{0,58})\)")
_FROM = re.compile(r"\s+(?:from|of)\s+(?:the\s+)?((?:[A-Z][\w.&\u2019'-]*)(?:\s+[A-Z][\w.&\u2019'-]*){0,4})")
_ROLE_AT = re.compile(r",\s+([A-Za-z][A-Za-z -]{1,40}?)\s+at\s+((?:[A-Z][\w.&-]*)(?:\s+[A-Z][\w.&-]*){0,3})")
_ROLE_BEFORE = re.compile(
    r"((?:[A-Za-z]+\s){0,2}(?:student|professor|CTO|CEO|CFO|COO|VP|founder|co-founder|maintainer|engineer|"
    r"evangelist|developer|advocate|director|manager|architect|researcher|host|moderator)),\s*$",
    re.IGNORECASE)
_POSSESSIVE_TALK = re.compile(
    r"[\u2019']s\s+(?:[A-Z][\w-]*\s+){0,4}(?:talk|keynote|panel|presentation|demo)\b")
_AND = re.compile(r"^\s+and\s+$")


def fold(text: str) -> str:
    """Give `text` without case or accents, one character per character (so offsets hold)."""
    return "".join((unicodedata.normalize("NFKD", ch)[:1] or ch).lower() for ch in text)


@dataclass(frozen=True)
class Registry:
    """content/people.yaml as id -> name (and site author key -> id), with the lookups
    name matching needs."""

    names: dict[str, str]
    site_authors: dict[str, str] = field(default_factory=dict)

    def id_for(self, name: str) -> str | None:
        """Give the id of the person called `name`: exact, then ignoring case and accents."""
        exact = next((pid for pid, known in self.names.items() if known == name), None)
        if exact:
            return exact
        folded = fold(" ".join(name.split()))
        return next((pid for pid, known in self.names.items() if fold(known) == folded), None)


@dataclass(frozen=True)
class Speaker:
    """A person found in a talk: a registry id, or a name with what the text says of them."""

    name: str
    person_id: str | None = None
    affiliation: str | None = None
    role: str | None = None
    start: int = 0
    end: int = 0
    cues: tuple[str, ...] = field(default=())


def known_in_text(text: str, registry: Registry) -> list[Speaker]:
    """Give every registry person named in full in `text`, at their first mention."""
    folded = fold(text)
    found = []
    for pid, name in registry.names.items():
        match = re.search(rf"(?<!\w){re.escape(fold(name))}(?!\w)", folded)
        if match:
            found.append(Speaker(name, pid, start=match.start(), end=match.end()))
    return found


def _candidate(text: str, match: re.Match[str]) -> Speaker | None:
    """Give the name a run of capitalised words holds, without "In ..." or a final "'s"."""
    tokens = [(match.start() + t.start(), t[0]) for t in re.finditer(r"\S+", match[0])]
    while tokens and tokens[0][1] in _LEADING_NOISE:
        tokens.pop(0)
    if tokens and re.search(r"[\u2019']s$", tokens[-1][1]):
        tokens[-1] = (tokens[-1][0], tokens[-1][1][:-2])
    words = [word for _, word in tokens]
    if len(words) < 2 or any(word in NOT_NAMES for word in words):
        return None
    return Speaker(" ".join(words), start=tokens[0][0], end=tokens[-1][0] + len(words[-1]))


def _with_cues(text: str, speaker: Speaker) -> Speaker:
    """Give the speaker with what the words around the name say (affiliation, role)."""
    after, before = text[speaker.end:speaker.end + 120], text[max(0, speaker.start - 60):speaker.start]
    if (paren := _PAREN.match(after)) and len(paren[1].split()) <= 5:
            return replace(speaker, affiliation=paren[1].strip(), cues=("(affiliation)",))
    if role_at := _ROLE_AT.match(after):
        return replace(speaker, role=role_at[1].strip(), affiliation=role_at[2].strip(), cues=("role at",))
    if came_from := _FROM.match(after):
        org = came_from[1].strip()
        keep = None if re.search(r"-[a-z]", org) else org  # "from the German-based startup"
        return replace(speaker, affiliation=keep, cues=("from",))
    if (role := _ROLE_BEFORE.search(before)) and after.startswith(","):
        filler = ("and", "his", "her", "their", "the", "a", "an")
        words = [w for w in role[1].split() if w.lower() not in filler]
        return replace(speaker, role=" ".join(words).capitalize() or None, cues=("role,",))
    if _POSSESSIVE_TALK.match(text, speaker.end):
        return replace(speaker, cues=("'s talk",))
    return speaker


def unknown_in_text(text: str, registry: Registry, known: list[Speaker]) -> list[Speaker]:
    """Give names outside the registry that the sentence marks as people."""
    taken = [(s.start, s.end) for s in known]
    known_names = {fold(name) for name in registry.names.values()}
    found: list[Speaker] = []
    for match in _NAME_RUN.finditer(text):
        candidate = _candidate(text, match)
        if candidate is None or fold(candidate.name) in known_names:
            continue
        if any(a < candidate.end and candidate.start < b for a, b in taken):
            continue
        found.append(_with_cues(text, candidate))
    return _share_and_cues(text, found)


def _share_and_cues(text: str, found: list[Speaker]) -> list[Speaker]:
    """In "X and Y from the Z", X gets Y's cue; then keep only the names with a cue."""
    shared = list(found)
    for index in range(len(shared) - 1, 0, -1):
        left, right = shared[index - 1], shared[index]
        if not left.cues and right.cues and _AND.match(text[left.end:right.start]):
            shared[index - 1] = replace(left, affiliation=right.affiliation, cues=("and",))
    unique: dict[str, Speaker] = {}
    for speaker in shared:
        if speaker.cues:
            unique.setdefault(fold(speaker.name), speaker)
    return list(unique.values())


def speakers_in_text(text: str, registry: Registry) -> list[Speaker]:
    """Give the people a talk's text names, in the order it first names them."""
    known = known_in_text(text, registry)
    return sorted(known + unknown_in_text(text, registry, known), key=lambda s: s.start)


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [part.strip() for part in [*parts, current] if part.strip()]


def speakers_from_line(text: str, registry: Registry) -> list[Speaker]:
    """Give the people of a "Speakers: A (Role, Org), B (Org)" line, as the posts write it."""
    speakers = []
    for entry in _split_top_level(re.sub(r"\s+and\s+", ", ", text)):
        name, _, extra = entry.partition("(")
        details = [part.strip() for part in extra.rstrip(")").split(",") if part.strip()]
        # The posts write "(Role, Affiliation)", or just one of them, taken as the affiliation.
        role = details[0] if len(details) > 1 else None
        affiliation = details[-1] if details else None
        name = name.strip()
        speakers.append(Speaker(name, registry.id_for(name), affiliation, role, cues=("speakers line",)))
    return speakers


def source_refs(speakers: list[Speaker], registry: Registry,
                proposed: dict[str, dict[str, str]]) -> list[tuple[Any, str | None]]:
    """Give each speaker as a source value (an id, or an inline person) and its proposed id.

    Unknown people are added to `proposed` (id -> people.yaml entry) under a fresh id.
    """
    refs: list[tuple[Any, str | None]] = []
    for speaker in speakers:
        pid = speaker.person_id or registry.id_for(speaker.name)
        if pid:
            refs.append((pid, None))
            continue
        entry = {"name": speaker.name}
        entry.update({k: v for k, v in (("affiliation", speaker.affiliation), ("role", speaker.role)) if v})
        new_id = next((i for i, e in proposed.items() if e["name"] == speaker.name), None)
        if new_id is None:
            new_id = base = slugify(speaker.name) or "person"
            counter = 2
            while new_id in registry.names or new_id in proposed:
                new_id, counter = f"{base}-{counter}", counter + 1
            proposed[new_id] = entry
        refs.append((dict(entry), new_id))
    return refs


@dataclass(frozen=True)
class Resolved:
    """Who a name in a post is: a person of people.yaml (`person_id`), an author of the
    blog's author file (`site_author`, with their full name), or nobody known (both None).
    `reason` says how a guess was made (a first name matched to one known person)."""

    name: str
    person_id: str | None = None
    site_author: str | None = None
    reason: str | None = None


def _first_name_match(name: str, names: dict[str, str]) -> str | None:
    """Give the key of the one entry whose first name is `name` (None when none or several)."""
    matches = [key for key, full in names.items() if fold(full.split()[0]) == fold(name) and " " in full]
    return matches[0] if len(matches) == 1 else None


def resolve(name: str, registry: Registry, site_authors: dict[str, str] | None) -> Resolved:
    """Give who `name` is: people.yaml by full name, then the author file by full name, then
    a lone first name that only one known person has (a guess, with its reason)."""
    if person_id := registry.id_for(name):
        return Resolved(registry.names[person_id], person_id)
    authors = site_authors or {}
    key = next((k for k, full in authors.items() if fold(full) == fold(name)), None)
    if key is not None:
        return Resolved(authors[key], registry.site_authors.get(key), key)
    if " " in name.strip():
        return Resolved(name)
    if person_id := _first_name_match(name, registry.names):
        return Resolved(registry.names[person_id], person_id,
                        reason=f"only the first name {name!r} is given; people.yaml has one {name}")
    if key := _first_name_match(name, authors):
        return Resolved(authors[key], registry.site_authors.get(key), key,
                        reason=f"only the first name {name!r} is given; the author file has one {name}")
    return Resolved(name)
