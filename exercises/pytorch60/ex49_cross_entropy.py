from typing import Any

from torch import nn

from checkers import expect_module, t


def check(criterion2: Any) -> None:
    expect_module(
        criterion2, nn.CrossEntropyLoss, name="criterion2",
        why={"type": t("Mean squared error suits regression; classification uses cross-entropy.",
                       "均方误差适合回归；分类要用交叉熵。")},
    )  # fmt: skip
