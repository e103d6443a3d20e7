"""The preview: what a maintainer sees in the browser, how it follows edits, and how it stops."""

from __future__ import annotations

import contextlib
import fcntl
import html
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.build import BuildOptions
from pipeline.convert import Converter
from pipeline.load import load_content
from pipeline.normalize import normalize
from pipeline.pandoc import READER, run_pandoc
from pipeline.serve import HOST, Preview

ROOT = Path(__file__).resolve().parent.parent
SEED = "2021-06-17-linkerd-at-kubecon-eu"
SEED_PAGE = f"/recaps/{SEED}/"


def get(port: int, path: str, host: str | None = None) -> tuple[int, str, str]:
    """GET `path` exactly as written (no client-side normalising); give status, type and text."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"{HOST}:{port}")
        connection.endheaders()
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, response.getheader("Content-Type") or "", body
    finally:
        connection.close()


def page_text(port: int, path: str) -> str:
    status, _, body = get(port, path)
    assert status == 200, body
    return html.unescape(body)


def wait_for(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def talk_titles(content: Path) -> list[str]:
    (recap,) = normalize(load_content(content)).recaps
    return [talk.title for talk in recap.talks]


@pytest.fixture
def preview(seed_content: Path, tmp_path: Path) -> Iterator[Preview]:
    """A preview of a copy of the shipped content on a free port, watching every 0.1 s."""
    options = BuildOptions(seed_content, tmp_path / "dist", datetime(2030, 1, 1, tzinfo=UTC), jobs=1,
                           cache_dir=tmp_path / "cache")
    running = Preview(options, port=0, interval=0.1)
    running.start()
    yield running
    running.stop()


def port_of(preview: Preview) -> int:
    assert preview.server is not None
    return int(preview.server.server_address[1])


def break_the_seed(content: Path) -> Callable[[], None]:
    """Make the seed's kind invalid; give the function that puts it back."""
    source = content / "recaps" / f"{SEED}.yaml"
    good = source.read_text(encoding="utf-8")
    source.write_text(good.replace('kind: "conference"', 'kind: "conferense"', 1), encoding="utf-8")
    return lambda: source.write_text(good, encoding="utf-8")


def test_the_index_lists_recaps_with_date_state_and_formats(preview):
    index = page_text(port_of(preview), "/")
    row = re.search(r"<tr><td><a href='([^']+)'>Linkerd at KubeCon EU</a></td>(.*?)</tr>", index)
    assert row is not None, index
    assert row.group(1) == SEED_PAGE
    assert "2021-06-17" in row.group(2) and "published" in row.group(2)
    for format_name in ("markdown", "pdf", "feeds", "json", "calendar"):
        assert format_name in row.group(2)
    assert "index.md" not in index  # recaps, not file paths


def test_the_post_page_shows_the_post_its_handout_feed_entry_and_files(preview):
    port = port_of(preview)
    post = page_text(port, SEED_PAGE)
    titles = talk_titles(preview.options.content_dir)
    assert len(titles) == 11
    article = post.split("<article class='post'>", 1)[1].split("</article>", 1)[0]
    for title in titles:
        assert f">{title}</h2>" in article
    handout = re.search(r"<iframe class='pdf' src='(/dist/[^']+\.pdf)'", post)
    assert handout is not None
    status, kind, body = get(port, handout.group(1))
    assert (status, kind, body[:5]) == (200, "application/pdf", "%PDF-")
    assert "<div class='entry'>" in post and "Carried by feeds/ (" in post
    for suffix in (".json", ".jsonld", ".ics"):
        link = re.search(rf"href='(/dist/[^']+{re.escape(suffix)})'", post)
        assert link is not None, suffix
        assert get(port, link.group(1))[0] == 200


