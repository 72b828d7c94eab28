from typing import Any

from checkers import expect, expect_type, expect_values, fail, shares_memory, source, t


def check(pretrained_net: Any, net2: Any) -> None:
    from pytorch60 import saving

    saving.expect_safe_load(source())
    if saving.is_load_result(pretrained_net):
        fail(
            "`pretrained_net` holds what load_state_dict returned (a report of missing and "
            "unexpected keys), not the weights. This task only reads the file: "
            "pretrained_net = torch.load(PATH). Task 60 loads it into a network.",
            "`pretrained_net` 存的是 load_state_dict 的返回值（缺失键和多余键的报告），而不是权重。"
            "这道题只需读取文件：pretrained_net = torch.load(PATH)。第 60 题才把它加载进网络。",
        )
    expect_type(pretrained_net, dict, name="pretrained_net",
                why=t("torch.load(PATH) returns the saved state_dict.", "torch.load(PATH) 返回保存的 state_dict。"))  # fmt: skip
    reference = net2.state_dict()
    expect(set(pretrained_net) == set(reference), "`pretrained_net` does not have net2's parameter names.",
           "`pretrained_net` 中的参数名与 net2 的不同。", name=t("the keys are net2's", "键与 net2 的一致"))  # fmt: skip
    for key, value in reference.items():
        expect_values(pretrained_net[key], value, name=f"pretrained_net[{key!r}]")
        if shares_memory(pretrained_net[key], value):
            fail(
                "`pretrained_net` shares memory with net2's parameters: it is net2.state_dict(), not "
                "what torch.load read from the file.",
                "`pretrained_net` 与 net2 的参数共享内存：它是 net2.state_dict()，而不是 torch.load 从文件读出的内容。",
            )
