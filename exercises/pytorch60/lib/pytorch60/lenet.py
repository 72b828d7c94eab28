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

import re
import sys
from dataclasses import dataclass, field
from typing import Any, NoReturn

import torch
import torch.nn.functional as F
from torch import nn

from checkers._core import (
    CheckFailed,
    LearnerError,
    _check,
    _record,
    lang,
    record,
    recorded,
    source,
    t,
)
from checkers._format import shape_str
from checkers._mistakes import Mistake, mistake
from checkers.modules import (
    argument_mistake,
    constructor_call,
    expect_module,
    module_param,
    same_param,
)
from checkers.tensors import value_mismatch

LAYERS = ("conv1", "conv2", "fc1", "fc2", "fc3")

SPEC: dict[str, tuple[type[nn.Module], dict[str, Any], dict[str, tuple[str, str]]]] = {
    "conv1": (
        nn.Conv2d,
        {"in_channels": 3, "out_channels": 6, "kernel_size": 5},
        {
            "in_channels": (
                "CIFAR-10 images have 3 colour channels.",
                "CIFAR-10 的图像有 3 个颜色通道。",
            ),
            "out_channels": (
                "the task asks for 6 kernels, so 6 output channels.",
                "题目要求 6 种卷积核，即 6 个输出通道。",
            ),
            "kernel_size": ("the kernels are 5×5.", "卷积核大小是 5×5。"),
        },
    ),
    "conv2": (
        nn.Conv2d,
        {"in_channels": 6, "out_channels": 16, "kernel_size": 5},
        {
            "in_channels": (
                "conv1 makes 6 feature maps, so conv2 takes 6 channels.",
                "conv1 输出 6 个特征图，所以 conv2 的输入是 6 个通道。",
            ),
            "out_channels": ("the task asks for 16 kernels.", "题目要求 16 种卷积核。"),
            "kernel_size": ("the kernels are 5×5.", "卷积核大小是 5×5。"),
        },
    ),
    "fc1": (
        nn.Linear,
        {"in_features": 16 * 5 * 5, "out_features": 120},
        {
            "in_features": (
                "after two conv+pool stages a 32×32 image becomes 16 maps of 5×5, so 16*5*5 = 400 inputs.",
                "经过两次卷积+池化，32×32 的图像变成 16 个 5×5 的特征图，所以输入是 16*5*5 = 400。",
            ),
            "out_features": ("the task asks for 120 outputs.", "题目要求 120 个输出。"),
        },
    ),
    "fc2": (
        nn.Linear,
        {"in_features": 120, "out_features": 84},
        {
            "in_features": ("fc1 has 120 outputs.", "fc1 有 120 个输出。"),
            "out_features": ("the task asks for 84 outputs.", "题目要求 84 个输出。"),
        },
    ),
    "fc3": (
        nn.Linear,
        {"in_features": 84, "out_features": 10},
        {
            "in_features": ("fc2 has 84 outputs.", "fc2 有 84 个输出。"),
            "out_features": (
                "CIFAR-10 has 10 classes, one score each.",
                "CIFAR-10 有 10 个类别，每类一个分数。",
            ),
        },
    ),
}


_CONV_DEFAULTS: dict[str, Any] = {
    "stride": 1,
    "padding": 0,
    "dilation": 1,
    "groups": 1,
    "bias": True,
}
_DEFAULT_REASONS: dict[str, tuple[str, str]] = {
    "stride": (
        "the article's kernels move one pixel at a time (the default, stride=1), so leave "
        "stride out.",
        "原文的卷积核每次移动一个像素（默认值 stride=1），所以不要设置 stride。",
    ),
    "padding": (
        "the article's convolutions add no border (the default, padding=0): that is what "
        "makes a 32×32 image 28×28 after a 5×5 kernel, and 16*5*5 = 400 inputs for fc1.",
        "原文的卷积不加边框（默认值 padding=0）：正因如此，32×32 的图像经过 5×5 卷积核后变成 "
        "28×28，fc1 的输入才是 16*5*5 = 400。",
    ),
    "dilation": (
        "the article's kernels look at neighbouring pixels (the default, dilation=1), so "
        "leave dilation out.",
        "原文的卷积核看的是相邻像素（默认值 dilation=1），所以不要设置 dilation。",
    ),
    "groups": (
        "every kernel looks at all input channels (the default, groups=1), so leave groups out.",
        "每个卷积核都看全部输入通道（默认值 groups=1），所以不要设置 groups。",
    ),
    "bias": (
        "each output has a learnable bias (the default, bias=True); task 37 counts a weight and "
        "a bias for every layer.",
        "每个输出都有一个可学习的偏置（默认值 bias=True）；第 37 题会数出每层一个权重和一个偏置。",
    ),
}