def test_a_validation_error_replaces_the_page_and_goes_away_when_fixed(preview):
    port, content = port_of(preview), preview.options.content_dir
    titles = talk_titles(content)
    repair = break_the_seed(content)
    started = time.monotonic()
    assert wait_for(lambda: "The last build failed" in page_text(port, SEED_PAGE), 5)
    assert time.monotonic() - started < 5
    broken = page_text(port, SEED_PAGE)
    located = rf"recaps/{SEED}\.yaml:3:\d+</code> <strong>kind</strong>: \"conferense\" is not"
    assert re.search(located, broken)
    assert titles[0] not in broken  # the stale page is not shown
    assert "The last build failed" in page_text(port, "/")
    repair()
    assert wait_for(lambda: "The last build failed" not in page_text(port, SEED_PAGE), 30)
    assert all(title in page_text(port, SEED_PAGE) for title in titles)


def test_pages_reload_by_themselves_after_each_build(preview):
    port = port_of(preview)
    generation = preview.generation
    assert f'const generation = "{generation}"' in page_text(port, "/")
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", "/_events")
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"

    def next_data() -> str:
        while not (line := response.readline().decode()).startswith("data: "):
            pass
        return line.removeprefix("data: ").strip()

    assert next_data() == str(generation)
    break_the_seed(preview.options.content_dir)
    assert next_data() == str(generation + 1)
    connection.close()


@pytest.mark.parametrize("path", [
    "/dist/../../secret.txt", "/dist/%2e%2e/%2e%2e/secret.txt", "/dist/..%2f..%2fsecret.txt",
    "/dist/%2fetc%2fpasswd", "/dist/..\\..\\secret.txt", "/dist/outside/secret.txt", "/site/../secret.txt",
    "/dist/.recap-manifest.json",
])
def test_paths_outside_the_output_folder_are_refused(preview, tmp_path, path):
    (tmp_path / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    (preview.options.out_dir / "outside").symlink_to(tmp_path)
    status, _, body = get(port_of(preview), path)
    assert status in (403, 404)
    assert "TOP SECRET" not in body


def test_requests_for_another_host_name_are_refused(preview):
    assert get(port_of(preview), "/", host="evil.example")[0] == 403
    assert get(port_of(preview), "/", host=f"localhost:{port_of(preview)}")[0] == 200


# --- the command as a maintainer runs it ----------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Say whether a new server could listen on `port` now (as `invoke serve` binds it)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def descendants(pid: int) -> set[int]:
    """Give every living process below `pid` (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
        except (ValueError, OSError, IndexError):
            continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux /proc to list processes")
@pytest.mark.parametrize("stop", ["SIGTERM to invoke", "Ctrl-C"])
def test_stopping_invoke_serve_stops_everything_it_started(seed_content, tmp_path, stop):
    port = free_port()
    command = [sys.executable, "-m", "invoke", "--search-root", str(ROOT), "serve", "--port", str(port),
               "--content", str(seed_content), "--out", str(tmp_path / "dist")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=tmp_path, env=env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: not port_is_free(port), 60)
        assert wait_for(lambda: get(port, "/")[0] == 200 and "Linkerd at KubeCon EU" in get(port, "/")[2], 60)
        started = descendants(process.pid) | {process.pid}
        if stop == "Ctrl-C":
            os.killpg(process.pid, signal.SIGINT)  # what a terminal sends to the foreground group
        else:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        assert wait_for(lambda: port_is_free(port), 5)
        assert not {pid for pid in started if Path(f"/proc/{pid}").exists()}
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of its own process group
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- through a real browser and a real Hugo site ------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fd 3 in, fd 4 out):
    it keeps a page open, so a test sees what the page does by itself, such as reloading."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        commands_in, self._commands = os.pipe()
        self._replies, replies_out = os.pipe()

        def on_fds_3_and_4() -> None:  # staged above 100 so that neither end is clobbered
            os.dup2(fcntl.fcntl(commands_in, fcntl.F_DUPFD, 100), 3)
            os.dup2(fcntl.fcntl(replies_out, fcntl.F_DUPFD, 100), 4)

        command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe"]
        self.process = subprocess.Popen(
            [*command, "about:blank"],
            preexec_fn=on_fds_3_and_4, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_in)
        os.close(replies_out)
        self._buffer, self._last_id, self._session = b"", 0, ""

    def call(self, method: str, **params: object) -> dict[str, object]:
        self._last_id += 1
        message = {"id": self._last_id, "method": method, "params": params}
        if self._session:
            message["sessionId"] = self._session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._replies, 65536)
                assert chunk, "Chromium closed the pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._last_id:
                assert "error" not in reply, reply
                result: dict[str, object] = reply["result"]
                return result

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", url=url)
        self._session = str(self.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)
                            ["sessionId"])

    def text(self) -> str:
        """Give the page's visible text as it is now (after any reload the page did itself)."""
        result = self.call("Runtime.evaluate", expression="document.body ? document.body.innerText : ''",
                           returnByValue=True)["result"]
        assert isinstance(result, dict)
        return str(result.get("value", ""))

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self._commands)
        os.close(self._replies)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
