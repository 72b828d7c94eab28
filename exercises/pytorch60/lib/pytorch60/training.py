"""Checks on a training loop: watch it run, then say which step is missing.

``watch(net, criterion, optimizer)`` is installed by an exercise's hidden
``instrument`` code before the learner's loop runs. It records, for every
iteration, whether the gradients were reset before ``backward()``, what was
passed to the loss, and whether ``step()`` ran, without changing what the
loop computes. It can also end the loop early (``stop_after``) once enough is
seen, which keeps checks of the early steps fast.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from checkers import _core
from checkers._core import CheckFailed, t
from checkers._mistakes import mistake


class StopTraining(_core.StopRun):
    """Ends the learner's loop once the check has seen enough (not caught by
    ``except Exception``); the worker treats it as the code finishing."""


@dataclass
class Iteration:
    """What one pass of the loop did, in order."""

    events: list[str] = field(default_factory=list)
    loss: float | None = None
    clean: bool | None = None
    """Whether the gradients were empty (None or zero) when backward() added to them."""


@dataclass
class Watch:
    iterations: list[Iteration] = field(default_factory=list)
    stop_after: int | None = None

    @property
    def current(self) -> Iteration:
        if not self.iterations:
            self.iterations.append(Iteration())
        return self.iterations[-1]

    def losses(self) -> list[float]:
        return [it.loss for it in self.iterations if it.loss is not None]


_watch: Watch | None = None
FACT = "training"
"""The fact the watched loop travels to the judge as."""


def current() -> Watch:
    if _watch is None:
        # In the judge: the loop the learner's process watched, sent as a fact.
        recorded = _core._state.records.get(FACT)
        if isinstance(recorded, dict):
            return restore(recorded)
        raise RuntimeError("pytorch60.training.watch() was not installed by the exercise")
    return _watch


def export() -> dict[str, Any] | None:
    """The watched loop as plain data, for the judge (None when nothing was watched)."""
    if _watch is None:
        return None
    return {
        "stop_after": _watch.stop_after,
        "iterations": [
            {"events": list(it.events), "loss": it.loss, "clean": it.clean}
            for it in _watch.iterations
        ],
    }


def restore(data: dict[str, Any]) -> Watch:
    """In the judge: the loop the learner's process watched, rebuilt from ``export``."""
    global _watch

    def iteration(raw: Any) -> Iteration:
        raw = raw if isinstance(raw, dict) else {}
        events = raw.get("events")
        loss, clean = raw.get("loss"), raw.get("clean")
        return Iteration(
            events=[str(e) for e in events] if isinstance(events, list) else [],
            loss=float(loss) if isinstance(loss, int | float) else None,
            clean=clean if isinstance(clean, bool) else None,
        )

    raw = data.get("iterations")
    stop = data.get("stop_after")
    _watch = Watch(
        iterations=[iteration(it) for it in raw] if isinstance(raw, list) else [],
        stop_after=stop if isinstance(stop, int) else None,
    )
    return _watch


