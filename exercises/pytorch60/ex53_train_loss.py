from typing import Any

from checkers import expect, expect_tensor, t


def check(loss: Any) -> None:
    from pytorch60 import training

    w = training.current()
    training.expect_ran(w)
    expect(
        bool(w.iterations) and "loss" in w.iterations[0].events,
        "criterion2 is never called: compute the loss with criterion2(outputs, labels).",
        "从未调用 criterion2：请用 criterion2(outputs, labels) 计算损失。",
        name=t("the loss comes from criterion2", "损失由 criterion2 计算"),
    )
    expect_tensor(loss, name="loss", shape=())


def instrument(net2: Any, criterion2: Any, optimizer2: Any) -> None:
    from pytorch60 import training

    training.watch(net2, criterion2, optimizer2, stop_after=40)