def _full_spec(name: str) -> tuple[type[nn.Module], dict[str, Any], dict[str, tuple[str, str]]]:
    """The layer's spec with the defaults the article keeps (stride, padding, bias, ...)."""
    kind, params, reasons = SPEC[name]
    defaults = _CONV_DEFAULTS if kind is nn.Conv2d else {"bias": True}
    return kind, {**params, **defaults}, {**_DEFAULT_REASONS, **reasons}


def layer_problem(net: Any, name: str) -> Mistake | None:
    """The first argument of layer ``name`` that differs from the article's, as a mistake."""
    layer = getattr(net, name, None)
    kind, params, reasons = _full_spec(name)
    written = constructor_call(source(), name, kind)
    for param, want in params.items():
        got = module_param(layer, param)
        if not same_param(got, want):
            en, zh = reasons[param]
            return argument_mistake(name, kind, param, got, want, t(en, zh), written)
    return None


def expect_layer(net: Any, name: str) -> None:
    """Check one of LeNet's five layers (tasks 26-30), on the learner's ``net = Net()``."""
    _check(
        isinstance(net, nn.Module),
        t("`Net` is an nn.Module", "`Net` 是 nn.Module"),
        t("`Net` must be a class derived from nn.Module.", "`Net` 必须是继承自 nn.Module 的类。"),
    )
    layer = getattr(net, name, None)
    kind, params, reasons = _full_spec(name)
    expect_module(
        layer,
        kind,
        name=name,
        why={p: t(en, zh) for p, (en, zh) in reasons.items()},
        diagnose=True,
        **params,
    )


