"""The converter: what it converted is remembered, handed on once, and found again by the
next converter over the same store; nothing is shared between two converters but a store."""

from __future__ import annotations

from pathlib import Path

from pipeline.cache import ConversionStore, stored_converter
from pipeline.convert import Converter
from pipeline.pandoc import READER, run_pandoc

FIELDS = ["Some *emphasis*.", "A [link](https://example.org/).", "- one\n- two"]


class Counting:
    """Runs pandoc and remembers each run's arguments."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, ...]] = []

    def __call__(self, source: str, *args: str) -> str:
        self.runs.append(args)
        return run_pandoc(source, *args)


def test_a_converter_converts_each_text_once() -> None:
    pandoc = Counting()
    converter = Converter(jobs=1, run=pandoc)
    html = converter.markdown_to(FIELDS, "html")
    assert html[0] == "<p>Some <em>emphasis</em>.</p>\n"
    assert [args[:4] for args in pandoc.runs] == [("-f", READER, "-t", "json"), ("-f", "json", "-t", "html")]
    assert converter.markdown_to(list(reversed(FIELDS)), "html") == list(reversed(html))
    assert converter.write(converter.read(FIELDS), "html") == html
    assert len(pandoc.runs) == 2


def test_two_converters_share_nothing_without_a_store() -> None:
    first, second = Counting(), Counting()
    Converter(jobs=1, run=first).read(FIELDS)
    Converter(jobs=1, run=second).read(FIELDS)
    assert len(first.runs) == len(second.runs) == 1


def test_new_conversions_are_handed_on_once() -> None:
    converter = Converter(jobs=1)
    converter.markdown_to(FIELDS, "typst")
    new = converter.new_conversions()
    assert len(new) == 3 * len(FIELDS)  # each field read, written, and remembered by its text
    assert converter.new_conversions() == {}
    converter.markdown_to(FIELDS, "typst")
    assert converter.new_conversions() == {}


def test_the_next_converter_over_the_store_runs_no_pandoc(tmp_path: Path) -> None:
    with stored_converter(tmp_path, jobs=1) as converter:
        expected = converter.markdown_to(FIELDS, "html")
    pandoc = Counting()
    store = ConversionStore(tmp_path, read_only=True)
    again = Converter(store, jobs=1, run=pandoc)
    assert again.markdown_to(FIELDS, "html") == expected
    assert again.read(FIELDS) and pandoc.runs == []
    assert again.new_conversions() == {}
    store.close()


def test_forgetting_keeps_what_was_not_handed_on() -> None:
    """A worker forgets between tasks to bound its memory, never losing a conversion."""
    converter = Converter(jobs=1)
    converter.read(FIELDS)
    converter.forget()
    assert len(converter.new_conversions()) == len(FIELDS)
