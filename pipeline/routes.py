"""Where every output is written and the URL it is served at: the one module that says.

A site serves two kinds of outputs:

* **posts**, written in the blog engine's own layout (a Hugo page bundle under
  `hugo/content/<section>/`, a Jekyll `_posts` file, a plain `gfm/` file) and served at
  the URL the site's permalink pattern gives (`site.yaml` `permalink`, with Hugo's tokens);
* **files** (handouts, feeds, JSON, calendars) served byte for byte from
  `<base_url><files_path>` and written under the flavor's static root, so that the output
  folder is an overlay of the site: `hugo/static/`, the Jekyll site root `jekyll/`, or
  the output folder itself for plain Markdown.

A recap's files are named by its *key*, `yyyy-mm-dd-slug`. Every permalink token is a
function of the date, the slug and the section, so two recaps whose post URLs differ
always have different keys: the uniqueness rule lives in one place (the post URL).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from pipeline.model import Recap, Site

PERMALINK_TOKENS = ("year", "month", "day", "slug", "section", "contentbasename")
"""The tokens of Hugo's permalink syntax this pipeline fills in."""
_TOKEN = re.compile(r":([a-z]+)")
DEFAULT_PERMALINK = "/:section/:year/:month:day-:slug/"
"""Where a post lives when `site.yaml` names no permalink: the path of its page bundle
with the slug as its last part, which is where Hugo puts a page given an explicit `url`."""

STATIC_ROOTS = {"hugo": "hugo/static/", "jekyll": "jekyll/", "gfm": ""}
"""Flavor -> the folder of the output that is served as the site's root."""

MEETINGS_CALENDAR = "calendar/meetings.ics"
JSON_INDEX = "json/index.json"
JSON_PEOPLE = "json/people.json"
JSON_TALKS = "json/talks.json"
FEED_FILES = (("atom", "atom.xml"), ("rss", "rss.xml"), ("json", "feed.json"))
"""(kind, file name) of the three files every feed channel has."""


def unknown_tokens(pattern: str) -> list[str]:
    """Give the `:tokens` of a permalink pattern that this pipeline cannot fill in."""
    return [token for token in _TOKEN.findall(pattern) if token not in PERMALINK_TOKENS]


def recap_key(recap: Recap) -> str:
    """Give `yyyy-mm-dd-slug`, the name of the recap's files (handout, JSON, calendar)."""
    return f"{recap.date.isoformat()}-{recap.slug}"


def bundle_name(recap: Recap) -> str:
    """Give `mmdd-slug`, the folder of a Hugo page bundle (the seed site's convention), and
    so the value of Hugo's `:contentbasename` token (see `Routes.path_of`)."""
    return f"{recap.date:%m%d}-{recap.slug}"


