"""Checks on what the learner's code printed.

Numbers are matched by value, not by their text: ``print(x)``, ``print(x.numpy())``,
``print(x.tolist())`` and ``print(f"{v:.4f}")`` all count. A printed number
matches a value when it is that value rounded (or truncated, as ``%d`` and
``int()`` do) to the precision it was printed with, so ``0.1235``, ``0.12`` and
``1.2346e-01`` all show 0.12346; how coarse a print may be is ``resolution``.

Strings are matched as text; a string of plain words also word by word, whatever
the spacing, quotes and commas between them: ``"cat ship"`` was printed by
``print("  cat  ship")`` and by ``print(['cat', 'ship'])``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from checkers._core import _check, expect, printed, say, suffix
from checkers._format import brief

_TOKEN = re.compile(
    r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])|(?<![\w.])[-+]?(?:nan|inf)\b|\b(?:True|False)\b"
)
_WORD = re.compile(r"\w+")
_METHOD_REPR = re.compile(r"<(?:built-in method (\w+)|bound method [\w.]*?(\w+)) of ")
"""How ``print(x.size)`` shows the method it was given instead of its result."""


@dataclass(frozen=True)
class Printed:
    """One number in the output, and the step of the precision it was printed with."""

    value: float
    step: float
    """``0.01`` for ``0.12``, ``1`` for ``55``, ``1e-6`` for ``1.2346e-02``; 0 for nan, inf, True."""


def _step(token: str) -> float:
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def printed_tokens(text: str) -> list[Printed]:
    """Every number in ``text`` in order, with its printed precision."""
    out: list[Printed] = []
    for token in _TOKEN.findall(text):
        if token == "True":
            out.append(Printed(1.0, 0.0))
        elif token == "False":
            out.append(Printed(0.0, 0.0))
        elif token.lstrip("+-") in ("nan", "inf"):
            out.append(Printed(float(token), 0.0))
        else:
            out.append(Printed(float(token), _step(token)))
    return out


def printed_numbers(text: str) -> list[float]:
    """Every number in ``text`` in order; True/False count as 1/0."""
    return [p.value for p in printed_tokens(text)]


def _numbers(value: Any) -> tuple[list[float], bool] | None:
    """The numbers ``value`` prints as, and whether they are whole numbers (matched exactly)."""
    if isinstance(value, torch.Tensor):
        flat = value.detach().cpu().reshape(-1)
        exact = not (flat.is_floating_point() or flat.is_complex())
        return [float(v) for v in flat.tolist()], exact
    if isinstance(value, np.ndarray):
        return [float(v) for v in value.reshape(-1).tolist()], value.dtype.kind in "biu"
    if isinstance(value, torch.Size):
        return [float(v) for v in value], True
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return [float(value)], value.dtype.kind in "biu"
    if isinstance(value, bool | int | float):
        return [float(value)], not isinstance(value, float)
    if isinstance(value, list | tuple) and all(isinstance(v, int | float) for v in value):
        return [float(v) for v in value], all(not isinstance(v, float) for v in value)
    return None


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    # torch prints 4 decimals, or 4 in the mantissa in scientific notation.
    return abs(a - b) <= 1.01e-4 * max(1.0, abs(b)) + 1e-12


def default_resolution(value: float) -> float:
    """The coarsest printed step that still shows ``value``: 2 decimals, or 3 digits of a big one."""
    return 0.01 * max(1.0, abs(value))


def shows(
    token: Printed, value: float, *, exact: bool = False, resolution: float | None = None
) -> bool:
    """Whether the printed ``token`` shows ``value``.

    Whole numbers (``exact``) must be printed exactly. Others match within torch's print
    precision, or when the token is ``value`` rounded or truncated to the precision it was
    printed with, provided that precision is no coarser than ``resolution``.
    """
    p = token.value
    if exact:
        return p == value
    if _close(p, value):
        return True
    if token.step == 0.0 or not math.isfinite(value):
        return False
    coarsest = default_resolution(value) if resolution is None else resolution
    if token.step > coarsest * (1 + 1e-9):
        return False
    slack = token.step * 1e-9
    rounded = abs(p - value) <= token.step / 2 + slack
    # Truncation towards zero (%d, int(), a format that cuts digits): p is value cut short.
    truncated = p * value >= 0 and abs(p) <= abs(value) + slack and abs(value) - abs(p) < token.step
    return rounded or truncated


def contains_sequence(haystack: list[float], needle: list[float]) -> bool:
    """True when ``needle`` appears as a contiguous run in ``haystack`` (at torch's precision)."""
    n = len(needle)
    if n == 0:
        return True
    for start in range(len(haystack) - n + 1):
        if all(_close(haystack[start + i], needle[i]) for i in range(n)):
            return True
    return False


def _contains_run(
    haystack: list[Printed], needle: list[float], *, exact: bool, resolution: float | None
) -> bool:
    n = len(needle)
    if n == 0:
        return True
    for start in range(len(haystack) - n + 1):
        if all(
            shows(haystack[start + i], needle[i], exact=exact, resolution=resolution)
            for i in range(n)
        ):
            return True
    return False


def words(text: str) -> list[str]:
    """The words of ``text``, without the spaces, quotes, commas and brackets around them."""
    return _WORD.findall(text)


def _contains_words(text: str, needle: str) -> bool:
    want = needle.split()
    if not want or words(needle) != want:
        return False  # only plain words are matched loosely; "torch.Size([6])" must be exact
    have = words(text)
    n = len(want)
    return any(have[i : i + n] == want for i in range(len(have) - n + 1))


def was_printed(value: Any, text: str | None = None, *, resolution: float | None = None) -> bool:
    """Whether ``value`` (a tensor, array, number, size or string) appears in the output.

    ``resolution`` is the coarsest printed precision accepted for a non-whole number
    (default: 0.01, or 1% of a number bigger than 1): 1 accepts ``55`` for 55.2.
    """
    text = printed() if text is None else text
    if isinstance(value, str):
        return value in text or _contains_words(text, value)
    numbers = _numbers(value)
    if numbers is None:
        return str(value) in text
    values, exact = numbers
    return _contains_run(printed_tokens(text), values, exact=exact, resolution=resolution)


_CONTAINER = re.compile(r"\b(?:tensor|array)\(|\[")


def without_containers(text: str) -> str:
    """``text`` without the tensors, arrays and lists it shows (``tensor(...)``, ``[...]``).

    For telling a plain number apart from the tensor that holds it: after
    ``print(x)``, ``tensor([0.3000])`` shows x, not ``x.item()``.
    """
    out: list[str] = []
    pos = 0
    while (found := _CONTAINER.search(text, pos)) is not None:
        out.append(text[pos : found.start()])
        depth, i = 1, found.end()
        while i < len(text) and depth:
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text[i], 0)
            i += 1
        pos = i
    out.append(text[pos:])
    return " ".join(out)


