"""The preview's HTML pages: pure functions from a snapshot (or problems) to bytes.

Every page carries the build generation it shows and a few lines of script that listen to
`/_events` (server-sent events) and reload the page when a newer build finishes: nothing to
install, and a page opened before a rebuild never stays stale. Plain text is always escaped;
the only HTML taken as is is the feed body, which the build already sanitized and checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from html import escape
from typing import Any
from urllib.parse import quote

from pipeline.model import Problem
from pipeline.preview.snapshot import RecapView, Snapshot

EVENTS = "/_events"
STYLE = """
body { font: 16px/1.55 system-ui, sans-serif; margin: 0 auto; max-width: 56rem; padding: 1rem 1.5rem 4rem;
       color: #1d2330; }
header.bar { border-bottom: 1px solid #dde; margin-bottom: 1.5rem; padding-bottom: .5rem; }
header.bar a { color: inherit; text-decoration: none; font-weight: 600; }
h1 { line-height: 1.2; } a { color: #2453b8; }
.state { font-size: .8rem; padding: .1rem .45rem; border-radius: .6rem; background: #e7ecf7; }
.state.draft { background: #fff1c2; } .state.scheduled { background: #e4f4e4; }
table.recaps { border-collapse: collapse; width: 100%; }
table.recaps td, table.recaps th { text-align: left; padding: .45rem .4rem; border-bottom: 1px solid #eee;
                                   vertical-align: top; }
.formats { color: #555; font-size: .9rem; }
section.part { margin: 2.5rem 0; } section.part > h2 { border-bottom: 1px solid #dde; }
article.post img { max-width: 100%; height: auto; }
iframe.pdf, iframe.site { width: 100%; height: 85vh; border: 1px solid #ccd; }
.entry { border: 1px solid #dde; border-radius: .5rem; padding: 1rem 1.25rem; background: #fafbfe; }
.entry .meta { color: #555; font-size: .9rem; }
.problems { background: #fff3f3; border: 1px solid #e6b3b3; border-radius: .5rem; padding: .5rem 1.25rem; }
.problems li { margin: .6rem 0; } .problems code { font-size: .95rem; }
.hint { color: #555; } pre.failure { white-space: pre-wrap; }
"""
JUMPS = (("post", "Post"), ("handout", "Handout"), ("feed", "Feed entry"), ("files", "Files"))
RELOAD = """const generation = "{generation}";
new EventSource("{events}").onmessage = (event) => {{ if (event.data !== generation) location.reload(); }};"""


def reload_script(generation: int) -> str:
    """Give the script that reloads the page once a build newer than `generation` finished."""
    return RELOAD.format(generation=generation, events=EVENTS)


def layout(title: str, body: str, generation: int, nonce: str) -> bytes:
    """Give a whole page: `body` (HTML) under a bar linking back to the index."""
    page = (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<header class='bar'><a href='/'>Recap preview</a></header>{body}"
        f"<script nonce='{nonce}'>{reload_script(generation)}</script></body></html>\n"
    )
    return page.encode("utf-8")


def long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day:%Y}"


def recap_link(view: RecapView) -> str:
    return f"/recaps/{quote(view.key)}/"


def file_link(path: str, label: str | None = None) -> str:
    """Give a link to a published file, served below `/dist/`."""
    return f"<a href='/dist/{quote(path)}'>{escape(label or path.rsplit('/', 1)[-1])}</a>"


def state_badge(state: str) -> str:
    return f"<span class='state {escape(state.split(' ', 1)[0])}'>{escape(state)}</span>"


def index_page(snapshot: Snapshot, generation: int, nonce: str) -> bytes:
    """Give the front page: every recap with its date, state and the formats built for it."""
    rows = []
    for view in snapshot.views:
        formats = ", ".join(view.formats) if view.built else "not built" + (
            " (serve --drafts to include it)" if view.state == "draft" else "")
        rows.append(
            f"<tr><td><a href='{recap_link(view)}'>{escape(view.recap.title)}</a></td>"
            f"<td>{view.recap.date:%Y-%m-%d}</td><td>{state_badge(view.state)}</td>"
            f"<td class='formats'>{escape(formats)}</td></tr>")
    site_files = " · ".join(file_link(path, path)
                            for paths in snapshot.site_outputs.values() for path in paths)
    body = (
        f"<h1>{escape(snapshot.site_title)}</h1><p>{len(snapshot.views)} recaps, newest first.</p>"
        "<table class='recaps'><thead><tr><th>Recap</th><th>Date</th><th>State</th><th>Formats</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    ) + _part("Site-wide files", "site-wide", f"<p class='formats'>{site_files or 'none'}</p>")
    return layout(f"Preview: {snapshot.site_title}", body, generation, nonce)


def _part(heading: str, anchor: str, content: str) -> str:
    return f"<section class='part' id='{anchor}'><h2>{escape(heading)}</h2>{content}</section>"


def post_part(view: RecapView, body_html: str | None) -> str:
    """Give the post as readers see it: the Hugo site's page, or the body the feeds carry."""
    if view.site_page is not None:
        url = f"/site/{quote(view.site_page)}"
        return _part("Post", "post", f"<p><a href='{url}'>Open the page as the site shows it</a></p>"
                                     f"<iframe class='site' src='{url}' title='Post'></iframe>")
    authors = ", ".join(person.name for person in view.recap.authors)
    return _part("Post", "post", (
        f"<article class='post'><h1>{escape(view.recap.title)}</h1>"
        f"<p class='meta'>{long_date(view.recap.date)} · {escape(authors)}</p>"
        f"<p><em>{escape(view.recap.summary)}</em></p>{body_html or ''}</article>"))


def feed_part(view: RecapView) -> str:
    """Give the recap's feed entry as a reader shows it, and the channels that carry it."""
    if view.feed is None:
        return _part("Feed entry", "feed", "<p>In no feed: feeds carry only the newest recaps.</p>")
    item: Mapping[str, Any] = view.feed.item
    channels = " · ".join(f"{escape(folder)} ({', '.join(file_link(path) for path in paths)})"
                          for folder, paths in view.feed.channels.items())
    authors = ", ".join(str(author.get("name", "")) for author in item.get("authors", []))
    image = item.get("image")
    still = f"<img src='{escape(str(image))}' alt='' width='320' height='180'>" if image else ""
    title = escape(str(item.get("title", "")))
    entry = (
        f"<div class='entry'><h3><a href='{escape(str(item.get('url', '')))}'>{title}</a></h3>"
        f"<p class='meta'>{escape(str(item.get('date_published', ''))[:10])} · {escape(authors)}</p>"
        f"{still}<p>{escape(str(item.get('summary', '')))}</p><details><summary>The whole entry</summary>"
        f"{item.get('content_html', '')}</details></div>")
    return _part("Feed entry", "feed", f"<p class='formats'>Carried by {channels}</p>{entry}")


def files_part(view: RecapView) -> str:
    """Give links to every file published for the recap, by format."""
    items = "".join(f"<li>{escape(name)}: {' · '.join(file_link(path) for path in paths)}</li>"
                    for name, paths in sorted(view.outputs.items()))
    return _part("Files", "files", f"<ul>{items}</ul>" if items else "<p>Nothing published.</p>")


def recap_page(view: RecapView, body_html: str | None, generation: int, nonce: str) -> bytes:
    """Give a recap's page: the post, its handout inline, its feed entry and its files."""
    handouts = view.files("pdf", ".pdf")
    pdf = "".join(f"<p>{file_link(path)}</p><iframe class='pdf' src='/dist/{quote(path)}' title='Handout'>"
                  "</iframe>" for path in handouts) or "<p>No handout was built.</p>"
    jumps = " · ".join(f"<a href='#{anchor}'>{label}</a>" for anchor, label in JUMPS) if view.built else ""
    head = (f"<p>{state_badge(view.state)} <span class='formats'>{escape(', '.join(view.formats))}</span>"
            f" · {escape(view.recap.source_file)}</p><nav>{jumps}</nav>")
    if not view.built:
        body = head + "<p>Not built: a draft appears with <code>serve --drafts</code>; a scheduled recap " \
                      "once its time has come.</p>"
    else:
        body = head + post_part(view, body_html) + _part("Handout", "handout", pdf) + feed_part(view) \
            + files_part(view)
    return layout(view.recap.title, body, generation, nonce)


def problem_item(problem: Problem) -> str:
    location = f"{problem.file}:{problem.line}:{problem.column}"
    hint = f"<br><span class='hint'>{escape(problem.hint)}</span>" if problem.hint else ""
    return (f"<li><code>{escape(location)}</code> <strong>{escape(problem.dotted_path)}</strong>: "
            f"{escape(problem.message)}{hint}</li>")


def problems_page(problems: Sequence[Problem], failures: Iterable[str], generation: int, nonce: str) -> bytes:
    """Give the page shown instead of any stale one while the last build failed."""
    listed = "".join(problem_item(problem) for problem in problems)
    failed = "".join(f"<pre class='failure'>{escape(text)}</pre>" for text in failures)
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}" if problems else "it failed"
    body = (f"<h1>The last build failed: {count}</h1><div class='problems'>"
            f"{f'<ul>{listed}</ul>' if listed else ''}{failed}</div>"
            "<p>Fix the source and save: this page reloads by itself after the next build.</p>")
    return layout("Build failed: recap preview", body, generation, nonce)


def message_page(title: str, message: str, generation: int, nonce: str) -> bytes:
    return layout(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>", generation, nonce)
