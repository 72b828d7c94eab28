from typing import Any

import torch

from checkers import expect, expect_grad_fn, expect_tensor, fail, t
from checkers.output import expect_printed_each


def check(z: Any, out: Any) -> None:
    expect_tensor(z, name="z", shape=(2, 2), values=torch.full((2, 2), 27.0))
    expect_grad_fn(z, "MulBackward", name="z")
    if isinstance(out, float):
        fail(
            "`out` is a Python float: .item() takes the number out of the graph, so it cannot be "
            "backpropagated. Keep it a tensor: out = z.mean().",
            "`out` 是 Python 浮点数：.item() 把数值从计算图中取了出来，无法再反向传播。请保留张量：out = z.mean()。",
        )
    if isinstance(out, torch.Tensor) and out.numel() == 1 and float(out) == 108.0:
        fail(
            "`out` is 108, the sum of z's four elements: the task asks for their mean, "
            "out = z.mean() (27).",
            "`out` 是 108，即 z 四个元素的和：题目要求的是平均值，out = z.mean()（27）。",
        )
    expect_tensor(
        out,
        name="out",
        shape=(),
        values=torch.tensor(27.0),
        why={
            "shape": t(
                "The mean over all elements is a single number: z.mean().",
                "对所有元素求平均得到一个数：z.mean()。",
            )
        },
    )
    expect(
        out.grad_fn is not None,
        "`out` is not connected to x (its grad_fn is None), so gradients cannot flow back.",
        "`out` 与 x 没有联系（grad_fn 为 None），梯度无法回传。",
        name=t("`out` is part of the graph", "`out` 在计算图中"),
    )
    expect_printed_each([(z, "z"), (out, "out")])
