"""Read a post's shape from its own words: which kind of recap, what each section is, who
took part.

Every answer comes with the evidence it was read from (a keyword, a heading, a sentence),
which becomes the `# guessed:` comment; where a post gives no evidence the answer is the
plain default (a meeting, an `other` section, no guests), never an invented detail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.importer.people import NOT_NAMES, fold

_MEETING = re.compile(r"\b(community (meeting|call)|meetup|office hours|meeting recap|monthly meeting)\b")
_CONFERENCE = re.compile(r"\b(kubecon|cloudnativecon|conference|summit|[a-z]+con (eu|na|europe|north america)"
                         r"|servicemeshcon)\b")
_REVIEW = re.compile(r"\b(year in review|(19|20)\d\d (recap|in review|review)|recap of (the|my|our) year"
                     r"|looking back at (19|20)\d\d)\b")
_WORKSHOP = re.compile(r"^workshop recap\s*:\s*(?P<name>.+)$|\bworkshop recap\b", re.IGNORECASE)
_TALK_HEADING = re.compile(r"^(panel|keynote|lightning talk|talk|fireside chat)\b", re.IGNORECASE)
_AGENDA_WORDS = re.compile(r"\b(community|events?|announcements?)\b", re.IGNORECASE)
"""Headings a meeting's agenda has that name no section kind of their own."""
_AGENDA_KINDS = frozenset({"news", "roadmap", "qa", "conversation", "hero", "deep-dive", "spotlight", "demo"})

HEADING_KINDS = (("q&a", "qa"), ("questions", "qa"), ("ask me anything", "qa"), ("roadmap", "roadmap"),
                 ("look ahead", "roadmap"), ("what's next", "roadmap"), ("news", "news"), ("updates", "news"),
                 ("hero", "hero"), ("heroes", "hero"), ("deep dive", "deep-dive"), ("convo", "conversation"),
                 ("conversation", "conversation"), ("interview", "conversation"), ("spotlight", "spotlight"),
                 ("highlight", "spotlight"), ("announcement", "announcement"), ("demo", "demo"),
                 ("workshop", "workshop"))
"""Words of a heading and the section kind each names, the first match winning."""
_DEMOED = re.compile(r"\bdemo(ed|s|nstrated)\b")


@dataclass(frozen=True)
class Kind:
    """A recap kind and the evidence for it; `workshop` names the workshop a recap writes up."""

    kind: str
    reason: str
    workshop: str | None = None


def recap_kind(title: str, keywords: list[str], headings: list[str], speaker_lines: int = 0) -> Kind:
    """Give the recap's kind from its title, keywords, headings and "Speakers:" lines; talks
    found in the text never make a meeting a conference (a meeting has deep dives and demos too)."""
    named = fold(" ".join([title, *keywords]))
    if found := _WORKSHOP.search(" ".join(title.split())):
        name = (found["name"] or "").strip() or None
        return Kind("review", "a workshop recap: the workshop written up, in sections", name)
    if match := _MEETING.search(named):
        return Kind("meeting", f"the title or keywords say {match[0]!r}")
    if match := _REVIEW.search(named):
        return Kind("review", f"the title or keywords say {match[0]!r}: a review of a period, in sections")
    if match := _CONFERENCE.search(named):
        return Kind("conference", f"the title or keywords name a conference ({match[0]!r})")
    talks = [title for title in headings if _TALK_HEADING.match(title)]
    if talks:
        return Kind("conference", f"headings name talks ({', '.join(repr(t) for t in talks[:3])})")
    if speaker_lines:
        return Kind("conference", f"{speaker_lines} \"Speakers:\" line(s) under the headings")
    agenda = [title for title in headings
              if heading_kind(title) in _AGENDA_KINDS or _AGENDA_WORDS.search(title)]
    if len(agenda) >= 2:
        return Kind("meeting", f"agenda headings ({', '.join(repr(t) for t in agenda[:3])})")
    return Kind("meeting", "no kind named in the title, keywords or headings: a meeting unless you know")


