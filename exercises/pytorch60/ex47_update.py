from typing import Any

from checkers import before, expect_values, fail, t, value_mismatch


def check(net: Any) -> None:
    start = before()  # the state your code started from (same seed, same weights)
    ref_net, ref_opt = start["net"], start["optimizer"]
    old = {n: p.detach().clone() for n, p in ref_net.named_parameters()}
    stale = {n: p.grad.detach().clone() for n, p in ref_net.named_parameters()}
    ref_opt.zero_grad()
    start["criterion"](ref_net(start["input"]), start["target"]).backward()
    fresh = {n: p.grad.detach().clone() for n, p in ref_net.named_parameters()}

    new = {n: p.detach() for n, p in net.named_parameters()}
    moved = {n: new[n] - old[n] for n in old}
    if all(not bool(d.abs().sum()) for d in moved.values()):
        fail(
            "The weights did not change: optimizer.step() applies the gradients, and it was "
            "not called.",
            "权重没有变化：optimizer.step() 负责用梯度更新权重，而它没有被调用。",
        )
    lr = 0.01
    ok = all(value_mismatch(moved[n], -lr * fresh[n], atol=1e-6, rtol=1e-3) is None for n in old)
    stale_too = all(
        value_mismatch(moved[n], -lr * (fresh[n] + stale[n]), atol=1e-6, rtol=1e-3) is None
        for n in old
    )
    if not ok and stale_too:
        fail(
            "Each weight moved by −lr × (old + new gradients): gradients accumulate, and the ones "
            "from task 45 were still there. Call optimizer.zero_grad() before loss.backward().",
            "每个权重移动了 −lr ×（旧梯度 + 新梯度）：梯度会累加，而第 45 题的梯度还在。"
            "请在 loss.backward() 之前调用 optimizer.zero_grad()。",
        )
    for n in old:
        expect_values(
            moved[n],
            -lr * fresh[n],
            name=f"the change of {n}",
            atol=1e-6,
            rtol=1e-3,
            why=t(
                "It should be −0.01 × the gradient of a fresh loss.",
                "它应等于 −0.01 × 新损失的梯度。",
            ),
        )
