"""What a check asks the worker to do: the :class:`Job`, and whether its code is untouched.

This is the vocabulary every caller of the runner shares (the check service, the
fake runner of the UI tests, ``verify``); it sits apart from :mod:`.runner` so that
building a job needs nothing of the processes that run it.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from quiz_tui.core.model import Exercise, Explanation, Lang, Limits, SetupPiece

Mode = Literal["check", "run", "probe", "prepare"]
Role = Literal["learner", "judge"]
"""The two processes of a check: the learner's code in its box, and the trusted judge."""
EventHandler = Callable[[dict[str, Any]], None]
"""Called with each progress or image event while a job runs."""


def _normalise(code: str) -> str:
    """Code without comments, blank lines or layout, for comparing with the starter."""
    try:
        tokens = [
            tok.string
            for tok in tokenize.generate_tokens(io.StringIO(code).readline)
            if tok.type
            not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                    tokenize.DEDENT, tokenize.ENDMARKER)
        ]  # fmt: skip
        return " ".join(tokens)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return "\n".join(line.rstrip() for line in code.strip().splitlines())


def is_untouched(code: str, starter: str) -> bool:
    """True when ``code`` is the starter (or empty) up to comments and layout."""
    normalised = _normalise(code)
    return not normalised or normalised == _normalise(starter)


@dataclass(frozen=True)
class Job:
    """One run of some code: what to run, how to judge it and within which limits."""

    task: str
    code: str
    check: str = ""
    setup: tuple[SetupPiece, ...] = ()
    names: tuple[str, ...] = ()
    starter: str | None = None
    """When set, code equal to the starter is ``not_attempted`` without running."""
    limits: Limits = field(default_factory=Limits)
    mode: Mode = "check"
    seed: int = 0
    lang: Lang = "en"
    uses_data: bool = False
    instrument: str = ""
    """Hidden code run after the setup, before the learner's code."""
    probe: str = ""
    """Code run in the learner's process after theirs, recording facts for the judge."""
    solution: str = ""
    """The reference solution: only the judge's process receives it."""
    explain: tuple[Explanation, ...] = ()
    format: int = 1
    """2: ``check`` is a code module whose ``check()`` the judge calls."""
    hooks: str = ""
    """Format 2: the ``probe``/``instrument`` functions, for the learner's process."""
    code_file: str = ""
    """Format 2: the code module's file name, for tracebacks."""
    lib: str = ""
    """The pack's helper folder: on the import path of both processes, readable by the box."""

    @classmethod
    def for_exercise(
        cls,
        exercise: Exercise,
        code: str,
        *,
        mode: Mode = "check",
        lang: Lang = "en",
        seed: int = 0,
    ) -> Job:
        return cls(
            task=exercise.key,
            code=code,
            check=exercise.check,
            setup=exercise.setup,
            names=exercise.required_names,
            starter=exercise.starter,
            limits=exercise.limits,
            mode=mode,
            seed=seed,
            lang=lang,
            uses_data=exercise.uses_data,
            instrument=exercise.instrument,
            probe=exercise.probe,
            solution=exercise.solution,
            explain=exercise.explain,
            format=exercise.format,
            hooks=exercise.hooks,
            code_file=exercise.code_file,
            lib=exercise.lib,
        )
