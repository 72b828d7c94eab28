from typing import Any

import torch

from checkers import expect, fail, mistake, t


def check(PATH: Any, net: Any, net2: Any, facts: dict[str, Any]) -> None:
    import os
    import pickle

    from pytorch60 import saving

    path = saving.path_of(PATH, facts)
    expect(
        path is not None and os.path.isfile(path),
        f"Nothing was saved at {PATH}: call torch.save(net2.state_dict(), PATH).",
        f"{PATH} 处没有保存任何东西：请调用 torch.save(net2.state_dict(), PATH)。",
        name=t("a file was written", "写入了文件"),
    )
    assert path is not None
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError, EOFError):
        names = saving.pickled_globals(path)
        if any(n.endswith(" getattr") for n in names):
            fail(
                "The file holds the method net2.state_dict itself, not the weights: without "
                "parentheses it is never called. Save torch.save(net2.state_dict(), PATH).",
                "文件里保存的是 net2.state_dict 这个方法本身，而不是权重：没有括号，它就没有被调用。"
                "请保存 torch.save(net2.state_dict(), PATH)。",
            )
        if any(saving.is_module_class(n) for n in names):
            fail(mistake("save-whole-model", net="net2"))
        fail(
            "The file holds Python objects that torch.load(PATH, weights_only=True) refuses, "
            "not a state_dict of tensors. Save torch.save(net2.state_dict(), PATH).",
            "文件里是 torch.load(PATH, weights_only=True) 拒绝读取的 Python 对象，而不是由张量组成的 "
            "state_dict。请保存 torch.save(net2.state_dict(), PATH)。",
        )
    expect(
        isinstance(saved, dict),
        "The file should hold net2.state_dict(), a dict of tensors.",
        "文件里应是 net2.state_dict()，即张量组成的字典。",
        name=t("a state_dict was saved", "保存的是 state_dict"),
    )

    def same(model: Any, weights: Any) -> bool:
        return (
            isinstance(weights, dict)
            and set(weights) == set(model.state_dict())
            and all(
                isinstance(weights[k], torch.Tensor)
                and weights[k].shape == v.shape
                and torch.equal(weights[k].cpu(), v.cpu())
                for k, v in model.state_dict().items()
            )
        )

    wrapped = [
        k for k, v in saved.items() if isinstance(v, dict) and (same(net2, v) or same(net, v))
    ]
    if wrapped and not same(net2, saved):
        keys = ", ".join(repr(k) for k in list(saved)[:5])
        fail(mistake("save-checkpoint-dict", keys=keys, net="net2"))
    if same(net, saved):
        fail(
            "You saved net, the untrained network from section 3 (as the article does). The trained "
            "network is net2: torch.save(net2.state_dict(), PATH).",
            "你保存的是 net，即第 3 节中未训练的网络（原文就是这样写的）。训练好的网络是 net2："
            "torch.save(net2.state_dict(), PATH)。",
        )
    expect(
        same(net2, saved),
        "The saved weights are not net2's.",
        "保存的不是 net2 的权重。",
        name=t("net2's weights were saved", "保存的是 net2 的权重"),
    )


def probe(PATH: Any) -> None:
    from pytorch60 import saving

    saving.record_path(PATH)
