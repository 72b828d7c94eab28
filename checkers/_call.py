"""Format-2 exercises: run a code module and call its functions with the learner's names.

A format-2 exercise keeps its check as ``def check(x: torch.Tensor) -> None`` in a
Python file. The parameters say which of the learner's names it reads; ``ns`` (the
namespace dict) and ``facts`` (what the probe recorded) are special. The judge calls
``check``; the learner's process calls ``instrument`` (before the learner's code, its
returned dict is bound into the namespace) and ``probe`` (after it).
"""

from __future__ import annotations

import builtins
import inspect
import linecache
from collections.abc import Callable
from typing import Any

SPECIAL = ("ns", "facts")


def load(text: str, filename: str, name: str) -> dict[str, Any]:
    """Run a code module's text as a fresh module; return its globals."""
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    scope: dict[str, Any] = {"__name__": name, "__builtins__": builtins, "__file__": filename}
    exec(compile(text, filename, "exec", dont_inherit=True), scope)
    return scope


def arguments(
    fn: Callable[..., Any], ns: dict[str, Any], facts: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The keyword arguments for ``fn`` from the namespace, and the names it lacks.

    A name the learner left as ``...`` counts as not defined. A parameter with a
    default keeps it when the name is not defined.
    """
    kwargs: dict[str, Any] = {}
    missing: list[str] = []
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.name == "ns":
            kwargs["ns"] = ns
        elif param.name == "facts":
            kwargs["facts"] = facts
        elif param.name in ns and ns[param.name] is not Ellipsis:
            kwargs[param.name] = ns[param.name]
        elif param.default is param.empty:
            missing.append(param.name)
    return kwargs, missing


def hooks(job: dict[str, Any]) -> dict[str, Any]:
    """The learner side's module (``probe``/``instrument`` only), or {} in format 1."""
    text = job.get("hooks") or ""
    if not text:
        return {}
    return load(text, job.get("code_file") or "<probe>", "__probe__")


def instrument(module: dict[str, Any], ns: dict[str, Any], facts: dict[str, Any]) -> None:
    """Call ``instrument`` before the learner's code; bind the names it returns."""
    fn = module.get("instrument")
    if fn is None:
        return
    kwargs, missing = arguments(fn, ns, facts)
    if missing:
        raise NameError(f"instrument() needs {', '.join(missing)}, which the setup does not define")
    bound = fn(**kwargs)
    if isinstance(bound, dict):
        ns.update(bound)
    elif bound is not None:
        raise TypeError("instrument() must return None or a dict of names to bind")
