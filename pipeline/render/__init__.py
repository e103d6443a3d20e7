"""The output formats: one module per format, each made of pure functions.

A format gives `Artifact`s (a relative path and bytes) and never touches the disk, which
is `pipeline.write`'s job. Each is a `Format`, whose outputs come in up to two kinds, so
that a rebuild can render only what is stale:

* `render_recaps(catalog, recaps, converter)`: the outputs that belong to single recaps
  (a post, a handout, a recap's JSON); given only the stale recaps, with the whole
  catalog for context such as series navigation;
* `render_site(catalog, channels, converter)`: the outputs over many recaps (feeds,
  indexes, meetings.ics).

Both convert Markdown through the `pipeline.convert.Converter` they are given, so they
keep no state of their own and a test renders in memory with `Converter()`.

A format may split its site-wide outputs into *channels* that rebuild on their own: its
`channels(catalog)` names each channel and the recaps it shows, and `render_site` renders
only the named channels. Feeds do, one channel for the site, each tag and each series, so
that an edit to one recap rewrites the channels that show it and not the other hundred.

Each format declares the code, templates and tools its outputs depend on beyond the
`SHARED` ones every output goes through; its `fingerprint()` hashes them, and the build
keys each output with it, so that an edit to one format's module rebuilds that format only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, ClassVar

from pipeline.fingerprint import code_fingerprint

if TYPE_CHECKING:
    from pipeline.convert import Converter
    from pipeline.model import Artifact, Catalog, Recap

SHARED = tuple(f"pipeline/{name}" for name in (
    "__init__.py",  # the version
    # what turns sources into the catalog
    "load.py", "plain_files.py", "images.py", "markdown_check.py", "normalize.py", "model.py",
    # what converts Markdown, and keeps conversions
    "pandoc.py", "convert.py", "cache.py", "sanitize.py", "errors.py",
    # where outputs go; the formats' protocol and the document pieces they share
    "routes.py", "render/__init__.py", "fingerprint.py", "render/document.py",
))
"""The code every output goes through, relative to the project: a change to any of it
makes every output stale. A test checks that each format's module imports nothing else
than this and what the format declares."""
SHARED_TOOLS = ("pypandoc-binary", "PyYAML")


class Format:
    """One output format. The base class owns the protocol; a format sets its name and
    what kinds of outputs it has, and overrides the methods that give them.

    A format's module is imported by its methods, when first used: the formats pull in
    typst, lxml, feedgen and icalendar, which a build with nothing to render never needs.
    """

    name: ClassVar[str]
    depends_on: ClassVar[tuple[str, ...]] = ()
    """The code and templates of this format, beyond `SHARED` (a folder stands for every
    file in it)."""
    tools: ClassVar[tuple[str, ...]] = ()
    """The distributions, beyond `SHARED_TOOLS`, whose versions can change its outputs."""
    per_recap: ClassVar[bool] = False
    """It has outputs of single recaps, which `render_recaps` gives."""
    site_wide: ClassVar[bool] = False
    """It has outputs over many recaps, which `render_site` gives."""

    @classmethod
    def fingerprint(cls) -> str:
        """Give the hash of all the format's outputs depend on besides the content: the
        shared code, its own code and templates, and the tools' versions."""
        return code_fingerprint((*SHARED, *cls.depends_on), (*SHARED_TOOLS, *cls.tools))

    def render_recaps(self, catalog: Catalog, recaps: Sequence[Recap],
                      converter: Converter) -> list[Artifact]:
        """Give the outputs of `recaps` (the catalog is there for context)."""
        return []

    def channels(self, catalog: Catalog) -> dict[str, tuple[str, ...]]:
        """Give each channel of the site-wide outputs -> the ids of the recaps it shows,
        in order. By default one unnamed channel shows every recap."""
        return {"": tuple(recap.id for recap in catalog.recaps)}

    def render_site(self, catalog: Catalog, channels: Collection[str],
                    converter: Converter) -> list[Artifact]:
        """Give the site-wide outputs of the named `channels`."""
        return []

    def render(self, catalog: Catalog, converter: Converter) -> list[Artifact]:
        """Give every output of the format for the whole catalog."""
        per_recap = self.render_recaps(catalog, catalog.recaps, converter) if self.per_recap else []
        channels = tuple(self.channels(catalog))
        site_wide = self.render_site(catalog, channels, converter) if self.site_wide else []
        return [*per_recap, *site_wide]


class MarkdownPosts(Format):
    name = "markdown"
    depends_on = ("pipeline/render/markdown.py", "pipeline/render/body.py",
                  "pipeline/render/structured_data.py", "pipeline/render/template_guard.py",
                  "pipeline/yaml_text.py")
    per_recap = True

    def render_recaps(self, catalog: Catalog, recaps: Sequence[Recap],
                      converter: Converter) -> list[Artifact]:
        from pipeline.render import markdown

        return markdown.render_recaps(catalog, recaps, converter)


class PdfHandouts(Format):
    name = "pdf"
    depends_on = ("pipeline/render/pdf.py", "pipeline/render/body.py", "pipeline/templates/handout")
    tools = ("typst", "segno")
    per_recap = True

    def render_recaps(self, catalog: Catalog, recaps: Sequence[Recap],
                      converter: Converter) -> list[Artifact]:
        from pipeline.render import pdf

        return pdf.render_recaps(catalog, recaps, converter)


class Feeds(Format):
    name = "feeds"
    depends_on = ("pipeline/render/feeds.py", "pipeline/render/feed_checks.py", "pipeline/render/body.py")
    tools = ("feedgen", "lxml")
    site_wide = True

    def channels(self, catalog: Catalog) -> dict[str, tuple[str, ...]]:
        from pipeline.render import feeds

        return feeds.channel_recaps(catalog)

    def render_site(self, catalog: Catalog, channels: Collection[str],
                    converter: Converter) -> list[Artifact]:
        from pipeline.render import feeds

        return feeds.render(catalog, converter, channels)


class JsonExports(Format):
    name = "json"
    depends_on = ("pipeline/render/json_export.py", "pipeline/render/json_records.py",
                  "pipeline/render/json_indexes.py", "pipeline/render/structured_data.py")
    per_recap = site_wide = True

    def render_recaps(self, catalog: Catalog, recaps: Sequence[Recap],
                      converter: Converter) -> list[Artifact]:
        from pipeline.render import json_export

        return json_export.render_recaps(catalog, recaps, converter)

    def render_site(self, catalog: Catalog, channels: Collection[str],
                    converter: Converter) -> list[Artifact]:
        from pipeline.render import json_export

        return json_export.render_site(catalog, converter)


class Calendars(Format):
    name = "calendar"
    depends_on = ("pipeline/render/calendar.py", "pipeline/render/structured_data.py")
    tools = ("icalendar",)
    per_recap = site_wide = True

    def render_recaps(self, catalog: Catalog, recaps: Sequence[Recap],
                      converter: Converter) -> list[Artifact]:
        from pipeline.render import calendar

        return calendar.render_recaps(catalog, recaps)

    def render_site(self, catalog: Catalog, channels: Collection[str],
                    converter: Converter) -> list[Artifact]:
        from pipeline.render import calendar

        return calendar.render_site(catalog)


FORMATS: dict[str, Format] = {
    output_format.name: output_format
    for output_format in (MarkdownPosts(), PdfHandouts(), Feeds(), JsonExports(), Calendars())
}
"""Format name -> format, in the order formats are built."""

__all__ = ["FORMATS", "SHARED", "SHARED_TOOLS", "Calendars", "Feeds", "Format", "JsonExports",
           "MarkdownPosts", "PdfHandouts"]
