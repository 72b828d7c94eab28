from typing import Any

import numpy as np
import torch

from checkers import expect_printed, expect_same_memory, expect_tensor, expect_values, fail


def check(a: Any, b: Any) -> None:
    expect_tensor(a, name="a", shape=(5,), values=torch.full((5,), 2.0))
    if np.allclose(b, 1):
        fail(
            "`a` is 2 but `b` still shows 1: `a = a + 1` creates a new tensor, and `b` still "
            "shares memory with the old one. Use the in-place a.add_(1) so that b sees the change.",
            "`a` 已是 2，但 `b` 仍然是 1：`a = a + 1` 生成了新张量，`b` 还与旧张量共享内存。"
            "请用原地操作 a.add_(1)，这样 b 才会看到变化。",
        )
    expect_same_memory(a, b, names=("a", "b"))
    expect_values(b, np.full(5, 2.0, dtype=np.float32), name="b")
    expect_printed(b, what="b")
