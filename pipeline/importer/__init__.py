"""`import`: turn existing recap posts (Hugo, Jekyll, HTML, plain text) into draft sources.

    report = import_posts([Path("old/blog/")], Path("content"), today=date.today())

Each post becomes `content/recaps/<date>-<slug>.yaml`, a draft with a fresh id, the schema
modeline and a `# guessed:` comment above every field that was inferred rather than read.
People the text names who are not in `content/people.yaml` are written inline in the
source and proposed in `content/people-proposed/<date>-<slug>.yaml` for review; people.yaml
itself is never changed. Pipeline: `finding` (the posts in the folders given) -> `reading`
(bytes, front matter, pandoc AST) -> `plaintext` (structure for plain text) ->
`compose`/`mapping`/`talks`/`authors` (fields; `shape`: kind, section kinds, guests and
hosts from the post's evidence; `actions`: calls to action) -> `urls` (the old URL kept,
duplicates skipped) -> `ledger` (every block of the post kept or taken, else put back with
a note) -> `emit` (YAML text) -> `run` (collisions, writing, validation).
"""

from __future__ import annotations

from pipeline.importer.report import (
    AlreadyImported,
    ImportCollision,
    ImportFailed,
    ImportReport,
    ImportResult,
)
from pipeline.importer.run import PROPOSED_PEOPLE_DIR, import_post, import_posts

__all__ = ["PROPOSED_PEOPLE_DIR", "AlreadyImported", "ImportCollision", "ImportFailed", "ImportReport",
           "ImportResult", "import_post", "import_posts"]