@dataclass(frozen=True)
class Routes:
    """Paths (relative to the output folder) and absolute URLs of one site's outputs."""

    site: Site

    # --- posts ------------------------------------------------------------------------

    @property
    def permalink(self) -> str:
        return self.site.permalink or DEFAULT_PERMALINK

    def post_path(self, recap: Recap) -> str:
        """Give the site-relative path of the recap's post, e.g. `/2021/06/17/slug/`."""
        return self.path_of(recap.date, recap.slug)

    def path_of(self, day: date, slug: str) -> str:
        """Give the site-relative path of the post of a date and slug."""
        values = {
            "year": f"{day:%Y}", "month": f"{day:%m}", "day": f"{day:%d}", "slug": slug,
            "section": self.site.blog_path.strip("/"), "contentbasename": f"{day:%m%d}-{slug}",
        }
        path = _TOKEN.sub(lambda match: values[match[1]], self.permalink)
        return re.sub(r"/{2,}", "/", "/" + path.lstrip("/"))

    def post_url(self, recap: Recap) -> str:
        return self.url(self.post_path(recap))

    def post_file(self, recap: Recap) -> PurePosixPath:
        """Give where the post is written in the output folder."""
        flavor = self.site.markdown_flavor
        if flavor == "hugo":
            return self.bundle(recap) / "index.md"
        if flavor == "jekyll":
            return PurePosixPath(f"jekyll/_posts/{recap_key(recap)}.md")
        return PurePosixPath(f"gfm/{recap_key(recap)}.md")

    def bundle(self, recap: Recap) -> PurePosixPath:
        """Give the folder of a recap's Hugo page bundle."""
        return PurePosixPath(f"hugo/content/{self.site.blog_path}{recap.date:%Y}/{bundle_name(recap)}")

    # --- images that travel with a post ---------------------------------------------------

    def image_file(self, recap: Recap, name: str) -> PurePosixPath:
        """Give where an image of the recap is written: inside a Hugo bundle (a page
        resource, served beside the post), else in the static files."""
        if self.site.markdown_flavor == "hugo":
            return self.bundle(recap) / name
        return self.file(self.image_name(recap, name))

    def image_url(self, recap: Recap, name: str) -> str:
        """Give the absolute URL an image of the recap is served at."""
        if self.site.markdown_flavor == "hugo":
            return self.post_url(recap) + name
        return self.file_url(self.image_name(recap, name))

    def image_reference(self, recap: Recap, name: str) -> str:
        """Give what the post's Markdown writes for an image: the bare name for a bundle's
        own resource (so Hugo's image processing finds it), else a site-relative path."""
        if self.site.markdown_flavor == "hugo":
            return name
        return "/" + self.site.files_path + self.image_name(recap, name)

    def image_resolver(self, recap: Recap, absolute: bool) -> Callable[[str], str | None]:
        """Give a function from an image's name to where an output points at it: the
        post's own reference, or (`absolute`) its URL for feeds and structured data;
        None for a name that is not among the recap's images."""
        names = {image.name for image in recap.images}

        def resolve(name: str) -> str | None:
            if name not in names:
                return None
            return self.image_url(recap, name) if absolute else self.image_reference(recap, name)

        return resolve

    @staticmethod
    def image_name(recap: Recap, name: str) -> str:
        return f"images/{recap_key(recap)}/{name}"

    # --- files ----------------------------------------------------------------------------

    def file(self, name: str) -> PurePosixPath:
        """Give where a file served at `<base_url><files_path><name>` is written."""
        return PurePosixPath(STATIC_ROOTS[self.site.markdown_flavor] + self.site.files_path + name)

    def file_url(self, name: str) -> str:
        return self.url("/" + self.site.files_path + name)

    def url(self, path: str) -> str:
        """Give the absolute URL of a site-relative path."""
        return self.site.base_url + path.lstrip("/")

    @property
    def blog_url(self) -> str:
        """Give the URL of the blog's own listing (the section's page)."""
        return self.url(self.site.blog_path)

    @staticmethod
    def pdf(recap: Recap) -> str:
        return f"pdf/{recap_key(recap)}.pdf"

    @staticmethod
    def recap_json(recap: Recap) -> str:
        return f"json/recaps/{recap_key(recap)}.json"

    @staticmethod
    def json_ld(recap: Recap) -> str:
        return f"json/ld/{recap_key(recap)}.jsonld"

    @staticmethod
    def calendar(recap: Recap) -> str:
        return f"calendar/{recap_key(recap)}.ics"

    @staticmethod
    def feed_folder(kind: str, name: str = "") -> str:
        """Give the folder of a feed channel: `feeds/`, `feeds/tags/<tag>/`, `feeds/series/<id>/`."""
        return "feeds/" if kind == "site" else f"feeds/{kind}/{name}/"

    def feed_urls(self, folder: str) -> dict[str, str]:
        """Give the URL of each of a channel's three files, by kind (atom, rss, json)."""
        return {kind: self.file_url(folder + file) for kind, file in FEED_FILES}


__all__ = ["DEFAULT_PERMALINK", "PERMALINK_TOKENS", "Routes", "bundle_name", "recap_key", "unknown_tokens"]
