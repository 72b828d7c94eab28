import ast
import re
from typing import Any

import torch

from checkers import (
    expect,
    expect_grad_fn,
    expect_printed,
    expect_tensor,
    grad_fn_kind,
    printed,
    t,
)
from checkers.code import tree


def _grad_fn_read_on(name: str) -> bool:
    """Whether the code reads ``<name>.grad_fn`` anywhere."""
    module = tree()
    return module is not None and any(
        isinstance(node, ast.Attribute)
        and node.attr == "grad_fn"
        and isinstance(node.value, ast.Name)
        and node.value.id == name
        for node in ast.walk(module)
    )


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
    expect_printed(y, what="y")
    node = f"{grad_fn_kind(y)}0"  # AddBackward0
    # print(y) shows "grad_fn=<AddBackward0>" too; y.grad_fn itself prints as an object.
    shown = re.search(rf"<{node} object at", printed()) is not None
    if not shown and _grad_fn_read_on("x") and not _grad_fn_read_on("y"):
        expect(
            False,
            f"You printed x.grad_fn, which is None: x is a tensor you created, not the result "
            f"of an operation. The task asks for y.grad_fn, the {node} node that made y: "
            "print(y.grad_fn).",
            f"你打印的是 x.grad_fn，它是 None：x 是你直接创建的张量，不是运算的结果。题目要的是 "
            f"y.grad_fn，也就是产生 y 的 {node} 节点：print(y.grad_fn)。",
            name=t("y.grad_fn is printed", "打印了 y.grad_fn"),
        )
    expect(
        shown,
        f"The output does not show y.grad_fn (<{node} object at …>): print(y.grad_fn).",
        f"输出里没有 y.grad_fn（<{node} object at …>）：请 print(y.grad_fn)。",
        name=t("y.grad_fn is printed", "打印了 y.grad_fn"),
    )
