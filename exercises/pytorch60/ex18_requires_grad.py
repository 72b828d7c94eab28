from typing import Any

import torch

from checkers import expect, expect_printed, expect_tensor, t


def check(x: Any) -> None:
    expect_tensor(
        x, name="x", shape=(2, 2), dtype=torch.float32, requires_grad=True, values=torch.ones(2, 2)
    )
    expect(
        x.is_leaf,
        "`x` is the result of an operation, not a tensor you created: create it directly with "
        "requires_grad=True so that gradients collect in x.grad.",
        "`x` 是某个运算的结果，而不是你直接创建的张量：请在创建时设置 requires_grad=True，"
        "这样梯度才会累积到 x.grad 中。",
        name=t("`x` is a leaf tensor", "`x` 是叶子张量"),
    )
    expect_printed(x, what="x")
