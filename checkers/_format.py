"""How values are named in messages: short, exact, and in the words of the docs."""

from __future__ import annotations

from typing import Any

import torch

_DTYPE_NAMES: dict[torch.dtype, str] = {
    torch.float32: "float32",
    torch.float64: "float64",
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
    torch.int64: "int64",
    torch.int32: "int32",
    torch.int16: "int16",
    torch.int8: "int8",
    torch.uint8: "uint8",
    torch.bool: "bool",
}
# The aliases the article and PyTorch's docs use for the common dtypes.
_DTYPE_ALIASES: dict[torch.dtype, str] = {
    torch.float32: "float",
    torch.float64: "double",
    torch.int64: "long",
    torch.int32: "int",
    torch.float16: "half",
}


def dtype_name(dtype: torch.dtype) -> str:
    """``float32``: how torch prints it."""
    return _DTYPE_NAMES.get(dtype, str(dtype).removeprefix("torch."))


def dtype_wanted(dtype: torch.dtype) -> str:
    """``long (int64)``: the name a task uses, with the precise one beside it."""
    alias = _DTYPE_ALIASES.get(dtype)
    name = dtype_name(dtype)
    return f"{alias} ({name})" if alias else name


def shape_str(shape: Any) -> str:
    dims = tuple(int(d) for d in shape)
    if len(dims) == 1:
        return f"({dims[0]},)"
    return "(" + ", ".join(str(d) for d in dims) + ")"


def num(value: Any) -> str:
    """A number, briefly: 6 significant digits, ints and bools as they are."""
    if isinstance(value, torch.Tensor):
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def index_str(index: tuple[int, ...]) -> str:
    if len(index) == 1:
        return f"[{index[0]}]"
    return "[" + ", ".join(str(i) for i in index) + "]"


def brief(value: Any, limit: int = 60) -> str:
    """A one-line description of any value, for "x is a list ([1, 2])" messages."""
    if isinstance(value, torch.Tensor):
        return f"tensor of shape {shape_str(value.shape)}, dtype {dtype_name(value.dtype)}"
    if isinstance(value, torch.Size):
        return repr(value)  # "torch.Size([5, 3])" names its type already
    from checkers._facts import Opaque

    if isinstance(value, Opaque):  # described by the learner's process, not sent
        return type_name(value)
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{type_name(value)} ({text})"


def type_name(value: Any) -> str:
    """The name of ``value``'s type as the learner's code saw it (``generator``, ``Net``)."""
    from checkers._facts import Opaque

    if isinstance(value, Opaque):
        return value.type_name.rsplit(".", 1)[-1] or value.kind
    return type(value).__name__
