from typing import Any

import torch

from checkers import expect_grad_fn, expect_tensor, expect_values, t


def check(input: Any, out: Any, net: Any) -> None:
    expect_tensor(input, name="input", shape=(1, 3, 32, 32), dtype=torch.float32)
    expect_tensor(out, name="out", shape=(1, 10))
    with torch.no_grad():
        expected = net(input)
    expect_values(out, expected, name="out", atol=1e-5)
    expect_grad_fn(
        out,
        "AddmmBackward",
        name="out",
        why=t("Compute out with net(input).", "用 net(input) 计算 out。"),
    )
