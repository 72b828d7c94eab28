import ast
from typing import Any

import torch

from checkers import before, expect, expect_tensor, record, recorded, shape_str, t
from checkers.code import last_assignment, text
from checkers.output import expect_printed_each


def _sizes_written(name: str) -> tuple[ast.Call, list[ast.expr]] | None:
    """The call that made ``name`` (``x.view(...)``, ``x.reshape(...)``) and the sizes it got."""
    made = last_assignment(name)
    if not (
        isinstance(made, ast.Call)
        and isinstance(made.func, ast.Attribute)
        and made.func.attr in ("view", "reshape")
    ):
        return None
    sizes = list(made.args)
    if len(sizes) == 1 and isinstance(sizes[0], ast.Tuple | ast.List):
        sizes = list(sizes[0].elts)
    return made, sizes


def _is_minus_one(node: ast.expr) -> bool:
    try:
        return bool(ast.literal_eval(node) == -1)
    except ValueError:
        return False


def instrument(x: torch.Tensor) -> None:
    # The tensor the setup made, however the learner's code rebinds `x`: the facts
    # describe it as it is when their code has run, so the check sees a resize_().
    record("given_x", x)


def check(y: Any, z: Any) -> None:
    x0 = before()["x"]
    given = recorded("given_x")
    from pytorch60.views import expect_not_resized

    if isinstance(given, torch.Tensor) and tuple(given.shape) != tuple(x0.shape):
        expect_not_resized(
            given.shape, "x.view(2, 8)", name=t("`x` is left as it was", "`x` 保持不变")
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
    written = _sizes_written("z")
    # -1 in another place still lets PyTorch infer a size: the point of z is taken.
    if written is not None and written[1] and not any(_is_minus_one(s) for s in written[1]):
        expect(
            False,
            f"`z` has the right shape, but `{text(written[0])}` writes out every size: the task "
            "asks you to let PyTorch work out the first size by writing -1 there, as in "
            "x.view(-1, 8).",
            f"`z` 的形状是对的，但 `{text(written[0])}` 把每一维都写了出来：题目要求在第一维写 -1，"
            "让 PyTorch 自己算出它，例如 x.view(-1, 8)。",
            name=t("`z` lets PyTorch infer a size (-1)", "`z` 用 -1 让 PyTorch 推算一维"),
        )
    expect_printed_each(
        [
            (y.size(), "y.size()"),
            (z.size(), "z.size()"),
        ]
    )
