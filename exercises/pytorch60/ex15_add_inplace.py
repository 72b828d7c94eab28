import ast
from typing import Any

import numpy as np
import torch

from checkers import (
    before,
    expect_printed,
    expect_same_memory,
    expect_tensor,
    expect_values,
    fail,
    mistake,
)
from checkers.code import keywords, method_calls, receiver, text, tree


def _out_of_place_adds() -> list[Any]:
    """The learner's ``a.add(...)`` and ``torch.add(a, ...)`` calls that write nowhere."""
    return [
        c
        for c in method_calls("add")
        if receiver(c) == "a"
        or (
            receiver(c) == "torch"
            and c.args
            and text(c.args[0]) == "a"
            and "out" not in keywords(c)
        )
    ]


def _adds_anything() -> bool:
    """Whether the learner's code adds at all: ``+``, ``+=``, ``-`` (``a - -1``) or an add/sub call.

    With ``a`` all ones, ``a.mul_(2)`` or ``a.fill_(2)`` leaves exactly what ``a.add_(1)``
    leaves; only the code tells them apart. Unparsable code counts as adding (no guess).
    """
    module = tree()
    if module is None:
        return True
    for node in ast.walk(module):
        if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Add | ast.Sub):
            return True
        if isinstance(node, ast.Call):
            f = node.func
            name = (
                f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            )
            if name.rstrip("_") in {"add", "sub", "subtract", "addcmul", "addcdiv", "add_"}:
                return True
    return False


def check(a: Any, b: Any) -> None:
    a0 = before()["a"]
    if isinstance(a, torch.Tensor) and a.shape == a0.shape and torch.equal(a, a0):
        adds = _out_of_place_adds()
        if adds:
            fail(mistake("add-not-inplace", call=text(adds[0]), name="a", fix="a.add_(1)"))
    expect_tensor(a, name="a", shape=(5,), values=torch.full((5,), 2.0))
    if not _adds_anything():
        fail(
            "`a` holds 2 now, but your code never adds 1: it reaches 2 another way (multiplying "
            "by 2 or filling with 2 only gives the same numbers because a started as ones). "
            "Add 1 in place: a.add_(1) or a += 1.",
            "`a` 现在是 2，但你的代码并没有加 1：它是用别的方式得到 2 的（乘以 2 或填入 2 之所以结果相同，"
            "只是因为 a 一开始全是 1）。请原地加 1：a.add_(1) 或 a += 1。",
        )
    if np.allclose(b, 1):
        fail(
            "`a` is 2 but `b` still shows 1: `a` now names a new tensor (an assignment such as "
            "`a = a + 1` makes one), and `b` still shares memory with the old one. Change a in "
            "place, a.add_(1) or a += 1, so that b sees the change.",
            "`a` 已是 2，但 `b` 仍然是 1：`a` 现在指向一个新张量（像 `a = a + 1` 这样的赋值会生成新张量），"
            "`b` 还与旧张量共享内存。请原地修改 a：a.add_(1) 或 a += 1，这样 b 才会看到变化。",
        )
    expect_same_memory(a, b, names=("a", "b"))
    expect_values(b, np.full(5, 2.0, dtype=np.float32), name="b")
    # The starter prints both; b, which shows the shared memory, is the one that matters.
    expect_printed(b, what="b")
