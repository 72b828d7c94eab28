from typing import Any

from checkers import expect, expect_printed, expect_tensor, fail, t, was_printed


def check(x: Any) -> None:
    expect_tensor(x, name="x")
    expect(
        x.numel() == 1,
        f"`x` has {x.numel()} elements; .item() needs a tensor with exactly one.",
        f"`x` 有 {x.numel()} 个元素；.item() 只适用于恰好一个元素的张量。",
        name=t("`x` has one element", "`x` 只有一个元素"),
    )
    expect_printed(x, what="x")
    if not was_printed(str(x.item())):
        fail(
            f"The output shows x as a tensor, but not the Python number inside it "
            f"({x.item()!r}). Print x.item().",
            f"输出里有张量 x，但没有其中的 Python 数字（{x.item()!r}）。请打印 x.item()。",
        )
