"""Routes: where each output is written and the URL it is served at, and the rules that
keep those URLs unique, the images sound and the front-matter params the pipeline's own."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path, PurePosixPath

import pytest

from pipeline.images import MAX_IMAGE_BYTES, media_type
from pipeline.load import load_content
from pipeline.model import Recap, Site, start_in_url
from pipeline.routes import Routes, recap_key, unknown_tokens
from pipeline.validate import validate_sources
from tests.conftest import FIXTURES

SITE = Site(title="Example", base_url="https://example.org/", language="en")


def recap(slug: str = "march-recap", day: date = date(2024, 3, 14)) -> Recap:
    return Recap(id="urn:uuid:x", kind="meeting", title="T", slug=slug, date=day, updated=None,  # type: ignore[arg-type]
                 authors=(), summary="S", source_file="content/recaps/2024-03-14-march-recap.yaml")


@pytest.mark.parametrize(("permalink", "path"), [
    ("/:year/:month/:day/:slug/", "/2024/03/14/march-recap/"),
    ("/:section/:slug/", "/blog/march-recap/"),
    ("/:section/:year/:contentbasename/", "/blog/2024/0314-march-recap/"),
    ("/posts/:year-:month/:slug.html", "/posts/2024-03/march-recap.html"),
    (None, "/blog/2024/0314-march-recap/"),
])
def test_a_post_lands_where_the_sites_permalink_says(permalink, path):
    routes = Routes(replace(SITE, permalink=permalink))
    assert routes.post_path(recap()) == path
    assert routes.post_url(recap()) == "https://example.org" + path


def test_unknown_permalink_tokens_are_named():
    assert unknown_tokens("/:year/:monthname/:slug/:title/") == ["monthname", "title"]
    assert unknown_tokens("/:year/:month/:day/:slug/") == []


@pytest.mark.parametrize(("flavor", "post", "pdf", "image"), [
    ("hugo", "hugo/content/blog/2024/0314-march-recap/index.md",
     "hugo/static/recaps/pdf/2024-03-14-march-recap.pdf", "hugo/content/blog/2024/0314-march-recap/hero.png"),
    ("jekyll", "jekyll/_posts/2024-03-14-march-recap.md", "jekyll/recaps/pdf/2024-03-14-march-recap.pdf",
     "jekyll/recaps/images/2024-03-14-march-recap/hero.png"),
    ("gfm", "gfm/2024-03-14-march-recap.md", "recaps/pdf/2024-03-14-march-recap.pdf",
     "recaps/images/2024-03-14-march-recap/hero.png"),
])
def test_each_flavor_writes_an_overlay_of_its_site(flavor, post, pdf, image):
    site = replace(SITE, markdown_flavor=flavor, files_path="recaps/", permalink="/:year/:month/:day/:slug/")
    routes = Routes(site)
    assert routes.post_file(recap()) == PurePosixPath(post)
    assert routes.file(routes.pdf(recap())) == PurePosixPath(pdf)
    assert routes.file_url(routes.pdf(recap())) == "https://example.org/recaps/pdf/2024-03-14-march-recap.pdf"
    assert routes.image_file(recap(), "hero.png") == PurePosixPath(image)


def test_a_bundle_image_is_referenced_by_name_and_served_beside_the_post():
    routes = Routes(replace(SITE, permalink="/:year/:month/:day/:slug/"))
    assert routes.image_reference(recap(), "hero.png") == "hero.png"
    assert routes.image_url(recap(), "hero.png") == "https://example.org/2024/03/14/march-recap/hero.png"


def test_the_file_key_tells_apart_recaps_that_share_a_slug():
    assert recap_key(recap()) != recap_key(recap(day=date(2025, 3, 14)))
    assert recap_key(recap()) == "2024-03-14-march-recap"


@pytest.mark.parametrize(("url", "seconds"), [
    ("https://youtu.be/Pmvg2RsZjoM?t=359", 359),
    ("https://www.youtube.com/watch?v=Pmvg2RsZjoM&t=42s", 42),
    ("https://www.youtube.com/watch?v=Pmvg2RsZjoM&t=1h2m3s", 3723),
    ("https://www.youtube.com/embed/Pmvg2RsZjoM?start=90", 90),
    ("https://example.org/video#t=20m01s", 1201),
    ("https://youtu.be/Pmvg2RsZjoM", None),
    ("https://youtu.be/Pmvg2RsZjoM?t=soon", None),
])
def test_a_start_time_is_read_from_the_recording_url(url, seconds):
    assert start_in_url(url) == seconds


def test_images_are_told_by_their_bytes():
    assert media_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert media_type(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert media_type(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert media_type(b"GIF89a") == "image/gif"
    assert media_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


# --- validation -----------------------------------------------------------------------

MEETING = FIXTURES / "valid" / "meeting.yaml"


def problems_of(content: Path) -> list[str]:
    """Give each problem as `file name:line: path: message`."""
    report = validate_sources(load_content(content))
    return [f"{Path(p.file).name}:{p.line}: {p.dotted_path}: {p.message}" for p in report.problems]


def copy_as(content: Path, name: str, **changes: str) -> Path:
    text = MEETING.read_text()
    for key, value in changes.items():
        text = text.replace(f'{key}: "{_field(key)}"', f'{key}: "{value}"')
    target = content / "recaps" / name
    target.write_text(text)
    return target


def _field(key: str) -> str:
    return {"slug": "march-community-meeting-recap", "date": "2024-03-14",
            "id": "urn:uuid:5d3eb86a-f518-46d1-862a-cf48b69d1196"}[key]


def test_two_recaps_may_share_a_slug_when_their_dates_tell_them_apart(make_content):
    content = make_content([MEETING])
    copy_as(content, "earlier.yaml", date="2024-03-13", id="urn:uuid:5d3eb86a-f518-46d1-862a-cf48b69d1197")
    assert problems_of(content) == []


def test_two_recaps_at_one_url_are_reported_at_both_files(make_content):
    content = make_content([MEETING])
    copy_as(content, "twin.yaml", id="urn:uuid:5d3eb86a-f518-46d1-862a-cf48b69d1197")
    found = problems_of(content)
    assert len(found) == 2
    assert all("both land at /blog/2024/0314-march-community-meeting-recap/" in p for p in found)
    assert {p.split(":")[0] for p in found} == {"meeting.yaml", "twin.yaml"}
    assert all(": slug: " in p for p in found)


def test_an_alias_may_not_take_another_posts_url(make_content):
    content = make_content([MEETING])
    other = copy_as(content, "other.yaml", slug="another-recap",
                    id="urn:uuid:5d3eb86a-f518-46d1-862a-cf48b69d1197")
    alias = 'aliases:\n  - "/blog/2024/0314-march-community-meeting-recap"\n'
    other.write_text(other.read_text().replace('slug: "another-recap"\n', 'slug: "another-recap"\n' + alias))
    found = problems_of(content)
    assert any(p.startswith("other.yaml:") and "aliases[0]: an alias of this recap and the post of" in p
               for p in found), found
    assert any(p.startswith("meeting.yaml:") and "slug: the post of this recap and an alias of" in p
               for p in found), found


def test_a_param_the_pipeline_writes_cannot_be_set(make_content, tmp_path):
    content = make_content([MEETING])
    source = content / "recaps" / MEETING.name
    source.write_text(source.read_text() + "params:\n  author: \"someone\"\n  showCover: true\n")
    site = content / "site.yaml"
    params = '  flavor: "hugo"\n  params:\n    videoSchema: "x"'
    site.write_text(site.read_text().replace('  flavor: "hugo"', params))
    found = problems_of(content)
    assert any(p.startswith("meeting.yaml:") and "params.author: params.author is written by the pipeline"
               in p for p in found), found
    assert any(p.startswith("site.yaml:") and "params.videoSchema is written by the pipeline" in p
               for p in found), found
    assert not any("showCover" in p for p in found)


def test_an_unknown_permalink_token_is_located_in_site_yaml(make_content):
    content = make_content([MEETING])
    site = content / "site.yaml"
    site.write_text(site.read_text() + 'permalink: "/:year/:monthname/:slug/"\n')
    found = problems_of(content)
    assert len(found) == 1
    assert found[0].startswith("site.yaml:")
    assert "the permalink token :monthname is not supported here" in found[0]


def test_a_missing_cover_and_a_missing_image_are_located(make_content):
    content = make_content([MEETING])
    source = content / "recaps" / MEETING.name
    with_images = "cover: \"cover.jpg\"\nintro: |\n  ![Stage](stage.png)\n\n"
    text = source.read_text().replace("intro: |\n", with_images, 1)
    source.write_text(text)
    found = problems_of(content)
    assert any("cover: the cover image 'cover.jpg' is not in meeting/" in p for p in found), found
    assert any("intro: the image 'stage.png' is not in meeting/" in p for p in found), found


def test_files_beside_a_recap_must_be_small_real_images(make_content):
    content = make_content([MEETING])
    folder = content / "recaps" / "meeting"
    folder.mkdir()
    (folder / "fake.png").write_text("<script>alert(1)</script>")
    (folder / "notes.txt").write_text("hello")
    (folder / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_IMAGE_BYTES)
    (folder / "link.png").symlink_to(folder / "fake.png")
    (folder / "ok.gif").write_bytes(b"GIF89a" + b"\0" * 20)
    found = problems_of(content)
    assert any("fake.png:1: (top level): not a PNG, JPEG, WebP or GIF image" in p for p in found), found
    assert any("notes.txt:1: (top level): not an image name" in p for p in found), found
    assert any("huge.png:1: (top level): the image is 5,242,888 bytes" in p for p in found), found
    assert any("link.png:1: (top level): only image files may be kept beside a recap" in p
               for p in found), found
    assert not any("ok.gif" in p for p in found)
