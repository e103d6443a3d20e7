"""What each output depends on, and what the last build made: the incremental build's memory.

Every output belongs to a *unit*: one format for one recap (a post, a handout, a recap's
JSON) or one format's site-wide outputs (indexes), or one channel of them (a feed channel),
named by a `UnitId`. A unit's key is a hash of all it depends on: the code, templates and
tools its format declares (`Format.fingerprint`), the site settings, and for a recap unit
its source, the people records it uses and its series siblings; a site-wide unit's key
covers the keys of the recaps it shows. The manifest in the output folder records each
unit's key and outputs; a unit is rebuilt when its key changed or one of its outputs is
missing or not the file the build wrote: the manifest records each output's SHA-256, and
a file whose bytes differ is stale, so a build killed while publishing can never leave a
wrong "up to date". It also records a `Stamp` of the whole build (every file of the
pipeline included), which lets an unchanged build stop before parsing anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.fingerprint import pipeline_fingerprint
from pipeline.load import recap_paths

if TYPE_CHECKING:
    from pipeline.load import ContentSources
    from pipeline.model import Catalog, Recap

MANIFEST_NAME = ".recap-manifest.json"
MANIFEST_VERSION = 3
SITE = "*"
"""What stands for the recap id in the names of site-wide units."""


@dataclass(frozen=True)
class UnitId:
    """What rebuilds together: one format's outputs for one recap (a post, a handout),
    or, with `recap` None, its site-wide outputs: all of them, or one `channel` of them
    for a format that splits them (a feed channel); `channel` is empty otherwise."""

    format: str
    recap: str | None = None
    channel: str = ""

    def __str__(self) -> str:
        """Give the unit's name in the manifest file: `<format> <recap id>`, or
        `<format> *<channel>` for site-wide outputs (recap ids never start with `*`)."""
        return f"{self.format} {SITE + self.channel if self.recap is None else self.recap}"

    @classmethod
    def parse(cls, name: str) -> UnitId:
        """Give the unit `name` (`str(unit)`) names; ValueError if it names none."""
        format_name, owner = name.split(" ", 1)
        if owner.startswith(SITE):
            return cls(format_name, None, owner.removeprefix(SITE))
        return cls(format_name, owner)


@dataclass(frozen=True)
class UnitRecord:
    """What one unit's last build used and made."""

    key: str
    outputs: tuple[str, ...]


Seen = dict[str, tuple[int, int, str]]
"""Output path -> (size, modification time in ns, SHA-256) when a build last saw the file:
an output with that size and time need not be read to know its hash (`pipeline.seen`)."""


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass(frozen=True)
class Stamp:
    """What the last build read, so that the next can prove in a few milliseconds that it
    has nothing to do: without it a no-op rebuild of 1,000 recaps parses, validates and
    normalizes everything only to find every key unchanged (measured, Markdown + feeds +
    JSON, 2 cores: 0.31 s with the stamp, 1.42 s without)."""

    digest: str
    """`build_digest` of the content, code and settings the build used."""
    files: int
    """How many content files it checked (all passed)."""
    recaps: int
    """How many recaps it published."""
    valid_until: str | None = None
    """When a scheduled recap the build left out goes out (ISO 8601), if one does."""

    def holds(self, digest: str, now: datetime) -> bool:
        """Say whether a build with `digest` at `now` would publish what this one did."""
        if digest != self.digest:
            return False
        return self.valid_until is None or now < datetime.fromisoformat(self.valid_until)


