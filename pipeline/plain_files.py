"""Reading a source: only plain files, and never more bytes than a source may have.

A contributor controls file names and, in a checkout, what a name points to: a symbolic
link to a secret, a FIFO that blocks for ever, a device that never ends.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 1_000_000
"""A seed-sized recap is 15 kB; a 200-talk conference fits with room to spare."""


class NotAPlainFile(Exception):
    """A source that is a symbolic link, a FIFO or a device: never read."""


def read_plain_file(path: Path, follow_links: bool = False) -> tuple[bytes, int]:
    """Give at most `MAX_FILE_BYTES` + 1 bytes of a regular file, and its size: a 3 GB
    file is not read whole to learn it is too big.

    A symbolic link is refused, not followed, unless asked (`recaps/x.yaml ->
    ~/.docker/config.json` would print the secret's values in problems and pull-request
    annotations), and so is anything that is not a plain file: a FIFO would block the
    read for ever, `/dev/zero` never ends.
    """
    if path.is_symlink() and not follow_links:
        msg = "the file is a symbolic link; sources are read only from plain files"
        raise NotAPlainFile(msg)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow_links else getattr(os, "O_NOFOLLOW", 0))
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            msg = "the file is not a plain file (a FIFO, a device or a folder)"
            raise NotAPlainFile(msg)
        return handle.read(MAX_FILE_BYTES + 1), status.st_size
