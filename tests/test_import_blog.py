"""`import` on a whole blog folder: one line per post, a summary, no duplicates, URLs and authors kept."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CONTENT

from pipeline.__main__ import main
from pipeline.importer import PROPOSED_PEOPLE_DIR
from pipeline.importer.urls import hugo_urlize
from pipeline.load import load_content
from pipeline.new import create_recap
from pipeline.validate import validate_sources

POSTS = {
    "content/blog/_index.md": "---\ntitle: Blog\n---\n\nAll our posts.\n",
    "content/blog/2021/0415-community-meeting/index.md": """---
title: April Community Meeting
date: 2021-04-15T09:00:00-07:00
slug: community-meeting
params:
  author: charles
---

We met to talk about the 2.10 release.

## News

Linkerd 2.10 shipped with extensions.
""",
    "content/blog/2021/0415-community-meeting/notes.md": "---\ntitle: a resource\n---\n\nNot a post.\n",
    "content/blog/2022/0421-community-meeting/index.md": """---
title: April Community Meeting
date: 2022-04-21
slug: community-meeting
---

We met a year later.

## Roadmap

What comes next.
""",
    "content/blog/2022/moved.md": """---
title: A post that moved
date: 2022-06-02
url: /news/moved-post.html
---

This post was served under another shape of URL.
""",
    "content/blog/2023/qa.md": """---
title: "Q&A with the maintainers"
date: 2023-01-12
---

Questions and answers.
""",
    "content/blog/2023/broken.md": "---\ntitle: [unclosed\n---\n\nText.\n",
}
AUTHORS = "charles:\n  name: Charles Pretzer\n  twitter: charles\njason:\n  name: Jason Morgan\n"


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    """A small Hugo site: two bundles a year apart sharing a slug, a section page, a bundle
    resource, a post whose URL is not the permalink, a title slug, a broken post."""
    root = tmp_path / "site"
    for name, text in POSTS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "authors.yaml").write_text(AUTHORS, encoding="utf-8")
    return root


@pytest.fixture
def content(empty_content: Path) -> Path:
    return empty_content


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str], dict[str, int]]:
    """Run `import`; give its exit code, its per-post lines and its summary table's counts."""
    code = main(["import", *map(str, args)])
    out = capsys.readouterr().out.strip("\n").split("\n")
    lines = [line for line in out if ": " in line]
    table = out[out.index("posts     count") + 1:]
    return code, lines, {row.split()[0]: int(row.split()[1]) for row in table}


def _recaps(content: Path) -> dict[str, dict[str, Any]]:
    return {path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in sorted((content / "recaps").iterdir())}


def _proposed(content: Path, name: str) -> dict[str, Any]:
    text = (content / PROPOSED_PEOPLE_DIR / name).read_text(encoding="utf-8")
    proposed: dict[str, Any] = yaml.safe_load(text)
    return proposed


