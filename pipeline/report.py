"""Reporters: the same problems as human text, GitHub workflow commands or JSON.

Chosen by name (`--format text|github|json`), like check-jsonschema's reporters. Each
writes to the stream it is given; JSON output stays pure JSON on stdout.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Protocol, TextIO

from pipeline.validate import ValidationReport


class Reporter(Protocol):
    def report(self, report: ValidationReport) -> None: ...


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Give `text` as one printable line: control characters and line separators (a file
    may be named with a newline and a forged `::error` command) become `\\xNN` escapes,
    and a line cannot start with `::`, which CI runners read as a workflow command."""
    text = _UNPRINTABLE.sub(_escape, text)
    return f"./{text}" if text.startswith("::") else text


class TextReporter:
    """`file:line:col: path: message` lines, one problem each (`file:line:col: warning:
    path: message` for a warning), plus a closing count."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.colour = use_colour(stream)

    def _paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text

    def report(self, report: ValidationReport) -> None:
        for problem in report.problems:
            where = self._paint(printable(f"{problem.file}:{problem.line}:{problem.column}:"), "1")
            if not problem.is_error:
                where += " " + self._paint("warning:", "33")
            field = self._paint(printable(problem.dotted_path), "36")
            line = f"{where} {field}: {printable(problem.message)}"
            if problem.hint:
                line += f" ({printable(problem.hint)})"
            print(line, file=self.stream)
        files = _counted(report.files_checked, "file")
        warnings = f", {_counted(len(report.warnings), 'warning')}" if report.warnings else ""
        if report.errors:
            summary = f"{_counted(len(report.errors), 'problem')} in {files}{warnings}"
            print(self._paint(summary, "31"), file=self.stream)
        else:
            print(self._paint(f"{files} valid{warnings}", "32"), file=self.stream)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    """GitHub Actions workflow commands: one `::error file=…,line=…,col=…::` per problem
    (`::warning …` for a warning, which GitHub shows without failing the job)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def report(self, report: ValidationReport) -> None:
        for problem in report.problems:
            message = f"{problem.dotted_path}: {problem.message}"
            if problem.hint:
                message += f" ({problem.hint})"
            props = (
                f"file={_escape_property(problem.file)},line={problem.line},"
                f"col={problem.column},title={_escape_property('recap validation')}"
            )
            print(f"::{problem.severity} {props}::{_escape_data(message)}", file=self.stream)


class JsonReporter:
    """One JSON document: `{"ok", "files_checked", "problems": [...]}`, each problem with
    its `severity` ("error" or "warning"); `ok` is false only when there is an error."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def report(self, report: ValidationReport) -> None:
        document = {
            "ok": report.ok,
            "files_checked": report.files_checked,
            "problems": [
                {
                    "file": p.file,
                    "line": p.line,
                    "column": p.column,
                    "path": p.dotted_path,
                    "message": p.message,
                    "hint": p.hint,
                    "severity": p.severity,
                }
                for p in report.problems
            ],
        }
        json.dump(document, self.stream, indent=2, ensure_ascii=False)
        self.stream.write("\n")


REPORTERS: dict[str, type[TextReporter | GithubReporter | JsonReporter]] = {
    "text": TextReporter,
    "github": GithubReporter,
    "json": JsonReporter,
}
FORMAT_NAMES: Sequence[str] = tuple(REPORTERS)


def reporter_for(name: str, stream: TextIO | None = None) -> Reporter:
    """Give the reporter called `name`, writing to `stream` (stdout by default)."""
    return REPORTERS[name](stream or sys.stdout)
