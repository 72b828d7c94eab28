from typing import Any

import torch

from checkers import expect, expect_tensor, mistake, shape_str, t
from checkers.code import method_calls, receiver, text
from checkers.output import expect_printed_each


def check(x: Any, y: Any) -> None:
    if isinstance(x, torch.Tensor) and tuple(x.shape) != (4, 4):
        resized = [c for c in method_calls("resize_") if receiver(c) == "x"]
        if resized:
            expect(
                False,
                mistake(
                    "resize-not-view",
                    call=text(resized[0]),
                    tensor="x",
                    shape=shape_str(x.shape),
                    fix="x.view(16)",
                ),
                name=t("`x` has shape (4, 4)", "`x` 的形状是 (4, 4)"),
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
