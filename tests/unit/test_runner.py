"""The runner's contract beyond faults: tracebacks, cancelling, seeding, isolation.

Misbehaving code (loops, bombs, crashes, floods) is in tests/faults/.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Limits, SetupPiece, Status

TORCH = (SetupPiece("fixture:torch", "import torch\n"),)
CHECK_X = "expect_tensor(x, name='x', shape=(2,))"
GRACE = 5.0


def job(code: str, *, seconds: float = 2.0, memory_mb: int = 3072, check: str = CHECK_X) -> Job:
    return Job(
        task="t",
        code=code,
        check=check,
        setup=TORCH,
        names=(),
        limits=Limits(seconds=seconds, memory_mb=memory_mb),
    )


@pytest.fixture(scope="module", params=["auto", "watch"])
def sandboxed(request: pytest.FixtureRequest) -> Iterator[Runner]:
    """A warm runner with each sandbox: cgroups where writable, and the /proc watcher."""
    with Runner(device="cpu", sandbox=request.param) as r:
        r.start()
        assert r.wait_ready()
        yield r


def run_timed(runner: Runner, j: Job) -> tuple[float, object]:
    started = time.monotonic()
    result = runner.run(j)
    return time.monotonic() - started, result


def assert_worker_still_works(runner: Runner) -> None:
    result = runner.run(job("x = torch.zeros(2)"))
    assert result.status is Status.PASS, result.message


def test_syntax_error_points_at_the_editor_line(runner: Runner) -> None:
    result = runner.run(job("x = 1\ny = (\nz = 3\n"))
    assert result.status is Status.ERROR
    assert result.message.startswith("SyntaxError on line 2")
    assert result.line == 2
    assert 'File "<your code>", line 2' in result.traceback


def test_runtime_error_traceback_has_editor_line_numbers(runner: Runner) -> None:
    result = runner.run(job("a = torch.ones(4)\n\nb = a.view(3, 5)\n"))
    assert result.status is Status.ERROR
    assert result.line == 3
    assert 'File "<your code>", line 3, in <module>' in result.traceback
    assert "b = a.view(3, 5)" in result.traceback
    # Only the learner's frames: none of the worker's own files (checkers/_worker.py,
    # _job.py, _learner.py, ...).
    assert "checkers" not in result.traceback


def test_an_exception_inside_the_check_is_not_the_learners_fault(runner: Runner) -> None:
    result = runner.run(job("x = torch.zeros(2)\n", check="1 / 0"))
    assert result.status is Status.CHECKER_ERROR
    assert "not in your code" in result.message
    assert "ZeroDivisionError" in result.message


def test_an_error_in_learner_code_called_by_the_probe_is_the_learners(runner: Runner) -> None:
    code = "x = torch.zeros(2)\ndef f():\n    return 1 / 0\n"
    result = runner.run(replace(job(code, check="recorded('y')"), probe="record('y', f())"))
    assert result.status is Status.ERROR
    assert result.line == 3
    assert "while the check was using your code" in result.message


def test_the_judge_never_calls_learner_code(runner: Runner) -> None:
    code = "x = torch.zeros(2)\ndef f():\n    return torch.zeros(2)\n"
    result = runner.run(job(code, check="f()"))
    assert result.status is Status.FAIL
    assert "runs no learner code" in result.message


def test_cancel_stops_a_running_check() -> None:
    import threading

    with Runner(device="cpu") as r:
        r.start()
        assert r.wait_ready()
        cancel = threading.Event()
        threading.Timer(0.5, cancel.set).start()
        started = time.monotonic()
        result = r.run(job("import time\ntime.sleep(60)\n", seconds=30), cancel=cancel)
        assert time.monotonic() - started < 3
        assert result.status is Status.CANCELLED


def test_only_the_jobs_own_process_reports_its_facts(runner: Runner) -> None:
    # The learner's function forks when the probe calls it; the copy gets a wrong
    # answer and must not report it in place of the real one.
    code = (
        "import os\ndef f():\n    pid = os.fork()\n    return torch.zeros(3 if pid == 0 else 2)\n"
    )
    check = "expect_tensor(recorded('x'), name='x', shape=(2,))"
    for _ in range(5):
        result = runner.run(replace(job(code, check=check), probe="record('x', f())"))
        assert result.status is Status.PASS, result.message


def test_each_check_starts_from_the_same_seed(runner: Runner) -> None:
    a = runner.run(job("x = torch.rand(2)\nprint(x.tolist())", check=""))
    b = runner.run(job("x = torch.rand(2)\nprint(x.tolist())", check=""))
    assert a.status is Status.PASS and b.status is Status.PASS
    assert a.stdout == b.stdout


def test_state_does_not_leak_between_checks(runner: Runner) -> None:
    runner.run(job("import torch\ntorch.leaked = 1\nx = torch.zeros(2)"))
    result = runner.run(job("x = torch.zeros(2)\nprint(hasattr(torch, 'leaked'))"))
    assert result.stdout.strip() == "False"


def test_the_working_directory_is_fresh_and_removed(runner: Runner) -> None:
    result = runner.run(
        job("import os\nprint(os.getcwd())\nprint(os.listdir('.'))\nx = torch.zeros(2)")
    )
    cwd, listing = result.stdout.splitlines()
    assert listing == "[]"
    # Removed once the verdict is back, off its critical path.
    assert runner.wait_idle()
    assert not os.path.exists(cwd)


def test_the_untouched_starter_is_not_attempted_without_running(runner: Runner) -> None:
    j = Job(task="t", code="# your code\nx = ...\n", starter="x = ...  # here", check=CHECK_X)
    result = runner.run(j)
    assert result.status is Status.NOT_ATTEMPTED
    assert result.seconds == 0.0


def test_cold_runs_work_the_same(tmp_path: Path) -> None:
    with Runner(device="cpu", warm=False) as cold:
        result = cold.run(job("x = torch.zeros(3)"))
    assert result.status is Status.FAIL
    assert result.message == "`x` has shape (3,), the task asks for (2,)."
    assert not result.warm


def test_falls_back_to_a_cold_interpreter_when_the_warm_worker_cannot_start(tmp_path: Path) -> None:
    # An interpreter wrapper whose zygote always dies at once, but runs one-off jobs.
    wrapper = tmp_path / "python"
    wrapper.write_text(
        f'#!/bin/sh\nif [ "$3" = zygote ]; then exit 1; fi\nexec {sys.executable} "$@"\n'
    )
    wrapper.chmod(0o755)
    with Runner(device="cpu", python=str(wrapper)) as r:
        r.start()
        assert not r.wait_ready(timeout=10)
        result = r.run(job("x = torch.zeros(2)"))
    assert result.status is Status.PASS, result.message
    assert not result.warm


def test_checks_keep_their_own_limits_when_their_cgroups_were_made_ahead(sandboxed: Runner) -> None:
    """After each check the runner makes the next one's cgroups, and the worker's waiting
    box joins them while idle: the next check must still be held to its own limits."""
    hog = "keep = []\nwhile True:\n    keep.append(torch.ones(25_000_000))\n"
    threads = (
        "import threading, time\n"
        "while True:\n"
        "    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\n"
    )
    for _ in range(2):
        assert_worker_still_works(sandboxed)
        assert sandboxed.wait_idle()
        result = sandboxed.run(job(hog, seconds=30, memory_mb=400))
        assert result.status is Status.ERROR, result.message
        assert "used more than 0.4 GB of memory" in result.message, result.message
        assert sandboxed.wait_idle()
        few = replace(job(threads), limits=Limits(seconds=30, tasks=16))
        result = sandboxed.run(few)
        assert result.status is Status.ERROR, result.message
        assert "threads" in result.message, result.message


def test_a_parked_process_counts_as_joined_only_when_every_move_succeeded(tmp_path: Path) -> None:
    """A check skips moving a parked process that joined its cgroups ahead; a move that
    failed (a folder gone, say) must leave it to be moved again, never unconfined."""
    from checkers._parking import ParkedJudge

    here, gone = tmp_path / "here", tmp_path / "gone"
    here.mkdir()
    (here / "cgroup.procs").write_text("")
    judge = ParkedJudge(os.getpid(), socket.socket())
    try:
        assert not judge.join([str(here), str(gone)])
        assert judge.joined == []
        assert judge.join([str(here)])
        assert judge.joined == [str(here)]
        assert (here / "cgroup.procs").read_text() == str(os.getpid())
    finally:
        judge.sock.close()
