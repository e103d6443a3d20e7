"""The benchmark is not a test, but it must keep working and judge its numbers right: a tiny
run of each mode, and the targets table on made-up medians."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from pipeline import bench
from pipeline.bench_targets import (
    COLD_ALL,
    COLD_TEXT,
    FEEDS_COMMENT,
    FLOOR,
    NO_OP,
    ONE_PERSON,
    ONE_RECAP,
    ONE_RECAP_SERVE,
    OURS_FOR_PEER,
    PEER,
    PIECE_FORMATS,
    floor_of,
    median_results,
    rows,
    table,
)

FEEDS_MODULE = ROOT / "pipeline" / "render" / "feeds.py"


def run_bench(*args: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "pipeline.bench", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_a_tiny_run_times_every_scenario_and_leaves_the_checkout_alone():
    feeds_module = FEEDS_MODULE.read_bytes()
    report = run_bench("--recaps", "3", "--runs", "1", "--jobs", "1")
    assert FEEDS_MODULE.read_bytes() == feeds_module  # the comment went into the run's copy
    scenarios = report["scenarios"]
    assert set(scenarios) == {FLOOR, COLD_ALL, NO_OP, ONE_RECAP, ONE_RECAP_SERVE, ONE_PERSON,
                              FEEDS_COMMENT, COLD_TEXT}
    cold = scenarios[COLD_ALL]
    assert cold["outputs_written"] == cold["outputs"] > 3 * 5
    assert cold["talks_json_bytes"] > 3 * 11 * 100  # eleven talks a recap
    assert scenarios[NO_OP]["outputs_written"] == 0
    assert set(scenarios[NO_OP]["stages"]) == {"load"}  # stopped after hashing
    edited = scenarios[ONE_RECAP]["written_per_format"]
    assert (edited["markdown"], edited["pdf"]) == (1, 1)  # the edited recap's post and handout only
    assert scenarios[ONE_RECAP_SERVE]["seconds"] > 0, scenarios[ONE_RECAP_SERVE]
    assert scenarios[FEEDS_COMMENT]["rerendered"].get("feeds", 0) > 0  # its code changed
    assert set(scenarios[COLD_TEXT]["written_per_format"]) == {"markdown", "feeds", "json"}
    assert 0 < scenarios[FLOOR]["text_floor"] < scenarios[FLOOR]["seconds"]
    assert [row["scenario"] for row in report["rows"]][:3] == [FLOOR, COLD_ALL, COLD_TEXT]
    assert {row["verdict"] for row in report["rows"]} <= {"pass", "FAIL", "-"}


def test_the_pieces_are_timed_and_each_says_which_formats_need_it():
    pieces = run_bench("--recaps", "3", "--pieces", "--jobs", "1")["pieces"]
    assert {"pandoc read (every field)", "pandoc gfm (posts)", "typst compile (handouts)"} <= set(pieces)
    assert pieces["sum"] > 0
    assert set(pieces) - {"sum"} == set(PIECE_FORMATS)  # else a format set's floor is guessed


PIECES = {"pandoc read (every field)": 8.0, "pandoc gfm (posts)": 9.0, "pandoc html (fields, json)": 6.0,
          "pandoc typst (fields, pdf)": 8.0, "typst compile (handouts)": 19.0, "sum": 50.0}


def test_a_format_sets_floor_is_the_pieces_it_needs():
    assert floor_of(PIECES, ("markdown", "feeds", "json")) == 23.0  # no typst
    assert floor_of(PIECES, ("pdf",)) == 35.0  # the read, the typst markup, the layout
    assert floor_of(PIECES, ("calendar",)) == 8.0  # validation reads every field


def test_a_piece_nobody_mapped_counts_for_every_format_set_and_is_named(capsys):
    assert floor_of({**PIECES, "pandoc one pass (every form)": 4.0}, ("markdown",)) == 21.0
    assert "'pandoc one pass (every form)' is not in PIECE_FORMATS" in capsys.readouterr().err


def test_a_unit_renders_again_when_its_key_changes_or_it_is_new():
    before = {"feeds *": "k1", "pdf urn:a": "k2", "json urn:a": "k3"}
    after = {"feeds *": "k1'", "pdf urn:a": "k2", "json urn:a": "k3", "json urn:b": "k4"}
    assert bench.rerendered(before, after) == {"feeds": 1, "json": 1}


def test_the_median_run_is_reported_with_every_runs_time():
    runs = [{NO_OP: {"seconds": s, "run": i}} for i, s in enumerate((0.30, 0.10, 0.20))]
    median = median_results(runs)[NO_OP]
    assert (median["seconds"], median["run"], median["all_seconds"]) == (0.20, 2, [0.30, 0.10, 0.20])


def test_a_scenario_one_run_could_not_time_is_not_measured():
    runs = [{ONE_RECAP_SERVE: {"seconds": 0.2}}, {ONE_RECAP_SERVE: {"seconds": None, "not_measured": "why"}}]
    assert median_results(runs)[ONE_RECAP_SERVE]["seconds"] is None
    runs.reverse()
    assert median_results(runs)[ONE_RECAP_SERVE]["not_measured"] == "why"


def medians() -> dict[str, dict[str, Any]]:
    """Made-up medians at 1,000 recaps: every target just met."""
    return {
        FLOOR: {"seconds": 35.0, "text_floor": 20.0, "all_seconds": [35.0]},
        COLD_ALL: {"seconds": 40.25, "talks_json_bytes": 10_000_000, "all_seconds": [40.25]},
        COLD_TEXT: {"seconds": 23.0, "all_seconds": [23.0]},
        NO_OP: {"seconds": 0.2, "all_seconds": [0.2]},
        ONE_RECAP: {"seconds": 1.0, "all_seconds": [1.0]},
        ONE_RECAP_SERVE: {"seconds": 0.3, "all_seconds": [0.3]},
        ONE_PERSON: {"seconds": 5.0, "all_seconds": [5.0]},
        FEEDS_COMMENT: {"seconds": 3.0, "rerendered": {"feeds": 40}, "all_seconds": [3.0]},
    }


def verdicts(results: dict[str, dict[str, Any]], recaps: int = 1000) -> dict[str, str]:
    return {row.scenario: row.verdict for row in rows(results, recaps)}


def test_every_target_met_exactly_passes():
    assert verdicts(medians()) == {FLOOR: "pass", COLD_ALL: "pass", COLD_TEXT: "pass", NO_OP: "pass",
                                   ONE_RECAP: "pass", ONE_RECAP_SERVE: "pass", FEEDS_COMMENT: "pass",
                                   "talks.json size": "pass", ONE_PERSON: "-"}


@pytest.mark.parametrize(("scenario", "result"), [
    (FLOOR, {"seconds": 35.1, "text_floor": 20.0}),
    (COLD_ALL, {"seconds": 40.3, "talks_json_bytes": 10_000_000}),  # 1.151 x the floor
    (COLD_TEXT, {"seconds": 23.1}),
    (NO_OP, {"seconds": 0.21}),
    (ONE_RECAP, {"seconds": 1.01}),
    (ONE_RECAP_SERVE, {"seconds": 0.31}),
    (FEEDS_COMMENT, {"seconds": 60.0, "rerendered": {"feeds": 40, "pdf": 1000}}),
    (FEEDS_COMMENT, {"seconds": 0.2, "rerendered": {}}),  # feeds' own code changed: they must rebuild
    ("talks.json size", {"seconds": 40.25, "talks_json_bytes": 10_000_001}),
])
def test_a_miss_fails_its_row_only(scenario, result):
    results = medians()
    results[COLD_ALL if scenario == "talks.json size" else scenario] = result
    failed = {name for name, verdict in verdicts(results).items() if verdict == "FAIL"}
    assert failed == {scenario}


def test_the_floor_and_the_size_scale_with_the_recaps_the_rest_do_not():
    at_100 = {row.scenario: row for row in rows(medians(), 100)}
    assert (at_100[FLOOR].target, at_100[FLOOR].verdict) == ("<= 3.5 s", "FAIL")
    assert (at_100["talks.json size"].target, at_100["talks.json size"].verdict) == ("<= 1 MB", "FAIL")
    assert (at_100[NO_OP].target, at_100[COLD_ALL].target) == ("<= 0.2 s", "<= 1.15 x floor")


def test_the_peer_row_needs_ours_three_times_faster():
    results = medians()
    results[OURS_FOR_PEER] = {"seconds": 10.0, "all_seconds": [10.0]}
    results[PEER] = {"seconds": 30.0, "all_seconds": [30.0]}
    peer_row = rows(results, 1000)[-1]
    assert (peer_row.now, peer_row.target, peer_row.verdict) == ("30.00 s = 3.00 x ours (10.00 s)",
                                                                 ">= 3 x ours", "pass")
    results[PEER] = {"seconds": 29.9, "all_seconds": [29.9]}
    assert rows(results, 1000)[-1].verdict == "FAIL"


def test_the_table_shows_now_target_and_verdict_on_one_line_per_scenario():
    results = medians()
    results[ONE_RECAP_SERVE] = {"seconds": None, "not_measured": "serve has no rebuild"}
    lines = table(results, 1000, 2).splitlines()
    assert lines[0].split() == ["scenario", "now", "(median)", "target", "runs"]
    assert len(lines) == 1 + 9 + 1  # heading, scenarios, the note on scaling
    cold = next(line for line in lines if line.startswith(COLD_ALL))
    assert cold.split("  ")[0] == COLD_ALL
    assert "40.25 s = 1.15 x floor (35.00 s)" in cold
    assert cold.split()[-2:] == ["pass", "40.25"]
    serve = next(line for line in lines if line.startswith(ONE_RECAP_SERVE))
    assert "not measured: serve has no rebuild" in serve
    assert "<= 0.3 s" in serve
    assert "pass" not in serve
    assert "FAIL" not in serve
    comment = next(line for line in lines if line.startswith(FEEDS_COMMENT))
    assert "rendered again: feeds 40" in comment


def test_the_peer_without_the_bench_extra_is_one_line_and_exit_2(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pelican", None)  # as if Pelican were not installed
    assert bench.main(["--peer", "--recaps", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "the peer needs Pelican and its pandoc reader: pip install -e '.[bench]'\n"


@pytest.mark.skipif(importlib.util.find_spec("pelican") is None, reason="needs the bench extra")
def test_pelican_with_its_pandoc_reader_publishes_every_one_of_our_posts(tmp_path: Path):
    code = bench.copy_code(tmp_path / "code")
    content = bench.write_content(tmp_path / "content", 2)
    timed = bench.peer(tmp_path, code, content, 1)
    assert timed[PEER]["posts"] == timed[PEER]["articles"] == 2
    assert timed[PEER]["seconds"] > 0 < timed[OURS_FOR_PEER]["seconds"]
    article = (tmp_path / "pelican-site" / "synthetic-recap-0.html").read_text(encoding="utf-8")
    assert "<h2 id=" in article  # pandoc made the talks' headings
    assert (tmp_path / "pelican-site" / "feeds" / "all.atom.xml").is_file()
