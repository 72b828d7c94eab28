import sys
from typing import Any

import torch

from checkers import before, expect, fail, mistake, t
from checkers._core import LEARNER_FILE
from checkers.autograd import expect_methods_called


def instrument() -> None:
    # Only in the learner's process of this task: `out.zero_grad()` fails with the reason
    # (the catalogue's) instead of an AttributeError. The learner's process receives only
    # this function and the imports, so the stand-in method is defined here.
    def zero_grad(self: torch.Tensor, *args: Any, **kwargs: Any) -> None:
        frame = sys._getframe(1)
        while frame.f_back is not None and frame.f_code.co_filename != LEARNER_FILE:
            frame = frame.f_back
        fail(mistake("zero-grad-on-tensor", line=frame.f_lineno))

    if not hasattr(torch.Tensor, "zero_grad"):
        torch.Tensor.zero_grad = zero_grad  # type: ignore[attr-defined]


def check(net: Any) -> None:
    old = dict(before()["net"].named_parameters())
    changed = [
        name
        for name, p in net.named_parameters()
        if name in old and not torch.equal(p.detach(), old[name].detach())
    ]
    if changed:
        fail(
            f"The weights themselves changed ({changed[0]} and {len(changed) - 1} more): your "
            "code overwrote the parameters' values (p.data or p itself), not their gradients. "
            "Gradients live in p.grad; net.zero_grad() clears them and leaves the weights as "
            "they are.",
            f"权重本身被改动了（{changed[0]} 等 {len(changed)} 个）：你的代码改写的是参数的值"
            "（p.data 或 p 本身），而不是它们的梯度。梯度存放在 p.grad 中；net.zero_grad() "
            "会清空梯度，而权重保持不变。",
        )
    left = [name for name, p in net.named_parameters() if p.grad is not None and p.grad.abs().sum()]
    if left:
        expect_methods_called(("zero_grad",))
    for name, _ in net.named_parameters():
        expect(
            name not in left,
            f"{name}.grad still holds gradients. Clear the whole network: net.zero_grad().",
            f"{name}.grad 里还有梯度。请清空整个网络：net.zero_grad()。",
            name=t(f"{name} has no gradient left", f"{name} 的梯度已清空"),
        )
