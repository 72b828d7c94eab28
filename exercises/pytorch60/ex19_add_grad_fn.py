from typing import Any

import torch

from checkers import expect_grad_fn, expect_tensor, t


def check(y: Any) -> None:
    expect_tensor(y, name="y", shape=(2, 2), values=torch.full((2, 2), 3.0))
    expect_grad_fn(
        y,
        "AddBackward",
        name="y",
        why=t(
            "Compute y from x itself, not from a detached copy.",
            "要直接用 x 计算 y，而不是用分离（detach）后的副本。",
        ),
    )
