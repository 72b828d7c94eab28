from typing import Any

import torch

from checkers import expect, expect_printed, expect_tensor, fail, grad_fn_kind, t
from checkers.autograd import why_not_connected


def check(x: Any, y: Any) -> None:
    expect_tensor(x, name="x", shape=(3,), dtype=torch.float32, requires_grad=True)
    expect_tensor(y, name="y", shape=(3,))
    if grad_fn_kind(y) is None:
        found = why_not_connected("x", "y")
        if found.id != "grad-not-reached":
            fail(found)
    # Doubling is y * 2, 2 * y, y + y, y.add(y), y.mul(2), y *= 2: any of them records it.
    expect(
        grad_fn_kind(y) in ("MulBackward", "AddBackward"),
        t(
            f"`y.grad_fn` is {grad_fn_kind(y)}: y must be computed from x by doubling "
            "(y = y * 2) so that autograd records it. Double y itself, not y.data.",
            f"`y.grad_fn` 是 {grad_fn_kind(y)}：y 必须由 x 翻倍得到（y = y * 2），autograd 才会记录。"
            "要对 y 本身翻倍，不要用 y.data。",
        ),
        name=t("`y.grad_fn` records the doubling", "`y.grad_fn` 记录了翻倍运算"),
    )
    ratio = (y.detach() / x.detach()).mean().item()
    power = round(__import__("math").log2(abs(ratio))) if ratio else 0
    expect(
        power >= 1 and abs(ratio - 2**power) < 1e-3 * 2**power,
        "`y` is not x multiplied by a power of 2.",
        "`y` 不是 x 乘以 2 的整数次幂。",
        name=t("`y` is x · 2ⁿ", "`y` 等于 x · 2ⁿ"),
    )
    norm = y.detach().norm().item()
    expect(
        norm >= 1000,
        f"‖y‖ is {norm:.1f}: keep doubling while the norm is below 1000.",
        f"‖y‖ 是 {norm:.1f}：范数小于 1000 时要继续翻倍。",
        name=t("‖y‖ ≥ 1000", "‖y‖ ≥ 1000"),
    )
    expect(
        power == 1 or norm / 2 < 1000,
        f"‖y‖ is {norm:.1f}, but ‖y‖/2 = {norm / 2:.1f} was already at least 1000: stop at the "
        "first doubling that reaches 1000.",
        f"‖y‖ 是 {norm:.1f}，但 ‖y‖/2 = {norm / 2:.1f} 就已经不小于 1000：在第一次达到 1000 时就停止。",
        name=t("n is the smallest that works", "n 是满足条件的最小值"),
    )
    expect_printed(y, what="y")
