from typing import Any

from torch import nn

from checkers import expect_module


def check(criterion: Any, facts: dict[str, Any]) -> None:
    if facts.get("functional") == "mse_loss":
        return  # F.mse_loss: the same loss as a function, called the same way
    expect_module(criterion, nn.MSELoss, name="criterion", reduction="mean")


def probe(criterion: Any) -> None:
    from pytorch60 import optim_trace

    optim_trace.record_functional(criterion)
