"""JSON exports: valid against the export schema, deterministic, complete enough to rebuild a
page, one record per person; and the schema.org JSON-LD next to them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import CONTENT, FIXTURES, assemble_content
from jsonschema import Draft7Validator

from pipeline.cache import ConversionStore
from pipeline.convert import Converter
from pipeline.load import load_content
from pipeline.model import Artifact, Catalog, Recap, Site, Takeaway
from pipeline.normalize import normalize
from pipeline.pandoc import READER, encode_document, numbers_across_documents, run_pandoc
from pipeline.render import json_export, json_indexes, json_records
from pipeline.render.document import markdown_fields
from pipeline.render.structured_data import json_ld
from pipeline.routes import Routes

SCHEMA = json.loads((CONTENT.parent / "schema" / "export.schema.json").read_text(encoding="utf-8"))
DEFINITION = {"json/index.json": "indexExport", "json/people.json": "peopleExport",
              "json/talks.json": "talksExport"}


def catalog_of(folder: Path) -> Catalog:
    return normalize(load_content(folder))


def documents(artifacts: Sequence[Artifact], catalog: Catalog) -> dict[str, Any]:
    """Give each document by the name it is served under, `json/...` below the site's
    files URL, which is also where it is written below the site's files folder."""
    files = Routes(catalog.site).file("")
    return {artifact.path.relative_to(files).as_posix(): json.loads(artifact.content)
            for artifact in artifacts}


@pytest.fixture(scope="module")
def seed() -> Catalog:
    return catalog_of(CONTENT)


@pytest.fixture(scope="module")
def seed_export(seed: Catalog, converter: Converter) -> dict[str, Any]:
    return documents(json_export.render(seed, converter), seed)


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    folder = tmp_path_factory.mktemp("fixtures") / "content"
    return catalog_of(assemble_content(folder, sorted((FIXTURES / "valid").glob("*.yaml"))))


@pytest.fixture(scope="module")
def fixtures_artifacts(fixtures: Catalog, converter: Converter) -> list[Artifact]:
    return json_export.render(fixtures, converter)


@pytest.fixture(scope="module")
def fixtures_export(fixtures: Catalog, fixtures_artifacts: list[Artifact]) -> dict[str, Any]:
    return documents(fixtures_artifacts, fixtures)


@cache
def validator(definition: str) -> Draft7Validator:
    schema = {"$ref": f"#/definitions/{definition}", "definitions": SCHEMA["definitions"]}
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def schema_errors(path: str, document: Any) -> list[str]:
    definition = DEFINITION.get(path, "recapExport")
    errors = validator(definition).iter_errors(document)
    return [f"{path} {list(error.absolute_path)}: {error.message}" for error in errors]


# --- the schema and the bytes --------------------------------------------------------------

def test_the_export_schema_is_a_valid_draft_07_schema() -> None:
    Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("export", ["seed_export", "fixtures_export"])
def test_every_export_validates_against_the_export_schema(export: str,
                                                          request: pytest.FixtureRequest) -> None:
    exported = request.getfixturevalue(export)
    json_files = {path: doc for path, doc in exported.items() if path.endswith(".json")}
    assert len(json_files) >= 4
    problems = [problem for path, doc in json_files.items() for problem in schema_errors(path, doc)]
    assert problems == []
    whole = Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)
    assert all(whole.is_valid(doc) for doc in json_files.values())


def test_the_schema_rejects_an_unknown_field_and_a_wrong_version(seed_export: dict[str, Any]) -> None:
    index = json.loads(json.dumps(seed_export["json/index.json"]))
    index["recaps"][0]["titel"] = "typo"
    index["schema_version"] = "1.0"
    messages = " ".join(schema_errors("json/index.json", index))
    assert "'titel' was unexpected" in messages and "'2.0' was expected" in messages


def test_every_json_file_says_its_schema_version(fixtures_export: dict[str, Any]) -> None:
    json_files = [doc for path, doc in fixtures_export.items() if path.endswith(".json")]
    assert {doc["schema_version"] for doc in json_files} == {json_export.SCHEMA_VERSION}


