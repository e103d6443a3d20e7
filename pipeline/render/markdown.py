"""Markdown blog posts: Hugo page bundles (default), Jekyll posts or plain GitHub Markdown.

The body is the shared recap document written by pandoc's `gfm` writer with raw HTML
off (Hugo's default Goldmark settings omit raw HTML, so none may appear). Front matter is
YAML written by PyYAML. Pandoc knows nothing of template engines, so the written body has
every template, attribute and task-list opener broken (`pipeline.render.template_guard`);
the only live shortcodes are the pipeline's own embeds (`youtube`, `x`), put in after the guard.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pipeline.convert import Converter
from pipeline.model import Artifact, Catalog, Embed, Person, Recap, Recording, Site, start_in_url
from pipeline.pandoc import encode_document
from pipeline.render.body import Style, body_blocks, embed_card
from pipeline.render.document import (
    RecapDocument,
    header,
    para,
    prepare,
    recording_link,
    text,
)
from pipeline.render.structured_data import (
    embed_url,
    json_ld,
    meta_description,
    short_description,
    thumbnail_url,
)
from pipeline.render.template_guard import neutralize_written, without_task_boxes
from pipeline.routes import Routes
from pipeline.sanitize import Block, local_images, with_fenced_code
from pipeline.yaml_text import dump_yaml

WRITER = "gfm-raw_html"


def writer_options(site: Site) -> tuple[str, ...]:
    """Wrap prose at the site's width, as prettier's `proseWrap: always` does, or keep a
    paragraph per line (`wrap: none`)."""
    if site.markdown_wrap is None:
        return ("--wrap=none",)
    return ("--wrap=auto", f"--columns={site.markdown_wrap}")


_EMBED_MARK = f"RECAPEMBED{uuid.uuid4().hex}X"
_EMBED_LINE = re.compile(rf"^{_EMBED_MARK}([0-9a-f]+)$", re.MULTILINE)


def shortcode(call: str) -> list[Block]:
    """Give a paragraph standing in for the Hugo shortcode `{{< call >}}`.

    The shortcode itself is put in after pandoc has written the post (see `_embed`): a
    marker paragraph stands in for it, so that the pass that breaks template syntax in
    recap text cannot touch the pipeline's own embeds.
    """
    return [para({"t": "Str", "c": f"{_EMBED_MARK}{call.encode().hex()}"})]


def youtube_shortcode(recording: Recording, title: str) -> list[Block]:
    """Embed YouTube recordings with Hugo's built-in shortcode, from their start; link
    anything else. No title argument: it would make the line longer than linters allow,
    and Hugo names the frame without one."""
    video = recording.youtube_id
    if video is None:
        return recording_link(recording, title)
    start = f' start="{recording.start}"' if recording.start else ""
    return shortcode(f'youtube id="{video}"{start}')


def hugo_embed(embed: Embed) -> list[Block]:
    """Embed X posts and YouTube videos with Hugo's shortcodes; show the rest as cards.

    (Hugo's `x` shortcode asks X for the post while the site builds.)"""
    post = embed.x_post if embed.kind in ("x", "twitter") else None
    if post is not None:
        return shortcode(f'x user="{post[0]}" id="{post[1]}"')
    if embed.kind == "youtube":
        return youtube_shortcode(Recording(embed.url, start=start_in_url(embed.url)), embed.title or "")
    return embed_card(embed)


_LIST_MARKER = re.compile(r"^( *\d+[.)]) {2,}(?=\S)")
_FENCE = re.compile(r"^ *(```|~~~)")


def _one_space_after_markers(body: str) -> str:
    """Give ordered list items one space after their number, as linters expect (pandoc
    pads them to a tab stop); code blocks stay as they are."""
    lines, fence = body.split("\n"), None
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if opening and (fence is None or opening[1] == fence):
            fence = None if fence else opening[1]
        elif fence is None:
            lines[index] = _LIST_MARKER.sub(r"\1 ", line)
    return "\n".join(lines)


def _embed(body: str) -> str:
    # What a marker carries was made here from checked parts (an 11-character video id, a
    # number, an X user name and a numeric post id), so nothing can break out.
    return _EMBED_LINE.sub(lambda m: f"{{{{< {bytes.fromhex(m[1]).decode()} >}}}}", body)


@dataclass(frozen=True)
class Flavor:
    """What differs between flavors: the front matter, the embeds, template safety."""

    name: str
    front_matter: Callable[[Recap, Site], dict[str, Any] | None]
    style: Style
    neutralize: bool


def video_schema(recap: Recap) -> list[dict[str, str]]:
    """Give the seed site's `params.videoSchema`: one entry per YouTube recording (the
    meeting's, each section's, each talk's), each with one short description."""
    entries = []
    for video in recap.videos:
        recording = video.recording
        video_id = recording.youtube_id
        if video_id is None:
            continue
        entry = {
            "title": video.title,
            "description": recording.description or short_description(video.summary),
            "embedUrl": str(embed_url(recording)),
            "thumbnailUrl": str(thumbnail_url(recording)),
        }
        if recording.uploaded:
            entry["uploadDate"] = recording.uploaded.isoformat()
        if recording.duration_text:
            entry["duration"] = recording.duration_text
        entries.append(entry)
    return entries


def author_key(person: Person) -> str | dict[str, str]:
    """Give how front matter names an author: the site's author key, or else a mapping
    with the name, which the seed site's theme reads as well (`.Params.author.name`)."""
    return person.site_author or {"name": person.name}


def _common_params(recap: Recap, site: Site) -> dict[str, Any]:
    params: dict[str, Any] = {**dict(site.params), **dict(recap.params)}
    params["author"] = author_key(recap.authors[0])
    if len(recap.authors) > 1:
        params["authors"] = [author_key(author) for author in recap.authors]
    params["readingTime"] = recap.reading_time_minutes
    params["wordCount"] = recap.word_count
    if recap.cover:
        params["cover"] = recap.cover
    if recap.series:
        series = recap.series
        params["series"] = {"id": series.id, "name": series.name, "part": series.part, "parts": series.parts}
    videos = video_schema(recap)
    if videos:
        params["videoSchema"] = videos
    return params


def _lastmod(recap: Recap) -> str | None:
    """Give the update time when it is later than the publication date itself."""
    if recap.updated.date() == recap.date and recap.updated.time().isoformat() == "00:00:00":
        return None
    return recap.updated.isoformat()


def hugo_front_matter(recap: Recap, site: Site) -> dict[str, Any]:
    matter: dict[str, Any] = {"title": recap.title, "date": recap.date.isoformat()}
    lastmod = _lastmod(recap)
    if lastmod:
        matter["lastmod"] = lastmod
    matter.update({
        "description": meta_description(recap),
        "summary": recap.summary,
        "keywords": list(recap.tags),
        "tags": list(recap.tags),
        "draft": recap.draft,
        "slug": recap.slug,
    })
    if site.markdown_url or (site.markdown_url is None and site.permalink is None):
        # For sites whose permalink settings do not place the post where feeds and
        # handouts say it is.
        matter["url"] = Routes(site).post_path(recap)
    if recap.aliases:
        matter["aliases"] = list(recap.aliases)
    matter["params"] = {
        **_common_params(recap, site),
        # schema.org data for the theme's <head>:
        # <script type="application/ld+json">{{ .Params.jsonLd | safeJS }}</script>
        "jsonLd": json_ld_text(recap, site),
    }
    return matter


def json_ld_text(recap: Recap, site: Site) -> str:
    """Give the recap's JSON-LD as one line of JSON, safe inside a <script> element.

    A string, not a mapping: Hugo lowercases the keys of front-matter maps, and
    schema.org's are case-sensitive (datePublished). `<`, `>` and `&` are escaped, so
    recap text cannot close the script element it is embedded in.
    """
    text = json.dumps(json_ld(recap, site), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def jekyll_front_matter(recap: Recap, site: Site) -> dict[str, Any]:
    routes = Routes(site)
    matter: dict[str, Any] = {
        "layout": "post",
        "title": recap.title,
        "date": f"{recap.date.isoformat()} 00:00:00 +0000",
    }
    lastmod = _lastmod(recap)
    if lastmod:
        matter["last_modified_at"] = lastmod
    matter.update({
        "description": meta_description(recap),
        "excerpt": recap.summary,
        "tags": list(recap.tags),
        "permalink": routes.post_path(recap),
        "published": not recap.draft,
    })
    if recap.aliases:
        matter["redirect_from"] = list(recap.aliases)  # the jekyll-redirect-from plugin
    if recap.cover:
        matter["image"] = routes.image_reference(recap, recap.cover)
    params = _common_params(recap, site)
    lead = recap.authors[0]
    params["author"] = lead.site_author or lead.name
    params.pop("cover", None)
    matter.update(params)
    return matter


def _no_front_matter(recap: Recap, site: Site) -> None:
    return None


FLAVOR_TABLE = {
    "hugo": Flavor("hugo", hugo_front_matter, Style(youtube_shortcode, hugo_embed), neutralize=True),
    "jekyll": Flavor("jekyll", jekyll_front_matter, Style(), neutralize=True),
    "gfm": Flavor("gfm", _no_front_matter, Style(), neutralize=False),
}


def dump_front_matter(matter: dict[str, Any]) -> str:
    """Give `---`-fenced YAML front matter, written by PyYAML (never by concatenation)."""
    text = dump_yaml(matter, width=1_000_000)
    return f"---\n{text}---\n\n"


def _gfm_heading(recap: Recap) -> list[Block]:
    """Without front matter a plain Markdown file needs its own title and summary."""
    return [header(1, text(recap.title)), para(text(recap.summary))]


def post_bodies(documents: Sequence[RecapDocument], flavor: Flavor, site: Site) -> list[str]:
    """Give each post's body as a pandoc JSON document, ready for the gfm writer."""
    routes = Routes(site)
    bodies = []
    for doc in documents:
        recap = doc.recap
        blocks = with_fenced_code(body_blocks(doc, flavor.style))
        if flavor.name == "gfm":
            blocks = _gfm_heading(recap) + blocks
        blocks = local_images(blocks, routes.image_resolver(recap, absolute=False))
        bodies.append(encode_document(blocks))
    return bodies


def image_artifacts(recap: Recap, site: Site) -> list[Artifact]:
    """Give the recap's images as files beside its post (in a Hugo bundle) or in the
    site's static files, where the post's references point."""
    routes = Routes(site)
    return [Artifact(routes.image_file(recap, image.name), image.content, "markdown", recap.id)
            for image in recap.images]


def render_flavor(catalog: Catalog, flavor_name: str, converter: Converter,
                  recaps: Sequence[Recap] | None = None) -> list[Artifact]:
    """Give one post per recap (default: every recap of the catalog) in the named flavor,
    with the images that travel with it."""
    flavor = FLAVOR_TABLE[flavor_name]
    site = replace(catalog.site, markdown_flavor=flavor_name)
    chosen = catalog.recaps if recaps is None else recaps
    if not chosen:
        return []
    documents = prepare(chosen, site, converter, catalog.recaps)
    bodies = converter.write_encoded(post_bodies(documents, flavor, site), WRITER, *writer_options(site))
    bodies = [neutralize_written(body) if flavor.neutralize else without_task_boxes(body) for body in bodies]
    routes = Routes(site)
    artifacts = []
    for doc, body in zip(documents, bodies, strict=True):
        matter = flavor.front_matter(doc.recap, site)
        body = _embed(_one_space_after_markers(body))
        text = (dump_front_matter(matter) if matter is not None else "") + body
        post = Artifact(routes.post_file(doc.recap), text.encode("utf-8"), "markdown", doc.recap.id)
        artifacts.append(post)
        artifacts.extend(image_artifacts(doc.recap, site))
    return artifacts


def render_recaps(catalog: Catalog, recaps: Sequence[Recap], converter: Converter) -> list[Artifact]:
    """Give the posts of `recaps` in the flavor content/site.yaml (or `--flavor`) selects."""
    return render_flavor(catalog, catalog.site.markdown_flavor, converter, recaps)


def render(catalog: Catalog, converter: Converter) -> list[Artifact]:
    """Give every post of the catalog."""
    return render_recaps(catalog, catalog.recaps, converter)
