"""`invoke serve`: a local preview of what readers will see, rebuilt when a source changes.

Serves on 127.0.0.1 unless told otherwise; on a loopback address it answers only requests
addressed to one (a page elsewhere cannot reach it through DNS rebinding). Routes:

* `/`: every recap with its date, state and formats; `/recaps/<source name>/`: one recap's
  post (through the real Hugo site when there is one, else the body its feeds carry), its
  handout inline, its feed entry and its files;
* `/dist/<path>`: a file of the output folder; `/site/<path>`: the Hugo site built with it;
* `/_events`: server-sent events, one per finished build, on which every page reloads.

A watcher polls `content/`, `schema/` and the templates and rebuilds on any change. While the
last build failed, every page shows its problems (file:line:col, field, message) instead
of the stale preview. Nothing a rebuild raises stops the watcher: it is logged and shown.
Stopping (Ctrl-C, SIGTERM, SIGHUP) closes the port, ends a running Hugo and waits for a
running build, so no process the preview started outlives it.
"""

from __future__ import annotations

import mimetypes
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline.build import BuildOptions, BuildResult, build, build_time, publishable_catalog
from pipeline.cache import ConversionStore
from pipeline.convert import Converter
from pipeline.errors import PipelineError, UsageError
from pipeline.load import ContentSources, load_content
from pipeline.model import Catalog, Problem, Recap
from pipeline.normalize import normalize
from pipeline.preview import pages
from pipeline.preview.hugo import HugoError, HugoSite, check_site
from pipeline.preview.snapshot import Snapshot, outputs_by_recap, post_body, take_snapshot
from pipeline.report import TextReporter

HOST = "127.0.0.1"
LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
TEMPLATES = Path(__file__).resolve().parent / "templates"
SCHEMAS = Path(__file__).resolve().parent.parent / "schema"
HUGO_WATCHED = ("layouts", "config", "data", "i18n", "archetypes")
"""The folders of a Hugo site whose edits change how the preview renders a post."""
KEEPALIVE = 15.0
"""Seconds between comments on an idle event stream, so proxies and browsers keep it open."""
TEXT_TYPES = {".md": "text/plain", ".ics": "text/plain", ".yaml": "text/plain", ".jsonld": "application/json"}
"""Shown in the browser rather than downloaded: a preview is for reading them."""


def watched_files(folders: Iterable[Path]) -> dict[Path, int]:
    """Give every file under `folders` with its modification time in nanoseconds."""
    found = {}
    for folder in folders:
        for path in folder.rglob("*") if folder.is_dir() else ():
            if path.is_file() and not path.name.startswith("."):
                found[path] = path.stat().st_mtime_ns
    return found


def confined_file(root: Path, url_path: str) -> Path | None:
    """Give the file `url_path` names below `root`; None for anything that would leave it
    (`..`, an absolute path, a backslash, a symbolic link pointing out) or a hidden file."""
    relative = unquote(url_path)
    parts = PurePosixPath(relative).parts
    if "\0" in relative or "\\" in relative or relative.startswith("/") or any(
            part in ("..", ".") or part.startswith(".") for part in parts):
        return None
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base):
        return None
    return target / "index.html" if target.is_dir() else target


def configured_site(sources: ContentSources, content_dir: Path) -> Path | None:
    """Give the Hugo site `site.yaml` names under `preview.hugo_site` (relative to the content folder)."""
    settings = sources.site.data.get("preview", {}) if sources.site is not None else {}
    folder = settings.get("hugo_site") if isinstance(settings, dict) else None
    return None if folder is None else content_dir / str(folder)


