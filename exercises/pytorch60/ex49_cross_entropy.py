from typing import Any

from torch import nn

from checkers import expect_module, t


def check(criterion2: Any, facts: dict[str, Any]) -> None:
    if facts.get("functional") == "cross_entropy":
        return  # F.cross_entropy: the same loss as a function, called the same way
    why = {}
    if isinstance(criterion2, (nn.MSELoss, nn.L1Loss)):
        why["type"] = t(
            "That loss suits regression (numbers to predict); classification uses cross-entropy.",
            "这种损失适合回归（预测数值）；分类要用交叉熵。",
        )
    elif isinstance(criterion2, nn.NLLLoss):
        why["type"] = t(
            "NLLLoss expects log-probabilities, the output of log_softmax, but net2 gives raw "
            "scores; CrossEntropyLoss applies log_softmax to them itself.",
            "NLLLoss 需要的是对数概率（log_softmax 的输出），而 net2 给出的是原始分数；"
            "CrossEntropyLoss 会自己对它们做 log_softmax。",
        )
    expect_module(criterion2, nn.CrossEntropyLoss, name="criterion2", reduction="mean", why=why)


def probe(criterion2: Any) -> None:
    from pytorch60 import optim_trace

    optim_trace.record_functional(criterion2)
