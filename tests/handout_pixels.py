"""Measure handout pages from their pixels, and write the reviewed page images.

`python tests/handout_pixels.py` (run by `invoke golden`) renders the three visual
fixtures (the seed, a meeting recap, a short sections-only recap) into
tests/golden/handouts/ as PNG, for a reviewer to look at in the diff.
"""

from __future__ import annotations

import struct
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy
import pypdfium2

DPI = 50
BLANK = 250
"""Grey levels above this count as paper: card shading (247) counts as content."""
MARGIN_TOP_CM, MARGIN_BOTTOM_CM, MARGIN_X_CM, GUTTER_CM = 1.4, 1.7, 1.5, 0.6
GOLDEN = Path(__file__).resolve().parent / "golden" / "handouts"
VISUAL_FIXTURES = ("seed", "meeting", "sections-only")


@dataclass(frozen=True)
class PageMeasure:
    """What a reader sees of one page's body (margins and footer left out), as fractions of
    the body height: how far down each column is used, and its tallest empty band."""

    left_fill: float
    right_fill: float
    left_gap: float
    right_gap: float
    gutter_used: bool
    """True when something crosses the middle of the page: a one-column layout."""


def page_images(pdf: bytes, dpi: int = DPI) -> list[numpy.ndarray]:
    """Give each page as a greyscale array (0 black, 255 white)."""
    images = []
    for page in pypdfium2.PdfDocument(pdf):
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        rows = numpy.frombuffer(bytes(bitmap.buffer), dtype=numpy.uint8).reshape(bitmap.height, bitmap.stride)
        images.append(rows[:, : bitmap.width].copy())
    return images


def _cm(length: float, dpi: int) -> int:
    return round(length / 2.54 * dpi)


def _longest_run(empty: numpy.ndarray) -> int:
    best = run = 0
    for row_is_empty in empty:
        run = run + 1 if row_is_empty else 0
        best = max(best, run)
    return best


def measure_page(image: numpy.ndarray, dpi: int = DPI) -> PageMeasure:
    """Measure one page's columns from its pixels."""
    height, width = image.shape
    top, bottom, side = _cm(MARGIN_TOP_CM, dpi), _cm(MARGIN_BOTTOM_CM, dpi), _cm(MARGIN_X_CM, dpi)
    body = image[top: height - bottom, side: width - side]
    middle, half_gutter = body.shape[1] // 2, max(1, _cm(GUTTER_CM, dpi) // 2)
    columns = body[:, : middle - half_gutter], body[:, middle + half_gutter:]
    fills, gaps = [], []
    for column in columns:
        used = (column <= BLANK).any(axis=1)
        rows = numpy.flatnonzero(used)
        fills.append(float(rows[-1] + 1) / len(used) if len(rows) else 0.0)
        gaps.append(_longest_run(~used) / len(used))
    content_rows = (body <= BLANK).any(axis=1)
    gutter_rows = (body[:, middle - half_gutter // 2: middle + half_gutter // 2] <= BLANK).any(axis=1)
    gutter_used = bool(gutter_rows[content_rows].mean() > 0.5) if content_rows.any() else False
    return PageMeasure(fills[0], fills[1], gaps[0], gaps[1], gutter_used)


def png_bytes(image: numpy.ndarray) -> bytes:
    """Give a greyscale array as an 8-bit PNG (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width = image.shape
    raw = b"".join(b"\0" + image[row].tobytes() for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def fixture_handout(name: str) -> bytes:
    """Give the handout of a visual fixture: the seed, or a recap of tests/fixtures/valid/."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import CONTENT, FIXTURES, assemble_content

    from pipeline.convert import Converter
    from pipeline.load import load_content
    from pipeline.normalize import normalize
    from pipeline.render import pdf

    folder = CONTENT if name == "seed" else assemble_content(
        Path(tempfile.mkdtemp()) / "content", [FIXTURES / "valid" / f"{name}.yaml"])
    return pdf.render(normalize(load_content(folder)), Converter())[0].content


def regenerate() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in VISUAL_FIXTURES:
        for number, image in enumerate(page_images(fixture_handout(name), dpi=72), start=1):
            (GOLDEN / f"{name}-{number}.png").write_bytes(png_bytes(image))
            print(name, number, measure_page(image, dpi=72))


if __name__ == "__main__":
    regenerate()
