"""The trained-model accuracy is a calibrated bar, not a coin flip.

The reference training loop (task 55) must clear the practice set's accuracy
threshold on 5 different seeds, and loops missing zero_grad, backward or step
must stay below it when left to run to the end.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Status

pytestmark = pytest.mark.slow

EXERCISE = load_builtin().find("55")
assert EXERCISE is not None
EVALUATE = (
    "from pytorch60 import data\n"
    "detail('accuracy', data.evaluate(net2, testloader, device))\n"
    "detail('threshold', data.accuracy_threshold())\n"
)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_the_reference_loop_clears_the_bar_on_every_seed(runner: Runner, seed: int) -> None:
    result = runner.run(replace(Job.for_exercise(EXERCISE, EXERCISE.solution), seed=seed))
    assert result.status is Status.PASS, result.message
    assert result.details["accuracy"] >= 0.30


@pytest.mark.parametrize(
    ("broken", "line"),
    [
        ("no zero_grad", "        optimizer2.zero_grad()\n"),
        ("no backward", "        loss.backward()\n"),
        ("no step", "        optimizer2.step()\n"),
    ],
)
def test_broken_loops_run_to_the_end_stay_below_the_bar(
    runner: Runner, broken: str, line: str
) -> None:
    code = EXERCISE.solution.replace(line, "        pass\n", 1)
    assert code != EXERCISE.solution, f"{broken}: the solution no longer has that line"
    # No watcher: the loop runs all 2 epochs, and only the accuracy is measured.
    job = replace(
        Job.for_exercise(EXERCISE, code), format=1, hooks="", instrument="", check=EVALUATE
    )
    result = runner.run(job)
    assert result.status is Status.PASS, result.message
    assert result.details["accuracy"] < result.details["threshold"], broken
