"""Markdown blog posts: Hugo page bundles (default), Jekyll posts or plain GitHub Markdown.

The body is the shared recap document written by pandoc's `gfm` writer with raw HTML
off (Hugo's default Goldmark settings omit raw HTML, so none may appear). Front matter is
YAML written by PyYAML. Pandoc knows nothing of template engines, so the written body has
every template, attribute and task-list opener broken (`pipeline.render.template_guard`);
the only live shortcodes are the pipeline's own `{{< youtube "ID" >}}` embeds.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from pipeline.model import Artifact, Recap, Recording, Site, recap_path
from pipeline.normalize import Catalog
from pipeline.pandoc import encode_document, write_encoded
from pipeline.render.document import (
    RecapDocument,
    body_blocks,
    emph,
    header,
    para,
    prepare,
    recording_link,
    text,
)
from pipeline.render.structured_data import json_ld
from pipeline.render.template_guard import neutralize_written, without_task_boxes
from pipeline.sanitize import Block, plain_text, with_fenced_code
from pipeline.yaml_text import dump_yaml

WRITER = "gfm-raw_html"
WRITER_OPTIONS = ("--wrap=none",)
"""One line per paragraph: diffs of regenerated posts stay readable and Hugo reflows anyway."""
THUMBNAIL = "http://i3.ytimg.com/vi/{id}/maxresdefault.jpg"
"""The thumbnail address the seed site uses for its videoSchema entries."""
EMBED = "https://www.youtube.com/embed/{id}"


_EMBED_MARK = f"RECAPEMBED{uuid.uuid4().hex}X"
_EMBED_LINE = re.compile(rf"^{_EMBED_MARK}([0-9a-f]+)$", re.MULTILINE)


def youtube_shortcode(recording: Recording, title: str) -> list[Block]:
    """Embed YouTube recordings with Hugo's built-in shortcode; link anything else.

    The shortcode itself is put in after pandoc has written the post (see `_embed`): a
    marker paragraph stands in for it, so that the pass that breaks template syntax in
    recap text cannot touch the pipeline's own embeds.
    """
    video = recording.youtube_id
    if video is None:
        return recording_link(recording, title)
    return [para({"t": "Str", "c": f"{_EMBED_MARK}{video.encode().hex()}"})]


def _embed(body: str) -> str:
    # The id matched [A-Za-z0-9_-]{11}, so it cannot close the quotes or the shortcode.
    return _EMBED_LINE.sub(lambda m: f'{{{{< youtube "{bytes.fromhex(m[1]).decode()}" >}}}}', body)


@dataclass(frozen=True)
class Flavor:
    """What differs between flavors: where a post goes, its front matter, its embeds."""

    name: str
    path: Callable[[Recap, Site], str]
    front_matter: Callable[[Recap, Site, dict[str, str]], dict[str, Any] | None]
    recording_style: Callable[[Recording, str], list[Block]]
    neutralize: bool


def video_schema(recap: Recap, descriptions: dict[str, str]) -> list[dict[str, str]]:
    """Give the seed site's `params.videoSchema` entries, one per talk with a YouTube recording."""
    entries = []
    for talk in recap.talks:
        video = talk.recording.youtube_id if talk.recording else None
        if talk.recording is None or video is None:
            continue
        entry = {
            "title": talk.title,
            "description": descriptions[talk.summary],
            "embedUrl": EMBED.format(id=video),
            "thumbnailUrl": THUMBNAIL.format(id=video),
        }
        if talk.recording.uploaded:
            entry["uploadDate"] = talk.recording.uploaded.isoformat()
        if talk.recording.duration_text:
            entry["duration"] = talk.recording.duration_text
        entries.append(entry)
    return entries


