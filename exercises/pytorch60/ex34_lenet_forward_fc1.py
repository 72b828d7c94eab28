from typing import Any


def check(net: Any) -> None:
    from checkers.lenet import expect_step

    expect_step(net, 34)


def probe(net: Any) -> None:
    from checkers.lenet import record_trace

    record_trace(net)
