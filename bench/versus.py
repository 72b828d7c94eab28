"""quiz-tui's warm check against a warm Jupyter kernel and a cold interpreter, side by side.

The same tasks (4: a tensor, 24: autograd, 39: a LeNet forward), their reference
solutions, through three paths in one run:

- **quiz-tui**: the warm runner, as the app uses it: a learner's process in its box
  and a judge, forked from the zygote; timed back to back and at a learner's pace
  (one check every 0.3 s, so the worker parks the next box and judge between checks),
  and paced with ``Runner(prefork=False)`` (judges forked per check, nothing warmed up);
- **kernel**: a warm ipykernel (through jupyter_client) executing one cell per check:
  the task's setup, the learner's code and the task's own ``check()``, in the
  kernel's process, with no isolation and no judge at all: what a notebook gives;
- **cold**: ``python -c`` that imports torch and torchvision and runs the same cell.

It prints p50/p95 per path and task, and the ratios to the kernel.

    .venv/bin/python bench/versus.py [--n 30] [--cold 3] [--tasks 4,24,39]

Needs the ``bench`` extra (``pip install -e '.[bench]'``: ipykernel, jupyter_client).
Goal (issue #15): quiz-tui's p50 <= 1.5x the kernel's for every task.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_latency import measure_times, percentile  # noqa: E402

from quiz_tui.core.content.packs import load_builtin  # noqa: E402
from quiz_tui.core.execution.runner import Job, Runner  # noqa: E402

PACE = 0.3
"""Seconds between paced checks (a learner does not press F5 faster)."""


def cell(job: Job) -> str:
    """One notebook cell that does what a check does, minus the isolation and the judge."""
    setup = [p.code for p in job.setup]
    return f"""
import builtins as _b, contextlib as _cl, io as _io, sys as _sys
if {job.lib!r} not in _sys.path:
    _sys.path.insert(0, {job.lib!r})
import torch as _torch
from checkers import _call as _qc, _core as _qcore
_buf = _io.StringIO()
_qcore._reset(lang="en", stdout=_buf.getvalue, seed={job.seed})
_torch.manual_seed({job.seed})
_ns = {{"__name__": "__main__", "__builtins__": _b}}
for _code in {setup!r}:
    exec(compile(_code, "<setup>", "exec"), _ns)
with _cl.redirect_stdout(_buf):
    exec(compile({job.code!r}, "<your code>", "exec"), _ns)
_check = _qc.load({job.check!r}, "<check>", "__check__")["check"]
_kwargs, _missing = _qc.arguments(_check, _ns, {{}})
assert not _missing, _missing
_check(**_kwargs)
print("PASS")
"""


class Kernel:
    """A warm ipykernel, started once; ``run`` executes a cell and returns its stdout."""

    def __init__(self, threads: int) -> None:
        from jupyter_client.manager import start_new_kernel

        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.manager, self.client = start_new_kernel(kernel_name="python3", env=env)
        self.run(f"import torch, torchvision; torch.set_num_threads({threads})")

    def run(self, code: str) -> str:
        out: list[str] = []

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("\n".join(msg["content"]["traceback"]))

        reply = self.client.execute_interactive(
            code, store_history=False, timeout=60, output_hook=hook
        )
        if reply["content"]["status"] != "ok":
            raise SystemExit(f"the kernel failed the cell: {''.join(out)}")
        return "".join(out)

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def time_kernel(kernel: Kernel, code: str, n: int) -> list[float]:
    for _ in range(3):
        kernel.run(code)  # the first cells compile and warm caches
    times = []
    for _ in range(n):
        started = time.perf_counter()
        printed = kernel.run(code)
        times.append(time.perf_counter() - started)
        if "PASS" not in printed:
            raise SystemExit(f"the kernel's check did not pass: {printed}")
    return times


def time_cold(code: str, n: int, threads: int) -> list[float]:
    script = f"import torch, torchvision; torch.set_num_threads({threads})\n{code}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(n):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
        )
        times.append(time.perf_counter() - started)
        if "PASS" not in done.stdout:
            raise SystemExit(f"the cold check did not pass: {done.stderr[-2000:]}")
    return times


def measure(tasks: list[str], n: int, cold: int) -> tuple[dict[str, dict[str, list[float]]], str]:
    """Seconds per check, for each task and path, and a line about the machine."""
    pack = load_builtin()
    jobs = {}
    for task in tasks:
        exercise = pack.find(task)
        assert exercise is not None, task
        jobs[task] = Job.for_exercise(exercise, exercise.solution)

    rows: dict[str, dict[str, list[float]]] = {task: {} for task in jobs}
    with Runner(device="cpu", warm=True) as runner:
        runner.start()
        runner.wait_ready()
        threads = runner._threads
        for task, job in jobs.items():
            measure_times(runner, job, 3)
            rows[task]["quiz-tui"] = measure_times(runner, job, n)
            rows[task]["quiz-tui paced"] = measure_times(runner, job, n, gap=PACE)
        sandbox = runner.sandbox_name
    with Runner(device="cpu", warm=True, prefork=False) as runner:
        runner.start()
        runner.wait_ready()
        for task, job in jobs.items():
            measure_times(runner, job, 3)
            rows[task]["no pre-fork, paced"] = measure_times(runner, job, n, gap=PACE)
    kernel = Kernel(threads)
    try:
        for task, job in jobs.items():
            rows[task]["kernel"] = time_kernel(kernel, cell(job), n)
    finally:
        kernel.close()
    for task, job in jobs.items():
        rows[task]["cold"] = time_cold(cell(job), cold, threads)
    about = (
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"sandbox: {sandbox}, torch threads: {threads}"
    )
    return rows, about


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="warm checks to time per path and task")
    parser.add_argument("--cold", type=int, default=3, help="cold checks per task")
    parser.add_argument("--tasks", default="4,24,39")
    args = parser.parse_args()
    rows, about = measure(args.tasks.split(","), args.n, args.cold)
    print(about)
    print(f"{'task':>4}  {'path':<18} {'n':>3} {'p50 ms':>9} {'p95 ms':>9}  {'p50/kernel':>10}")
    met = True
    for task, paths in rows.items():
        base = percentile(paths["kernel"], 50)
        for path, times in paths.items():
            p50, p95 = percentile(times, 50), percentile(times, 95)
            print(
                f"{task:>4}  {path:<18} {len(times):3} {p50 * 1000:9.1f} {p95 * 1000:9.1f}  "
                f"{p50 / base:9.2f}x"
            )
            if path in ("quiz-tui", "quiz-tui paced") and p50 > 1.5 * base:
                met = False
    print(f"goal (quiz-tui p50 <= 1.5x the kernel's, every task): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
