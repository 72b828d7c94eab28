from typing import Any

from checkers import expect, t


def check() -> None:
    from pytorch60 import training

    w = training.current()
    training.expect_ran(w)
    expect(
        all("backward" in it.events for it in w.iterations),
        training.missing_backward(),
        name=t("loss.backward() runs every iteration", "每次迭代都调用了 loss.backward()"),
    )


def instrument(net2: Any, criterion2: Any, optimizer2: Any) -> None:
    from pytorch60 import training

    training.watch(net2, criterion2, optimizer2, stop_after=40)
