from typing import Any

import numpy as np
import torch

from checkers import expect_same_memory, expect_tensor, expect_type, expect_values, t
from checkers.output import expect_printed_each


def check(a: Any, b: Any) -> None:
    expect_type(a, np.ndarray, name="a")
    expect_values(a, np.ones(5), name="a")
    expect_tensor(
        b, name="b", shape=(5,), dtype=torch.float64, values=torch.ones(5, dtype=torch.float64)
    )
    expect_same_memory(
        a,
        b,
        names=("a", "b"),
        why=t(
            "torch.tensor(a) copies the data; torch.from_numpy(a) shares it.",
            "torch.tensor(a) 会复制数据；torch.from_numpy(a) 才会共享。",
        ),
    )
    expect_printed_each([(a, "a"), (b, "b")])