def watch(
    net: nn.Module,
    criterion: nn.Module,
    optimizer: torch.optim.Optimizer,
    *,
    stop_after: int | None = None,
    total: int | None = None,
) -> Watch:
    """Record the training loop that will run next; see the module docstring.

    With ``total`` (the iterations a full run makes), the app is told how far
    the loop is and what the loss is, every 25 iterations.
    """
    global _watch
    w = Watch(stop_after=stop_after)
    _watch = w
    _core.on_collect(lambda: {FACT: export()})

    def on_loss_input(module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        # A new iteration starts at each loss computation.
        previous = w.iterations[-1] if w.iterations else None
        if previous is not None and "loss" in previous.events:
            _judge_previous(w, previous)
            if w.stop_after is not None and len(w.iterations) >= w.stop_after:
                raise StopTraining
            w.iterations.append(Iteration())
        it = w.current
        it.events.append("loss")
        given = [*args, *(kwargs[k] for k in ("input", "target") if k in kwargs)]
        if len(given) >= 2:
            first, second = given[0], given[1]
            if (
                isinstance(first, torch.Tensor)
                and isinstance(second, torch.Tensor)
                and not first.is_floating_point()
                and second.is_floating_point()
            ):
                raise CheckFailed(
                    t(
                        "criterion2 got (labels, outputs): the arguments are the wrong way "
                        "round. A loss takes the network's outputs first and the true labels "
                        "second: criterion2(outputs, labels).",
                        "criterion2 收到的是 (labels, outputs)：参数顺序反了。损失函数先接收网络的"
                        "输出，再接收真实标签：criterion2(outputs, labels)。",
                    )
                )

    def on_loss_output(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        if isinstance(output, torch.Tensor) and output.numel() == 1:
            w.current.loss = float(output.detach())
            done = len(w.iterations)
            if total and done % 25 == 0:
                recent = w.losses()[-25:]
                _core.progress(
                    done / total,
                    t(f"training: {done}/{total} mini-batches", f"训练中：{done}/{total} 个小批次"),
                    loss=sum(recent) / len(recent),
                )

    params = [p for p in net.parameters() if p.requires_grad]
    probe = params[-1] if params else None

    def on_grad(grad: torch.Tensor) -> None:
        # Runs before the new gradient is added to probe.grad: what is there now is
        # what zero_grad() (or its absence) left behind.
        it = w.current
        if "backward" in it.events:
            return
        it.events.append("backward")
        old = probe.grad if probe is not None else None
        it.clean = old is None or not bool(old.detach().abs().sum())

    criterion.register_forward_pre_hook(on_loss_input, with_kwargs=True)
    criterion.register_forward_hook(on_loss_output)
    if probe is not None:
        probe.register_hook(on_grad)  # type: ignore[no-untyped-call]

    def wrap(obj: Any, name: str, event: str) -> None:
        original: Callable[..., Any] = getattr(obj, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            w.current.events.append(event)
            return original(*args, **kwargs)

        setattr(obj, name, wrapped)

    wrap(optimizer, "step", "step")
    return w


def _judge_previous(w: Watch, it: Iteration) -> None:
    """Stop the loop at the first iteration that shows a defect."""
    n = len(w.iterations)
    if "backward" not in it.events:
        raise CheckFailed(missing_backward())
    if n >= 2 and it.clean is False:
        raise CheckFailed(missing_zero_grad())
    if "step" not in it.events:
        raise CheckFailed(missing_step())
    if it.events.index("step") < it.events.index("backward"):
        raise CheckFailed(
            t(
                "optimizer2.step() runs before loss.backward(): each step then uses the "
                "previous batch's gradients. Compute the gradients first, then step.",
                "optimizer2.step() 在 loss.backward() 之前执行：每次更新用的是上一批数据的梯度。"
                "先计算梯度，再更新。",
            )
        )


def expect_ran(w: Watch) -> None:
    """Fail, naming the real cause, when the learner's loop never reached the loss."""
    _core.expect(
        any("loss" in it.events for it in w.iterations),
        mistake("training-never-ran"),
        name=t("the training loop runs", "训练循环运行了"),
    )


def missing_zero_grad() -> str:
    return t(
        "The gradients are never reset: backward() adds to whatever is in .grad, so each "
        "step uses the sum of all earlier batches' gradients. Call optimizer2.zero_grad() "
        "at the start of every iteration (task 51).",
        "梯度从未清零：backward() 会把新梯度累加到 .grad 上，于是每一步用的是之前所有批次梯度之和。"
        "请在每次迭代开始时调用 optimizer2.zero_grad()（第 51 题）。",
    )


def missing_backward() -> str:
    return t(
        "loss.backward() is never called, so no gradients are computed and step() has "
        "nothing to apply (task 54).",
        "从未调用 loss.backward()，所以没有计算梯度，step() 也就无从更新（第 54 题）。",
    )


def missing_step() -> str:
    return t(
        "optimizer2.step() is never called, so the weights never change and the network "
        "does not learn (task 55).",
        "从未调用 optimizer2.step()，权重始终不变，网络学不到任何东西（第 55 题）。",
    )


def loss_fell(w: Watch, window: int = 100) -> tuple[bool, float, float]:
    """Whether the mean loss of the last ``window`` iterations is below the first's."""
    losses = w.losses()
    if len(losses) < 2 * window:
        window = max(1, len(losses) // 4)
    first = sum(losses[:window]) / window
    last = sum(losses[-window:]) / window
    return last < first * 0.9, first, last


# -- the reference model for the tasks after training ------------------------------------

REFERENCE_SEED = 0
CACHE_VERSION = "1"


def train_reference(
    net: nn.Module, trainloader: Any, device: str | torch.device = "cpu", epochs: int = 2
) -> nn.Module:
    """The tutorial's loop (tasks 51-55), as the reference solution writes it."""
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    total = epochs * len(trainloader)
    done = 0
    for _ in range(epochs):
        for inputs, labels in trainloader:
            optimizer.zero_grad()
            loss = criterion(net(inputs.to(device)), labels.to(device))
            loss.backward()
            optimizer.step()
            done += 1
            if done % 50 == 0:
                _core.progress(done / total, t("training the reference network", "训练参考网络"),
                               loss=float(loss))  # fmt: skip
    return net


def trained_state(net_class: type[nn.Module], trainloader: Any) -> dict[str, torch.Tensor]:
    """Weights of ``net_class`` after the reference training, cached on disk.

    Tasks 56-60 start from a trained ``net2``; training it takes seconds, so it
    is done once per dataset and kept in quiz-tui's cache folder.
    """
    from pytorch60 import data

    key = hashlib.sha256(
        f"{CACHE_VERSION}|{data.is_practice()}|{data.data_root()}|{torch.__version__}".encode()
    ).hexdigest()[:16]
    cache_dir = Path(_core._state.cache_dir or data.data_root())
    path = cache_dir / f"net2-trained-{key}.pt"
    digest = path.with_name(path.name + ".sha256")
    if path.is_file():
        try:
            blob = path.read_bytes()
            if hashlib.sha256(blob).hexdigest() != digest.read_text().strip():
                raise ValueError("the cached net does not match its recorded checksum")
            state: dict[str, torch.Tensor] = torch.load(
                io.BytesIO(blob), map_location="cpu", weights_only=True
            )
            net_class().load_state_dict(state)
            return state
        except (RuntimeError, OSError, ValueError, KeyError):
            pass  # stale, broken or tampered with: train again
    rng = torch.get_rng_state()
    torch.manual_seed(REFERENCE_SEED)
    net = net_class()
    train_reference(net, trainloader)
    torch.set_rng_state(rng)
    state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
    if not _core._state.trusted:
        return state  # the learner's box cannot write the cache; the judge keeps it
    cache_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    for target, content in ((digest, hashlib.sha256(buffer.getvalue()).hexdigest().encode()),
                            (path, buffer.getvalue())):  # fmt: skip
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(content)
        tmp.replace(target)
    return state
