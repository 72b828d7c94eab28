from typing import Any

import torch

from checkers import (
    expect,
    expect_printed,
    expect_tensor,
    fail,
    grad_fn_kind,
    record,
    recorded,
    t,
)
from checkers.autograd import why_not_connected


def probe(x: Any, y: Any) -> None:
    # What autograd would send back to x: y.data *= 2 changes y's numbers but not its graph.
    record("dy_dx", None)
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        return
    if y.grad_fn is None or not x.requires_grad or y.shape != x.shape:
        return
    try:
        (grad,) = torch.autograd.grad(
            y, x, torch.ones_like(y), retain_graph=True, allow_unused=True
        )
    except RuntimeError:
        return
    record("dy_dx", grad)


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
            f"`y.grad_fn` is {grad_fn_kind(y)}: the last operation that made y was not a "
            "doubling. Double y in the loop with y = y * 2 (or y + y), so that autograd "
            "records each step.",
            f"`y.grad_fn` 是 {grad_fn_kind(y)}：产生 y 的最后一步运算不是翻倍。请在循环中用 "
            "y = y * 2（或 y + y）翻倍，autograd 才会记录每一步。",
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
    graph = recorded("dy_dx")
    if isinstance(graph, torch.Tensor) and not torch.allclose(
        graph, torch.full_like(graph, float(2**power))
    ):
        fail(
            f"`y` holds x · {2**power}, but the graph autograd recorded for y gives dy/dx = "
            f"{graph.mean().item():g}, not {2**power}: part of the doubling happened outside "
            "autograd, through y.data or under torch.no_grad(). The "
            "numbers look right, but y.backward(v) in the next task would give the wrong "
            "gradient. Double y itself: y = y * 2.",
            f"`y` 的值是 x · {2**power}，但 autograd 为 y 记录的计算图给出的 dy/dx 只有 "
            f"{graph.mean().item():g}：有一部分翻倍是在 autograd 之外完成的（通过 y.data 或在 "
            "torch.no_grad() 中）。数值看起来没错，但下一题的 y.backward(v) 会得到错误的梯度。"
            "请对 y 本身翻倍：y = y * 2。",
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
