from typing import Any

import torch

from checkers import expect, expect_grad, expect_printed, expect_tensor, fail, t
from checkers.autograd import expect_methods_called, why_not_connected
from checkers.code import method_calls


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
    want = v * scale
    if x.grad.shape == want.shape:
        times = (x.grad / want).mean().item()
        k = round(times)
        if k > 1 and torch.allclose(x.grad, want * k, rtol=1e-4):
            cause = (
                t(
                    "your code calls backward more than once, and each run adds its gradient "
                    "to x.grad. Call y.backward(v) once.",
                    "你的代码调用了不止一次 backward，每次都会把梯度累加到 x.grad 上。"
                    "只调用一次 y.backward(v)。",
                )
                if len(method_calls("backward")) > 1
                else t(
                    "either backward ran more than once (each run adds to x.grad), or what you "
                    "passed to backward was not v itself. Call y.backward(v) once.",
                    "要么 backward 运行了不止一次（每次都会累加到 x.grad），要么传给 backward 的不是 v "
                    "本身。只调用一次 y.backward(v)。",
                )
            )
            fail(
                t(
                    f"`x.grad` is {k} times v · 2ⁿ: ",
                    f"`x.grad` 是 v · 2ⁿ 的 {k} 倍：",
                )
                + cause
            )
    expect_grad(x, want, name="x")
    expect_printed(x.grad, what="x.grad")
