"""Template-safe Markdown posts: what Hugo, Jekyll and kramdown would run stays text.

Works on the post body as pandoc wrote it, not on the strings of its AST: pandoc writes
neighbouring strings side by side, so `{` in one and `{% … %}` in the next become a live
tag only in the written text. A zero-width space after the `{` breaks each opener; the
text looks the same and no engine sees a tag:

* `{{` and `{%`: Liquid (Jekyll) output and tags, Hugo shortcodes (`{{<`, `{{%`);
* `{:`, `{::`: kramdown attribute lists and extensions (`{::nomarkdown}`);
* `{#id .class key=value}` closing a heading line or standing at the start of a line:
  Goldmark (Hugo) and kramdown heading and block attributes;
* `[ ]`, `[x]` opening a list item: a task-list checkbox (a takeaway that is just the
  link `[x](https://e.org)` would otherwise become a ticked box).
"""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"
_OPENERS = re.compile(r"\{(?=[{%:])")
_LINE_START_BRACE = re.compile(
    r"^((?:[ \t]*>)*[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*)\{(?=[ \t]*[#.A-Za-z_])",
    re.MULTILINE)
_HEADING_LINE = re.compile(r"^(?:[ \t]*>)*[ \t]*#{1,6}(?:[ \t].*)?$", re.MULTILINE)
_ATTRIBUTE_BRACE = re.compile(r"\{(?=[ \t]*[#.A-Za-z_])")
_TASK_BOX = re.compile(r"^((?:[ \t]*>)*[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+)(?=\[[ xX]\])", re.MULTILINE)


def neutralize_written(body: str) -> str:
    """Give a written post body with every template, attribute and task-list opener broken."""
    body = _OPENERS.sub("{" + ZERO_WIDTH_SPACE, body)
    body = _HEADING_LINE.sub(lambda line: _ATTRIBUTE_BRACE.sub("{" + ZERO_WIDTH_SPACE, line[0]), body)
    body = _LINE_START_BRACE.sub(lambda m: m[1] + "{" + ZERO_WIDTH_SPACE, body)
    return without_task_boxes(body)


def without_task_boxes(body: str) -> str:
    """Give `body` with list items that would start with a task-list box made plain."""
    return _TASK_BOX.sub(lambda m: m[1] + ZERO_WIDTH_SPACE, body)
