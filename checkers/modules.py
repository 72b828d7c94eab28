"""Checks on ``nn.Module`` objects: layer type and hyperparameters, losses, optimisers."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from checkers._core import CheckFailed, _check, _record, fail, say, source
from checkers._mistakes import Mistake, mistake


def _norm(value: Any) -> Any:
    """Make ``5`` and ``(5, 5)`` compare equal for kernel sizes, strides, ...

    ``padding="valid"`` is no padding, the same as ``padding=0``.
    """
    if isinstance(value, list):
        value = tuple(value)
    if value == "valid":
        value = 0
    return value


def same_param(got: Any, want: Any) -> bool:
    """Whether a hyperparameter has the wanted value (``5`` is ``(5, 5)``)."""
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
    diagnose: bool = False,
    **params: Any,
) -> None:
    """Check a layer's (or loss's, optimiser's) type and hyperparameters.

    ``params`` are attribute names and expected values, e.g.
    ``expect_module(net.conv1, nn.Conv2d, name="conv1", in_channels=3, out_channels=6,
    kernel_size=5)``. ``why`` maps a parameter to the reason a learner should know.

    With ``diagnose=True`` a wrong hyperparameter is reported from the misconception
    catalogue, and the learner's source is read (with ``ast``) for the call that built
    the layer (``self.<name> = nn.Conv2d(...)``): a value given positionally is named by
    its position, e.g. ``nn.Conv2d(3, 6, 5, 5)`` "the 4th positional argument of
    nn.Conv2d is stride".
    """
    why = why or {}
    got_kind = type(module).__name__
    want_kind = kind.__name__
    if module is Ellipsis:
        fail(say("check.module-still-ellipsis", name=name, want=want_kind))
    if isinstance(module, type) and issubclass(module, kind):
        spelled = _spelled(kind)
        fail(say("check.module-is-class", name=name, cls=spelled))
    if module is None:
        message = say("check.module-is-none", name=name, want=want_kind)
    elif _a(got_kind) == "an":
        message = say("check.module-is-other-an", name=name, got=got_kind, want=want_kind)
    else:
        message = say("check.module-is-other-a", name=name, got=got_kind, want=want_kind)
    _check(
        isinstance(module, kind),
        say("check.module-is", name=name, want=want_kind),
        message + (" " + why["type"] if "type" in why else ""),
    )
    written = constructor_call(source(), name, kind) if diagnose else None
    for param, want in params.items():
        got = module_param(module, param)
        reason = why.get(param)
        if diagnose:
            label = say("check.module-param-is", name=name, param=param, want=_show(want))
            if same_param(got, want):
                _record(label, True)
                continue
            found = argument_mistake(name, kind, param, got, want, reason or "", written)
            _record(label, False, found.text)
            raise CheckFailed(found)
        if reason:
            detail = say(
                "check.module-param-reason", name=name, param=param, got=_show(got), why=reason
            )
        else:
            detail = say(
                "check.module-param-wrong",
                name=name,
                param=param,
                got=_show(got),
                want=_show(want),
            )
        _check(
            same_param(got, want),
            say("check.module-param-is", name=name, param=param, want=_show(want)),
            detail,
        )


def _a(word: str) -> str:
    """The English article for a class name: "an Adam", "an MSELoss", "a Linear"."""
    acronym = len(word) > 1 and word[0].isupper() and (word[1].isupper() or word[1].isdigit())
    return "an" if word[:1] in "AEIOU" or (acronym and word[0] in "FHLMNRSX") else "a"


def module_param(module: Any, param: str) -> Any:
    """A hyperparameter from a layer attribute or an optimiser's param group."""
    if isinstance(module, torch.optim.Optimizer):
        group = module.param_groups[0] if module.param_groups else {}
        return group.get(param, module.defaults.get(param))
    if param == "bias" and isinstance(module, nn.Module):
        return getattr(module, "bias", None) is not None
    return getattr(module, param, None)


def constructor_call(code: str, name: str, kind: type) -> ast.Call | None:
    """The call that built layer ``name`` in ``code``: ``self.name = nn.Kind(...)``.

    The last such assignment in the source wins; None when there is none, when the
    call is not to ``kind`` (by its class name), or when it unpacks ``*args``/``**kw``
    (then no argument can be told by its position).
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    found: ast.Call | None = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign | ast.AnnAssign) or not isinstance(node.value, ast.Call):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        named = any(
            (isinstance(tg, ast.Attribute) and tg.attr == name)
            or (isinstance(tg, ast.Name) and tg.id == name)
            for tg in targets
        )
        if named and (found is None or node.lineno >= found.lineno):
            found = node.value
    if found is None or _callee(found) != kind.__name__:
        return None
    if any(isinstance(a, ast.Starred) for a in found.args) or any(
        k.arg is None for k in found.keywords
    ):
        return None
    return found


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def argument_order(kind: type) -> list[tuple[str, bool]]:
    """The constructor's parameters in the order positional arguments fill them, each
    with whether it is optional (has a default)."""
    try:
        params = inspect.signature(kind).parameters.values()
    except (TypeError, ValueError):
        return []
    return [
        (p.name, p.default is not p.empty)
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def _ordinal(n: int) -> str:
    """ "3rd" (English picks the key; another language may say every one alike)."""
    if 10 <= n % 100 <= 20:
        return say("check.ordinal-th", n=n)
    ending = n % 10
    if ending == 1:
        return say("check.ordinal-st", n=n)
    if ending == 2:
        return say("check.ordinal-nd", n=n)
    if ending == 3:
        return say("check.ordinal-rd", n=n)
    return say("check.ordinal-th", n=n)


def argument_mistake(
    layer: str,
    kind: type,
    param: str,
    got: Any,
    want: Any,
    reason: str,
    written: ast.Call | None,
) -> Mistake:
    """The catalogue's message for layer argument ``param`` being ``got``, not ``want``.

    When ``written`` (the learner's call) shows the value was given positionally, the
    message names the position: that is how ``nn.Conv2d(3, 6, 5, 5)`` sets a stride. Only
    optional parameters are explained so: the required ones are meant to go by position.
    """
    signature = argument_order(kind)
    order = [p for p, _ in signature]
    optional = {p for p, has_default in signature if has_default}
    cls = _spelled(kind)
    why = reason or say("check.layer-keeps-default", param=param, want=_show(want))
    position = order.index(param) if param in order else -1
    if written is not None and param in optional and 0 <= position < len(written.args):
        if param == "stride" and issubclass(kind, nn.modules.conv._ConvNd) and position == 3:
            fixed = ast.Call(func=written.func, args=written.args[:3], keywords=written.keywords)
            return mistake(
                "conv-positional-stride",
                layer=layer,
                cls=cls,
                got=_show(got),
                want=_show(want),
                kernel=ast.unparse(written.args[2]),
                fixed=ast.unparse(fixed),
            )
        return mistake(
            "layer-positional-argument",
            layer=layer,
            cls=cls,
            argument=param,
            got=_show(got),
            want=_show(want),
            ordinal=_ordinal(position + 1),
            order=", ".join(order[: max(position + 1, 3)]),
            why=why,
        )
    return mistake(
        "layer-argument", layer=layer, argument=param, got=_show(got), want=_show(want), why=why
    )


def count_parameters(module: nn.Module) -> int:
    """Number of trainable scalars in a module."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