def expect_printed(
    value: Any, *, what: str = "the result", why: str = "", resolution: float | None = None
) -> None:
    """Check that the learner printed ``value`` (described to them as ``what``)."""
    output = printed()
    if not output.strip():
        message = say("check.nothing-printed", what=what)
    else:
        shown = f"{value!r}" if isinstance(value, str) else brief(value)
        message = say("check.not-printed", what=what, shown=shown)
    label = say("check.is-printed", what=what)
    shown_ok = was_printed(value, output, resolution=resolution)
    if not shown_ok:
        expect_no_method_printed(label, output)
    _check(shown_ok, label, message + suffix(why))


def _run_at(
    tokens: list[Printed | None], needle: list[float], *, exact: bool, resolution: float | None
) -> int | None:
    """Where ``needle`` first appears as a run of tokens not yet taken (None: nowhere)."""
    n = len(needle)
    for start in range(len(tokens) - n + 1):
        run = tokens[start : start + n]
        if all(
            tok is not None and shows(tok, want, exact=exact, resolution=resolution)
            for tok, want in zip(run, needle, strict=True)
        ):
            return start
    return None


def first_not_apart(
    values: Sequence[Any], text: str | None = None, *, resolution: float | None = None
) -> int | None:
    """The index of the first of ``values`` the output does not show in numbers of its own.

    ``print(z)`` shows ``out = z.mean()`` when every element of ``z`` equals it, and
    ``print(a)`` shows ``b`` when both hold five ones; printing both is a run of
    numbers for each. Runs are taken longest first, so a short value never takes
    its numbers from a longer one's run. Strings only need to be in the output.
    None when every value has its own run.
    """
    text = printed() if text is None else text
    tokens: list[Printed | None] = list(printed_tokens(text))
    order = sorted(
        range(len(values)),
        key=lambda i: -len((_numbers(values[i]) or ([], False))[0]),
    )
    for i in order:
        numbers = _numbers(values[i])
        if numbers is None:
            if not was_printed(values[i], text, resolution=resolution):
                return i
            continue
        wanted, exact = numbers
        start = _run_at(tokens, wanted, exact=exact, resolution=resolution)
        if start is None:
            return i
        tokens[start : start + len(wanted)] = [None] * len(wanted)
    return None


def expect_printed_each(
    items: Sequence[tuple[Any, str]], *, resolution: float | None = None
) -> None:
    """Check that the learner printed each value of ``items`` (``(value, what)`` pairs).

    Unlike several ``expect_printed`` calls, a value whose numbers the output shows
    only as part of another (``out`` inside ``z``, ``b`` the same ones as ``a``)
    does not count: the task asked for each to be printed.
    """
    for value, what in items:
        expect_printed(value, what=what, resolution=resolution)
    output = printed()
    missing = first_not_apart([value for value, _ in items], output, resolution=resolution)
    names = [what for _, what in items]
    and_ = say("check.list-and")
    label = say("check.are-printed", names=and_.join(names))
    if missing is None:
        _check(True, label, "")
        return
    what = names[missing]
    same = [
        n
        for k, (v, n) in enumerate(items)
        if k != missing and _numbers(v) == _numbers(items[missing][0])
    ]
    if same and _numbers(items[missing][0]) is not None:
        both = and_.join([*same, what])
        _check(
            False,
            label,
            say("check.printed-once", names=both, first=same[0], what=what),
        )
    others = and_.join(n for k, n in enumerate(names) if k != missing)
    if len(items) == 2:
        message = say("check.printed-inside-both", what=what, others=others)
    else:
        message = say("check.printed-inside-each", what=what, others=others)
    _check(False, label, message)


def expect_no_method_printed(label: str, text: str | None = None) -> None:
    """Fail with ``print-method-not-called`` when the output shows a method, not its result.

    ``print(x.size)`` prints ``<built-in method size of Tensor object at 0x…>``.
    ``label`` names the checklist line that fails.
    """
    text = printed() if text is None else text
    method = _METHOD_REPR.search(text)
    if method is None:
        return
    from checkers._mistakes import mistake

    kind, name = ("built-in", method[1]) if method[1] else ("bound", method[2])
    shown = f"<{kind} method {name} …>"
    expect(False, mistake("print-method-not-called", shown=shown, method=name), name=label)
