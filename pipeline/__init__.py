"""recap-pipeline: community recaps as data, published as posts, handouts, feeds and JSON."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
