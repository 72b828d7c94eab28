from typing import Any

import numpy as np
import torch

from checkers import expect_same_memory, expect_tensor, expect_type, expect_values, t
from checkers.output import expect_printed_each


def check(a: Any, b: Any) -> None:
    expect_tensor(a, name="a", shape=(5,), values=torch.ones(5))
    expect_type(b, np.ndarray, name="b", why=t("Use a.numpy().", "请用 a.numpy()。"))
    expect_values(b, np.ones(5, dtype=np.float32), name="b")
    expect_same_memory(
        a,
        b,
        names=("a", "b"),
        why=t(
            "np.array(a) and a.numpy().copy() make copies; a.numpy() shares a's memory.",
            "np.array(a) 和 a.numpy().copy() 都会复制；a.numpy() 才与 a 共享内存。",
        ),
    )
    expect_printed_each([(a, "a"), (b, "b")])