@dataclass
class Preview:
    """The server, the watcher and what the pages show: the last good build and, while the
    newest build failed, its problems."""

    options: BuildOptions
    port: int = 8000
    host: str = HOST
    interval: float = 1.0
    hugo_site: Path | None = None
    """A Hugo site given on the command line; else `site.yaml`'s `preview.hugo_site`, if any."""
    builds: int = 0
    generation: int = 0
    """Counts finished builds, good or bad: what pages and event streams compare."""
    snapshot: Snapshot | None = None
    problems: tuple[Problem, ...] = ()
    failures: tuple[str, ...] = ()
    published: Catalog | None = None
    """What the last good build published: the catalog post bodies are made from."""
    bodies: dict[str, str] = field(default_factory=dict)
    """Recap id -> its post body, made on first view after each good build."""
    hugo: HugoSite | None = None
    site_files: dict[Path, int] = field(default_factory=dict)
    """The Hugo site's watched files as they were when the site joined, before its first build:
    the watcher's starting point for them, so an edit right after that build is seen."""
    server: ThreadingHTTPServer | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.RLock = field(default_factory=threading.RLock)
    """Held by a build, and while a post body is made: both use the converter."""
    changed: threading.Condition = field(default_factory=threading.Condition)
    """Guards what the pages show (quick to read while a build runs); notified after each build."""
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="recap-preview-")))
    threads: list[threading.Thread] = field(default_factory=list)
    store: ConversionStore | None = field(init=False, default=None)
    converter: Converter = field(init=False)
    """Kept from one rebuild to the next: a rebuild finds in memory every conversion but
    those of what changed."""

    def __post_init__(self) -> None:
        self.store = ConversionStore(self.options.cache_dir) if self.options.cache_dir else None
        self.converter = Converter(self.store, jobs=self.options.jobs)

    def _save_conversions(self) -> None:
        """Store what the converter made (each save commits: nothing is left to do on stop)."""
        if self.store is not None:
            self.store.save(self.converter.new_conversions())

    @property
    def watched(self) -> tuple[Path, ...]:
        """Give the folders whose edits call for a rebuild: the content, the schemas, the
        templates and, once known, the Hugo site's layouts and settings (not its content)."""
        site = [self.hugo.folder / name for name in HUGO_WATCHED] if self.hugo else []
        return (self.options.content_dir, SCHEMAS, TEMPLATES, *site)

    @property
    def base_url(self) -> str:
        port = self.server.server_address[1] if self.server else self.port
        return f"http://{self.host}:{port}/"

    def addressed_to_me(self, host_header: str | None) -> bool:
        """Say whether a request may be answered: on a loopback address, only one naming it
        (a web page elsewhere cannot then reach the preview through DNS rebinding)."""
        if self.host not in LOCAL_NAMES or not host_header:
            return True
        name = host_header if host_header.endswith("]") else host_header.rsplit(":", 1)[0]
        return name in LOCAL_NAMES

    def rebuild(self) -> bool:
        """Build once and refresh what the pages show; give whether the build was clean."""
        with self.lock:
            try:
                ok = self._build_once()
            except Exception as error:  # whatever breaks, the browser and the terminal say so
                traceback.print_exc(file=sys.stderr)
                ok = self._failed((), [f"{type(error).__name__}: {error}"])
        with self.changed:
            self.generation += 1
            self.changed.notify_all()
        return ok

    def _failed(self, problems: Iterable[Problem], failures: Iterable[str]) -> bool:
        with self.changed:
            self.problems, self.failures = tuple(problems), tuple(failures)
        for failure in self.failures:
            print(f"error: {failure}", file=sys.stderr)
        print("the browser shows the problems until a build succeeds", file=sys.stderr)
        return False

    def _build_once(self) -> bool:
        now = build_time()
        try:
            result = build(replace(self.options, now=now), self.converter)
        except PipelineError as error:
            return self._failed((), [str(error)])
        finally:
            self._save_conversions()
        self.builds += 1
        if not result.report.ok:
            TextReporter(sys.stderr).report(result.report)
            return self._failed(result.report.problems, ())
        if result.report.warnings:
            TextReporter(sys.stderr).report(result.report)
        try:
            snapshot, published = self._take_snapshot(now, result)
        except (HugoError, PipelineError) as error:
            return self._failed((), [f"hugo: {error}" if isinstance(error, HugoError) else str(error)])
        with self.changed:
            self.snapshot, self.published, self.bodies = snapshot, published, {}
            self.problems, self.failures = (), ()
        return True

    def _take_snapshot(self, now: datetime, result: BuildResult) -> tuple[Snapshot, Catalog]:
        """Give what the pages show after a good build, and the catalog it published (the
        build's own when it read the sources; else, after a build that found nothing
        to do, the sources read again)."""
        sources = result.sources or load_content(self.options.content_dir)
        everything = result.catalog or normalize(sources)
        published = publishable_catalog(everything, replace(self.options, now=now))
        site_pages: dict[Path, str] = {}
        folder = self.hugo_site or configured_site(sources, self.options.content_dir)
        if folder is not None:
            if self.hugo is None or self.hugo.folder != check_site(folder):
                self.hugo = HugoSite(check_site(folder), self.work)
                self.site_files = watched_files(self.hugo.folder / name for name in HUGO_WATCHED)
            outputs = outputs_by_recap(self.options.out_dir)
            posts = [path for recap in published.recaps
                     for path in outputs.get(recap.id, {}).get("markdown", ())]
            overlay = self.options.out_dir / PurePosixPath(posts[0]).parts[0] if posts else self.work / "none"
            site_pages = self.hugo.build(overlay, self.base_url + "site/", self.options.drafts)
        return take_snapshot(everything, self.options.out_dir, now, site_pages), published

    def page(self, path: str, nonce: str) -> tuple[int, bytes]:
        """Give the status and HTML of a preview page."""
        with self.changed:
            generation, snapshot = self.generation, self.snapshot
            problems, failures = self.problems, self.failures
        if problems or failures:
            return 200, pages.problems_page(problems, failures, generation, nonce)
        if snapshot is None:
            return 200, pages.message_page("Building", "The first build is running.", generation, nonce)
        if path in ("/", "/index.html"):
            return 200, pages.index_page(snapshot, generation, nonce)
        key = path.removeprefix("/recaps/").rstrip("/")
        view = snapshot.view(unquote(key)) if path.startswith("/recaps/") else None
        if view is None:
            return 404, pages.message_page("Not found", f"Nothing here: {path}", generation, nonce)
        body = self.post_body(view.recap) if view.built and view.site_page is None else None
        return 200, pages.recap_page(view, body, generation, nonce)

    def post_body(self, recap: Recap) -> str | None:
        """Give the recap's post body as the last good build published it (made once per build)."""
        with self.lock:  # waits for a running build, which may replace what is shown
            if recap.id not in self.bodies and self.published is not None:
                self.bodies[recap.id] = post_body(self.published, recap, self.converter)
                self._save_conversions()
            return self.bodies.get(recap.id)

    def stream_events(self, handler: BaseHTTPRequestHandler) -> None:
        """Send the build generation now and after every build, until the client or the server leaves."""
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-store")
        handler.end_headers()
        sent: int | None = None
        try:
            handler.wfile.write(b"retry: 1000\n\n")
            while not self.stopping.is_set():
                with self.changed:
                    if sent == self.generation:
                        self.changed.wait(KEEPALIVE)
                    current = self.generation
                handler.wfile.write(f"data: {current}\n\n".encode() if current != sent else b": idle\n\n")
                handler.wfile.flush()
                sent = current
        except (BrokenPipeError, ConnectionResetError):
            return

    def watch(self, seen: dict[Path, int]) -> None:
        """Rebuild on every change from `seen` until stopped; an exception is logged and watching goes on."""
        folders = self.watched[:3]  # what `seen` covers: no Hugo site is known before the first build
        while not self.stopping.wait(self.interval):
            try:
                now = watched_files(self.watched)
                if folders != self.watched:  # a Hugo site came in: finding its files is no edit
                    seen |= self.site_files  # ... but an edit since its first build is
                    folders = self.watched
                if now != seen:
                    seen = now
                    print("change detected: rebuilding", file=sys.stderr)
                    self.rebuild()
            except Exception:
                traceback.print_exc(file=sys.stderr)

    def start(self) -> ThreadingHTTPServer:
        """Open the port, build once, then serve and watch in background threads; give the server."""
        handler = type("Handler", (PreviewHandler,), {"preview": self})
        try:
            self.server = ThreadingHTTPServer((self.host, self.port), handler)
        except OSError as error:
            msg = f"cannot listen on {self.host}:{self.port} ({error.strerror}): choose another --port"
            raise UsageError(msg) from None
        seen = watched_files(self.watched)  # taken before it, an edit during
        self.rebuild()  # the first build is a change
        for target, args in ((self.server.serve_forever, ()), (self.watch, (seen,))):
            thread = threading.Thread(target=target, args=args, daemon=True)
            thread.start()
            self.threads.append(thread)
        return self.server

    def stop(self) -> None:
        """Close the port, end a running Hugo, wait for a running build, remove the temporary files."""
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
        if self.hugo is not None:
            self.hugo.stop()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        for thread in self.threads:
            thread.join(timeout=120)
        shutil.rmtree(self.work, ignore_errors=True)


