"""A runner for UI tests: scripted verdicts at once, with no worker process and no torch.

It has the shape the app uses of :class:`~quiz_tui.core.execution.runner.Runner`
(``run`` as :class:`~quiz_tui.core.execution.checking.Runs` asks, and ``start``,
``wait_ready``, ``probe``, ``worker_pid``, ``worker_exit_listeners``, ``close``), so
Pilot and snapshot tests exercise the app, not the worker. End-to-end paths keep the
real worker (``@pytest.mark.real_worker``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from quiz_tui.core.execution.job import EventHandler, Job, is_untouched
from quiz_tui.core.model import Result, Status

HOLD_LIMIT = 60.0
"""Seconds a held check waits for ``release()`` at most."""

Respond = Callable[[Job], Result]
"""Builds the verdict for one job (for verdicts whose words depend on the job's language)."""


@dataclass
class Scripted:
    """What the fake answers for code that contains ``code``."""

    code: str
    answer: Result | Respond
    events: tuple[dict[str, Any], ...] = ()
    """Posted to ``on_event`` before the verdict, as a training check reports progress."""
    hold: bool = False
    """Wait until the check is cancelled (or ``FakeRunner.release()``) before answering."""


@dataclass
class FakeRunner:
    """Answers every job at once: scripted results first, then plain defaults.

    Defaults, in the real runner's terms: the untouched starter is ``not_attempted``;
    a run is ``ran`` with no output; the reference solution passes; anything else fails.
    """

    device: str = "cpu"
    scripts: list[Scripted] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    """Every job run, oldest first."""
    worker_exit_listeners: list[Callable[[], None]] = field(default_factory=list)
    _pid: int | None = None
    _released: threading.Event = field(default_factory=threading.Event)

    def script(
        self,
        code: str,
        answer: Result | Respond | Status,
        *,
        events: Iterable[dict[str, Any]] = (),
        hold: bool = False,
    ) -> None:
        """Answer jobs whose code contains ``code`` with ``answer`` (newest script wins)."""
        if isinstance(answer, Status):
            status = answer
            answer = lambda job: Result(task=job.task, status=status, message=status.value)  # noqa: E731
        self.scripts.insert(0, Scripted(code, answer, tuple(events), hold))

    def release(self) -> None:
        """Let held checks answer."""
        self._released.set()

    def kill_worker(self) -> None:
        """As if the warm worker died: a new pid, and the listeners hear of it."""
        self._pid = (self._pid or 4000) + 1
        for listener in list(self.worker_exit_listeners):
            listener()

    # -- the Runner's surface ----------------------------------------------------------

    def start(self) -> None:
        self._pid = self._pid or 4000

    def wait_ready(self, timeout: float = 0) -> bool:
        return True

    @property
    def worker_pid(self) -> int | None:
        return self._pid

    def probe(self) -> dict[str, Any]:
        return {"cuda": self.device == "cuda", "cuda_name": "Fake GPU"}

    def close(self) -> None:
        self._pid = None

    def run(
        self,
        job: Job,
        *,
        on_event: EventHandler | None = None,
        cancel: threading.Event | None = None,
    ) -> Result:
        self.jobs.append(job)
        scripted = next((s for s in self.scripts if s.code in job.code), None)
        if scripted is None:
            return self._default(job).cleaned()
        for event in scripted.events:
            if on_event is not None:
                on_event(event)
        if scripted.hold:
            # Bounded: a test that fails before its release() must fail, not hang (the
            # app's exit waits for this thread).
            deadline = time.monotonic() + HOLD_LIMIT
            while not self._released.is_set() and time.monotonic() < deadline:
                if cancel is not None and cancel.wait(0.01):
                    break
        if cancel is not None and cancel.is_set():
            return Result(task=job.task, status=Status.CANCELLED, message="Cancelled.")
        answer = scripted.answer
        result = answer if isinstance(answer, Result) else answer(job)
        return result.cleaned()

    def _default(self, job: Job) -> Result:
        if job.mode == "check" and job.starter is not None and is_untouched(job.code, job.starter):
            return Result(
                task=job.task, status=Status.NOT_ATTEMPTED, message="Not attempted.", device=""
            )
        if job.mode == "run":
            return Result(task=job.task, status=Status.RAN, message="Ran.")
        if job.solution and job.code.strip() == job.solution.strip():
            return Result(task=job.task, status=Status.PASS, message="Passed.")
        return Result(task=job.task, status=Status.FAIL, message="Not yet (fake runner).")


def wrong_dtype_4(job: Job) -> Result:
    """Task 4's verdict on float zeros, in the job's language, as the real check words it."""
    zh = job.lang == "zh"
    return Result(
        task=job.task,
        status=Status.FAIL,
        message="`x` 的 dtype 是 float32，题目要求 long (int64)。"
        if zh
        else "`x` has dtype float32, the task asks for long (int64).",
        seconds=0.1,
    )
