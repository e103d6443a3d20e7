"""Keep an imported post's URL, and recognise a post that is already in the catalogue.

A Hugo post is served at its front-matter `url`, else at the site's permalink filled with
its `slug`, else with its title as Hugo's `urlize` writes it. The recap gets the slug and
date that land it there; when no slug can (another shape of URL, characters a slug cannot
hold), the old path goes into `aliases`, which the site redirects.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

from pipeline.importer.mapping import front_value
from pipeline.importer.reading import Post
from pipeline.importer.report import AlreadyImported, Draft, ImportCollision
from pipeline.landing import Landed, recap_at
from pipeline.load import display_path
from pipeline.routes import Routes

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ALIAS = re.compile(r"^/([A-Za-z0-9._~-]+/)*([A-Za-z0-9._~-]+)?$")
"""The schema's pattern for an `aliases` entry."""
_JEKYLL_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-")
_URLIZE_KEEP = frozenset("./\\_#+~-@")


def hugo_urlize(text: str) -> str:
    """Give `text` as Hugo's `urlize` makes a path of it: lowercased, spaces to hyphens
    (none after a hyphen), letters, digits and `./\\_#+~-@` kept, the rest dropped."""
    kept, was_hyphen = [], False
    for char in text.strip():
        category = unicodedata.category(char)
        if char in _URLIZE_KEEP or category[0] in "LNM":
            was_hyphen = char == "-"
            kept.append(char)
        elif not was_hyphen and char.isspace():
            was_hyphen = True
            kept.append("-")
    return "".join(kept).lower()


def _is_hugo(post: Post) -> bool:
    """Say whether the post reads as a Hugo page: Markdown with front matter, not a Jekyll
    `_posts` file (whose date-prefixed name is its URL's source)."""
    return post.format == "markdown" and bool(post.front) and not _JEKYLL_NAME.match(post.path.name)


def _url_path(url: str) -> str:
    """Give a front-matter `url` as a site-relative path with a final slash for a folder."""
    path = "/" + re.sub(r"^[a-z]+://[^/]+", "", url.strip()).lstrip("/")
    return path if path.endswith("/") or "." in path.rsplit("/", 1)[-1] else path + "/"


def original_path(post: Post, routes: Routes, day: date) -> tuple[str, str | None] | None:
    """Give where a Hugo post was served, and the slug that lands a recap there (None when
    no slug can); None for a post that is not a Hugo page."""
    if not _is_hugo(post):
        return None
    url = front_value(post, "url")
    if isinstance(url, str) and url.strip():
        path = _url_path(url)
        last = path.rstrip("/").rsplit("/", 1)[-1]
        fits = bool(_SLUG.match(last)) and routes.path_of(day, last) == path
        return path, last if fits else None
    slug = front_value(post, "slug")
    hugo_slug = hugo_urlize(str(slug) if isinstance(slug, (str, int)) else str(post.front.get("title", "")))
    if not hugo_slug:
        return None
    path = routes.path_of(day, hugo_slug)
    return path, hugo_slug if _SLUG.match(hugo_slug) and len(hugo_slug) <= 80 else None


def keep_original_url(post: Post, draft: Draft, routes: Routes) -> None:
    """Set the slug that lands the recap at the post's old URL, else list that URL in `aliases`."""
    day = date.fromisoformat(draft.recap["date"])
    found = original_path(post, routes, day)
    if found is None:
        return
    path, slug = found
    if slug is not None:
        draft.put(("slug",), slug)
        return
    if routes.path_of(day, draft.recap["slug"]) == path:
        return
    if _ALIAS.match(path) and len(path) <= 300:
        draft.guess(("aliases",), [path], "the post's old URL, which no slug gives: the site redirects it")
    else:
        draft.notes.append(f"the old URL {path} cannot be an alias (characters a path may not hold): "
                           "add a redirect by hand")


def _same_file(recorded: str, path: Path) -> bool:
    return recorded == display_path(path) or Path(recorded).resolve() == path.resolve()


def refuse_duplicate(post: Post, draft: Draft, landed: list[Landed], routes: Routes,
                     slug_given: bool) -> None:
    """Raise `AlreadyImported` when the catalogue already holds this post: a source imported
    from the same file, a recap at the same URL, or one that lists that URL as an alias.
    With `slug_given` the post is meant as another recap: only its URL must be free."""
    day = date.fromisoformat(draft.recap["date"])
    new_path = routes.path_of(day, draft.recap["slug"])
    old_paths = {new_path, *draft.recap.get("aliases", [])}
    for recap in [] if slug_given else landed:
        if recap.imported_from and _same_file(recap.imported_from, post.path):
            raise AlreadyImported(f"{post.file}: already imported as {display_path(recap.source)}")
        if old_paths & set(recap.aliases):
            shared = sorted(old_paths & set(recap.aliases))[0]
            raise AlreadyImported(f"{post.file}: {display_path(recap.source)} already redirects {shared}")
    same = recap_at(landed, routes, day, draft.recap["slug"])
    if same is None:
        same = next((r for r in landed if r.path in old_paths), None)
    if same is not None and slug_given:
        where = same.path or f"the slug {draft.recap['slug']!r}"
        msg = f"{post.file}: {display_path(same.source)} is already at {where}; pick another slug"
        raise ImportCollision(msg)
    if same is not None:
        where = same.path or f"the slug {draft.recap['slug']!r}"
        msg = (f"{post.file}: {display_path(same.source)} is already at {where}; to import it as "
               "another recap, pass --slug NEW")
        raise AlreadyImported(msg)
