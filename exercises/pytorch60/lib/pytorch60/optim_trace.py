"""Checks on one loss, backward pass and optimiser step: what the learner's process did,
replayed against the reference in the judge.

In the learner's process, an exercise's ``instrument`` calls :func:`watch` before the
learner's code runs. It hooks (without changing what is computed) the criterion (what
went into the loss and what came out), one parameter's gradient (each backward pass, and
whether the old gradients were cleared before it) and the optimiser's ``step`` (the
parameters, gradients and learning rate it used). The trace travels to the judge as one
fact. The judge replays the reference from :func:`checkers.before`'s weights and inputs,
and the first quantity that differs names the mistake: the loss, then the gradients, then
the update.

:func:`guard_loss_classes` catches ``nn.MSELoss(output, target)``, the loss class given
the data, at the line that does it.

The source checks here (:func:`uncalled`, :func:`keyword_value`) read the
learner's code with ``ast``, so comments and strings never trigger them.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from checkers import _core
from checkers._core import CheckFailed, fail, t
from checkers._mistakes import mistake
from checkers.tensors import value_mismatch

FACT = "optim_trace"
"""The fact the trace travels to the judge as."""
MAX_KEPT = 4
"""Criterion calls and steps whose tensors are kept (the tasks make one or two)."""

Grads = Mapping[str, torch.Tensor | None]


# ---------------------------------------------------------------------------
# The learner's source


def _tree(source: str) -> ast.AST | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _walk(source: str) -> Iterator[ast.AST]:
    tree = _tree(source)
    return iter(()) if tree is None else ast.walk(tree)


def uncalled(source: str, method: str) -> list[str]:
    """The expressions like ``optimizer.zero_grad`` that ``source`` names without calling.

    ``optimizer.zero_grad`` alone on a line is an expression statement whose value is
    an attribute, not a call: Python evaluates it and throws it away.
    """
    return [
        ast.unparse(node.value)
        for node in _walk(source)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == method
    ]


def calls(source: str, method: str) -> bool:
    """Whether ``source`` calls ``….method(...)`` anywhere (run or not)."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
        for node in _walk(source)
    )


def keyword_value(source: str, function: str, keyword: str) -> list[object]:
    """The constant values given as ``keyword=`` to calls of ``….function(...)``."""
    found: list[object] = []
    for node in _walk(source):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        called = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
        if called != function:
            continue
        for kw in node.keywords:
            if kw.arg == keyword and isinstance(kw.value, ast.Constant):
                found.append(kw.value.value)
    return found


# ---------------------------------------------------------------------------
# The learner's side


def guard_loss_classes() -> None:
    """Fail at the line that gives a loss class tensors where it takes settings.

    ``nn.MSELoss(output, target)`` passes the data as ``size_average`` and ``reduce``
    (``nn.CrossEntropyLoss(outputs, labels)`` as ``weight`` and ``size_average``);
    torch then fails with "Boolean value of Tensor ... is ambiguous", or, for a single
    value, builds a loss module that is not a number. No loss takes a tensor there.
    """
    from torch.nn.modules.loss import _Loss

    original = _Loss.__init__
    if getattr(original, "_quiz_guard", False):
        return

    @functools.wraps(original)
    def guarded(self: _Loss, *args: Any, **kwargs: Any) -> None:
        settings = [*args, *(kwargs.get(k) for k in ("size_average", "reduce", "reduction"))]
        if any(isinstance(v, torch.Tensor) for v in settings):
            raise CheckFailed(mistake("criterion-called-with-data", cls=type(self).__name__))
        original(self, *args, **kwargs)

    guarded._quiz_guard = True  # type: ignore[attr-defined]
    _Loss.__init__ = guarded  # type: ignore[method-assign]


