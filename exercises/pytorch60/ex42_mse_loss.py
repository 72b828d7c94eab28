from typing import Any

from torch import nn

from checkers import expect_module


def check(criterion: Any) -> None:
    expect_module(criterion, nn.MSELoss, name="criterion", reduction="mean")
