"""The fault suite: learner code that hangs, floods or crashes never takes the app with it.

For every fault:

- the check ends within its limit + 5 s;
- the verdict names the cause in learner words;
- no process is left behind (nothing in the job's session, nor any process it
  started in a session of its own);
- the warm worker still works afterwards.

Resource faults run with both sandboxes: cgroups (where this machine allows
them, as in CI) and the /proc watcher that laptops without cgroups get.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Limits, SetupPiece, Status
from tests.helpers import REPORT_PID, alive, reported_pid

GRACE = 5.0
CHECK_X = "expect_tensor(x, name='x', shape=(2,))"


@dataclass(frozen=True)
class Fault:
    name: str
    code: str
    status: Status
    message: str
    seconds: float = 3.0
    memory_mb: int = 3072
    both_sandboxes: bool = False


FAULTS = [
    Fault("infinite loop", "n = 0\nwhile True:\n    n += 1\n", Status.TIMEOUT,
          "still running after 3 s (the limit for this task) and was stopped at line", both_sandboxes=True),
    Fault("sleep forever", "import time\ntime.sleep(10 ** 6)\n", Status.TIMEOUT,
          "was stopped at line 2: `time.sleep(10 ** 6)`"),
    Fault("input()", "name = input('name? ')\n", Status.ERROR,
          "input() cannot read anything here: quiz-tui runs your code without a keyboard"),
    Fault("memory bomb", "keep = []\nwhile True:\n    keep.append(torch.ones(50_000_000))\n",
          Status.ERROR, "used more than 1.0 GB of memory (the limit for this task) and was stopped at line 3",
          seconds=30, memory_mb=1024, both_sandboxes=True),
    Fault("fork bomb", "import os\nwhile True:\n    os.fork()\n", Status.ERROR,
          "processes or threads", seconds=15, both_sandboxes=True),
    Fault("thread bomb",
          "import threading, time\nwhile True:\n"
          "    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\n",
          Status.ERROR, "threads", seconds=15, both_sandboxes=True),
    Fault("stdout flood", "while True:\n    print('spam ' * 200)\n", Status.TIMEOUT,
          "still running after 3 s", both_sandboxes=True),
    Fault("stderr flood", "import sys\nwhile True:\n    sys.stderr.write('warn ' * 200)\n",
          Status.TIMEOUT, "still running after 3 s"),
    Fault("a single 50 MB print", "print('x' * 50_000_000)\nx = torch.zeros(2)\n", Status.PASS,
          "All checks passed", seconds=15),
    Fault("segfault", "import ctypes\nctypes.string_at(0)\n", Status.ERROR,
          "crashed Python with a segmentation fault (SIGSEGV) at line 2", both_sandboxes=True),
    Fault("os.abort()", "import os\nos.abort()\n", Status.ERROR, "aborted the Python process (SIGABRT"),
    Fault("os._exit(3)", "import os\nos._exit(3)\n", Status.ERROR,
          "ended the process (exit code 3, e.g. with os._exit)"),
    Fault("sys.exit(0)", "import sys\nsys.exit(0)\n", Status.ERROR, "called sys.exit() or exit()"),
    Fault("KeyboardInterrupt", "raise KeyboardInterrupt\n", Status.ERROR, "KeyboardInterrupt on line 1"),
    Fault("RecursionError", "def f(n):\n    return f(n + 1)\nf(0)\n", Status.ERROR,
          "RecursionError on line 2: maximum recursion depth exceeded"),
    Fault("a 2 GB file",
          "with open('big.bin', 'wb') as f:\n    for _ in range(2048):\n"
          "        f.write(b'\\0' * (1 << 20))\n",
          Status.ERROR, "File too large", seconds=20),
    Fault("disk flood (many large files)",
          "block = b'\\1' * (1 << 20)\nfor i in range(100):\n    with open(f'f{i}.bin', 'wb') as f:\n"
          "        for _ in range(256):\n            f.write(block)\n",
          Status.ERROR, "wrote more than 2 GB of files (or too many files)", seconds=60),
    Fault("file flood (many small files)",
          "import os\nos.mkdir('d')\nfor i in range(10 ** 6):\n    open(f'd/{i}', 'w').close()\n",
          Status.ERROR, "wrote more than 2 GB of files (or too many files)", seconds=60),
    Fault("markup and escape sequences",
          "print('[bold]x[/] \\x1b[2J\\x1b]52;c;aGk=\\x07')\nx = torch.zeros(2)\n",
          Status.PASS, "All checks passed"),
    Fault("non-UTF-8 bytes",
          "import os, sys\nsys.stdout.buffer.write(b'\\xff\\xfe ok\\n')\nos.write(2, b'\\xc3(')\nx = torch.zeros(2)\n",
          Status.PASS, "All checks passed"),
]  # fmt: skip

CASES = [
    pytest.param(fault, sandbox, id=f"{fault.name}-{sandbox}")
    for fault in FAULTS
    for sandbox in (["auto", "watch"] if fault.both_sandboxes else ["auto"])
]


def session_members(sid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] not in (b"Z", b"X"):
            found.append(int(name))
    return found


def wait_until(condition: object, timeout: float = 30.0) -> bool:
    """Whether ``condition()`` comes true before ``timeout``: an event awaited, not a time
    guessed. Generous, because a machine busy elsewhere (CI, ``stress --cpu 2``) takes
    seconds to tear down a fork bomb's processes; a process that never goes still fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return bool(condition())  # type: ignore[operator]


@pytest.fixture(scope="module")
def runners() -> Iterator[dict[str, Runner]]:
    made: dict[str, Runner] = {}
    yield made
    for runner in made.values():
        runner.close()


