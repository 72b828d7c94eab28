from typing import Any

import torch

from checkers import expect, expect_values, fail, t
from checkers.autograd import expect_methods_called


def instrument(net: Any) -> None:
    # In the learner's process: count the gradients that reach fc3.bias (one per backward).
    from checkers import record

    arrivals = [0]

    def count(grad: torch.Tensor) -> None:
        arrivals[0] += 1
        record("backward_count", arrivals[0])

    net.fc3.bias.register_hook(count)


def check(net: Any, input: Any, facts: dict[str, Any]) -> None:
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
    times = facts.get("backward_count")
    if isinstance(times, int) and times > 1:
        fail(
            t(
                f"The gradients reached the network {times} times: each backward() adds its "
                "gradients to what .grad already holds, so .grad now holds their sum. "
                "Backpropagate once: out.backward(torch.randn(1, 10)).",
                f"梯度到达网络 {times} 次：每次 backward() 都会把梯度加到 .grad 已有的值上，"
                "所以 .grad 现在是它们的和。请只反向传播一次：out.backward(torch.randn(1, 10))。",
            )
        )
    # For out = fc3(h), d(v·out)/d(fc3.bias) is v itself: recover v, redo the pass, compare.
    v = net.fc3.bias.grad.detach().view(1, 10)
    if bool((v == 1).all()):
        fail(
            "The gradient you backpropagated is all ones (what out.sum().backward() or "
            "torch.ones(1, 10) gives), not a random one: out.backward(torch.randn(1, 10)).",
            "你反向传播的梯度全是 1（out.sum().backward() 或 torch.ones(1, 10) 就是这样），而不是随机的："
            "out.backward(torch.randn(1, 10))。",
        )
    fresh = net(input)
    expected = torch.autograd.grad(fresh, list(params.values()), grad_outputs=v)
    for (name, p), want in zip(params.items(), expected, strict=False):
        expect_values(p.grad, want, name=f"{name}.grad", atol=1e-5, rtol=1e-4)
