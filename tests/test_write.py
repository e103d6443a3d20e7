"""Publishing: confined to the output folder, atomic, and lazy about unchanged bytes."""

from __future__ import annotations

import os
from pathlib import PurePosixPath

import pytest

from pipeline.errors import PublishError
from pipeline.model import Artifact
from pipeline.write import confined_path, publish, temp_path_for


def artifact(path: str, content: bytes = b"x", fmt: str = "markdown",
             recap_id: str | None = "r1") -> Artifact:
    return Artifact(PurePosixPath(path), content, fmt, recap_id)


@pytest.mark.parametrize("path", ["../escape.md", "/etc/passwd", "a/../../b.md", "a/../../../etc/x"])
def test_a_path_outside_the_output_folder_is_refused(tmp_path, path):
    with pytest.raises(PublishError):
        publish([artifact(path)], tmp_path / "dist")
    assert not (tmp_path / "escape.md").exists()


def test_a_symlink_out_of_the_output_folder_is_refused(tmp_path):
    out = tmp_path / "dist"
    out.mkdir()
    (out / "link").symlink_to(tmp_path)
    with pytest.raises(PublishError):
        confined_path(out, PurePosixPath("link/stolen.md"))


def test_an_output_that_is_a_symlink_out_of_the_output_folder_is_refused(tmp_path):
    out = tmp_path / "dist"
    (out / "posts").mkdir(parents=True)
    outside = tmp_path / "outside.md"
    outside.write_text("keep me", encoding="utf-8")
    (out / "posts" / "a.md").symlink_to(outside)
    with pytest.raises(PublishError):
        publish([artifact("posts/b.md"), artifact("posts/a.md")], out)
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not (out / "posts" / "b.md").exists()


def test_a_refused_path_stops_publishing_before_anything_is_written(tmp_path):
    out = tmp_path / "dist"
    with pytest.raises(PublishError):
        publish([artifact("good.md"), artifact("../bad.md")], out)
    assert not (out / "good.md").exists()


def test_outputs_land_in_nested_folders_with_exact_bytes(tmp_path):
    result = publish([artifact("blog/2021/0617-x/index.md", b"\xc3\xa9\n")], tmp_path)
    assert (tmp_path / "blog/2021/0617-x/index.md").read_bytes() == b"\xc3\xa9\n"
    assert result.written == (PurePosixPath("blog/2021/0617-x/index.md"),)


def test_unchanged_outputs_are_not_rewritten(tmp_path):
    publish([artifact("a.md", b"same")], tmp_path)
    target = tmp_path / "a.md"
    os.utime(target, (1, 1))
    result = publish([artifact("a.md", b"same"), artifact("b.md")], tmp_path)
    assert result.unchanged == (PurePosixPath("a.md"),)
    assert target.stat().st_mtime == 1


def test_feeds_are_published_after_the_posts_they_point_to(tmp_path):
    feed = artifact("feeds/atom.xml", fmt="feeds", recap_id=None)
    result = publish([feed, artifact("z/post.md")], tmp_path)
    assert [str(p) for p in result.written] == ["z/post.md", "feeds/atom.xml"]


def test_temporary_files_left_by_a_killed_build_are_swept(tmp_path):
    stale = temp_path_for(tmp_path / "blog" / "index.md")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half")
    publish([artifact("other.md")], tmp_path)
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["other.md"]
