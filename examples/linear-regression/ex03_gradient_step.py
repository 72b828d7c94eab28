"""Task 3: before() gives the names as the setup made them, to compare with."""

import torch
from torch import nn

from checkers import before, expect_values, fail, t


def check(model: nn.Module, lr: float) -> None:
    start = before()
    old = {n: p.detach().clone() for n, p in start["model"].named_parameters()}
    ((start["model"](start["X"]) - start["y"]) ** 2).mean().backward()
    grads = {n: p.grad.clone() for n, p in start["model"].named_parameters()}
    new = dict(model.named_parameters())
    if all(torch.equal(new[n].detach(), old[n]) for n in old):
        fail(
            "The parameters did not change: after backward(), update each one with p -= lr * p.grad.",
            "参数没有变化：backward() 之后，请用 p -= lr * p.grad 更新每个参数。",
        )
    for n in old:
        expect_values(
            new[n].detach() - old[n],
            -lr * grads[n],
            name=f"the change of {n}",
            atol=1e-6,
            why=t("Move each parameter by -lr * its gradient.", "每个参数应移动 -lr * 它的梯度。"),
        )
