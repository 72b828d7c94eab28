from typing import Any


def check(net: Any) -> None:
    from pytorch60.lenet import expect_layer

    expect_layer(net, "conv2")
