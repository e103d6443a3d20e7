"""The renderer registry: one module per output format, each a pure function.

A renderer takes the catalog of publishable recaps and gives `Artifact`s (a relative path
and bytes); it never touches the disk, which is `pipeline.write`'s job. A format issue
adds its module here and one line to `RENDERERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.model import Artifact
    from pipeline.normalize import Catalog

Renderer = Callable[["Catalog"], Sequence["Artifact"]]

from pipeline.render import (  # noqa: E402  (the registry needs Renderer first)
    calendar,
    feeds,
    json_export,
    markdown,
    pdf,
)

RENDERERS: dict[str, Renderer] = {
    "markdown": markdown.render,
    "pdf": pdf.render,
    "feeds": feeds.render,
    "json": json_export.render,
    "calendar": calendar.render,
}
"""Format name -> renderer, in the order formats are built."""

__all__ = ["RENDERERS", "Renderer"]
