"""Schema and cross-file validation: every problem in every file, each located.

Schema problems come first. Cross-file rules (unique ids, people references, series,
time zones) then run on the documents that passed their schema, so they can trust the
shape of the data; a document with schema problems is checked again once it is fixed.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.convert import Converter
from pipeline.errors import EnvironmentProblem
from pipeline.images import image_problem
from pipeline.images import reference_problems as image_references
from pipeline.load import ContentSources
from pipeline.markdown_check import markdown_fields, markdown_problems
from pipeline.model import JsonPath, Problem, SourceDoc, parse_datetime, parse_moment
from pipeline.normalize import site_from
from pipeline.placeholders import placeholder_problems
from pipeline.schema_errors import translate
from pipeline.url_rules import params_problems, permalink_problems, url_problems

if TYPE_CHECKING:
    from jsonschema import Draft7Validator

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
SCHEMA_NAMES = ("recap", "people", "site")
REQUIRED_FORMATS = ("date", "date-time", "uri", "email")

# XML 1.0 allows tab, newline, carriage return and everything from U+0020 except the
# surrogates and U+FFFE/U+FFFF; feeds and typst choke on the rest, so they stop here.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class ValidationReport:
    """What validation found: problems (errors and warnings) sorted by file and position,
    and how many files were read. Only errors make a report not ok."""

    problems: tuple[Problem, ...]
    files_checked: int

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)


def schema_path(name: str) -> Path:
    return SCHEMA_DIR / f"{name}.schema.json"


@cache
def schema_validator(name: str) -> Draft7Validator:
    """Give one reusable validator per schema, with real format checking. jsonschema is
    imported here, on first use: a build that finds nothing changed never needs it."""
    from jsonschema import Draft7Validator

    checker = Draft7Validator.FORMAT_CHECKER
    missing = [f for f in REQUIRED_FORMATS if f not in checker.checkers]
    if missing:
        msg = (
            f"jsonschema cannot check the formats {', '.join(missing)}: "
            "install the project's dependencies (pip install -e .)"
        )
        raise EnvironmentProblem(msg)
    try:
        schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        msg = f"cannot read {schema_path(name)}: {error}"
        raise EnvironmentProblem(msg) from error
    return Draft7Validator(inline_refs(schema), format_checker=checker)


def inline_refs(schema: Any) -> Any:
    """Give `schema` with each local `{"$ref": "#/definitions/..."}` replaced by what it
    points to, which in draft-07 means the same (a `$ref`'s siblings are ignored).

    jsonschema resolves a `$ref` on every visit; over 1,000 recaps that was a third of the
    validation time. A definition that refers to itself, directly or not, stays a `$ref`.
    """
    definitions = schema.get("definitions", {}) if isinstance(schema, dict) else {}

    def inline(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [inline(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            name = ref.removeprefix("#/definitions/")
            if name in definitions and "/" not in name and name not in seen:
                return inline(definitions[name], (*seen, name))
        return {key: inline(value, seen) for key, value in node.items()}

    return inline(schema, ())


def schema_problems(doc: SourceDoc, name: str) -> list[Problem]:
    """Give every schema problem of one document."""
    errors = list(schema_validator(name).iter_errors(doc.data))
    # A URL that breaks the pattern usually breaks the format too; the pattern's message
    # (with its example) is the one worth reading, so the value gets one line, not two.
    patterned = {tuple(e.absolute_path) for e in errors if e.validator == "pattern"}
    return [
        problem
        for error in errors
        if not (error.validator == "format" and tuple(error.absolute_path) in patterned)
        for problem in translate(doc, error)
    ]


def _strings(value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), key
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def character_problems(doc: SourceDoc) -> list[Problem]:
    """Find characters that XML 1.0 forbids, which no feed or handout could carry."""
    problems = []
    for path, text in _strings(doc.data, ()):
        found = _XML_FORBIDDEN.search(text)
        if found:
            where = doc.position(path)
            code = f"U+{ord(found.group()):04X}"
            message = f"contains the control character {code}, which feeds and handouts cannot carry"
            problems.append(Problem(doc.file, where.line, where.column, path, message, "remove it"))
    return problems


_LINE_SEPARATORS = re.compile("[\r\x85\u2028\u2029]")
"""Line breaks other than LF: the schemas' one-line patterns (`^[^\\n]*$`) let them
through, and a CR in a title is a raw line break in an iCalendar `NAME:` line."""


def line_separator_problems(doc: SourceDoc, schema: str) -> list[Problem]:
    """Find CR, NEL and the Unicode line and paragraph separators outside Markdown fields."""
    markdown = {path for path, _ in markdown_fields(doc.data)} if schema == "recap" else set()
    problems = []
    for path, text in _strings(doc.data, ()):
        found = _LINE_SEPARATORS.search(text)
        if found and path not in markdown:
            message = f"contains the line separator U+{ord(found.group()):04X}, which plain text cannot hold"
            problems.append(_problem(doc, path, message, "keep the text on one line"))
    return problems


def _problem(doc: SourceDoc, path: JsonPath, message: str, hint: str | None = None) -> Problem:
    where = doc.position(path)
    return Problem(doc.file, where.line, where.column, path, message, hint)


def _person_refs(recap: dict[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    for index, author in enumerate(recap.get("authors", [])):
        yield ("authors", index), author
    for t, talk in enumerate(recap.get("talks", [])):
        for s, speaker in enumerate(talk["speakers"]):
            if isinstance(speaker, str):
                yield ("talks", t, "speakers", s), speaker
    for n, section in enumerate(recap.get("sections", [])):
        for g, guest in enumerate(section.get("guests", [])):
            if isinstance(guest, str):
                yield ("sections", n, "guests", g), guest


def _one_of(names: list[str]) -> str:
    """Give `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`."""
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _unknown_person(doc: SourceDoc, path: JsonPath, ref: str, known: Iterable[str],
                    inline: bool = True) -> Problem:
    """Say what the id is not, the three closest ids and, where a one-off person may stand,
    the inline form that needs no registry entry."""
    close = difflib.get_close_matches(ref, list(known), n=3, cutoff=0.6)
    hint = f"did you mean {_one_of(close)}?" if close else "add the person to content/people.yaml"
    if inline:
        hint += " or" if close else ", or"
        hint += ' write the person inline: {name: "Full Name", affiliation: "Company"}'
    return _problem(doc, path, f"{ref!r} is not in content/people.yaml", hint)


def reference_problems(recaps: list[SourceDoc], people: SourceDoc | None,
                       site: SourceDoc | None) -> list[Problem]:
    """Check that every person id used by recaps and the site exists in the registry."""
    if people is None:
        return []
    known = people.data.keys()
    problems = [
        _unknown_person(doc, path, ref, known, inline=path[0] != "authors")
        for doc in recaps
        for path, ref in _person_refs(doc.data)
        if ref not in known
    ]
    default_author = site.data.get("default_author") if site else None
    if site and default_author is not None and default_author not in known:
        problems.append(_unknown_person(site, ("default_author",), default_author, known, inline=False))
    return problems


def avatar_problems(people: SourceDoc, content_dir: Path) -> list[Problem]:
    """Check that every avatar the people register names is an image of the content folder."""
    problems = []
    for person_id, fields in people.data.items():
        avatar = fields.get("avatar") if isinstance(fields, dict) else None
        found = None if avatar is None else image_problem(content_dir, avatar)
        if found is not None:
            problems.append(_problem(people, (person_id, "avatar"), found,
                                     "a PNG, JPEG, WebP or GIF file inside the content folder"))
    return problems


def branding_problems(site: SourceDoc, content_dir: Path) -> list[Problem]:
    """Check that the logo the site names is an image file of the content folder."""
    logo = site.data.get("branding", {}).get("logo")
    found = None if logo is None else image_problem(content_dir, logo)
    if found is None:
        return []
    hint = "a PNG, JPEG, WebP or GIF file inside the content folder, e.g. images/logo.png"
    return [_problem(site, ("branding", "logo"), found, hint)]


def uniqueness_problems(recaps: list[SourceDoc]) -> list[Problem]:
    """Check that no two recaps share an id (feed readers know an entry by it); post URLs
    are checked by `url_rules`."""
    problems = []
    for key in ("id",):
        first_seen: dict[str, SourceDoc] = {}
        for doc in recaps:
            value = doc.data[key]
            if value in first_seen:
                other = first_seen[value]
                where = other.position((key,))
                message = f"{key} {value!r} is already used by another recap"
                hint = f"first used in {other.file}:{where.line}"
                if key == "id":
                    hint += "; run `invoke new` for a fresh id"
                problems.append(_problem(doc, (key,), message, hint))
            else:
                first_seen[value] = doc
    return problems


def series_problems(recaps: list[SourceDoc]) -> list[Problem]:
    """Check that the parts of each series agree and do not repeat."""
    problems = []
    first: dict[str, SourceDoc] = {}
    parts_seen: dict[tuple[str, int], SourceDoc] = {}
    for doc in recaps:
        series = doc.data.get("series")
        if series is None:
            continue
        if series["part"] > series["parts"]:
            problems.append(_problem(doc, ("series", "part"),
                                     f"part {series['part']} is beyond the series' {series['parts']} parts"))
        leader = first.setdefault(series["id"], doc)
        for key in ("name", "parts"):
            if leader.data["series"][key] != series[key]:
                where = leader.position(("series", key))
                message = f"series {key} {series[key]!r} differs from {leader.data['series'][key]!r}"
                hint = f"the series is defined in {leader.file}:{where.line}"
                problems.append(_problem(doc, ("series", key), message, hint))
        key_part = (series["id"], series["part"])
        if key_part in parts_seen:
            other = parts_seen[key_part]
            where = other.position(("series", "part"))
            message = f"part {series['part']} of series {series['id']!r} already exists"
            problems.append(_problem(doc, ("series", "part"), message, f"in {other.file}:{where.line}"))
        else:
            parts_seen[key_part] = doc
    return problems


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _zone_problem(doc: SourceDoc, path: JsonPath, name: str) -> Problem:
    return _problem(doc, path, f"{name!r} is not an IANA time zone",
                    "for example 'America/Los_Angeles', 'Europe/Berlin' or 'UTC'")


def format_offset(moment: datetime) -> str:
    """Give a UTC offset as written in ISO 8601: -07:00, +05:30."""
    return moment.isoformat()[-6:] if moment.utcoffset() else "+00:00"


def time_problems(doc: SourceDoc) -> list[Problem]:
    """Check dates that must follow each other and the next meeting's time zones."""
    recap = doc.data
    problems = []
    published = date.fromisoformat(recap["date"])
    updated = recap.get("updated")
    # Feeds publish a recap at midnight UTC of its date, so compare instants, not days.
    if updated and parse_moment(updated) < parse_moment(recap["date"]):
        hint = f"the recap is dated {published}"
        if len(updated) > 10:
            hint += f", which feeds read as {published}T00:00:00Z"
        problems.append(_problem(doc, ("updated",), "is before the recap's date", hint))
    event = recap.get("event", {})
    if "start" in event and "end" in event and event["end"] < event["start"]:
        problems.append(_problem(doc, ("event", "end"), "is before the event's first day"))
    meeting = recap.get("next_meeting")
    if meeting is None:
        return problems
    if "date" in meeting:  # known only by its day
        if date.fromisoformat(meeting["date"]) <= published:
            message = f"the next meeting ({meeting['date']}) is not after the recap's date ({published})"
            problems.append(_problem(doc, ("next_meeting", "date"), message))
        return problems
    start = parse_datetime(meeting["start"])
    zone = _zone(meeting["time_zone"])
    if zone is None:
        problems.append(_zone_problem(doc, ("next_meeting", "time_zone"), meeting["time_zone"]))
    elif start.utcoffset() != start.astimezone(zone).utcoffset():
        local = start.astimezone(zone)
        problems.append(_problem(
            doc, ("next_meeting", "start"),
            f"the offset {format_offset(start)} is not {meeting['time_zone']}'s offset at that time",
            f"{meeting['time_zone']} is at {format_offset(local)} then; "
            f"for {start:%H:%M} local time write {start.replace(tzinfo=zone).isoformat()}",
        ))
    if start.date() <= published:
        message = f"the next meeting ({start.date()}) is not after the recap's date ({published})"
        problems.append(_problem(doc, ("next_meeting", "start"), message))
    for index, shown in enumerate(meeting.get("display_zones", [])):
        if _zone(shown["zone"]) is None:
            path = ("next_meeting", "display_zones", index, "zone")
            problems.append(_zone_problem(doc, path, shown["zone"]))
    return problems


def kind_problems(doc: SourceDoc) -> list[Problem]:
    """Check what a kind of recap may hold: a review is sections only."""
    if doc.data["kind"] == "review" and "talks" in doc.data:
        return [_problem(doc, ("talks",), "a review has sections, not talks",
                         "write each theme as a section, or make the recap a conference recap")]
    return []


_NAME_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")


def file_date_problems(doc: SourceDoc) -> list[Problem]:
    """Warn when a file named `YYYY-MM-DD-….yaml` carries another `date:`: the name was
    written by `invoke new` and the date changed since, so one of them misleads."""
    name = Path(doc.file).name
    named = _NAME_DATE.match(name)
    if named is None or named.group(1) == doc.data["date"]:
        return []
    message = f"is {doc.data['date']}, but the file name says {named.group(1)}"
    hint = f"rename {name} to {doc.data['date']}-{named.group(2)}, or fix the date"
    where = doc.position(("date",))
    return [Problem(doc.file, where.line, where.column, ("date",), message, hint, "warning")]


def site_problems(recaps: list[SourceDoc], site_doc: SourceDoc | None) -> list[Problem]:
    """Check the rules that need the site's settings: permalinks, unique URLs, params."""
    if site_doc is None:
        return []
    problems = permalink_problems(site_doc)
    params = [(site_doc, ("markdown", "params")), *((doc, ("params",)) for doc in recaps)]
    problems += params_problems(params)
    if not problems:
        problems += url_problems(recaps, site_from(site_doc.data))
    return problems


LATEST_YEAR = 9000
"""Dates after this year are refused: a time zone, an offset or a duration added to
9999-12-31 leaves Python's calendar (OverflowError) in feeds, handouts and calendars."""
_DATE_PREFIX = re.compile(r"^(\d{4})-\d\d-\d\d(?:$|[Tt ])")


def far_date_problems(doc: SourceDoc) -> list[Problem]:
    """Find dates and date-times beyond `LATEST_YEAR`."""
    return [
        _problem(doc, path, f"is after the year {LATEST_YEAR}, later than any recap can be dated",
                 "check the year")
        for path, text in _strings(doc.data, ())
        if (found := _DATE_PREFIX.match(text)) and int(found[1]) > LATEST_YEAR
    ]


RESERVED_SLUGS = {"meetings": "calendar/meetings.ics is the calendar of every upcoming meeting"}
"""Slugs that would name a site-wide output."""
WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)),
                             *(f"lpt{n}" for n in range(10))})