def test_a_blog_folder_imports_every_post_once_with_a_line_each_and_a_summary(
        blog: Path, content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, counts = _run(capsys, blog / "content", "--content", content,
                               "--authors", blog / "data" / "authors.yaml")
    assert code == 1
    assert counts == {"imported": 4, "skipped": 0, "failed": 1, "total": 5}
    assert len(lines) == 5 and sum(": imported as " in line for line in lines) == 4
    [failed] = [line for line in lines if ": failed: " in line]
    assert failed.startswith(str(blog / "content/blog/2023/broken.md") + ": failed: line ")
    assert "front matter: YAML syntax error" in failed
    assert not any("_index.md" in line or "notes.md" in line for line in lines)
    recaps = _recaps(content)
    assert sorted(recaps) == ["2021-04-15-community-meeting.yaml", "2022-04-21-community-meeting.yaml",
                              "2022-06-02-moved.yaml", "2023-01-12-qa-with-the-maintainers.yaml"]
    report = validate_sources(load_content(content))
    assert [p for p in report.problems if p.severity == "error"] == []

    code, lines, counts = _run(capsys, blog / "content", "--content", content)
    assert code == 1 and counts == {"imported": 0, "skipped": 4, "failed": 1, "total": 5}
    skipped = [line for line in lines if ": skipped: already imported as " in line]
    assert len(skipped) == 4 and sorted((content / "recaps").iterdir()) == sorted(
        content / "recaps" / name for name in recaps)


def test_each_recap_lands_at_the_old_url_or_keeps_it_as_an_alias(
        blog: Path, content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, blog / "content", "--content", content)
    recaps = _recaps(content)
    assert recaps["2021-04-15-community-meeting.yaml"]["slug"] == "community-meeting"
    assert recaps["2022-04-21-community-meeting.yaml"]["slug"] == "community-meeting"
    # Hugo's urlize drops "&" where our slugs would write a hyphen: the URL is Hugo's.
    assert recaps["2023-01-12-qa-with-the-maintainers.yaml"]["slug"] == "qa-with-the-maintainers"
    assert "aliases" not in recaps["2023-01-12-qa-with-the-maintainers.yaml"]
    assert recaps["2022-06-02-moved.yaml"]["aliases"] == ["/news/moved-post.html"]
    text = (content / "recaps" / "2022-06-02-moved.yaml").read_text(encoding="utf-8")
    assert f"# imported from: {blog / 'content/blog/2022/moved.md'}\n" in text
    assert hugo_urlize("Linkerd 2.10: what's new?") == "linkerd-2.10-whats-new"


def test_a_copy_of_a_post_at_an_imported_url_is_skipped(
        blog: Path, content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, blog / "content/blog/2021", blog / "content/blog/2022/moved.md", "--content", content)
    copy = tmp_path / "elsewhere"
    shutil.copytree(blog / "content/blog/2021/0415-community-meeting", copy / "again")
    moved = (blog / "content/blog/2022/moved.md").read_text(encoding="utf-8")
    (copy / "renamed.md").write_text(moved.replace("date: 2022-06-02", "date: 2022-06-03"), encoding="utf-8")
    code, lines, counts = _run(capsys, copy, "--content", content)
    assert code == 0 and counts == {"imported": 0, "skipped": 2, "failed": 0, "total": 2}
    assert lines[0].startswith(f"{copy / 'again' / 'index.md'}: skipped: ")
    assert lines[0].endswith("2021-04-15-community-meeting.yaml is already at "
                             "/2021/04/15/community-meeting/; to import it as another recap, pass --slug NEW")
    assert "already redirects /news/moved-post.html" in lines[1]


def test_new_refuses_only_the_same_url_and_shares_the_importers_check(content: Path) -> None:
    from datetime import date

    from pipeline.errors import UsageError

    create_recap(content, title="Community meeting", kind="meeting", day=date(2021, 4, 15),
                 slug="community-meeting", author="jason")
    create_recap(content, title="Community meeting", kind="meeting", day=date(2022, 4, 21),
                 slug="community-meeting", author="jason")
    with pytest.raises(UsageError, match=r"already lands at /2021/04/15/community-meeting/"):
        create_recap(content, title="Again", kind="meeting", day=date(2021, 4, 15),
                     slug="community-meeting", author="jason")


def test_an_author_key_maps_to_a_person_or_is_proposed(
        blog: Path, content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = blog / "content/blog/2021/0415-community-meeting"
    _run(capsys, post, "--content", content, "--authors", blog / "data" / "authors.yaml")
    proposed = _proposed(content, "2021-04-15-community-meeting.yaml")
    assert proposed == {"charles-pretzer": {"name": "Charles Pretzer", "site_author": "charles"}}
    source = (content / "recaps" / "2021-04-15-community-meeting.yaml").read_text(encoding="utf-8")
    assert "# guessed: the post's author 'charles' (proposed as charles-pretzer) is proposed" in source

    with (content / "people.yaml").open("a", encoding="utf-8") as people:
        people.write('\ncharles-pretzer:\n  name: "Charles Pretzer"\n  site_author: "charles"\n')
    for folder in ("recaps", PROPOSED_PEOPLE_DIR):
        shutil.rmtree(content / folder)
    _run(capsys, post, "--content", content)
    assert _recaps(content)["2021-04-15-community-meeting.yaml"]["authors"] == ["charles-pretzer"]
    assert not (content / PROPOSED_PEOPLE_DIR).exists()


def test_without_the_author_file_the_key_is_kept_as_a_placeholder_person(
        blog: Path, content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = _run(capsys, blog / "content/blog/2021", "--content", content)
    assert code == 0
    proposed = _proposed(content, "2021-04-15-community-meeting.yaml")
    placeholder = "TODO: the name of the site author 'charles'"
    assert proposed == {"charles": {"name": placeholder, "site_author": "charles"}}
    assert _recaps(content)["2021-04-15-community-meeting.yaml"]["authors"] == ["jason"]


def test_a_bundles_images_come_along_and_its_cover_is_named(tmp_path: Path) -> None:
    from tests.test_real_site import tiny_png

    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    bundle = tmp_path / "blog" / "2021" / "1110-october-meeting"
    bundle.mkdir(parents=True)
    (bundle / "index.md").write_text("---\ntitle: October meeting\ndate: 2021-11-10\n---\n\n"
                                     "We met.\n\n![Our mascot](mascot.png)\n", encoding="utf-8")
    (bundle / "cover.png").write_bytes(tiny_png(8, 4))
    (bundle / "mascot.png").write_bytes(tiny_png())
    (bundle / "notes.txt").write_text("not an image", encoding="utf-8")
    (bundle / "fake.png").write_text("<svg/>", encoding="utf-8")
    assert main(["import", str(tmp_path / "blog"), "--content", str(content)]) == 0
    (source,) = (content / "recaps").glob("2021-11-10-*.yaml")
    folder = source.with_suffix("")
    assert sorted(path.name for path in folder.iterdir()) == ["cover.png", "mascot.png"]
    assert yaml.safe_load(source.read_text(encoding="utf-8"))["cover"] == "cover.png"
    assert "![Our mascot](mascot.png)" in source.read_text(encoding="utf-8")
    assert validate_sources(load_content(content)).ok


def test_a_draft_that_does_not_validate_fails_the_import_with_its_problems(tmp_path: Path, capsys) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    post = tmp_path / "loose.md"
    post.write_text("---\ntitle: A loose post\ndate: 2021-11-11\n---\n\nSee ![the stage](stage.png).\n",
                    encoding="utf-8")
    assert main(["import", str(post), "--content", str(content)]) == 1
    err = capsys.readouterr().err
    assert "still needs a human" in err and "the image 'stage.png' is not in" in err
