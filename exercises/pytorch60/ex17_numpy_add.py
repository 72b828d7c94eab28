from typing import Any

import numpy as np

from checkers import expect_printed, expect_same_memory, expect_type, expect_values, fail


def check(a: Any, b: Any) -> None:
    expect_type(a, np.ndarray, name="a")
    expect_values(a, np.full(5, 2.0), name="a")
    if bool((b == 1).all()):
        fail(
            "`a` is 2 but `b` still shows 1: `a = a + 1` makes a new array, and `b` still shares "
            "memory with the old one. Change a in place: np.add(a, 1, out=a) or a += 1.",
            "`a` 已是 2，但 `b` 仍然是 1：`a = a + 1` 生成了新数组，`b` 还与旧数组共享内存。"
            "请原地修改：np.add(a, 1, out=a) 或 a += 1。",
        )
    expect_same_memory(a, b, names=("a", "b"))
    expect_printed(b, what="b")
