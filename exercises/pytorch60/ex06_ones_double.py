from typing import Any

import torch

from checkers import expect_printed, expect_tensor, expect_values, fail, t


def check(x: Any) -> None:
    expect_tensor(
        x,
        name="x",
        shape=(5, 3),
        dtype=torch.double,
        why={
            "dtype": t(
                "Pass dtype=torch.double (or call .double()).",
                "传入 dtype=torch.double（或调用 .double()）。",
            )
        },
    )
    eye = torch.eye(5, 3, dtype=x.dtype)
    if torch.equal(x, eye):
        fail(
            "`x` is an identity matrix (ones only on the diagonal), as torch.eye makes. The "
            "article's word 'unit tensor' suggests that, but its code, and this task, want every "
            "element to be 1: use torch.ones.",
            "`x` 是单位矩阵（只有对角线为 1），也就是 torch.eye 的结果。原文的“单位张量”容易让人这样理解，"
            "但原文的代码和本题要求每个元素都为 1：请用 torch.ones。",
        )
    expect_values(x, torch.ones(5, 3, dtype=torch.double), name="x")
    expect_printed(x, what="x")
