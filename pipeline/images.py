"""Images the content uses: found, checked by their bytes, and located when wrong.

Two kinds: the site's logo (`branding.logo` in site.yaml, a path inside the content folder,
read into a `LocalImage` whose bytes stay on disk) and each recap's own images.

A recap's images live in the folder named like its source without `.yaml`
(`content/recaps/2021-06-17-seed.yaml` -> `content/recaps/2021-06-17-seed/`). Every file
there travels with the post: into the Hugo page bundle, the handout and, as absolute URLs,
the feeds and structured data. Only PNG, JPEG, WebP and GIF are accepted, told by their
first bytes rather than their names, and at most `MAX_IMAGE_BYTES` each, so a source
folder cannot smuggle a script, an SVG or a huge file into the site.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

from pipeline.markdown_check import markdown_fields
from pipeline.model import Image, LocalImage, Problem, SourceDoc

MAX_IMAGE_BYTES = 5 * 1024 * 1024
"""5 MB: a logo, cover or photo printed a few centimetres wide needs far less."""
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
MAX_IMAGES = 50
"""Images per recap: a recap is a post, not a gallery."""
IMAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\.(png|jpe?g|webp|gif)$",
                        re.IGNORECASE)
"""What a local image may be called: a plain file name, no folders, no hidden files."""
_IMAGE_TARGET = re.compile(r"!\[[^\]\n]{0,500}\]\(\s*<?([^\s>)]{1,200})>?(?:\s+[\"'(][^\n)]{0,500})?\)")
_BACKTICKS = re.compile(r"(`+)")


def media_type(content: bytes) -> str | None:
    """Give the media type the bytes are, if they are one of the accepted image types."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def image_folder(source: Path) -> Path:
    return source.with_suffix("")


def _problem(file: str, message: str, hint: str | None = None) -> Problem:
    return Problem(file, 1, 1, (), message, hint)


def load_images(source: Path, file: str) -> tuple[tuple[Image, ...], list[Problem]]:
    """Read and check every image beside a recap source; problems name the image file."""
    folder = image_folder(source)
    if not folder.is_dir() or folder.is_symlink():
        return (), []
    images, problems = [], []
    shown = f"{file.removesuffix(source.suffix)}/"
    for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
        if entry.name.startswith("."):
            continue
        where = shown + entry.name
        info = entry.stat(follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            problems.append(_problem(where, "only image files may be kept beside a recap",
                                     "symbolic links, folders and devices are refused"))
        elif not IMAGE_NAME.match(entry.name):
            problems.append(_problem(where, "not an image name: use letters, digits, - and _ "
                                     "with .png, .jpg, .jpeg, .webp or .gif"))
        elif info.st_size > MAX_IMAGE_BYTES:
            problems.append(_problem(where, f"the image is {info.st_size:,} bytes, over the "
                                     f"{MAX_IMAGE_BYTES:,}-byte limit", "resize or recompress it"))
        else:
            content = Path(entry.path).read_bytes()
            kind = media_type(content)
            if kind is None:
                problems.append(_problem(where, "not a PNG, JPEG, WebP or GIF image (by its bytes)"))
            else:
                images.append(Image(entry.name, kind, content))
    if len(images) > MAX_IMAGES:
        problems.append(_problem(shown, f"{len(images)} images, over the limit of {MAX_IMAGES} per recap"))
    return tuple(images), problems


def reference_problems(doc: SourceDoc, images: tuple[Image, ...]) -> list[Problem]:
    """Check that the cover and every local image the Markdown shows are beside the source."""
    names = {image.name for image in images}
    folder = f"{Path(doc.file).with_suffix('').name}/"
    problems = []
    cover = doc.data.get("cover")
    if cover is not None and cover not in names:
        where = doc.position(("cover",))
        problems.append(Problem(doc.file, where.line, where.column, ("cover",),
                                f"the cover image {cover!r} is not in {folder}",
                                _found(names)))
    for path, markdown in markdown_fields(doc.data):
        for name in local_image_names(markdown):
            if name not in names:
                where = doc.position(path)
                problems.append(Problem(doc.file, where.line, where.column, path,
                                        f"the image {name!r} is not in {folder}", _found(names)))
    return problems


def local_image_names(markdown: str) -> list[str]:
    """Give the names of the local images Markdown shows (`![alt](name.png)`), outside code.

    Only plain image file names count: anything else (a web URL, a path, a script URL) is
    no local image, and sanitizing leaves its alt text in its place. A good guess, not a
    parser: an image the guess misses is still shown as its alt text when it is not there.
    """
    text = _outside_code(markdown)
    return [target for target in _IMAGE_TARGET.findall(text) if IMAGE_NAME.match(target)]


def _outside_code(markdown: str) -> str:
    """Give the Markdown with code spans and backtick fences taken out: a run of backticks
    opens code that the next run of the same length closes. One pass, linear in the text
    (a regular expression for this backtracks for seconds over a line of backticks)."""
    kept, opened = [], ""
    for index, part in enumerate(_BACKTICKS.split(markdown)):
        if index % 2:  # a run of backticks
            if not opened:
                opened = part
            elif part == opened:
                opened = ""
        elif not opened:
            kept.append(part)
    return " ".join(kept)


def _found(names: set[str]) -> str:
    if not names:
        return "keep images in a folder named like the source file, without .yaml"
    return "images there: " + ", ".join(sorted(names))


# --- the site's logo --------------------------------------------------------------------

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
    if media_type(head) is None:
        return f"{relative!r} is not a PNG, JPEG, WebP or GIF image"
    return None


def read_image(content_dir: Path, relative: str) -> LocalImage:
    """Give the validated image `relative` names: its place, media type and content hash."""
    path = (content_dir / relative).resolve()
    data = path.read_bytes()
    kind = media_type(data[:16])
    assert kind is not None, "validate first"
    return LocalImage(relative, path, kind, hashlib.sha256(data).hexdigest())


def image_bytes(image: LocalImage) -> bytes:
    """Give an image's bytes, refusing a file that changed since it was validated."""
    data = image.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != image.digest:
        msg = f"{image.source} changed while the build was running"
        raise OSError(msg)
    return data
