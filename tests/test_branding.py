"""Site branding on the handout: a logo image from the content folder and an accent colour,
validated with located problems and printed by real typst."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy
import pypdf
import pypdfium2
import pytest
from conftest import FIXTURES, assemble_content
from handout_pixels import png_bytes

from pipeline.convert import Converter
from pipeline.load import load_content
from pipeline.normalize import normalize
from pipeline.render import pdf
from pipeline.validate import validate_sources

LOGO = png_bytes(numpy.tile(numpy.linspace(0, 255, 96, dtype=numpy.uint8), (32, 1)))
"""A 96 x 32 grey ramp."""


def branded_content(folder: Path, logo: str = "images/logo.png", accent: str = "#aa3300") -> Path:
    assemble_content(folder, [FIXTURES / "valid" / "meeting.yaml"])
    site = (FIXTURES / "site.yaml").read_text(encoding="utf-8")
    branding = f'branding:\n  logo: "{logo}"\n  accent: "{accent}"\n'
    (folder / "site.yaml").write_text(site + branding, encoding="utf-8")
    return folder


def image_sizes(resources: Any) -> Iterator[tuple[int, int]]:
    """Give the pixel size of every image a page draws, looking inside form XObjects."""
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject["/Subtype"] == "/Image":
            yield int(xobject["/Width"]), int(xobject["/Height"])
        elif "/Resources" in xobject:
            yield from image_sizes(xobject["/Resources"])


def problems_of(folder: Path) -> list[str]:
    report = validate_sources(load_content(folder))
    return [f"{Path(p.file).name}:{p.line}:{p.column} {p.dotted_path}: {p.message}" for p in report.problems]


def test_a_logo_and_accent_colour_print_on_the_handout(tmp_path: Path, converter: Converter) -> None:
    folder = branded_content(tmp_path / "content")
    (folder / "images").mkdir()
    (folder / "images" / "logo.png").write_bytes(LOGO)
    assert problems_of(folder) == []
    catalog = normalize(load_content(folder))
    assert catalog.site.logo is not None and catalog.site.logo.media_type == "image/png"
    handout = pdf.render(catalog, converter)[0].content
    page = pypdf.PdfReader(io.BytesIO(handout)).pages[0]
    assert (96, 32) in set(image_sizes(page["/Resources"]))
    bitmap = pypdfium2.PdfDocument(handout)[0].render(scale=2)
    pixels = numpy.frombuffer(bytes(bitmap.buffer), dtype=numpy.uint8).reshape(bitmap.height, bitmap.stride)
    width, channels = bitmap.width, bitmap.n_channels
    bgr = pixels[:, : width * channels].reshape(bitmap.height, width, channels)[..., :3].astype(int)
    accent_pixels = (numpy.abs(bgr - (0, 0x33, 0xAA)).sum(axis=2) < 12).sum()
    default_pixels = (numpy.abs(bgr - (0x69, 0x6E, 0x0B)).sum(axis=2) < 12).sum()
    assert accent_pixels > 500 and default_pixels == 0


def test_the_same_logo_twice_gives_the_same_bytes(tmp_path: Path, converter: Converter) -> None:
    folder = branded_content(tmp_path / "content")
    (folder / "images").mkdir()
    (folder / "images" / "logo.png").write_bytes(LOGO)
    catalog = normalize(load_content(folder))
    assert pdf.render(catalog, converter)[0].content == pdf.render(catalog, converter)[0].content


def _gif() -> bytes:
    """A 1 x 1 GIF: header, screen, palette, image descriptor, LZW data, trailer."""
    return (b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
            + b",\0\0\0\0\x01\0\x01\0\0" + b"\x02\x02D\x01\0;")


def test_a_gif_logo_is_accepted_by_its_bytes_whatever_its_name(tmp_path: Path, converter: Converter) -> None:
    name, content = "logo.PNG", _gif()
    folder = branded_content(tmp_path / "content", logo=name)
    (folder / name).write_bytes(content)
    assert problems_of(folder) == []
    catalog = normalize(load_content(folder))
    assert catalog.site.logo is not None and catalog.site.logo.media_type == "image/gif"
    assert pdf.render(catalog, converter)[0].content.startswith(b"%PDF-")


@pytest.mark.parametrize(("setup", "expected"), [
    (lambda folder: None, "'images/logo.png' does not exist in the content folder"),
    (lambda folder: (folder / "images" / "logo.png").write_text("not an image", encoding="utf-8"),
     "'images/logo.png' is not a PNG, JPEG, WebP or GIF image"),
    (lambda folder: (folder / "images" / "logo.png").write_bytes(LOGO + bytes(5 * 2**20)),
     "'images/logo.png' is 5.0 MB, over the 5 MB limit"),
    (lambda folder: (folder / "images" / "logo.png").symlink_to(folder.parent / "outside.png"),
     "'images/logo.png' is outside the content folder"),
])
def test_a_bad_logo_is_a_located_problem(tmp_path: Path, setup: object, expected: str) -> None:
    folder = branded_content(tmp_path / "content")
    (folder / "images").mkdir()
    (tmp_path / "outside.png").write_bytes(LOGO)
    setup(folder)  # type: ignore[operator]
    lines = (folder / "site.yaml").read_text(encoding="utf-8").splitlines()
    line = next(number for number, text in enumerate(lines, start=1) if text.startswith("  logo:"))
    assert problems_of(folder) == [f"site.yaml:{line}:9 branding.logo: {expected}"]


@pytest.mark.parametrize(("logo", "accent"), [("../logo.png", "#aa3300"), ("logo.svg", "#aa3300"),
                                              ("images/logo.png", "red")])
def test_the_schema_refuses_paths_out_of_the_folder_and_colours_not_rrggbb(
    tmp_path: Path, logo: str, accent: str,
) -> None:
    folder = branded_content(tmp_path / "content", logo=logo, accent=accent)
    found = problems_of(folder)
    assert len(found) == 1 and "branding." in found[0], found



def test_a_changed_logo_rebuilds_the_handouts_though_no_yaml_changed(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from pipeline.build import BuildOptions, build

    folder = branded_content(tmp_path / "content")
    (folder / "images").mkdir()
    (folder / "images" / "logo.png").write_bytes(LOGO)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    options = BuildOptions(content_dir=folder, out_dir=tmp_path / "dist", now=now, formats=("pdf",), jobs=1)
    first = build(options)
    assert first.report.ok and first.counts["pdf"].built == 1
    (folder / "images" / "logo.png").write_bytes(png_bytes(numpy.zeros((32, 64), dtype=numpy.uint8)))
    second = build(options)
    assert second.counts["pdf"].built == 1
    handout = (tmp_path / "dist/hugo/static/pdf/2024-03-14-march-community-meeting-recap.pdf").read_bytes()
    page = pypdf.PdfReader(io.BytesIO(handout)).pages[0]
    assert (64, 32) in set(image_sizes(page["/Resources"]))


def test_a_logo_whose_bytes_only_look_like_a_png_is_named_in_the_error(tmp_path: Path,
                                                                      converter: Converter) -> None:
    folder = branded_content(tmp_path / "content")
    (folder / "images").mkdir()
    (folder / "images" / "logo.png").write_bytes(LOGO[:8] + b"not really a PNG")
    problem = r"site\.yaml: branding\.logo: typst cannot decode images/logo\.png"
    with pytest.raises(pdf.HandoutError, match=problem):
        pdf.render(normalize(load_content(folder)), converter)
