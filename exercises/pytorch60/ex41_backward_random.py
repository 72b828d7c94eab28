from typing import Any

import torch

from checkers import expect, expect_values, t
from checkers.autograd import expect_methods_called


def check(net: Any, input: Any) -> None:
    params = dict(net.named_parameters())
    if any(p.grad is None for p in params.values()):
        expect_methods_called(("backward",))
    for name, p in params.items():
        expect(
            p.grad is not None,
            f"{name}.grad is None: no gradient reached it. Call out.backward(torch.randn(1, 10)).",
            f"{name}.grad 是 None：梯度没有传到它。请调用 out.backward(torch.randn(1, 10))。",
            name=t(f"{name} has a gradient", f"{name} 有梯度"),
        )
    # For out = fc3(h), d(v·out)/d(fc3.bias) is v itself: recover v, redo the pass, compare.
    v = net.fc3.bias.grad.detach().view(1, 10)
    fresh = net(input)
    expected = torch.autograd.grad(fresh, list(params.values()), grad_outputs=v)
    for (name, p), want in zip(params.items(), expected, strict=False):
        expect_values(p.grad, want, name=f"{name}.grad", atol=1e-5, rtol=1e-4)
