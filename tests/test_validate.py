"""Validation: the shipped content and valid fixtures pass; each invalid fixture yields
exactly the problems written in its `# expect:` lines; the schemas are sound."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONTENT, FIXTURES, ROOT
from jsonschema import Draft7Validator

from pipeline.load import load_content, load_file
from pipeline.validate import SCHEMA_NAMES, schema_path, schema_problems, validate_sources

INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))
INVALID_SETS = sorted(p for p in (FIXTURES / "invalid-sets").iterdir() if p.is_dir())
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
EXPECT = re.compile(rb"^# expect: (.*)$", re.MULTILINE)


def expected_lines(path: Path) -> list[str]:
    return [m.decode("utf-8") for m in EXPECT.findall(path.read_bytes())]


def problem_lines(content_dir: Path) -> dict[str, list[str]]:
    """Give each file's problems as `line:col path: message (hint)`, content paths relative;
    a warning reads `line:col warning: path: message (hint)`, as the text reporter writes it."""
    report = validate_sources(load_content(content_dir))
    prefix = f"{content_dir.resolve()}/"
    found: dict[str, list[str]] = {}
    for p in report.problems:
        severity = "" if p.is_error else "warning: "
        line = f"{p.line}:{p.column} {severity}{p.dotted_path}: {p.message}"
        line += f" ({p.hint})" if p.hint else ""
        found.setdefault(Path(p.file).name, []).append(line.replace(prefix, ""))
    return found


def test_the_shipped_content_is_valid():
    report = validate_sources(load_content(CONTENT))
    assert report.problems == ()
    assert report.files_checked == 3


def test_the_valid_fixtures_are_valid_together(make_content):
    report = validate_sources(load_content(make_content(VALID)))
    assert report.problems == ()
    assert report.files_checked == len(VALID) + 2


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_an_invalid_fixture_yields_exactly_its_expected_problems(fixture, make_content):
    expected = expected_lines(fixture)
    assert expected, f"{fixture.name} has no '# expect:' lines"
    assert problem_lines(make_content([fixture])) == {fixture.name: expected}


@pytest.mark.parametrize("case", INVALID_SETS, ids=lambda p: p.name)
def test_cross_file_rules_report_the_offending_file(case, make_content):
    registries = {name: case / f"{name}.yaml" for name in ("people", "site")}
    recaps = [p for p in sorted(case.glob("*.yaml")) if p.stem not in registries]
    content = make_content(recaps, *(p if p.exists() else None for p in registries.values()))
    expected = {p.name: expected_lines(p) for p in case.glob("*.yaml") if expected_lines(p)}
    assert expected, f"{case.name} has no '# expect:' lines"
    assert problem_lines(content) == expected


def test_two_recaps_may_share_a_slug_when_their_dates_set_the_posts_apart(make_content):
    content = make_content(sorted((FIXTURES / "invalid-sets" / "duplicate-url").glob("*.yaml")))
    later = content / "recaps" / "b.yaml"
    text = later.read_text(encoding="utf-8")
    assert 'date: "2024-05-03"' in text
    later.write_text(text.replace('date: "2024-05-03"', 'date: "2024-05-04"'), encoding="utf-8")
    assert problem_lines(content) == {}


def test_problems_in_many_files_are_all_reported_in_one_run(make_content):
    chosen = [FIXTURES / "invalid" / name for name in ("bad-enum.yaml", "not-utf8.yaml", "empty.yaml")]
    found = problem_lines(make_content(chosen))
    assert sorted(found) == ["bad-enum.yaml", "empty.yaml", "not-utf8.yaml"]


def test_renaming_a_person_id_reports_every_use(seed_content):
    people = seed_content / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace("\nwilliam-morgan:", "\nwilliam:"),
                      encoding="utf-8")
    found = problem_lines(seed_content)["2021-06-17-linkerd-at-kubecon-eu.yaml"]
    assert len(found) == 4
    assert all("'william-morgan' is not in content/people.yaml (did you mean 'william'?" in f for f in found)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_each_schema_is_a_valid_draft_07_schema(name):
    Draft7Validator.check_schema(json.loads(schema_path(name).read_text(encoding="utf-8")))


def _properties(node, trail=()):
    """Yield (trail, schema) for every property of every object in a schema."""
    if isinstance(node, dict):
        for key, prop in node.get("properties", {}).items():
            yield (*trail, key), prop
        for key, child in node.items():
            yield from _properties(child, (*trail, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _properties(child, (*trail, index))


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_property_has_a_title_description_and_example_for_editors(name):
    root = json.loads(schema_path(name).read_text(encoding="utf-8"))
    for trail, prop in _properties(root):
        target = prop
        if "$ref" in prop:
            target = {**root["definitions"][prop["$ref"].rsplit("/", 1)[-1]], **prop}
        missing = [key for key in ("title", "description", "examples") if key not in target]
        assert not missing, f"{name}: {'/'.join(map(str, trail))} lacks {missing}"


def _objects(node):
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for child in node.values():
            yield from _objects(child)
    elif isinstance(node, list):
        for child in node:
            yield from _objects(child)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_object_refuses_unknown_fields(name):
    root = json.loads(schema_path(name).read_text(encoding="utf-8"))
    for node in _objects(root):
        assert node.get("additionalProperties") is not True
        assert "additionalProperties" in node, node.get("title")


def _files_check_jsonschema_rejects(schema: str, files: list[Path]) -> set[str]:
    """Run the third-party validator once over `files`; give the names of those it rejects."""
    command = [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema_path(schema)),
               "--output-format", "json", *map(str, files)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    report = json.loads(result.stdout)
    assert report.get("parse_errors", []) == []
    return {Path(error["filename"]).name for error in report["errors"]}


def _schema_level(fixture: Path) -> bool:
    """Say whether the fixture loads cleanly and breaks the schema (not YAML or cross-file rules)."""
    doc, problems = load_file(fixture)
    return doc is not None and not problems and bool(schema_problems(doc, "recap"))


def test_check_jsonschema_agrees_on_every_schema_level_fixture():
    schema_level = [f for f in INVALID if _schema_level(f)]
    assert len(schema_level) >= 12
    valid = [*VALID, *CONTENT.glob("recaps/*.yaml")]
    rejected = _files_check_jsonschema_rejects("recap", [*schema_level, *valid])
    assert rejected == {f.name for f in schema_level}
    registries = {
        "people": [FIXTURES / "people.yaml", CONTENT / "people.yaml",
                   FIXTURES / "invalid-sets" / "bad-people" / "people.yaml"],
        "site": [FIXTURES / "site.yaml", CONTENT / "site.yaml",
                 FIXTURES / "invalid-sets" / "bad-site" / "site.yaml"],
    }
    for name, files in registries.items():
        rejected = {str(p) for p in files if p.name in _files_check_jsonschema_rejects(name, [p])}
        assert rejected == {str(files[-1])}, name


def test_every_invalid_fixture_is_exercised():
    on_disk = {p.name for p in (FIXTURES / "invalid").iterdir()}
    assert on_disk == {p.name for p in INVALID}, "only .yaml files belong in fixtures/invalid"
    assert ROOT.joinpath("tests", "fixtures", "invalid").is_dir()


def test_an_unknown_person_gets_the_three_closest_ids_and_the_inline_form(make_content, tmp_path):
    people = tmp_path / "people.yaml"
    people.write_text("".join(f'{key}:\n  name: "{key.title()}"\n' for key in
                              ("ada", "adam", "adele", "adrian", "bob")), encoding="utf-8")
    recap = tmp_path / "unknown-speaker.yaml"
    recap.write_text((FIXTURES / "invalid" / "unknown-person.yaml").read_text(encoding="utf-8")
                     .replace('"adaa"', '"ada"').replace('"nobody-at-all"', '"adal"'), encoding="utf-8")
    found = problem_lines(make_content([recap], people))
    assert found == {"unknown-speaker.yaml": [
        "14:9 talks[0].speakers[0]: 'adal' is not in content/people.yaml (did you mean 'ada', 'adam' or "
        """'adele'? or write the person inline: {name: "Full Name", affiliation: "Company"})"""]}


def test_an_unknown_author_is_not_offered_the_inline_form(make_content):
    found = problem_lines(make_content([FIXTURES / "invalid" / "unknown-person.yaml"]))
    assert found["unknown-person.yaml"][0].endswith("(did you mean 'ada'?)")
