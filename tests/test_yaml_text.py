"""YAML the pipeline writes reads back exactly, under YAML 1.2 and YAML 1.1 alike."""

from __future__ import annotations

import pytest
import yaml

from pipeline.load import parse_yaml
from pipeline.yaml_text import dump_yaml

AWKWARD = ["0e0", "1e5", "0o17", "0x1F", ".5", "true", "False", "null", "~", "", "12", "1.10", "012",
           "yes", "NO", "on", "12:30", "2021-06-17", ".inf", ".nan", "a\u2028b", "line\x85break",
           "{{< x >}}", "- item", "# not a comment", "key: value", "'quoted'", "plain words"]


@pytest.mark.parametrize("text", AWKWARD)
def test_a_string_reads_back_as_the_same_string(text):
    written = dump_yaml({"value": text})
    doc, problems = parse_yaml("x.yaml", written.encode("utf-8"))  # our YAML 1.2 reader
    assert problems == [] and doc.data == {"value": text}, written
    assert yaml.safe_load(written) == {"value": text}, written  # and a YAML 1.1 reader


def test_dates_stay_quoted_for_yaml_1_1_readers_such_as_themes():
    assert dump_yaml({"date": "2021-06-17"}) == "date: '2021-06-17'\n"