@dataclass
class Trace:
    """What each layer received and returned during one forward pass."""

    inputs: dict[str, torch.Tensor] = field(default_factory=dict)
    outputs: dict[str, torch.Tensor] = field(default_factory=dict)
    output: Any = None
    error: LearnerError | None = None
    order: list[str] = field(default_factory=list)
    """The layers in the order forward() called them."""
    tracked: bool | None = None
    """Whether the returned tensor was part of the autograd graph (None: no tensor)."""
    returned: str = ""
    """The type of what forward() returned, when it is not a tensor (``Linear``, ...)."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """forward()'s local names as they changed, in order: ``{"kind": "bind", "value": tensor,
    "called": n}`` when a local got a new tensor after ``n`` layer calls, ``{"kind": "blank",
    "called": n}`` when one became ``...`` (a starter line not written yet)."""

    def as_fact(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "outputs": self.outputs,
            "output": self.output if isinstance(self.output, torch.Tensor) else None,
            "error": self.error.as_fact() if self.error is not None else None,
            "order": list(self.order),
            "tracked": self.tracked,
            "returned": self.returned,
            "events": self.events,
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
            order=[str(n) for n in fact.get("order") or [] if isinstance(n, str)],
            tracked=fact["tracked"] if isinstance(fact.get("tracked"), bool) else None,
            returned=str(fact.get("returned") or ""),
            events=[
                e
                for e in fact.get("events") or []
                if isinstance(e, dict)
                and e.get("kind") in ("bind", "blank")
                and isinstance(e.get("called"), int)
                and (e["kind"] == "blank" or isinstance(e.get("value"), torch.Tensor))
            ],
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
            record.order.append(name)
            if args and isinstance(args[0], torch.Tensor) and name not in record.inputs:
                record.inputs[name] = args[0].detach()

        def post(module: nn.Module, args: tuple[Any, ...], out: Any, name: str = name) -> None:
            if isinstance(out, torch.Tensor) and name not in record.outputs:
                record.outputs[name] = out.detach()

        handles.append(layer.register_forward_pre_hook(pre))
        handles.append(layer.register_forward_hook(post))
    forward = getattr(getattr(type(net), "forward", None), "__code__", None)
    previous = sys.gettrace()
    if forward is not None:
        sys.settrace(_watch_locals(forward, record))
    try:
        out = net(x)  # with gradients on, to see whether forward() keeps its result in the graph
        if isinstance(out, torch.Tensor):
            record.tracked = out.grad_fn is not None
            out = out.detach()
        else:
            record.returned = type(out).__name__
        record.output = out
    except Exception as exc:  # the learner's forward may fail; the steps say where
        record.error = LearnerError.from_exception(exc)
    finally:
        sys.settrace(previous)
        for h in handles:
            h.remove()
    return record


def _watch_locals(code: Any, record: Trace) -> Any:
    """A ``sys.settrace`` function noting each new tensor bound in forward()'s locals.

    With it, a step can be judged even when the next layer is never reached: the
    learner writes the steps one at a time, and the later ones are still ``...``.
    """
    seen: dict[str, Any] = {}

    def note(frame: Any) -> None:
        for name, value in frame.f_locals.items():
            if name == "self" or seen.get(name) is value:
                continue
            seen[name] = value  # held, so that an id is never reused while we watch
            called = len(record.order)
            if isinstance(value, torch.Tensor):
                record.events.append(
                    {"kind": "bind", "value": value.detach().clone(), "called": called}
                )
            elif value is Ellipsis:
                record.events.append({"kind": "blank", "called": called})

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event in ("line", "return"):
            note(frame)
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code is code else None

    return calls


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


def _result_after(record: Trace, src: str) -> tuple[torch.Tensor | None, bool]:
    """What forward() kept after calling ``src``, before it called another layer.

    The last tensor bound to a local name between the two, and whether a starter
    line still ``...`` came next (the following steps are not written yet).
    """
    if src not in record.order:
        return None, False
    called = record.order.index(src) + 1
    kept: torch.Tensor | None = None
    for event in record.events:
        if event["called"] < called:
            continue
        if event["called"] > called:
            break
        if event["kind"] == "blank":
            return kept, True
        kept = event["value"]
    return kept, False


_LAYER_TYPE = re.compile(r"\b(Conv2d|Linear)\b")


def _expect_layer_called(record: Trace, step: int, label: str) -> None:
    """The step's own layer is called on the data, not passed or returned as an object."""
    own = _OWN_LAYER.get(step)
    if own is None or own in record.inputs:
        return
    kind = SPEC[own][0].__name__
    how = ""
    error = record.error
    if error is not None:
        found = _LAYER_TYPE.search(f"{error.type_name}: {error}")
        if found and found.group(1) == kind:
            where = t(f"line {error.line}", f"第 {error.line} 行") if error.line else ""
            how = t(
                f"{where} hands the layer object itself to a function, which fails with "
                f"{error.type_name}: {error}",
                f"{where}把层对象本身交给了一个函数，于是出错：{error.type_name}：{error}",
            )
    elif record.returned == kind:
        how = t(
            f"forward() returns the layer itself (a {kind}), not its output",
            f"forward() 返回的是层本身（一个 {kind}），而不是它的输出",
        )
    if how:
        _fail(label, mistake("layer-not-called", layer=own, how=how))


def _reach(
    record: Trace, step: int, src: str, dst: str, label: str, *, pooled: bool = False
) -> torch.Tensor:
    """The data step ``step`` turns ``src``'s output into: what ``dst`` receives or, when
    forward() never gets to ``dst`` (the next steps are still ``...``), what it kept.

    An error inside this step's own code is the learner's, shown with its line; an
    error earlier means this step cannot be judged yet.
    """
    if src in record.outputs and dst in record.inputs:
        return record.inputs[dst]
    _expect_layer_called(record, step, label)
    kept, blank = _result_after(record, src)
    if record.error is None:
        if kept is not None:
            return kept
        if src in record.outputs and blank:
            _fail(label, _discarded(step, src))
        raise _fix_earlier(
            step,
            t(f"forward() never passes anything to {dst}.", f"forward() 从未把数据传给 {dst}。"),
        )
    if (
        kept is not None
        and src in record.outputs
        and (_view_failed(record) or _step_ok(step, record.outputs[src], kept, pooled=pooled))
    ):
        return kept  # the error comes after this step: judge what the step kept
    if src in record.outputs or src in record.inputs:
        raise record.error  # it failed in this step's code (or inside src, called there)
    raise _fix_earlier(
        step,
        t(
            f"forward() stops before {src} with {record.error.type_name}: {record.error}",
            f"forward() 在 {src} 之前就出错了（{record.error.type_name}：{record.error}）",
        ),
    )


