"""The exceptions quiz-tui raises, kept small and named.

    QuizError
    ├── ExerciseFileError      a pack or exercise file is malformed (carries file:line)
    ├── PackError              a pack folder cannot be used at all
    ├── UnknownTaskError       a task number or id that no loaded pack has
    ├── RunnerError            the worker could not be started or talked to
    │   └── ProtocolError      the worker sent an event that breaks the protocol
    └── ProgressStoreError     the progress database cannot be opened or written

Learner mistakes are never exceptions here: they are results (see ``model.Status``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class QuizError(Exception):
    """Base class: anything quiz-tui reports to the user as a clear message."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, located for an editor: ``file:line: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ExerciseFileError(QuizError):
    """A pack or exercise file has one or more problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class PackError(QuizError):
    """A pack folder cannot be loaded at all (no pack file, or a broken one)."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


class UnknownTaskError(QuizError):
    """A task was asked for by a number or id that the loaded packs do not have."""


class RunnerError(QuizError):
    """The worker process could not be started or stopped answering."""


class ProgressStoreError(QuizError):
    """The progress database could not be opened, recovered or written."""


class ProtocolError(RunnerError):
    """A line from the worker's events pipe is not an event it may send.

    ``reason`` is plain English the runner can show: what was sent and what is wrong
    (``the worker sent a malformed progress event (loss: expected a number, got str)``).
    See ``quiz_tui.core.execution.protocol``.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
