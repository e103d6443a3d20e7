"""The PDF handout: real pandoc, real typst, checked by reading the PDF back with pypdf and
by rendering it with pypdfium2."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path, PurePosixPath

import pypdf
import pypdfium2
import pytest
import yaml
from conftest import CONTENT, FIXTURES, assemble_content

from pipeline.convert import Converter
from pipeline.load import load_content
from pipeline.model import Artifact, Catalog
from pipeline.normalize import normalize
from pipeline.render import pdf
from pipeline.render.document import meeting_times
from pipeline.routes import Routes

HOSTILE = """Reading #read("/etc/passwd") here.

```{=typst}
#text(fill: red)[INJECTED]
```

Raw <b>html</b> and [spanned]{typst:text:fill="red"} words.
"""


def catalog_of(folder: Path) -> Catalog:
    return normalize(load_content(folder))


@pytest.fixture(scope="module")
def seed() -> Catalog:
    return catalog_of(CONTENT)


@pytest.fixture(scope="module")
def seed_handout(seed: Catalog, converter: Converter) -> Artifact:
    return pdf.render(seed, converter)[0]


def reader(artifact: Artifact) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(artifact.content))


def plain_text(artifact: Artifact) -> str:
    """Give the PDF's text with line breaks and spacing made uniform; a line ending in a
    hyphen goes on with the next one, as a reader reads "Zero-" / "conf" (typst breaks
    after a word's own hyphen, never inside a word: hyphenation is off)."""
    text = "\n".join(page.extract_text() for page in reader(artifact).pages)
    return " ".join(re.sub(r"-\s*\n\s*", "-", text).split())


def link_targets(artifact: Artifact) -> set[str]:
    targets = set()
    for page in reader(artifact).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                targets.add(str(action["/URI"]))
    return targets


def test_one_handout_per_recap_under_pdf(seed: Catalog, seed_handout: Artifact) -> None:
    recap = seed.recaps[0]
    assert seed_handout.path.as_posix() == "hugo/static/recaps/pdf/2021-06-17-linkerd-at-kubecon-eu.pdf"
    routes = Routes(seed.site)
    assert seed_handout.path == routes.file(routes.pdf(recap))
    assert seed_handout.format == "pdf"
    assert seed_handout.content.startswith(b"%PDF-")


def test_the_seed_handout_names_every_talk_speaker_and_the_next_meeting(
    seed: Catalog, seed_handout: Artifact,
) -> None:
    recap = seed.recaps[0]
    text = plain_text(seed_handout)
    for talk in recap.talks:
        assert " ".join(talk.title.split()) in text
    for speaker in recap.speakers:
        assert speaker.name in text
    assert recap.next_meeting is not None
    assert meeting_times(recap.next_meeting) in text
    assert "Thursday, June 24, 2021" in text
    assert "Part 1 of 2".upper() in text
    assert Routes(seed.site).post_url(recap) in text  # its hyphens extract as hyphens


def test_recordings_are_real_links(seed: Catalog, seed_handout: Artifact) -> None:
    recordings = {talk.recording.url for talk in seed.recaps[0].talks if talk.recording}
    assert len(recordings) == 11
    assert recordings <= link_targets(seed_handout)


def test_the_seed_handout_fits_on_two_a4_pages(seed_handout: Artifact) -> None:
    pages = reader(seed_handout).pages
    assert 1 <= len(pages) <= 2
    for page in pages:
        assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)


def test_metadata_comes_from_the_recap(seed: Catalog, seed_handout: Artifact) -> None:
    recap = seed.recaps[0]
    metadata = reader(seed_handout).metadata
    assert metadata is not None
    assert metadata["/Title"] == recap.title
    assert metadata["/Author"] == "Jason Morgan"
    assert metadata["/Subject"] == recap.summary
    assert metadata["/Keywords"] == "community, kubecon"
    assert metadata["/CreationDate"] == f"D:{recap.updated:%Y%m%d%H%M%S}Z"


