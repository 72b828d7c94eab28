from typing import Any

from checkers import expect_tensor


def check(net2: Any, loss: Any) -> None:
    from pytorch60 import training

    # The replay recomputes each recorded loss from net2's outputs and the labels.
    training.expect_sound(training.current(), type(net2)())
    expect_tensor(loss, name="loss", shape=())


def instrument(net2: Any, criterion2: Any, optimizer2: Any, trainloader: Any) -> None:
    from pytorch60 import training

    training.watch(net2, criterion2, optimizer2, trainloader, stop_after=40)
