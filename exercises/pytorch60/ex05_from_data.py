import ast
from typing import Any

import torch

from checkers import (
    dtype_name,
    expect,
    expect_printed,
    expect_tensor,
    expect_values,
    fail,
    mistake,
    shape_str,
    t,
)
from checkers.code import keywords, last_assignment, method_calls, text, tree


def _sizes_constructor(x: Any) -> ast.Call | None:
    """The learner's ``torch.Tensor(5, 3)`` that made ``x`` from sizes, if there is one."""
    if not isinstance(x, torch.Tensor):
        return None
    module = tree()
    calls = [c for c in method_calls("Tensor") if text(c.func) == "torch.Tensor"]
    if module is not None:
        calls += [
            n
            for n in ast.walk(module)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "Tensor"
        ]
    for call in calls:
        sizes = [a.value for a in call.args if isinstance(a, ast.Constant)]
        if (
            call.args
            and len(sizes) == len(call.args)
            and all(type(s) is int for s in sizes)
            and tuple(x.shape) == tuple(sizes)
        ):
            return call
    return None


def check(x: Any) -> None:
    constructor = _sizes_constructor(x)
    if constructor is not None:
        fail(
            mistake(
                "tensor-constructor-uninitialised",
                call=text(constructor),
                shape=shape_str(x.shape),
                fix="x = torch.tensor([5.5, 3])",
            )
        )
    expect_tensor(x, name="x", shape=(2,))
    made = last_assignment("x")
    gave_dtype = isinstance(made, ast.Call) and "dtype" in keywords(made)
    if gave_dtype:
        why = t(
            f"`x` has dtype {dtype_name(x.dtype)}: the integer dtype you passed holds whole "
            "numbers only, so 5.5 was cut to 5. Leave out dtype (torch.tensor infers float32 "
            "from 5.5) or pass a floating-point one.",
            f"`x` 的 dtype 是 {dtype_name(x.dtype)}：你指定的整数类型只能存整数，5.5 被截成了 5。"
            "去掉 dtype（torch.tensor 会从 5.5 推断出 float32），或指定浮点类型。",
        )
    else:
        why = t(
            f"`x` has dtype {dtype_name(x.dtype)}: a list of whole numbers makes an integer "
            "tensor, but the data is [5.5, 3].",
            f"`x` 的 dtype 是 {dtype_name(x.dtype)}：全是整数的列表会得到整数张量，而数据应是 [5.5, 3]。",
        )
    expect(
        x.is_floating_point(),
        why,
        name=t("`x` holds floating-point numbers", "`x` 是浮点张量"),
    )
    expect_values(x, torch.tensor([5.5, 3.0]), name="x")
    expect_printed(x, what="x")
