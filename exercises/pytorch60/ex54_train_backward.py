from typing import Any


def check(net2: Any) -> None:
    from pytorch60 import training

    # The replay compares each iteration's gradients with the reference's.
    training.expect_sound(training.current(), type(net2)())


def instrument(net2: Any, criterion2: Any, optimizer2: Any, trainloader: Any) -> None:
    from pytorch60 import training

    training.watch(net2, criterion2, optimizer2, trainloader, stop_after=40)
