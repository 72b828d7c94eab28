"""Checks on what the learner's code printed.

Tensors are matched by their numbers, not their text, so ``print(x)``,
``print(x.numpy())`` and ``print(x.tolist())`` all count, at the precision torch
prints with (4 decimals by default).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import torch

from checkers._core import _check, printed, suffix, t
from checkers._format import brief

_TOKEN = re.compile(
    r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])|(?<![\w.])[-+]?(?:nan|inf)\b|\b(?:True|False)\b"
)


def printed_numbers(text: str) -> list[float]:
    """Every number in ``text`` in order; True/False count as 1/0."""
    out: list[float] = []
    for token in _TOKEN.findall(text):
        if token == "True":
            out.append(1.0)
        elif token == "False":
            out.append(0.0)
        else:
            out.append(float(token))
    return out


def _numbers(value: Any) -> list[float] | None:
    if isinstance(value, torch.Tensor):
        return [float(v) for v in value.detach().cpu().reshape(-1).tolist()]
    if isinstance(value, np.ndarray):
        return [float(v) for v in value.reshape(-1).tolist()]
    if isinstance(value, torch.Size):
        return [float(v) for v in value]
    if isinstance(value, bool | int | float):
        return [float(value)]
    if isinstance(value, list | tuple) and all(isinstance(v, int | float) for v in value):
        return [float(v) for v in value]
    return None


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    # torch prints 4 decimals, or 4 in the mantissa in scientific notation.
    return abs(a - b) <= 1.01e-4 * max(1.0, abs(b)) + 1e-12


def contains_sequence(haystack: list[float], needle: list[float]) -> bool:
    """True when ``needle`` appears as a contiguous run in ``haystack``."""
    n = len(needle)
    if n == 0:
        return True
    for start in range(len(haystack) - n + 1):
        if all(_close(haystack[start + i], needle[i]) for i in range(n)):
            return True
    return False


def was_printed(value: Any, text: str | None = None) -> bool:
    """Whether ``value`` (a tensor, number, size or string) appears in the output."""
    text = printed() if text is None else text
    if isinstance(value, str):
        return value in text
    numbers = _numbers(value)
    if numbers is None:
        return str(value) in text
    return contains_sequence(printed_numbers(text), numbers)


def expect_printed(value: Any, *, what: str = "the result", why: str = "") -> None:
    """Check that the learner printed ``value`` (described to them as ``what``)."""
    output = printed()
    if not output.strip():
        message = t(
            f"Nothing was printed: the task asks you to print {what}.",
            f"什么也没有打印：题目要求打印 {what}。",
        )
    else:
        shown = f"{value!r}" if isinstance(value, str) else brief(value)
        message = t(
            f"The output does not show {what} ({shown}). Print it with print(...).",
            f"输出里没有 {what}（{shown}）。请用 print(...) 打印它。",
        )
    _check(
        was_printed(value, output),
        t(f"{what} is printed", f"打印了 {what}"),
        message + suffix(why),
    )
