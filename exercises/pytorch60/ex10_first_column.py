from typing import Any

from checkers import expect_printed, fail, t, was_printed


def check(x: Any) -> None:
    first, second, first_row = x[:, 0], x[:, 1], x[0]
    if not was_printed(first):
        if was_printed(second):
            fail(
                "You printed x[:, 1], the second column: Python indexes from 0, so the first column "
                "is x[:, 0]. (The article has this mistake.)",
                "你打印的是 x[:, 1]，也就是第二列：Python 从 0 开始计数，第一列是 x[:, 0]。"
                "（原文在这里写错了。）",
            )
        if was_printed(first_row):
            fail(
                "You printed x[0], the first row. A column takes every row: x[:, 0].",
                "你打印的是 x[0]，即第一行。一列要取所有行：x[:, 0]。",
            )
        if was_printed(x[:, -1]):
            fail(
                "You printed x[:, -1], the last column: -1 counts from the end. The first "
                "column is x[:, 0].",
                "你打印的是 x[:, -1]，即最后一列：-1 表示从末尾数。第一列是 x[:, 0]。",
            )
    expect_printed(first, what=t("the first column of x", "x 的第一列"))
