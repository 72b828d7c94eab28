"""Checks on the article's LeNet-5: which step of ``forward`` differs, and how.

The learner's ``forward`` is run on a small batch with hooks on its five
layers, in the learner's own process: the exercise's probe calls
:func:`record_trace`, and the judge reads the recorded trace (it never runs the
learner's ``forward`` itself). Each step between two layers (31-36 in the article) is then judged on
its own: step 31, for example, must turn ``conv1``'s actual output into
exactly ``max_pool2d(relu(.), 2)``, which is what ``conv2`` must receive. A
mistake in one step therefore does not make the others look wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from checkers._core import CheckFailed, LearnerError, _check, record, recorded, t
from checkers._format import shape_str
from checkers.modules import expect_module
from checkers.tensors import value_mismatch

LAYERS = ("conv1", "conv2", "fc1", "fc2", "fc3")

SPEC: dict[str, tuple[type[nn.Module], dict[str, Any], dict[str, tuple[str, str]]]] = {
    "conv1": (
        nn.Conv2d,
        {"in_channels": 3, "out_channels": 6, "kernel_size": 5},
        {
            "in_channels": (
                "CIFAR-10 images have 3 colour channels",
                "CIFAR-10 的图像有 3 个颜色通道",
            ),
            "out_channels": (
                "the task asks for 6 kernels, so 6 output channels",
                "题目要求 6 种卷积核，即 6 个输出通道",
            ),
            "kernel_size": ("the kernels are 5×5", "卷积核大小是 5×5"),
        },
    ),
    "conv2": (
        nn.Conv2d,
        {"in_channels": 6, "out_channels": 16, "kernel_size": 5},
        {
            "in_channels": (
                "conv1 makes 6 feature maps, so conv2 takes 6 channels",
                "conv1 输出 6 个特征图，所以 conv2 的输入是 6 个通道",
            ),
            "out_channels": ("the task asks for 16 kernels", "题目要求 16 种卷积核"),
            "kernel_size": ("the kernels are 5×5", "卷积核大小是 5×5"),
        },
    ),
    "fc1": (
        nn.Linear,
        {"in_features": 16 * 5 * 5, "out_features": 120},
        {
            "in_features": (
                "after two conv+pool stages a 32×32 image becomes 16 maps of 5×5, so 16*5*5 = 400 inputs",
                "经过两次卷积+池化，32×32 的图像变成 16 个 5×5 的特征图，所以输入是 16*5*5 = 400",
            ),
            "out_features": ("the task asks for 120 outputs", "题目要求 120 个输出"),
        },
    ),
    "fc2": (
        nn.Linear,
        {"in_features": 120, "out_features": 84},
        {
            "in_features": ("fc1 has 120 outputs", "fc1 有 120 个输出"),
            "out_features": ("the task asks for 84 outputs", "题目要求 84 个输出"),
        },
    ),
    "fc3": (
        nn.Linear,
        {"in_features": 84, "out_features": 10},
        {
            "in_features": ("fc2 has 84 outputs", "fc2 有 84 个输出"),
            "out_features": (
                "CIFAR-10 has 10 classes, one score each",
                "CIFAR-10 有 10 个类别，每类一个分数",
            ),
        },
    ),
}


def expect_layer(net: Any, name: str) -> None:
    """Check one of LeNet's five layers (tasks 26-30), on the learner's ``net = Net()``."""
    _check(
        isinstance(net, nn.Module),
        t("`Net` is an nn.Module", "`Net` 是 nn.Module"),
        t("`Net` must be a class derived from nn.Module.", "`Net` 必须是继承自 nn.Module 的类。"),
    )
    layer = getattr(net, name, None)
    kind, params, reasons = SPEC[name]
    expect_module(
        layer,
        kind,
        name=name,
        why={p: t(en, zh) for p, (en, zh) in reasons.items()},
        **params,
    )


@dataclass
class Trace:
    """What each layer received and returned during one forward pass."""

    inputs: dict[str, torch.Tensor] = field(default_factory=dict)
    outputs: dict[str, torch.Tensor] = field(default_factory=dict)
    output: Any = None
    error: LearnerError | None = None

    def as_fact(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "outputs": self.outputs,
            "output": self.output if isinstance(self.output, torch.Tensor) else None,
            "error": self.error.as_fact() if self.error is not None else None,
        }

    @classmethod
    def from_fact(cls, fact: Any) -> Trace:
        if not isinstance(fact, dict):
            raise TypeError("the recorded forward trace has the wrong shape")

        def tensors(value: Any) -> dict[str, torch.Tensor]:
            if not isinstance(value, dict):
                return {}
            return {str(k): v for k, v in value.items() if isinstance(v, torch.Tensor)}

        return cls(
            inputs=tensors(fact.get("inputs")),
            outputs=tensors(fact.get("outputs")),
            output=fact.get("output"),
            error=LearnerError.from_fact(fact.get("error")),
        )


TRACE_FACT = "lenet.trace"


def record_trace(net: Any) -> None:
    """In the probe (the learner's process): trace ``net``'s forward for the judge."""
    record(TRACE_FACT, trace(net, sample_input()).as_fact())


def trace(net: nn.Module, x: torch.Tensor) -> Trace:
    """Run ``net(x)`` recording every layer's input and output (errors are kept)."""
    record = Trace()
    handles = []
    for name in LAYERS:
        layer = getattr(net, name, None)
        if not isinstance(layer, nn.Module):
            continue

        def pre(module: nn.Module, args: tuple[Any, ...], name: str = name) -> None:
            if args and isinstance(args[0], torch.Tensor):
                record.inputs[name] = args[0].detach()

        def post(module: nn.Module, args: tuple[Any, ...], out: Any, name: str = name) -> None:
            if isinstance(out, torch.Tensor):
                record.outputs[name] = out.detach()

        handles.append(layer.register_forward_pre_hook(pre))
        handles.append(layer.register_forward_hook(post))
    try:
        with torch.no_grad():
            record.output = net(x)
    except Exception as exc:  # the learner's forward may fail; the steps say where
        record.error = LearnerError.from_exception(exc)
    finally:
        for h in handles:
            h.remove()
    return record


def sample_input(batch: int = 2) -> torch.Tensor:
    """A fixed batch of CIFAR-sized images (independent of the run's RNG)."""
    gen = torch.Generator().manual_seed(1234)
    return torch.randn(batch, 3, 32, 32, generator=gen)


def _pool(x: torch.Tensor) -> torch.Tensor:
    return F.max_pool2d(F.relu(x), 2)


_STEPS: dict[int, tuple[str, str]] = {
    31: ("conv1", "conv2"),
    32: ("conv2", "fc1"),
    34: ("fc1", "fc2"),
    35: ("fc2", "fc3"),
}


def _fix_earlier(step: int, reason: str) -> CheckFailed:
    return CheckFailed(
        t(
            f"Step {step} cannot be checked yet: {reason}",
            f"第 {step} 步暂时无法检查：{reason}",
        )
    )


def _view_failed(record: Trace) -> bool:
    return (
        record.error is not None
        and record.error.type_name == "RuntimeError"
        and "invalid for input of size" in str(record.error)
    )


def _reach(record: Trace, step: int, src: str, dst: str) -> None:
    """Make sure the data step ``step`` turns ``src``'s output into ``dst``'s input exists.

    An error inside this step's own code is the learner's, shown with its line; an
    error earlier means this step cannot be judged yet.
    """
    if src in record.outputs and dst in record.inputs:
        return
    if record.error is None:
        raise _fix_earlier(
            step,
            t(f"forward() never passes anything to {dst}.", f"forward() 从未把数据传给 {dst}。"),
        )
    if src in record.outputs and step == 32 and _view_failed(record):
        raise _fix_earlier(step, t("the reshape in step 33 fails.", "第 33 步的变形出错了。"))
    if src in record.outputs or src in record.inputs:
        raise record.error  # it failed in this step's code (or inside src, called there)
    raise _fix_earlier(
        step,
        t(
            f"forward() stops before {src} with {record.error.type_name}: {record.error}",
            f"forward() 在 {src} 之前就出错了（{record.error.type_name}：{record.error}）",
        ),
    )


def expect_step(net: nn.Module, step: int) -> None:
    """Check one step of ``forward`` (31-36) against the same operation on the same data."""
    for name in LAYERS:
        layer = getattr(net, name, None)
        if not isinstance(layer, SPEC[name][0]):
            raise _fix_earlier(
                step,
                t(f"`self.{name}` is not defined correctly yet (tasks 26-30).",
                  f"`self.{name}` 还没有正确定义（第 26-30 题）。"),
            )  # fmt: skip
    x = sample_input()
    record = Trace.from_fact(recorded(TRACE_FACT))
    label = t(f"step {step} of forward", f"forward 的第 {step} 步")
    if step in _STEPS:
        src, dst = _STEPS[step]
        _reach(record, step, src, dst)
        _judge_between(
            step, label, record.outputs[src], record.inputs[dst], pooled=step in (31, 32)
        )
    elif step == 33:
        if "conv2" in record.outputs and "fc1" not in record.inputs and _view_failed(record):
            _check(
                False,
                label,
                t(
                    f"Step 33 differs: x.view(...) fails ({record.error}). After step 32 each "
                    "image is 16 maps of 5×5 = 400 numbers: x.view(-1, 16 * 5 * 5).",
                    f"第 33 步不对：x.view(...) 出错（{record.error}）。第 32 步之后每张图像是 16 个 "
                    "5×5 的特征图，共 400 个数：x.view(-1, 16 * 5 * 5)。",
                ),
            )
        _reach(record, step, "conv2", "fc1")
        got = record.inputs["fc1"]
        want = (x.shape[0], 16 * 5 * 5)
        if tuple(got.shape) != want:
            if got.dim() == 1:
                hint = t(
                    "the batch dimension is gone: x.view(16*5*5) joins all images into one "
                    "vector. Keep one row per image: x.view(-1, 16 * 5 * 5).",
                    "批次维度没了：x.view(16*5*5) 把所有图像拼成了一个向量。请保留每张图像一行："
                    "x.view(-1, 16 * 5 * 5)。",
                )
            else:
                hint = t(
                    "each image must become one row of 16*5*5 = 400 numbers: x.view(-1, 16 * 5 * 5).",
                    "每张图像应变成一行 16*5*5 = 400 个数：x.view(-1, 16 * 5 * 5)。",
                )
            _check(
                False,
                label,
                t(
                    f"After step 33, x has shape {shape_str(got.shape)}, fc1 needs "
                    f"{shape_str(want)} for a batch of {want[0]}: ",
                    f"第 33 步之后 x 的形状是 {shape_str(got.shape)}，对 {want[0]} 张图像的批次，"
                    f"fc1 需要 {shape_str(want)}：",
                )
                + hint,
            )
        _check(True, label, "")
    elif step == 36:
        _reach(record, step, "fc2", "fc3")
        if record.error is not None:
            raise record.error
        out, logits = record.output, record.outputs["fc3"]
        if not isinstance(out, torch.Tensor):
            _check(False, label, t("forward() must return x.", "forward() 必须返回 x。"))
        if (
            out.shape == logits.shape
            and torch.equal(out, F.relu(logits))
            and bool((logits < 0).any())
        ):
            _check(
                False,
                label,
                t(
                    "forward() returns relu(fc3(x)): a ReLU on the logits turns every negative "
                    "class score into 0, so the loss cannot push wrong classes down. Return "
                    "self.fc3(x) as it is.",
                    "forward() 返回了 relu(fc3(x))：在 logits 上用 ReLU 会把所有负分数变成 0，"
                    "损失函数就无法压低错误类别的分数。请直接返回 self.fc3(x)。",
                ),
            )
        problem = value_mismatch(out, logits) if out.shape == logits.shape else "shape"
        _check(
            problem is None,
            label,
            t(
                f"forward() returns a tensor of shape {shape_str(out.shape)} that is not fc3's "
                "output: return self.fc3(x) unchanged.",
                f"forward() 返回的形状为 {shape_str(out.shape)} 的张量不是 fc3 的输出："
                "请原样返回 self.fc3(x)。",
            ),
        )
        _expect_reference(net, x, out)


def _judge_between(
    step: int, label: str, before: torch.Tensor, after: torch.Tensor, *, pooled: bool
) -> None:
    """Step ``step`` must turn ``before`` into ``after`` (flattened when fc1 follows)."""
    want = _pool(before) if pooled else F.relu(before)
    flat = step == 32
    got = after.reshape(after.shape[0], -1) if flat and after.dim() >= 1 else after
    if flat:
        want = want.reshape(want.shape[0], -1)
    if tuple(got.shape) == tuple(want.shape) and value_mismatch(got, want, atol=1e-5) is None:
        _check(True, label, "")
        return
    negatives = bool((got < 0).any())
    if tuple(got.shape) == tuple(want.shape) and negatives:
        reason = t(
            "the result still has negative values, so the ReLU is missing.",
            "结果里还有负数，说明缺少 ReLU。",
        )
    elif pooled and got.numel() == before.numel():
        reason = t(
            f"the result has shape {shape_str(got.shape)} where {shape_str(want.shape)} is "
            "expected: the 2×2 max pooling (which halves height and width) is missing.",
            f"结果的形状是 {shape_str(got.shape)}，期望 {shape_str(want.shape)}：缺少 2×2 最大池化"
            "（它会把高和宽减半）。",
        )
    elif tuple(got.shape) != tuple(want.shape):
        reason = t(
            f"the result has shape {shape_str(got.shape)} where {shape_str(want.shape)} is expected.",
            f"结果的形状是 {shape_str(got.shape)}，期望 {shape_str(want.shape)}。",
        )
    else:
        mismatch = value_mismatch(got, want, atol=1e-5)
        reason = t("the values differ: ", "数值不同：") + (mismatch.describe() if mismatch else "")
    what = {
        31: t("conv1 → ReLU → 2×2 max pooling", "conv1 → ReLU → 2×2 最大池化"),
        32: t("conv2 → ReLU → 2×2 max pooling", "conv2 → ReLU → 2×2 最大池化"),
        34: t("fc1 → ReLU", "fc1 → ReLU"),
        35: t("fc2 → ReLU", "fc2 → ReLU"),
    }[step]
    _check(
        False, label, t(f"Step {step} ({what}) differs: ", f"第 {step} 步（{what}）不对：") + reason
    )


def reference_forward(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The article's forward pass, computed with ``net``'s own layers."""
    layers: Any = net
    x = F.max_pool2d(F.relu(layers.conv1(x)), 2)
    x = F.max_pool2d(F.relu(layers.conv2(x)), 2)
    x = x.view(-1, 16 * 5 * 5)
    x = F.relu(layers.fc1(x))
    x = F.relu(layers.fc2(x))
    result: torch.Tensor = layers.fc3(x)
    return result


def _expect_reference(net: nn.Module, x: torch.Tensor, out: torch.Tensor) -> None:
    with torch.no_grad():
        want = reference_forward(net, x)
    mismatch = value_mismatch(out, want, atol=1e-5)
    _check(
        mismatch is None,
        t("the whole forward pass matches the reference", "整个前向传播与参考实现一致"),
        t("The network's output differs from the reference forward pass: ",
          "网络的输出与参考的前向传播不同：") + (mismatch.describe() if mismatch else ""),
    )  # fmt: skip
