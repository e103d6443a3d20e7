"""The command line as CI and maintainers use it: exit codes, report formats, `new`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, assemble_content

from pipeline.__main__ import main
from pipeline.load import load_file


def run_cli(*args: str, cwd: Path = ROOT,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, check=False)


def test_validate_exits_0_on_the_shipped_content():
    result = run_cli("validate")
    assert (result.returncode, result.stdout, result.stderr) == (0, "3 files valid\n", "")


def test_validate_exits_1_and_lists_located_problems(make_content):
    content = make_content([FIXTURES / "invalid" / "bad-enum.yaml", FIXTURES / "invalid" / "empty.yaml"])
    result = run_cli("validate", "--content", str(content))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "2 problems in 4 files"
    assert lines[0].endswith("recaps/bad-enum.yaml:12:11: talks[0].kind: \"keynot\" is not an allowed "
                             "kind of talk (did you mean 'keynote'? allowed: talk, panel, keynote, "
                             "lightning, workshop, demo, fireside)")
    assert "Traceback" not in result.stderr


def test_every_invalid_fixture_exits_1_without_a_traceback(make_content):
    content = make_content(sorted((FIXTURES / "invalid").glob("*.yaml")))
    result = run_cli("validate", "--content", str(content))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr


def test_github_format_gives_one_escaped_annotation_per_problem(make_content, tmp_path):
    odd = tmp_path / "odd, name: 100%.yaml"
    odd.write_text((FIXTURES / "invalid" / "bad-enum.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    content = make_content([odd, FIXTURES / "invalid" / "yaml-syntax-error.yaml"])
    result = run_cli("validate", "--content", str(content), "--format", "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("::error file=")
    assert "odd%2C name%3A 100%25.yaml,line=12,col=11,title=recap validation::talks[0].kind:" in lines[0]
    assert ",line=11,col=1," in lines[1]


def test_json_format_keeps_stdout_pure_json(make_content):
    content = make_content([FIXTURES / "invalid" / "unknown-field-typo.yaml"])
    result = run_cli("validate", "--content", str(content), "--format", "json")
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["problems"] == [{
        "file": document["problems"][0]["file"], "line": 10, "column": 1, "path": "tittle",
        "message": "unknown field 'tittle'", "hint": "did you mean 'title'?", "severity": "error",
    }]
    assert document["problems"][0]["file"].endswith("recaps/unknown-field-typo.yaml")


def test_text_output_has_no_colour_when_not_a_terminal(make_content):
    content = make_content([FIXTURES / "invalid" / "bad-enum.yaml"])
    assert "\x1b[" not in run_cli("validate", "--content", str(content)).stdout


def test_bad_flags_exit_2():
    assert run_cli("validate", "--format", "xml").returncode == 2
    assert run_cli("frobnicate").returncode == 2


def test_an_unknown_build_format_is_a_usage_error(tmp_path):
    result = run_cli("build", "--only", "docx", "--out", str(tmp_path / "dist"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: unknown output format 'docx'")
    assert not (tmp_path / "dist").exists()


def test_a_build_with_content_problems_exits_1_and_writes_nothing(make_content, tmp_path):
    content = make_content([FIXTURES / "invalid" / "bad-enum.yaml"])
    out = tmp_path / "dist"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1
    assert "build stopped: nothing was written" in result.stderr
    assert not out.exists()


def test_a_bad_source_date_epoch_is_a_usage_error(tmp_path):
    result = run_cli("build", "--out", str(tmp_path / "dist"), env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert result.returncode == 2
    assert "SOURCE_DATE_EPOCH must be a whole number" in result.stderr


def test_new_writes_a_valid_draft_with_a_modeline_and_a_fresh_id(seed_content, capsys):
    args = ["new", "--title", "June community meeting recap", "--kind", "meeting",
            "--date", "2021-07-01", "--content", str(seed_content)]
    assert main(args) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == seed_content / "recaps" / "2021-07-01-june-community-meeting-recap.yaml"
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        "# yaml-language-server: $schema=../../schema/recap.schema.json")
    doc, problems = load_file(path)
    assert problems == []
    assert doc.data["id"].startswith("urn:uuid:") and doc.data["draft"] is True
    assert doc.data["authors"] == ["jason"]
    assert run_cli("validate", "--content", str(seed_content)).returncode == 0


def test_new_conference_recap_validates_too(seed_content):
    assert main(["new", "--title", "KubeCon NA 2021", "--kind", "conference", "--date", "2021-10-20",
                 "--content", str(seed_content)]) == 0
    assert run_cli("validate", "--content", str(seed_content)).returncode == 0


def test_two_new_recaps_get_different_ids(seed_content):
    for slug in ("one", "two"):
        main(["new", "--title", "Same", "--slug", slug, "--date", "2021-07-01",
              "--content", str(seed_content)])
    ids = {load_file(p)[0].data["id"] for p in (seed_content / "recaps").glob("2021-07-01-*.yaml")}
    assert len(ids) == 2


def test_new_never_overwrites_or_takes_another_recaps_url(seed_content, capsys):
    existing = seed_content / "recaps" / "2021-06-17-linkerd-at-kubecon-eu.yaml"
    before = existing.read_bytes()
    code = main(["new", "--title", "Linkerd at KubeCon EU", "--date", "2021-06-17",
                 "--content", str(seed_content)])
    assert code == 2
    assert ("already lands at /2021/06/17/linkerd-at-kubecon-eu/ with the slug 'linkerd-at-kubecon-eu'"
            in capsys.readouterr().err)
    assert existing.read_bytes() == before


def test_new_reuses_a_slug_on_another_date_when_the_permalink_has_the_date(seed_content):
    assert main(["new", "--title", "Linkerd at KubeCon EU", "--date", "2022-05-19",
                 "--content", str(seed_content)]) == 0
    assert (seed_content / "recaps" / "2022-05-19-linkerd-at-kubecon-eu.yaml").is_file()


def test_new_starts_a_review_with_sections(seed_content):
    assert main(["new", "--title", "2022 in review", "--kind", "review", "--date", "2022-12-28",
                 "--content", str(seed_content)]) == 0
    text = (seed_content / "recaps" / "2022-12-28-2022-in-review.yaml").read_text(encoding="utf-8")
    assert 'kind: "review"' in text or "kind: review" in text
    assert "sections:" in text and "talks:" not in text


@pytest.mark.parametrize(("title", "message"), [
    ("!!!", "cannot use '' as a slug"),
    ("山田", "cannot use '' as a slug"),
])
def test_new_asks_for_a_slug_when_the_title_gives_none(seed_content, capsys, title, message):
    assert main(["new", "--title", title, "--content", str(seed_content)]) == 2
    assert message in capsys.readouterr().err


def test_schema_docs_are_up_to_date():
    result = run_cli("schema-docs", "--check")
    assert result.returncode == 0, result.stderr


def test_invoke_lists_every_task_with_a_description():
    result = subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    for name in ("build", "clean", "new", "schema-docs", "test", "validate"):
        line = next(line for line in result.stdout.splitlines() if line.strip().startswith(name))
        assert len(line.split()) > 1, f"task {name} has no description"


# --- warnings: reported by every reporter, never failing validation or a build ---------

DRAFT_WITH_PLACEHOLDERS = FIXTURES / "invalid" / "placeholder-in-a-draft.yaml"


def test_text_format_marks_warnings_and_exits_0(make_content):
    result = run_cli("validate", "--content", str(make_content([DRAFT_WITH_PLACEHOLDERS])))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].endswith('recaps/placeholder-in-a-draft.yaml:14:12: warning: talks[0].title: '
                             'is still a placeholder: "TODO: talk title" '
                             "(write the real text before setting draft: false)")
    assert lines[-1] == "3 files valid, 2 warnings"


def test_text_format_counts_errors_and_warnings_apart(make_content):
    content = make_content([DRAFT_WITH_PLACEHOLDERS, FIXTURES / "invalid" / "bad-enum.yaml"])
    result = run_cli("validate", "--content", str(content))
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "1 problem in 4 files, 2 warnings"


def test_github_format_gives_warnings_as_warning_annotations(make_content):
    result = run_cli("validate", "--content", str(make_content([DRAFT_WITH_PLACEHOLDERS])),
                     "--format", "github")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("::warning file=") for line in lines)
    assert "placeholder-in-a-draft.yaml,line=14,col=12,title=recap validation::talks[0].title:" in lines[0]


def test_json_format_gives_each_problem_its_severity(make_content, tmp_path):
    content = make_content([DRAFT_WITH_PLACEHOLDERS, FIXTURES / "invalid" / "bad-enum.yaml"])
    document = json.loads(run_cli("validate", "--content", str(content), "--format", "json").stdout)
    assert document["ok"] is False
    assert sorted((Path(p["file"]).name, p["severity"]) for p in document["problems"]) == [
        ("bad-enum.yaml", "error"),
        ("placeholder-in-a-draft.yaml", "warning"),
        ("placeholder-in-a-draft.yaml", "warning"),
    ]
    only_warnings = assemble_content(tmp_path / "warnings-only", [DRAFT_WITH_PLACEHOLDERS])
    document = json.loads(run_cli("validate", "--content", str(only_warnings), "--format", "json").stdout)
    assert document["ok"] is True
    assert [p["severity"] for p in document["problems"]] == ["warning", "warning"]


def test_a_build_with_warnings_publishes_and_reports_them(make_content, tmp_path):
    content = make_content([FIXTURES / "invalid" / "2024-05-01-file-name-date-differs.yaml"])
    out = tmp_path / "dist"
    result = run_cli("build", "--content", str(content), "--out", str(out), "--only", "json", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert "2024-05-01-file-name-date-differs.yaml:7:7: warning: date: is 2024-05-02, but the file name " \
           "says 2024-05-01 (rename 2024-05-01-file-name-date-differs.yaml to " \
           "2024-05-02-file-name-date-differs.yaml, or fix the date)" in result.stderr
    exports = [p.name for p in out.rglob("*file-name-date-differs.json")]
    assert exports == ["2024-05-02-file-name-date-differs.json"]


# --- new: --date, --help, and a skeleton that cannot publish by accident --------------

@pytest.mark.parametrize("day", ["2021-13-45", "yesterday", "2021-7-1"])
def test_new_with_a_bad_date_is_a_usage_error(seed_content, capsys, day):
    before = sorted((seed_content / "recaps").iterdir())
    assert main(["new", "--title", "July", "--date", day, "--content", str(seed_content)]) == 2
    assert f"--date must be YYYY-MM-DD, not {day!r}" in capsys.readouterr().err
    assert sorted((seed_content / "recaps").iterdir()) == before


def test_invoke_new_help_prints_the_tasks_help():
    result = subprocess.run([sys.executable, "-m", "invoke", "new", "--help"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Start content/recaps/<date>-<slug>.yaml" in result.stdout
    for flag in ("--title", "--date", "--kind", "--slug", "--author", "--content"):
        assert flag in result.stdout


def test_invoke_new_with_a_date_names_the_file_and_the_field(seed_content):
    result = subprocess.run([sys.executable, "-m", "invoke", "new", "--title", "July meetup",
                             "--date", "2021-07-29", "--content", str(seed_content)],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    path = seed_content / "recaps" / "2021-07-29-july-meetup.yaml"
    assert result.stdout.strip() == str(path)
    assert load_file(path)[0].data["date"] == "2021-07-29"


def test_invoke_new_without_a_title_is_a_usage_error(seed_content):
    result = subprocess.run([sys.executable, "-m", "invoke", "new", "--content", str(seed_content)],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "--title" in result.stderr


@pytest.mark.parametrize(("kind", "placeholders"), [
    ("meeting", ["summary", "intro", "sections[0].body", "sections[1].body", "sections[2].body",
                 "sections[3].body", "next_meeting.title"]),
    ("conference", ["summary", "intro", "talks[0].title", "talks[0].speakers[0].name", "talks[0].summary"]),
])
def test_a_skeleton_set_to_publish_fails_at_each_placeholder(seed_content, capsys, kind, placeholders):
    assert main(["new", "--title", "A recap", "--kind", kind, "--date", "2021-07-01",
                 "--content", str(seed_content)]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert run_cli("validate", "--content", str(seed_content)).returncode == 0  # a draft may wait
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("draft: true", "draft: false"), encoding="utf-8")
    result = run_cli("validate", "--content", str(seed_content), "--format", "json")
    assert result.returncode == 1
    problems = json.loads(result.stdout)["problems"]
    assert [p["path"] for p in problems] == placeholders
    lines = text.splitlines()
    for problem in problems:
        assert problem["severity"] == "error"
        assert problem["file"].endswith("recaps/2021-07-01-a-recap.yaml")
        assert "TODO:" in lines[problem["line"] - 1][problem["column"] - 1:] or \
            "TODO:" in lines[problem["line"]]  # a `|` block starts on the next line
        assert problem["message"].startswith('is still a placeholder: "TODO: ')


def test_the_meeting_skeleton_holds_a_complete_next_meeting(seed_content, capsys):
    main(["new", "--title", "A recap", "--date", "2021-07-01", "--content", str(seed_content)])
    doc, _ = load_file(Path(capsys.readouterr().out.strip()))
    assert doc.data["next_meeting"] == {
        "title": "TODO: the next meeting's name; check its start and time zone",
        "start": "2021-07-29T09:00:00-07:00", "time_zone": "America/Los_Angeles", "duration": "PT1H",
    }
