"""How the learner wrote something, read from their code's syntax tree (never its raw text).

For the few checks where the facts cannot tell two causes apart (``a.add(1)``
and doing nothing both leave ``a`` unchanged), these name what the code did.
Comments and strings never match: only real calls and assignments do.
"""

from __future__ import annotations

import ast
import functools

from checkers._core import source


@functools.cache
def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def tree() -> ast.Module | None:
    """The learner's code as a syntax tree (None if it does not parse)."""
    return _parse(source())


def method_calls(attr: str) -> list[ast.Call]:
    """Every call ``<something>.attr(...)`` in the learner's code, in source order."""
    module = tree()
    if module is None:
        return []
    found = [
        node
        for node in ast.walk(module)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == attr
    ]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def receiver(call: ast.Call) -> str:
    """What a method call is called on, as code: ``"x"`` for ``x.view(2, 8)`` ("" for a function)."""
    return ast.unparse(call.func.value) if isinstance(call.func, ast.Attribute) else ""


def keywords(call: ast.Call) -> set[str]:
    """The keyword arguments a call passes by name."""
    return {k.arg for k in call.keywords if k.arg}


def last_assignment(name: str) -> ast.expr | None:
    """The expression last assigned to ``name`` by a plain ``name = ...`` (source order)."""
    module = tree()
    if module is None:
        return None
    last: tuple[tuple[int, int], ast.expr] | None = None
    for node in ast.walk(module):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr):
            targets, value = [node.target], node.value
        if value is None:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            where = (value.lineno, value.col_offset)
            if last is None or where > last[0]:
                last = (where, value)
    return last[1] if last else None


def text(node: ast.AST) -> str:
    """A node as code (normalised: ``x.view(2,8)`` reads ``x.view(2, 8)``)."""
    return ast.unparse(node)
