"""Checks on tensors and arrays: type, shape, dtype, device, values, shared memory."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import torch

from checkers import _core
from checkers._core import _check, expect, say, suffix
from checkers._format import brief, dtype_name, dtype_wanted, index_str, num, shape_str

_METHOD_TYPES = (
    "builtins.builtin_function_or_method",
    "builtins.method",
    "builtins.method-wrapper",
)
"""How a method or function the learner's process could not send is described in its facts."""


def uncalled(value: Any, name: str, label: str) -> None:
    """Fail with ``method-not-called`` when ``value`` is a method or function itself.

    ``s = x.size`` leaves ``s`` the method, not the size: its facts say "a built-in
    method". The learner's assignment, read from their code, names the method.
    """
    from checkers._facts import OpaqueFunction
    from checkers._mistakes import mistake
    from checkers.code import last_assignment, text

    if not isinstance(value, OpaqueFunction) or value.type_name not in _METHOD_TYPES:
        return
    expr = last_assignment(name)
    if isinstance(expr, ast.Attribute | ast.Name):
        base = expr.value if isinstance(expr, ast.Attribute) else None
        is_function = base is None or (
            isinstance(base, ast.Name)
            and isinstance(_core._state.namespace.get(base.id), ModuleType)
        )
        code = text(expr)
        if is_function:
            described = say("check.uncalled-function", code=code)
        else:
            described = say("check.uncalled-method", code=code)
        # The call only: what the task does with its result may be more (list(...), .item()).
        fix = f"`{code}({'...' if is_function else ''})`"
    else:
        described = say("check.uncalled-callable")
        fix = say("check.uncalled-fix")
    expect(False, mistake("method-not-called", name=name, described=described, fix=fix), name=label)


def _why(why: Mapping[str, str] | None, key: str) -> str:
    if why and key in why:
        return " " + why[key]
    return ""


def as_cpu(value: Any) -> torch.Tensor:
    """A detached CPU tensor from a tensor, array, list or number (checks compare on the CPU)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.array(value))
    return torch.as_tensor(value)


def expect_tensor(
    value: Any,
    *,
    name: str = "x",
    shape: Sequence[int] | None = None,
    dtype: torch.dtype | None = None,
    device: str | None = None,
    requires_grad: bool | None = None,
    values: Any = None,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    why: Mapping[str, str] | None = None,
) -> torch.Tensor:
    """Check that ``value`` is a tensor with the given properties, in this order.

    ``why`` adds a sentence to the message of a failing property, keyed by
    ``"type"``, ``"shape"``, ``"dtype"``, ``"device"``, ``"requires_grad"`` or ``"values"``.
    """
    label = say("check.is-tensor", name=name)
    uncalled(value, name, label)
    if isinstance(value, np.ndarray):
        message = say("check.numpy-not-tensor", name=name)
    else:
        message = say("check.not-tensor", name=name, got=brief(value))
    _check(
        isinstance(value, torch.Tensor),
        label,
        message + _why(why, "type"),
    )
    tensor: torch.Tensor = value
    if shape is not None:
        want = tuple(int(d) for d in shape)
        got = tuple(tensor.shape)
        _check(
            got == want,
            say("check.has-shape", name=name, want=shape_str(want)),
            say("check.wrong-shape", name=name, got=shape_str(got), want=shape_str(want))
            + _why(why, "shape"),
        )
    if dtype is not None:
        _check(
            tensor.dtype == dtype,
            say("check.has-dtype", name=name, want=dtype_wanted(dtype)),
            say(
                "check.wrong-dtype",
                name=name,
                got=dtype_name(tensor.dtype),
                want=dtype_wanted(dtype),
            )
            + _why(why, "dtype"),
        )
    if device is not None:
        _check(
            tensor.device.type == torch.device(device).type,
            say("check.on-device", name=name, want=device),
            say("check.wrong-device", name=name, got=tensor.device.type, want=device)
            + _why(why, "device"),
        )
    if requires_grad is not None:
        hint = say("check.requires-grad-hint") if requires_grad else ""
        _check(
            tensor.requires_grad == requires_grad,
            say("check.has-requires-grad", name=name, want=requires_grad),
            say(
                "check.wrong-requires-grad",
                name=name,
                got=tensor.requires_grad,
                want=requires_grad,
            )
            + hint
            + _why(why, "requires_grad"),
        )
    if values is not None:
        expect_values(tensor, values, name=name, atol=atol, rtol=rtol, why=_why(why, "values"))
    return tensor


@dataclass(frozen=True)
class Mismatch:
    """How two tensors' values differ, worst element first."""

    count: int
    total: int
    index: tuple[int, ...]
    got: float
    want: float
    max_abs: float
    max_rel: float

    def describe(self) -> str:
        figures = {
            "count": self.count,
            "total": self.total,
            "got": num(self.got),
            "want": num(self.want),
            "max_abs": num(self.max_abs),
            "max_rel": num(self.max_rel),
        }
        if self.index:
            return say("check.values-differ-at", index=index_str(self.index), **figures)
        return say("check.values-differ", **figures)


