"""One path for every check: build the job, run it, apply the cancel rule, record the attempt.

The app, the CLI, exams, ``verify``/``validate`` and ``grade`` all check code through
:class:`CheckService`, so what a check is and the rule that a cancelled run is not
recorded exist once. The service runs on anything with the :class:`Runs` shape: the
real :class:`~quiz_tui.core.execution.runner.Runner`, or a fake in UI tests, which
then need no torch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from quiz_tui.core.execution.job import EventHandler, Job, Mode
from quiz_tui.core.model import Exercise, Lang, Result, Status

if TYPE_CHECKING:
    from quiz_tui.core.state.progress import ProgressStore

Source = Literal["app", "cli", "exam", "grade"]
"""Where an attempt was made, as the progress store records it."""


class Runs(Protocol):
    """What the service needs of a runner: run one job and judge it, never raising for
    anything the learner's code does."""

    def run(
        self,
        job: Job,
        *,
        on_event: EventHandler | None = None,
        cancel: threading.Event | None = None,
    ) -> Result: ...


def recordable(result: Result) -> bool:
    """Whether a result counts as an attempt: a run the learner cancelled does not."""
    return result.status is not Status.CANCELLED


def record(
    store: ProgressStore,
    pack: str,
    exercise: str,
    code: str,
    result: Result,
    *,
    source: Source,
    exam: int | None = None,
) -> bool:
    """Record ``result`` as an attempt (unless it was cancelled); True when recorded."""
    if not recordable(result):
        return False
    store.record_attempt(
        pack, exercise, result.status, result.seconds, code, source=source, exam=exam
    )
    return True


@dataclass
class CheckService:
    """Checks code against exercises on one runner, in one language; with a ``store``,
    ``check(..., source=...)`` also records the attempt."""

    runner: Runs
    lang: Lang = "en"
    store: ProgressStore | None = None

    def job(self, exercise: Exercise, code: str, *, mode: Mode = "check", seed: int = 0) -> Job:
        """The job that checks (or, with ``mode="run"``, only runs) ``code``."""
        return Job.for_exercise(exercise, code, mode=mode, lang=self.lang, seed=seed)

    def check(
        self,
        exercise: Exercise,
        code: str,
        *,
        mode: Mode = "check",
        seed: int = 0,
        on_event: Callable[[dict[str, Any]], None] | None = None,
        cancel: threading.Event | None = None,
        source: Source | None = None,
        pack: str = "",
    ) -> Result:
        """Run ``code`` as the learner's answer to ``exercise`` and return the verdict.

        With ``source`` (and a store), a check's verdict is recorded as an attempt on
        ``pack``; a mere run (``mode="run"``) never is.
        """
        job = self.job(exercise, code, mode=mode, seed=seed)
        result = self.runner.run(job, on_event=on_event, cancel=cancel)
        if source is not None and self.store is not None and mode == "check":
            record(self.store, pack or exercise.pack_id, exercise.id, code, result, source=source)
        return result
