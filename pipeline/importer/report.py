"""What an import gives back, and the errors that stop one input's import.

An import never stops the whole run: each input ends as an `ImportResult` that holds
either the written source or the message that says why nothing was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import EXIT_CONTENT, EXIT_OK, ContentError
from pipeline.model import JsonPath, Problem, format_path


class ImportFailed(ContentError):
    """Raised by the importer when one input cannot become a source; nothing was written.

    The message starts with the input's path and says why, so it can be shown as it is.
    """


class ImportCollision(ImportFailed):
    """Raised when the new source's URL, id or file name is already taken (`slug=` fixes it)."""


class AlreadyImported(ImportCollision):
    """Raised when the post is already in the catalogue (same source file, same URL or an
    alias of it): the run skips it rather than fail, and writes nothing."""


@dataclass
class Draft:
    """A recap source being built: its fields, the guesses behind them and what was dropped.

    `comments` maps a field's path to the reason it is a guess; the writer puts each one
    on the line above the field, so the reviewer sees it in the file.
    """

    recap: dict[str, Any] = field(default_factory=dict)
    comments: dict[JsonPath, str] = field(default_factory=dict)
    proposed_people: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    restated: list[str] = field(default_factory=list)
    """Sentences of the post cut from the text because a structured field shows them in
    other words (the next meeting's announcement): the ledger counts them as taken."""

    def restate(self, note: str, *texts: str) -> None:
        """Record text cut because a structured field shows it in other words, and say so."""
        self.restated.extend(texts)
        self.notes.append(note)

    def guess(self, path: JsonPath, value: Any, reason: str) -> None:
        """Set a field that was guessed, with the reason the reviewer will read."""
        self.put(path, value)
        self.comments[path] = reason

    def put(self, path: JsonPath, value: Any) -> None:
        """Set a field (creating the mappings on the way) without comment."""
        target: Any = self.recap
        for part in path[:-1]:
            target = target.setdefault(part, {}) if isinstance(part, str) else target[part]
        target[path[-1]] = value

    def guesses(self) -> tuple[str, ...]:
        """Give every guess as `path: reason`, in path order."""
        return tuple(f"{format_path(path)}: {reason}" for path, reason in self.comments.items())


@dataclass(frozen=True)
class ImportResult:
    """One input's outcome: the source written (or why it was skipped, or the error), and
    what needs a human."""

    input: Path
    source: Path | None = None
    error: str | None = None
    proposed_people: Path | None = None
    guesses: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    skipped: str | None = None
    not_imported: tuple[str, ...] = ()
    """What of the post is not in the draft ("line 12: raw HTML <table>"): the draft is
    written, and the command fails so that someone adds it by hand."""

    @property
    def ok(self) -> bool:
        """Say whether the input was imported whole (or skipped) into a draft that
        validates: a draft with errors would stop every build and a part not imported
        needs a human, so either fails the command (warnings, such as placeholders in a
        draft, do not)."""
        return (self.error is None and not self.not_imported
                and not any(problem.is_error for problem in self.problems))


@dataclass(frozen=True)
class ImportReport:
    """Every input's outcome, in the order given; `exit_code` is 1 when any import failed."""

    results: tuple[ImportResult, ...]

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    def counts(self) -> dict[str, int]:
        """Give how many inputs were imported, skipped and failed (the summary table)."""
        skipped = sum(1 for r in self.results if r.skipped is not None)
        failed = sum(1 for r in self.results if r.error is not None)
        return {"imported": len(self.results) - skipped - failed, "skipped": skipped, "failed": failed}

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_CONTENT
