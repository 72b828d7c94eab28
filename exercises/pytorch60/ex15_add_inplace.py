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
from checkers.code import keywords, method_calls, receiver, text


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


def check(a: Any, b: Any) -> None:
    a0 = before()["a"]
    if isinstance(a, torch.Tensor) and a.shape == a0.shape and torch.equal(a, a0):
        adds = _out_of_place_adds()
        if adds:
            fail(mistake("add-not-inplace", call=text(adds[0]), name="a", fix="a.add_(1)"))
    expect_tensor(a, name="a", shape=(5,), values=torch.full((5,), 2.0))
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
