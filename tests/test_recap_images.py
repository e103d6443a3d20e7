"""A recap's own images (its cover and the pictures its Markdown shows) travel with it into
every format: beside the post, into the handout, and as absolute URLs into feeds and JSON."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pypdf
import pytest

from pipeline.build import BuildOptions, build
from tests.conftest import FIXTURES
from tests.test_branding import image_sizes
from tests.test_real_site import tiny_png

NOW = datetime(2026, 1, 1, tzinfo=UTC)
MEETING = FIXTURES / "valid" / "meeting.yaml"


def with_images(content: Path, cover: bytes, photo: bytes) -> Path:
    source = content / "recaps" / MEETING.name
    images = 'cover: "cover.png"\nintro: |\n  ![The stage](stage.png)\n\n'
    text = source.read_text().replace("intro: |\n", images, 1)
    source.write_text(text)
    folder = source.with_suffix("")
    folder.mkdir()
    (folder / "cover.png").write_bytes(cover)
    (folder / "stage.png").write_bytes(photo)
    return content


@pytest.fixture
def dist(tmp_path, make_content) -> Path:
    content = with_images(make_content([MEETING]), tiny_png(40, 20), tiny_png(12, 9))
    result = build(BuildOptions(content_dir=content, out_dir=tmp_path / "dist", now=NOW, jobs=1))
    assert result.report.ok, result.report.problems
    return tmp_path / "dist"


KEY = "2024-03-14-march-community-meeting-recap"
POST = "https://recaps.example.org/blog/2024/0314-march-community-meeting-recap/"


def test_the_images_are_copied_into_the_posts_bundle(dist):
    bundle = dist / "hugo/content/blog/2024/0314-march-community-meeting-recap"
    assert (bundle / "cover.png").read_bytes() == tiny_png(40, 20)
    assert (bundle / "stage.png").read_bytes() == tiny_png(12, 9)
    post = (bundle / "index.md").read_text()
    assert "![The stage](stage.png)" in post
    assert "  cover: cover.png\n" in post


def test_the_handout_prints_the_cover_and_the_photo(dist):
    handout = (dist / f"hugo/static/pdf/{KEY}.pdf").read_bytes()
    page = pypdf.PdfReader(io.BytesIO(handout)).pages[0]
    assert {(40, 20), (12, 9)} <= set(image_sizes(page["/Resources"]))


def test_feeds_and_json_point_at_the_images_absolutely(dist):
    feed = feedparser.parse((dist / "hugo/static/feeds/atom.xml").read_bytes())
    entry = feed.entries[0]
    assert f'src="{POST}stage.png"' in entry.content[0].value
    export = json.loads((dist / f"hugo/static/json/recaps/{KEY}.json").read_text())
    assert f'src="{POST}stage.png"' in export["intro_html"]
    assert export["urls"]["cover"] == f"{POST}cover.png"
    assert export["urls"]["images"] == [f"{POST}cover.png", f"{POST}stage.png"]
    ld = json.loads((dist / f"hugo/static/json/ld/{KEY}.jsonld").read_text())
    assert ld["image"] == f"{POST}cover.png"
    items = json.loads((dist / "hugo/static/feeds/feed.json").read_text())["items"]
    assert items[0]["image"] == f"{POST}cover.png"


def test_an_image_whose_bytes_lie_leaves_the_handout_without_it(tmp_path, make_content):
    broken = b"\x89PNG\r\n\x1a\n" + b"not really a picture" * 10
    content = with_images(make_content([MEETING]), broken, tiny_png(12, 9))
    result = build(BuildOptions(content_dir=content, out_dir=tmp_path / "dist", now=NOW, jobs=1))
    assert result.report.ok and result.published is not None
    handout = (tmp_path / "dist" / f"hugo/static/pdf/{KEY}.pdf").read_bytes()
    page = pypdf.PdfReader(io.BytesIO(handout)).pages[0]
    assert set(image_sizes(page["/Resources"])) & {(12, 9)}


def test_jekyll_keeps_the_images_with_the_sites_static_files(tmp_path, make_content):
    content = with_images(make_content([MEETING]), tiny_png(40, 20), tiny_png(12, 9))
    result = build(BuildOptions(content_dir=content, out_dir=tmp_path / "dist", now=NOW, jobs=1,
                                formats=("markdown",), markdown_flavor="jekyll"))
    assert result.report.ok
    assert (tmp_path / f"dist/jekyll/images/{KEY}/stage.png").read_bytes() == tiny_png(12, 9)
    post = (tmp_path / f"dist/jekyll/_posts/{KEY}.md").read_text()
    assert f"![The stage](/images/{KEY}/stage.png)" in post
    assert f"image: /images/{KEY}/cover.png" in post
