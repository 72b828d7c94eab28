from typing import Any

import torch
from torch import nn

from checkers import expect_grad_fn, expect_tensor, expect_values, fail, grad_fn_kind, mistake, t


def instrument(net: nn.Module) -> None:
    # In the learner's process: an input LeNet cannot take fails with what is wrong with its
    # shape (the catalogue's), before conv1 or the flatten raises a shape error.
    def look(module: nn.Module, args: tuple[Any, ...]) -> None:
        x = args[0] if args else None
        if not isinstance(x, torch.Tensor) or x.dim() != 4:
            return
        shape = "(" + ", ".join(str(n) for n in x.shape) + ")"
        _, c, h, w = x.shape
        if c != 3 and w == 3:
            fail(mistake("input-nhwc", shape=shape))
        if c == 1:
            fail(mistake("input-one-channel", shape=shape))
        if c == 3 and (h, w) != (32, 32):
            fail(mistake("input-wrong-size", shape=shape, size=f"{h}×{w}"))

    net.register_forward_pre_hook(look)


def check(input: Any, out: Any, net: Any) -> None:
    from pytorch60.lenet import detached_how, softmax_of

    expect_tensor(input, name="input", shape=(1, 3, 32, 32), dtype=torch.float32)
    expect_tensor(out, name="out", shape=(1, 10))
    with torch.no_grad():
        expected = net(input)
    which = softmax_of(out.detach(), expected)
    if which:
        fail(
            mistake(
                "output-softmax",
                name="`out`",
                which=which,
                fix=t("Keep the network's output as it is: out = net(input).",
                      "请保留网络的原始输出：out = net(input)。"),
            )
        )  # fmt: skip
    expect_values(out, expected, name="out", atol=1e-5)
    if grad_fn_kind(out) is None:
        fail(
            mistake(
                "output-detached",
                name="`out`",
                how=detached_how(),
                fix=t("Compute it with gradients on: out = net(input); task 41 backpropagates "
                      "from it.", "请在开启梯度时计算：out = net(input)；第 41 题要从它反向传播。"),
            )
        )  # fmt: skip
    expect_grad_fn(
        out,
        "AddmmBackward",
        name="out",
        why=t("Compute out with net(input).", "用 net(input) 计算 out。"),
    )
