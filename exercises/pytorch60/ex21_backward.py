from typing import Any

import torch

from checkers import expect, expect_grad, t
from checkers.autograd import expect_methods_called, why_not_connected


def check(x: Any) -> None:
    if x.grad is None:
        expect_methods_called(("backward",))
    expect(
        x.grad is not None,
        why_not_connected("x", "out", setup_made_result=True),
        name=t("`x.grad` exists", "`x.grad` 存在"),
    )
    expect_grad(x, torch.full((2, 2), 4.5), name="x")
