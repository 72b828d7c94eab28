from typing import Any

from checkers import expect_printed, fail, t, was_printed


def check(x: Any) -> None:
    if not was_printed(x.size()):
        if was_printed(x.numel()):
            fail(
                f"You printed {x.numel()}, the number of elements (x.numel()). The size is how "
                "long x is along each dimension: x.size().",
                f"你打印的 {x.numel()} 是元素个数（x.numel()）。尺寸指的是 x 在每一维上的长度：x.size()。",
            )
        if was_printed(x.size(0)):
            fail(
                f"You printed {x.size(0)}, the length of the first dimension only (what len(x) "
                "and x.size(0) give). The size lists every dimension: print x.size().",
                f"你打印的 {x.size(0)} 只是第一维的长度（len(x) 和 x.size(0) 的结果）。"
                "尺寸要列出每一维：请打印 x.size()。",
            )
        if was_printed(x.dim()):
            fail(
                f"You printed {x.dim()}, the number of dimensions (x.dim()). The size is how "
                "long x is along each of them: print x.size().",
                f"你打印的 {x.dim()} 是维数（x.dim()）。尺寸指的是每一维的长度：请打印 x.size()。",
            )
    expect_printed(x.size(), what=t("the size of x", "x 的尺寸"))
