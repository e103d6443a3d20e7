"""Importing a post loses nothing: what the original shows, the built post shows."""

from __future__ import annotations

import base64
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES
from roundtrip import lost, shown, words_of

from pipeline.__main__ import main
from pipeline.importer import import_post

IMPORTS = FIXTURES / "import"
TODAY = date(2024, 3, 1)
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
                       "AAAABJRU5ErkJggg==")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """The rich meeting recap as a Hugo page bundle, with its image."""
    folder = tmp_path / "blog" / "2022" / "0519-harbor-mesh-community-meeting-may"
    shutil.copytree(IMPORTS / "rich-meeting", folder)
    (folder / "stage.png").write_bytes(PNG)
    return folder / "index.md"


def _source(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _section(recap: dict[str, Any], title: str) -> dict[str, Any]:
    return next(part for part in recap.get("sections", []) + recap.get("talks", []) if part["title"] == title)


def test_an_imported_post_built_again_shows_every_word_link_and_video_of_the_original(
        bundle: Path, empty_content: Path, tmp_path: Path) -> None:
    result = import_post(bundle, empty_content, today=TODAY)
    assert result.ok and result.not_imported == ()
    out = tmp_path / "dist"
    code = main(["build", "--content", str(empty_content), "--out", str(out), "--only", "markdown",
                 "--drafts", "--flavor", "hugo", "--no-cache", "--quiet"])
    assert code == 0
    [built] = (out / "hugo").rglob("index.md")
    missing = lost(bundle, built)
    assert (missing["urls"], missing["videos"]) == ([], [])
    # Only the announcement of the next meeting may go, said so, shown by the meeting's own block.
    restated = {word for note in result.notes if "next_meeting" in note for word in words_of(note)}
    assert all(set(run.split()) <= restated for run in missing["words"]), missing["words"]
    text = built.read_text(encoding="utf-8")
    assert "https://example.org/harbor/meet" in text and "June 16" in text
    original = shown(bundle.read_text(encoding="utf-8"))
    assert {"Mm1NQkV2b8Q", "ZcW8nNkEqv4", "Pq4rT7uVx2s", "x:1526601234567890123"} <= original.videos
    assert (built.parent / "stage.png").read_bytes() == PNG
    assert '{{< youtube id="Mm1NQkV2b8Q" start="95" >}}' in built.read_text(encoding="utf-8")


def test_a_sentence_and_its_list_after_a_colon_stay_in_the_section(bundle: Path, empty_content: Path) -> None:
    result = import_post(bundle, empty_content, today=TODAY)
    assert result.source is not None
    news = _section(_source(result.source), "News")
    text = " ".join((news.get("body", "") + news.get("summary", "")).split())
    assert "It brings the things people asked for most:" in text
    for item in ("retries that respect a budget", "a dashboard that loads in half the time",
                 "certificates that renew themselves", "a smaller proxy image"):
        assert f"- {item}" in text or item in news.get("takeaways", [])


def test_link_only_paragraphs_and_image_links_stay_where_they_stood(
        bundle: Path, empty_content: Path) -> None:
    result = import_post(bundle, empty_content, today=TODAY)
    assert result.source is not None
    news = _section(_source(result.source), "News")
    body = " ".join((news.get("body") or news.get("summary", "")).split())
    assert "[Read the release notes](https://example.org/harbor/releases/3.2)" in body
    assert "[![The release party on stage](stage.png)](https://example.org/harbor/gallery)" in body


def test_a_tweet_shortcode_becomes_an_x_embed_and_two_videos_in_one_section_are_both_kept(
        bundle: Path, empty_content: Path) -> None:
    result = import_post(bundle, empty_content, today=TODAY)
    assert result.source is not None
    recap = _source(result.source)
    news, demos = _section(recap, "News"), _section(recap, "Demos")
    assert news["embeds"] == [{"kind": "x", "url": "https://x.com/harbormesh/status/1526601234567890123"}]
    assert "recording" not in demos  # neither video is more the section's than the other
    assert [video["url"] for video in demos["recordings"]] == ["https://youtu.be/ZcW8nNkEqv4",
                                                               "https://youtu.be/Pq4rT7uVx2s"]
    assert "{{" not in result.source.read_text(encoding="utf-8")


def test_a_video_shortcodes_start_time_is_kept(bundle: Path, empty_content: Path) -> None:
    result = import_post(bundle, empty_content, today=TODAY)
    assert result.source is not None
    assert _source(result.source)["recording"] == {"url": "https://youtu.be/Mm1NQkV2b8Q", "start": "1:35"}


def test_the_next_meeting_is_shown_once_and_what_else_its_section_says_stays(
        bundle: Path, empty_content: Path) -> None:
    result = import_post(bundle, empty_content, today=TODAY)
    assert result.source is not None and result.ok
    recap = _source(result.source)
    assert recap["next_meeting"] == {"date": "2022-06-16", "registration_url": "https://example.org/harbor/meet"}
    assert "Join us" not in [section["title"] for section in recap["sections"]]  # its words are the meeting's
    assert _section(recap, "Next meeting")["body"].strip() == (
        "Bring a friend and your questions about the retry budget.")
    assert not any("June 16" in part.get("body", "") for part in recap["sections"])
    assert not any("no field took" in note for note in result.notes)


def test_an_unknown_shortcode_becomes_a_link_and_one_without_a_link_fails_with_its_line(
        empty_content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = IMPORTS / "gist-and-toc.md"
    code = main(["import", str(post), "--content", str(empty_content)])
    captured = capsys.readouterr()
    assert code == 1
    assert "1 not imported" in captured.out
    assert "not imported: line 10: the shortcode {{< toc >}} (nothing to link)" in captured.err
    assert "line 8: the shortcode {{< gist harborfan 9a8b7c6d >}} became the link" in captured.err
    [source] = (empty_content / "recaps").iterdir()
    assert "(https://gist.github.com/harborfan/9a8b7c6d)" in source.read_text(encoding="utf-8")


def test_an_html_page_gives_its_title_without_the_site_its_date_its_embeds_and_no_byline(
        empty_content: Path) -> None:
    result = import_post(IMPORTS / "call-recap.html", empty_content, today=TODAY)
    assert result.source is not None
    recap = _source(result.source)
    assert (recap["title"], recap["date"]) == ("March community call recap", "2022-03-10")
    text = result.source.read_text(encoding="utf-8")
    assert "By Ada Field" not in text and "Blog" not in text and "©" not in text
    assert any("byline" in note for note in result.notes)
    assert recap["intro"].startswith("We gathered")
    news = _section(recap, "News")
    assert news["embeds"] == [{"kind": "x", "url": "https://x.com/i/status/1500000000000000001"}]
    assert news["recording"] == {"url": "https://youtu.be/Mm1NQkV2b8Q"}
    assert result.proposed_people is not None
    assert _source(result.proposed_people) == {"ada-field": {"name": "Ada Field"}}
    assert "the post's author 'Ada Field' (proposed as ada-field)" in text


def test_an_html_page_dated_by_json_ld_keeps_that_date_and_drops_an_en_dash_suffix(
        empty_content: Path) -> None:
    result = import_post(IMPORTS / "dated-by-json-ld.html", empty_content, today=TODAY)
    assert result.source is not None
    recap = _source(result.source)
    assert (recap["title"], recap["date"]) == ("April call notes", "2022-04-14")
    assert result.proposed_people is not None and "ada-field" in _source(result.proposed_people)


def test_an_html_page_dated_by_a_time_element_keeps_that_date_and_its_bylines_author(
        empty_content: Path) -> None:
    result = import_post(IMPORTS / "time-element.html", empty_content, today=TODAY)
    assert result.source is not None
    recap = _source(result.source)
    assert (recap["title"], recap["date"]) == ("Office hours, June", "2021-06-03")
    assert recap["intro"].startswith("Four people brought questions")
    assert result.proposed_people is not None and "ada-field" in _source(result.proposed_people)
