"""Checks on a CUDA device. Every test here skips cleanly on machines without a GPU.

Run them (with the rest of the GPU checks) through bench/cuda_smoke.sh.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Limits, SetupPiece, Status

pytestmark = pytest.mark.cuda
PACK = load_builtin()


@pytest.fixture(scope="module")
def cuda_runner() -> Iterator[Runner]:
    with Runner(device="cpu") as probe_runner:
        has_cuda = bool(probe_runner.probe().get("cuda"))
    if not has_cuda:
        pytest.skip("no CUDA GPU on this machine")
    with Runner(device="cuda") as runner:
        runner.start()
        assert runner.wait_ready()
        yield runner


@pytest.mark.parametrize("task", ["4", "39", "56", "57", "60"])
def test_reference_solutions_pass_on_the_gpu(cuda_runner: Runner, task: str) -> None:
    exercise = PACK.find(task)
    assert exercise is not None
    result = cuda_runner.run(Job.for_exercise(exercise, exercise.solution))
    assert result.status is Status.PASS, result.message
    assert result.device == "cuda"


def test_the_training_check_on_the_gpu(cuda_runner: Runner) -> None:
    exercise = PACK.find("55")
    assert exercise is not None
    started = time.monotonic()
    result = cuda_runner.run(Job.for_exercise(exercise, exercise.solution))
    assert result.status is Status.PASS, result.message
    assert result.details["accuracy"] >= 0.30
    print(
        f"training check on CUDA: {time.monotonic() - started:.1f} s, accuracy {result.details['accuracy']:.1%}"
    )


def test_cuda_out_of_memory_is_named_and_the_worker_survives(
    cuda_runner: Runner, tmp_path: Path
) -> None:
    code = "import torch\nhuge = torch.empty(10 ** 13, device='cuda')\n"
    job = Job(task="oom", code=code, check="", setup=(SetupPiece("fixture:torch", "import torch\n"),),
              limits=Limits(seconds=30))  # fmt: skip
    result = cuda_runner.run(job)
    assert result.status is Status.ERROR
    assert "OutOfMemoryError on line 2" in result.message
    assert "GPU ran out of memory" in result.message
    again = cuda_runner.run(
        Job(task="ok", code="import torch\nx = torch.zeros(2, device='cuda')\n", check="")
    )
    assert again.status is Status.PASS
