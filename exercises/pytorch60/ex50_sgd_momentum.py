from typing import Any

from checkers import expect, fail, t


def check(optimizer2: Any, net: Any, net2: Any) -> None:
    from pytorch60 import optim_trace

    optim_trace.expect_sgd(optimizer2, "optimizer2", lr=0.001, momentum=0.9)
    group = [p for g in optimizer2.param_groups for p in g["params"]]

    def same(module: Any) -> bool:
        return len(group) == len(list(module.parameters())) and all(
            a is b for a, b in zip(group, module.parameters(), strict=False)
        )

    if same(net):
        fail(
            "`optimizer2` holds the parameters of net, the network from section 3; training "
            "would then change net and leave net2 untrained. Pass net2.parameters().",
            "`optimizer2` 包含的是 net（第 3 节的网络）的参数；这样训练会改变 net，而 net2 不会被训练。"
            "请传入 net2.parameters()。",
        )
    expect(same(net2), "`optimizer2` must update net2's parameters: net2.parameters().",
           "`optimizer2` 必须更新 net2 的参数：net2.parameters()。",
           name=t("`optimizer2` updates net2", "`optimizer2` 更新 net2"))  # fmt: skip
