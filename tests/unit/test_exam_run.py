"""The exam in progress without Textual: clock, warnings, time per task, marks and grading."""

from __future__ import annotations

import threading
from pathlib import Path

from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.execution.checking import CheckService
from quiz_tui.core.execution.runner import Job
from quiz_tui.core.model import Result, Status
from quiz_tui.core.state.exam import ExamBook, plan, report
from quiz_tui.core.state.exam_run import ExamRun
from quiz_tui.core.state.progress import ProgressStore

PACK = load_builtin()


class Clock:
    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Verdicts:
    """Passes code that says so, fails the rest: a runner with nothing to start."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def run(
        self, job: Job, *, on_event: object = None, cancel: threading.Event | None = None
    ) -> Result:
        self.jobs.append(job)
        status = Status.PASS if "right" in job.code else Status.FAIL
        return Result(task=job.task, status=status, message=status.value, seconds=0.1)


def started(tmp_path: Path, **kwargs: object) -> tuple[ExamRun, Clock]:
    clock = Clock()
    book = ExamBook(ProgressStore(tmp_path / "p.db"), clock)
    exam = book.start(plan(PACK, tasks="4-5", minutes=6, **kwargs))  # type: ignore[arg-type]
    return ExamRun(book, exam, clock), clock


def test_the_clock_warns_once_at_five_and_one_minute_then_time_is_up(tmp_path: Path) -> None:
    run, clock = started(tmp_path)
    first = run.tick()
    assert (first.clock, first.warning, first.urgent, first.time_up) == (
        "06:00",
        None,
        False,
        False,
    )
    clock.now += 61
    assert run.tick().warning == 300
    assert run.tick().warning is None  # said once
    clock.now += 240
    now = run.tick()
    assert (now.warning, now.urgent) == (60, True)
    clock.now += 60
    assert run.tick().time_up and run.tick().warning is None


def test_resumed_late_gives_no_warnings_already_passed(tmp_path: Path) -> None:
    run, clock = started(tmp_path)
    clock.now += 330
    again = ExamRun(run.book, run.exam, clock)
    assert again.warned == {300, 60} and again.tick().warning is None


def test_time_per_task_stops_at_the_deadline(tmp_path: Path) -> None:
    run, clock = started(tmp_path)
    run.spend("zeros-long", clock.now, clock.now + 10_000)
    assert run.book.tasks(run.exam)[0].seconds == 360


def test_marks_hide_verdicts_without_feedback(tmp_path: Path) -> None:
    run, _ = started(tmp_path, feedback=False)
    result = Result(task="", status=Status.PASS, message="")
    run.book.record_check(run.exam, "zeros-long", "x", result)
    assert run.states() == {
        ("pytorch60", "zeros-long"): "attempted",
        ("pytorch60", "from-data"): "untouched",
    }
    assert run.states(hidden=False)[("pytorch60", "zeros-long")] == "passed"
    assert run.details_hidden


def test_grading_checks_every_draft_through_the_service_and_finishes(tmp_path: Path) -> None:
    run, _ = started(tmp_path)
    runner = Verdicts()
    heard: list[tuple[int, int, int]] = []
    tasks = [(PACK.exercises[3], lambda: "right"), (PACK.exercises[4], lambda: "wrong")]
    finished = run.grade(
        CheckService(runner, "zh"),
        tasks,
        "handed_in",
        lambda i, n, ex: heard.append((i, n, ex.number)),
    )
    assert heard == [(1, 2, 4), (2, 2, 5)]
    assert [job.lang for job in runner.jobs] == ["zh", "zh"]
    assert finished.state == "handed_in"
    assert [t.status for t in report(run.book, finished, PACK).tasks] == ["pass", "fail"]
