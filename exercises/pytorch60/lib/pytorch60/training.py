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
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.optim.optimizer import (
    register_optimizer_step_pre_hook,
)

from checkers import _core
from checkers._core import CheckFailed, t
from checkers._format import shape_str
from checkers._mistakes import mistake


class StopTraining(_core.StopRun):
    """Ends the learner's loop once the check has seen enough (not caught by
    ``except Exception``); the worker treats it as the code finishing."""


DETAIL = 3
"""Iterations recorded in full (batch, weights, loss input, gradients, update) for the
judge's replay; later iterations keep only their events and loss."""


@dataclass
class Iteration:
    """What one pass of the loop did, in order."""

    events: list[str] = field(default_factory=list)
    """``forward`` (of net2), ``loss``, ``backward``, ``zero_grad``, ``step`` (optimizer2),
    ``other_step`` (another optimizer), in the order they happened."""
    loss: float | None = None
    clean: bool | None = None
    """Whether the gradients were empty (None or zero) when backward() added to them."""
    reached: bool = False
    """Whether a backward() put a gradient into net2's weights."""
    detail: dict[str, Any] = field(default_factory=dict)
    """For the first ``DETAIL`` iterations: tensors the judge replays (see ``diagnose``)."""

    def count(self, event: str) -> int:
        return self.events.count(event)


@dataclass
class Watch:
    iterations: list[Iteration] = field(default_factory=list)
    stop_after: int | None = None
    other_optimizers: list[dict[str, float]] = field(default_factory=list)
    """lr and momentum of optimisers other than optimizer2 that stepped net2's weights."""
    expected: dict[str, float] = field(default_factory=dict)
    """optimizer2's lr and momentum, to compare another optimiser's with."""
    before_loop: list[str] = field(default_factory=list)
    """Events before the loop's first mini-batch (a zero_grad() called once, up front)."""
    swapped: bool = False
    """A loss was given (labels, outputs): the loop was stopped there."""

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
        "other_optimizers": list(_watch.other_optimizers),
        "swapped": _watch.swapped,
        "before_loop": list(_watch.before_loop),
        "expected": dict(_watch.expected),
        "iterations": [
            {
                "events": list(it.events),
                "loss": it.loss,
                "clean": it.clean,
                "reached": it.reached,
                "detail": dict(it.detail),
            }
            for it in _watch.iterations
        ],
    }


def restore(data: dict[str, Any]) -> Watch:
    """In the judge: the loop the learner's process watched, rebuilt from ``export``."""
    global _watch

    def iteration(raw: Any) -> Iteration:
        raw = raw if isinstance(raw, dict) else {}
        events = raw.get("events")
        loss, clean, detail = raw.get("loss"), raw.get("clean"), raw.get("detail")
        return Iteration(
            events=[str(e) for e in events] if isinstance(events, list) else [],
            loss=float(loss) if isinstance(loss, int | float) else None,
            clean=clean if isinstance(clean, bool) else None,
            reached=raw.get("reached") is True,
            detail={str(k): v for k, v in detail.items()} if isinstance(detail, dict) else {},
        )

    raw = data.get("iterations")
    stop = data.get("stop_after")
    others = data.get("other_optimizers")
    _watch = Watch(
        iterations=[iteration(it) for it in raw] if isinstance(raw, list) else [],
        stop_after=stop if isinstance(stop, int) else None,
        swapped=data.get("swapped") is True,
        before_loop=[str(e) for e in data.get("before_loop") or [] if isinstance(e, str)][:100],
        expected={
            str(k): float(v)
            for k, v in (data.get("expected") or {}).items()
            if isinstance(v, int | float)
        }
        if isinstance(data.get("expected"), dict)
        else {},
        other_optimizers=[o for o in others if isinstance(o, dict)]
        if isinstance(others, list)
        else [],
    )
    return _watch


