"""Local images that content names (the site's logo): what kinds are accepted and how big.

A file is judged by its first bytes, not its name: a renamed text file is refused before
typst ever sees it. Validation reports what is wrong with a located problem; normalize
reads what passed into a `LocalImage`; the handout places its bytes in typst's folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.model import LocalImage

MAX_IMAGE_BYTES = 5 * 1024 * 1024
"""5 MB: a logo or cover printed a few centimetres wide needs far less."""

MAGIC_NUMBERS = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def sniff_image_type(head: bytes) -> str | None:
    """Give the media type that a file's first bytes announce, or None if not an image we take."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((media_type for magic, media_type in MAGIC_NUMBERS if head.startswith(magic)), None)


def image_problem(content_dir: Path, relative: str) -> str | None:
    """Give what is wrong with the image `relative` names inside `content_dir`, or None."""
    folder = content_dir.resolve()
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder):
        return f"{relative!r} is outside the content folder"
    if not path.is_file():
        return f"{relative!r} does not exist in the content folder"
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        return f"{relative!r} is {size / 2**20:.1f} MB, over the {MAX_IMAGE_BYTES // 2**20} MB limit"
    with path.open("rb") as stream:
        head = stream.read(16)
    if sniff_image_type(head) is None:
        return f"{relative!r} is not a PNG, JPEG, WebP or GIF image"
    return None


def read_image(content_dir: Path, relative: str) -> LocalImage:
    """Give the validated image `relative` names: its place, media type and content hash."""
    path = (content_dir / relative).resolve()
    data = path.read_bytes()
    media_type = sniff_image_type(data[:16])
    assert media_type is not None, "validate first"
    return LocalImage(relative, path, media_type, hashlib.sha256(data).hexdigest())


def image_bytes(image: LocalImage) -> bytes:
    """Give an image's bytes, refusing a file that changed since it was validated."""
    data = image.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != image.digest:
        msg = f"{image.source} changed while the build was running"
        raise OSError(msg)
    return data
