"""Format-2 exercise content, as text: solution markers and the exercise's code module.

Pure functions, no torch and no code execution: the loader, ``quiz-tui upgrade`` and
the scaffolding share them, and the unit tests drive them with plain strings.

Solution markers (as in otter-grader) let one ``solution`` give the starter too:

* ``name = expr  # SOLUTION`` becomes ``name = ...`` in the starter;
* any other line ending in ``# SOLUTION`` becomes ``...`` at its indentation;
* the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` become one ``...``
  line at the block's indentation.

The learner never sees the markers: ``clean_solution`` removes them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_MARK = re.compile(r"\s*#\s*SOLUTION\s*$")
_BEGIN = re.compile(r"^\s*#\s*BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*#\s*END SOLUTION\s*$")
_ASSIGN = re.compile(r"^(?P<target>[^=]+?)\s*=(?!=)")

HOOKS = ("check", "probe", "instrument")
"""The functions a code module may define; ``check`` is required."""
SPECIAL_PARAMS = ("ns", "facts")
"""Parameters that are not learner names: the namespace dict and the probe's records."""


class MarkerError(ValueError):
    """A ``# BEGIN SOLUTION`` without its ``# END SOLUTION``, or the other way round."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def has_markers(solution: str) -> bool:
    return any(
        _MARK.search(line) or _BEGIN.match(line) or _END.match(line)
        for line in solution.splitlines()
    )


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _blank(line: str) -> str:
    """What a line marked ``# SOLUTION`` becomes in the starter."""
    code = _MARK.sub("", line)
    indent, body = _indent(code), code.strip()
    match = _ASSIGN.match(body)
    if match:
        try:
            tree = ast.parse(body)
        except SyntaxError:
            tree = None
        if tree and len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign | ast.AnnAssign):
            return f"{indent}{match.group('target')} = ..."
    return f"{indent}..."


def _blocks(solution: str) -> list[tuple[str, str]]:
    """Each line with its role: ``code``, ``marked``, ``begin``, ``inside`` or ``end``."""
    out: list[tuple[str, str]] = []
    opened: int | None = None
    for number, line in enumerate(solution.splitlines(), 1):
        if _BEGIN.match(line):
            if opened is not None:
                raise MarkerError(
                    number, f"# BEGIN SOLUTION inside the block opened on line {opened}"
                )
            opened = number
            out.append(("begin", line))
        elif _END.match(line):
            if opened is None:
                raise MarkerError(number, "# END SOLUTION without a # BEGIN SOLUTION before it")
            opened = None
            out.append(("end", line))
        elif opened is not None:
            out.append(("inside", line))
        else:
            out.append(("marked" if _MARK.search(line) else "code", line))
    if opened is not None:
        raise MarkerError(opened, "# BEGIN SOLUTION is never closed by # END SOLUTION")
    return out


def _join(lines: list[str], like: str) -> str:
    text = "\n".join(lines)
    return text + "\n" if like.endswith("\n") and lines else text


def clean_solution(solution: str) -> str:
    """The solution as the learner sees it: marker comments and lines removed."""
    lines: list[str] = []
    for role, line in _blocks(solution):
        if role in ("begin", "end"):
            continue
        lines.append(_MARK.sub("", line) if role == "marked" else line)
    return _join(lines, solution)


def derive_starter(solution: str) -> str:
    """The starter a marked solution gives (see the module's docstring)."""
    lines: list[str] = []
    block: list[str] = []
    begin_indent = ""
    for role, line in _blocks(solution):
        if role == "begin":
            block, begin_indent = [], _indent(line)
        elif role == "inside":
            block.append(line)
        elif role == "end":
            first = next((b for b in block if b.strip()), None)
            lines.append(f"{_indent(first) if first is not None else begin_indent}...")
        elif role == "marked":
            lines.append(_blank(line))
        else:
            lines.append(line)
    return _join(lines, solution)


