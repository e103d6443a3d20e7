"""Atom, RSS 2.0 and JSON Feed 1.1: the site feed plus one per tag and one per series.

Feed readers remember what they have shown by the entry id, so an entry's id is the
recap's permanent `id` (never its title, slug or URL), and a feed changes only when
the content does: every time written is a recap's date or `updated`, never the clock.

Each feed's own id is the absolute URL of its Atom file (`<base>feeds/atom.xml`,
`<base>feeds/tags/<tag>/atom.xml`, ...): it is what readers subscribe to, so it is stable
for as long as the feed is served from there, and RSS and JSON Feed identify a feed by
that kind of URL too. An empty feed is dated at the Unix epoch, the one time that does
not depend on the build.

Atom and RSS are written by feedgen, with its traps avoided: every time is set (it
defaults to now()), entries are appended (it prepends), and each format gets its own
generator, so that Atom's author emails do not leak into RSS `<author>` (RSS names
authors with `dc:creator`) and `description()` can never overwrite Atom content.
"""

from __future__ import annotations

import html
import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import urljoin

from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from pipeline.convert import Converter, key
from pipeline.model import Artifact, Catalog, Person, Recap, Recording, Site
from pipeline.render import Feeds
from pipeline.render.body import Style, body_blocks
from pipeline.render.document import (
    header,
    link,
    para,
    prepare,
    recording_link,
    series_links,
    strong,
    text,
)
from pipeline.render.feed_checks import check_feed
from pipeline.routes import Routes
from pipeline.sanitize import Block, local_images

FORMAT = "feeds"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
THUMBNAIL = "https://i.ytimg.com/vi/{video}/mqdefault.jpg"
"""YouTube's 320x180 still: it exists for every video (maxresdefault does not) and has
no letterbox bars (hqdefault has)."""
HTML_OPTIONS = ("--wrap=none", "--email-obfuscation=none")
"""Obfuscation would write a <script>; none is also pandoc's default, said here to stay so."""


@dataclass(frozen=True)
class Entry:
    """One recap as every feed format shows it."""

    id: str
    title: str
    url: str
    published: datetime
    updated: datetime
    authors: tuple[Person, ...]
    tags: tuple[str, ...]
    summary: str
    content_html: str
    handout_url: str
    image: str | None


@dataclass(frozen=True)
class Channel:
    """One feed: where it is published, what it is called, and its entries newest first."""

    folder: str
    title: str
    description: str
    entries: tuple[Entry, ...]

    def self_url(self, site: Site, name: str) -> str:
        """Give the absolute URL of one of the channel's files (`atom.xml`, ...)."""
        return Routes(site).file_url(f"{self.folder}{name}")

    @property
    def updated(self) -> datetime:
        """Give the newest entry's update time: the feed changes only when an entry does."""
        return max((entry.updated for entry in self.entries), default=EPOCH)


