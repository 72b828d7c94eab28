from typing import Any

from checkers import expect, t


def check(optimizer: Any, net: Any) -> None:
    from pytorch60 import optim_trace

    optim_trace.expect_sgd(optimizer, "optimizer", lr=0.01)
    group = [p for g in optimizer.param_groups for p in g["params"]]
    expect(
        len(group) == len(list(net.parameters()))
        and all(a is b for a, b in zip(group, net.parameters(), strict=False)),
        "`optimizer` does not hold net's parameters: pass net.parameters() as its first argument.",
        "`optimizer` 没有包含 net 的参数：请把 net.parameters() 作为第一个参数传入。",
        name=t("`optimizer` updates net's parameters", "`optimizer` 更新的是 net 的参数"),
    )
