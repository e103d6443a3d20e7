"""The only code that writes into the output folder: atomic, confined, and lazy.

Each output goes to a temporary file beside its target (`.<name>.tmp`) and is moved into
place with `os.replace`, so a reader (or a build killed half way) sees either the complete
old file or the complete new one. Outputs whose bytes did not change are not touched.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import IO

from pipeline.errors import PublishError
from pipeline.manifest import MANIFEST_NAME, Manifest, file_sha256
from pipeline.model import Artifact

TEMP_SUFFIX = ".tmp"
LOCK_NAME = ".recap-build.lock"
LOCK_WAIT_SECONDS = 30.0
"""How long a build waits for another build into the same folder (`serve` rebuilding,
say) before it gives up with exit 2."""


@dataclass(frozen=True)
class PublishResult:
    written: tuple[PurePosixPath, ...]
    unchanged: tuple[PurePosixPath, ...]
    removed: tuple[PurePosixPath, ...] = ()
    manifest: Manifest | None = None
    """The manifest as published, with every output's hash."""


def confined_path(out_dir: Path, relative: PurePosixPath,
                  folders: dict[PurePosixPath, Path] | None = None) -> Path:
    """Give where `relative` lands inside `out_dir`, refusing anything that would escape it.

    `folders` remembers resolved folders during one publish: resolving costs a system call
    per path component, and 5,000 outputs share a few hundred folders. A file that is
    itself a symbolic link is always resolved.
    """
    if relative.is_absolute() or not relative.parts or ".." in relative.parts:
        msg = f"refusing to write {relative}: outputs must stay inside {out_dir}"
        raise PublishError(msg)
    known = {} if folders is None else folders
    root = known.get(PurePosixPath("."))
    if root is None:
        root = known[PurePosixPath(".")] = out_dir.resolve()
    folder = known.get(relative.parent)
    if folder is None:
        folder = known[relative.parent] = (root / relative.parent).resolve()
    target = folder / relative.name
    if target.is_symlink():
        target = target.resolve()
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


def published_files(out_dir: Path) -> set[str] | None:
    """Give every file under `out_dir` (relative, `/`-separated), or None when an
    interrupted build left temporary files there, which only a publish sweeps."""
    found: set[str] = set()
    for folder, _, names in os.walk(out_dir):
        prefix = Path(folder).relative_to(out_dir).as_posix()
        for name in names:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                return None
            found.add(name if prefix == "." else f"{prefix}/{name}")
    return found


def sweep_temp_files(out_dir: Path) -> list[Path]:
    """Remove temporary files left by an interrupted build; give what was removed."""
    if not out_dir.is_dir():
        return []
    stale = [p for p in out_dir.rglob(f".*{TEMP_SUFFIX}") if p.is_file()]
    for path in stale:
        path.unlink()
    return stale


def publish(artifacts: Iterable[Artifact], out_dir: Path,
            remove: Iterable[PurePosixPath] = (), manifest: Manifest | None = None) -> PublishResult:
    """Write every artifact whose bytes changed, then remove outputs no longer produced,
    then write the manifest: as one transaction. Site-wide outputs (feeds, indexes) are
    written after the posts they point to.

    Each replaced or removed file is kept as a hard link until the end; if anything fails
    (a full disk, an interrupt) every change is undone and dist/ is as it was. A build
    killed outright leaves each file complete, its old or its new version, and the
    leftover links are swept by the next build.
    """
    ordered = sorted(artifacts, key=lambda a: (a.recap_id is None, a.path))
    folders: dict[PurePosixPath, Path] = {}
    targets = [(artifact, confined_path(out_dir, artifact.path, folders)) for artifact in ordered]
    doomed = [(relative, confined_path(out_dir, relative, folders)) for relative in remove]
    journal = _Journal()
    try:
        sweep_temp_files(out_dir)
        written, unchanged = _write_changed(targets, journal)
        removed = [relative for relative, target in doomed if journal.remove(target)]
        if manifest is not None:
            manifest = replace(manifest, files=_file_hashes(manifest, targets, out_dir, folders))
            content = manifest.to_bytes()
            target = confined_path(out_dir, PurePosixPath(MANIFEST_NAME))
            if not (target.is_file() and target.read_bytes() == content):
                journal.write(target, content)
    except OSError as error:
        journal.roll_back()
        msg = f"cannot publish into {out_dir}: {error.strerror or error}"
        if error.filename:
            msg += f" ({error.filename})"
        raise PublishError(f"{msg}; every file is as it was") from error
    except BaseException:
        journal.roll_back()
        raise
    journal.commit(out_dir)
    return PublishResult(tuple(written), tuple(unchanged), tuple(removed), manifest)