@dataclass(frozen=True)
class Manifest:
    """Unit -> what its last build used and made; the file names units by `str(unit)`."""

    units: Mapping[UnitId, UnitRecord]
    stamp: Stamp | None = field(default=None, compare=False)
    files: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Output path -> SHA-256 of the bytes the build that published it wrote there."""

    def outputs(self) -> set[str]:
        return {path for record in self.units.values() for path in record.outputs}

    def changed_outputs(self, out_dir: Path, seen: Seen | None = None) -> set[str]:
        """Give the outputs that are missing or hold other bytes than were published; a
        file `seen` with its size and time unchanged is not read again."""
        changed = set()
        for path in self.outputs():
            expected, target = self.files.get(path), out_dir / path
            try:
                status = target.stat()
            except OSError:
                changed.add(path)
                continue
            if seen and seen.get(path) == (status.st_size, status.st_mtime_ns, expected):
                continue
            if expected is None or file_sha256(target) != expected:
                changed.add(path)
        return changed

    def to_bytes(self) -> bytes:
        document: dict[str, Any] = {
            "version": MANIFEST_VERSION,
            "units": {str(unit): {"key": record.key, "outputs": sorted(record.outputs)}
                      for unit, record in self.units.items()},
        }
        if self.stamp is not None:
            document["stamp"] = asdict(self.stamp)
        document["files"] = dict(sorted(self.files.items()))
        return (json.dumps(document, sort_keys=True, indent=1) + "\n").encode("utf-8")


def read_manifest(out_dir: Path) -> Manifest:
    """Give the last build's manifest; an absent or unreadable one means build everything."""
    try:
        document = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        if document.get("version") != MANIFEST_VERSION:
            return Manifest({})
        units = {
            UnitId.parse(name): UnitRecord(str(record["key"]), tuple(str(p) for p in record["outputs"]))
            for name, record in document["units"].items()
        }
        stamp = document.get("stamp")
        if stamp is not None:
            valid_until = stamp["valid_until"]
            stamp = Stamp(str(stamp["digest"]), int(stamp["files"]), int(stamp["recaps"]),
                          None if valid_until is None else str(valid_until))
        files = {str(path): str(sha) for path, sha in document.get("files", {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Manifest({})
    return Manifest(units, stamp, files)


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_digest(content_dir: Path, settings: Mapping[str, Any]) -> str:
    """Hash everything a build reads: the bytes of every content file and image, the code, templates,
    schemas and tools (`pipeline_fingerprint`) and the settings that choose the outputs."""
    digest = hashlib.sha256(pipeline_fingerprint().encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    sources = [content_dir / "site.yaml", content_dir / "people.yaml", *recap_paths(content_dir)]
    for path in (*sources, *_other_files(content_dir, set(sources))):
        digest.update(b"\0" + path.relative_to(content_dir).as_posix().encode())
        try:
            digest.update(b"\0" + hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"\0missing")
    return digest.hexdigest()


def _other_files(content_dir: Path, sources: set[Path]) -> list[Path]:
    """Give every other file of the content folder (the logo, each recap's images, and
    anything wrongly kept beside them): outputs and validation depend on them too."""
    return sorted(path for path in content_dir.rglob("*") if path.is_file() and path not in sources)


def _series_siblings(recap: Recap, published: Iterable[Recap]) -> list[Any]:
    if recap.series is None:
        return []
    return sorted(
        (other.id, other.series.part, other.title, other.slug, other.date.isoformat())
        for other in published
        if other.series is not None and other.series.id == recap.series.id and other.id != recap.id
    )


def recap_keys(catalog: Catalog, sources: ContentSources) -> dict[str, str]:
    """Give each published recap's dependency key: all its outputs depend on but code."""
    # The source's bytes stand for its data: hashing them is free (loading did), while
    # encoding 1,000 recaps' data to hash it cost 0.3 s.
    data_by_id = {doc.data["id"]: doc.digest or doc.data for doc in sources.recaps}
    people = sources.people.data if sources.people else {}
    site = asdict(catalog.site)
    return {
        recap.id: _digest(
            site, data_by_id[recap.id],
            {person: people.get(person) for person in recap.people_ids},
            [_avatar_digest(catalog, person) for person in recap.people_ids],
            [(image.name, hashlib.sha256(image.content).hexdigest()) for image in recap.images],
            _series_siblings(recap, catalog.recaps),
        )
        for recap in catalog.recaps
    }


def _avatar_digest(catalog: Catalog, person_id: str) -> str | None:
    """Give the digest of a person's avatar: its bytes, not its path, are what is published."""
    person = catalog.people.get(person_id)
    return person.avatar.digest if person and person.avatar else None


def recap_unit_key(fingerprint: str, recap_key: str) -> str:
    """Give the key of one format's outputs for one recap: the format's `fingerprint` (its
    code, templates and tools) and the recap's key."""
    return _digest(fingerprint, recap_key)


def site_key(fingerprint: str, catalog: Catalog, keys: Mapping[str, str], channel: str,
             recap_ids: Iterable[str]) -> str:
    """Give the key of a format's site-wide outputs: its `fingerprint`, the channel's name
    and the keys of the recaps it shows, in order (for a format without channels: every
    published recap)."""
    return _digest(fingerprint, asdict(catalog.site), channel, [(i, keys[i]) for i in recap_ids])
