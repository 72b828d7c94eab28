from typing import Any

import torch

from checkers import before, expect, expect_tensor, mistake, record, recorded, shape_str, t
from checkers.code import method_calls, receiver, text


def instrument(x: torch.Tensor) -> None:
    # The tensor the setup made, however the learner's code rebinds `x`: the facts
    # describe it as it is when their code has run, so the check sees a resize_().
    record("given_x", x)


def check(y: Any, z: Any) -> None:
    x0 = before()["x"]
    given = recorded("given_x")
    if isinstance(given, torch.Tensor) and tuple(given.shape) != tuple(x0.shape):
        resized = [c for c in method_calls("resize_") if receiver(c) == "x"]
        if resized:
            expect(
                False,
                mistake(
                    "resize-not-view",
                    call=text(resized[0]),
                    tensor="x",
                    shape=shape_str(given.shape),
                    fix="x.view(2, 8)",
                ),
                name=t("`x` is left as it was", "`x` 保持不变"),
            )
        expect(
            False,
            f"`x` itself was changed: it now has shape {shape_str(given.shape)}. The task "
            "leaves x as it is and makes new tensors y and z from it, e.g. x.view(2, 8).",
            f"`x` 本身被改变了：它现在的形状是 {shape_str(given.shape)}。题目要求保持 x 不变，"
            "由它得到新的张量 y 和 z，例如 x.view(2, 8)。",
            name=t("`x` is left as it was", "`x` 保持不变"),
        )
    want = x0.reshape(2, 8)
    expect_tensor(y, name="y", shape=(2, 8), values=want)
    expect_tensor(z, name="z", shape=(2, 8), values=want)
