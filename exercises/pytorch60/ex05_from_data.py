from typing import Any

import torch

from checkers import dtype_name, expect, expect_tensor, expect_values, t


def check(x: Any) -> None:
    expect_tensor(x, name="x", shape=(2,))
    expect(
        x.is_floating_point(),
        f"`x` has dtype {dtype_name(x.dtype)}: a list of whole numbers makes an integer tensor, "
        "but the data is [5.5, 3].",
        f"`x` 的 dtype 是 {dtype_name(x.dtype)}：全是整数的列表会得到整数张量，而数据应是 [5.5, 3]。",
        name=t("`x` holds floating-point numbers", "`x` 是浮点张量"),
    )
    expect_values(x, torch.tensor([5.5, 3.0]), name="x")
