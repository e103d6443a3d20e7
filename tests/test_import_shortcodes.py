"""Shortcodes, raw HTML, line numbers and the block ledger: how the importer keeps every part of a post."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.importer import import_post
from pipeline.importer.ledger import account
from pipeline.importer.nodes import Markdown
from pipeline.importer.reading import Post, read_post
from pipeline.importer.report import Draft
from pipeline.importer.shortcodes import read_shortcodes


@pytest.mark.parametrize(("shortcode", "markdown"), [
    ("{{< youtube dQw4w9WgXcQ >}}", "<https://youtu.be/dQw4w9WgXcQ>"),
    ('{{< youtube "dQw4w9WgXcQ" >}}', "<https://youtu.be/dQw4w9WgXcQ>"),
    ('{{< youtube id="dQw4w9WgXcQ" start="42" >}}', "<https://youtu.be/dQw4w9WgXcQ?t=42>"),
    ('{{< tweet user="meshfan" id="1234567890" >}}', "<https://x.com/meshfan/status/1234567890>"),
    ('{{< x user="meshfan" id="1234567890" >}}', "<https://x.com/meshfan/status/1234567890>"),
    ("{{< tweet 1234567890 >}}", "<https://x.com/i/status/1234567890>"),
    ('{{< figure src="stage.png" caption="The stage" >}}', "![The stage](stage.png)"),
    ('{{< vimeo id="1" url="https://vimeo.com/1" >}}', "[vimeo](https://vimeo.com/1)"),
])
def test_a_shortcode_becomes_the_markdown_the_importer_reads(shortcode: str, markdown: str) -> None:
    text, found = read_shortcodes(f"Before.\n\n{shortcode}\n\nAfter.\n", 5)
    assert text == f"Before.\n\n{markdown}\n\nAfter.\n"
    assert found.not_imported == []


def test_a_paired_shortcode_keeps_its_text_and_the_lines_keep_their_numbers() -> None:
    text, found = read_shortcodes("{{< note >}}\nMind the gap.\n{{< /note >}}\n\n{{< toc\n  depth=2 >}}\n", 3)
    assert text.count("\n") == 6 and "Mind the gap." in text and "{{" not in text
    assert found.notes == ["line 3: the shortcode {{< note >}} was left out; the text inside it is kept"]
    assert found.not_imported == [(7, "the shortcode {{< toc depth=2 >}} (nothing to link)")]


def test_a_shortcode_in_a_code_block_is_an_example_and_stays_as_written() -> None:
    source = "Write this:\n\n```md\n{{< youtube dQw4w9WgXcQ >}}\n```\n"
    assert read_shortcodes(source, 1) == (source, read_shortcodes("", 1)[1])


def test_raw_html_that_shows_something_is_not_imported_and_named_with_its_line(
        tmp_path: Path, empty_content: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text("---\ntitle: Raw\ndate: 2022-01-02\n---\n\nWords first.\n\n<!-- a comment -->\n\n"
                    '<video src="clip.mp4"></video>\n\nWords last.\n', encoding="utf-8")
    result = import_post(post, empty_content, today=date(2024, 1, 1))
    assert result.not_imported == ('line 10: raw HTML <video src="clip.mp4">',)
    assert not result.ok


def test_each_block_knows_the_line_it_came_from(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text("---\ntitle: Lines\n---\n\nFirst paragraph, on line five\nand six.\n\n## A heading\n\n"
                    "- an item\n- another\n\nA [link](https://example.org) paragraph.\n\n"
                    "![](stage-photo.png)\n", encoding="utf-8")
    read = read_post(post)
    assert [read.lines[id(block)] for block in read.blocks] == [5, 8, 10, 13, 15]


def _para(text: str) -> dict[str, Any]:
    return {"t": "Para", "c": [{"t": "Str", "c": text}]}


def test_a_block_no_field_holds_goes_back_into_its_own_section_next_to_its_neighbours(tmp_path: Path) -> None:
    heading = {"t": "Header", "c": [2, ["", [], []], [{"t": "Str", "c": "Roadmap"}]]}
    opening, lost, kept = _para("Dropped-by-a-mapping"), _para("Also-dropped"), _para("Kept-by-the-section")
    blocks = [_para("Intro-words"), heading, opening, lost, kept]
    post = Post(tmp_path / "p.md", "p.md", "markdown", {}, blocks)
    post.lines = {id(block): line for line, block in enumerate(post.blocks, start=5)}
    draft = Draft()
    draft.put(("intro",), Markdown([post.blocks[0]]))
    draft.put(("sections",), [{"title": "Roadmap", "kind": "roadmap", "body": Markdown([kept])}])
    account(post, draft, {})
    assert draft.recap["sections"][0]["body"].blocks == [opening, lost, kept]
    assert draft.recap["intro"].blocks == [post.blocks[0]]
    where = "it is kept in sections[0].body: check where it belongs"
    assert draft.notes == [f"line 7: no field took 'Dropped-by-a-mapping'; {where}",
                           f"line 8: no field took 'Also-dropped'; {where}"]
