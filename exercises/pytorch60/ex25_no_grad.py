import ast

from checkers import fail, printed, step
from checkers.code import text, tree


def _no_grad_alone() -> bool:
    """Whether a statement is only a call of ``no_grad()`` (not in a ``with``)."""
    module = tree()
    return module is not None and any(
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and text(node.value.func).rsplit(".", 1)[-1] == "no_grad"
        for node in ast.walk(module)
    )


def check() -> None:
    from checkers.output import contains_sequence, printed_numbers

    flags = [v for v in printed_numbers(printed()) if v in (0.0, 1.0)]
    with step("the output is True, True, False", "输出依次为 True、True、False"):
        if flags[-3:] == [1.0, 1.0, 1.0] and _no_grad_alone():
            fail(
                "The last line printed True: `torch.no_grad()` on a line of its own makes a "
                "context and throws it away, so tracking stays on. It only works as a block: "
                "`with torch.no_grad():`, with the computation indented under it.",
                "最后一行打印的是 True：单独一行的 `torch.no_grad()` 只是创建了一个上下文又丢掉了，"
                "追踪仍然开启。它要作为代码块使用：`with torch.no_grad():`，把计算缩进写在它下面。",
            )
        if flags[-3:] == [1.0, 1.0, 1.0]:
            fail(
                "The last line printed True: the result was still tracked. Compute it inside "
                "`with torch.no_grad():` so that nothing is recorded.",
                "最后一行打印的是 True：结果仍被追踪。请在 `with torch.no_grad():` 中计算，这样就不会记录运算。",
            )
        if not contains_sequence(flags, [1.0, 1.0, 0.0]):
            fail(
                "Print x.requires_grad, (x ** 2).requires_grad, and then (x ** 2).requires_grad "
                "inside torch.no_grad(): the output should read True, True, False.",
                "请依次打印 x.requires_grad、(x ** 2).requires_grad，以及在 torch.no_grad() 中的 "
                "(x ** 2).requires_grad：输出应为 True、True、False。",
            )
