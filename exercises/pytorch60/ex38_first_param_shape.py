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
    expect_printed(first.size(), what=t("the size of params[0]", "params[0] 的尺寸"))
