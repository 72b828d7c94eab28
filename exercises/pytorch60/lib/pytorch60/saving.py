"""Checks on saving and loading weights (tasks 58-60): what a saved file holds, read as data.

The judge never unpickles what the learner saved beyond ``torch.load(weights_only=True)``.
When that refuses the file, :func:`pickled_globals` says which classes and functions the
pickle names, by reading its opcodes with ``pickletools`` (which runs nothing), so the
message can say *what* was saved: a whole network, a method, something else.
"""

from __future__ import annotations

import contextlib
import os
import pickletools
import zipfile
from typing import Any

from checkers import _core

PATH_FACT = "path"
"""The fact holding the learner's PATH as a string (a pathlib.Path travels as an object)."""


def record_path(path: Any) -> None:
    """In a probe: record ``os.fspath(path)`` for a str or path-like ``path``."""
    with contextlib.suppress(TypeError):
        _core.record(PATH_FACT, os.fspath(path))


def path_of(path: Any, facts: dict[str, Any]) -> str | None:
    """The learner's PATH as a string, whether they wrote a str or a pathlib.Path."""
    if isinstance(path, str):
        return path
    recorded = facts.get(PATH_FACT)
    return recorded if isinstance(recorded, str) else None


def pickled_globals(path: str) -> list[str]:
    """The ``"module name"`` globals a torch.save file's pickle names (empty if unreadable)."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = next((n for n in archive.namelist() if n.endswith("data.pkl")), None)
            data = archive.read(member) if member is not None else b""
    except (OSError, zipfile.BadZipFile):
        return []
    found: list[str] = []
    strings: list[str] = []
    try:
        for op, arg, _ in pickletools.genops(data):
            if isinstance(arg, str):
                strings.append(arg)
                if op.name == "GLOBAL":
                    found.append(arg)
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append(f"{strings[-2]} {strings[-1]}")
    except (ValueError, EOFError, TypeError):
        pass
    return found


def is_module_class(name: str) -> bool:
    """Whether a pickled global is a network class (the learner's, or torch's layers)."""
    module = name.split(" ", 1)[0]
    return module == "__main__" or module.startswith("torch.nn.modules")


def is_load_result(value: Any) -> bool:
    """Whether ``value`` is what load_state_dict returns (an _IncompatibleKeys report)."""
    from checkers._facts import Opaque

    if isinstance(value, Opaque):
        return value.type_name.endswith("._IncompatibleKeys")
    return type(value).__name__ == "_IncompatibleKeys"


def expect_safe_load(source: str) -> None:
    """Fail when the learner's code asks torch.load for weights_only=False."""
    from checkers import fail, mistake
    from pytorch60.optim_trace import keyword_value

    if False in keyword_value(source, "load", "weights_only"):
        fail(mistake("weights-only"))
