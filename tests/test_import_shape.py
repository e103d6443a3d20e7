"""`import` reads a post's shape from its own evidence, and invents nothing.

The posts here are written for these tests; each reproduces a shape a real community blog
has (a monthly meeting recap, a conference roundup, a workshop write-up) and the field a
maintainer checks in the written source.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.__main__ import main
from pipeline.importer import PROPOSED_PEOPLE_DIR, ImportResult, import_post, import_posts
from pipeline.importer.shape import recap_kind, section_guests
from pipeline.load import load_content
from pipeline.validate import validate_sources

TODAY = date(2024, 3, 1)

MEETING = """---
title: March community meeting recap
date: 2022-03-14
keywords: [community]
params:
  author: jason
  videoSchema:
    - title: March community meeting recap
      embedUrl: https://youtu.be/AbCdEfGhIj0
      uploadDate: 2022-03-10
      duration: PT48M30S
    - title: A chart that fits on one screen
      embedUrl: https://www.youtube.com/embed/KlMnOpQrSt1
      duration: PT6M2S
---

Could not make it on Thursday? Here is what happened, with the recording.

Before the news: the community survey is still open. Please fill out our
[community survey](https://example.org/survey) before the end of the month.

## News

Version 4.2 is out, with smaller proxies. The docs moved to a new home, and the
release notes list every change.

## Keynote recap: the mesh at scale

We watched Ravi Menon's keynote from last week together and talked it over. No one
was asked to present; it was a watch party.

## Community convo with Lena Ortiz from Bluefin

Lena Ortiz, Platform Lead at Bluefin, shared how her team moved forty services onto
the mesh in a quarter. The meeting was hosted by Jason Morgan.

## Deep dive with Oliver: a chart that fits on one screen

Oliver walked us through the new dashboard layout.

[The dashboard demo](https://www.youtube.com/watch?v=KlMnOpQrSt1&t=1m2s)

## Heroes

We thanked Ana Lima for answering questions all month.
Who deserves it next? [Nominate a hero](https://example.org/nominate)!

{{< youtube AbCdEfGhIj0 >}}

That is all for March! See you at our next community meeting on Thursday, April 14
at 9 a.m. PT. [Register today](https://example.org/april)!
"""

CONFERENCE = """---
title: Our week at KubeCon Europe
date: 2022-05-30
params:
  author: dana
---

A week of talks and hallway chats.

## Remembering Ada Quill

Ada Quill started the project's first meetup ten years ago, and many of us met there.

[A video from that first meetup](https://youtu.be/ZyXwVuTsRq2)

## Panel: Meshes in the wild

**Speakers:** Priya Raman (Acme), Tom Berg (Initech)

The panel compared three years of running meshes in production.

## The talks, recorded

- [Keynote: Project update](https://youtu.be/QwErTyUiOp3?t=359): Jason Morgan, Buoyant
- [Why retries need budgets](https://www.youtube.com/watch?v=AsDfGhJkLz4#t=20m01s):
  Mia Chen, Acme & Tom Berg, Initech
"""

WORKSHOP = """---
title: "Workshop recap: Certificates without tears"
date: 2023-06-01
params:
  author: dana
---

_This post is based on a workshop I gave last month; check out the
[full recording](https://example.org/workshops/certificates)!_

## Why certificates expire

Because trust should not last forever. A talk by nobody in particular.

## Rotating them

With a script, or better, with a controller.
"""


def _import(content: Path, tmp_path: Path, name: str, text: str, authors: Path | None = None) -> ImportResult:
    post = tmp_path / name
    post.write_text(text, encoding="utf-8")
    if authors is None:
        return import_post(post, content, today=TODAY)
    return import_posts([post], content, today=TODAY, authors_file=authors).results[0]


def _data(result: ImportResult) -> dict[str, Any]:
    assert result.source is not None, result.error
    data: dict[str, Any] = yaml.safe_load(result.source.read_text(encoding="utf-8"))
    return data


def _section(data: dict[str, Any], title: str) -> dict[str, Any]:
    return next(section for section in data["sections"] if section["title"].startswith(title))


def test_a_meeting_with_a_talk_like_heading_and_videos_stays_a_meeting(empty_content: Path,
        tmp_path: Path) -> None:
    data = _data(_import(empty_content, tmp_path, "meeting.md", MEETING))
    assert data["kind"] == "meeting" and "talks" not in data
    assert [s["kind"] for s in data["sections"]] == ["news", "other", "conversation", "deep-dive", "hero"]


def test_with_and_hosted_by_lines_give_guests_and_hosts(empty_content: Path,
        tmp_path: Path) -> None:
    result = _import(empty_content, tmp_path, "meeting.md", MEETING)
    data = _data(result)
    assert data["meeting"] == {"hosts": ["jason"]}
    assert _section(data, "Community convo")["guests"] == [
        {"name": "Lena Ortiz", "affiliation": "Bluefin", "role": "Platform Lead"}]
    assert _section(data, "Deep dive")["guests"] == ["oliver-gould"]  # the only Oliver in people.yaml
    assert "guests" not in _section(data, "Keynote recap")  # a name in passing is not a guest
    assert "guests" not in _section(data, "Heroes")
    proposed = yaml.safe_load((empty_content / PROPOSED_PEOPLE_DIR / result.source.name).read_text())  # type: ignore[union-attr]
    lena = {"name": "Lena Ortiz", "affiliation": "Bluefin", "role": "Platform Lead"}
    assert proposed == {"lena-ortiz": lena}
    text = result.source.read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert "# guessed: only the first name 'Oliver' is given; people.yaml has one Oliver" in text


def test_imperative_link_paragraphs_become_calls_to_action_where_they_stand(empty_content: Path,
        tmp_path: Path) -> None:
    data = _data(_import(empty_content, tmp_path, "meeting.md", MEETING))
    assert [(a["title"], a["url"]) for a in data["calls_to_action"]] == [
        ("Fill out our community survey", "https://example.org/survey")]
    heroes = _section(data, "Heroes")
    assert heroes["calls_to_action"] == [
        {"title": "Nominate a hero", "text": "Who deserves it next?", "url": "https://example.org/nominate"}]
    assert heroes["body"] == "We thanked Ana Lima for answering questions all month.\n" or \
        heroes["body"].strip() == "We thanked Ana Lima for answering questions all month."
    assert "calls_to_action" not in _section(data, "News")  # no ask, however many links


def test_videos_are_matched_to_the_video_list_by_id_with_duration_and_start(empty_content: Path,
        tmp_path: Path) -> None:
    data = _data(_import(empty_content, tmp_path, "meeting.md", MEETING))
    assert _section(data, "Deep dive")["recording"] == {
        "url": "https://youtu.be/KlMnOpQrSt1", "start": "1:02", "duration": "PT6M2S"}


def test_the_meeting_recording_is_the_recaps_and_the_next_meeting_prints_once(empty_content: Path,
        tmp_path: Path) -> None:
    result = _import(empty_content, tmp_path, "meeting.md", MEETING)
    data = _data(result)
    assert data["recording"] == {"url": "https://youtu.be/AbCdEfGhIj0", "duration": "PT48M30S",
                                 "uploaded": "2022-03-10"}
    assert "recording" not in _section(data, "Heroes")
    assert data["next_meeting"]["start"] == "2022-04-14T09:00:00-07:00"
    assert data["next_meeting"]["registration_url"] == "https://example.org/april"
    assert data["closing"] == "That is all for March!"
    keys = list(data)
    assert keys.index("sections") < keys.index("recording") < keys.index("closing")  # where it stood
    out = tmp_path / "dist"
    code = main(["build", "--content", str(empty_content), "--out", str(out), "--only", "markdown",
                 "--drafts", "--no-cache", "--quiet"])
    post = next(out.glob("hugo/content/blog/2022/0314-*/index.md")).read_text(encoding="utf-8")
    assert code == 0 and post.count("April 14") == 1 and "youtube id=\"AbCdEfGhIj0\"" in post


def test_a_heading_naming_a_person_is_no_talk_and_invents_no_speaker(empty_content: Path,
        tmp_path: Path) -> None:
    result = _import(empty_content, tmp_path, "kubecon.md", CONFERENCE)
    data = _data(result)
    assert data["kind"] == "conference"
    remembering = _section(data, "Remembering Ada Quill")
    assert "speakers" not in remembering and "guests" not in remembering
    assert data["talks"][0]["title"] == "Panel: Meshes in the wild"
    assert data["talks"][0]["speakers"] == [{"name": "Priya Raman", "affiliation": "Acme"},
                                            {"name": "Tom Berg", "affiliation": "Initech"}]
    assert "TODO: speaker" not in result.source.read_text(encoding="utf-8")  # type: ignore[union-attr]


def test_a_list_of_recorded_talks_becomes_talks_with_their_start_times(empty_content: Path,
        tmp_path: Path) -> None:
    data = _data(_import(empty_content, tmp_path, "kubecon.md", CONFERENCE))
    listed = data["talks"][1:]
    assert [(t["title"], t["kind"], t["recording"]) for t in listed] == [
        ("Project update", "keynote", {"url": "https://youtu.be/QwErTyUiOp3", "start": "5:59"}),
        ("Why retries need budgets", "talk", {"url": "https://youtu.be/AsDfGhJkLz4", "start": "20:01"})]
    assert listed[0]["speakers"] == ["jason"]
    assert listed[1]["speakers"] == [{"name": "Mia Chen", "affiliation": "Acme"},
                                     {"name": "Tom Berg", "affiliation": "Initech"}]


def test_a_talk_the_post_does_not_describe_keeps_a_placeholder_that_blocks_publishing(empty_content: Path,
        tmp_path: Path) -> None:
    result = _import(empty_content, tmp_path, "kubecon.md", CONFERENCE)
    assert [(p.dotted_path, p.severity) for p in result.problems] == [
        ("talks[1].summary", "warning"), ("talks[2].summary", "warning")]
    assert result.source is not None
    result.source.write_text(result.source.read_text(encoding="utf-8").replace("draft: true", "draft: false"),
                             encoding="utf-8")
    report = validate_sources(load_content(empty_content))
    assert [(p.dotted_path, p.severity) for p in report.problems] == [
        ("talks[1].summary", "error"), ("talks[2].summary", "error")]


def test_two_videos_in_one_section_are_both_its_recordings(empty_content: Path,
        tmp_path: Path) -> None:
    post = MEETING.replace("[The dashboard demo](https://www.youtube.com/watch?v=KlMnOpQrSt1&t=1m2s)",
                           "[The dashboard demo](https://www.youtube.com/watch?v=KlMnOpQrSt1&t=1m2s)\n\n"
                           "[The questions after it](https://youtu.be/UvWxYzAbCd5)")
    data = _data(_import(empty_content, tmp_path, "meeting.md", post))
    assert _section(data, "Deep dive")["recordings"] == [
        {"url": "https://youtu.be/KlMnOpQrSt1", "start": "1:02", "duration": "PT6M2S"},
        {"url": "https://youtu.be/UvWxYzAbCd5"}]


def test_a_non_default_author_is_kept_through_the_blogs_author_file(empty_content: Path,
        tmp_path: Path) -> None:
    authors = tmp_path / "authors.yaml"
    authors.write_text("dana:\n  name: Dana Whit\nmatei:\n  name: Matei David\n", encoding="utf-8")
    result = _import(empty_content, tmp_path, "kubecon.md", CONFERENCE, authors)
    assert _data(result)["authors"] == ["jason"]  # the default until the proposal is accepted
    proposed = yaml.safe_load((empty_content / PROPOSED_PEOPLE_DIR / result.source.name).read_text())  # type: ignore[union-attr]
    assert proposed["dana-whit"] == {"name": "Dana Whit", "site_author": "dana"}
    assert any("'dana' (proposed as dana-whit)" in note for note in result.notes)
    known = _import(empty_content, tmp_path, "june.md", MEETING.replace("author: jason", "author: matei")
                    .replace("March", "June").replace("2022-03-14", "2022-06-13"), authors)
    assert _data(known)["authors"] == ["matei-david"]  # people.yaml knows the name, not the key
    assert any("add site_author: matei" in note for note in known.notes)


def test_a_workshop_recap_is_a_review_of_the_workshop_with_its_recording(empty_content: Path,
        tmp_path: Path) -> None:
    data = _data(_import(empty_content, tmp_path, "workshop.md", WORKSHOP))
    assert data["kind"] == "review"
    assert data["event"] == {"kind": "workshop", "name": "Certificates without tears"}
    assert data["recording"] == {"url": "https://example.org/workshops/certificates"}
    assert [s["kind"] for s in data["sections"]] == ["theme", "theme"] and "talks" not in data


@pytest.mark.parametrize(("title", "keywords", "headings", "speaker_lines", "kind"), [
    ("May community meeting recap", [], ["Keynote: the one we watched together"], 3, "meeting"),
    ("What we did in May", ["meetup"], ["Talk: a demo of the new CLI"], 0, "meeting"),
    ("Service mesh 2022 recap: what surprised us", [], ["Surprise #1"], 0, "review"),
    ("Our year in review", [], ["News"], 0, "review"),
    ("Workshop recap: Certificates without tears", [], ["News", "Roadmap"], 0, "review"),
    ("Linkerd at KubeCon EU 2019: benchmarks and more", ["community"], [], 0, "conference"),
    ("Notes from Amsterdam", [], ["Panel: meshes in the wild"], 0, "conference"),
    ("Notes from Amsterdam", [], ["Meshes in the wild"], 2, "conference"),
    ("What happened in May", [], ["News", "Roadmap", "Q&A"], 0, "meeting"),
    ("What happened in May", [], ["Community", "Events"], 0, "meeting"),
])
def test_the_recaps_kind_comes_from_what_the_post_says_of_itself(
        title: str, keywords: list[str], headings: list[str], speaker_lines: int, kind: str) -> None:
    found = recap_kind(title, keywords, headings, speaker_lines)
    assert found.kind == kind and found.reason


def test_reading_guests_stays_fast_on_a_long_run_of_capitalised_words() -> None:
    """A search for "Name, …, presented" once took 100 s on this paragraph (20,000 characters)."""
    started = time.perf_counter()
    section_guests("Notes", "other", "Abc, " * 4000 + " shared")
    section_guests("Convo with " + "Abc, " * 4000, "conversation", "Abc, " * 4000)
    assert time.perf_counter() - started < 5


def test_a_video_list_entry_that_is_no_url_is_passed_over(empty_content: Path, tmp_path: Path) -> None:
    post = MEETING.replace("embedUrl: https://youtu.be/AbCdEfGhIj0", 'embedUrl: "http://[not-a-host/"')
    data = _data(_import(empty_content, tmp_path, "meeting.md", post))
    # without the list naming it after the post, one of two videos is not known to be the meeting's
    assert _section(data, "Heroes")["recording"] == {"url": "https://youtu.be/AbCdEfGhIj0"}
    assert "recording" not in data


@pytest.mark.parametrize(("heading", "paragraph", "guests"), [
    ("Q&A with the Maintainers", "The maintainers answered questions.", []),
    ("Ask Me Anything with Linkerd Maintainers", "Everyone asked.", []),
    ("Community convo with Eli & Omri", "They joined the meeting.", ["Eli", "Omri"]),
    ("Deep dive with Dennis: shell completion", "Dennis talked about it.", ["Dennis"]),
    ("Roadmap", "Of course we also heard from Oliver Gould with some updates.", ["Oliver Gould"]),
    ("Linkerd, a year in review", "As Oliver Gould pointed out, releases matter.", []),
    ("September Hero", "We announced our hero, Ujjwal Goyal, who shared tips.", []),
])
def test_a_sections_guests_need_a_cue_and_are_people(heading: str, paragraph: str, guests: list[str]) -> None:
    kind = "hero" if "Hero" in heading else "other"
    assert [person.name for person in section_guests(heading, kind, paragraph)] == guests


def test_a_next_meeting_section_without_a_date_stays_a_section(empty_content: Path, tmp_path: Path) -> None:
    closing = MEETING[MEETING.index("That is all for March!"):]
    post = MEETING.replace(closing, "## Next meeting\n\nWe will pick an April day and say so on the list.\n")
    data = _data(_import(empty_content, tmp_path, "meeting.md", post))
    assert "next_meeting" not in data
    assert _section(data, "Next meeting")["body"].startswith("We will pick an April day")
