from typing import Any

import torch

from checkers import expect_tensor, fail, step


def check(x: Any) -> None:
    expect_tensor(x, name="x", shape=(5, 3), dtype=torch.float32)
    with step("the values lie in [0, 1)", "数值都在 [0, 1) 内"):
        if bool((x < 0).any() | (x >= 1).any()):
            fail(
                f"`x` has values outside [0, 1) (from {x.min().item():.4g} to {x.max().item():.4g}). "
                "torch.randn draws from a normal distribution, which has negative values; "
                "torch.rand draws uniformly from [0, 1).",
                f"`x` 有 [0, 1) 以外的值（范围 {x.min().item():.4g} 到 {x.max().item():.4g}）。"
                "torch.randn 服从正态分布，会有负数；torch.rand 才是 [0, 1) 上的均匀分布。",
            )
    with step("the values are random", "数值是随机的"):
        if x.unique().numel() < 5:
            fail(
                "`x` holds only a few distinct values, so it is not random: use torch.rand.",
                "`x` 只有很少几个不同的值，不是随机的：请用 torch.rand。",
            )
