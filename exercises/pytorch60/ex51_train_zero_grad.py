from typing import Any

from checkers import expect, t


def check() -> None:
    from pytorch60 import training

    w = training.current()
    training.expect_ran(w)
    clean = [it.clean for it in w.iterations[1:] if it.clean is not None]
    expect(
        bool(clean) and all(clean),
        training.missing_zero_grad(),
        name=t("gradients are cleared every iteration", "每次迭代都清零了梯度"),
    )


def instrument(net2: Any, criterion2: Any, optimizer2: Any) -> None:
    from pytorch60 import training

    training.watch(net2, criterion2, optimizer2, stop_after=40)
