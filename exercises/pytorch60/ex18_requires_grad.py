import ast
import difflib
from typing import Any

import torch

from checkers import expect, expect_printed, expect_tensor, fail, t
from checkers.autograd import expect_methods_called
from checkers.code import tree


def _misspelt_flag() -> str:
    """An attribute assigned on x whose name is close to, but not, ``requires_grad``."""
    module = tree()
    if module is None:
        return ""
    for node in ast.walk(module):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr != "requires_grad"
                    and difflib.get_close_matches(target.attr, ["requires_grad"], cutoff=0.8)
                ):
                    return target.attr
    return ""


def check(x: Any) -> None:
    if isinstance(x, torch.Tensor) and not x.requires_grad:
        expect_methods_called(("requires_grad_",))
        misspelt = _misspelt_flag()
        if misspelt:
            fail(
                f"`x.{misspelt} = ...` sets a new attribute with a misspelt name, which PyTorch "
                "ignores: x.requires_grad is still False. The flag is spelt requires_grad.",
                f"`x.{misspelt} = ...` 只是新建了一个拼错名字的属性，PyTorch 不会理会："
                "x.requires_grad 仍是 False。正确的拼写是 requires_grad。",
            )
    # The task leaves the dtype free: float64 ones require gradients as well as float32 ones.
    expect_tensor(x, name="x", shape=(2, 2), requires_grad=True, values=torch.ones(2, 2))
    expect(
        x.is_leaf,
        "`x` is the result of an operation, not a tensor you created: create it directly with "
        "requires_grad=True so that gradients collect in x.grad.",
        "`x` 是某个运算的结果，而不是你直接创建的张量：请在创建时设置 requires_grad=True，"
        "这样梯度才会累积到 x.grad 中。",
        name=t("`x` is a leaf tensor", "`x` 是叶子张量"),
    )
    expect_printed(x, what="x")
