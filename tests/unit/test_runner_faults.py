"""Learner code that misbehaves gets a clear verdict, in time, and leaves nothing behind.

Each fault runs through the real worker. The checks: the run ends within its
limit plus 5 s, the status and message name the cause in learner words, every
process the code started is gone, and the worker still works afterwards.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz_tui.core.model import Limits, SetupPiece, Status
from quiz_tui.core.runner import Job, Runner

TORCH = (SetupPiece("fixture:torch", "import torch\n"),)
CHECK_X = "expect_tensor(x, name='x', shape=(2,))"
GRACE = 5.0


def alive(pid: int) -> bool:
    """True while ``pid`` is a running (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in (b"Z", b"X")


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


def test_infinite_loop_times_out_at_its_line(sandboxed: Runner) -> None:
    took, result = run_timed(sandboxed, job("x = 1\nwhile True:\n    x += 1\n"))
    assert took < 2.0 + GRACE
    assert result.status is Status.TIMEOUT
    assert "still running after 2 s" in result.message
    assert result.line in (2, 3)
    assert_worker_still_works(sandboxed)


def test_sleeping_forever_times_out(sandboxed: Runner) -> None:
    took, result = run_timed(sandboxed, job("import time\ntime.sleep(10_000)\n"))
    assert took < 2.0 + GRACE
    assert result.status is Status.TIMEOUT
    assert result.line == 2
    assert "`time.sleep(10_000)`" in result.message


def test_input_says_there_is_no_keyboard(runner: Runner) -> None:
    result = runner.run(job("name = input('Your name? ')\n"))
    assert result.status is Status.ERROR
    assert "input() cannot read anything here" in result.message
    assert result.line == 1


def test_output_flood_is_cut_and_counted(sandboxed: Runner) -> None:
    took, result = run_timed(sandboxed, job("while True:\n    print('spam ' * 200)\n"))
    assert took < 2.0 + GRACE
    assert result.status is Status.TIMEOUT
    assert result.truncated
    assert len(result.stdout.encode()) <= 64 * 1024
    assert result.stdout_cut > 1_000_000


def test_stderr_flood_is_cut_too(runner: Runner) -> None:
    code = (
        "import sys\nfor _ in range(20000):\n    sys.stderr.write('e' * 1000)\nx = torch.zeros(2)\n"
    )
    result = runner.run(job(code, seconds=10))
    assert result.status is Status.PASS
    assert result.stderr_cut == 20_000_000 - 64 * 1024
    assert result.truncated


def test_a_single_50_mb_print_is_drained(runner: Runner) -> None:
    result = runner.run(job("print('x' * 50_000_000)\nx = torch.zeros(2)\n", seconds=10))
    assert result.status is Status.PASS
    assert result.stdout_cut == 50_000_001 - 64 * 1024


def test_segfault_is_named(sandboxed: Runner) -> None:
    result = sandboxed.run(job("import ctypes\nctypes.string_at(0)\n"))
    assert result.status is Status.ERROR
    assert "segmentation fault" in result.message
    assert result.line == 2
    assert_worker_still_works(sandboxed)


def test_os_abort_is_named(runner: Runner) -> None:
    result = runner.run(job("import os\nos.abort()\n"))
    assert result.status is Status.ERROR
    assert "SIGABRT" in result.message


def test_os_exit_is_named(runner: Runner) -> None:
    result = runner.run(job("import os\nos._exit(3)\n"))
    assert result.status is Status.ERROR
    assert "exit code 3" in result.message
    assert_worker_still_works(runner)


def test_sys_exit_is_named(runner: Runner) -> None:
    result = runner.run(job("import sys\nsys.exit(0)\n"))
    assert result.status is Status.ERROR
    assert "sys.exit()" in result.message


def test_keyboard_interrupt_is_an_error_of_the_code(runner: Runner) -> None:
    result = runner.run(job("raise KeyboardInterrupt\n"))
    assert result.status is Status.ERROR
    assert "KeyboardInterrupt" in result.message
    assert result.line == 1


def test_recursion_error_is_explained(runner: Runner) -> None:
    result = runner.run(job("def f(n):\n    return f(n + 1)\nf(0)\n"))
    assert result.status is Status.ERROR
    assert result.message.startswith("RecursionError on line 2")
    assert "keeps calling itself" in result.message
    # The traceback collapses the repeated frame instead of listing a thousand.
    assert "[Previous line repeated" in result.traceback


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
    # Only the learner's frames: none of the worker's own files.
    assert "_worker.py" not in result.traceback


def test_an_exception_inside_the_check_is_not_the_learners_fault(runner: Runner) -> None:
    result = runner.run(job("x = torch.zeros(2)\n", check="1 / 0"))
    assert result.status is Status.CHECKER_ERROR
    assert "not in your code" in result.message
    assert "ZeroDivisionError" in result.message


def test_an_error_in_learner_code_called_by_the_check_is_the_learners(runner: Runner) -> None:
    code = "x = torch.zeros(2)\ndef f():\n    return 1 / 0\n"
    result = runner.run(job(code, check="f()"))
    assert result.status is Status.ERROR
    assert result.line == 3
    assert "while the check was using your code" in result.message


def test_markup_and_escape_sequences_come_back_as_literal_text(runner: Runner) -> None:
    noise = "[bold]x[/] \x1b[2J\x1b]52;c;aGVsbG8=\x07 [red]y"
    result = runner.run(job(f"print({noise!r})\nx = torch.zeros(2)\n"))
    assert result.status is Status.PASS
    assert noise in result.stdout
    assert noise in json.loads(json.dumps(result.to_json()))["stdout"]


def test_non_utf8_bytes_are_decoded_safely(runner: Runner) -> None:
    code = "import sys, os\nsys.stdout.buffer.write(b'ok \\xff\\xfe done\\n')\nos.write(2, b'\\xc3(')\nx = torch.zeros(2)\n"
    result = runner.run(job(code))
    assert result.status is Status.PASS
    assert "ok \ufffd\ufffd done" in result.stdout
    assert "\ufffd" in result.stderr


def test_memory_bomb_is_stopped_with_the_limit_named(sandboxed: Runner) -> None:
    code = "chunks = []\nwhile True:\n    chunks.append(torch.ones(50_000_000))\n"
    took, result = run_timed(sandboxed, job(code, seconds=30, memory_mb=1024))
    assert took < 30 + GRACE
    assert result.status is Status.ERROR
    assert "used more than 1.0 GB of memory" in result.message
    assert_worker_still_works(sandboxed)


def test_fork_bomb_is_stopped(sandboxed: Runner) -> None:
    took, result = run_timed(sandboxed, job("import os\nwhile True:\n    os.fork()\n", seconds=10))
    assert took < 10 + GRACE
    assert result.status is Status.ERROR
    assert "processes or threads" in result.message
    assert_worker_still_works(sandboxed)


def test_thread_bomb_is_stopped(sandboxed: Runner) -> None:
    code = (
        "import threading, time\n"
        "while True:\n"
        "    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
    )
    took, result = run_timed(sandboxed, job(code, seconds=10))
    assert took < 10 + GRACE
    assert result.status is Status.ERROR
    assert "threads" in result.message


def test_a_huge_file_write_fails_with_a_clear_error(runner: Runner, tmp_path: Path) -> None:
    code = (
        "with open('big.bin', 'wb') as f:\n"
        "    for _ in range(2048):\n"
        "        f.write(b'\\0' * (1 << 20))\n"
    )
    result = runner.run(job(code, seconds=20))
    assert result.status is Status.ERROR
    assert "File too large" in result.message
    assert "at most 512 MB" in result.message


def test_a_detached_grandchild_does_not_survive(sandboxed: Runner, tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'],\n"
        "                     start_new_session=True)\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "x = torch.zeros(2)\n"
    )
    result = sandboxed.run(job(code, seconds=10))
    assert result.status is Status.PASS, result.message
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild)


def test_the_job_and_its_children_are_gone_after_a_timeout(
    sandboxed: Runner, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pids"
    code = (
        "import os, subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pidfile)!r}, 'w').write(f'{{os.getpid()}} {{p.pid}}')\n"
        "time.sleep(600)\n"
    )
    result = sandboxed.run(job(code))
    assert result.status is Status.TIMEOUT
    for pid in map(int, pidfile.read_text().split()):
        assert not alive(pid), f"process {pid} outlived its check"


def test_killing_the_parent_worker_is_reported_and_recovered(tmp_path: Path) -> None:
    with Runner(device="cpu") as r:
        r.start()
        assert r.wait_ready()
        first = r.worker_pid
        code = "import os, signal\nx = torch.zeros(2)\nos.kill(os.getppid(), signal.SIGKILL)\n"
        result = r.run(job(code))
        assert result.status is Status.ERROR
        assert "did your code kill its parent process?" in result.message
        assert first is not None and not alive(first)
        after = r.run(job("x = torch.zeros(2)"))
        assert after.status is Status.PASS
        assert r.worker_pid not in (None, first)


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
