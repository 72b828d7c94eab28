from typing import Any

from checkers import dtype_name, expect, expect_printed, expect_tensor, fail, step, t


def check(x: Any) -> None:
    expect_tensor(x, name="x", shape=(5, 3))
    # The task leaves the dtype free: float32 (the default) and float64 are both fine.
    expect(
        x.is_floating_point(),
        f"`x` has dtype {dtype_name(x.dtype)}, whole numbers: the task asks for random numbers "
        "from [0, 1), which torch.rand(5, 3) makes as floating-point numbers.",
        f"`x` 的 dtype 是 {dtype_name(x.dtype)}，是整数：题目要求 [0, 1) 中的随机数，"
        "torch.rand(5, 3) 生成的是浮点数。",
        name=t("`x` holds floating-point numbers", "`x` 是浮点张量"),
    )
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
    expect_printed(x, what="x")
