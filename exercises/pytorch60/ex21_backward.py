from typing import Any

import torch

from checkers import expect_grad, fail, source


def check(x: Any) -> None:
    import re

    if x.grad is None and re.search(r"\bout\.backward\b(?!\s*\()", source()):
        fail(
            "You wrote out.backward without the parentheses: that only names the method. "
            "Call it: out.backward().",
            "你写了 out.backward 但没有加括号：这只是引用了这个方法。请调用它：out.backward()。",
        )
    expect_grad(x, torch.full((2, 2), 4.5), name="x")