def test_rendering_twice_gives_the_same_bytes_in_the_same_order(fixtures: Catalog,
                                                               fixtures_artifacts: list[Artifact],
                                                               converter: Converter) -> None:
    again = json_export.render(fixtures, converter)
    assert [(a.path, a.content) for a in again] == [(a.path, a.content) for a in fixtures_artifacts]
    for artifact in again:
        text = artifact.content.decode("utf-8")
        assert artifact.format == "json"
        document = json.loads(text)
        assert "\r" not in text and text.endswith("}\n")
        # one line per top-level field and per entry of a list or map, in sorted order
        lines = text.splitlines()
        keys = [line[2:].split(":", 1)[0] for line in lines if line.startswith('  "')]
        assert keys == [json.dumps(key) for key in sorted(document)]
        entries = [line.strip().rstrip(",") for line in lines if line.startswith("    ")]
        listed = [value for value in document.values() if isinstance(value, (list, dict))]
        expected = [item for value in listed
                    for item in (value if isinstance(value, list) else value.items())]
        for entry, item in zip(entries, expected, strict=True):
            if isinstance(item, tuple):  # a map's entry: "key": {...}
                assert json.loads("{" + entry + "}") == dict([item])
            else:
                assert json.loads(entry) == item


def test_the_index_lists_every_recap_newest_first(fixtures: Catalog, fixtures_export: dict[str, Any]) -> None:
    entries = fixtures_export["json/index.json"]["recaps"]
    assert [e["slug"] for e in entries] == [recap.slug for recap in fixtures.recaps]
    assert [e["date"] for e in entries] == sorted((e["date"] for e in entries), reverse=True)
    assert {f"json/recaps/{e['date']}-{e['slug']}.json" for e in entries} <= set(fixtures_export)


# --- the seed ------------------------------------------------------------------------------

def test_the_seed_talks_are_listed_for_search_and_point_at_their_whole_record(
    seed_export: dict[str, Any],
) -> None:
    recap = seed_export["json/recaps/2021-06-17-linkerd-at-kubecon-eu.json"]
    talks = seed_export["json/talks.json"]["talks"]
    assert len(recap["talks"]) == len(talks) == recap["stats"]["talk_count"] == 11
    assert [e["id"] for e in seed_export["json/index.json"]["recaps"]] == [recap["id"]]
    for talk in talks:
        whole = recap["talks"][talk["position"] - 1]
        assert talk["recap"] == recap["id"]
        assert (talk["title"], talk["kind"], talk["track"]) == (whole["title"], whole["kind"], whole["track"])
        assert talk["speakers"] == [speaker["key"] for speaker in whole["speakers"]]
        assert talk["watch_url"] == whole["recording"]["watch_url"]
    assert talks[0]["watch_url"] == "https://youtu.be/BWL4889RKhU"
    assert "borrow checker makes concurrency safe" in talks[0]["summary_text"]
    assert "<" not in talks[0]["summary_text"]


@pytest.mark.parametrize("export", ["seed_export", "fixtures_export"])
def test_each_speaker_talks_json_names_has_one_record_in_people_json_that_lists_the_talk(
    export: str, request: pytest.FixtureRequest,
) -> None:
    exported = request.getfixturevalue(export)
    people = exported["json/people.json"]["people"]
    talks = exported["json/talks.json"]["talks"]
    assert all(isinstance(key, str) for talk in talks for key in talk["speakers"])
    for talk in talks:
        for key in talk["speakers"]:
            given = [(t["recap"]["id"], t["position"]) for t in people[key]["talks"]]
            assert (talk["recap"], talk["position"]) in given
    assert "Harriet Stone" not in json.dumps(exported["json/talks.json"])


def test_a_takeaway_and_its_points_are_one_line_of_search_text(fixtures: Catalog,
                                                               converter: Converter) -> None:
    recap = next(r for r in fixtures.recaps if r.slug == "zoe-nandu-talk-tokyo")
    takeaway = Takeaway("Start with *audit* mode", ("watch the `denials`", "then enforce"))
    talk = replace(recap.talks[0], takeaways=(takeaway,))
    html = json_records.html_of([talk.summary, takeaway.text, *takeaway.points], converter)
    entry = json_indexes.talk_entry(recap, talk, 1, html)
    assert entry["takeaways_text"] == ["Start with audit mode watch the denials then enforce"]
    whole = documents(json_export.render(fixtures, converter), fixtures)["json/talks.json"]["talks"]
    texts = [t["takeaways_text"] for t in whole if t["recap"] == recap.id and t["takeaways_text"]]
    assert texts == [["Cache keys must include the tenant",
                      "Negative caching is a double-edged sword — use it sparingly",
                      "Measure before you cache — always"]]


