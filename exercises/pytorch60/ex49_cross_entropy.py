from typing import Any

from torch import nn

from checkers import expect_module, t


def check(criterion2: Any, facts: dict[str, Any]) -> None:
    if facts.get("functional") == "cross_entropy":
        return  # F.cross_entropy: the same loss as a function, called the same way
    expect_module(
        criterion2, nn.CrossEntropyLoss, name="criterion2", reduction="mean",
        why={"type": t("Mean squared error suits regression; classification uses cross-entropy.",
                       "均方误差适合回归；分类要用交叉熵。")},
    )  # fmt: skip


def probe(criterion2: Any) -> None:
    from pytorch60 import optim_trace

    optim_trace.record_functional(criterion2)
