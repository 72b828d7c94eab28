from typing import Any

from checkers import expect_printed, fail, t, was_printed


def check(x: Any) -> None:
    if not was_printed(x.size()) and was_printed(x.numel()):
        fail(
            f"You printed {x.numel()}, the number of elements (x.numel()). The size is how long "
            "x is along each dimension: x.size().",
            f"你打印的 {x.numel()} 是元素个数（x.numel()）。尺寸指的是 x 在每一维上的长度：x.size()。",
        )
    expect_printed(x.size(), what=t("the size of x", "x 的尺寸"))
