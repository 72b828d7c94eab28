import ast
from typing import Any

from checkers import expect, expect_printed, t, was_printed
from checkers.code import text, tree


def _attributes_read(attr: str) -> list[str]:
    """``name.attr`` expressions in the code, e.g. ``out.grad``, in source order."""
    module = tree()
    if module is None:
        return []
    found = [
        node for node in ast.walk(module) if isinstance(node, ast.Attribute) and node.attr == attr
    ]
    return [text(n) for n in sorted(found, key=lambda n: (n.lineno, n.col_offset))]


def check(x: Any) -> None:
    if not was_printed(x.grad):
        label = t("x.grad is printed", "打印了 x.grad")
        other = [e for e in _attributes_read("grad") if e != "x.grad"]
        if other:
            expect(
                False,
                f"You printed {other[0]}, which is None: only a tensor you created with "
                "requires_grad=True (a leaf, like x) keeps its gradient in .grad; out, y and z "
                "are computed from x. d(out)/dx is stored on x: print(x.grad).",
                f"你打印的是 {other[0]}，它是 None：只有你用 requires_grad=True 直接创建的张量"
                "（叶子张量，如 x）才会把梯度保存在 .grad 中；out、y、z 都是由 x 计算得到的。"
                "d(out)/dx 保存在 x 上：print(x.grad)。",
                name=label,
            )
        if "x.grad_fn" in _attributes_read("grad_fn"):
            expect(
                False,
                "You printed x.grad_fn, which is None: grad_fn records the operation that made "
                "a tensor, and x was not made by one. The gradient is x.grad: print(x.grad).",
                "你打印的是 x.grad_fn，它是 None：grad_fn 记录的是产生张量的运算，而 x 不是运算的结果。"
                "梯度是 x.grad：print(x.grad)。",
                name=label,
            )
    expect_printed(
        x.grad,
        what="x.grad",
        why=t("It holds four values of 4.5.", "它是四个 4.5。"),
    )
