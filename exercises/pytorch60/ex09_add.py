from typing import Any

import torch

from checkers import before, dtype_name, expect, expect_printed, expect_tensor, fail, step, t


def check(y: Any) -> None:
    x0 = before()["x"]
    expect_tensor(y, name="y", shape=(5, 3))
    # The task leaves y's dtype free: float32 (torch.rand's default) or float64.
    expect(
        y.is_floating_point(),
        f"`y` has dtype {dtype_name(y.dtype)}, whole numbers: torch.rand(5, 3) makes "
        "floating-point numbers in [0, 1).",
        f"`y` 的 dtype 是 {dtype_name(y.dtype)}，是整数：torch.rand(5, 3) 生成的是 [0, 1) 中的浮点数。",
        name=t("`y` holds floating-point numbers", "`y` 是浮点张量"),
    )

    # y.add_(x) (method 4) leaves x + y_original in y itself.
    def in_range(t: torch.Tensor) -> bool:
        return bool(((t >= 0) & (t < 1)).all())

    y_original = y if in_range(y) else y - x0
    with step("y is uniform on [0, 1)", "y 是 [0, 1) 上的均匀随机数"):
        if not in_range(y_original):
            low, high = y_original.min().item(), y_original.max().item()
            fail(
                f"`y` has values outside [0, 1) (from {low:.4g} to {high:.4g}): the task asks "
                "for random numbers from [0, 1), which torch.rand(5, 3) makes (torch.randn "
                "draws from a normal distribution, with negative values).",
                f"`y` 有 [0, 1) 以外的值（范围 {low:.4g} 到 {high:.4g}）：题目要求 [0, 1) 上的随机数，"
                "用 torch.rand(5, 3) 创建（torch.randn 服从正态分布，会有负数）。",
            )
    expect_printed(x0 + y_original, what=t("the sum x + y", "x + y 的和"))
