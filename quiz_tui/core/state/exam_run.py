"""The exam in progress: its clock, its warnings, the time spent per task, and grading.

The app shows these; the rules live here, so that they are tested without Textual
(``tests/unit/test_exam_run.py``). Grading checks each task through the one
:class:`~quiz_tui.core.execution.checking.CheckService`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from quiz_tui.core.state.exam import Exam, ExamBook, ExamState, format_clock, next_warning

if TYPE_CHECKING:
    from quiz_tui.core.execution.checking import CheckService
    from quiz_tui.core.model import Exercise
    from quiz_tui.core.state.progress import TaskStatus

Clock = Callable[[], float]


@dataclass(frozen=True)
class Tick:
    """What the exam's clock says now."""

    remaining: float
    clock: str
    """The remaining time as the header shows it (``12:34``)."""
    urgent: bool
    """One minute or less left."""
    warning: int | None
    """Seconds of a warning due now (300, 60), said once each."""
    time_up: bool


@dataclass
class ExamRun:
    """One running exam, from entering it to handing it in."""

    book: ExamBook
    exam: Exam
    clock: Clock
    warned: set[int] = field(default_factory=set)
    """Warnings already given (or passed before the exam was entered)."""
    grading: bool = False
    """Handed in: the clock has stopped and the tasks are being checked."""

    def __post_init__(self) -> None:
        now = self.remaining()
        self.warned |= {w for w in (300, 60) if now <= w}

    def remaining(self) -> float:
        return self.exam.remaining(self.clock())

    @property
    def details_hidden(self) -> bool:
        """Without feedback a verdict shows no checks, output or traceback."""
        return not self.exam.feedback

    def tick(self) -> Tick:
        """Read the clock once; a warning due now is marked as given."""
        remaining = self.remaining()
        warning = next_warning(remaining, self.warned)
        if warning is not None and remaining > 0:
            self.warned.add(warning)
        else:
            warning = None
        return Tick(remaining, format_clock(remaining), remaining <= 60, warning, remaining <= 0)

    def spend(self, exercise_id: str, opened_at: float, now: float) -> None:
        """Count the time on a task from when it was opened, up to the deadline."""
        self.book.add_time(self.exam, exercise_id, min(now, self.exam.deadline) - opened_at)

    def states(self, hidden: bool | None = None) -> dict[tuple[str, str], TaskStatus]:
        """The task list's marks during an exam: this exam's checks, not practice.

        Without feedback a checked task shows only that it was checked (``attempted``).
        """
        if hidden is None:
            hidden = self.exam.verdicts_hidden(self.clock())
        states: dict[tuple[str, str], TaskStatus] = {}
        for record in self.book.tasks(self.exam):
            status: TaskStatus = "untouched"
            if record.checks or record.status:
                if hidden or record.status not in ("pass", "fail", "error", "timeout"):
                    status = "attempted"
                else:
                    status = "passed" if record.status == "pass" else "failed"
            states[(self.exam.pack, record.exercise)] = status
        return states

    def grade(
        self,
        service: CheckService,
        tasks: Sequence[tuple[Exercise, Callable[[], str]]],
        state: ExamState,
        on_task: Callable[[int, int, Exercise], None] | None = None,
    ) -> Exam:
        """Check every task as it stands and finish the exam as ``state``.

        ``tasks`` pairs each exercise with a way to read its graded draft (saved by the
        deadline, not later); ``on_task(index, total, exercise)`` hears before each one.
        Blocks: call it off the UI thread.
        """
        for index, (exercise, draft) in enumerate(tasks, start=1):
            if on_task is not None:
                on_task(index, len(tasks), exercise)
            code = draft()
            self.book.record_final(self.exam, exercise.id, code, service.check(exercise, code))
        return self.book.finish(self.exam, state)
