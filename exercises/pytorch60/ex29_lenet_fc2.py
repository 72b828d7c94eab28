from typing import Any


def check(net: Any) -> None:
    from checkers.lenet import expect_layer

    expect_layer(net, "fc2")
