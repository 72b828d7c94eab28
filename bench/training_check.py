"""The training check (task 55): its time and the accuracy it measures, over 5 seeds.

Runs the reference solution of task 55 (the article's whole training loop,
2 epochs) through the real worker, as a learner's check would, once per seed,
on the CPU and, when torch sees a GPU, on CUDA too.

    .venv/bin/python bench/training_check.py [--seeds 5]

Also runs the typical broken loops once each, to show they stay near chance
(10%) or are stopped early.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Status
from quiz_tui.core.state.data import practice_source


def run_seeds(device: str, seeds: int) -> dict[str, list[float]]:
    exercise = load_builtin().find("55")
    assert exercise is not None
    with Runner(device=device) as runner:  # type: ignore[arg-type]
        runner.start()
        runner.wait_ready()
        job = Job.for_exercise(exercise, exercise.solution)
        started = time.perf_counter()
        first = runner.run(replace(job, seed=1000))  # builds the practice set once if needed
        print(
            f"[{device}] first check (data prepared if needed): {time.perf_counter() - started:.1f} s"
        )
        if first.status is not Status.PASS:
            print(f"[{device}] reference solution did not pass: {first.message}")
        times, accuracies = [], []
        for seed in range(seeds):
            started = time.perf_counter()
            result = runner.run(replace(job, seed=seed))
            took = time.perf_counter() - started
            accuracy = float(result.details.get("accuracy", 0.0))
            times.append(took)
            accuracies.append(accuracy)
            print(
                f"[{device}] seed {seed}: {result.status.value:5s} accuracy {accuracy:.1%}  "
                f"loss {result.details.get('loss_first', 0):.3f} → {result.details.get('loss_last', 0):.3f}  "
                f"check {took:.1f} s ({result.device})"
            )
        print(
            f"[{device}] over {seeds} seeds: accuracy min {min(accuracies):.1%} "
            f"mean {statistics.mean(accuracies):.1%} max {max(accuracies):.1%}; "
            f"check time mean {statistics.mean(times):.1f} s, max {max(times):.1f} s"
        )
        measured = {"times": times, "accuracies": accuracies}
        for i, wrong in enumerate(exercise.wrong):
            started = time.perf_counter()
            result = runner.run(replace(job, code=wrong.code))
            print(
                f"[{device}] broken loop {i}: {result.status.value} in "
                f"{time.perf_counter() - started:.1f} s: {result.message[:90]}"
            )
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--device", choices=["cpu", "cuda", "both"], default="both")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"data: {practice_source().describe()}")
    if args.device in ("cpu", "both"):
        run_seeds("cpu", args.seeds)
    if args.device in ("cuda", "both"):
        with Runner(device="cpu") as probe_runner:
            has_cuda = bool(probe_runner.probe().get("cuda"))
        if has_cuda:
            run_seeds("cuda", args.seeds)
        else:
            print("[cuda] skipped: torch sees no GPU on this machine")


if __name__ == "__main__":
    main()
