"""Where a warm check's milliseconds go: timestamps along the path, median over many checks.

Every process of a check (the runner, the zygote, the learner's box, the judge)
appends ``<monotonic time> <label>`` to one file (``quiz_tui.core.execution.timing``,
on with ``QUIZ_TUI_MARKS``). This prints, for each mark, its median time since
the check was asked for and the median step from the mark before it, in the
order they happen.

    .venv/bin/python bench/profile_check.py [--task 4] [--n 30] [--gap 0.3]

``--gap 0`` runs checks back to back (no idle moment for the worker to park the
next check's processes); the default paces them as a learner would.

Where the milliseconds go (2-core x86_64, cgroup sandbox, checks 0.3 s apart,
median of 30; issue #15, 2026-12-02). Task 4 in all, 21-25 ms from ``run()`` to its
return (34.5 ms before the cgroups were made and joined ahead of the check):

==========  ===================================================================
 ms          step
==========  ===================================================================
 2.2         runner: temp folder, the learner's limits set on its cgroups (made
             after the last check), its job file, a ping to the worker, sent
 0.8         the judge's limits and job file, sent; the zygote hands the parked
             box and judge their jobs (fds over their sockets)
 3.5         box: its pipes on fixed numbers, ``started``, environment, Landlock
 2.3         setup replay (task 39: 6.7, it builds a LeNet); the judge replays it
             meanwhile, on the other core
 0           waiting for the move into the job's cgroups: the parked box joined
             them while the worker was idle (it was ~7 ms)
 1.1         the learner's code (task 4)
 1.0         facts collected and dumped (``torch.save``)
 1.2-1.8     runner: learner's result read, a ping (its code may have killed
             the worker), its group killed, its cgroups released; then the
             secret sent to the judge
 1-2         judge wakes and reads the secret: on two cores the killed learner's
             process tears its memory down just then
 1.0-1.2     judge reads and restores the facts (restricted ``torch.load``)
 3-4         the check itself (task 39: 10-12, a LeNet forward of its own)
 0.5-2       verdict written and read by the runner
 0.7         runner: judge killed, its cgroups released (its folder is removed
             after the verdict is back, by a tidy thread)
==========  ===================================================================

What is left is mostly the price of isolation, paid in a fresh process per check:
two processes (the learner's box and the judge) and the facts between them as a
file, a Landlock ruleset built per check, and every first use of a torch kernel
in a fresh fork. A notebook kernel pays none of it.

Before the pre-fork (``Runner(prefork=False)``) the same check took about 85 ms
with these marks on: the judge was forked while the learner's code ran (20 ms of
the zygote's time on a 2-core machine), the box joined its cgroups before it
started (+14 ms), and the first seeding (7 ms), ``torch.save`` (6 ms),
``torch.load`` (11 ms) and tensor ``repr`` (4 ms) in each fresh process were
paid on the critical path; a parked process now pays them while it waits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def profile(task: str, n: int, gap: float) -> list[tuple[str, float, float, int]]:
    """(label, median ms since the check was asked for, median ms since the mark before,
    in how many checks the mark was seen: a parked process's marks and a freshly forked
    one's are two paths, and a check takes one of them)."""
    marks_file = Path(tempfile.mkdtemp(prefix="quiz-tui-marks-")) / "marks.txt"
    os.environ["QUIZ_TUI_MARKS"] = str(marks_file)
    from quiz_tui.core.content.packs import load_builtin
    from quiz_tui.core.execution.runner import Job, Runner
    from quiz_tui.core.execution.timing import mark
    from quiz_tui.core.model import Status

    exercise = load_builtin().find(task)
    assert exercise is not None
    job = Job.for_exercise(exercise, exercise.solution)
    with Runner(device="cpu", warm=True) as runner:
        runner.start()
        runner.wait_ready()
        for _ in range(3):
            runner.run(job)
        time.sleep(0.2)
        mark("bench: measuring")
        for _ in range(n):
            time.sleep(gap)
            result = runner.run(job)
            mark("runner: run returned")
            if result.status is not Status.PASS:
                raise SystemExit(f"the reference solution did not pass: {result.message}")
    return steps(marks_file.read_text().splitlines(), "runner: run called")


def steps(lines: list[str], begin: str) -> list[tuple[str, float, float, int]]:
    """Median ms of each mark since ``begin`` (after the ``bench: measuring`` mark), in
    order, with the median step from the mark before and how many checks showed it."""
    runs: list[dict[str, float]] = []
    measuring = False
    for line in lines:
        stamp, _, label = line.partition(" ")
        if label == "bench: measuring":
            measuring = True
        elif measuring and label == begin:
            runs.append({})
        if measuring and runs and label not in runs[-1]:
            runs[-1][label] = float(stamp)
    offsets: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        start = run[begin]
        for label, stamp in run.items():
            offsets[label].append((stamp - start) * 1000)
    order = sorted(offsets, key=lambda label: statistics.median(offsets[label]))
    rows = []
    before = 0.0
    for label in order:
        at = statistics.median(offsets[label])
        rows.append((label, at, at - before, len(offsets[label])))
        before = at
    return rows


def print_steps(rows: list[tuple[str, float, float, int]]) -> None:
    print(f"{'at':>7} {'step':>6} {'seen':>4}  mark")
    for label, at, step, seen in rows:
        print(f"{at:7.1f} {step:+6.1f} {seen:4}  {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="4")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between checks")
    args = parser.parse_args()
    print(f"task {args.task}, {args.n} checks, {args.gap} s apart; median ms")
    print_steps(profile(args.task, args.n, args.gap))


if __name__ == "__main__":
    main()