"""Names Windows gives to devices: a checkout there cannot hold a file or folder so named."""


def reserved_name_problems(doc: SourceDoc) -> list[Problem]:
    """Refuse slugs, tags and series ids that would overwrite a site-wide output or that a
    Windows checkout of the output cannot hold."""
    recap = doc.data
    named: list[tuple[JsonPath, str]] = [(("slug",), recap["slug"])]
    named += [(("tags", index), tag) for index, tag in enumerate(recap.get("tags", ()))]
    if "series" in recap:
        named.append((("series", "id"), recap["series"]["id"]))
    problems = []
    for path, name in named:
        if path == ("slug",) and name in RESERVED_SLUGS:
            problems.append(_problem(doc, path, f"{name!r} is reserved: {RESERVED_SLUGS[name]}",
                                     "choose another slug"))
        elif name.lower() in WINDOWS_DEVICES:
            problems.append(_problem(doc, path, f"{name!r} is a device name on Windows, where no file can "
                                     "carry it", "choose another name"))
    return problems


def single_file_problems(doc: SourceDoc, schema: str) -> list[Problem]:
    """Give the problems one file has on its own; none for bytes that passed before."""
    if doc.checked:
        return []
    return schema_problems(doc, schema) + character_problems(doc) + line_separator_problems(doc, schema)


