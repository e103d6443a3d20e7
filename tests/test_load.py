"""The strict YAML loader: YAML 1.2 core scalars, positions, and fast failure on abuse."""

from __future__ import annotations

import time

import pytest

from pipeline.load import MAX_FILE_BYTES, parse_yaml, resolve_plain_scalar
from pipeline.model import Position


def load(text: str | bytes):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return parse_yaml("x.yaml", raw)


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("true", True), ("False", False), ("null", None), ("~", None), ("", None),
        ("42", 42), ("-7", -7), ("0o17", 15), ("0x1F", 31), ("1.5", 1.5), ("1e3", 1000.0),
        # YAML 1.1 readers turn these into booleans, sexagesimals, octals and dates:
        ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("NO", "NO"), ("y", "y"),
        ("12:30", "12:30"), ("2021-06-17", "2021-06-17"), ("012", "012"), ("0012.5", "0012.5"),
        ("1_000", "1_000"), (".", "."), ("+", "+"),
    ],
)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(plain, expected):
    assert resolve_plain_scalar(plain) == expected
    assert type(resolve_plain_scalar(plain)) is type(expected)


def test_quoted_scalars_are_always_strings():
    doc, problems = load('a: "true"\nb: \'42\'\nc: |\n  null\n')
    assert problems == []
    assert doc.data == {"a": "true", "b": "42", "c": "null\n"}


def test_every_value_and_key_keeps_its_line_and_column():
    doc, _ = load("title: x\ntalks:\n  - title: y\n    speakers: [a, b]\n")
    assert doc.position(("title",)) == Position(1, 8)
    assert doc.position(("talks", 0, "title")) == Position(3, 12)
    assert doc.position(("talks", 0, "speakers", 1)) == Position(4, 19)
    assert doc.key_position(("talks", 0, "speakers")) == Position(4, 5)
    # a path that was never written falls back to its nearest written ancestor
    assert doc.position(("talks", 0, "summary")) == Position(3, 5)


def test_duplicate_keys_are_reported_with_both_lines():
    doc, problems = load("title: a\nslug: b\ntitle: c\n")
    assert [(p.line, p.column, p.message, p.hint) for p in problems] == [
        (3, 1, "duplicate key 'title'", "it is already set on line 1; keep one")
    ]
    assert doc is not None


def test_a_non_string_key_is_reported():
    _, problems = load("1: a\n")
    assert problems[0].message == "key '1' is read as a number, not a string"


def test_a_byte_order_mark_is_accepted():
    doc, problems = load(b"\xef\xbb\xbftitle: x\n")
    assert problems == [] and doc.data == {"title": "x"}


def test_an_alias_bomb_fails_fast():
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for parent, child in zip("abcdefghi", "bcdefghij", strict=True):
        lines.append(f"{child}: &{child} [" + ", ".join([f"*{parent}"] * 10) + "]")
    started = time.perf_counter()
    doc, problems = load("\n".join(lines))
    assert time.perf_counter() - started < 1
    assert doc is None
    assert "alias bomb" in problems[0].message


def test_modest_aliases_still_work():
    doc, problems = load("base: &p {name: Ada}\nother: *p\n")
    assert problems == [] and doc.data["other"] == {"name": "Ada"}


def test_a_hundred_thousand_levels_of_nesting_fail_fast():
    started = time.perf_counter()
    doc, problems = load("a: " + "[" * 100_000 + "]" * 100_000)
    assert time.perf_counter() - started < 1
    assert doc is None
    # libyaml's scanner may stop it before our own depth limit does; both say so plainly
    assert problems[0].message in (
        "values are nested more than 32 levels deep",
        "values are nested too deeply",
    )


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    doc, problems = load(b"a: '" + b"x" * MAX_FILE_BYTES + b"'\n")
    assert doc is None
    assert problems[0].message == "the file is 1.0 MB; the limit is 1 MB"


