"""Recaps as communities write them (tests/fixtures/shapes/, written from scratch in the
new schema): each validates, builds in every format and flavor, and each new field shows
wherever it belongs: post, handout text, feed entry, JSON and calendar."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pypdf
import pytest

from pipeline.build import BuildOptions, build
from tests.conftest import FIXTURES, assemble_content
from tests.test_real_site import lint, tiny_png

SHAPES = FIXTURES / "shapes"
NOW = datetime(2024, 12, 31, tzinfo=UTC)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shapes")
    content = assemble_content(root / "content", sorted(SHAPES.glob("*.yaml")))
    result = build(BuildOptions(content_dir=content, out_dir=root / "dist", now=NOW, jobs=1))
    assert result.report.ok, result.report.problems
    return root / "dist"


def post(dist: Path, bundle: str) -> str:
    return (dist / "hugo/content/blog" / bundle / "index.md").read_text(encoding="utf-8")


def handout_text(dist: Path, key: str) -> str:
    reader = pypdf.PdfReader(dist / f"hugo/static/pdf/{key}.pdf")
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def export(dist: Path, key: str) -> dict:
    return json.loads((dist / f"hugo/static/json/recaps/{key}.json").read_text(encoding="utf-8"))


def feed_entry(dist: Path, title: str) -> str:
    feed = feedparser.parse((dist / "hugo/static/feeds/atom.xml").read_bytes())
    (entry,) = [e for e in feed.entries if e.title == title]
    return str(entry.content[0].value)


MEETING = "2024-10-31-october-community-meeting-recap"


def test_a_meeting_shows_its_host_date_guests_recording_chapters_and_closing_call(dist):
    text = post(dist, "2024/1031-october-community-meeting-recap")
    assert "Held on Thursday, October 24, 2024, hosted by Ben Okafor." in text
    assert "Zoë Ñúñez (Cloud architect, formerly at Example Bank), Kim" in text
    # The source puts the recording after the sections and the call to action last.
    conversation, recording, action = (text.index("platform onto the mesh"),
                                       text.index('{{< youtube id="cccccccccc1" start="95" >}}'),
                                       text.index("[Write to us](https://recaps.example.org/stories/)"))
    assert conversation < recording < action
    assert "[12:30](https://www.youtube.com/watch?v=cccccccccc1&t=750) The conversation" in text
    assert "- Policy\n  - per-route\n  - default deny" in text
    assert "Take part" not in text


def test_the_meeting_handout_feed_json_and_calendar_carry_the_same(dist):
    printed = handout_text(dist, MEETING)
    for words in ("Held on Thursday, October 24, 2024, hosted by Ben Okafor", "Write to us",
                  "12:30 The conversation", "41:05 Questions", "formerly at Example Bank"):
        assert words in printed, words
    entry = feed_entry(dist, "October Community Meeting Recap")
    assert "watch?v=cccccccccc1&amp;t=750" in entry and "Write to us" in entry
    record = export(dist, MEETING)
    assert record["meeting"]["date"] == "2024-10-24"
    assert [host["name"] for host in record["meeting"]["hosts"]] == ["Ben Okafor"]
    order = record["order"]
    assert order.index("sections") < order.index("recordings") < order.index("calls_to_action")
    (recording,) = record["recordings"]
    assert recording["start_seconds"] == 95
    assert [c["at"] for c in recording["chapters"]] == ["12:30", "41:05"]
    guests = record["sections"][1]["guests"]
    assert (guests[0]["role"], guests[0]["affiliation"]) == ("Cloud architect", "formerly at Example Bank")
    assert record["sections"][0]["takeaways"][1]["points"][0]["text"] == "per-route"
    assert record["calls_to_action"][0]["label"] == "Write to us"
    assert (dist / f"hugo/static/calendar/{MEETING}.ics").is_file()


def test_a_year_in_review_is_sections_with_labels_links_and_several_recordings(dist):
    text = post(dist, "2024/1228-2024-in-review")
    assert "Highlight." in text and "[Release notes](https://recaps.example.org/releases/)" in text
    assert '{{< youtube id="ddddddddddd" start="120" >}}' in text
    assert '{{< youtube id="eeeeeeeeeee" >}}' in text
    record = export(dist, "2024-12-28-2024-in-review")
    assert record["kind"] == "review" and record["talks"] == []
    assert [r["watch_url"] for r in record["sections"][0]["recordings"]] == [
        "https://youtu.be/ddddddddddd?t=120", "https://youtu.be/eeeeeeeeeee"]
    printed = handout_text(dist, "2024-12-28-2024-in-review")
    assert "Release notes" in printed and "Recording, part 2" in printed


def test_embeds_are_shortcodes_in_hugo_and_link_cards_elsewhere(dist):
    text = post(dist, "2024/1120-kubecon-week-recap")
    assert '{{< x user="examplemesh" id="1850000000000000000" >}}' in text
    assert '{{< youtube id="fffffffffff" start="30" >}}' in text
    assert "[↗ The keynote slides](https://recaps.example.org/slides/keynote.pdf)" in text
    entry = feed_entry(dist, "KubeCon week recap")
    assert "Example Mesh on the keynote stage!" in entry
    assert 'href="https://x.com/examplemesh/status/1850000000000000000"' in entry
    assert "{{" not in entry
    record = export(dist, "2024-11-20-kubecon-week-recap")
    assert [e["kind"] for e in record["sections"][0]["embeds"]] == ["x", "mastodon", "slides", "youtube"]
    printed = handout_text(dist, "2024-11-20-kubecon-week-recap")
    assert "The keynote slides" in printed and "“Example Mesh on the keynote stage!” on X" in printed


def test_a_next_meeting_known_by_its_day_is_time_to_be_announced_and_no_invite(dist):
    key = "2024-12-19-december-community-meeting-recap"
    sentence = "January community meeting: Thursday, January 23, 2025, time to be announced."
    assert sentence in " ".join(post(dist, "2024/1219-december-community-meeting-recap").split())
    assert "time to be announced" in handout_text(dist, key).lower()
    meeting = export(dist, key)["next_meeting"]
    assert (meeting["date"], meeting["start"], meeting["calendar_url"]) == ("2025-01-23", None, None)
    assert not (dist / f"hugo/static/calendar/{key}.ics").exists()
    assert "January community meeting" not in (dist / "hugo/static/calendar/meetings.ics").read_text()


def test_a_conference_talk_has_two_recordings_nested_takeaways_an_embed_and_a_moderator(dist):
    text = post(dist, "2024/0614-example-mesh-at-meshconf")
    assert '{{< youtube id="ggggggggggg" >}}' in text and '{{< youtube id="hhhhhhhhhhh" >}}' in text
    assert "- Start with audit mode\n  - watch the denials\n  - then enforce" in text
    assert '{{< x user="examplemesh" id="1800000000000000000" >}}' in text
    assert "Panel with Zoë Ñúñez (Moderator, Compañía Ejemplo) and 山田 太郎" in " ".join(text.split())
    record = export(dist, "2024-06-14-example-mesh-at-meshconf")
    talk = record["talks"][0]
    assert [r["description"] for r in talk["recordings"]] == [None, "The demo on its own."]
    assert record["stats"]["recording_count"] == 2
    ld = json.loads((dist / "hugo/static/json/ld/2024-06-14-example-mesh-at-meshconf.jsonld").read_text())
    assert [video["name"] for video in ld["video"]] == ["Policy in Practice (part 1 of 2)",
                                                         "Policy in Practice (part 2 of 2)"]


@pytest.mark.parametrize("flavor", ["hugo", "jekyll", "gfm"])
def test_every_shape_builds_in_every_flavor_and_passes_the_lint(tmp_path, flavor):
    content = assemble_content(tmp_path / "content", sorted(SHAPES.glob("*.yaml")))
    result = build(BuildOptions(content_dir=content, out_dir=tmp_path / "dist", now=NOW, jobs=1,
                                formats=("markdown",), markdown_flavor=flavor))
    assert result.report.ok
    posts = sorted((tmp_path / "dist").rglob("*.md"))
    assert len(posts) == 5
    for post_file in posts:
        assert lint(post_file, tmp_path, first_heading=flavor == "gfm") == "", post_file


def test_a_person_with_bio_links_and_avatar_is_published_in_the_register(tmp_path):
    content = assemble_content(tmp_path / "content", [SHAPES / "meeting-with-host.yaml"])
    people = content / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace(
        'ben-okafor:\n', 'ben-okafor:\n  bio: "Maintainer of the proxy."\n  avatar: "people/ben.png"\n'
        '  links: {github: "https://github.com/ben-example"}\n', 1), encoding="utf-8")
    (content / "people").mkdir()
    (content / "people" / "ben.png").write_bytes(tiny_png())
    result = build(BuildOptions(content_dir=content, out_dir=tmp_path / "dist", now=NOW, jobs=1,
                                formats=("json",)))
    assert result.report.ok, result.report.problems
    register = json.loads((tmp_path / "dist/hugo/static/json/people.json").read_text(encoding="utf-8"))
    ben = register["people"]["ben-okafor"]
    assert ben["bio"] == "Maintainer of the proxy."
    assert ben["links"] == {"github": "https://github.com/ben-example"}
    assert ben["avatar_url"] == "https://recaps.example.org/people/ben-okafor.png"
    assert (tmp_path / "dist/hugo/static/people/ben-okafor.png").read_bytes() == tiny_png()


def test_a_missing_avatar_is_located_in_people_yaml(tmp_path):
    content = assemble_content(tmp_path / "content", [SHAPES / "meeting-with-host.yaml"])
    people = content / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace(
        'ben-okafor:\n', 'ben-okafor:\n  avatar: "people/nobody.png"\n', 1), encoding="utf-8")
    result = build(BuildOptions(content_dir=content, out_dir=tmp_path / "dist", now=NOW, jobs=1))
    (problem,) = result.report.problems
    assert (Path(problem.file).name, problem.dotted_path) == ("people.yaml", "ben-okafor.avatar")
    assert "'people/nobody.png' does not exist in the content folder" in problem.message


def test_validation_reads_the_new_markdown_fields_too(tmp_path):
    """Sub-points and a section's calls to action are Markdown: a shape pandoc cannot build
    is located there at validation, not found by a failing build."""
    content = assemble_content(tmp_path / "content", [SHAPES / "meeting-with-host.yaml"])
    source = content / "recaps" / "meeting-with-host.yaml"
    deep = "> " * 20 + "too deep"
    source.write_text(source.read_text(encoding="utf-8").replace(
        'points: ["per-route", "default deny"]', f'points: ["per-route", "{deep}"]'), encoding="utf-8")
    result = build(BuildOptions(content_dir=content, out_dir=tmp_path / "dist", now=NOW, jobs=1))
    assert result.published is None
    assert [p.dotted_path for p in result.report.problems] == ["sections[0].takeaways[1].points[1]"]
