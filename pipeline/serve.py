"""`invoke serve`: a local preview of dist/, rebuilt when a source changes.

Serves on 127.0.0.1 only. `/` is an index page generated from the last good build: every
published recap with a link to each of its outputs. A watcher polls `content/`, `schema/`
and the templates, and rebuilds on any change; a build with problems prints them and
leaves the last good outputs in place (the build never publishes half a change).
"""

from __future__ import annotations

import html
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pipeline.build import BuildOptions, build, build_time
from pipeline.errors import PipelineError
from pipeline.load import load_content
from pipeline.manifest import SITE, read_manifest
from pipeline.normalize import normalize
from pipeline.report import TextReporter, printable

HOST = "127.0.0.1"
TEMPLATES = Path(__file__).resolve().parent / "templates"
SCHEMAS = Path(__file__).resolve().parent.parent / "schema"


def watched_files(folders: Iterable[Path]) -> dict[Path, int]:
    """Give every file under `folders` with its modification time in nanoseconds."""
    found = {}
    for folder in folders:
        for path in folder.rglob("*") if folder.is_dir() else ():
            if path.is_file() and not path.name.startswith("."):
                found[path] = path.stat().st_mtime_ns
    return found


def index_page(options: BuildOptions) -> bytes:
    """Give the preview's front page: each published recap and links to its outputs."""
    manifest = read_manifest(options.out_dir)
    catalog = normalize(load_content(options.content_dir))
    outputs: dict[str, list[str]] = {}
    for name, record in manifest.units.items():
        recap_id = name.split(" ", 1)[1]
        outputs.setdefault(SITE if recap_id.startswith(SITE) else recap_id, []).extend(record.outputs)
    items = []
    for recap in catalog.recaps:
        links = " · ".join(f'<a href="/{html.escape(path)}">{html.escape(path)}</a>'
                           for path in sorted(outputs.get(recap.id, [])))
        title = html.escape(recap.title)
        items.append(f"<li><strong>{title}</strong> ({recap.date})<br>{links or 'not built'}</li>")
    site_wide = " · ".join(f'<a href="/{html.escape(p)}">{html.escape(p)}</a>'
                           for p in sorted(outputs.get(SITE, [])))
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Recap preview</title></head><body>"
        f"<h1>{html.escape(catalog.site.title)}: preview</h1><ul>{''.join(items)}</ul>"
        f"<h2>Feeds and indexes</h2><p>{site_wide}</p></body></html>"
    )
    return page.encode("utf-8")


class _Handler(SimpleHTTPRequestHandler):
    preview: Preview

    def do_GET(self) -> None:
        if self.path in ("/", "/index.html"):
            body = self.preview.front_page()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep the terminal for build messages


@dataclass
class Preview:
    """The server, the watcher and the last good build."""

    options: BuildOptions
    port: int = 8000
    interval: float = 1.0
    builds: int = 0
    page: bytes = b"<!doctype html><p>No good build yet: see the terminal.</p>"
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rebuild(self) -> bool:
        """Build once; print problems; give whether the build was clean."""
        with self.lock:
            try:
                result = build(replace(self.options, now=build_time()))
            except PipelineError as error:
                print(f"error: {error}", file=sys.stderr)
                return False
            self.builds += 1
            if not result.report.ok:
                TextReporter(sys.stderr).report(result.report)
                print("the preview keeps the last good build", file=sys.stderr)
                return False
            self.page = index_page(self.options)
            return True

    def front_page(self) -> bytes:
        with self.lock:
            return self.page

    def watched_folders(self) -> tuple[Path, ...]:
        return (self.options.content_dir, SCHEMAS, TEMPLATES)

    def watch(self, seen: dict[Path, int]) -> None:
        """Rebuild on every change to the files `seen` lists until stopped. Any exception is
        logged and the watching goes on: a dead watcher would leave the preview stale
        without a word."""
        while not self.stopping.wait(self.interval):
            try:
                now = watched_files(self.watched_folders())
                changed, seen = now != seen, now
                if changed:
                    print("change detected: rebuilding", file=sys.stderr)
                    self.rebuild()
            except Exception as error:  # the watcher must outlive any failure
                print(f"the watcher caught {type(error).__name__}: {printable(str(error))}; "
                      "it keeps watching", file=sys.stderr)

    def start(self) -> ThreadingHTTPServer:
        """Build, then serve and watch in background threads; give the server. The files
        are listed before the first build, so an edit made while it runs is seen."""
        seen = watched_files(self.watched_folders())
        self.rebuild()
        self.options.out_dir.mkdir(parents=True, exist_ok=True)
        handler = type("Handler", (_Handler,), {"preview": self})
        server = ThreadingHTTPServer((HOST, self.port), partial(handler, directory=str(self.options.out_dir)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        threading.Thread(target=self.watch, args=(seen,), daemon=True).start()
        return server

    def stop(self, server: ThreadingHTTPServer) -> None:
        self.stopping.set()
        server.shutdown()
        server.server_close()


def serve(options: BuildOptions, port: int) -> None:
    """Serve until interrupted."""
    preview = Preview(options, port=port)
    server = preview.start()
    print(f"serving {options.out_dir}/ on http://{HOST}:{server.server_address[1]}/ (Ctrl-C stops)",
          file=sys.stderr)
    try:
        while True:
            time.sleep(3600)
    finally:
        preview.stop(server)