def mark_solution(solution: str, starter: str) -> str | None:
    """Markers for ``solution`` that give exactly ``starter``, or None when none do.

    Lines equal in both stay; a solution line whose blank is the starter line gets
    ``# SOLUTION``; a starter line ``...`` stands for a block of solution lines.
    """
    if has_markers(solution):
        return None
    sol, st = solution.splitlines(), starter.splitlines()
    out: list[str] = []
    i = j = 0
    while i < len(sol) and j < len(st):
        if sol[i] == st[j]:
            out.append(sol[i])
            i, j = i + 1, j + 1
        elif sol[i].strip() and _blank(sol[i]) == st[j]:
            out.append(f"{sol[i]}  # SOLUTION")
            i, j = i + 1, j + 1
        elif st[j].strip() == "..." and sol[i].strip():
            # A block: up to the next line both share (or the end of the solution).
            after = st[j + 1] if j + 1 < len(st) else None
            k = i + 1
            while k < len(sol) and (after is None or sol[k] != after):
                k += 1
            indent = _indent(st[j])
            out += [f"{indent}# BEGIN SOLUTION", *sol[i:k], f"{indent}# END SOLUTION"]
            i, j = k, j + 1
        else:
            return None
    if i < len(sol) or j < len(st):
        return None
    marked = _join(out, solution)
    try:
        ok = derive_starter(marked) == starter and clean_solution(marked) == solution
    except MarkerError:
        ok = False
    return marked if ok else None


# -- the code module -------------------------------------------------------------------


def module_name(toml_stem: str) -> str:
    """The code module beside ``NN-slug.toml``: ``exNN_slug`` (a valid module name)."""
    match = re.match(r"^(\d+)[-_]?(.*)$", toml_stem)
    if match:
        rest = re.sub(r"\W+", "_", match.group(2)).strip("_")
        return f"ex{match.group(1)}_{rest}" if rest else f"ex{match.group(1)}"
    rest = re.sub(r"\W+", "_", toml_stem).strip("_")
    return f"ex_{rest}" if rest else "ex"


@dataclass(frozen=True)
class Param:
    name: str
    required: bool


@dataclass(frozen=True)
class CodeModule:
    """What the loader learns from an exercise's ``.py`` file, without running it."""

    text: str
    """The whole file: only the judge's process receives it."""
    check: tuple[Param, ...]
    probe: tuple[Param, ...] | None
    instrument: tuple[Param, ...] | None
    learner_text: str
    """The file with everything but its imports and ``probe``/``instrument`` blanked
    (line numbers kept): what the learner's process receives."""

    @property
    def required_names(self) -> tuple[str, ...]:
        """The learner names ``check`` cannot do without."""
        return tuple(p.name for p in self.check if p.required and p.name not in SPECIAL_PARAMS)


class ModuleProblem(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _params(fn: ast.FunctionDef) -> tuple[Param, ...]:
    args = fn.args
    if args.posonlyargs or args.vararg or args.kwarg:
        raise ModuleProblem(
            fn.lineno,
            f"{fn.name}() takes plain named parameters only (no /, *args or **kwargs): "
            "each names a variable of the learner's code",
        )
    positional = args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = [Param(a.arg, d is None) for a, d in zip(positional, defaults, strict=True)]
    out += [Param(a.arg, d is None) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    for p in out:
        if not p.name.isidentifier() or p.name.startswith("__"):
            raise ModuleProblem(
                fn.lineno, f"{fn.name}() parameter {p.name!r} is not a variable name"
            )
    return tuple(out)


def parse_module(text: str, filename: str) -> CodeModule:
    """Read an exercise's code module; raise ModuleProblem (with its line) when it is wrong.

    A ``SyntaxError`` from ``compile`` is turned into a ModuleProblem too.
    """
    try:
        tree = ast.parse(text, filename)
        compile(tree, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise ModuleProblem(exc.lineno or 1, f"Python syntax error: {exc.msg}") from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ModuleProblem(1, f"the file cannot be compiled: {exc}") from exc
    found: dict[str, ast.FunctionDef] = {}
    keep: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            keep.append(node)
        elif isinstance(node, ast.AsyncFunctionDef) and node.name in HOOKS:
            raise ModuleProblem(node.lineno, f"{node.name}() must be a plain def, not async")
        elif isinstance(node, ast.FunctionDef) and node.name in HOOKS:
            if node.name in found:
                raise ModuleProblem(node.lineno, f"{node.name}() is defined twice")
            found[node.name] = node
            if node.name != "check":
                keep.append(node)
    if "check" not in found:
        raise ModuleProblem(
            1,
            "missing `def check(...)`: the judge calls it with the learner's names "
            "its parameters name",
        )
    lines = text.splitlines(True)
    shown = [False] * len(lines)
    for node in keep:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        for n in range(first - 1, node.end_lineno or node.lineno):
            shown[n] = True
    learner = "".join(
        line if shown[n] else ("\n" if line.endswith("\n") else "") for n, line in enumerate(lines)
    )
    return CodeModule(
        text=text,
        check=_params(found["check"]),
        probe=_params(found["probe"]) if "probe" in found else None,
        instrument=_params(found["instrument"]) if "instrument" in found else None,
        learner_text=learner if ("probe" in found or "instrument" in found) else "",
    )
