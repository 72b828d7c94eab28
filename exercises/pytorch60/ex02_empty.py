import ast
from typing import Any

from checkers import dtype_name, expect, expect_printed, expect_tensor, t
from checkers.code import last_assignment, text, tree

_EMPTY = ("empty", "empty_like", "new_empty")
"""The constructors that reserve memory without filling it in."""


def _calls_empty() -> bool:
    """Whether the code calls ``torch.empty`` (or ``empty_like``, ``x.new_empty``) anywhere."""
    module = tree()
    if module is None:
        return True  # nothing to read: judge the tensor alone
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in _EMPTY:
                return True
    return False


def check(x: Any) -> None:
    expect_tensor(x, name="x", shape=(5, 3))
    # The task leaves the dtype free: torch.empty's default is float32, and float64 is as good.
    expect(
        x.is_floating_point(),
        f"`x` has dtype {dtype_name(x.dtype)}: torch.empty(5, 3) makes a floating-point tensor "
        "(float32 unless you ask for another).",
        f"`x` 的 dtype 是 {dtype_name(x.dtype)}：torch.empty(5, 3) 创建的是浮点张量"
        "（默认 float32）。",
        name=t("`x` holds floating-point numbers", "`x` 是浮点张量"),
    )
    made = last_assignment("x")
    source = f"`{text(made)}`" if made is not None else t("another constructor", "别的构造函数")
    expect(
        _calls_empty(),
        f"`x` comes from {source}, and your code never calls torch.empty, which is what this "
        "task is about: it reserves the memory without filling it in. Write "
        "x = torch.empty(5, 3).",
        f"`x` 来自 {source}，而你的代码没有调用本题要练习的 torch.empty：它只分配内存、不填充数值。"
        "请写 x = torch.empty(5, 3)。",
        name=t("`x` is made with torch.empty", "`x` 由 torch.empty 创建"),
    )
    expect_printed(x, what="x")
