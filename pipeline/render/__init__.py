"""The output formats: one module per format, each made of pure functions.

A format gives `Artifact`s (a relative path and bytes) and never touches the disk, which
is `pipeline.write`'s job. It has up to two parts, so that a rebuild can render only
what is stale:

* `per_recap(catalog, recaps)`: the outputs that belong to single recaps (a post, a
  handout, a recap's JSON); given only the stale recaps, with the whole catalog for
  context such as series navigation;
* `site_wide(catalog)`: the outputs over many recaps (feeds, indexes, meetings.ics).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.render import calendar, feeds, json_export, markdown, pdf

if TYPE_CHECKING:
    from pipeline.model import Artifact, Recap
    from pipeline.normalize import Catalog

PerRecap = Callable[["Catalog", Sequence["Recap"]], Sequence["Artifact"]]
SiteWide = Callable[["Catalog"], Sequence["Artifact"]]


@dataclass(frozen=True)
class OutputFormat:
    """One output format: its name and its two kinds of renderer."""

    name: str
    per_recap: PerRecap | None = None
    site_wide: SiteWide | None = None

    def render(self, catalog: Catalog) -> list[Artifact]:
        """Give every output of the format for the whole catalog."""
        artifacts = list(self.per_recap(catalog, catalog.recaps)) if self.per_recap else []
        return artifacts + (list(self.site_wide(catalog)) if self.site_wide else [])


FORMATS: dict[str, OutputFormat] = {
    "markdown": OutputFormat("markdown", per_recap=markdown.render_recaps),
    "pdf": OutputFormat("pdf", per_recap=pdf.render_recaps),
    "feeds": OutputFormat("feeds", site_wide=feeds.render),
    "json": OutputFormat("json", per_recap=json_export.render_recaps, site_wide=json_export.render_site),
    "calendar": OutputFormat("calendar", per_recap=calendar.render_recaps, site_wide=calendar.render_site),
}
"""Format name -> format, in the order formats are built."""

__all__ = ["FORMATS", "OutputFormat"]
