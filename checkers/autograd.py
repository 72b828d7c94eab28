"""Checks on autograd: how a tensor was made (``grad_fn``) and what its gradient is."""

from __future__ import annotations

import re
from typing import Any

import torch

from checkers._core import _check, suffix, t
from checkers.tensors import expect_tensor, expect_values


def grad_fn_kind(value: torch.Tensor) -> str | None:
    """``"AddBackward"`` for a tensor made by ``+``; None for a leaf."""
    from checkers._facts import meta_of

    meta = meta_of(value)
    if meta is not None:  # a tensor the learner's process described: its own operation
        return re.sub(r"\d+$", "", meta.grad_fn) if meta.grad_fn else None
    fn = value.grad_fn
    if fn is None:
        return None
    return re.sub(r"\d+$", "", type(fn).__name__)


def expect_grad_fn(value: Any, kind: str | None, *, name: str = "y", why: str = "") -> None:
    """Check which operation produced ``value``: ``kind`` like ``"AddBackward"`` or None.

    The trailing version digit of the class name is ignored (``AddBackward0``).
    """
    expect_tensor(value, name=name)
    got = grad_fn_kind(value)
    want = re.sub(r"\d+$", "", kind) if kind else None
    if want is None:
        message = t(
            f"`{name}.grad_fn` is {got}: `{name}` still records how it was computed, "
            "so gradients would flow through it.",
            f"`{name}.grad_fn` 是 {got}：`{name}` 仍记录着计算历史，梯度会经过它。",
        )
    elif got is None:
        message = t(
            f"`{name}.grad_fn` is None, expected {want}: `{name}` was not computed from a "
            "tensor that requires grad (check requires_grad=True, and don't use no_grad here).",
            f"`{name}.grad_fn` 是 None，期望 {want}：`{name}` 不是由需要梯度的张量计算得到的"
            "（检查 requires_grad=True，且这里不要用 no_grad）。",
        )
    else:
        message = t(
            f"`{name}.grad_fn` is {got}, expected {want}: `{name}` was made by a different "
            "operation than the task asks for.",
            f"`{name}.grad_fn` 是 {got}，期望 {want}：`{name}` 是由另一种运算得到的。",
        )
    _check(
        got == want,
        t(f"`{name}.grad_fn` is {want}", f"`{name}.grad_fn` 是 {want}"),
        message + suffix(why),
    )


def expect_grad(
    value: Any,
    expected: Any,
    *,
    name: str = "x",
    atol: float = 1e-5,
    rtol: float = 1e-4,
    why: str = "",
) -> None:
    """Check ``value.grad`` against the expected gradient values."""
    expect_tensor(value, name=name)
    grad = value.grad
    _check(
        grad is not None,
        t(f"`{name}.grad` exists", f"`{name}.grad` 存在"),
        t(
            f"`{name}.grad` is None: no gradient has reached `{name}`. Call .backward() on a "
            f"result computed from `{name}` (and make sure `{name}` has requires_grad=True).",
            f"`{name}.grad` 是 None：梯度没有传到 `{name}`。请对由 `{name}` 计算得到的结果调用 "
            f".backward()（并确认 `{name}` 的 requires_grad=True）。",
        ),
    )
    expect_values(grad, expected, name=f"{name}.grad", atol=atol, rtol=rtol, why=why)
