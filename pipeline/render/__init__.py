"""The output formats: one module per format, each made of pure functions.

A format gives `Artifact`s (a relative path and bytes) and never touches the disk, which
is `pipeline.write`'s job. It has up to two parts, so that a rebuild can render only
what is stale:

* `per_recap(catalog, recaps, converter)`: the outputs that belong to single recaps (a
  post, a handout, a recap's JSON); given only the stale recaps, with the whole catalog
  for context such as series navigation;
* `site_wide(catalog, converter)`: the outputs over many recaps (feeds, indexes,
  meetings.ics).

Both convert Markdown through the `pipeline.convert.Converter` they are given, so they
keep no state of their own and a test renders in memory with `Converter()`.

A format may split its site-wide outputs into *parts* that rebuild on their own: its
`parts(catalog)` names each part and the recaps it shows, and `site_wide(catalog,
converter, parts=...)` renders only the named parts. Feeds do, one part per channel, so
that an edit to one recap rewrites the channels that show it and not the other hundred.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.convert import Converter
    from pipeline.model import Artifact, Recap
    from pipeline.normalize import Catalog

PerRecap = Callable[["Catalog", Sequence["Recap"], "Converter"], Sequence["Artifact"]]
SiteWide = Callable[..., Sequence["Artifact"]]
"""`(catalog, converter)`, or `(catalog, converter, parts=...)` for a format that has parts."""
SiteParts = Callable[["Catalog"], dict[str, tuple[str, ...]]]
"""Part name -> the ids of the recaps the part shows, in order."""


@dataclass(frozen=True)
class OutputFormat:
    """One output format: its name, its module and the names of its functions there.

    A format's module is imported when it is first used: the formats pull in typst,
    lxml, feedgen and icalendar, which a build with nothing to render never needs.
    """

    name: str
    module: str
    per_recap_name: str | None = None
    site_wide_name: str | None = None
    parts_name: str | None = None

    def _function(self, name: str | None) -> Any:
        return None if name is None else getattr(import_module(self.module), name)

    @property
    def per_recap(self) -> PerRecap | None:
        renderer: PerRecap | None = self._function(self.per_recap_name)
        return renderer

    @property
    def site_wide(self) -> SiteWide | None:
        renderer: SiteWide | None = self._function(self.site_wide_name)
        return renderer

    @property
    def parts(self) -> SiteParts | None:
        parts: SiteParts | None = self._function(self.parts_name)
        return parts

    def render(self, catalog: Catalog, converter: Converter) -> list[Artifact]:
        """Give every output of the format for the whole catalog."""
        per_recap, site_wide = self.per_recap, self.site_wide
        artifacts = list(per_recap(catalog, catalog.recaps, converter)) if per_recap else []
        return artifacts + (list(site_wide(catalog, converter)) if site_wide else [])


FORMATS: dict[str, OutputFormat] = {
    "markdown": OutputFormat("markdown", "pipeline.render.markdown", per_recap_name="render_recaps"),
    "pdf": OutputFormat("pdf", "pipeline.render.pdf", per_recap_name="render_recaps"),
    "feeds": OutputFormat("feeds", "pipeline.render.feeds", site_wide_name="render",
                          parts_name="channel_parts"),
    "json": OutputFormat("json", "pipeline.render.json_export", per_recap_name="render_recaps",
                         site_wide_name="render_site"),
    "calendar": OutputFormat("calendar", "pipeline.render.calendar", per_recap_name="render_recaps",
                             site_wide_name="render_site"),
}
"""Format name -> format, in the order formats are built."""

__all__ = ["FORMATS", "OutputFormat"]
