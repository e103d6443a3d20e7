"""The pipeline's exceptions, and the one place they become exit codes.

Content problems are not exceptions: they are collected as `Problem` records so that
every problem in every file is reported in one run. Exceptions are for what stops a run.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CONTENT = 1
EXIT_USAGE = 2


class PipelineError(Exception):
    """Base class; `exit_code` says how the command line ends."""

    exit_code = EXIT_USAGE


class ContentError(PipelineError):
    """Raised when content cannot be used (after its problems were reported)."""

    exit_code = EXIT_CONTENT


class UsageError(PipelineError):
    """Raised for bad command-line arguments or a refused request (e.g. overwriting a file)."""

    exit_code = EXIT_USAGE


class EnvironmentProblem(PipelineError):
    """Raised at start-up when a dependency or tool the pipeline needs is missing."""

    exit_code = EXIT_USAGE


class PublishError(PipelineError):
    """Raised by `write` when it cannot publish: an output would land outside the output
    folder, another build holds it, or the file system refuses a write."""

    exit_code = EXIT_USAGE
