from typing import Any

import torch

from checkers import expect, expect_grad, expect_printed, expect_tensor, fail, t
from checkers.autograd import expect_methods_called, why_not_connected


def check(v: Any, y: Any, x: Any) -> None:
    expect_tensor(v, name="v", shape=(3,), values=torch.tensor([0.1, 1.0, 0.0001]))
    scale = (y.detach() / x.detach()).mean()
    if x.grad is not None and torch.allclose(x.grad, torch.ones(3) * scale):
        fail(
            "x.grad is 2ⁿ for every element: that is the gradient of y.sum(), which weights every "
            "component of y by 1. Pass v to backward: y.backward(v).",
            "x.grad 的每个元素都是 2ⁿ：这是 y.sum() 的梯度，相当于每个分量权重为 1。"
            "请把 v 传给 backward：y.backward(v)。",
        )
    if x.grad is None:
        expect_methods_called(("backward",))
    expect(
        x.grad is not None,
        why_not_connected("x", "y", setup_made_result=True),
        name=t("`x.grad` exists", "`x.grad` 存在"),
    )
    expect_grad(x, v * scale, name="x")
    expect_printed(x.grad, what="x.grad")
