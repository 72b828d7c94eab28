"""Checks on autograd: how a tensor was made (``grad_fn``) and what its gradient is."""

from __future__ import annotations

import ast
import re
from typing import Any

import torch

from checkers import code
from checkers._core import _check, fail, say, source, suffix
from checkers._mistakes import Mistake, mistake
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
        message = say("check.grad-fn-still-recorded", name=name, got=got)
    elif got is None:
        message = say("check.grad-fn-none", name=name, want=want)
    else:
        message = say("check.grad-fn-other", name=name, got=got, want=want)
    _check(
        got == want,
        say("check.grad-fn-is", name=name, want=want),
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
        say("check.grad-exists", name=name),
        say("check.grad-none", name=name),
    )
    expect_values(grad, expected, name=f"{name}.grad", atol=atol, rtol=rtol, why=why)


CALLED_FOR_EFFECT = ("backward", "step", "zero_grad")
"""Methods called only for what they do: naming one without ``()`` does nothing."""


def expect_methods_called(methods: tuple[str, ...] = CALLED_FOR_EFFECT) -> None:
    """Fail when the learner's code names ``out.backward`` (or ``step``, ``zero_grad``)
    on a line of its own without calling it: the line does nothing.

    Call this where the method's effect is missing, so that a stray line next to a
    correct call does not fail the answer.
    """
    found = code.named_not_called(*methods)
    if found:
        expr, line = found[0]
        fail(mistake("call-missing-parentheses", expr=expr, line=line))


def _assignments(tree: ast.AST, name: str) -> list[int]:
    """Lines where ``name`` is bound (``name = ...``, ``name += ...``, ``for name in``)."""
    lines = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For):
            targets = [node.target]
        if isinstance(node, ast.stmt) and any(name in _bound(target) for target in targets):
            lines.append(node.lineno)
    return sorted(lines)


def _bound(target: ast.expr) -> list[str]:
    """The plain names an assignment target binds (not ``x.grad`` or ``x[0]``)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _bound(elt)]
    return []


def _requires_grad_set(tree: ast.AST, name: str) -> list[int]:
    """Lines that switch on ``name.requires_grad`` after creating it."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "requires_grad"
                    and isinstance(target.value, ast.Name)
                    and target.value.id == name
                ):
                    lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "requires_grad_"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
        ):
            lines.append(node.lineno)
    return sorted(lines)


def _detached_source(tree: ast.AST, name: str) -> tuple[int, str] | None:
    """An assignment to ``name`` whose value reads ``.data`` or calls ``.detach()``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign | ast.AugAssign):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not any(name in _bound(tg) for tg in targets):
            continue
        for sub in ast.walk(node.value):
            if isinstance(sub, ast.Attribute) and sub.attr == "data":
                return node.lineno, ast.unparse(sub)
            if (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "detach"
            ):
                return node.lineno, ast.unparse(sub)
    return None


def why_not_connected(leaf: str, result: str, *, setup_made_result: bool = False) -> Mistake:
    """Why ``result`` carries no gradient to ``leaf``, said only as far as the code shows it.

    Read from the learner's source with ``ast``: ``leaf.requires_grad = True`` written
    after ``result`` was computed; ``result`` computed from ``.data`` or ``.detach()``;
    ``leaf`` made anew after the setup computed ``result`` from the old one. Otherwise
    the message says only that no gradient reached ``leaf``.
    """
    try:
        tree: ast.AST = ast.parse(source())
    except SyntaxError:
        tree = ast.Module(body=[], type_ignores=[])
    made = _assignments(tree, result)
    switched = _requires_grad_set(tree, leaf)
    if made and switched and switched[-1] > made[0]:
        return mistake(
            "requires-grad-too-late",
            leaf=leaf,
            result=result,
            line=made[0],
            set_line=switched[-1],
        )
    detached = _detached_source(tree, result)
    if detached is not None:
        return mistake(
            "detached-copy", result=result, expr=detached[1], line=detached[0], leaf=leaf
        )
    remade = _assignments(tree, leaf)
    if setup_made_result and remade and not any(line > remade[-1] for line in made):
        return mistake("leaf-recreated", leaf=leaf, result=result, line=remade[-1])
    return mistake("grad-not-reached", leaf=leaf, result=result)
