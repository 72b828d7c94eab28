from typing import Any


def check(net: Any) -> None:
    from pytorch60.lenet import expect_step

    expect_step(net, 31)


def probe(net: Any) -> None:
    from pytorch60.lenet import record_trace

    record_trace(net)