def test_every_seed_speaker_comes_with_the_registry_record(seed: Catalog,
                                                            seed_export: dict[str, Any]) -> None:
    recap = seed_export["json/recaps/2021-06-17-linkerd-at-kubecon-eu.json"]
    speakers = [s for talk in recap["talks"] for s in talk["speakers"]]
    assert len({s["key"] for s in speakers}) == recap["stats"]["speaker_count"] == 20
    for speaker in speakers:
        person = seed.people[speaker["id"]]
        assert (speaker["name"], speaker["affiliation"], speaker["role"]) == (
            person.name, person.affiliation, person.role)
    hüning = next(s for s in speakers if s["id"] == "christian-huning")
    assert hüning["label"] == "Christian Hüning (Finleap Connect)"


def test_the_same_person_across_talks_is_one_record(seed_export: dict[str, Any]) -> None:
    people = seed_export["json/people.json"]["people"]
    william = people["william-morgan"]
    assert william["name"] == "William Morgan" and william["affiliation"] == "Buoyant"
    assert william["talk_count"] == 4
    assert [t["position"] for t in william["talks"]] == [2, 7, 10, 11]
    assert sum(p["name"] == "William Morgan" for p in people.values()) == 1
    assert [r["slug"] for r in people["jason"]["authored"]] == ["linkerd-at-kubecon-eu"]


def test_a_page_can_be_rebuilt_from_the_recap_json_alone(seed_export: dict[str, Any],
                                                         converter: Converter) -> None:
    recap = seed_export["json/recaps/2021-06-17-linkerd-at-kubecon-eu.json"]
    summaries = [talk["summary"] for talk in recap["talks"]]
    expected = converter.markdown_to(summaries, "html", *json_export.HTML_OPTIONS)
    assert [talk["summary_html"] for talk in recap["talks"]] == expected
    assert all(talk["summary_html"].startswith("<p>") for talk in recap["talks"])
    assert "<strong>Linkerd Anchor program</strong>" in recap["calls_to_action"][0]["text_html"]
    assert recap["intro_html"].count("<p>") == 2 and recap["closing_html"].startswith("<p>")
    takeaway = recap["talks"][3]["takeaways_html"][1]
    assert takeaway == "<p>Standardized metrics make experimentation simpler</p>\n"
    meeting = recap["next_meeting"]
    assert meeting["times_text"] == "9 a.m. PT / 12 p.m. ET"
    assert [z["start"] for z in meeting["display_zones"]] == ["2021-06-24T09:00:00-07:00",
                                                               "2021-06-24T12:00:00-04:00"]
    assert recap["stats"]["reading_time_minutes"] == 6


def test_the_recap_links_its_other_outputs(seed_export: dict[str, Any]) -> None:
    urls = seed_export["json/recaps/2021-06-17-linkerd-at-kubecon-eu.json"]["urls"]
    # The post follows the site's permalink; every file is served below its files_path.
    assert urls["post"] == "https://linkerd.io/2021/06/17/linkerd-at-kubecon-eu/"
    assert urls["pdf"] == "https://linkerd.io/recaps/pdf/2021-06-17-linkerd-at-kubecon-eu.pdf"
    assert urls["json"] == "https://linkerd.io/recaps/json/recaps/2021-06-17-linkerd-at-kubecon-eu.json"
    assert urls["feeds"]["atom"] == "https://linkerd.io/recaps/feeds/atom.xml"
    assert urls["calendar"] == "https://linkerd.io/recaps/calendar/2021-06-17-linkerd-at-kubecon-eu.ics"
    assert urls["json_ld"] == "https://linkerd.io/recaps/json/ld/2021-06-17-linkerd-at-kubecon-eu.jsonld"
    assert [feed["tag"] for feed in urls["tag_feeds"]] == ["community", "kubecon"]
    assert urls["tag_feeds"][1]["rss"] == "https://linkerd.io/recaps/feeds/tags/kubecon/rss.xml"
    assert (urls["aliases"], urls["cover"], urls["images"]) == ([], None, [])


def test_the_exports_are_written_where_their_urls_serve_them(seed: Catalog, converter: Converter) -> None:
    paths = [artifact.path.as_posix() for artifact in json_export.render(seed, converter)]
    assert paths == [
        "hugo/static/recaps/json/recaps/2021-06-17-linkerd-at-kubecon-eu.json",
        "hugo/static/recaps/json/ld/2021-06-17-linkerd-at-kubecon-eu.jsonld",
        "hugo/static/recaps/json/index.json", "hugo/static/recaps/json/people.json",
        "hugo/static/recaps/json/talks.json",
    ]


