from typing import Any

import torch

from checkers import expect, fail, t


def check(PATH: Any, net: Any, net2: Any) -> None:
    import os
    import pickle

    expect(os.path.isfile(PATH), f"Nothing was saved at {PATH}: call torch.save(net2.state_dict(), PATH).",
           f"{PATH} 处没有保存任何东西：请调用 torch.save(net2.state_dict(), PATH)。",
           name=t("a file was written", "写入了文件"))  # fmt: skip
    try:
        saved = torch.load(PATH, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError):
        fail(
            "The file holds a whole pickled network, not its state_dict. That needs the Net class "
            "to load and cannot be loaded safely (weights_only=True). Save net2.state_dict().",
            "文件里是整个被 pickle 的网络，而不是它的 state_dict。加载它需要 Net 类，也无法安全加载"
            "（weights_only=True）。请保存 net2.state_dict()。",
        )
    expect(isinstance(saved, dict), "The file should hold net2.state_dict(), a dict of tensors.",
           "文件里应是 net2.state_dict()，即张量组成的字典。", name=t("a state_dict was saved", "保存的是 state_dict"))  # fmt: skip

    def same(model: Any) -> bool:
        return set(saved) == set(model.state_dict()) and all(
            torch.equal(saved[k], v.cpu()) for k, v in model.state_dict().items()
        )

    if same(net):
        fail(
            "You saved net, the untrained network from section 3 (as the article does). The trained "
            "network is net2: torch.save(net2.state_dict(), PATH).",
            "你保存的是 net，即第 3 节中未训练的网络（原文就是这样写的）。训练好的网络是 net2："
            "torch.save(net2.state_dict(), PATH)。",
        )
    expect(same(net2), "The saved weights are not net2's.", "保存的不是 net2 的权重。",
           name=t("net2's weights were saved", "保存的是 net2 的权重"))  # fmt: skip
