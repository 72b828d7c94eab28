from typing import Any

from checkers import expect, expect_tensor, t


def check(outputs: Any, labels: Any) -> None:
    from pytorch60 import training

    w = training.current()
    training.expect_ran(w)
    # Gradients reaching net2's last layer prove that outputs came from net2.
    expect(
        any("backward" in it.events for it in w.iterations),
        "The loss does not depend on net2: outputs must be net2(inputs).",
        "损失与 net2 无关：outputs 应为 net2(inputs)。",
        name=t("outputs come from net2", "outputs 来自 net2"),
    )
    expect_tensor(outputs, name="outputs", shape=(len(labels), 10))
    expect(
        outputs.grad_fn is not None,
        "`outputs` is not connected to net2's weights, so no gradient can reach them.",
        "`outputs` 与 net2 的权重没有联系，梯度传不到它们。",
        name=t("`outputs` is part of the graph", "`outputs` 在计算图中"),
    )


def instrument(net2: Any, criterion2: Any, optimizer2: Any) -> None:
    from pytorch60 import training

    training.watch(net2, criterion2, optimizer2, stop_after=40)
