from typing import Any

import torch

from checkers import expect_grad, expect_printed


def check(criterion: Any, net: Any, input: Any, target: Any) -> None:
    fresh = criterion(net(input), target)
    (want,) = torch.autograd.grad(fresh, [net.conv1.bias])
    expect_grad(net.conv1.bias, want, name="net.conv1.bias", atol=1e-6, rtol=1e-4)
    expect_printed(net.conv1.bias.grad, what="net.conv1.bias.grad")
