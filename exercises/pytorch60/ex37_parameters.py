import ast
from typing import Any

from checkers import expect, expect_printed, expect_type, fail, mistake, source, t, was_printed


def check(params: Any, net: Any) -> None:
    from checkers._format import type_name

    if type_name(params) == "method" and _assigns_uncalled("params", "parameters"):
        fail(mistake("parameters-not-called", name="params"))
    if type_name(params) == "generator":
        fail(
            "`params` is a generator: it can be walked through only once and has no len(). "
            "Turn it into a list: params = list(net.parameters()).",
            "`params` 是生成器：只能遍历一次，也没有 len()。请转换成列表：params = list(net.parameters())。",
        )
    expect_type(params, list, name="params")
    expect(
        len(params) == 10 and all(a is b for a, b in zip(params, net.parameters(), strict=False)),
        "`params` must hold net's parameter tensors, in order: list(net.parameters()).",
        "`params` 应按顺序包含 net 的参数张量：list(net.parameters())。",
        name=t("`params` holds net's 10 parameter tensors", "`params` 包含 net 的 10 个参数张量"),
    )
    if not was_printed(10) and was_printed(62006):
        fail(
            "You printed 62006, the number of weights. The task asks for the number of parameter "
            "tensors in the list: len(params), which is 10 (a weight and a bias for each of 5 layers).",
            "你打印的 62006 是权重的个数。题目要求的是列表中参数张量的个数：len(params)，即 10"
            "（5 层，每层一个权重和一个偏置）。",
        )
    expect_printed(10, what=t("the number of parameter tensors (10)", "参数张量的个数（10）"))


def _assigns_uncalled(name: str, method: str) -> bool:
    """The source binds ``name = something.method`` (the method itself, not its result)."""
    try:
        tree = ast.parse(source())
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(tg, ast.Name) and tg.id == name for tg in node.targets)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == method
        for node in ast.walk(tree)
    )
