from typing import Any

import torch

from checkers import before, expect, fail, mistake, printed, source, t, was_printed


def check(net: Any) -> None:
    from pytorch60 import optim_trace

    stale = [
        name
        for name, p in net.named_parameters()
        if p.grad is not None and bool(p.grad.abs().sum())
    ]
    if stale:
        named = optim_trace.uncalled(source(), "zero_grad")
        if named:
            fail(mistake("zero-grad-not-called", name=named[0]))
    grad = net.conv1.bias.grad
    old = before()["net"].conv1.bias.grad
    if (
        grad is not None
        and bool(grad.abs().sum())
        and old is not None
        and not torch.allclose(grad, old)
    ):
        fail(
            "net.conv1.bias.grad holds gradients that a backward() call in your code put there, "
            "not (only) task 41's. This task clears the old gradients and prints .grad before any "
            "new backward pass: clear, then print. The backward pass is task 45.",
            "net.conv1.bias.grad 里的梯度来自你代码中的 backward() 调用，而不（只）是第 41 题留下的。"
            "本题要在任何新的反向传播之前清空旧梯度并打印 .grad：先清空，再打印。反向传播是第 45 题。",
        )
    if grad is not None and bool(grad.abs().sum()):
        fail(
            "net.conv1.bias.grad still holds the gradients of task 41's backward pass. Clear them "
            "with net.zero_grad() before printing.",
            "net.conv1.bias.grad 里还有第 41 题反向传播留下的梯度。打印之前先用 net.zero_grad() 清除。",
        )
    for name, p in net.named_parameters():
        expect(
            p.grad is None or not bool(p.grad.abs().sum()),
            f"{name}.grad still holds old gradients: clear the whole network with net.zero_grad().",
            f"{name}.grad 里还有旧梯度：请用 net.zero_grad() 清空整个网络。",
            name=t(f"{name} has no gradient left", f"{name} 的梯度已清空"),
        )
    old_grad = before()["net"].conv1.bias.grad
    if (
        "None" not in printed()
        and not was_printed(torch.zeros(6))
        and old_grad is not None
        and was_printed(old_grad)
    ):
        fail(
            "You printed net.conv1.bias.grad before clearing it: the output shows task 41's old "
            "gradients. Clear first (net.zero_grad()), then print, to see what is left.",
            "你在清空之前就打印了 net.conv1.bias.grad：输出的是第 41 题留下的旧梯度。"
            "请先清空（net.zero_grad()），再打印，看看还剩下什么。",
        )
    expect(
        "None" in printed() or was_printed(torch.zeros(6)),
        "Print net.conv1.bias.grad to see it is cleared.",
        "请打印 net.conv1.bias.grad，看看它已被清空。",
        name=t("conv1.bias.grad is printed", "打印了 conv1.bias.grad"),
    )
