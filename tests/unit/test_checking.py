"""The check service: one path for every check, on any runner with the ``Runs`` shape."""

from __future__ import annotations

import threading
from pathlib import Path

from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.execution.checking import CheckService, record, recordable
from quiz_tui.core.execution.job import EventHandler, Job
from quiz_tui.core.model import Result, Status
from quiz_tui.core.state.progress import ProgressStore

EXERCISE = next(e for e in load_builtin() if e.number == 4)


class ScriptedRunner:
    """Answers every job with the next scripted status, and keeps the jobs it got."""

    def __init__(self, *statuses: Status) -> None:
        self.statuses = list(statuses)
        self.jobs: list[Job] = []

    def run(
        self,
        job: Job,
        *,
        on_event: EventHandler | None = None,
        cancel: threading.Event | None = None,
    ) -> Result:
        self.jobs.append(job)
        return Result(task=job.task, status=self.statuses.pop(0), message="", seconds=0.5)


def test_a_check_is_built_in_the_service_language_and_recorded_unless_cancelled(
    tmp_path: Path,
) -> None:
    fake = ScriptedRunner(Status.FAIL, Status.CANCELLED, Status.PASS, Status.PASS)
    with ProgressStore(tmp_path / "p.db") as store:
        service = CheckService(fake, lang="zh", store=store)
        assert service.check(EXERCISE, "x = 1", source="cli").status is Status.FAIL
        assert service.check(EXERCISE, "x = 2", source="cli").status is Status.CANCELLED
        assert service.check(EXERCISE, "x = 3", mode="run", source="cli").status is Status.PASS
        assert service.check(EXERCISE, "x = 4").status is Status.PASS  # no source: not kept
        kept = [(a.status, a.source) for a in store.attempts()]
    assert [j.lang for j in fake.jobs] == ["zh"] * 4
    assert [j.mode for j in fake.jobs] == ["check", "check", "run", "check"]
    assert kept == [
        ("fail", "cli")
    ]  # the cancelled run, the mere run and the unsourced check are not


def test_the_cancel_rule_is_one_function() -> None:
    cancelled = Result(task="4", status=Status.CANCELLED, message="")
    assert not recordable(cancelled)
    assert recordable(Result(task="4", status=Status.ERROR, message=""))


def test_record_keeps_the_exam_it_belongs_to(tmp_path: Path) -> None:
    with ProgressStore(tmp_path / "p.db") as store:
        result = Result(task="4", status=Status.PASS, message="", seconds=1.0)
        assert record(store, "pytorch60", "zeros-long", "x", result, source="exam", exam=None)
        assert not record(
            store, "pytorch60", "zeros-long", "x", Result(task="4", status=Status.CANCELLED,
            message=""), source="app",
        )  # fmt: skip
        assert [(a.status, a.source) for a in store.attempts()] == [("pass", "exam")]
