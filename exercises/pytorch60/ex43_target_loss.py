from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from checkers import (
    expect_printed,
    expect_tensor,
    expect_values,
    fail,
    source,
    t,
    value_mismatch,
)


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
    thrown = _discarded_reshape(source(), "target")
    if thrown and isinstance(target, torch.Tensor) and tuple(target.shape) != (1, 10):
        text, line = thrown
        fail(
            t(
                f"`{text}` on line {line} makes a reshaped tensor and the line throws it away: "
                f"view and reshape return a new tensor and leave `target` as it was, "
                f"{tuple(target.shape)}. Assign the result: target = {text}.",
                f"第 {line} 行的 `{text}` 生成了变形后的新张量，但这一行把它丢掉了：view 和 reshape "
                f"返回新张量，`target` 保持原样，仍是 {tuple(target.shape)}。请把结果赋值回去："
                f"target = {text}。",
            )
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
        optim_trace.explain_loss(loss, output, target, optim_trace.current())
    expect_values(loss, want, name="loss", atol=1e-6)
    expect_printed(loss, what=t("the loss", "损失"))


def instrument(criterion: Any) -> None:
    from pytorch60 import optim_trace

    optim_trace.guard_loss_classes()
    optim_trace.watch(criterion=criterion)


def _discarded_reshape(code: str, name: str) -> tuple[str, int] | None:
    """A statement like ``target.view(1, -1)`` alone on its line (its result unused), by ``ast``."""
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr in ("view", "reshape", "unsqueeze", "view_as", "reshape_as")
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == name
        ):
            return ast.unparse(node.value), node.lineno
    return None
