"""The benchmark is not a test, but it must keep working: a tiny run of each mode."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def run_bench(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "pipeline.bench", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_scenarios_build_and_rebuild_only_what_changed():
    report = run_bench("--recaps", "6", "--repeat", "1", "--jobs", "1")
    scenarios = report["scenarios"]
    assert set(scenarios) == {"cold, all formats", "no-op rebuild", "one recap changed",
                              "one person changed", "cold, markdown+feeds+json"}
    cold = scenarios["cold, all formats"]
    assert cold["outputs_written"] == cold["outputs"] > 6 * 5
    assert scenarios["no-op rebuild"]["outputs_written"] == 0
    assert set(scenarios["no-op rebuild"]["stages"]) == {"load"}  # stopped after hashing
    assert 0 < scenarios["one recap changed"]["outputs_written"] < cold["outputs"] / 2


def test_the_pieces_are_timed():
    pieces = run_bench("--recaps", "3", "--pieces", "--jobs", "1")["pieces"]
    assert {"pandoc read (every field)", "pandoc gfm (posts)", "typst compile (handouts)"} <= set(pieces)
    assert pieces["sum"] > 0
