"""Check latency, cold against warm, for a tensor task, and what the judge and the box cost.

Cold: a new interpreter per check (imports torch and torchvision every time).
Warm: the zygote, which forks a fresh child per check from an interpreter that
already has them imported. A warm check is two processes: the learner's (in
its namespaces and Landlock box) and the judge's. Side by side, in one run:

- warm check: box + judge, what a learner gets, back to back (the worker has no
  idle moment to park the next box) and at a learner's pace (one check every
  0.3 s: the next box is parked and waiting);
- warm check without the pre-fork (``Runner(prefork=False)``: the judge forked per
  check, nothing warmed up, the box moved into its cgroups before it starts), back to
  back and paced, to see what pre-forking saves;
- warm check without the box (namespaces and Landlock off), to see the box's cost;
- learner's process alone (F6 Run: no judge), to see the judge's cost;
- cold check.

    .venv/bin/python bench/check_latency.py [--warm N] [--cold N] [--task 4]

Goal on a 2-core machine: warm p50 <= 100 ms (issue #8: no slower than the
single-process check's ~55 ms would be ideal), and warm at least 40x faster than cold.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Status


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def measure_times(runner: Runner, job: Job, n: int, *, gap: float = 0.0) -> list[float]:
    times = []
    want = Status.RAN if job.mode == "run" else Status.PASS
    for _ in range(n):
        if gap:
            time.sleep(gap)  # a learner's pace, not a timing guess: the clock starts after
        started = time.perf_counter()
        result = runner.run(job)
        times.append(time.perf_counter() - started)
        if result.status is not want:
            raise SystemExit(f"the reference solution did not {want.value}: {result.message}")
    return times


def _warm(
    job: Job, n: int, *, box: bool = True, gap: float = 0.0, prefork: bool = True
) -> tuple[list[float], str, float]:
    with Runner(device="cpu", warm=True, box=box, prefork=prefork) as warm:
        started = time.perf_counter()
        warm.start()
        warm.wait_ready()
        ready = time.perf_counter() - started
        measure_times(warm, job, 3)  # first forks touch pages; not what a learner waits for
        return measure_times(warm, job, n, gap=gap), warm.sandbox_name, ready


def measure(warm_n: int = 50, cold_n: int = 8, task: str = "4") -> dict[str, float | str]:
    """Warm and cold check latency, in seconds."""
    exercise = load_builtin().find(task)
    assert exercise is not None
    job = Job.for_exercise(exercise, exercise.solution)
    warm_times, sandbox, ready = _warm(job, warm_n)
    paced, _, _ = _warm(job, warm_n, gap=0.3)
    no_prefork, _, _ = _warm(job, warm_n, prefork=False)
    paced_no_prefork, _, _ = _warm(job, warm_n, gap=0.3, prefork=False)
    unboxed, _, _ = _warm(job, warm_n, box=False)
    learner_only, _, _ = _warm(Job.for_exercise(exercise, exercise.solution, mode="run"), warm_n)
    with Runner(device="cpu", warm=False) as cold:
        cold_times = measure_times(cold, job, cold_n)
    return {
        "task": task,
        "sandbox": sandbox,
        "ready": ready,
        "warm_p50": percentile(warm_times, 50),
        "warm_p95": percentile(warm_times, 95),
        "warm_mean": statistics.mean(warm_times),
        "warm_n": len(warm_times),
        "paced_p50": percentile(paced, 50),
        "paced_p95": percentile(paced, 95),
        "noprefork_p50": percentile(no_prefork, 50),
        "noprefork_p95": percentile(no_prefork, 95),
        "pacednoprefork_p50": percentile(paced_no_prefork, 50),
        "pacednoprefork_p95": percentile(paced_no_prefork, 95),
        "unboxed_p50": percentile(unboxed, 50),
        "unboxed_p95": percentile(unboxed, 95),
        "learner_p50": percentile(learner_only, 50),
        "learner_p95": percentile(learner_only, 95),
        "cold_p50": percentile(cold_times, 50),
        "cold_p95": percentile(cold_times, 95),
        "cold_mean": statistics.mean(cold_times),
        "cold_n": len(cold_times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=50, help="warm checks to time")
    parser.add_argument("--cold", type=int, default=8, help="cold checks to time")
    parser.add_argument("--task", default="4")
    args = parser.parse_args()
    m = measure(args.warm, args.cold, args.task)
    w50, w95, c50, c95 = (float(m[k]) for k in ("warm_p50", "warm_p95", "cold_p50", "cold_p95"))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"task {m['task']} (reference solution), sandbox: {m['sandbox']}")
    print(f"worker start (import torch+torchvision): {float(m['ready']) * 1000:.0f} ms")
    print(
        f"warm  n={m['warm_n']:3}  p50 {w50 * 1000:7.1f} ms  p95 {w95 * 1000:7.1f} ms  "
        f"mean {float(m['warm_mean']) * 1000:7.1f} ms"
    )
    for label, key in (
        ("  one check every 0.3 s", "paced"),
        ("  without the pre-fork ", "noprefork"),
        ("    and every 0.3 s    ", "pacednoprefork"),
        ("  without the box      ", "unboxed"),
        ("  learner alone (Run)  ", "learner"),
    ):
        p50, p95 = float(m[f"{key}_p50"]), float(m[f"{key}_p95"])
        print(f"{label}  p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms")
    print(
        f"cold  n={m['cold_n']:3}  p50 {c50 * 1000:7.1f} ms  p95 {c95 * 1000:7.1f} ms  "
        f"mean {float(m['cold_mean']) * 1000:7.1f} ms"
    )
    print(f"warm is {c50 / w50:.0f}x faster than cold at p50 ({c95 / w95:.0f}x at p95)")
    goal = w50 <= 0.100 and c50 / w50 >= 40
    print(f"goal (warm p50 <= 100 ms and >= 40x): {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()
