"""Questions about the learner's code *as code*: answered from its syntax tree.

Where the facts cannot tell two causes apart (``a.add(1)`` and doing nothing both
leave ``a`` unchanged), these name what the code did.

A check that reads ``source()`` as text is fooled by a comment (``# not MSELoss``)
or a string, and misses ``from torch.nn import MSELoss as M``. These helpers parse
the code once with :mod:`ast` and answer from names, attributes and calls, so
comments and strings never count. They use only the standard library (the
learner's process and the judge both have the code as text).

Hand-written: a handful of tree walks over :mod:`ast`; no library offers these
questions in a way that is smaller than the walks themselves.
"""

from __future__ import annotations

import ast
import functools
import re

from checkers import _core


@functools.lru_cache(maxsize=4)
def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code.lstrip("\ufeff"))
    except (SyntaxError, ValueError):
        return None


def tree() -> ast.Module | None:
    """The learner's code parsed (None when it does not parse)."""
    return _parse(_core.source())


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def uses(name: str) -> bool:
    """Whether the code refers to ``name``: a variable, an attribute (``nn.MSELoss``)
    or an import (``from torch.nn import MSELoss as M`` counts)."""
    module = tree()
    if module is None:
        return False
    for node in ast.walk(module):
        if _name_of(node) == name:
            return True
        if isinstance(node, ast.alias) and name in (node.name.rsplit(".", 1)[-1], node.asname):
            return True
    return False


def calls(name: str) -> bool:
    """Whether the code calls something named ``name`` (``f(...)`` or ``x.f(...)``)."""
    module = tree()
    if module is None:
        return False
    return any(
        isinstance(node, ast.Call) and _name_of(node.func) == name for node in ast.walk(module)
    )


def named_not_called(*names: str) -> list[tuple[str, int]]:
    """Statements that only *name* a method, e.g. ``out.backward`` alone on its line.

    Returns ``(text, line)`` for each expression statement that is a bare name or
    attribute whose last part is in ``names`` (any name when none are given): a
    line that does nothing, where the learner meant a call.
    """
    module = tree()
    if module is None:
        return []
    found = []
    for node in ast.walk(module):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Name | ast.Attribute):
            last = _name_of(node.value)
            if last is not None and (not names or last in names):
                found.append((ast.unparse(node.value), node.lineno))
    return found


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


def blanks() -> list[tuple[int, str]]:
    """The starter's blanks still in the code: ``(line, label)`` for each ``...``.

    ``label`` is the number of the numbered comment just above the blank
    (``# 52. forward: ...`` gives ``"52"``), or "" when there is none.
    """
    module = tree()
    if module is None:
        return []
    lines = _core.source().splitlines()
    found = []
    for node in ast.walk(module):
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            label = ""
            for above in reversed(lines[max(0, node.lineno - 3) : node.lineno - 1]):
                number = re.match(r"\s*#\s*(\d+)[.:)]", above)
                if number:
                    label = number.group(1)
                    break
            found.append((node.lineno, label))
    return sorted(set(found))
