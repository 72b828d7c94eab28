from typing import Any

import torch

from checkers import expect, expect_grad, fail, t
from checkers.autograd import expect_methods_called, why_not_connected
from checkers.code import method_calls, receiver

WANT = 4.5
"""d(out)/dx at x = 1: 3/2 · (1 + 2)."""


def check(x: Any) -> None:
    if x.grad is None:
        expect_methods_called(("backward",))
    expect(
        x.grad is not None,
        why_not_connected("x", "out", setup_made_result=True),
        name=t("`x.grad` exists", "`x.grad` 存在"),
    )
    grad = x.grad.detach()
    if grad.shape == (2, 2) and not torch.allclose(grad, torch.full((2, 2), WANT)):
        ratio = (grad / WANT).mean().item()
        on_out = [receiver(c) == "out" for c in method_calls("backward")]
        if (
            on_out
            and all(on_out)
            and round(ratio) > 1
            and torch.allclose(grad, torch.full((2, 2), WANT * round(ratio)))
        ):
            fail(
                f"`x.grad` is {WANT * round(ratio):g}, {round(ratio)} times d(out)/dx = {WANT:g}: "
                "backward ran more than once, and each run adds its gradient to x.grad. Call "
                "out.backward() once.",
                f"`x.grad` 是 {WANT * round(ratio):g}，是 d(out)/dx = {WANT:g} 的 {round(ratio)} 倍："
                "反向传播运行了不止一次，每次都会把梯度累加到 x.grad 上。只调用一次 out.backward()。",
            )
        fail(
            f"`x.grad` holds {grad.flatten()[0].item():g} where d(out)/dx is {WANT:g}: the "
            "gradient of out comes from out.backward(), called once; backward on another tensor "
            "(y, z, z.sum(), ...) gives that tensor's gradient instead.",
            f"`x.grad` 的值是 {grad.flatten()[0].item():g}，而 d(out)/dx 应为 {WANT:g}：out 的梯度要由 "
            "out.backward() 得到，且只调用一次；对别的张量（y、z、z.sum() 等）调用 backward "
            "得到的是那个张量的梯度。",
        )
    expect_grad(x, torch.full((2, 2), WANT), name="x")