def validate_sources(sources: ContentSources, converter: Converter | None = None) -> ValidationReport:
    """Validate a loaded content folder: schemas first, then the cross-file rules. Pandoc
    reads every Markdown field through `converter` (default: a new one, in memory), which
    the build then renders with."""
    problems = list(sources.problems)
    named = [("site", sources.site), ("people", sources.people)]
    valid: dict[str, SourceDoc | None] = {}
    for name, doc in named:
        found = single_file_problems(doc, name) if doc else []
        problems.extend(found)
        valid[name] = doc if doc and not found else None
    valid_recaps = []
    for doc in sources.recaps:
        found = single_file_problems(doc, "recap") or far_date_problems(doc)
        problems.extend(found)
        if not found:
            valid_recaps.append(doc)
    unchecked = [doc for doc in valid_recaps if not doc.checked]
    problems.extend(markdown_problems(unchecked, converter or Converter()))
    problems.extend(reference_problems(valid_recaps, valid["people"], valid["site"]))
    if valid["site"] is not None and sources.content_dir is not None:
        problems.extend(branding_problems(valid["site"], sources.content_dir))
    if valid["people"] is not None and sources.content_dir is not None:
        problems.extend(avatar_problems(valid["people"], sources.content_dir))
    problems.extend(uniqueness_problems(valid_recaps))
    problems.extend(series_problems(valid_recaps))
    problems.extend(site_problems(valid_recaps, valid["site"]))
    for doc in valid_recaps:
        problems.extend(time_problems(doc))
        problems.extend(kind_problems(doc))
        problems.extend(placeholder_problems(doc))
        problems.extend(file_date_problems(doc))
        problems.extend(image_references(doc, sources.images.get(doc.file, ())))
        problems.extend(reserved_name_problems(doc))
    return ValidationReport(tuple(sorted(set(problems))), sources.files_read)
