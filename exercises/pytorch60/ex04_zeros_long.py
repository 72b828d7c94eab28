from typing import Any

import torch

from checkers import expect_printed, expect_tensor, t


def check(x: Any) -> None:
    expect_tensor(
        x,
        name="x",
        shape=(5, 3),
        dtype=torch.long,
        values=torch.zeros(5, 3, dtype=torch.long),
        why={
            "dtype": t(
                "Pass dtype=torch.long to torch.zeros (or convert with .long()).",
                "给 torch.zeros 传入 dtype=torch.long（或用 .long() 转换）。",
            )
        },
    )
    expect_printed(x, what="x")
