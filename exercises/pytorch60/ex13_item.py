from typing import Any

from checkers import expect, expect_printed, expect_tensor, fail, printed, t, was_printed
from checkers.output import expect_no_method_printed, without_containers


def check(x: Any) -> None:
    expect_tensor(x, name="x")
    expect(
        x.numel() == 1,
        f"`x` has {x.numel()} elements; .item() needs a tensor with exactly one.",
        f"`x` 有 {x.numel()} 个元素；.item() 只适用于恰好一个元素的张量。",
        name=t("`x` has one element", "`x` 只有一个元素"),
    )
    expect_printed(x, what="x")
    # The number must be printed on its own, not as the tensor (or list) that holds it; at
    # any precision: print(x.item()), f"{x.item():.4f}" and round(x.item(), 2) all show it.
    value = x.item()
    if not was_printed(value, without_containers(printed())):
        expect_no_method_printed(t("the number in x is printed", "打印了 x 中的数字"))
        fail(
            f"The output shows x, but not the plain Python number inside it ({value!r}) on "
            "its own: a tensor or a list prints it in brackets. Print x.item().",
            f"输出里有 x，但没有单独打印其中的 Python 数字（{value!r}）：张量或列表会把它放在括号里打印。"
            "请打印 x.item()。",
        )