def value_mismatch(
    got: Any, want: Any, *, atol: float = 1e-6, rtol: float = 1e-5
) -> Mismatch | None:
    """How ``got`` differs from ``want`` (same shape), or None when they match.

    Integers and bools must match exactly; floats within ``atol + rtol * |want|``.
    """
    g = as_cpu(got)
    w = as_cpu(want)
    if g.numel() == 0:
        return None
    if not (g.is_floating_point() or w.is_floating_point() or g.is_complex() or w.is_complex()):
        # Integers and bools: exact, in int64 (float64 cannot tell 2**53 from 2**53 + 1).
        bad = g.to(torch.int64) != w.to(torch.int64)
        diff = (g.to(torch.float64) - w.to(torch.float64)).abs()
        diff = torch.where(bad & (diff == 0), torch.ones_like(diff), diff)
    else:
        g64 = g.to(torch.float64)
        w64 = w.to(torch.float64)
        g_nan, w_nan = torch.isnan(g64), torch.isnan(w64)
        infinite = torch.isinf(g64) | torch.isinf(w64)
        diff = (g64 - w64).abs()
        close = diff <= atol + rtol * w64.abs()
        # NaN matches only NaN, and an infinity only the same infinity.
        bad = torch.where(g_nan | w_nan, g_nan != w_nan, torch.where(infinite, g64 != w64, ~close))
        diff = torch.nan_to_num(
            torch.where(g_nan & w_nan, torch.zeros_like(diff), diff), nan=float("inf")
        )
    if not bool(bad.any()):
        return None
    g64 = g.to(torch.float64)
    w64 = w.to(torch.float64)
    bad_diff = torch.where(bad, diff, torch.zeros_like(diff))
    flat = int(torch.argmax(bad_diff))
    index = tuple(int(i) for i in np.unravel_index(flat, tuple(g.shape))) if g.dim() else ()
    rel = bad_diff / w64.abs().clamp_min(1e-12)
    return Mismatch(
        count=int(bad.sum()),
        total=g.numel(),
        index=index,
        got=g64.reshape(-1)[flat].item(),
        want=w64.reshape(-1)[flat].item(),
        max_abs=bad_diff.max().item(),
        max_rel=torch.nan_to_num(rel, nan=float("inf"), posinf=float("inf")).max().item(),
    )


def expect_values(
    value: Any,
    expected: Any,
    *,
    name: str = "x",
    atol: float = 1e-6,
    rtol: float = 1e-5,
    why: str = "",
) -> None:
    """Check element values (on the CPU, in float64) and say where they differ most."""
    label = say("check.has-values", name=name)
    uncalled(value, name, label)
    try:
        g = as_cpu(value)
    except (TypeError, ValueError, RuntimeError):
        _check(
            False,
            label,
            say("check.values-not-numbers", name=name, got=brief(value)) + suffix(why),
        )
    w = as_cpu(expected)
    if tuple(g.shape) != tuple(w.shape):
        _check(
            False,
            label,
            say(
                "check.values-wrong-shape",
                name=name,
                got=shape_str(g.shape),
                want=shape_str(w.shape),
            )
            + suffix(why),
        )
    mismatch = value_mismatch(g, w, atol=atol, rtol=rtol)
    _check(
        mismatch is None,
        label,
        ""
        if mismatch is None
        else say("check.wrong-values", name=name, mismatch=mismatch.describe()) + suffix(why),
    )


