from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from checkers import expect_printed, expect_tensor, expect_values, fail, t, value_mismatch


def check(target: Any, output: Any, net: Any, input: Any, loss: Any) -> None:
    from pytorch60 import optim_trace

    if isinstance(target, torch.Tensor) and tuple(target.shape) == (10, 1):
        fail(
            "`target` has shape (10, 1), a column vector; the output is a row, (1, 10). "
            "MSELoss would broadcast the two into a 10×10 grid and compute the wrong loss. "
            "Use target.view(1, -1). (The article's comment calls the row a column vector.)",
            "`target` 的形状是 (10, 1)，是列向量；而输出是一行，(1, 10)。MSELoss 会把两者广播成 "
            "10×10 的网格，算出错误的损失。请用 target.view(1, -1)。（原文注释把行向量说成了列向量。）",
        )
    expect_tensor(
        target,
        name="target",
        shape=(1, 10),
        why={
            "shape": t(
                "Reshape it like the output: target.view(1, -1).",
                "请把它变成与输出相同的形状：target.view(1, -1)。",
            )
        },
    )
    expect_tensor(output, name="output", shape=(1, 10))
    with torch.no_grad():
        expect_values(output, net(input), name="output", atol=1e-5)
        want = F.mse_loss(output, target)
    if isinstance(loss, nn.Module):
        fail(
            "`loss` is a loss module, not the loss of this output: call the criterion on the "
            "data, loss = criterion(output, target).",
            "`loss` 是一个损失函数模块，而不是这次输出的损失：请用数据调用损失函数，"
            "loss = criterion(output, target)。",
        )
    expect_tensor(loss, name="loss", shape=())
    if value_mismatch(loss, want, atol=1e-6) is not None:
        _explain_loss(loss, output, target, optim_trace.current())
    expect_values(loss, want, name="loss", atol=1e-6)
    expect_printed(loss, what=t("the loss", "损失"))


def _explain_loss(
    loss: torch.Tensor, output: torch.Tensor, target: torch.Tensor, trace: Any
) -> None:
    """Fail naming what went into the loss, or which other loss it is, when that is clear."""
    made = [c for c in trace.losses if isinstance(c.get("value"), torch.Tensor)]
    mine = [c for c in made if value_mismatch(c["value"], loss, atol=1e-6) is None]
    if mine:
        call = mine[-1]
        given, against = call.get("input"), call.get("target")
        if isinstance(given, torch.Tensor) and (
            given.shape != output.shape or value_mismatch(given, output, atol=1e-6) is not None
        ):
            fail(
                "`loss` was computed from something other than `output`: pass the network's "
                "output first, loss = criterion(output, target).",
                "`loss` 不是由 `output` 算出来的：请把网络的输出作为第一个参数，"
                "loss = criterion(output, target)。",
            )
        if isinstance(against, torch.Tensor) and (
            against.shape != target.shape or value_mismatch(against, target, atol=1e-6) is not None
        ):
            fail(
                "`loss` was computed against another tensor than your `target` (a new random one?): "
                "pass `target` itself, loss = criterion(output, target).",
                "`loss` 比较的对象不是你的 `target`（是不是又随机生成了一个？）："
                "请直接传入 `target`，loss = criterion(output, target)。",
            )
        return
    with torch.no_grad():
        others = {
            t("the mean absolute error (L1Loss)", "平均绝对误差（L1Loss）"): F.l1_loss(
                output, target
            ),
            t(
                "the sum of the squared errors (reduction='sum')", "平方误差之和（reduction='sum'）"
            ): (F.mse_loss(output, target, reduction="sum")),
            t("a cross-entropy loss", "交叉熵损失"): F.cross_entropy(output, target),
            t("the square root of the mean squared error", "均方误差的平方根"): F.mse_loss(
                output, target
            ).sqrt(),
        }
    for what, value in others.items():
        if value_mismatch(loss, value, atol=1e-6) is None:
            fail(
                t(
                    f"`loss` is {what}, not the mean squared error. Use the task's criterion "
                    "(nn.MSELoss()): loss = criterion(output, target).",
                    f"`loss` 是{what}，而不是均方误差。请用题目中的损失函数（nn.MSELoss()）："
                    "loss = criterion(output, target)。",
                )
            )


def instrument(criterion: Any) -> None:
    from pytorch60 import optim_trace

    optim_trace.guard_loss_classes()
    optim_trace.watch(criterion=criterion)
