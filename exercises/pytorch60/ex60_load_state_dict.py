from typing import Any

import torch

from checkers import expect_type, expect_values, fail, mistake, source, value_mismatch


def check(net3: Any, Net: Any, net2: Any, device: Any) -> None:
    from pytorch60 import saving

    saving.expect_safe_load(source())
    if saving.is_load_result(net3):
        fail(mistake("load-state-dict-result", name="net3"))
    if isinstance(net3, dict):
        fail(
            "`net3` is the dict of weights itself (a state_dict), not a network. Create Net() "
            "and load the weights into it with load_state_dict.",
            "`net3` 就是权重字典本身（state_dict），而不是网络。请创建 Net()，再用 load_state_dict 把权重加载进去。",
        )
    expect_type(net3, Net, name="net3")
    if _copies(source()):
        fail(
            "`net3` is a copy of net2, not a new Net loaded with the saved weights. Copying "
            "needs the trained object at hand; the point of saving is to rebuild the network "
            "from the file alone: net3 = Net(), then net3.load_state_dict(pretrained_net).",
            "`net3` 是 net2 的副本，而不是加载了保存权重的新 Net。复制需要手头就有训练好的对象；"
            "保存的意义在于只凭文件就能重建网络：net3 = Net()，再 net3.load_state_dict(pretrained_net)。",
        )
    if net3 is net2:
        fail("`net3` is net2 itself, not a new network: create Net() and load the weights into it.",
             "`net3` 就是 net2 本身，而不是新网络：请创建 Net()，再把权重加载进去。")  # fmt: skip
    for key, value in net2.state_dict().items():
        got = net3.state_dict()[key]
        if value_mismatch(got, value) is not None:
            fail(
                f"net3's {key} differs from net2's: net3 still has its random starting weights. "
                "Call net3.load_state_dict(pretrained_net).",
                f"net3 的 {key} 与 net2 的不同：net3 还是随机的初始权重。请调用 net3.load_state_dict(pretrained_net)。",
            )
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expect_values(net3(x.to(next(net3.parameters()).device)), net2(x.to(device)),
                      name="net3's output", atol=1e-5)  # fmt: skip


def _copies(code: str) -> bool:
    """Whether the learner's code calls copy.deepcopy / copy.copy (read with ``ast``)."""
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("deepcopy", "copy") and node.args:
                return True
    return False
