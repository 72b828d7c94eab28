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
            fail(
                "`y` should be random numbers from [0, 1), made with torch.rand(5, 3).",
                "`y` 应该是 [0, 1) 上的随机数，用 torch.rand(5, 3) 创建。",
            )
    expect_printed(x0 + y_original, what=t("the sum x + y", "x + y 的和"))