class PreviewHandler(BaseHTTPRequestHandler):
    """Routes a request to a preview page, a published file or the event stream."""

    preview: Preview
    server_version = "recap-preview"

    def do_GET(self) -> None:
        if not self.preview.addressed_to_me(self.headers.get("Host")):
            return self.send_error(403, "the preview answers only requests for its own address")
        path = urlsplit(self.path).path
        if path == pages.EVENTS:
            return self.preview.stream_events(self)
        site = self.preview.hugo.public if self.preview.hugo else None
        for prefix, root in (("/dist/", self.preview.options.out_dir), ("/site/", site)):
            if path.startswith(prefix):
                return self.send_file(root, path.removeprefix(prefix)) if root else self.send_error(404)
        nonce = secrets.token_urlsafe(12)
        try:
            status, body = self.preview.page(path, nonce)
        except Exception as error:  # say it in the page, not only in the terminal
            traceback.print_exc(file=sys.stderr)
            status, body = 500, pages.message_page("The preview failed", f"{type(error).__name__}: {error}",
                                                   self.preview.generation, nonce)
        policy = (f"default-src 'self'; img-src 'self' https: data:; style-src 'unsafe-inline'; "
                  f"script-src 'nonce-{nonce}'")
        self.send_body(status, "text/html; charset=utf-8", body, policy)
        return None

    def send_file(self, root: Path, url_path: str) -> None:
        target = confined_file(root, url_path)
        if target is None:
            return self.send_error(403, "outside the preview's folders")
        if not target.is_file():
            return self.send_error(404, "no such file")
        suffix = target.suffix.lower()
        kind = TEXT_TYPES.get(suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind == "application/json":
            kind += "; charset=utf-8"
        self.send_body(200, kind, target.read_bytes())
        return None

    def send_body(self, status: int, kind: str, body: bytes, policy: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if policy:
            self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep the terminal for build messages


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(options: BuildOptions, port: int, host: str = HOST, hugo_site: Path | None = None) -> None:
    """Serve until interrupted (Ctrl-C, SIGTERM or SIGHUP), then leave nothing running."""
    preview = Preview(options, port=port, host=host, hugo_site=hugo_site and check_site(hugo_site))
    # SIGINT too: a preview started from a background job inherits it ignored, and would
    # then outlive the Ctrl-C meant for it.
    numbers = [signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    handlers = {number: signal.signal(number, _interrupt) for number in numbers}
    try:
        server = preview.start()
        print(f"previewing on http://{host}:{server.server_address[1]}/ (Ctrl-C stops)", file=sys.stderr)
        while not preview.stopping.wait(1.0):
            pass
    finally:
        preview.stop()
        for number, previous in handlers.items():
            signal.signal(number, previous)