def heading_kind(title: str) -> str:
    """Give the agenda kind a heading names ("News", "Deep dive with …", "Linkerd Hero"), else "other"."""
    lowered = fold(title).replace("\u2019", "'")
    named = (kind for word, kind in HEADING_KINDS if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered))
    return next(named, "other")


def section_kind(title: str, first_paragraph: str, recap: str) -> tuple[str, str]:
    """Give a section's kind and why: its heading's words, a demo its text tells of, and in
    a review a theme."""
    if recap == "review":  # an article's "Demo vs Production" is no demo
        return "theme", "a part of a review: a theme"
    kind = heading_kind(title)
    if kind != "other":
        return kind, "from the heading"
    if recap == "meeting" and _DEMOED.search(first_paragraph):
        return "demo", "its first paragraph tells of a demo"
    return "other", "a heading that names no agenda item"


_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[A-Z][a-zà-öø-ÿ]+)?(?:[\u2019'-][A-Za-zà-öø-ÿ]+)*"
_NAME = rf"{_WORD}(?:\s+(?:de |van |von |da )?{_WORD}){{0,2}}"
_NAMES = rf"{_NAME}(?:\s*(?:,|&|\band\b)\s*{_NAME})*"
_HEADING_WITH = re.compile(
    rf"\bwith\s+(?:our\s+own\s+)?(?P<names>{_NAMES})(?:\s+from\s+(?P<org>[^:]+?))?\s*(?::|$)")
_HEADING_NAMED = re.compile(rf":\s*(?P<names>{_NAME})(?:\s+and\s+the\s+.+)?$")
_PAIR = rf"{_NAME}(?:\s*(?:&|\band\b)\s*{_NAME})?"
"""One name or two ("Eli and Omri"): no commas, so that only an appositive takes one, and
the search stays linear in the text."""
_PRESENTER = re.compile(
    rf"(?<![\w-])(?P<names>{_PAIR})(?P<appos>,[^.;,]{{1,120}}(?:,[^.;,]{{1,120}})?,)?"
    r"(?:\s+from\s+(?:the\s+)?(?P<org>[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*){0,3})(?:\s+team)?)?"
    r",?\s+(?:shared|presented|demoed|demonstrated|talked|walked|explained|showed|joined|gave|told)\b")
_GUEST = re.compile(rf"\bour (?:guest|guests|guest speaker|guest speakers)(?: [a-z ]{{0,30}}?)? "
                    rf"(?:was|were)\s+(?P<names>{_NAMES})(?P<appos>,[^.;]{{1,120}}?[,.])?")
_HEARD_FROM = re.compile(rf"\bheard from\s+(?P<names>{_NAMES})")
_HOSTED_BY = re.compile(rf"\b(?:hosted|moderated|led) by\s+(?:our\s+own\s+)?(?P<names>{_NAMES})")
_OUR_OWN = re.compile(rf"\bconversation with our own\s+(?P<names>{_NAMES})")
_ROLE_AT = re.compile(
    r"^,\s*(?:also\s+)?(?:an?\s+)?(?P<role>[^,]{1,60}?)\s+at\s+(?P<org>[A-Z][^,]{1,60}?)\s*[,.]")
_NOT_PEOPLE = frozenset({"linkerd", "kubernetes", "the", "this", "that", "our", "we", "it", "last", "first",
                         "there", "here", "as", "in", "on", "at", "of", "and", "but", "so", "if", "when",
                         "after", "before", "during", "since", "while", "today", "finally", "also", "then",
                         "both", "everyone", "everybody", "they", "he", "she", "you", "i", "a", "an",
                         "maintainers", "contributors", "adopters", "users", "guests", "speakers",
                         "panelists", "folks", "friends", "members", "experts", "community", "team",
                         "special"})
"""Words that start or make up a run of capitalised words that is not a person's name."""


@dataclass(frozen=True)
class Person:
    """A name the text gives for someone who took part, with what it says of them."""

    name: str
    affiliation: str | None = None
    role: str | None = None
    cue: str = ""


def _split_names(names: str) -> list[str]:
    parts = re.split(r"\s*(?:,|&|\band\b)\s*", names)
    return [" ".join(part.split()) for part in parts if part.strip()]


def _people(names: str, cue: str, org: str | None = None, appos: str | None = None) -> list[Person]:
    """Give the people a matched run of names holds (an appositive "X, Role at Org," too)."""
    found = []
    role = affiliation = None
    if appos and (role_at := _ROLE_AT.match(appos)):
        role, affiliation = re.sub(r"^(?:and|also)\s+", "", role_at["role"].strip()), role_at["org"].strip()
    for name in _split_names(names):
        words = name.split()
        while words and fold(words[0]) in _NOT_PEOPLE:
            words.pop(0)
        if not words or any(fold(word) in _NOT_PEOPLE or word in NOT_NAMES for word in words):
            continue
        found.append(Person(" ".join(words), (org or affiliation or None), role, cue))
    if len(found) > 1:  # an appositive describes the one person it follows
        found = [Person(p.name, org, None, p.cue) for p in found]
    return found


_LEAD_LIMIT = 1000
"""Characters of a section's first paragraph searched for its guests: they are named early."""


def _first_sentences(text: str) -> str:
    return " ".join(re.split(r"(?<=[.!?])\s+", text)[:3])


def _described(person: Person, text: str) -> Person:
    """Give the person with the role and affiliation the text gives them ("Name, Role at Org,")."""
    if person.role:
        return person
    found = re.search(rf"{re.escape(person.name)}(,[^.;]{{1,120}}?[,.])", text)
    role_at = _ROLE_AT.match(found[1]) if found else None
    if role_at is None:
        return person
    affiliation = person.affiliation or role_at["org"].strip()
    return Person(person.name, affiliation, role_at["role"].strip(), person.cue)


def section_guests(title: str, kind: str, first_paragraph: str) -> list[Person]:
    """Give a meeting section's guests, described as its first paragraph describes them."""
    return [_described(person, first_paragraph) for person in _section_guests(title, kind, first_paragraph)]


def _section_guests(title: str, kind: str, first_paragraph: str) -> list[Person]:
    """Give a meeting section's guests: "… with Name" or "…: Name" in its heading, "our guest
    was Name", "heard from Name" or "Name … presented/shared/demoed" in its first paragraph.
    A hero announced or a name mentioned in passing is not a guest."""
    if kind in ("hero", "news"):
        return []
    heading = " ".join(title.split())[:200]
    if found := _HEADING_WITH.search(heading):
        return _people(found["names"], f"the heading {heading!r}", (found["org"] or "").strip() or None)
    if kind in ("spotlight", "conversation") and (found := _HEADING_NAMED.search(heading)):
        named = _people(found["names"], f"the heading {heading!r}")
        if named and len(named[0].name.split()) > 1:
            return named
    lead = _first_sentences(first_paragraph[:_LEAD_LIMIT])
    for pattern in (_GUEST, _HEARD_FROM, _PRESENTER):
        if found := pattern.search(lead):
            groups = found.groupdict()
            cue = " ".join(found[0].split())
            return _people(found["names"], f"the words {cue!r}", groups.get("org"), groups.get("appos"))
    return []


def meeting_hosts(paragraphs: list[str]) -> list[Person]:
    """Give the meeting's hosts: "hosted by Name" or "a conversation with our own Name"."""
    for text in paragraphs:
        for pattern in (_HOSTED_BY, _OUR_OWN):
            if found := pattern.search(text):
                return _people(found["names"], f"the words {' '.join(found[0].split())!r}")
    return []
