"""Checks on ``nn.Module`` objects: layer type and hyperparameters, losses, optimisers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from checkers._core import _check, fail, t


def _norm(value: Any) -> Any:
    """Make ``5`` and ``(5, 5)`` compare equal for kernel sizes, strides, ..."""
    if isinstance(value, list):
        value = tuple(value)
    return value


def _same(got: Any, want: Any) -> bool:
    got, want = _norm(got), _norm(want)
    if isinstance(got, tuple) and isinstance(want, int):
        return all(g == want for g in got)
    if isinstance(want, tuple) and isinstance(got, int):
        return all(w == got for w in want)
    if isinstance(got, float) or isinstance(want, float):
        try:
            return abs(float(got) - float(want)) <= 1e-12 + 1e-9 * abs(float(want))
        except (TypeError, ValueError):
            return False
    return bool(got == want)


def _show(value: Any) -> str:
    value = _norm(value)
    if isinstance(value, tuple) and value and all(v == value[0] for v in value):
        return str(value[0])
    return str(value)


def _spelled(kind: type) -> str:
    """A class as a learner writes it: ``nn.MSELoss``, ``optim.SGD``."""
    for package, alias in (("torch.nn", "nn"), ("torch.optim", "optim")):
        if kind.__module__.startswith(package + "."):
            return f"{alias}.{kind.__name__}"
    return kind.__name__


def expect_module(
    module: Any,
    kind: type[nn.Module] | type[Any],
    *,
    name: str = "layer",
    why: Mapping[str, str] | None = None,
    **params: Any,
) -> None:
    """Check a layer's (or loss's, optimiser's) type and hyperparameters.

    ``params`` are attribute names and expected values, e.g.
    ``expect_module(net.conv1, nn.Conv2d, name="conv1", in_channels=3, out_channels=6,
    kernel_size=5)``. ``why`` maps a parameter to the reason a learner should know.
    """
    why = why or {}
    got_kind = type(module).__name__
    want_kind = kind.__name__
    if module is Ellipsis:
        fail(
            f"`{name}` is still `...`: replace it with a {want_kind}.",
            f"`{name}` 仍然是 `...`：请把它换成 {want_kind}。",
        )
    if isinstance(module, type) and issubclass(module, kind):
        spelled = _spelled(kind)
        fail(
            f"`{name}` is the class {spelled} itself. Create an instance: {spelled}().",
            f"`{name}` 是 {spelled} 这个类本身。请创建实例：{spelled}()。",
        )
    if module is None:
        message = t(
            f"`{name}` is None: it was never set to a {want_kind}.",
            f"`{name}` 是 None：还没有设置成 {want_kind}。",
        )
    else:
        message = t(
            f"`{name}` is a {got_kind}, the task asks for {want_kind}.",
            f"`{name}` 是 {got_kind}，题目要求 {want_kind}。",
        )
    _check(
        isinstance(module, kind),
        t(f"`{name}` is {want_kind}", f"`{name}` 是 {want_kind}"),
        message + (" " + why["type"] if "type" in why else ""),
    )
    for param, want in params.items():
        got = _param(module, param)
        reason = why.get(param)
        if reason:
            detail = t(
                f"`{name}` has {param}={_show(got)}; {reason}",
                f"`{name}` 的 {param}={_show(got)}；{reason}",
            )
        else:
            detail = t(
                f"`{name}` has {param}={_show(got)}, the task asks for {param}={_show(want)}.",
                f"`{name}` 的 {param}={_show(got)}，题目要求 {param}={_show(want)}。",
            )
        _check(
            _same(got, want),
            t(f"`{name}.{param}` is {_show(want)}", f"`{name}.{param}` 为 {_show(want)}"),
            detail,
        )


def _param(module: Any, param: str) -> Any:
    """A hyperparameter from a layer attribute or an optimiser's param group."""
    if isinstance(module, torch.optim.Optimizer):
        group = module.param_groups[0] if module.param_groups else {}
        return group.get(param, module.defaults.get(param))
    if param == "bias" and isinstance(module, nn.Module):
        return getattr(module, "bias", None) is not None
    return getattr(module, param, None)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable scalars in a module."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