def get_runner(runners: dict[str, Runner], sandbox: str) -> Runner:
    if sandbox not in runners:
        runner = Runner(device="cpu", sandbox=sandbox)
        runner.start()
        assert runner.wait_ready()
        runners[sandbox] = runner
    return runners[sandbox]


def job(code: str, *, seconds: float, memory_mb: int = 3072) -> Job:
    return Job(
        task="fault",
        code=code,
        check=CHECK_X,
        setup=(SetupPiece("fixture:torch", "import torch\n"), SetupPiece("setup", REPORT_PID)),
        limits=Limits(seconds=seconds, memory_mb=memory_mb),
    )


def gone(stdout: str) -> bool:
    """The job's process and everything in its session have ended."""
    pid, session = reported_pid(stdout)
    return not alive(pid) and not session_members(session)


def assert_worker_still_works(runner: Runner, tmp_path: Path) -> None:
    result = runner.run(job("x = torch.zeros(2)\n", seconds=10))
    assert result.status is Status.PASS, result.message


@pytest.mark.parametrize(("fault", "sandbox"), CASES)
def test_fault(fault: Fault, sandbox: str, runners: dict[str, Runner], tmp_path: Path) -> None:
    runner = get_runner(runners, sandbox)
    started = time.monotonic()
    result = runner.run(job(fault.code, seconds=fault.seconds, memory_mb=fault.memory_mb))
    took = time.monotonic() - started
    assert took < fault.seconds + GRACE, f"took {took:.1f} s"
    assert result.status is fault.status, result.message
    assert fault.message in result.message
    assert wait_until(lambda: gone(result.stdout)), "the job left processes running"
    assert_worker_still_works(runner, tmp_path)


def test_flooded_output_is_cut_and_counted(runners: dict[str, Runner], tmp_path: Path) -> None:
    result = get_runner(runners, "auto").run(
        job("print('x' * 50_000_000)\nx = torch.zeros(2)\n", seconds=15)
    )
    assert len(result.stdout.encode()) == 64 * 1024
    pid_line = len(result.stdout.splitlines(keepends=True)[0])  # from REPORT_PID
    assert result.stdout_cut == pid_line + 50_000_001 - 64 * 1024
    assert result.truncated


def test_markup_stays_literal_and_escapes_never_come_back(
    runners: dict[str, Runner], tmp_path: Path
) -> None:
    noise = "[bold]x[/] \x1b[2J\x1b]52;c;aGk=\x07done"
    result = get_runner(runners, "auto").run(
        job(f"print({noise!r})\nx = torch.zeros(2)\n", seconds=5)
    )
    assert "[bold]x[/] done" in result.stdout
    assert "\x1b" not in result.stdout and "52;c;" not in result.stdout


def test_non_utf8_bytes_are_replaced_not_fatal(runners: dict[str, Runner], tmp_path: Path) -> None:
    code = "import os, sys\nsys.stdout.buffer.write(b'\\xff\\xfe ok\\n')\nos.write(2, b'\\xc3(')\nx = torch.zeros(2)\n"
    result = get_runner(runners, "auto").run(job(code, seconds=5))
    assert "\ufffd\ufffd ok" in result.stdout
    assert "\ufffd" in result.stderr


@pytest.mark.parametrize("sandbox", ["auto", "watch"])
def test_a_detached_grandchild_is_stopped(
    sandbox: str, runners: dict[str, Runner], tmp_path: Path
) -> None:
    runner = get_runner(runners, sandbox)
    code = (
        "import subprocess, sys\n"
        f"report = {REPORT_PID.replace('QUIZ-PID', 'GRANDCHILD')!r}\n"
        "p = subprocess.Popen([sys.executable, '-c', report + 'import time; time.sleep(600)'],\n"
        "                     start_new_session=True, stdout=subprocess.PIPE, text=True)\n"
        "print(p.stdout.readline(), flush=True)\n"
        "x = torch.zeros(2)\n"
    )
    started = time.monotonic()
    result = runner.run(job(code, seconds=10))
    assert time.monotonic() - started < 10 + GRACE
    assert result.status is Status.PASS, result.message
    pid, _ = reported_pid(result.stdout, "GRANDCHILD")
    assert wait_until(lambda: not alive(pid)), "the detached grandchild outlived its check"
    assert_worker_still_works(runner, tmp_path)


def test_the_boxed_learner_cannot_kill_its_worker(tmp_path: Path) -> None:
    """In its pid namespace the learner's code sees no worker to kill (getppid() is 0)."""
    with Runner(device="cpu") as runner:
        runner.start()
        assert runner.wait_ready()
        first = runner.worker_pid
        code = "import os, signal\nx = torch.zeros(2)\nos.kill(os.getppid(), signal.SIGKILL)\n"
        result = runner.run(job(code, seconds=5))
        assert result.status in (Status.PASS, Status.ERROR), result.message
        assert first is not None and alive(first) and runner.worker_pid == first
        assert_worker_still_works(runner, tmp_path)


def test_killing_the_parent_worker_is_reported_and_recovered(tmp_path: Path) -> None:
    """Without the box (a kernel without namespaces), the code can kill the worker: said, and
    a new worker takes over."""
    with Runner(device="cpu", box=False) as runner:
        runner.start()
        assert runner.wait_ready()
        first = runner.worker_pid
        code = "import os, signal\nx = torch.zeros(2)\nos.kill(os.getppid(), signal.SIGKILL)\n"
        started = time.monotonic()
        result = runner.run(job(code, seconds=5))
        assert time.monotonic() - started < 5 + GRACE
        assert result.status is Status.ERROR
        assert "did your code kill its parent process?" in result.message
        assert first is not None and wait_until(lambda: not alive(first))
        assert wait_until(lambda: gone(result.stdout))
        assert_worker_still_works(runner, tmp_path)
        assert runner.worker_pid not in (None, first)