def _memory_range(value: Any) -> tuple[str, int, int] | None:
    """Which process's memory ``value`` views, and where: ("learner" | "judge", start, end).

    Values restored from the learner's facts answer with where they lived in
    the learner's process, so that two of them compare as they did there; a
    value the judge made itself never shares memory with one of those.
    """
    from checkers._facts import learner_memory, meta_of

    meta = meta_of(value)
    if meta is not None:
        return ("learner", *meta.memory) if meta.memory else None
    here = _local_range(value)
    if here is None:
        return None
    restored, there = learner_memory(here[0])
    if restored:
        return ("learner", *there) if there else None
    return ("judge", *here)


def _local_range(value: Any) -> tuple[int, int] | None:
    if isinstance(value, torch.Tensor):
        if value.device.type != "cpu":
            return None
        storage = value.untyped_storage()
        start = storage.data_ptr()
        return start, start + storage.nbytes()
    if isinstance(value, np.ndarray):
        base = value
        while isinstance(base.base, np.ndarray):
            base = base.base
        start = base.__array_interface__["data"][0]
        return start, start + base.nbytes
    return None


def shares_memory(a: Any, b: Any) -> bool:
    """True when two tensors/arrays are views of the same memory."""
    ra, rb = _memory_range(a), _memory_range(b)
    if ra is None or rb is None or ra[0] != rb[0] or ra[1] == ra[2] or rb[1] == rb[2]:
        return False
    return ra[1] < rb[2] and rb[1] < ra[2]


def expect_same_memory(
    a: Any, b: Any, *, names: tuple[str, str] = ("a", "b"), why: str = ""
) -> None:
    """Check that ``a`` and ``b`` (tensor or ndarray) share memory."""
    na, nb = names
    _check(
        shares_memory(a, b),
        say("check.share-memory", a=na, b=nb),
        say("check.not-sharing-memory", a=na, b=nb) + suffix(why),
    )


def expect_separate_memory(
    a: Any, b: Any, *, names: tuple[str, str] = ("a", "b"), why: str = ""
) -> None:
    """Check that ``a`` and ``b`` do not share memory (e.g. after ``.clone()``)."""
    na, nb = names
    _check(
        not shares_memory(a, b),
        say("check.separate-copies", a=na, b=nb),
        say("check.sharing-memory", a=na, b=nb) + suffix(why),
    )


def expect_close(
    value: Any,
    expected: float,
    *,
    name: str = "value",
    atol: float = 1e-6,
    rtol: float = 1e-5,
    why: str = "",
) -> None:
    """Check a single number (Python number or one-element tensor)."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    is_scalar_tensor = isinstance(value, torch.Tensor) and value.numel() == 1
    label = say("check.is-number", name=name)
    uncalled(value, name, label)
    _check(
        is_number or is_scalar_tensor,
        label,
        say("check.not-a-number", name=name, got=brief(value)) + suffix(why),
    )
    got = float(value.item() if isinstance(value, torch.Tensor) else value)
    _check(
        abs(got - expected) <= atol + rtol * abs(expected),
        say("check.equals", name=name, want=num(expected)),
        say("check.wrong-number", name=name, got=num(got), want=num(expected)) + suffix(why),
    )


def expect_type(
    value: Any, kind: type | tuple[type, ...], *, name: str = "x", why: str = ""
) -> None:
    """Check the Python type of a value (e.g. a NumPy array, a float)."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    want = " or ".join(
        "NumPy array"
        if k is np.ndarray
        else f"{k.__module__}.{k.__qualname__}".removeprefix("builtins.")
        for k in kinds
    )
    label = say("check.is-type", name=name, want=want)
    if not isinstance(value, kinds):
        uncalled(value, name, label)
    _check(
        isinstance(value, kinds),
        label,
        say("check.wrong-type", name=name, got=brief(value), want=want) + suffix(why),
    )