@dataclass
class Trace:
    """What the learner's code did to the watched network, in order."""

    events: list[str] = field(default_factory=list)
    """"backward" (into cleared gradients), "backward+old" (added to old ones),
    "zero_grad" (the optimiser's), "step"."""
    losses: list[dict[str, Any]] = field(default_factory=list)
    """Each criterion call: {"input", "target", "value"} (tensors)."""
    steps: list[dict[str, Any]] = field(default_factory=list)
    """Each step: {"lr", "momentum" (numbers), "params", "grads" (name → tensor or None)}."""

    def count(self, event: str) -> int:
        return sum(1 for e in self.events if e == event)

    def backwards(self) -> list[str]:
        """The backward passes before the first step (all of them without a step)."""
        upto = self.events.index("step") if "step" in self.events else len(self.events)
        return [e for e in self.events[:upto] if e.startswith("backward")]

    def export(self) -> dict[str, Any]:
        return {"events": list(self.events), "losses": self.losses, "steps": self.steps}


_trace: Trace | None = None


def _detached(value: Any) -> Any:
    return value.detach().clone() if isinstance(value, torch.Tensor) else None


def watch(
    net: nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    criterion: nn.Module | None = None,
) -> Trace:
    """Record the loss, backward passes and steps that the learner's code makes next."""
    global _trace
    trace = Trace()
    _trace = trace
    _core.on_collect(lambda: {FACT: trace.export()})
    named = list(net.named_parameters()) if net is not None else []
    names = {id(p): n for n, p in named}

    if criterion is not None:

        def on_loss(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
            if len(trace.losses) < MAX_KEPT and len(args) >= 2:
                trace.losses.append(
                    {
                        "input": _detached(args[0]),
                        "target": _detached(args[1]),
                        "value": _detached(output),
                    }
                )

        criterion.register_forward_hook(on_loss)

    trainable = [p for _, p in named if p.requires_grad]
    if trainable:
        probe = trainable[-1]  # the last layer's: among the first reached by backward

        def on_grad(grad: torch.Tensor) -> None:
            # Runs before the new gradient is added: probe.grad is what was left.
            old = probe.grad
            clean = old is None or not bool(old.detach().abs().sum())
            trace.events.append("backward" if clean else "backward+old")

        probe.register_hook(on_grad)  # type: ignore[no-untyped-call]

    if optimizer is not None:

        def on_step(opt: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
            trace.events.append("step")
            if len(trace.steps) >= MAX_KEPT:
                return
            group = opt.param_groups[0] if opt.param_groups else {}
            params = [p for g in opt.param_groups for p in g["params"]]
            trace.steps.append(
                {
                    "lr": float(group.get("lr", math.nan)),
                    "momentum": float(group.get("momentum", 0.0) or 0.0),
                    "params": {
                        names.get(id(p), str(i)): _detached(p) for i, p in enumerate(params)
                    },
                    "grads": {
                        names.get(id(p), str(i)): _detached(p.grad) for i, p in enumerate(params)
                    },
                }
            )

        optimizer.register_step_pre_hook(on_step)
        # Through a subclass: an instance attribute would look like the learner's own
        # assignment over the method (the catalogue's method-replaced).
        cls = type(optimizer)

        def zero_grad(self: Any, *args: Any, **kwargs: Any) -> Any:
            trace.events.append("zero_grad")
            return cls.zero_grad(self, *args, **kwargs)

        watched = type(cls.__name__, (cls,), {"zero_grad": zero_grad})
        watched.__qualname__ = cls.__qualname__
        watched.__module__ = cls.__module__
        optimizer.__class__ = watched
    return trace


# ---------------------------------------------------------------------------
# The judge's side


def current() -> Trace:
    """The trace the learner's process recorded (in the judge, rebuilt from the fact)."""
    if _trace is not None:
        return _trace
    raw = _core._state.records.get(FACT)
    if not isinstance(raw, dict):
        raise RuntimeError("pytorch60.optim_trace.watch() was not installed by the exercise")

    def dicts(key: str) -> list[dict[str, Any]]:
        items = raw.get(key)
        return [d for d in items if isinstance(d, dict)] if isinstance(items, list) else []

    events = raw.get("events")
    return Trace(
        events=[str(e) for e in events] if isinstance(events, list) else [],
        losses=dicts("losses"),
        steps=dicts("steps"),
    )


def grads_of(net: nn.Module) -> dict[str, torch.Tensor | None]:
    return {n: _detached(p.grad) for n, p in net.named_parameters()}


def _dot(a: Grads, b: Grads) -> float:
    total = 0.0
    for name, x in a.items():
        y = b.get(name)
        if x is not None and y is not None and x.shape == y.shape:
            total += float((x.double() * y.double()).sum())
    return total


def matches(got: Grads, want: Grads, *, atol: float = 1e-6, rtol: float = 1e-3) -> bool:
    """Every tensor of ``want`` is in ``got`` with the same values."""
    for name, w in want.items():
        g = got.get(name)
        if w is None or g is None:
            if (w is None) != (g is None):
                return False
            continue
        if g.shape != w.shape or value_mismatch(g, w, atol=atol, rtol=rtol) is not None:
            return False
    return True


def scale(got: Grads, want: Grads) -> float | None:
    """The k with got = k × want (least squares), when it fits every tensor; else None."""
    norm = _dot(want, want)
    if norm == 0.0:
        return None
    k = _dot(got, want) / norm
    scaled = {n: None if w is None else k * w for n, w in want.items()}
    return k if matches(got, scaled, atol=1e-6, rtol=1e-3) else None


def _number(k: float) -> str:
    return str(round(k)) if abs(k - round(k)) < 1e-3 else f"{k:.3g}"


def accumulated(name: str, k: float, trace: Trace | None) -> CheckFailed:
    """The failure for gradients that are k× one fresh backward pass.

    The trace, when there is one, says whether backward() added to old gradients or ran
    more than once; without one, the message names both.
    """
    passes = trace.backwards() if trace is not None else []
    into_old = any(e == "backward+old" for e in passes[:1])
    if trace is not None and passes and len(passes) == 1 and into_old:
        cause = t(
            "the gradients left by the earlier backward() were never cleared, so this "
            "backward() added to them. Call optimizer.zero_grad() before loss.backward()",
            "之前 backward() 留下的梯度没有被清空，这次 backward() 就累加在了它们上面。"
            "请在 loss.backward() 之前调用 optimizer.zero_grad()",
        )
    elif trace is not None and len(passes) >= 2 and not into_old:
        cause = t(
            f"backward() ran {len(passes)} times, each time adding its gradients. "
            "Call loss.backward() once per step",
            f"backward() 运行了 {len(passes)} 次，每次都把梯度累加了上去。每一步只调用一次 loss.backward()",
        )
    elif trace is not None and len(passes) >= 2:
        cause = t(
            f"the old gradients were not cleared, and backward() ran {len(passes)} times. "
            "Call optimizer.zero_grad() first, then loss.backward() once",
            f"旧梯度没有被清空，而且 backward() 运行了 {len(passes)} 次。"
            "请先调用 optimizer.zero_grad()，再只调用一次 loss.backward()",
        )
    else:
        cause = t(
            "either the old gradients were not cleared before backward() (zero_grad() "
            "missing) or backward() ran more than once. Call zero_grad() before "
            "loss.backward(), and backward() once per step",
            "要么 backward() 之前没有清空旧梯度（缺少 zero_grad()），要么 backward() 运行了不止一次。"
            "请在 loss.backward() 之前调用 zero_grad()，且每一步只调用一次 backward()",
        )
    return CheckFailed(mistake("grads-accumulated", name=name, k=_number(k), cause=cause))


def learning_rate(moved: Grads, grads: Grads) -> float | None:
    """The learning rate lr' with moved = −lr' × grads, when one fits every parameter."""
    k = scale(moved, grads)
    return None if k is None else -k


def same_number(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-9)


FUNCTIONAL = "functional"
"""The fact naming the torch.nn.functional loss a name holds, if it holds one."""


def record_functional(value: Any) -> None:
    """In a probe: record which torch.nn.functional function ``value`` is, if it is one
    (``criterion = F.mse_loss`` is the same loss as ``nn.MSELoss()``, as a function)."""
    name = getattr(value, "__name__", None)
    if isinstance(name, str) and getattr(torch.nn.functional, name, None) is value:
        _core.record(FUNCTIONAL, name)


def _hyper(optimizer: Any, key: str) -> Any:
    groups = getattr(optimizer, "param_groups", None) or [{}]
    return groups[0].get(key)


def expect_sgd(optimizer: Any, name: str, *, lr: float, momentum: float = 0.0) -> None:
    """``optimizer`` is SGD with this learning rate and momentum (catalogue messages)."""
    from checkers import expect, expect_module

    expect_module(optimizer, torch.optim.SGD, name=name)
    got_lr = _hyper(optimizer, "lr")
    expect(
        isinstance(got_lr, int | float) and same_number(float(got_lr), lr),
        mistake("wrong-learning-rate", name=f"`{name}`", got=got_lr, want=lr),
        name=t(f"`{name}` has lr={lr}", f"`{name}` 的 lr={lr}"),
    )
    got_momentum = _hyper(optimizer, "momentum")
    if momentum and not got_momentum:
        expect(
            False,
            mistake("momentum-missing", name=f"`{name}`", got=got_momentum, want=momentum),
            name=t(f"`{name}` has momentum={momentum}", f"`{name}` 的 momentum={momentum}"),
        )
    expect_module(optimizer, torch.optim.SGD, name=name, momentum=momentum)


def explain_loss(
    loss: torch.Tensor | None, output: torch.Tensor, target: torch.Tensor, trace: Trace
) -> None:
    """Fail naming what went into the loss, or which other loss it is, when that is clear.

    ``loss`` is the learner's loss (None: the last call of the criterion); ``output`` and
    ``target`` what the task's loss compares.
    """
    made = [c for c in trace.losses if isinstance(c.get("value"), torch.Tensor)]
    mine = [c for c in made if loss is None or value_mismatch(c["value"], loss, atol=1e-6) is None]
    if mine:
        call = mine[-1]
        given, against = call.get("input"), call.get("target")
        if isinstance(given, torch.Tensor) and (
            given.shape != output.shape or value_mismatch(given, output, atol=1e-6) is not None
        ):
            fail(
                "`loss` was computed from something other than `output`: pass the network's "
                "output first, loss = criterion(output, target).",
                "`loss` 不是由 `output` 算出来的：请把网络的输出作为第一个参数，"
                "loss = criterion(output, target)。",
            )
        if (
            isinstance(against, torch.Tensor)
            and against.shape != target.shape
            and against.numel() == target.numel()
            and value_mismatch(against.reshape(-1), target.reshape(-1), atol=1e-6) is None
        ):
            shape = tuple(against.shape)
            fail(
                t(
                    f"The loss was computed against `target` reshaped to {shape}, not of the "
                    f"output's shape {tuple(output.shape)}: MSELoss then broadcasts the two "
                    "into a grid of differences, a wrong loss (with only a warning). Pass "
                    "`target` as it is, shaped like the output.",
                    f"计算损失时用的是被改成 {shape} 形状的 `target`，而不是输出的形状 "
                    f"{tuple(output.shape)}：MSELoss 会把两者广播成差值网格，损失就算错了"
                    "（只给出一个警告）。请直接传入与输出形状相同的 `target`。",
                )
            )
        if isinstance(against, torch.Tensor) and (
            against.shape != target.shape or value_mismatch(against, target, atol=1e-6) is not None
        ):
            fail(
                "`loss` was computed against another tensor than `target` (a new random one?): "
                "pass `target` itself, loss = criterion(output, target).",
                "`loss` 比较的对象不是 `target`（是不是又随机生成了一个？）："
                "请直接传入 `target`，loss = criterion(output, target)。",
            )
        return
    if loss is None:
        return
    with torch.no_grad():
        others = {
            t("the mean absolute error (L1Loss)", "平均绝对误差（L1Loss）"): F.l1_loss(
                output, target
            ),
            t(
                "the sum of the squared errors (reduction='sum')", "平方误差之和（reduction='sum'）"
            ): (F.mse_loss(output, target, reduction="sum")),
            t("a cross-entropy loss", "交叉熵损失"): F.cross_entropy(output, target),
            t("the square root of the mean squared error", "均方误差的平方根"): F.mse_loss(
                output, target
            ).sqrt(),
        }
    for what, value in others.items():
        if value_mismatch(loss, value, atol=1e-6) is None:
            fail(
                t(
                    f"`loss` is {what}, not the mean squared error. Use the task's criterion "
                    "(nn.MSELoss()): loss = criterion(output, target).",
                    f"`loss` 是{what}，而不是均方误差。请用题目中的损失函数（nn.MSELoss()）："
                    "loss = criterion(output, target)。",
                )
            )
