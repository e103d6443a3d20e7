"""Cross-file rules about where posts land: permalinks, unique URLs, aliases, params.

URLs, not slugs, are what must be unique: two recaps may share a slug when the site's
permalink tells them apart (by date), and two recaps whose posts would land at one URL
are reported at both files. Old URLs (`aliases`) may not take another post's place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from pipeline.model import WRITTEN_PARAMS, JsonPath, Problem, Site, SourceDoc
from pipeline.routes import PERMALINK_TOKENS, Routes, unknown_tokens


def _at(doc: SourceDoc, path: JsonPath, message: str, hint: str | None = None) -> Problem:
    where = doc.position(path)
    return Problem(doc.file, where.line, where.column, path, message, hint)


def permalink_problems(site_doc: SourceDoc) -> list[Problem]:
    """Check that the permalink uses only the tokens the pipeline can fill in."""
    pattern = site_doc.data.get("permalink")
    if pattern is None:
        return []
    return [
        _at(site_doc, ("permalink",), f"the permalink token :{token} is not supported here",
            "use " + ", ".join(f":{known}" for known in PERMALINK_TOKENS))
        for token in unknown_tokens(pattern)
    ]


def _claims(doc: SourceDoc, routes: Routes) -> Iterator[tuple[str, JsonPath, str]]:
    """Yield (site path, where it is claimed, what claims it) for a recap's post and aliases."""
    yield routes.path_of(date.fromisoformat(doc.data["date"]), doc.data["slug"]), ("slug",), "the post"
    for index, alias in enumerate(doc.data.get("aliases", [])):
        yield (alias if alias.endswith("/") or "." in alias.rsplit("/", 1)[-1] else alias + "/",
               ("aliases", index), "an alias")


_HINTS = {False: "change the slug (or the date, where the permalink has one) of one of them",
          True: "drop or change the alias: an old URL cannot be another post's"}


def url_problems(recaps: list[SourceDoc], site: Site) -> list[Problem]:
    """Check that no two posts, and no post and alias, claim the same URL; both are told."""
    routes = Routes(site)
    claimed: dict[str, tuple[SourceDoc, JsonPath, str]] = {}
    problems = []
    for doc in recaps:
        for path, where, what in _claims(doc, routes):
            first = claimed.setdefault(path, (doc, where, what))
            if first[0] is doc and first[1] == where:
                continue
            other, other_where, other_what = first
            hint = _HINTS[what == "an alias" or other_what == "an alias"]
            for mine, my_where, my_what, theirs, their_where, their_what in (
                    (doc, where, what, other, other_where, other_what),
                    (other, other_where, other_what, doc, where, what)):
                message = f"{my_what} of this recap and {their_what} of {theirs.file} both land at {path}"
                line = theirs.position(their_where).line
                problems.append(_at(mine, my_where, message, f"{hint}; the other is {theirs.file}:{line}"))
    return problems


_RESERVED = {key.lower(): key for key in WRITTEN_PARAMS}


def params_problems(docs: Sequence[tuple[SourceDoc, JsonPath]]) -> list[Problem]:
    """Check that no `params` setting takes a key the pipeline writes itself, in any case:
    Hugo reads param keys case-insensitively, so `Author` would replace `author`."""
    return [
        _at(doc, (*path, key), f"params.{key} is written by the pipeline and cannot be set"
            + (f" (Hugo reads it as {_RESERVED[key.lower()]!r})" if key not in WRITTEN_PARAMS else ""),
            "reserved: " + ", ".join(sorted(WRITTEN_PARAMS)))
        for doc, path in docs
        for key in _mapping_at(doc, path)
        if key.lower() in _RESERVED
    ]


def _mapping_at(doc: SourceDoc, path: JsonPath) -> list[str]:
    node: Any = doc.data
    for part in path:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return list(node) if isinstance(node, dict) else []