def _file_hashes(manifest: Manifest, targets: list[tuple[Artifact, Path]], out_dir: Path,
                 folders: dict[PurePosixPath, Path]) -> dict[str, str]:
    """Give the SHA-256 of each output of `manifest` as published: of the bytes this build
    wrote (or found unchanged), else as last recorded (the build checked those files)."""
    written = {str(artifact.path): artifact.content for artifact, _ in targets}
    hashes = {}
    for path in sorted(manifest.outputs()):
        if path in written:
            hashes[path] = hashlib.sha256(written[path]).hexdigest()
        elif path in manifest.files:
            hashes[path] = manifest.files[path]
        else:
            found = file_sha256(confined_path(out_dir, PurePosixPath(path), folders))
            if found is not None:
                hashes[path] = found
    return hashes


def _write_changed(targets: list[tuple[Artifact, Path]],
                   journal: _Journal) -> tuple[list[PurePosixPath], list[PurePosixPath]]:
    written, unchanged = [], []
    for artifact, target in targets:
        if target.is_file() and target.read_bytes() == artifact.content:
            unchanged.append(artifact.path)
        else:
            journal.write(target, artifact.content)
            written.append(artifact.path)
    return written, unchanged


class _Journal:
    """What a publish changed, so that it can be undone: (target, kept old version)."""

    def __init__(self) -> None:
        self.changes: list[tuple[Path, Path | None]] = []

    def _keep_old(self, target: Path) -> Path | None:
        """Keep the published version beside its target: a hard link costs neither a copy
        nor memory. Its name ends in `.tmp`, so a killed build's leftovers are swept."""
        if not target.is_file():
            return None
        backup = target.with_name(f".{target.name}.old{TEMP_SUFFIX}")
        backup.unlink(missing_ok=True)
        try:
            os.link(target, backup)
        except OSError:  # a file system without hard links: copy instead
            backup.write_bytes(target.read_bytes())
        return backup

    def write(self, target: Path, content: bytes) -> None:
        self.changes.append((target, self._keep_old(target)))
        write_atomically(target, content)

    def remove(self, target: Path) -> bool:
        backup = self._keep_old(target)
        if backup is None:
            return False
        self.changes.append((target, backup))
        target.unlink()
        return True

    def roll_back(self) -> None:
        """Put back every replaced or removed file, newest change first; remove new ones.
        One change that cannot be undone does not stop the others from being undone."""
        for target, backup in reversed(self.changes):
            with suppress(OSError):
                temp_path_for(target).unlink(missing_ok=True)
            with suppress(OSError):
                if backup is None:
                    if target.is_file() or target.is_symlink():  # never a folder in its way
                        target.unlink()
                elif target.exists() and os.path.samefile(backup, target):
                    backup.unlink()  # never replaced: rename() between two links to one file is a no-op
                else:
                    os.replace(backup, target)

    def commit(self, out_dir: Path) -> None:
        """Drop the kept versions and the folders that removals left empty."""
        root = out_dir.resolve()
        for target, backup in self.changes:
            if backup is not None:
                backup.unlink(missing_ok=True)
            folder = target.parent
            while folder != root and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent


@contextmanager
def output_lock(out_dir: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the output folder for one build: a second build into it waits up to `wait`
    seconds (default `LOCK_WAIT_SECONDS`), then raises `PublishError`.

    The lock is an advisory `flock` on a file in the folder, released by the kernel if the
    build dies; the file is removed when the build ends, and a folder this build created
    only to lock it is removed too.
    """
    created = not out_dir.exists()
    path = out_dir / LOCK_NAME
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = _acquire(path, LOCK_WAIT_SECONDS if wait is None else wait)
    except OSError as error:
        msg = f"cannot lock the output folder {out_dir}: {error.strerror or error}"
        raise PublishError(msg) from error
    try:
        yield
    finally:
        path.unlink(missing_ok=True)  # before unlocking, so a waiter sees it went
        handle.close()
        if created:
            with suppress(OSError):  # it holds outputs now
                out_dir.rmdir()


def _acquire(path: Path, wait: float) -> IO[str]:
    if sys.platform == "win32":  # pragma: no cover - no flock; builds are not serialized there
        return path.open("a", encoding="utf-8")
    import fcntl

    deadline = time.monotonic() + wait
    while True:
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            if time.monotonic() >= deadline:
                msg = (f"another build (process {holder}) is writing into {path.parent}; "
                       f"waited {wait:g} s: run this one again when it has finished")
                raise PublishError(msg) from None
            time.sleep(0.1)
            continue
        try:  # the build before this one may have removed the file after it was opened
            if os.fstat(handle.fileno()).st_ino == path.stat().st_ino:
                handle.seek(0)
                handle.truncate()
                handle.write(f"{os.getpid()}\n")
                handle.flush()
                return handle
        except FileNotFoundError:
            pass
        handle.close()
