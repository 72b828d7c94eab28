from typing import Any

import numpy as np

from checkers import (
    before,
    expect_printed,
    expect_same_memory,
    expect_type,
    expect_values,
    fail,
    mistake,
)
from checkers.code import keywords, method_calls, receiver, text


def _adds_without_out(ns: dict[str, Any]) -> list[Any]:
    """The learner's ``np.add(a, ...)`` calls that pass no ``out`` (by name or third)."""
    return [
        c
        for c in method_calls("add")
        if ns.get(receiver(c)) is np
        and c.args
        and text(c.args[0]) == "a"
        and "out" not in keywords(c)
        and len(c.args) < 3
    ]


def check(a: Any, b: Any, ns: dict[str, Any]) -> None:
    a0 = before()["a"]
    expect_type(a, np.ndarray, name="a")
    if a.shape == a0.shape and np.array_equal(a, a0):
        adds = _adds_without_out(ns)
        if adds:
            call = text(adds[0])
            fix = f"{call.removesuffix(')')}, out=a)"
            fail(mistake("np-add-without-out", call=call, name="a", fix=fix))
    expect_values(a, np.full(5, 2.0), name="a")
    if bool((b == 1).all()):
        fail(
            "`a` is 2 but `b` still shows 1: `a` now names a new array (an assignment such as "
            "`a = a + 1` makes one), and `b` still shares memory with the old one. Change a in "
            "place: np.add(a, 1, out=a) or a += 1.",
            "`a` 已是 2，但 `b` 仍然是 1：`a` 现在指向一个新数组（像 `a = a + 1` 这样的赋值会生成新数组），"
            "`b` 还与旧数组共享内存。请原地修改：np.add(a, 1, out=a) 或 a += 1。",
        )
    expect_same_memory(a, b, names=("a", "b"))
    # The starter prints both; b, which shows the shared memory, is the one that matters.
    expect_printed(b, what="b")
