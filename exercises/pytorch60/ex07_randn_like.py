import ast
from typing import Any

import torch

from checkers import before, expect_printed, expect_tensor, fail, step, t
from checkers.code import tree


def _python_float_dtype() -> bool:
    """Whether a call passes ``dtype=float`` (Python's float, which torch reads as float64)."""
    module = tree()
    return module is not None and any(
        isinstance(node, ast.keyword)
        and node.arg == "dtype"
        and isinstance(node.value, ast.Name)
        and node.value.id == "float"
        for node in ast.walk(module)
    )


def check(x: Any) -> None:
    old = before()["x"]
    if isinstance(x, torch.Tensor) and x.dtype == old.dtype and torch.equal(x, old):
        fail(
            "`x` is still the double tensor of ones from task 6: no new tensor was assigned to "
            "x. torch.randn_like(x, ...) returns a new tensor and leaves x as it was, so store "
            "its result in x itself: x = torch.randn_like(x, dtype=torch.float).",
            "`x` 仍是第 6 题那个 double 类型的全 1 张量：没有把新张量赋给 x。"
            "torch.randn_like(x, ...) 返回一个新张量、不会改变 x，所以要把结果存回 x 本身："
            "x = torch.randn_like(x, dtype=torch.float)。",
        )
    if isinstance(x, torch.Tensor) and x.dtype == torch.float64 and _python_float_dtype():
        fail(
            "`x` has dtype float64: to PyTorch, Python's own `float` means float64 (double). "
            "The task asks for float32: write dtype=torch.float.",
            "`x` 的 dtype 是 float64：对 PyTorch 来说，Python 自带的 `float` 表示 float64（double）。"
            "题目要求 float32：请写 dtype=torch.float。",
        )
    expect_tensor(
        x,
        name="x",
        shape=old.shape,
        dtype=torch.float32,
        why={
            "dtype": t(
                "Override the dtype with dtype=torch.float.",
                "用 dtype=torch.float 覆盖原来的类型。",
            )
        },
    )
    with step("the values are new random normal numbers", "数值是新的正态分布随机数"):
        if bool((x == 1).all()):
            fail(
                "`x` still holds the old values (all 1): converting the dtype keeps the numbers. "
                "The task asks for new random values, e.g. torch.randn_like.",
                "`x` 仍然是原来的值（全为 1）：转换 dtype 不会改变数值。题目要求新的随机数，"
                "例如 torch.randn_like。",
            )
        if bool((x >= 0).all()):
            fail(
                "All values of `x` are non-negative: that looks like torch.rand_like (uniform on "
                "[0, 1)). The standard normal distribution also gives negative numbers: use "
                "torch.randn_like.",
                "`x` 的值全都不小于 0：这像是 torch.rand_like（[0, 1) 上的均匀分布）。标准正态分布也会"
                "产生负数：请用 torch.randn_like。",
            )
    expect_printed(x, what="x")