def test_all_markdown_of_all_recaps_costs_a_pandoc_run_to_read_and_one_to_write(fixtures: Catalog) -> None:
    """However many recaps there are; only a field with footnotes or a highlighted code
    block is written on its own, since writers number those across a document."""
    runs: list[tuple[str, ...]] = []

    def counting(source: str, *args: str) -> str:
        runs.append(args)
        return run_pandoc(source, *args)

    converter = Converter(jobs=1, run=counting)
    json_export.render(fixtures, converter)
    fields = list(dict.fromkeys(f for recap in fixtures.recaps for f in markdown_fields(recap)))
    documents = [encode_document(blocks) for blocks in converter.read(fields)]  # read: no run more
    alone = sum(1 for document in documents if numbers_across_documents(document))
    assert alone
    assert [args[:4] for args in runs] == [
        ("-f", READER, "-t", "json"),
        *[("-f", "json", "-t", "html")] * (1 + alone),
    ]


# --- the fixtures: people written inline, series, sections ---------------------------------

def test_inline_people_get_a_key_that_no_registry_id_can_take(fixtures_export: dict[str, Any]) -> None:
    people = fixtures_export["json/people.json"]["people"]
    assert people["inline:harriet-stone"]["affiliation"] == "Example Cloud"
    assert people["inline:harriet-stone"]["id"] is None
    assert people["inline:鈴木-花子"]["role"] == "教授"
    assert people["inline:sam-rivera"]["sections"][0]["title"] == "Community conversation"
    assert people["zoe-nunez"]["sections"][0]["recap"]["slug"] == "march-community-meeting-recap"


def test_series_neighbours_are_the_published_parts(fixtures: Catalog,
                                                   fixtures_export: dict[str, Any],
                                                   converter: Converter) -> None:
    first = fixtures_export["json/recaps/2023-10-19-autumn-summit-recap-part-1.json"]["series"]
    second = fixtures_export["json/recaps/2023-10-26-autumn-summit-recap-part-2.json"]["series"]
    assert first["previous"] is None
    assert first["next"]["title"] == "Autumn Summit Recap, Part 2"
    assert first["next"]["url"] == "https://recaps.example.org/blog/2023/1026-autumn-summit-recap-part-2/"
    assert second["previous"]["part"] == 1 and second["next"] is None
    only_first = Catalog(fixtures.site, fixtures.people,
                         tuple(r for r in fixtures.recaps if r.slug != "autumn-summit-recap-part-2"))
    alone = documents(json_export.render(only_first, converter), only_first)[
        "json/recaps/2023-10-19-autumn-summit-recap-part-1.json"]
    assert alone["series"]["next"] is None and len(alone["series"]["published_parts"]) == 1


def test_sections_keep_their_markdown_as_html(fixtures_export: dict[str, Any]) -> None:
    recap = fixtures_export["json/recaps/2024-03-14-march-community-meeting-recap.json"]
    news, roadmap = recap["sections"][0], recap["sections"][1]
    assert '<a href="https://recaps.example.org/releases/3.2/">release notes</a>' in news["body_html"]
    assert "<li>Smaller proxy images.</li>" in roadmap["body_html"]
    assert recap["recording"]["duration"] == "PT1H2M30S"
    assert recap["stats"]["section_count"] == 4 and recap["urls"]["series_feed"] is None


def test_a_recap_without_next_meeting_has_no_calendar_url(fixtures_export: dict[str, Any]) -> None:
    recap = fixtures_export["json/recaps/2024-05-02-one-talk-recap.json"]
    assert recap["next_meeting"] is None and recap["urls"]["calendar"] is None
    assert recap["intro"] is None and recap["intro_html"] is None and recap["tags"] == []


# --- JSON-LD -------------------------------------------------------------------------------

def test_the_json_ld_file_is_the_structured_data_dict(seed: Catalog, seed_export: dict[str, Any]) -> None:
    structured_data = seed_export["json/ld/2021-06-17-linkerd-at-kubecon-eu.jsonld"]
    assert structured_data == json_ld(seed.recaps[0], seed.site)


