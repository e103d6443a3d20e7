"""Feeds that feed readers can trust: Atom, RSS 2.0 and JSON Feed 1.1 (issue 5).

Everything here is real output: feedgen and pandoc write the feeds, feedparser, ElementTree
and jsonschema read them back. No strict feed validator can be installed from PyPI (the
W3C validator is not published there), so `atom_warnings` and `rss_warnings` below check
what it warns about: relative URLs and script in content, missing self links, dates that
are not RFC 3339 / RFC 822, guids that claim to be permalinks, zero-length enclosures,
`<author>` beside `dc:creator`, and RFC 4287's required elements.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import feedparser
import jsonschema
import pytest
from conftest import CONTENT, FIXTURE_ROUTES, FIXTURES, ROOT, assemble_content

from pipeline.build import BuildOptions, build
from pipeline.convert import Converter
from pipeline.load import load_content
from pipeline.model import Artifact, Catalog
from pipeline.normalize import normalize
from pipeline.render import FORMATS, feeds
from pipeline.render.feed_checks import UnsafeFeedError, check_feed
from pipeline.routes import Routes

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
SCHEMA = json.loads((ROOT / "schema" / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
                    r" \d{4} \d\d:\d\d:\d\d [+-]\d{4}$")
WEB_URL = re.compile(r"^https?://[^\s/?#]+")
SEED_ID = "urn:uuid:3ae23064-f690-4619-b286-74f90b82b567"
HOSTILE = (
    "<script>alert(1)</script>\n\n"
    "[click](javascript:alert(1)) <img src=x onerror=alert(2)> [x](JaVaScRiPt:alert(3))\n\n"
    "![pic](javascript:alert(4)) [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
    '<iframe src="https://evil.example/"></iframe> <a href="javascript:alert(5)" onclick="x()">a</a>\n'
)


def catalog_of(folder: Path) -> Catalog:
    return normalize(load_content(folder))


def feeds_of(catalog: Catalog, converter: Converter) -> dict[str, bytes]:
    """Give the catalog's feeds by the name each is served under (`feeds/atom.xml`, below
    the site's files URL), which is also where it is written below the site's files folder."""
    artifacts = feeds.render(catalog, converter)
    assert all(artifact.format == "feeds" for artifact in artifacts)
    files = Routes(catalog.site).file("")
    return {artifact.path.relative_to(files).as_posix(): artifact.content for artifact in artifacts}


@pytest.fixture(scope="module")
def seed_catalog() -> Catalog:
    return catalog_of(CONTENT)


@pytest.fixture(scope="module")
def seed_feeds(seed_catalog: Catalog, converter: Converter) -> dict[str, bytes]:
    return feeds_of(seed_catalog, converter)


@pytest.fixture(scope="module")
def fixture_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return catalog_of(assemble_content(tmp_path_factory.mktemp("fixtures") / "content", VALID))


@pytest.fixture(scope="module")
def fixture_feeds(fixture_catalog: Catalog, converter: Converter) -> dict[str, bytes]:
    return feeds_of(fixture_catalog, converter)


@pytest.fixture(scope="module")
def empty_feeds(fixture_catalog: Catalog, converter: Converter) -> dict[str, bytes]:
    return feeds_of(replace(fixture_catalog, recaps=()), converter)


@pytest.fixture(scope="module")
def every_feed(seed_feeds, fixture_feeds, empty_feeds) -> dict[str, bytes]:
    named = {}
    for label, artifacts in (("seed", seed_feeds), ("fixtures", fixture_feeds), ("empty", empty_feeds)):
        named.update({f"{label}:{path}": content for path, content in artifacts.items()})
    return named


# --- a strict checker for what the W3C feed validator warns about ------------------------

class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def html_tags(fragment: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Html()
    parser.feed(fragment)
    parser.close()
    return parser.tags


def html_warnings(fragment: str, where: str) -> list[str]:
    """What the validator's safeHtml and ContainsRelRef checks say about one HTML value."""
    warnings = []
    for tag, attrs in html_tags(fragment):
        if tag in ("script", "iframe", "embed", "object", "meta", "applet", "frame", "style"):
            warnings.append(f"{where}: contains <{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                warnings.append(f"{where}: event handler {name} on <{tag}>")
            if name in ("href", "src") and not re.match(r"^(https?://[^/]|mailto:)", value or ""):
                warnings.append(f"{where}: relative or unsafe URL {value!r} on <{tag}>")
    return warnings


def _one(parent: ElementTree.Element, tag: str, where: str,
         warnings: list[str]) -> ElementTree.Element | None:
    found = parent.findall(tag)
    if len(found) != 1:
        warnings.append(f"{where}: {len(found)} <{tag}> elements, want exactly one")
    return found[0] if found else None


def atom_warnings(content: bytes) -> list[str]:
    """RFC 4287's required elements, plus the validator's warnings for Atom."""
    feed, warnings = ElementTree.fromstring(content), []
    if feed.tag != f"{ATOM}feed" or not feed.get("{http://www.w3.org/XML/1998/namespace}lang"):
        warnings.append("root is not an atom:feed with xml:lang")
    for tag in ("id", "title", "updated"):
        _one(feed, f"{ATOM}{tag}", "feed", warnings)
    warnings += _date_warnings(feed, f"{ATOM}updated", RFC3339, "feed")
    selfs = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if len(selfs) != 1 or selfs[0].get("type") != "application/atom+xml":
        warnings.append("feed: want one link rel=self type=application/atom+xml")
    entries = feed.findall(f"{ATOM}entry")
    if feed.find(f"{ATOM}author") is None and any(e.find(f"{ATOM}author") is None for e in entries):
        warnings.append("feed: no author, and an entry without one")
    for link in feed.iter(f"{ATOM}link"):
        if not WEB_URL.match(link.get("href", "")):
            warnings.append(f"link href {link.get('href')!r} is not absolute")
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    if len(set(ids)) != len(ids):
        warnings.append("duplicate entry ids")
    for entry in entries:
        warnings += _atom_entry_warnings(entry)
    return warnings


def _atom_entry_warnings(entry: ElementTree.Element) -> list[str]:
    where = f"entry {entry.findtext(f'{ATOM}id')}"
    warnings: list[str] = []
    for tag in ("id", "title", "updated"):
        _one(entry, f"{ATOM}{tag}", where, warnings)
    if not re.match(r"^[a-z][a-z0-9+.-]*:\S+$", entry.findtext(f"{ATOM}id") or ""):
        warnings.append(f"{where}: id is not an absolute IRI")
    for tag in ("updated", "published"):
        warnings += _date_warnings(entry, f"{ATOM}{tag}", RFC3339, where)
    links = entry.findall(f"{ATOM}link")
    alternates = [(link.get("type"), link.get("hreflang")) for link in links
                  if link.get("rel", "alternate") == "alternate"]
    if len(alternates) != len(set(alternates)):
        warnings.append(f"{where}: two alternate links with the same type and hreflang")
    if not alternates and entry.find(f"{ATOM}content") is None:
        warnings.append(f"{where}: neither an alternate link nor content")
    for author in entry.findall(f"{ATOM}author"):
        if not author.findtext(f"{ATOM}name"):
            warnings.append(f"{where}: author without a name")
    for tag in ("content", "summary", "title"):
        for element in entry.findall(f"{ATOM}{tag}"):
            if element.get("type") == "html":
                warnings += html_warnings(element.text or "", f"{where} {tag}")
    return warnings


def _date_warnings(parent: ElementTree.Element, tag: str, form: re.Pattern[str], where: str) -> list[str]:
    return [f"{where}: {tag} {element.text!r} is not a valid date"
            for element in parent.findall(tag) if not form.match(element.text or "")]


def rss_warnings(content: bytes) -> list[str]:
    """RSS 2.0's required elements, plus the validator's warnings for RSS."""
    rss, warnings = ElementTree.fromstring(content), []
    if rss.tag != "rss" or rss.get("version") != "2.0":
        warnings.append("root is not <rss version='2.0'>")
    channel = _one(rss, "channel", "rss", warnings)
    assert channel is not None
    for tag in ("title", "link", "description", "language"):
        _one(channel, tag, "channel", warnings)
    if not WEB_URL.match(channel.findtext("link") or ""):
        warnings.append("channel: link is not absolute")
    selfs = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if len(selfs) != 1 or not WEB_URL.match(selfs[0].get("href", "")) \
            or selfs[0].get("type") != "application/rss+xml":
        warnings.append("channel: missing an absolute atom:link rel=self type=application/rss+xml")
    for tag in ("lastBuildDate", "pubDate"):
        warnings += _date_warnings(channel, tag, RFC822, "channel")
    guids = [item.findtext("guid") for item in channel.findall("item")]
    if len(set(guids)) != len(guids):
        warnings.append("duplicate guids")
    for item in channel.findall("item"):
        warnings += _rss_item_warnings(item)
    return warnings


def _rss_item_warnings(item: ElementTree.Element) -> list[str]:
    where = f"item {item.findtext('guid')}"
    warnings: list[str] = []
    for tag in ("title", "link", "guid", "pubDate", "description"):
        _one(item, tag, where, warnings)
    if not WEB_URL.match(item.findtext("link") or ""):
        warnings.append(f"{where}: link is not absolute")
    guid = item.find("guid")
    if guid is not None and guid.get("isPermaLink", "true") == "true" and not WEB_URL.match(guid.text or ""):
        warnings.append(f"{where}: a guid that is not a URL needs isPermaLink='false'")
    warnings += _date_warnings(item, "pubDate", RFC822, where)
    if item.find("author") is not None and item.find(f"{DC}creator") is not None:
        warnings.append(f"{where}: both author and dc:creator (DuplicateItemSemantics)")
    if len(item.findall("author")) > 1:
        warnings.append(f"{where}: more than one <author>")
    for enclosure in item.findall("enclosure"):
        if not (enclosure.get("length") or "0").isdigit() or int(enclosure.get("length") or "0") <= 0:
            warnings.append(f"{where}: enclosure length must be a positive number of bytes")
    for tag in ("description", f"{CONTENT_NS}encoded"):
        for element in item.findall(tag):
            warnings += html_warnings(element.text or "", f"{where} {tag}")
    return warnings


def json_items(content: bytes) -> list[dict]:
    return json.loads(content)["items"]


def atom_ids(content: bytes) -> list[str]:
    return [entry.id for entry in feedparser.parse(content).entries]


# --- the checklist -----------------------------------------------------------------------

def test_feeds_are_registered_and_written_for_the_site_each_tag_and_each_series(seed_catalog, seed_feeds,
                                                                                 converter):
    assert FORMATS["feeds"].site_wide and not FORMATS["feeds"].per_recap
    assert set(FORMATS["feeds"].channels(seed_catalog)) == {"feeds/", "feeds/tags/community/",
                                                            "feeds/tags/kubecon/",
                                                            "feeds/series/may-2021-community-meeting/"}
    folders = ["feeds/", "feeds/tags/community/", "feeds/tags/kubecon/",
               "feeds/series/may-2021-community-meeting/"]
    assert set(seed_feeds) == {f"{folder}{name}" for folder in folders
                               for name in ("atom.xml", "rss.xml", "feed.json")}
    # written under the Hugo site's static folder, below the files_path they are served at
    assert {str(artifact.path) for artifact in feeds.render(seed_catalog, converter)} == {
        f"hugo/static/recaps/{name}" for name in seed_feeds}


def test_feedparser_reads_the_seed_feeds_with_ids_titles_dates_and_absolute_links(seed_feeds):
    for name, version in (("feeds/atom.xml", "atom10"), ("feeds/rss.xml", "rss20")):
        parsed = feedparser.parse(seed_feeds[name])
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert parsed.version == version
        assert parsed.feed.title == "Linkerd community recaps"
        assert parsed.feed.language == "en"
        [entry] = parsed.entries
        assert entry.id == SEED_ID
        assert entry.title == "Linkerd at KubeCon EU"
        assert entry.link == "https://linkerd.io/2021/06/17/linkerd-at-kubecon-eu/"
        assert entry.published_parsed[:3] == (2021, 6, 17)
        assert [tag.term for tag in entry.tags] == ["community", "kubecon"]
        assert entry.summary.startswith("Part one of the May 2021 community meeting recap")
    atom = feedparser.parse(seed_feeds["feeds/atom.xml"])
    assert atom.feed.id == "https://linkerd.io/recaps/feeds/atom.xml"
    assert atom.entries[0].updated_parsed[:3] == (2021, 6, 17)
    assert atom.entries[0].content[0].type == "text/html"


def test_fixture_feeds_list_every_recap_newest_first_with_their_dates(fixture_catalog, fixture_feeds):
    newest_first = [recap.id for recap in fixture_catalog.recaps]
    assert len(newest_first) == len(VALID)
    for name in ("feeds/atom.xml", "feeds/rss.xml"):
        parsed = feedparser.parse(fixture_feeds[name])
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert [entry.id for entry in parsed.entries] == newest_first
        for recap, entry in zip(fixture_catalog.recaps, parsed.entries, strict=True):
            assert entry.title == recap.title
            assert entry.link == Routes(fixture_catalog.site).post_url(recap)
            assert entry.published_parsed[:3] == recap.date.timetuple()[:3]
    meeting = next(e for e in feedparser.parse(fixture_feeds["feeds/atom.xml"]).entries
                   if e.title == "March Community Meeting Recap")
    assert meeting.updated == "2024-03-15T10:30:00+01:00"
    items = json_items(fixture_feeds["feeds/feed.json"])
    assert [item["id"] for item in items] == newest_first
    assert next(i for i in items if i["title"] == meeting.title)["date_modified"] == meeting.updated


def test_every_atom_feed_has_what_rfc_4287_requires_and_the_strict_checker_finds_nothing(every_feed):
    for name, content in every_feed.items():
        if name.endswith("atom.xml"):
            assert atom_warnings(content) == [], name
            assert feedparser.parse(content).bozo == 0, name
        elif name.endswith("rss.xml"):
            assert rss_warnings(content) == [], name
            assert feedparser.parse(content).bozo == 0, name


def test_every_json_feed_validates_against_the_json_feed_schema(every_feed):
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    for name, content in every_feed.items():
        if name.endswith("feed.json"):
            assert [error.message for error in validator.iter_errors(json.loads(content))] == [], name
            assert content.endswith(b"}\n") and b"\r" not in content
            assert next(iter(json.loads(content))) == "version"


def test_the_json_feed_schema_refuses_what_the_specification_forbids():
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    good = {"version": feeds.JSON_FEED_VERSION, "title": "t", "items": [{"id": "1", "content_text": "x"}],
            "_ext": {"about": "https://example.org/"}}
    assert validator.is_valid(good)
    for bad_item in ({"id": "1"}, {"content_html": "x"}, {"id": 1, "content_text": "x"},
                     {"id": "1", "content_text": "x", "date_published": "2021-06-17"},
                     {"id": "1", "content_text": "x", "url": "not a url"},
                     {"id": "1", "content_text": "x", "date_publised": "2021-06-17T00:00:00Z"},
                     {"id": "1", "content_text": "x", "attachments": [{"url": "https://e.org/a"}]},
                     {"id": "1", "content_text": "x", "authors": [{}]}):
        assert not validator.is_valid({**good, "items": [bad_item]}), bad_item
    assert not validator.is_valid({"version": "https://jsonfeed.org/version/2", "title": "t", "items": []})


def _edit(folder: Path, old: str, new: str) -> None:
    recap = folder / "recaps" / "2021-06-17-linkerd-at-kubecon-eu.yaml"
    text = recap.read_text(encoding="utf-8")
    assert old in text
    recap.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_editing_a_title_body_or_slug_keeps_the_entry_id(seed_content, seed_feeds, converter):
    _edit(seed_content, 'title: "Linkerd at KubeCon EU"', 'title: "Linkerd at KubeCon Europe 2021"')
    _edit(seed_content, 'slug: "linkerd-at-kubecon-eu"', 'slug: "kubecon-eu-2021"')
    _edit(seed_content, "Our May community meeting", "Our lively May community meeting")
    edited = feeds_of(catalog_of(seed_content), converter)
    for name in ("feeds/atom.xml", "feeds/rss.xml"):
        [entry] = feedparser.parse(edited[name]).entries
        assert entry.id == SEED_ID
        assert entry.title == "Linkerd at KubeCon Europe 2021"
        assert entry.link == "https://linkerd.io/2021/06/17/kubecon-eu-2021/"
    assert json_items(edited["feeds/feed.json"])[0]["id"] == SEED_ID
    assert b"Our lively May" in edited["feeds/atom.xml"]
    assert atom_ids(edited["feeds/atom.xml"]) == atom_ids(seed_feeds["feeds/atom.xml"])


def test_setting_updated_changes_the_entry_and_the_feed_but_nothing_else(fixture_catalog, fixture_feeds,
                                                                          converter):
    oldest = fixture_catalog.recaps[-1]
    later = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    recaps = tuple(replace(r, updated=later) if r.id == oldest.id else r for r in fixture_catalog.recaps)
    changed = feeds_of(replace(fixture_catalog, recaps=recaps), converter)
    atom = feedparser.parse(changed["feeds/atom.xml"])
    assert atom.feed.updated == "2026-01-02T03:04:05+00:00"
    assert next(e for e in atom.entries if e.id == oldest.id).updated == "2026-01-02T03:04:05+00:00"
    assert feedparser.parse(changed["feeds/rss.xml"]).feed.updated == "Fri, 02 Jan 2026 03:04:05 +0000"
    item = next(i for i in json_items(changed["feeds/feed.json"]) if i["id"] == oldest.id)
    assert item["date_modified"] == "2026-01-02T03:04:05+00:00"
    assert [e.id for e in atom.entries] == atom_ids(fixture_feeds["feeds/atom.xml"])
    before = feedparser.parse(fixture_feeds["feeds/atom.xml"])
    assert before.feed.updated == max(e.updated for e in fixture_catalog.recaps).isoformat()


REBUILD = """
import hashlib, json, sys
from pathlib import Path
from pipeline.convert import Converter
from pipeline.load import load_content
from pipeline.normalize import normalize
from pipeline.render import feeds
artifacts = feeds.render(normalize(load_content(Path(sys.argv[1]))), Converter())
print(json.dumps({str(a.path): hashlib.sha256(a.content).hexdigest() for a in artifacts}))
"""


def test_an_unchanged_rebuild_is_byte_identical_even_in_a_new_process(fixture_catalog, fixture_feeds,
                                                                       converter):
    folder = Path(fixture_catalog.recaps[0].source_file).parents[1]
    again = feeds_of(normalize(load_content(folder)), converter)
    assert again == fixture_feeds
    fresh = subprocess.run([sys.executable, "-c", REBUILD, str(folder)], cwd=ROOT, capture_output=True,
                           text=True, check=True)
    assert json.loads(fresh.stdout) == {str(FIXTURE_ROUTES.file(name)): hashlib.sha256(content).hexdigest()
                                        for name, content in fixture_feeds.items()}


def test_tag_and_series_feeds_hold_exactly_their_recaps(fixture_catalog, fixture_feeds):
    tags = {tag for recap in fixture_catalog.recaps for tag in recap.tags}
    series = {recap.series.id for recap in fixture_catalog.recaps if recap.series}
    assert tags and series
    for folder, wanted in [
        *((f"feeds/tags/{tag}/", [r.id for r in fixture_catalog.recaps if tag in r.tags]) for tag in tags),
        *((f"feeds/series/{sid}/", [r.id for r in fixture_catalog.recaps if r.series and r.series.id == sid])
          for sid in series),
    ]:
        assert atom_ids(fixture_feeds[f"{folder}atom.xml"]) == wanted, folder
        assert atom_ids(fixture_feeds[f"{folder}rss.xml"]) == wanted, folder
        assert [i["id"] for i in json_items(fixture_feeds[f"{folder}feed.json"])] == wanted, folder
        self_link = feedparser.parse(fixture_feeds[f"{folder}atom.xml"]).feed.id
        assert self_link == f"https://recaps.example.org/{folder}atom.xml"
    assert {p for p in fixture_feeds if p.count("/") == 3} == {
        f"feeds/{kind}/{name}/{file}" for kind, names in (("tags", tags), ("series", series))
        for name in names for file in ("atom.xml", "rss.xml", "feed.json")}


def test_each_feed_keeps_only_the_newest_feed_limit_recaps(fixture_catalog, converter):
    limited = replace(fixture_catalog, site=replace(fixture_catalog.site, feed_limit=2))
    artifacts = feeds_of(limited, converter)
    newest = [recap.id for recap in fixture_catalog.recaps[:2]]
    assert atom_ids(artifacts["feeds/atom.xml"]) == newest
    assert [i["id"] for i in json_items(artifacts["feeds/feed.json"])] == newest


def _with_intro(catalog: Catalog, intro: str) -> Catalog:
    first = replace(catalog.recaps[0], intro=intro)
    return replace(catalog, recaps=(first, *catalog.recaps[1:]))


def _contents(artifacts: dict[str, bytes]) -> list[str]:
    """Every HTML content of every entry, as a feed reader gets it."""
    html = []
    for name, content in artifacts.items():
        if name.endswith("feed.json"):
            html += [item["content_html"] for item in json_items(content)]
        elif name.endswith("atom.xml"):
            html += [e.text or "" for e in ElementTree.fromstring(content).iter(f"{ATOM}content")]
        else:
            html += [e.text or "" for e in ElementTree.fromstring(content).iter(f"{CONTENT_NS}encoded")]
    return html


def test_relative_links_anchors_and_code_come_out_absolute_and_anchor_free(fixture_catalog, converter):
    markdown = ("See [the guide](guide/), [the docs](/docs/x?y=1#z), [above](#top) and "
                "![a chart](https://recaps.example.org/chart.png).[^1]\n\n"
                "```python\nprint('hi')\n```\n\n[^1]: A note with [a link](notes/).\n")
    artifacts = feeds_of(_with_intro(fixture_catalog, markdown), converter)
    post = Routes(fixture_catalog.site).post_url(fixture_catalog.recaps[0])
    html = _contents({k: v for k, v in artifacts.items() if k.startswith("feeds/") and k.count("/") == 1})
    assert len(html) == 3 * len(fixture_catalog.recaps)
    first = [h for h in html if "the guide" in h]
    assert len(first) == 3
    for fragment in first:
        hrefs = [a.get("href") for tag, a in html_tags(fragment) if tag == "a"]
        assert {"https://recaps.example.org/guide/", "https://recaps.example.org/docs/x?y=1#z",
                f"{post}#top", "https://recaps.example.org/notes/"} <= set(hrefs)
        assert 'id="' not in fragment and "sourceCode" not in fragment
        assert "<sup>1</sup>" in fragment and "A note with" in fragment
        assert html_warnings(fragment, "content") == []


def test_hostile_markdown_never_reaches_a_feed(fixture_catalog, converter):
    artifacts = feeds_of(_with_intro(fixture_catalog, HOSTILE), converter)
    for name, content in artifacts.items():
        for link_target in (b"javascript:alert(1)", b"javascript:alert(3)", b"javascript:alert(4)"):
            assert link_target not in content.lower(), (name, link_target)
        assert b"data:text/html" not in content, name
        assert b"<script" not in content.lower() and b"<iframe" not in content.lower(), name
    html = _contents(artifacts)
    assert any("alert(1)" in fragment for fragment in html), "the text itself stays, harmless"
    for fragment in html:
        for tag, attrs in html_tags(fragment):
            assert tag not in ("script", "iframe"), tag
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert html_warnings(fragment, "content") == []


@pytest.mark.parametrize("html", [
    "<p>hi</p><script>alert(1)</script>",
    '<p><img src="https://e.org/x.png" onerror="alert(1)"></p>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" JAVASCRIPT:alert(1)">x</a>',
    '<a href="guide/">relative</a>',
    '<iframe src="https://www.youtube.com/embed/x"></iframe>',
])
def test_the_final_check_stops_a_feed_that_would_carry_script_or_unsafe_urls(html):
    escaped = html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    atom = (f'<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="html">{escaped}'
            "</content></entry></feed>").encode()
    json_feed = json.dumps({"items": [{"id": "1", "content_html": html}]}).encode()
    for path, content in (("feeds/atom.xml", atom), ("feeds/feed.json", json_feed)):
        with pytest.raises(UnsafeFeedError, match="unsafe content"):
            check_feed(Artifact(PurePosixPath(path), content, "feeds"))
    bad_link = b"<rss><channel><link>javascript:alert(1)</link></channel></rss>"
    with pytest.raises(UnsafeFeedError):
        check_feed(Artifact(PurePosixPath("feeds/rss.xml"), bad_link, "feeds"))


def test_recordings_are_a_thumbnail_and_a_link_never_an_embed(seed_feeds):
    [content] = _contents({"feeds/feed.json": seed_feeds["feeds/feed.json"]})
    tags = html_tags(content)
    stills = [attrs["src"] for tag, attrs in tags if tag == "img"]
    assert len(stills) == 11
    assert stills[0] == "https://i.ytimg.com/vi/BWL4889RKhU/mqdefault.jpg"
    assert "▶ Watch the recording (31:26)" in content
    assert '<a href="https://youtu.be/BWL4889RKhU">' in content
    assert not {"iframe", "script", "embed", "object", "video"} & {tag for tag, _ in tags}
    assert json_items(seed_feeds["feeds/feed.json"])[0]["image"] == stills[0]


def test_every_entry_links_its_handout_without_a_zero_length_enclosure(seed_feeds):
    pdf = "https://linkerd.io/recaps/pdf/2021-06-17-linkerd-at-kubecon-eu.pdf"
    [entry] = feedparser.parse(seed_feeds["feeds/atom.xml"]).entries
    assert {"href": pdf, "rel": "related", "type": "application/pdf"}.items() <= next(
        link for link in entry.links if link.href == pdf).items()
    assert [link.rel for link in entry.links if link.rel == "alternate"] == ["alternate"]
    rss = seed_feeds["feeds/rss.xml"]
    assert b"<enclosure" not in rss
    assert f'href="{pdf}"'.encode() in rss.replace(b"&quot;", b'"').replace(b"&lt;", b"<")
    [item] = json_items(seed_feeds["feeds/feed.json"])
    assert item["attachments"] == [{"url": pdf, "mime_type": "application/pdf",
                                    "title": "Printable handout (PDF)"}]


def test_authors_are_named_everywhere_with_an_email_only_where_the_person_has_one(fixture_feeds):
    atom = ElementTree.fromstring(fixture_feeds["feeds/atom.xml"])
    emails = {a.findtext(f"{ATOM}name"): a.findtext(f"{ATOM}email") for a in atom.iter(f"{ATOM}author")}
    assert emails["Ada Quill"] == "ada@example.org"
    assert emails["Ben Okafor"] is None
    rss = ElementTree.fromstring(fixture_feeds["feeds/rss.xml"])
    assert rss.find(".//item/author") is None
    assert {"Ada Quill", "Ben Okafor"} <= {c.text for c in rss.iter(f"{DC}creator")}
    items = json_items(fixture_feeds["feeds/feed.json"])
    authors = [author for item in items for author in item["authors"]]
    assert {"name": "Ada Quill", "url": "https://recaps.example.org/people/ada/"} in authors
    assert all("email" not in author for author in authors)


def test_a_site_without_recaps_gets_valid_empty_feeds_dated_at_the_epoch(empty_feeds):
    assert set(empty_feeds) == {"feeds/atom.xml", "feeds/rss.xml", "feeds/feed.json"}
    atom = feedparser.parse(empty_feeds["feeds/atom.xml"])
    assert (atom.bozo, atom.entries, atom.feed.updated) == (0, [], "1970-01-01T00:00:00+00:00")
    assert json.loads(empty_feeds["feeds/feed.json"])["items"] == []


def test_a_build_leaves_out_drafts_and_recaps_scheduled_later(tmp_path):
    content = assemble_content(tmp_path / "content", [FIXTURES / "valid" / "single-talk.yaml"])
    source = (FIXTURES / "valid" / "single-talk.yaml").read_text(encoding="utf-8")
    extra = {
        "draft": ("urn:uuid:0f02bf7a-fafb-440e-9138-000000000001", "draft: true\n"),
        "scheduled": ("urn:uuid:0f02bf7a-fafb-440e-9138-000000000002",
                      'publish_at: "2030-01-01T09:00:00+00:00"\n'),
    }
    for slug, (recap_id, line) in extra.items():
        text = source.replace("urn:uuid:0f02bf7a-fafb-440e-9138-8fea89d0428a", recap_id)
        text = text.replace('slug: "one-talk-recap"', f'slug: "{slug}"') + line
        (content / "recaps" / f"{slug}.yaml").write_text(text, encoding="utf-8")
    options = BuildOptions(content, tmp_path / "dist", datetime(2025, 1, 1, tzinfo=UTC), formats=("feeds",))
    result = build(options)
    assert result.report.ok, result.report
    assert result.recaps == 1
    for name in ("atom.xml", "rss.xml"):
        parsed = feedparser.parse((tmp_path / "dist" / FIXTURE_ROUTES.file(f"feeds/{name}")).read_bytes())
        assert [entry.id for entry in parsed.entries] == ["urn:uuid:0f02bf7a-fafb-440e-9138-8fea89d0428a"]
    later = build(replace(options, out_dir=tmp_path / "later", now=datetime(2031, 1, 1, tzinfo=UTC)))
    assert later.recaps == 2
