"""Task 2: `model`, `X` and `y` come from the setup, `loss` from the learner."""

import torch
from torch import nn

from checkers import code, expect_grad_fn, expect_tensor, fail


def check(model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss: torch.Tensor) -> None:
    if code.uses("MSELoss") or code.uses("mse_loss"):  # names in the code, not in comments
        fail(
            "Write the formula yourself: ((predictions - y) ** 2).mean().",
            "请自己写出公式：((predictions - y) ** 2).mean()。",
        )
    want = ((model(X) - y) ** 2).mean()
    if (
        isinstance(loss, torch.Tensor)
        and loss.numel() == 1
        and torch.isclose(loss, ((model(X) - y) ** 2).sum())
    ):
        fail(
            "`loss` is the sum of the squared errors; the task asks for their mean.",
            "`loss` 是平方误差之和；题目要求的是平均值。",
        )
    expect_tensor(loss, name="loss", shape=(), values=want.detach(), atol=1e-6)
    expect_grad_fn(loss, "MeanBackward", name="loss")