def test_two_renders_are_byte_identical(seed: Catalog, seed_handout: Artifact, converter: Converter) -> None:
    assert pdf.render(seed, converter)[0].content == seed_handout.content


def test_us_letter_paper(seed: Catalog, converter: Converter) -> None:
    letter = replace(seed, site=replace(seed.site, paper="us-letter"))
    page = reader(pdf.render(letter, converter)[0]).pages[0]
    assert (page.mediabox.width, page.mediabox.height) == (612, 792)


def test_hostile_markdown_shows_as_text(tmp_path: Path, converter: Converter) -> None:
    recap = yaml.safe_load((FIXTURES / "valid" / "single-talk.yaml").read_text(encoding="utf-8"))
    recap["talks"][0]["summary"] = HOSTILE
    source = tmp_path / "hostile.yaml"
    source.write_text(yaml.safe_dump(recap, allow_unicode=True), encoding="utf-8")
    handout = pdf.render(catalog_of(assemble_content(tmp_path / "content", [source])), converter)[0]
    text = plain_text(handout)
    assert "#read(\u201c/etc/passwd\u201d)" in text  # typst's smart quotes, as on the blog
    assert "root:" not in text
    assert "{=typst}" in text and "#text(fill: red)[INJECTED]" in text
    assert "<b>html</b>" in text
    assert "spanned words" in text
    content = b"".join(page.get_contents().get_data() for page in reader(handout).pages)
    assert b"1 0 0 rg" not in content  # nothing was painted red


def test_the_meeting_handout_has_agenda_and_next_meeting(tmp_path: Path, converter: Converter) -> None:
    folder = assemble_content(tmp_path / "content", [FIXTURES / "valid" / "meeting.yaml"])
    catalog = catalog_of(folder)
    text = plain_text(pdf.render(catalog, converter)[0])
    recap = catalog.recaps[0]
    assert recap.next_meeting is not None
    for section in recap.sections:
        assert section.title in text
    assert "AGENDA" in text
    assert meeting_times(recap.next_meeting) in text
    for guest in recap.speakers:
        assert guest.name in text


def test_page_one_is_not_blank(seed_handout: Artifact) -> None:
    page = pypdfium2.PdfDocument(seed_handout.content)[0]
    bitmap = page.render(scale=0.5, grayscale=True)
    pixels = bytes(bitmap.buffer)
    inked = sum(1 for value in pixels if value < 200) / len(pixels)
    assert 0.03 < inked < 0.6


def scanned_codes(artifact: Artifact) -> set[str]:
    """Give what zxing-cpp decodes from the pages rendered at 150 dpi, as a phone would."""
    import numpy
    import zxingcpp

    found = set()
    for page in pypdfium2.PdfDocument(artifact.content):
        bitmap = page.render(scale=150 / 72, grayscale=True)
        rows = numpy.frombuffer(bytes(bitmap.buffer), dtype=numpy.uint8).reshape(bitmap.height, bitmap.stride)
        found.update(result.text for result in zxingcpp.read_barcodes(rows[:, : bitmap.width]))
    return found


def printed_links(catalog: Catalog) -> set[str]:
    """Give the links a handout carries as QR codes: recordings, registration, calls to
    action and the post itself."""
    recap = catalog.recaps[0]
    recordings = [part.recording for part in (*recap.talks, *recap.sections, recap) if part.recording]
    links = {recording.url for recording in recordings}
    links |= {action.url for action in recap.calls_to_action if action.active_on(recap.date)}
    if recap.next_meeting is not None and recap.next_meeting.registration_url:
        links.add(recap.next_meeting.registration_url)
    return links | {Routes(catalog.site).post_url(recap)}


def test_every_qr_code_on_the_seed_handout_scans_at_150_dpi(seed: Catalog, seed_handout: Artifact) -> None:
    """A printed sheet must still lead to the videos, the registration, the calls to action
    and the post itself: decode the page images with zxing-cpp."""
    assert len(printed_links(seed)) == 11 + 3
    assert scanned_codes(seed_handout) == printed_links(seed)


