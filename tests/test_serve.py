"""The preview server: an index of every recap's outputs, rebuilt when content changes."""

from __future__ import annotations

import time
import urllib.request
from datetime import UTC, datetime

from pipeline.build import BuildOptions
from pipeline.serve import HOST, Preview


def fetch(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=10) as response:
        return response.read().decode("utf-8")


def test_the_preview_lists_outputs_and_rebuilds_on_change(seed_content, tmp_path):
    options = BuildOptions(seed_content, tmp_path / "dist", datetime(2030, 1, 1, tzinfo=UTC), jobs=1)
    preview = Preview(options, port=0, interval=0.1)
    server = preview.start()
    try:
        port = server.server_address[1]
        index = fetch(port, "/")
        assert "Linkerd at KubeCon EU" in index
        post = "hugo/content/blog/2021/0617-linkerd-at-kubecon-eu/index.md"
        outputs = ("pdf/linkerd-at-kubecon-eu.pdf", "feeds/atom.xml",
                   "json/recaps/linkerd-at-kubecon-eu.json")
        for path in (*outputs, post):
            assert f'href="/{path}"' in index
        assert "## Why the future of the cloud" in fetch(port, f"/{post}")
        source = seed_content / "recaps" / "2021-06-17-linkerd-at-kubecon-eu.yaml"
        source.write_text(source.read_text(encoding="utf-8").replace(
            'title: "Linkerd at KubeCon EU"', 'title: "Linkerd at KubeCon Europe"'), encoding="utf-8")
        deadline = time.monotonic() + 30
        while "Linkerd at KubeCon Europe" not in fetch(port, "/") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Linkerd at KubeCon Europe" in fetch(port, "/")
        assert preview.builds == 2
    finally:
        preview.stop(server)


def test_a_broken_edit_keeps_the_last_good_preview(seed_content, tmp_path, capsys):
    options = BuildOptions(seed_content, tmp_path / "dist", datetime(2030, 1, 1, tzinfo=UTC), jobs=1)
    preview = Preview(options, port=0, interval=0.1)
    assert preview.rebuild()
    good = preview.front_page()
    source = seed_content / "recaps" / "2021-06-17-linkerd-at-kubecon-eu.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace('kind: "conference"', 'kind: "party"'),
                      encoding="utf-8")
    assert not preview.rebuild()
    assert preview.front_page() == good
    assert '"party" is not an allowed kind of recap' in capsys.readouterr().err


def test_the_watcher_logs_an_unexpected_exception_and_keeps_watching(seed_content, tmp_path, monkeypatch,
                                                                     capsys):
    from pipeline import serve

    options = BuildOptions(seed_content, tmp_path / "dist", datetime(2030, 1, 1, tzinfo=UTC), jobs=1)
    preview = Preview(options, port=0, interval=0.1)
    server = preview.start()
    real_index_page, calls = serve.index_page, []

    def fails_once(options: BuildOptions) -> bytes:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk\nhiccup")
        return real_index_page(options)

    monkeypatch.setattr(serve, "index_page", fails_once)
    source = seed_content / "recaps" / "2021-06-17-linkerd-at-kubecon-eu.yaml"
    try:
        port = server.server_address[1]
        for title in ("Linkerd at KubeCon Europe", "Linkerd at KubeCon Europe 2021"):
            text = source.read_text(encoding="utf-8")
            source.write_text(text.replace(text.split("\ntitle: ")[1].split("\n")[0], f'"{title}"', 1),
                              encoding="utf-8")
            deadline = time.monotonic() + 30
            while len(calls) < (1 if title.endswith("Europe") else 2) and time.monotonic() < deadline:
                time.sleep(0.05)
        deadline = time.monotonic() + 30
        while "KubeCon Europe 2021" not in fetch(port, "/") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "KubeCon Europe 2021" in fetch(port, "/")
    finally:
        preview.stop(server)
    err = capsys.readouterr().err
    assert "the watcher caught RuntimeError: disk\\x0ahiccup; it keeps watching" in err