def test_non_utf8_bytes_are_located():
    doc, problems = load(b"title: ok\nname: Caf\xe9\n")
    assert doc is None
    assert (problems[0].line, problems[0].column) == (2, 10)
    assert problems[0].message == "the file is not valid UTF-8 (byte 0xe9)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty; expected a mapping of fields"),
        ("# only a comment\n", "the file is empty; expected a mapping of fields"),
        ("- a\n- b\n", "the file holds a list; expected a mapping of fields"),
        ("just text\n", "the file holds a single value; expected a mapping of fields"),
        ("a: 1\n---\nb: 2\n", "a file holds one YAML document; found a second"),
        ("a: !!python/object:os.system x\n", "YAML tags such as !!python/object:os.system are not allowed"),
        ("a: !custom x\n", "YAML tags such as !custom are not allowed"),
        ("a: *nothing\n", "alias *nothing refers to no anchor defined before it"),
        ("a: [1, 2\n", "YAML syntax error: did not find expected ',' or ']'"),
        ("a: \x00\n", "the file contains the character U+0000, which YAML does not allow"),
    ],
)
def test_unusable_files_give_one_clear_problem(text, message):
    doc, problems = load(text)
    assert doc is None
    assert len(problems) == 1
    assert problems[0].message == message


def test_a_list_of_ten_thousand_talks_is_stopped_while_loading():
    text = "talks:\n" + "".join(f"  - title: t{i}\n    kind: talk\n" for i in range(10_000))
    started = time.perf_counter()
    doc, problems = load(text)
    assert time.perf_counter() - started < 1
    assert doc is None
    assert [(p.line, p.column, p.dotted_path, p.message) for p in problems] == [
        (2, 3, "talks", "has more than 1,000 entries")
    ]


def test_a_key_that_is_not_a_plain_name_is_quoted_in_paths():
    from pipeline.model import format_path

    assert format_path(("talks", 0, "title")) == "talks[0].title"
    assert format_path(("bad\nkey", "x")) == '["bad\\nkey"].x'
    assert format_path(("a", "\x1b[2J")) == 'a["\\u001b[2J"]'


def test_a_ten_megabyte_file_is_reported_with_its_real_size(tmp_path):
    from pipeline.load import load_file

    big = tmp_path / "big.yaml"
    big.write_bytes(b"intro: '" + b"x" * 10_000_000 + b"'\n")
    doc, problems = load_file(big)
    assert doc is None
    assert problems[0].message == "the file is 10.0 MB; the limit is 1 MB"


# --- sources that are not plain files (#18) -----------------------------------------------

SECRET = "ghp_NOT_A_REAL_TOKEN_0123456789"


def test_a_symlinked_source_is_refused_by_name_and_its_target_never_shown(make_content, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    content = make_content()
    secret = tmp_path / "config.json"
    secret.write_text(f'{{"auths": {{"token": "{SECRET}"}}}}\n', encoding="utf-8")
    (content / "recaps" / "x.yaml").symlink_to(secret)
    (content / "recaps" / "broken.yaml").symlink_to(tmp_path / "nowhere.yaml")
    for reporter in ("text", "github", "json"):
        result = subprocess.run([sys.executable, "-m", "pipeline", "validate", "--content", str(content),
                                 "--format", reporter], capture_output=True, text=True, check=False, cwd=ROOT)
        assert result.returncode == 1
        assert SECRET not in result.stdout + result.stderr
        assert "auths" not in result.stdout + result.stderr
        assert result.stdout.count("symbolic link") == 2, result.stdout


def test_a_fifo_named_like_a_source_does_not_hang_the_loader(make_content):
    import os

    from pipeline.load import load_content

    content = make_content()
    os.mkfifo(content / "recaps" / "pipe.yaml")
    (content / "people.yaml").unlink()
    os.mkfifo(content / "people.yaml")
    started = time.monotonic()
    sources = load_content(content)
    assert time.monotonic() - started < 1.0
    assert [p.message for p in sources.problems] == [
        "the file is not a plain file (a FIFO, a device or a folder)"]
