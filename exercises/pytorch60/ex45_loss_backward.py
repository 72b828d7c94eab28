from typing import Any

import torch

from checkers import expect_grad, expect_printed, fail, mistake, source, t


def check(criterion: Any, net: Any, input: Any, target: Any) -> None:
    from pytorch60 import optim_trace

    trace = optim_trace.current()
    fresh = criterion(net(input), target)
    params = dict(net.named_parameters())
    want = dict(zip(params, torch.autograd.grad(fresh, list(params.values())), strict=True))
    got = optim_trace.grads_of(net)
    if all(g is None for g in got.values()):
        named = optim_trace.uncalled(source(), "backward")
        if named:
            fail(mistake("backward-not-called", name=named[0]))
        if trace.backwards():
            fail(
                "backward() ran and its gradients reached the network, but .grad is empty now: "
                "your code cleared them afterwards (a zero_grad() after loss.backward()?). Clear "
                "before backward, never between backward and printing.",
                "backward() 运行了，梯度也到达了网络，但现在 .grad 是空的：你的代码在之后把它们清掉了"
                "（在 loss.backward() 之后调用了 zero_grad()？）。要在 backward 之前清空，不要在 backward "
                "和打印之间清空。",
            )
        if not trace.backwards():
            fail(
                "No gradient reached the network: backward() was not called. Call "
                "loss.backward() before printing.",
                "没有任何梯度到达网络：没有调用 backward()。请在打印之前调用 loss.backward()。",
            )
    k = optim_trace.scale(got, want)
    if k is not None and not optim_trace.same_number(k, 1.0) and k > 1.5:
        raise optim_trace.accumulated(t("The gradients of net", "net 的梯度"), k, trace)
    bias = got.get("fc3.bias")
    if bias is not None and not optim_trace.matches(
        {"fc3.bias": bias}, {"fc3.bias": want["fc3.bias"]}
    ):
        # For loss = mse(fc3(h), target), fc3.bias.grad is d(loss)/d(output) itself.
        fail(
            "The gradients in net are not those of `loss`: backward() ran from another tensor "
            "(output.backward(...), perhaps, or a loss computed another way). Call "
            "loss.backward() on task 43's loss.",
            "net 中的梯度不是 `loss` 的梯度：backward() 是从另一个张量开始的（也许是 "
            "output.backward(...)，或者用别的方式算出的损失）。请对第 43 题的损失调用 loss.backward()。",
        )
    expect_grad(net.conv1.bias, want["conv1.bias"], name="net.conv1.bias", atol=1e-6, rtol=1e-4)
    expect_printed(net.conv1.bias.grad, what="net.conv1.bias.grad")


def instrument(net: Any) -> None:
    from pytorch60 import optim_trace

    optim_trace.watch(net)
