from typing import Any

import torch

from checkers import expect, fail, t


def check(ns: dict[str, Any]) -> None:
    import types

    if "torch" not in ns:
        other = [n for n, v in ns.items() if isinstance(v, types.ModuleType) and v is torch]
        if other:
            fail(
                f"You imported torch under the name `{other[0]}`. The rest of the pack (and "
                "the article) uses the name `torch`: write `import torch`.",
                f"你把 torch 导入成了 `{other[0]}`。后面的题目（以及原文）都用 `torch` 这个名字："
                "请写 `import torch`。",
            )
        fail(
            "The name `torch` is not defined: write `import torch`.",
            "`torch` 这个名字还没有定义：请写 `import torch`。",
        )
    expect(
        ns["torch"] is torch,
        "`torch` is defined, but it is not the PyTorch module.",
        "`torch` 已定义，但它不是 PyTorch 模块。",
        name=t("`torch` is the PyTorch module", "`torch` 是 PyTorch 模块"),
    )
