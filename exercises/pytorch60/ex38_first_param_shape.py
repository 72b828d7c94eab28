from typing import Any

from checkers import expect_printed, fail, printed, t, was_printed


def check(params: Any) -> None:
    first = params[0]
    if not was_printed(first.size()) and was_printed(str(params[1].size())):
        fail(
            "You printed the size of params[1], conv1's bias (6,). The first parameter is "
            "params[0] (Python counts from 0): conv1's weight, (6, 3, 5, 5).",
            "你打印的是 params[1]（conv1 的偏置，(6,)）的尺寸。第一个参数是 params[0]"
            "（Python 从 0 开始计数）：conv1 的权重，(6, 3, 5, 5)。",
        )
    if not was_printed(first.size()) and "Parameter containing" in printed():
        fail(
            "You printed params[0] itself, all its values. The task asks for its size, "
            "the shape of the tensor: print(params[0].size()).",
            "你打印的是 params[0] 本身，即它的全部数值。题目要的是它的尺寸，也就是张量的形状："
            "print(params[0].size())。",
        )
    if not was_printed(first.size()) and was_printed(first.numel()):
        fail(
            f"You printed {first.numel()}, the number of values in params[0] (numel()). The task "
            "asks for its size, the length of each dimension: print(params[0].size()).",
            f"你打印的是 {first.numel()}，即 params[0] 中数值的个数（numel()）。题目要的是它的尺寸，"
            "也就是每一维的长度：print(params[0].size())。",
        )
    if not was_printed(first.size()) and was_printed(first.size(0)):
        fail(
            f"You printed {first.size(0)}, only the first dimension of params[0] (what len() or "
            "size(0) give). Print the whole size: print(params[0].size()).",
            f"你打印的是 {first.size(0)}，只是 params[0] 的第一维（len() 或 size(0) 的结果）。"
            "请打印完整的尺寸：print(params[0].size())。",
        )
    expect_printed(first.size(), what=t("the size of params[0]", "params[0] 的尺寸"))