def _common_params(recap: Recap, descriptions: dict[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "author": recap.authors[0].id if len(recap.authors) == 1 else [a.id for a in recap.authors],
        "authors": [a.name for a in recap.authors],
        "readingTime": recap.reading_time_minutes,
        "wordCount": recap.word_count,
    }
    if recap.series:
        series = recap.series
        params["series"] = {"id": series.id, "name": series.name, "part": series.part, "parts": series.parts}
    videos = video_schema(recap, descriptions)
    if videos:
        params["videoSchema"] = videos
    return params


def _lastmod(recap: Recap) -> str | None:
    """Give the update time when it is later than the publication date itself."""
    if recap.updated.date() == recap.date and recap.updated.time().isoformat() == "00:00:00":
        return None
    return recap.updated.isoformat()


def hugo_front_matter(recap: Recap, site: Site, descriptions: dict[str, str]) -> dict[str, Any]:
    matter: dict[str, Any] = {"title": recap.title, "date": recap.date.isoformat()}
    lastmod = _lastmod(recap)
    if lastmod:
        matter["lastmod"] = lastmod
    matter.update({
        "description": recap.summary,
        "keywords": list(recap.tags),
        "tags": list(recap.tags),
        "draft": recap.draft,
        "slug": recap.slug,
        # An explicit url keeps the post where feeds and handouts say it is, whatever the
        # site's permalink settings.
        "url": site.post_path(recap),
        "params": {
            **_common_params(recap, descriptions),
            # schema.org data for the theme's <head>:
            # <script type="application/ld+json">{{ .Params.jsonLd | safeJS }}</script>
            "jsonLd": json_ld_text(recap, site),
        },
    })
    return matter


def json_ld_text(recap: Recap, site: Site) -> str:
    """Give the recap's JSON-LD as one line of JSON, safe inside a <script> element.

    A string, not a mapping: Hugo lowercases the keys of front-matter maps, and
    schema.org's are case-sensitive (datePublished). `<`, `>` and `&` are escaped, so
    recap text cannot close the script element it is embedded in.
    """
    text = json.dumps(json_ld(recap, site), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def jekyll_front_matter(recap: Recap, site: Site, descriptions: dict[str, str]) -> dict[str, Any]:
    matter: dict[str, Any] = {
        "layout": "post",
        "title": recap.title,
        "date": f"{recap.date.isoformat()} 00:00:00 +0000",
    }
    lastmod = _lastmod(recap)
    if lastmod:
        matter["last_modified_at"] = lastmod
    matter.update({
        "description": recap.summary,
        "tags": list(recap.tags),
        "permalink": site.post_path(recap),
        "published": not recap.draft,
    })
    matter.update(_common_params(recap, descriptions))
    return matter


def _no_front_matter(recap: Recap, site: Site, descriptions: dict[str, str]) -> None:
    return None


FLAVOR_TABLE = {
    "hugo": Flavor(
        "hugo",
        lambda recap, site: f"hugo/content/{site.blog_path}{recap_path(recap)}/index.md",
        hugo_front_matter, youtube_shortcode, neutralize=True,
    ),
    "jekyll": Flavor(
        "jekyll",
        lambda recap, site: f"jekyll/_posts/{recap.date.isoformat()}-{recap.slug}.md",
        jekyll_front_matter, recording_link, neutralize=True,
    ),
    "gfm": Flavor(
        "gfm",
        lambda recap, site: f"gfm/{recap.date.isoformat()}-{recap.slug}.md",
        _no_front_matter, recording_link, neutralize=False,
    ),
}


def dump_front_matter(matter: dict[str, Any]) -> str:
    """Give `---`-fenced YAML front matter, written by PyYAML (never by concatenation)."""
    text = dump_yaml(matter, width=1_000_000)
    return f"---\n{text}---\n\n"


def _gfm_heading(recap: Recap) -> list[Block]:
    """Without front matter a plain Markdown file needs its own title and summary."""
    return [header(1, text(recap.title)), para(emph(text(recap.summary)))]


def post_bodies(documents: Sequence[RecapDocument], flavor: Flavor) -> list[str]:
    """Give each post's body as a pandoc JSON document, ready for the gfm writer."""
    bodies = []
    for doc in documents:
        blocks = with_fenced_code(body_blocks(doc, flavor.recording_style))
        if flavor.name == "gfm":
            blocks = _gfm_heading(doc.recap) + blocks
        bodies.append(encode_document(blocks))
    return bodies


def plain_descriptions(documents: Sequence[RecapDocument]) -> dict[str, str]:
    """Give each talk summary as one line of plain text (for videoSchema descriptions)."""
    return {
        talk.summary: " ".join(plain_text(doc.markdown[talk.summary]).split())
        for doc in documents
        for talk in doc.recap.talks
    }


def render_flavor(catalog: Catalog, flavor_name: str,
                  recaps: Sequence[Recap] | None = None) -> list[Artifact]:
    """Give one post per recap (default: every recap of the catalog) in the named flavor."""
    flavor = FLAVOR_TABLE[flavor_name]
    chosen = catalog.recaps if recaps is None else recaps
    if not chosen:
        return []
    documents = prepare(chosen, catalog.site, catalog.recaps)
    descriptions = plain_descriptions(documents)
    bodies = write_encoded(post_bodies(documents, flavor), WRITER, *WRITER_OPTIONS)
    bodies = [neutralize_written(body) if flavor.neutralize else without_task_boxes(body) for body in bodies]
    artifacts = []
    for doc, body in zip(documents, bodies, strict=True):
        matter = flavor.front_matter(doc.recap, catalog.site, descriptions)
        text = (dump_front_matter(matter) if matter is not None else "") + _embed(body)
        path = PurePosixPath(flavor.path(doc.recap, catalog.site))
        artifacts.append(Artifact(path, text.encode("utf-8"), "markdown", doc.recap.id))
    return artifacts


def render_recaps(catalog: Catalog, recaps: Sequence[Recap]) -> list[Artifact]:
    """Give the posts of `recaps` in the flavor content/site.yaml (or `--flavor`) selects."""
    return render_flavor(catalog, catalog.site.markdown_flavor, recaps)


def render(catalog: Catalog) -> list[Artifact]:
    """Give every post of the catalog."""
    return render_recaps(catalog, catalog.recaps)