def _snapshot(params: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    return [p.detach().to("cpu", copy=True) for p in params]


def watch(
    net: nn.Module,
    criterion: nn.Module,
    optimizer: torch.optim.Optimizer,
    loader: Any,
    *,
    stop_after: int | None = None,
    total: int | None = None,
) -> Watch:
    """Record the training loop that will run next; see the module docstring.

    Each mini-batch ``loader`` hands out starts an iteration. Within it the hooks
    record, in order: net2's forward, every cross-entropy or NLL loss
    (``F.cross_entropy`` is what ``criterion2`` calls too), every ``backward()``
    (``torch.autograd.backward``), ``zero_grad`` of net2 and optimizer2, and every
    optimiser's ``step`` (torch's global step hooks). So the judge sees what ran
    even when the learner used other objects or called ``net2.forward``. None of
    the hooks changes what the loop computes.

    With ``total`` (the iterations a full run makes), the app is told how far
    the loop is and what the loss is, every 25 iterations.
    """
    global _watch
    group = optimizer.param_groups[0] if optimizer.param_groups else {}
    w = Watch(
        stop_after=stop_after,
        expected={"lr": float(group.get("lr", 0.0)), "momentum": float(group.get("momentum", 0))},
    )
    _watch = w
    _core.on_collect(lambda: {FACT: export()})
    params = [p for p in net.parameters() if p.requires_grad]
    probe = params[-1] if params else None

    def detailed(it: Iteration) -> bool:
        return len(w.iterations) <= DETAIL and it is w.iterations[-1]

    def on_batch(batch: Any) -> None:
        previous = w.iterations[-1] if w.iterations else None
        if previous is not None:
            _early_stop(w, previous)
            if w.stop_after is not None and len(w.iterations) >= w.stop_after:
                raise StopTraining
        it = Iteration()
        w.iterations.append(it)
        if detailed(it) and isinstance(batch, list | tuple) and len(batch) >= 2:
            inputs, labels = batch[0], batch[1]
            if isinstance(inputs, torch.Tensor) and isinstance(labels, torch.Tensor):
                it.detail["inputs"] = inputs.detach().to("cpu", copy=True)
                it.detail["labels"] = labels.detach().to("cpu", copy=True)
                it.detail["weights"] = _snapshot(params)
        done = len(w.iterations) - 1
        if total and done and done % 25 == 0:
            recent = w.losses()[-25:]
            if recent:
                _core.progress(
                    done / total,
                    t(f"training: {done}/{total} mini-batches", f"训练中：{done}/{total} 个小批次"),
                    loss=sum(recent) / len(recent),
                )

    base = type(loader)

    class Recording(base):  # type: ignore[valid-type,misc]
        """The loader, telling the watch when each mini-batch is handed out."""

        def __iter__(self) -> Any:
            for batch in base.__iter__(self):
                on_batch(batch)
                yield batch

    Recording.__name__ = Recording.__qualname__ = base.__name__
    loader.__class__ = Recording

    def event(name: str) -> Iteration | None:
        if not w.iterations:
            if len(w.before_loop) < 100:
                w.before_loop.append(name)
            return None  # before the loop's first mini-batch
        it = w.iterations[-1]
        it.events.append(name)
        return it

    def on_forward(module: nn.Module, args: tuple[Any, ...]) -> None:
        if torch.is_grad_enabled():  # not an evaluation pass
            event("forward")

    def loss_wrapper(name: str) -> Callable[..., Any]:
        original: Callable[..., Any] = getattr(torch.nn.functional, name)

        def wrapped(input: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
            if (
                isinstance(input, torch.Tensor)
                and isinstance(target, torch.Tensor)
                and not input.is_floating_point()
                and target.is_floating_point()
            ):
                # torch's own error would not say what is wrong
                raise CheckFailed(mistake("training-loss-arguments-swapped"))
            result = original(input, target, *args, **kwargs)
            it = event("loss")
            first = it is not None and detailed(it) and "loss_input" not in it.detail
            if first and isinstance(input, torch.Tensor) and isinstance(target, torch.Tensor):
                assert it is not None
                it.detail["loss_fn"] = name
                it.detail["loss_input"] = input.detach().to("cpu", copy=True)
                it.detail["loss_target"] = target.detach().to("cpu", copy=True)
            return result

        return wrapped

    for name in ("cross_entropy", "nll_loss"):
        setattr(torch.nn.functional, name, loss_wrapper(name))

    original_backward = torch.autograd.backward

    def backward(tensors: Any, *args: Any, **kwargs: Any) -> Any:
        it = event("backward")
        loss = tensors if isinstance(tensors, torch.Tensor) else None
        if it is not None and loss is not None and loss.numel() == 1 and it.loss is None:
            it.loss = float(loss.detach())
        first = it is not None and detailed(it) and "backward_loss" not in it.detail
        if first and it is not None and loss is not None:
            it.detail["backward_loss"] = loss.detach().to("cpu", copy=True)
        done = original_backward(tensors, *args, **kwargs)
        if first and it is not None:
            it.detail["backward_grads"] = _grads(params)
        return done

    torch.autograd.backward = backward

    def on_grad(grad: torch.Tensor) -> None:
        # Runs before the new gradient is added to probe.grad: what is there now is
        # what zero_grad() (or its absence) left behind.
        if not w.iterations or w.iterations[-1].reached:
            return
        it = w.iterations[-1]
        it.reached = True
        old = probe.grad if probe is not None else None
        it.clean = old is None or not bool(old.detach().abs().sum())

    if probe is not None:
        probe.register_hook(on_grad)  # type: ignore[no-untyped-call]
    net.register_forward_pre_hook(on_forward)

    mine = {id(p) for p in params}

    def before_step(opt: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        if not any(id(p) in mine for g in opt.param_groups for p in g["params"]):
            return
        it = event("step" if opt is optimizer else "other_step")
        if opt is not optimizer:
            group = opt.param_groups[0]
            found = {"lr": float(group.get("lr", 0.0)), "momentum": float(group.get("momentum", 0))}
            if found not in w.other_optimizers:
                w.other_optimizers.append(found)
        if it is not None and detailed(it) and "step_grads" not in it.detail:
            it.detail["step_grads"] = _grads(params)

    register_optimizer_step_pre_hook(before_step)

    def wrap_zero_grad(obj: Any) -> None:
        # Through a subclass, as for the loader: an instance attribute would look like
        # the learner's own assignment over the method (the catalogue's method-replaced).
        cls = type(obj)

        def zero_grad(self: Any, *args: Any, **kwargs: Any) -> Any:
            event("zero_grad")
            return cls.zero_grad(self, *args, **kwargs)

        watched = type(cls.__name__, (cls,), {"zero_grad": zero_grad})
        watched.__qualname__ = cls.__qualname__
        watched.__module__ = cls.__module__
        obj.__class__ = watched

    wrap_zero_grad(optimizer)
    wrap_zero_grad(net)
    return w


def _grads(params: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Each parameter's gradient now (an empty tensor where there is none)."""
    return [
        p.grad.detach().to("cpu", copy=True) if p.grad is not None else torch.zeros(0)
        for p in params
    ]


def _early_stop(w: Watch, it: Iteration) -> None:
    """In the learner's process: stop a long loop at an iteration that shows a defect.

    Only ends the run early (the judge's ``diagnose`` names the defect from the
    record); a check of the full run then need not wait for the whole training.
    """
    n = len(w.iterations)
    broken = (
        "backward" not in it.events
        or (n >= 2 and it.clean is False)
        or ("step" not in it.events and "other_step" not in it.events)
        or it.count("backward") > 1
    )
    if broken and n >= 2:
        raise StopTraining


# -- the judge's diagnosis -----------------------------------------------------------------


def expect_ran(w: Watch) -> None:
    """Fail, naming the real cause, when the learner's loop never reached the loss."""
    _core.expect(
        any(("loss" in it.events or "backward" in it.events) for it in w.iterations),
        mistake("training-never-ran"),
        name=t("the training loop runs", "训练循环运行了"),
    )


def expect_sound(w: Watch, reference: nn.Module) -> None:
    """Fail with the first place where the learner's loop departs from the reference's.

    ``reference`` is a network of net2's class (the judge's own); each recorded
    iteration is replayed on it from the learner's weights and batch.
    """
    expect_ran(w)
    found = diagnose(w, reference)
    _core.expect(
        found is None,
        found if found is not None else "",
        name=t("each iteration matches the reference loop", "每次迭代都与参考循环一致"),
    )


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    if a.shape != b.shape:
        return False
    scale = float(b.abs().max()) if b.numel() else 0.0
    return bool(torch.allclose(a.float(), b.float(), rtol=1e-3, atol=1e-5 + 1e-4 * scale))


def _ratio(got: list[torch.Tensor], want: list[torch.Tensor]) -> float | None:
    """k when ``got`` is k × ``want`` throughout (k need not be whole), else None."""
    g = torch.cat([x.flatten().float() for x in got]) if got else torch.zeros(0)
    r = torch.cat([x.flatten().float() for x in want]) if want else torch.zeros(0)
    if g.shape != r.shape or not r.numel() or float(r.norm()) == 0.0:
        return None
    k = float(g @ r) / float(r @ r)
    return k if _close(g, k * r) else None


def diagnose(w: Watch, reference: nn.Module) -> Any:
    """The first divergence from the reference loop, as a catalogue ``Mistake``, or None.

    First what ran, from the events of every iteration (a call is only said to be
    missing when the record shows it was not made); then the numbers, from the
    first ``DETAIL`` iterations replayed on ``reference`` from the learner's own
    weights and mini-batch: what went into the loss, the loss, the gradients
    backward() computed, and the gradients step() applied.
    """
    found = _diagnose_events(w)
    uncalled = {
        "training-backward-missing": "backward",
        "training-grads-not-cleared": "zero_grad",
        "training-step-missing": "step",
    }.get(getattr(found, "id", ""))
    if uncalled:
        from checkers import code

        named = code.named_not_called(uncalled)
        if named:
            expr, line = named[0]
            return mistake("call-missing-parentheses", expr=expr, line=line)
        if uncalled == "step" and _weights_moved(w):
            return mistake("training-manual-update")
    if found is not None:
        return found
    for it in w.iterations[:DETAIL]:
        found = _replay(it, reference)
        if found is not None:
            return found
    return None


def _weights_moved(w: Watch) -> bool:
    """Whether net2's weights changed between the first two recorded iterations."""
    if len(w.iterations) < 2:
        return False
    a = _tensors(w.iterations[0].detail.get("weights"))
    b = _tensors(w.iterations[1].detail.get("weights"))
    if a is None or b is None or len(a) != len(b):
        return False
    return any(x.shape == y.shape and not torch.equal(x, y) for x, y in zip(a, b, strict=True))


def _diagnose_events(w: Watch) -> Any:
    """The first departure that the events of the iterations show (what ran, in what order)."""
    if w.swapped:
        return mistake("training-loss-arguments-swapped")
    forwards = any("forward" in it.events for it in w.iterations)
    for n, it in enumerate(w.iterations):
        if "backward" not in it.events:
            return mistake("training-backward-missing")
        if it.count("backward") > 1:
            return mistake("training-backward-twice", times=it.count("backward"))
        if not it.reached:
            # Evidence for "another network": net2's forward never ran at all.
            return mistake("training-no-gradient" if forwards else "training-outputs-not-from-net2")
        steps = [i for i, e in enumerate(it.events) if e in ("step", "other_step")]
        if steps:
            backward_at = it.events.index("backward")
            if steps[0] < backward_at:
                return mistake("training-step-before-backward")
            if "zero_grad" in it.events[backward_at : steps[0]]:
                return mistake("training-zero-grad-after-backward")
        if n >= 1 and it.clean is False:
            called = "zero_grad" in w.before_loop or any(
                "zero_grad" in x.events for x in w.iterations
            )
            return mistake(
                "training-zero-grad-misplaced" if called else "training-grads-not-cleared"
            )
        if not steps:
            return mistake("training-step-missing")
        if len(steps) > 1:
            return mistake("training-step-twice", times=len(steps))
    for other in w.other_optimizers:
        if w.expected and other != w.expected:
            return mistake(
                "training-other-optimizer",
                lr=f"{other['lr']:g}",
                momentum=f"{other['momentum']:g}",
                want_lr=f"{w.expected['lr']:g}",
                want_momentum=f"{w.expected['momentum']:g}",
            )
    return None


def _tensors(value: Any) -> list[torch.Tensor] | None:
    if isinstance(value, list) and all(isinstance(x, torch.Tensor) for x in value):
        return value
    return None


def _replay(it: Iteration, reference: nn.Module) -> Any:
    """Replay one recorded iteration on ``reference``; the first quantity that differs."""
    d = it.detail
    weights, inputs, labels = _tensors(d.get("weights")), d.get("inputs"), d.get("labels")
    if weights is None or not isinstance(inputs, torch.Tensor):
        return None
    if not isinstance(labels, torch.Tensor):
        return None
    params = [p for p in reference.parameters() if p.requires_grad]
    if len(params) != len(weights) or any(
        p.shape != x.shape for p, x in zip(params, weights, strict=True)
    ):
        return None
    with torch.no_grad():
        for p, x in zip(params, weights, strict=True):
            p.copy_(x)
    reference.zero_grad(set_to_none=True)
    outputs = reference(inputs.float())
    plain = outputs.detach()
    loss_input = d.get("loss_input")
    given = isinstance(loss_input, torch.Tensor) and loss_input.shape == plain.shape
    if given and isinstance(loss_input, torch.Tensor) and not _close(loss_input, plain):
        if _close(loss_input, torch.softmax(plain, dim=1)):
            return mistake("training-softmax-before-loss", fn=_fn_name(d))
        if not _close(loss_input, torch.log_softmax(plain, dim=1)):
            return mistake("training-loss-input-not-outputs")
    want = torch.nn.functional.cross_entropy(outputs, labels.long())
    got = d.get("backward_loss")
    if isinstance(got, torch.Tensor) and got.numel() != 1:
        return mistake("training-backward-not-on-loss", shape=shape_str(got.shape))
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        g, r = float(got), float(want)
        if not math.isclose(g, r, rel_tol=1e-4, abs_tol=1e-6):
            k = g / r if r else 0.0
            if round(k) >= 2 and abs(k - round(k)) < 1e-3:
                return mistake("training-loss-scaled", k=f"{round(k)}")
            return mistake("training-loss-differs", got=f"{g:.4f}", want=f"{r:.4f}")
    want.backward()  # type: ignore[no-untyped-call]
    expected = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    computed = _tensors(d.get("backward_grads"))
    applied = _tensors(d.get("step_grads"))
    both = computed is not None and applied is not None and len(computed) == len(applied)
    if both and not all(_close(a, c) for a, c in zip(applied, computed, strict=True)):  # type: ignore[arg-type]
        return mistake("training-grads-differ")
    if computed is not None and len(computed) == len(expected):
        full = [
            c if c.numel() else torch.zeros_like(e) for c, e in zip(computed, expected, strict=True)
        ]
        if not all(_close(c, e.detach()) for c, e in zip(full, expected, strict=True)):
            return t(
                "The gradients loss.backward() computed differ from those of criterion2(outputs, "
                "labels) for this batch, although the two losses have the same value: the loss "
                "is computed another way. Use criterion2 on outputs and labels (task 53).",
                "loss.backward() 算出的梯度与这批数据的 criterion2(outputs, labels) 的梯度不同，"
                "尽管两个损失的值相同：损失的计算方式不同。请对 outputs 和 labels 使用 criterion2（第 53 题）。",
            )
    return None


def _fn_name(d: dict[str, Any]) -> str:
    return "F.nll_loss" if d.get("loss_fn") == "nll_loss" else "criterion2"


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
