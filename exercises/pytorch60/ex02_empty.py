from typing import Any

from checkers import dtype_name, expect, expect_tensor, t


def check(x: Any) -> None:
    expect_tensor(x, name="x", shape=(5, 3))
    # The task leaves the dtype free: torch.empty's default is float32, and float64 is as good.
    expect(
        x.is_floating_point(),
        f"`x` has dtype {dtype_name(x.dtype)}: torch.empty(5, 3) makes a floating-point tensor "
        "(float32 unless you ask for another).",
        f"`x` 的 dtype 是 {dtype_name(x.dtype)}：torch.empty(5, 3) 创建的是浮点张量"
        "（默认 float32）。",
        name=t("`x` holds floating-point numbers", "`x` 是浮点张量"),
    )
