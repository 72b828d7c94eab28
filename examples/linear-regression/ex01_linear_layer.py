"""Task 1: the judge calls check() with the learner's `model`."""

from torch import nn

from checkers import expect_module, t


def check(model: nn.Module) -> None:
    expect_module(
        model,
        nn.Linear,
        name="model",
        in_features=1,
        out_features=1,
        bias=True,
        why={
            "bias": t(
                "y = 3x + 2 needs the + 2: keep the bias.", "y = 3x + 2 需要 + 2：请保留偏置。"
            )
        },
    )