def test_every_qr_code_on_a_meeting_handout_scans_at_150_dpi(tmp_path: Path, converter: Converter) -> None:
    catalog = catalog_of(assemble_content(tmp_path / "content", [FIXTURES / "valid" / "meeting.yaml"]))
    assert len(printed_links(catalog)) == 6
    assert scanned_codes(pdf.render(catalog, converter)[0]) == printed_links(catalog)


def _mapped_characters(artifact: Artifact, font_name: str) -> set[str]:
    """Give the characters that the embedded font `font_name` draws with a real glyph: the
    targets of its ToUnicode map (typst maps no character to the empty .notdef glyph)."""
    mapped: set[str] = set()
    for page in reader(artifact).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font_name not in str(font["/BaseFont"]):
                continue
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for glyph, target in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]{4,})>", cmap):
                if int(glyph, 16) != 0:
                    mapped.add(bytes.fromhex(target).decode("utf-16-be"))
    return mapped


def test_cjk_text_prints_with_real_glyphs_from_the_shipped_font(tmp_path: Path, converter: Converter) -> None:
    source = FIXTURES / "valid" / "non-ascii.yaml"
    folder = assemble_content(tmp_path / "content", [source])
    handout = pdf.render(catalog_of(folder), converter)[0]
    text = plain_text(handout)
    assert "東京" in text and "サービスメッシュ入門\uff1a東京からの視点" in text
    printed = yaml.safe_load(source.read_text(encoding="utf-8"))
    del printed["summary"]  # only in the PDF's metadata
    wanted = {char for char in json.dumps(printed, ensure_ascii=False) if ord(char) >= 0x3000}
    assert "東" in wanted and len(wanted) > 50
    assert wanted <= _mapped_characters(handout, "HandoutCJKSans")


def test_the_cjk_font_is_small_and_licensed() -> None:
    fonts = pdf.TEMPLATE_DIR / pdf.FONT_FOLDER
    assert (fonts / "HandoutCJKSans-Regular.otf").stat().st_size < 3_000_000
    assert "SIL OPEN FONT LICENSE Version 1.1" in (fonts / "OFL.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(("url", "printed"), [
    ("https://www.example.org/survey/", "example.org/survey"),
    ("http://example.org", "example.org"),
    ("https://example.org/a/b?x=1", "example.org/a/b?x=1"),
])
def test_links_print_short(url: str, printed: str) -> None:
    assert pdf.short_url(url) == printed


def test_images_enter_the_typst_folder_under_their_hash_only() -> None:
    first = pdf.place_image(b"GIF89a-not-really", "image/gif")
    again = pdf.place_image(b"GIF89a-not-really", "image/gif")
    other = pdf.place_image(b"\x89PNG\r\n\x1a\n-other", "image/png")
    assert first == again and first != other
    assert first.startswith("/images/") and first.endswith(".gif") and other.endswith(".png")
    assert len(PurePosixPath(first).stem) == 32 and PurePosixPath(first).stem.isalnum()


def test_every_link_is_printed_for_readers_of_the_paper_copy(tmp_path: Path, converter: Converter) -> None:
    folder = assemble_content(tmp_path / "content", [FIXTURES / "valid" / "meeting.yaml"])
    for catalog in (catalog_of(CONTENT), catalog_of(folder)):
        recap = catalog.recaps[0]
        text = plain_text(pdf.render(catalog, converter)[0]).replace(" ", "")
        urls = [link.url for talk in recap.talks for link in talk.links]
        urls += [link.url for link in recap.related]
        urls += [action.url for action in recap.calls_to_action if action.active_on(recap.date)]
        assert recap.next_meeting is not None and recap.next_meeting.registration_url
        urls.append(recap.next_meeting.registration_url)
        assert len(urls) >= 3
        for url in urls:
            assert pdf.short_url(url) in text, url
