from typing import Any

from checkers import expect_printed, fail, t, was_printed


def check(params: Any) -> None:
    first = params[0]
    if not was_printed(first.size()) and was_printed(str(params[1].size())):
        fail(
            "You printed the size of params[1], conv1's bias (6,). The first parameter is "
            "params[0] (Python counts from 0): conv1's weight, (6, 3, 5, 5).",
            "你打印的是 params[1]（conv1 的偏置，(6,)）的尺寸。第一个参数是 params[0]"
            "（Python 从 0 开始计数）：conv1 的权重，(6, 3, 5, 5)。",
        )
    expect_printed(first.size(), what=t("the size of params[0]", "params[0] 的尺寸"))