def test_a_real_browser_loads_the_index(preview, tmp_path):
    dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                          f"http://{HOST}:{port_of(preview)}/"], capture_output=True, text=True, timeout=90)
    assert f"href=\"{SEED_PAGE}\">Linkerd at KubeCon EU</a>" in dom.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
def test_an_open_browser_page_shows_an_error_within_seconds_and_recovers(preview, tmp_path):
    port, content = port_of(preview), preview.options.content_dir
    titles = talk_titles(content)
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(f"http://{HOST}:{port}{SEED_PAGE}")
        assert wait_for(lambda: all(title in browser.text() for title in titles), 20)
        repair = break_the_seed(content)
        assert wait_for(lambda: "The last build failed" in browser.text(), 5)  # reloaded by itself
        shown = browser.text()
        assert f"recaps/{SEED}.yaml:3:" in shown and '"conferense" is not' in shown
        assert titles[0] not in shown
        repair()
        assert wait_for(lambda: all(title in browser.text() for title in titles), 30)
    finally:
        browser.close()


HUGO_LAYOUT = """<!doctype html><html><body><p>rendered by the test site</p><h1>{{ .Title }}</h1>
{{ .Content }}</body></html>
"""


def make_hugo_site(folder: Path) -> Path:
    """A tiny Hugo site whose own config folder sets mounts (which the preview must not lose)."""
    (folder / "layouts" / "_default").mkdir(parents=True)
    (folder / "layouts" / "_default" / "single.html").write_text(HUGO_LAYOUT, encoding="utf-8")
    (folder / "layouts" / "_default" / "list.html").write_text("<p>list</p>", encoding="utf-8")
    (folder / "content").mkdir()
    (folder / "config" / "_default").mkdir(parents=True)
    (folder / "config" / "_default" / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\ntitle = "Test site"\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n', encoding="utf-8")
    (folder / "config" / "_default" / "module.toml").write_text(
        '[[mounts]]\nsource = "content"\ntarget = "content"\n'
        '[[mounts]]\nsource = "layouts"\ntarget = "layouts"\n', encoding="utf-8")
    return folder


HUGO = pytest.mark.skipif(shutil.which("hugo") is None, reason="Hugo is not installed")


@contextlib.contextmanager
def hugo_preview(content: Path, out: Path, site: Path | None) -> Iterator[Preview]:
    options = BuildOptions(content, out, datetime(2030, 1, 1, tzinfo=UTC), jobs=1)
    running = Preview(options, port=0, interval=0.1, hugo_site=site)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@HUGO
@pytest.mark.parametrize("named_by", ["--hugo-site", "site.yaml"])
def test_with_a_hugo_site_the_post_is_rendered_through_it(seed_content, tmp_path, named_by):
    site = make_hugo_site(tmp_path / "site")
    if named_by == "site.yaml":
        with (seed_content / "site.yaml").open("a", encoding="utf-8") as settings:
            settings.write('preview:\n  hugo_site: "../site"\n')
    given = site if named_by == "--hugo-site" else None
    with hugo_preview(seed_content, tmp_path / "dist", given) as preview:
        port = port_of(preview)
        page = page_text(port, SEED_PAGE)
        frame = re.search(r"<iframe class='site' src='(/site/[^']+)'", page)
        assert frame is not None, page
        rendered = page_text(port, frame.group(1))
        assert "rendered by the test site" in rendered
        assert all(title in rendered for title in talk_titles(seed_content))
        assert sorted(p.name for p in site.rglob("*") if p.is_file()) == [
            "hugo.toml", "list.html", "module.toml", "single.html"]  # the site itself is left alone


@HUGO
def test_an_edit_to_the_hugo_sites_layout_shows_without_a_restart(seed_content, tmp_path):
    site = make_hugo_site(tmp_path / "site")
    with hugo_preview(seed_content, tmp_path / "dist", site) as preview:
        port, builds = port_of(preview), preview.builds
        time.sleep(0.5)
        assert preview.builds == builds  # finding the site's files is no edit
        frame = re.search(r"<iframe class='site' src='(/site/[^']+)'", page_text(port, SEED_PAGE))
        assert frame is not None
        layout = site / "layouts" / "_default" / "single.html"
        layout.write_text(HUGO_LAYOUT.replace("rendered by the test site", "a new theme"), encoding="utf-8")
        assert wait_for(lambda: "a new theme" in page_text(port, frame.group(1)), 10)


@HUGO
def test_an_edit_to_the_hugo_layout_before_the_watcher_first_looks_is_still_seen(seed_content, tmp_path):
    site = make_hugo_site(tmp_path / "site")
    with hugo_preview(seed_content, tmp_path / "dist", site) as preview:
        port = port_of(preview)
        frame = re.search(r"<iframe class='site' src='(/site/[^']+)'", page_text(port, SEED_PAGE))
        assert frame is not None
        layout = site / "layouts" / "_default" / "single.html"
        layout.write_text(HUGO_LAYOUT.replace("rendered by the test site", "an early edit"), encoding="utf-8")
        assert wait_for(lambda: "an early edit" in page_text(port, frame.group(1)), 10)


@HUGO
def test_a_hugo_error_shows_in_the_browser(seed_content, tmp_path):
    site = make_hugo_site(tmp_path / "site")
    (site / "layouts" / "_default" / "single.html").write_text("{{ .Title ", encoding="utf-8")
    with hugo_preview(seed_content, tmp_path / "dist", site) as preview:
        page = page_text(port_of(preview), SEED_PAGE)
        assert "The last build failed" in page and "hugo:" in page and "single.html" in page


@pytest.mark.parametrize("drafts", [False, True])
def test_the_index_says_which_recaps_are_drafts_or_scheduled(make_content, tmp_path, drafts):
    valid = ROOT / "tests" / "fixtures" / "valid"
    content = make_content([valid / "meeting.yaml", valid / "single-talk.yaml", valid / "sections-only.yaml"])
    with (content / "recaps" / "single-talk.yaml").open("a", encoding="utf-8") as source:
        source.write("draft: true\n")
    with (content / "recaps" / "sections-only.yaml").open("a", encoding="utf-8") as source:
        source.write('publish_at: "2099-01-01T09:00:00Z"\n')
    options = BuildOptions(content, tmp_path / "dist", datetime(2030, 1, 1, tzinfo=UTC), jobs=1,
                           drafts=drafts)
    preview = Preview(options, port=0)
    preview.start()
    try:
        index = page_text(port_of(preview), "/")
        rows = dict(re.findall(r"<a href='/recaps/([^/]+)/'>.*?</a></td>(.*?)</tr>", index))
        assert set(rows) == {"meeting", "single-talk", "sections-only"}
        assert "published" in rows["meeting"] and "markdown, pdf" in rows["meeting"]
        assert "scheduled for 2099-01-01 09:00 UTC" in rows["sections-only"]
        assert "not built" in rows["sections-only"]
        assert "draft" in rows["single-talk"]
        assert ("not built" in rows["single-talk"]) is not drafts
        draft_page = page_text(port_of(preview), "/recaps/single-talk/")
        assert ("Not built: a draft appears with" in draft_page) is not drafts
    finally:
        preview.stop()


def test_a_busy_port_or_a_folder_that_is_no_hugo_site_is_a_usage_error(seed_content, tmp_path, capsys):
    from pipeline.__main__ import main

    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port), "--content", str(seed_content),
                     "--out", str(tmp_path / "dist")]) == 2
    assert f"cannot listen on {HOST}:{port}" in capsys.readouterr().err
    assert main(["serve", "--port", "0", "--hugo-site", str(tmp_path), "--content", str(seed_content)]) == 2
    assert "is not a Hugo site" in capsys.readouterr().err