def test_the_seed_json_ld_is_a_blog_posting_with_videos_and_the_next_meeting(
    seed_export: dict[str, Any],
) -> None:
    post = seed_export["json/ld/2021-06-17-linkerd-at-kubecon-eu.jsonld"]
    assert (post["@context"], post["@type"]) == ("https://schema.org", "BlogPosting")
    assert post["headline"] == "Linkerd at KubeCon EU"
    assert post["datePublished"] == post["dateModified"] == "2021-06-17T00:00:00+00:00"
    assert post["mainEntityOfPage"]["@id"] == post["url"] == "https://linkerd.io/2021/06/17/linkerd-at-kubecon-eu/"
    assert post["description"] == ("Every Linkerd talk, panel and keynote from KubeCon + CloudNativeCon "
                                   "Europe 2021, with its recording.")
    assert post["publisher"]["url"] == "https://linkerd.io/"
    assert post["author"][0] == {"@type": "Person", "name": "Jason Morgan", "jobTitle": "Tech Evangelist",
                                 "affiliation": {"@type": "Organization", "name": "Buoyant"}}
    assert post["keywords"] == ["community", "kubecon"]
    assert len(post["video"]) == 11
    assert post["video"][0] == {
        "@type": "VideoObject", "name": "Why the future of the cloud will be built on Rust",
        "description": post["video"][0]["description"], "url": "https://youtu.be/BWL4889RKhU",
        "embedUrl": "https://www.youtube.com/embed/BWL4889RKhU",
        "thumbnailUrl": "https://i3.ytimg.com/vi/BWL4889RKhU/maxresdefault.jpg",
        "uploadDate": "2021-05-14", "duration": "PT31M26S",
    }
    meeting = post["mentions"]
    assert meeting["@type"] == "Event" and meeting["startDate"] == "2021-06-24T09:00:00-07:00"
    assert meeting["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert meeting["url"].startswith("https://community.cncf.io/events/details/")
    assert meeting["organizer"] == {"@type": "Organization", "name": "Linkerd", "url": "https://linkerd.io/"}
    assert "schema_version" not in json.dumps(post)


def test_search_text_keeps_words_that_markup_splits() -> None:
    html = "<p>Hello <em>wor</em>ld &amp; more</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
    assert json_records.html_text(html) == "Hello world & more one two"


def test_the_indexes_joined_from_stored_pieces_are_the_indexes_made_afresh(
    fixtures: Catalog, fixtures_artifacts: list[Artifact], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    afresh = {a.path.name: a.content for a in fixtures_artifacts if a.recap_id is None}
    assert {"index.json", "people.json", "talks.json"} <= set(afresh)
    store = ConversionStore(tmp_path)
    first_build = Converter(store)
    first = {a.path.name: a.content for a in json_indexes.render_site(fixtures, first_build)}
    assert first == afresh
    store.save(first_build.new_conversions())
    monkeypatch.setattr(json_indexes, "recap_piece", None)  # a second build must not make any again
    again = {a.path.name: a.content for a in json_indexes.render_site(fixtures, Converter(store))}
    assert again == first


def test_after_one_recap_changes_only_its_piece_is_made_again(fixtures: Catalog, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = ConversionStore(tmp_path)
    first_build = Converter(store)
    json_indexes.render_site(fixtures, first_build)
    store.save(first_build.new_conversions())
    edited = replace(fixtures.recaps[1], title="A new title")
    catalog = replace(fixtures, recaps=(fixtures.recaps[0], edited, *fixtures.recaps[2:]))
    made: list[str] = []
    real = json_indexes.recap_piece

    def counting(recap: Recap, site: Site, html: Mapping[str, str]) -> json_indexes.RecapPiece:
        made.append(recap.title)
        return real(recap, site, html)

    monkeypatch.setattr(json_indexes, "recap_piece", counting)
    joined = documents(json_indexes.render_site(catalog, Converter(store)), catalog)
    assert made == ["A new title"]
    assert joined == documents(json_indexes.render_site(catalog, Converter()), catalog)
    assert joined["json/index.json"]["recaps"][1]["title"] == "A new title"
    authored = [ref["title"] for person in joined["json/people.json"]["people"].values()
                for ref in person["authored"]]
    assert "A new title" in authored and fixtures.recaps[1].title not in authored


def test_a_talk_given_another_track_changes_talks_and_people_but_not_the_index(fixtures: Catalog,
                                                                              converter: Converter) -> None:
    recap = next(r for r in fixtures.recaps if r.talks)
    moved = replace(recap, talks=(replace(recap.talks[0], track="Another track"), *recap.talks[1:]))
    catalog = replace(fixtures, recaps=tuple(moved if r is recap else r for r in fixtures.recaps))
    before = {a.path.name: a.content for a in json_indexes.render_site(fixtures, converter)}
    after = {a.path.name: a.content for a in json_indexes.render_site(catalog, converter)}
    assert {name for name in before if before[name] != after[name]} == {"talks.json", "people.json"}
