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

from pipeline.render import markdown  # noqa: E402  (the registry needs Renderer first)

RENDERERS: dict[str, Renderer] = {
    "markdown": markdown.render,
}
"""Format name -> renderer, in the order formats are built."""

__all__ = ["RENDERERS", "Renderer"]