def channel_recaps(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """Give each channel's folder and the ids of the recaps it shows: a channel is
    rewritten only when one of those changes, or which they are."""
    limit = catalog.site.feed_limit
    return {folder: tuple(recap.id for recap in recaps[:limit])
            for folder, _, _, recaps in channel_specs(catalog)}


def render(catalog: Catalog, converter: Converter, channels: Collection[str] | None = None) -> list[Artifact]:
    """Give atom.xml, rss.xml and feed.json for the site, each tag and each series (or
    for the channels whose folders are `channels`)."""
    site = catalog.site
    specs = [(folder, title, description, recaps[: site.feed_limit])
             for folder, title, description, recaps in channel_specs(catalog)
             if channels is None or folder in channels]
    shown = {recap.id for *_, recaps in specs for recap in recaps}
    entries = {entry.id: entry for entry in build_entries(shown, catalog.recaps, site, converter)}
    artifacts = []
    for folder, title, description, recaps in specs:
        channel = Channel(folder, title, description, tuple(entries[recap.id] for recap in recaps))
        artifacts.extend(channel_artifacts(channel, site))
    for artifact in artifacts:
        check_feed(artifact)
    return artifacts


def channel_specs(catalog: Catalog) -> Iterator[tuple[str, str, str, list[Recap]]]:
    """Yield (folder, title, description, recaps) for the site feed, each tag, each series."""
    site, recaps = catalog.site, catalog.recaps
    yield Routes.feed_folder("site"), site.title, site.description or site.title, list(recaps)
    for tag in sorted({tag for recap in recaps for tag in recap.tags}):
        tagged = [recap for recap in recaps if tag in recap.tags]
        yield Routes.feed_folder("tags", tag), f"{site.title}: {tag}", f"Recaps tagged “{tag}”.", tagged
    for series_id in sorted({recap.series.id for recap in recaps if recap.series}):
        parts = [recap for recap in recaps if recap.series and recap.series.id == series_id]
        name = parts[0].series.name if parts[0].series else series_id
        folder = Routes.feed_folder("series", series_id)
        yield folder, f"{site.title}: {name}", f"Every part of {name}.", parts


def channel_artifacts(channel: Channel, site: Site) -> list[Artifact]:
    """Give the channel's three files; their bytes depend on nothing but the channel."""

    def artifact(name: str, content: bytes) -> Artifact:
        return Artifact(Routes(site).file(f"{channel.folder}{name}"), content, FORMAT, channel=channel.folder)

    return [
        artifact("atom.xml", atom_feed(channel, site)),
        artifact("rss.xml", rss_feed(channel, site)),
        artifact("feed.json", json_feed(channel, site)),
    ]


# --- entries: the recap body as HTML a feed reader can show -------------------------------

def build_entries(wanted: set[str], recaps: Sequence[Recap], site: Site, converter: Converter) -> list[Entry]:
    """Give the entries of the recaps whose ids are `wanted`, bodies written in one pandoc run.

    `recaps` is every published recap, so that series navigation lists every part. A body
    is remembered under a digest of all it is made from (the recap, the site, the series
    links and the code), so a rebuild after one edit writes one body, not every entry.
    """
    chosen = [recap for recap in recaps if recap.id in wanted]
    links = series_links(chosen, site, recaps)
    keys = {recap.id: key("feed entry", Feeds.fingerprint(), repr((recap, site, links[recap.id])))
            for recap in chosen}

    def write_bodies(recap_ids: list[str]) -> dict[str, str]:
        wanted_now = set(recap_ids)
        documents = prepare([recap for recap in chosen if recap.id in wanted_now], site, converter, recaps)
        written = converter.write([reader_blocks(doc.recap, body_blocks(doc, FEED_STYLE), site)
                                   for doc in documents], "html", *HTML_OPTIONS)
        return {doc.recap.id: body for doc, body in zip(documents, written, strict=True)}

    bodies = converter.memo(keys, write_bodies)
    return [entry_for(recap, bodies[recap.id], site) for recap in chosen]


def entry_for(recap: Recap, content_html: str, site: Site) -> Entry:
    """Give the entry of one recap, published at midnight UTC of its date (as `updated` reads a bare date)."""
    routes = Routes(site)
    return Entry(
        id=recap.id,
        title=recap.title,
        url=routes.post_url(recap),
        published=datetime.combine(recap.date, time(), tzinfo=UTC),
        updated=recap.updated,
        authors=recap.authors,
        tags=recap.tags,
        summary=recap.summary,
        content_html=content_html,
        handout_url=routes.file_url(routes.pdf(recap)),
        image=routes.image_url(recap, recap.cover) if recap.cover else next(thumbnails(recap), None),
    )


def thumbnails(recap: Recap) -> Iterator[str]:
    """Yield the YouTube stills of the recap's recordings (`Recap.videos`' order: the
    whole meeting's first)."""
    for video in recap.videos:
        if video.recording.youtube_id:
            yield THUMBNAIL.format(video=video.recording.youtube_id)


def recording_with_thumbnail(recording: Recording, title: str) -> list[Block]:
    """Show a recording as its still linking to the video, then the text link: feed
    readers show no embedded players, and strip iframes and scripts anyway."""
    blocks = recording_link(recording, title)
    if recording.youtube_id is None:
        return blocks
    size = [["width", "320"], ["height", "180"]]
    still = {"t": "Image", "c": [["", [], size], text(f"Recording: {title}"),
                                 [THUMBNAIL.format(video=recording.youtube_id), ""]]}
    return [para(link([still], recording.url)), *blocks]


_LEAVES = frozenset({"Str", "Space", "SoftBreak", "LineBreak", "Code", "Math", "RawInline", "RawBlock",
                     "HorizontalRule"})
"""Nodes that hold no link, image, code block or note."""


def reader_blocks(recap: Recap, blocks: list[Block], site: Site) -> list[Block]:
    """Give the body as a feed reader needs it: the handout linked at the end, every URL
    absolute, footnotes as numbered notes without anchors, code without highlighting.

    A feed entry has no base URL of its own (RSS has none at all), and a reader shows many
    entries on one page, so `#fn1` anchors and pandoc's per-line code anchors would jump
    nowhere or into another entry; the W3C validator flags any of them as relative.
    """
    routes = Routes(site)
    handout = para(strong(text("Handout:")), {"t": "Space"}, link(text(f"{recap.title} (PDF)"),
                                                                   routes.file_url(routes.pdf(recap))))
    notes: list[Any] = []
    post_url = routes.post_url(recap)
    blocks = local_images(blocks, routes.image_resolver(recap, absolute=True))

    def visit(node: Any) -> Any:
        if isinstance(node, list):
            return [visit(item) for item in node]
        if not isinstance(node, dict):
            return node
        kind = node["t"]
        if kind in _LEAVES:  # most nodes: nothing inside can change, so no copy
            return node
        if kind in ("Link", "Image"):
            attr, inlines, (url, title) = node["c"]
            target = post_url + url if url.startswith("#") else urljoin(site.base_url, url)
            return {"t": kind, "c": [attr, visit(inlines), [target, title]]}
        if kind == "CodeBlock":
            return {"t": kind, "c": [["", [], []], node["c"][1]]}
        if kind == "Note":
            notes.append(visit(node["c"]))
            return {"t": "Superscript", "c": [{"t": "Str", "c": str(len(notes))}]}
        return {"t": kind, "c": visit(node["c"])} if "c" in node else node

    body: list[Block] = visit([*blocks, handout])
    if notes:
        body += [header(2, text("Notes")),
                 {"t": "OrderedList", "c": [[1, {"t": "Decimal"}, {"t": "Period"}], notes]}]
    return body


# --- Atom and RSS through feedgen --------------------------------------------------------

def _generator(channel: Channel, site: Site, name: str, kind: str) -> FeedGenerator:
    """Give a feedgen generator with the feed-level fields both XML formats share."""
    feed = FeedGenerator()
    feed.title(channel.title)
    # Readers show an RSS description as HTML, so plain text (a series name, say) is
    # escaped for it; Atom's subtitle is declared as text and needs no escaping.
    rss = kind == "application/rss+xml"
    feed.description(html.escape(channel.description, quote=False) if rss else channel.description)
    feed.language(site.language)
    feed.updated(channel.updated)
    feed.generator("recap-pipeline")
    feed.link(href=channel.self_url(site, name), rel="self", type=kind)
    # Last: RSS's channel <link> is the last link given, and it must be the home page.
    feed.link(href=Routes(site).blog_url, rel="alternate", type="text/html")
    return feed


def atom_feed(channel: Channel, site: Site) -> bytes:
    """Give Atom (RFC 4287). The site is the feed's author, which RFC 4287 requires of a
    feed unless every entry names one: true of every recap, but vacuous for an empty feed."""
    feed = _generator(channel, site, "atom.xml", "application/atom+xml")
    feed.id(channel.self_url(site, "atom.xml"))
    feed.author(name=site.title, uri=Routes(site).blog_url)
    feed.register_extension("links", _NoFeedLinks, _EntryLinks, atom=True, rss=False)
    for item in channel.entries:
        entry = feed.add_entry(order="append")
        entry.id(item.id)
        entry.title(item.title)
        entry.updated(item.updated)
        entry.published(item.published)
        entry.author([_atom_person(person) for person in item.authors])
        entry.links.add(href=item.url, rel="alternate", type="text/html")
        entry.links.add(href=item.handout_url, rel="related", type="application/pdf",
                        title="Printable handout (PDF)")
        entry.summary(item.summary)
        entry.content(item.content_html, type="html")
        for tag in item.tags:
            entry.category(term=tag)
    content: bytes = feed.atom_str(pretty=True)
    return content


class _EntryLinks:
    """Writes an Atom entry's links, a feedgen extension: feedgen 1.0's own entry links
    lose `rel` and `type` (its loop rebinds the name `link`), which would make the handout
    a second "alternate" link, which RFC 4287 forbids."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def add(self, **attributes: str) -> None:
        self.links.append(attributes)

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_atom(self, entry: Any) -> Any:
        for attributes in self.links:
            xml_elem("link", entry, **attributes)
        return entry

    def extend_rss(self, item: Any) -> Any:
        return item


class _NoFeedLinks(_EntryLinks):
    """The feed-level half feedgen requires of an extension; the feed's links are right."""


def _atom_person(person: Person) -> dict[str, str]:
    """Give an Atom person construct: the name, and an email or URL only where known."""
    fields = {"name": person.name, "email": person.email, "uri": person.url}
    return {key: value for key, value in fields.items() if value}


def rss_feed(channel: Channel, site: Site) -> bytes:
    """Give RSS 2.0: the summary (as escaped HTML, which `description` holds) and the full
    content in `content:encoded`; authors as `dc:creator`, since `<author>` must be an
    email address. No `<enclosure>` for the handout: RSS requires its length in bytes,
    which is not known here, so the content links to it instead."""
    feed = _generator(channel, site, "rss.xml", "application/rss+xml")
    feed.load_extension("dc", atom=False, rss=True)
    for item in channel.entries:
        entry = feed.add_entry(order="append")
        entry.guid(item.id, permalink=False)
        entry.title(item.title)
        entry.link(href=item.url, rel="alternate")
        entry.published(item.published)
        entry.summary(html.escape(item.summary, quote=False))
        entry.content(item.content_html)
        entry.dc.dc_creator([person.name for person in item.authors])
        for tag in item.tags:
            entry.category(term=tag)
    content: bytes = feed.rss_str(pretty=True)
    return content


# --- JSON Feed 1.1, written here (feedgen has none) -------------------------------------

def json_feed(channel: Channel, site: Site) -> bytes:
    """Give JSON Feed 1.1. Keys keep the specification's order (version first, as it asks)
    instead of being sorted; the order is fixed in code, so the bytes are still stable."""
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": Routes(site).blog_url,
        "feed_url": channel.self_url(site, "feed.json"),
        "description": channel.description,
        "language": site.language,
        "authors": [{"name": site.title, "url": Routes(site).blog_url}],
    }
    feed["items"] = [_json_item(entry) for entry in channel.entries]
    return (json.dumps(feed, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _json_item(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "url": entry.url,
        "title": entry.title,
        "summary": entry.summary,
        "content_html": entry.content_html,
        "date_published": entry.published.isoformat(),
        "date_modified": entry.updated.isoformat(),
        "authors": [_json_person(person) for person in entry.authors],
    }
    if entry.image:
        item["image"] = entry.image
    if entry.tags:
        item["tags"] = list(entry.tags)
    item["attachments"] = [{"url": entry.handout_url, "mime_type": "application/pdf",
                            "title": "Printable handout (PDF)"}]
    return item


def _json_person(person: Person) -> dict[str, str]:
    """JSON Feed authors have a name, a URL and an avatar; no email."""
    return {"name": person.name, **({"url": person.url} if person.url else {})}


FEED_STYLE = Style(recording=recording_with_thumbnail)
"""Feed readers get stills linking to recordings and cards for embeds: they show no players
and strip iframes and scripts anyway."""
