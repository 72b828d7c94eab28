from typing import Any

from checkers import expect, fail, source, t


def check(net: Any) -> None:
    import re

    if re.search(r"\bzero_grad\b(?!\s*\()", source()):
        fail(
            "You wrote zero_grad without the parentheses: that only names the method. Call it: "
            "net.zero_grad().",
            "你写了 zero_grad 但没有加括号：这只是引用了这个方法。请调用它：net.zero_grad()。",
        )
    for name, p in net.named_parameters():
        expect(
            p.grad is None or not bool(p.grad.abs().sum()),
            f"{name}.grad still holds gradients. Clear the whole network: net.zero_grad().",
            f"{name}.grad 里还有梯度。请清空整个网络：net.zero_grad()。",
            name=t(f"{name} has no gradient left", f"{name} 的梯度已清空"),
        )