def _discarded(step: int, layer: str) -> Mistake:
    fix = {
        31: "x = F.max_pool2d(F.relu(self.conv1(x)), 2)",
        32: "x = F.max_pool2d(F.relu(self.conv2(x)), 2)",
        33: "x = x.view(-1, 16 * 5 * 5)",
        34: "x = F.relu(self.fc1(x))",
        35: "x = F.relu(self.fc2(x))",
        36: "x = self.fc3(x)",
    }[step]
    return mistake("forward-result-discarded", step=step, fix=fix)


def _step_ok(step: int, before: torch.Tensor, after: torch.Tensor, *, pooled: bool) -> bool:
    """``after`` is exactly what step ``step`` makes of ``before`` (up to step 33's order)."""
    want = _pool(before) if pooled else F.relu(before)
    if step == 32 and after.dim() >= 1:
        after = after.reshape(after.shape[0], -1)
        want = want.reshape(want.shape[0], -1)
    if tuple(after.shape) != tuple(want.shape):
        return False
    return value_mismatch(after, want, atol=1e-5) is None or (
        step == 32 and _same_rows_reordered(after, want)
    )


_OWN_LAYER = {31: "conv1", 32: "conv2", 34: "fc1", 35: "fc2", 36: "fc3"}
"""The layer each step applies; step 33 (the flatten) applies none."""


def _fail(label: str, found: Mistake) -> NoReturn:
    """Fail the checklist line ``label`` with a catalogue mistake (its id travels)."""
    _record(label, False, found.text)
    raise CheckFailed(found)


def _expect_layers(net: nn.Module, step: int, label: str) -> None:
    """The layers this step uses are built as tasks 26-30 ask (stride, padding, bias, ...).

    A wrong argument of the step's own layer is this step's mistake; one of an earlier
    layer means the step cannot be judged yet. Later layers are left to their steps.
    """
    own = _OWN_LAYER.get(step)
    last = LAYERS.index(own) if own else LAYERS.index("conv2")
    for name in LAYERS[: last + 1]:
        found = layer_problem(net, name)
        if found is None:
            continue
        if name == own:
            _fail(label, found)
        raise CheckFailed(
            t(f"Step {step} cannot be checked yet: ", f"第 {step} 步暂时无法检查：") + found.text,
            found.id,
        )


def _expect_order(record: Trace, step: int, label: str) -> None:
    """forward() calls the layers in the article's order (judged by the steps it touches)."""
    for i, called in enumerate(record.order[: len(LAYERS)]):
        expected = LAYERS[i]
        if called == expected:
            continue
        involved = {called, expected} & {*_STEPS.get(step, ()), _OWN_LAYER.get(step, "")}
        if involved:
            _fail(
                label,
                mistake(
                    "forward-layer-order",
                    called=called,
                    expected=expected,
                    position=_nth(i + 1),
                ),
            )
        return


