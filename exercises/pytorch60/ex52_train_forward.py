from typing import Any

from checkers import expect, expect_tensor, t


def check(net2: Any, outputs: Any = None, labels: Any = None) -> None:
    from pytorch60 import training

    # The replay names where the loop departs (softmax applied, another network, ...).
    training.expect_sound(training.current(), type(net2)())
    if outputs is None or labels is None:
        return  # the loop ran inside a function: its names are local, and the replay judged it
    expect_tensor(outputs, name="outputs", shape=(len(labels), 10))
    expect(
        outputs.grad_fn is not None,
        "`outputs` is not connected to net2's weights, so no gradient can reach them.",
        "`outputs` 与 net2 的权重没有联系，梯度传不到它们。",
        name=t("`outputs` is part of the graph", "`outputs` 在计算图中"),
    )


def instrument(net2: Any, criterion2: Any, optimizer2: Any, trainloader: Any) -> None:
    from pytorch60 import training

    training.watch(net2, criterion2, optimizer2, trainloader, stop_after=40)
