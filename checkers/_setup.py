"""The trusted setup, run anew with the job's seed.

The learner's process and the judge (twice: once for its own namespace, once for
the reference solution) seed and replay it the same way, and a parked process
seeds while it warms up, so the code lives apart from any one of them.
"""

from __future__ import annotations

import builtins
import random
from typing import Any


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def run_setup(job: dict[str, Any], target: dict[str, Any]) -> None:
    for name, code in job.get("setup", []):
        exec(compile(code, f"<{name}>", "exec", dont_inherit=True), target)


def fresh_setup(job: dict[str, Any]) -> dict[str, Any]:
    """The names the trusted setup makes, run anew with the job's seed."""
    fresh: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    seed_everything(int(job.get("seed", 0)))
    run_setup(job, fresh)
    return fresh