def test_outputs_are_found_from_the_manifest_whatever_the_layout(seed_content, tmp_path):
    """The lead's overlay layout (hugo/static/...) or any other: the preview reads what the build recorded."""
    from pipeline.manifest import Manifest, UnitId, UnitRecord
    from pipeline.preview.snapshot import take_snapshot

    everything = normalize(load_content(seed_content))
    (recap,) = everything.recaps
    out = tmp_path / "dist"
    feed = out / "hugo" / "static" / "feeds" / "feed.json"
    feed.parent.mkdir(parents=True)
    feed.write_text(json.dumps({"items": [{"id": recap.id, "title": recap.title}]}), encoding="utf-8")
    units = {
        UnitId("pdf", recap.id): UnitRecord("k", ("hugo/static/pdf/2021/handout.pdf",)),
        UnitId("markdown", recap.id): UnitRecord("k", ("hugo/content/posts/x/index.md",)),
        UnitId("feeds", None, "feeds/"): UnitRecord("k", ("hugo/static/feeds/atom.xml",
                                                          "hugo/static/feeds/feed.json")),
    }
    (out / ".recap-manifest.json").write_bytes(Manifest(units).to_bytes())
    snapshot = take_snapshot(everything, out, datetime(2030, 1, 1, tzinfo=UTC))
    (view,) = snapshot.views
    assert view.files("pdf", ".pdf") == ("hugo/static/pdf/2021/handout.pdf",)
    assert view.formats == ("markdown", "pdf", "feeds")
    assert view.feed is not None
    assert dict(view.feed.channels) == {"hugo/static/feeds/": ("hugo/static/feeds/atom.xml",
                                                               "hugo/static/feeds/feed.json")}


def test_a_rebuild_reads_only_the_markdown_that_changed(seed_content, tmp_path):
    """The preview keeps its converter between rebuilds, cache folder or not: after an
    edit to one field, pandoc reads that field and nothing else again."""
    options = BuildOptions(seed_content, tmp_path / "dist", datetime(2030, 1, 1, tzinfo=UTC), jobs=1)
    preview = Preview(options, port=0)
    runs: list[tuple[str, tuple[str, ...]]] = []

    def counting(source: str, *args: str) -> str:
        runs.append((source, args))
        return run_pandoc(source, *args)

    preview.converter = Converter(jobs=1, run=counting)
    try:
        assert preview.rebuild()
        assert any(args[1] == READER for _, args in runs)
        runs.clear()
        source = seed_content / "recaps" / f"{SEED}.yaml"
        text = source.read_text(encoding="utf-8")
        source.write_text(text.replace("Our May community meeting", "Our edited community meeting", 1),
                          encoding="utf-8")
        assert preview.rebuild()
        (recap,) = normalize(load_content(seed_content)).recaps
        assert recap.intro is not None and "Our edited community meeting" in recap.intro
        assert [source for source, args in runs if args[1] == READER] == [recap.intro]
    finally:
        preview.stop()
