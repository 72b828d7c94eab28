from typing import Any

import torch

from checkers import expect_tensor, t
from checkers.output import expect_printed_each


def check(x: Any, y: Any) -> None:
    from pytorch60.views import expect_not_resized

    if isinstance(x, torch.Tensor) and tuple(x.shape) != (4, 4):
        expect_not_resized(
            x.shape, "x.view(16)", name=t("`x` has shape (4, 4)", "`x` 的形状是 (4, 4)")
        )
    expect_tensor(x, name="x", shape=(4, 4))
    expect_tensor(
        y,
        name="y",
        shape=(16,),
        values=x.reshape(-1),
        why={
            "values": t("y must hold x's numbers in the same order.", "y 应按原顺序装着 x 的数。")
        },
    )
    expect_printed_each(
        [
            (x.size(), "x.size()"),
            (y.size(), "y.size()"),
        ]
    )
