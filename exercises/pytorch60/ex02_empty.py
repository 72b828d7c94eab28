from typing import Any

import torch

from checkers import expect_tensor


def check(x: Any) -> None:
    expect_tensor(x, name="x", shape=(5, 3), dtype=torch.float32)