def _nth(n: int) -> str:
    if lang() == "zh":
        return f"第 {n} 个"
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def _expect_image_in(record: Trace, x: torch.Tensor, label: str) -> None:
    """Step 31: conv1 receives the image itself."""
    got = record.inputs.get("conv1")
    if got is None or (tuple(got.shape) == tuple(x.shape) and torch.allclose(got, x, atol=1e-6)):
        return
    pooled = F.max_pool2d(x, 2)
    if tuple(got.shape) == tuple(pooled.shape) and torch.allclose(got, pooled, atol=1e-6):
        _fail(label, mistake("pool-before-conv", layer="conv1"))
    _fail(
        label,
        mistake(
            "forward-step-differs",
            step=31,
            what=t("the input of conv1", "conv1 的输入"),
            detail=t(
                f"conv1 receives a tensor of shape {shape_str(got.shape)}, not the images "
                f"x ({shape_str(x.shape)}) themselves: apply self.conv1 to x first.",
                f"conv1 收到的是形状为 {shape_str(got.shape)} 的张量，而不是图像 x "
                f"（{shape_str(x.shape)}）本身：请先对 x 使用 self.conv1。",
            ),
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
    _expect_layers(net, step, label)
    _expect_order(record, step, label)
    if step == 31:
        _expect_image_in(record, x, label)
    if step in _STEPS:
        src, dst = _STEPS[step]
        pooled = step in (31, 32)
        after = _reach(record, step, src, dst, label, pooled=pooled)
        _judge_between(
            step, label, record.outputs[src], after, pooled=pooled, held=record.inputs.get(src)
        )
    elif step == 33:
        kept, _ = _result_after(record, "conv2")
        if (
            "conv2" in record.outputs
            and "fc1" not in record.inputs
            and _view_failed(record)
            and (kept is None or _step_ok(32, record.outputs["conv2"], kept, pooled=True))
        ):
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
        got = _reach(record, step, "conv2", "fc1", label)
        want = (x.shape[0], 16 * 5 * 5)
        pooled2 = _pool(record.outputs["conv2"])
        if tuple(got.shape) == tuple(pooled2.shape) and torch.equal(got, pooled2):
            _fail(label, _discarded(33, "conv2"))
        if tuple(got.shape) != want:
            if got.dim() == 1:
                hint = t(
                    "the batch dimension is gone: all images were joined into one vector "
                    "(torch.flatten(x) and x.view(-1) do that). Keep one row per image: "
                    "x.view(-1, 16 * 5 * 5) or torch.flatten(x, 1).",
                    "批次维度没了：所有图像被拼成了一个向量（torch.flatten(x) 和 x.view(-1) 都会这样）。"
                    "请保留每张图像一行：x.view(-1, 16 * 5 * 5) 或 torch.flatten(x, 1)。",
                )
            elif tuple(got.shape) == (want[1], want[0]):
                hint = t(
                    'one column per image, the article\'s "column vector" (x.view(16 * 5 * 5, -1) '
                    "does that). fc1 takes one row per image: x.view(-1, 16 * 5 * 5).",
                    "每张图像成了一列，即原文说的“列向量”（x.view(16 * 5 * 5, -1) 会这样）。"
                    "fc1 需要每张图像一行：x.view(-1, 16 * 5 * 5)。",
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
        flat = _pool(record.outputs["conv2"]).reshape(want)
        if _same_rows_reordered(got, flat):
            _fail(label, mistake("flatten-order"))
        _check(True, label, "")
    elif step == 36:
        if "fc3" not in record.inputs:
            kept = _reach(record, step, "fc2", "fc3", label)
            _check(
                False,
                label,
                t(
                    f"forward() never calls fc3: it returns a tensor of shape "
                    f"{shape_str(kept.shape)}. Apply the last layer: x = self.fc3(x).",
                    f"forward() 从未调用 fc3：它返回的张量形状是 {shape_str(kept.shape)}。"
                    "请使用最后一层：x = self.fc3(x)。",
                ),
            )
        if record.error is not None:
            raise record.error
        out, logits = record.output, record.outputs["fc3"]
        if not isinstance(out, torch.Tensor):
            _check(False, label, t("forward() must return x.", "forward() 必须返回 x。"))
        result = t("forward()'s result", "forward() 的返回值")
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
        softmaxed = softmax_of(out, logits)
        if softmaxed:
            _fail(
                label,
                mistake(
                    "output-softmax",
                    name=result,
                    which=softmaxed,
                    fix=t("Return self.fc3(x) as it is.", "请直接返回 self.fc3(x)。"),
                ),
            )
        held = record.inputs["fc3"]
        if out.shape == held.shape and torch.equal(out, held):
            _fail(label, _discarded(36, "fc3"))
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
        if record.tracked is False:
            _fail(
                label,
                mistake(
                    "output-detached",
                    name=result,
                    how=detached_how(),
                    fix=t("Return self.fc3(x) itself.", "请直接返回 self.fc3(x)。"),
                ),
            )
        _expect_reference(net, x, out)


def softmax_of(got: torch.Tensor, logits: torch.Tensor) -> str:
    """``"softmax"``/``"log_softmax"`` when ``got`` is that of ``logits`` over classes, else ""."""
    if got.shape != logits.shape or got.dim() == 0:
        return ""
    for label, fn in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
        want = fn(logits.double(), dim=-1).to(got.dtype)
        if torch.allclose(got, want, atol=1e-5, rtol=1e-4):
            return label
    return ""


def detached_how() -> str:
    """What in the learner's source cuts a result off autograd, from its ``ast``."""
    import ast

    try:
        tree = ast.parse(source())
    except SyntaxError:
        tree = ast.Module(body=[], type_ignores=[])
    seen: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name in ("detach", "no_grad", "inference_mode"):
                seen.append({"detach": ".detach()"}.get(name, f"torch.{name}()"))
        elif isinstance(node, ast.Attribute) and node.attr == "data":
            seen.append(".data")
    found = ", ".join(dict.fromkeys(seen))
    if found:
        return t(f"your code uses {found}", f"你的代码用了 {found}")
    return t(
        "it was detached, or computed with gradient tracking switched off",
        "它被分离（detach）了，或是在关闭梯度追踪时计算的",
    )


def _same_rows_reordered(got: torch.Tensor, want: torch.Tensor) -> bool:
    """Each row holds the same numbers as ``want``'s, but not in the same order."""
    if got.shape != want.shape or torch.allclose(got, want, atol=1e-5):
        return False
    return bool(torch.allclose(got.sort(dim=-1).values, want.sort(dim=-1).values, atol=1e-5))


_ACTIVATIONS = (("sigmoid", torch.sigmoid), ("tanh", torch.tanh))


def _judge_between(
    step: int,
    label: str,
    before: torch.Tensor,
    after: torch.Tensor,
    *,
    pooled: bool,
    held: torch.Tensor | None = None,
) -> None:
    """Step ``step`` must turn ``before`` into ``after`` (flattened when fc1 follows).

    ``held`` is what the step's layer received: ``after`` equal to it means the step's
    result was computed and thrown away.
    """
    want = _pool(before) if pooled else F.relu(before)
    flat = step == 32
    got = after.reshape(after.shape[0], -1) if flat and after.dim() >= 1 else after
    if flat:
        want = want.reshape(want.shape[0], -1)
    if tuple(got.shape) == tuple(want.shape) and (
        value_mismatch(got, want, atol=1e-5) is None
        or (flat and _same_rows_reordered(got, want))  # the flatten's order is step 33's
    ):
        _check(True, label, "")
        return
    what = {
        31: t("conv1 → ReLU → 2×2 max pooling", "conv1 → ReLU → 2×2 最大池化"),
        32: t("conv2 → ReLU → 2×2 max pooling", "conv2 → ReLU → 2×2 最大池化"),
        34: t("fc1 → ReLU", "fc1 → ReLU"),
        35: t("fc2 → ReLU", "fc2 → ReLU"),
    }[step]
    layer = _STEPS[step][0]
    if held is not None and tuple(after.shape) == tuple(held.shape) and torch.equal(after, held):
        _fail(label, _discarded(step, layer))
    same_shape = tuple(got.shape) == tuple(want.shape)
    if same_shape:
        for used, fn in _ACTIVATIONS:
            other = fn(before)
            other = F.max_pool2d(other, 2) if pooled else other
            other = other.reshape(want.shape)
            if value_mismatch(got, other, atol=1e-5) is None:
                _fail(label, mistake("forward-wrong-activation", step=step, layer=layer, used=used))
        if pooled:
            averaged = F.avg_pool2d(F.relu(before), 2).reshape(want.shape)
            if value_mismatch(got, averaged, atol=1e-5) is None:
                detail = t(
                    "it takes the average of each 2×2 window (F.avg_pool2d); the article's "
                    "pooling keeps the largest value: F.max_pool2d(..., 2).",
                    "它取的是每个 2×2 窗口的平均值（F.avg_pool2d）；原文的池化保留最大值："
                    "F.max_pool2d(..., 2)。",
                )
                what = t("the pooling", "池化")
                _fail(label, mistake("forward-step-differs", step=step, what=what, detail=detail))
        plain = (F.max_pool2d(before, 2) if pooled else before).reshape(want.shape)
        if bool((got < 0).any()) and value_mismatch(got, plain, atol=1e-5) is None:
            _fail(label, mistake("forward-missing-relu", step=step, layer=layer))
    if (
        pooled
        and got.numel() == before.numel()
        and torch.allclose(got.reshape(-1), F.relu(before).reshape(-1), atol=1e-5)
    ):
        _fail(
            label,
            mistake(
                "forward-missing-pool",
                step=step,
                layer=layer,
                got=shape_str(got.shape),
                want=shape_str(want.shape),
            ),
        )
    if not same_shape:
        detail = t(
            f"the result has shape {shape_str(got.shape)} where {shape_str(want.shape)} is expected.",
            f"结果的形状是 {shape_str(got.shape)}，期望 {shape_str(want.shape)}。",
        )
    else:
        mismatch = value_mismatch(got, want, atol=1e-5)
        detail = t("the values differ: ", "数值不同：") + (mismatch.describe() if mismatch else "")
    _fail(label, mistake("forward-step-differs", step=step, what=what, detail=detail))


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
