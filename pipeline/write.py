"""The only code that writes into the output folder: atomic, confined, and lazy.

Each output goes to a temporary file beside its target (`.<name>.tmp`) and is moved into
place with `os.replace`, so a reader (or a build killed half way) sees either the complete
old file or the complete new one. Outputs whose bytes did not change are not touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.errors import PublishError
from pipeline.manifest import MANIFEST_NAME, Manifest
from pipeline.model import Artifact

TEMP_SUFFIX = ".tmp"


@dataclass(frozen=True)
class PublishResult:
    written: tuple[PurePosixPath, ...]
    unchanged: tuple[PurePosixPath, ...]


def confined_path(out_dir: Path, relative: PurePosixPath) -> Path:
    """Give where `relative` lands inside `out_dir`, refusing anything that would escape it."""
    if relative.is_absolute() or not relative.parts or ".." in relative.parts:
        msg = f"refusing to write {relative}: outputs must stay inside {out_dir}"
        raise PublishError(msg)
    root = out_dir.resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        msg = f"refusing to write {relative}: it resolves outside {root}"
        raise PublishError(msg)
    return target


def temp_path_for(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_SUFFIX}")


def write_atomically(target: Path, content: bytes) -> None:
    """Write `content` to `target` through a temporary file and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(target)
    with temp.open("wb") as handle:
        handle.write(content)
    os.replace(temp, target)


def sweep_temp_files(out_dir: Path) -> list[Path]:
    """Remove temporary files left by an interrupted build; give what was removed."""
    if not out_dir.is_dir():
        return []
    stale = [p for p in out_dir.rglob(f".*{TEMP_SUFFIX}") if p.is_file()]
    for path in stale:
        path.unlink()
    return stale


def publish(artifacts: Iterable[Artifact], out_dir: Path) -> PublishResult:
    """Write every artifact whose bytes changed. Site-wide outputs (feeds, indexes) go
    last, so that a feed never points at a post that is not there yet."""
    ordered = sorted(artifacts, key=lambda a: (a.recap_id is None, a.path))
    targets = [(artifact, confined_path(out_dir, artifact.path)) for artifact in ordered]
    sweep_temp_files(out_dir)
    written, unchanged = [], []
    for artifact, target in targets:
        if target.is_file() and target.read_bytes() == artifact.content:
            unchanged.append(artifact.path)
            continue
        write_atomically(target, artifact.content)
        written.append(artifact.path)
    return PublishResult(tuple(written), tuple(unchanged))


def remove_outputs(paths: Iterable[PurePosixPath], out_dir: Path) -> list[PurePosixPath]:
    """Delete outputs no longer produced (a deleted recap's, a renamed slug's old ones) and
    the folders they leave empty; give what was actually removed."""
    root = out_dir.resolve()
    removed = []
    for relative in paths:
        target = confined_path(out_dir, relative)
        if target.is_file():
            target.unlink()
            removed.append(relative)
        folder = target.parent
        while folder != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return removed


def write_manifest(manifest: Manifest, out_dir: Path) -> None:
    """Write the manifest last, atomically: until then the previous one stands."""
    target = confined_path(out_dir, PurePosixPath(MANIFEST_NAME))
    content = manifest.to_bytes()
    if not (target.is_file() and target.read_bytes() == content):
        write_atomically(target, content)
