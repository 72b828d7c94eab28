"""``quiz-tui upgrade``: turn a format-1 pack into format 2, in place and losslessly.

For each exercise, the ``check`` (and ``probe``/``instrument``) strings become
functions in ``exNN_slug.py``. Their parameters are the names the old code read
from the learner's namespace, found with ``ast`` (loaded before the code itself
binds them, not builtins, not the ``checkers`` helpers, not torch/nn/F/np), typed
``Any``; the body is the old code, indented. The TOML file is rewritten with
``tomlkit`` so that comments and layout survive: ``format = 2``, the code keys
removed, and ``# SOLUTION`` markers in the solution where they give back the old
starter exactly (else the ``starter`` key stays).

Nothing here runs exercise code or imports torch.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import io
import textwrap
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit

from quiz_tui.core.content import format2 as content
from quiz_tui.core.content.loader import PACK_FILE, code_path_for, exercise_files
from quiz_tui.core.errors import QuizError

TORCH_NAMES = {
    "torch": "import torch",
    "np": "import numpy as np",
    "F": "import torch.nn.functional as F",
    "nn": "from torch import nn",
}
_SPECIAL_TYPES = {"ns": "dict[str, Any]", "facts": "dict[str, Any]"}


def checkers_names() -> frozenset[str]:
    """``checkers.__all__``, read from its source (importing it would import torch)."""
    spec = importlib.util.find_spec("checkers")
    if spec is None or spec.origin is None:
        raise QuizError("cannot find the checkers package")
    tree = ast.parse(Path(spec.origin).read_text("utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return frozenset(
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
    raise QuizError("checkers/__init__.py has no __all__ list")


def _stores(nodes: list[ast.AST]) -> set[str]:
    """Every name bound anywhere in ``nodes`` (a nested scope's locals, roughly)."""
    out: set[str] = set()
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
                out.add(sub.id)
            elif isinstance(sub, ast.arg):
                out.add(sub.arg)
            elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                out.add(sub.name)
            elif isinstance(sub, ast.alias):
                out.add((sub.asname or sub.name).split(".")[0])
            elif isinstance(sub, ast.ExceptHandler) and sub.name:
                out.add(sub.name)
    return out


class _Reads(ast.NodeVisitor):
    """The names a module-level snippet reads before it binds them, in order."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.direct: list[str] = []
        """Read at the top level before being bound there."""
        self.nested: list[str] = []
        """Read inside a function, lambda, class or comprehension, not bound there."""

    def _load(self, name: str, nested: bool = False) -> None:
        target = self.nested if nested else self.direct
        if name not in self.bound and name not in target:
            target.append(name)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._load(node.id)
        else:
            self.bound.add(node.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self._load(node.target.id)
        self.visit(node.value)
        self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.visit(node.target)

    def visit_For(self, node: ast.For) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for stmt in [*node.body, *node.orelse]:
            self.visit(stmt)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.bound.add((alias.asname or alias.name).split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.bound.add(alias.asname or alias.name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bound.add(node.name)
        for stmt in node.body:
            self.visit(stmt)

    def _scope(self, parts: list[ast.AST], local: set[str]) -> None:
        inner = _stores(parts) | local
        for part in parts:
            for sub in ast.walk(part):
                if (
                    isinstance(sub, ast.Name)
                    and isinstance(sub.ctx, ast.Load)
                    and sub.id not in inner
                ):
                    self._load(sub.id, nested=True)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for deco in node.decorator_list:
            self.visit(deco)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self.bound.add(node.name)
        self._scope(list(node.body), _stores([node.args]))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self._scope([node.body], _stores([node.args]))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self.bound.add(node.name)
        self._scope(list(node.body), set())

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        self.visit(node.generators[0].iter)  # evaluated in the enclosing scope
        rest: list[ast.AST] = [g.target for g in node.generators]
        rest += [g.iter for g in node.generators[1:]]
        rest += [cond for g in node.generators for cond in g.ifs]
        rest += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        self._scope(rest, set())

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension


def free_names(code: str) -> tuple[list[str], list[str]]:
    """The names ``code`` reads from outside itself: (all in order, the ones to pass in).

    The second list leaves out names the code binds at the top level and reads only
    inside functions or comprehensions (they are its own by the time they run).
    """
    tree = ast.parse(code)
    reads = _Reads()
    for stmt in tree.body:
        reads.visit(stmt)
    everything = list(reads.direct)
    everything += [n for n in reads.nested if n not in everything]
    passed = list(reads.direct)
    passed += [n for n in reads.nested if n not in passed and n not in reads.bound]
    return everything, passed


def _string_rows(code: str) -> set[int]:
    """Rows (1-based) that continue a multi-line string: indenting them would change it."""
    rows: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                rows.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, IndentationError):
        pass
    return rows


def _indent_body(code: str) -> str:
    code = textwrap.dedent(code).strip("\n")
    inside = _string_rows(code)
    lines = [
        line if n in inside or not line.strip() else "    " + line.rstrip()
        for n, line in enumerate(code.splitlines(), 1)
    ]
    return "\n".join(lines)


def _returned_names(code: str) -> list[str]:
    """The names an old instrument bound in the learner's namespace (imports aside)."""
    tree = ast.parse(code)
    reads = _Reads()
    imported: set[str] = set()
    for stmt in tree.body:
        reads.visit(stmt)
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            imported |= _stores([stmt])
    return sorted(reads.bound - imported)


@dataclass
class Converted:
    """One old snippet as a function of the code module."""

    source: str
    imports: set[str] = field(default_factory=set)
    """torch/nn/F/np names and ``checkers`` helpers the body reads."""
    params: list[str] = field(default_factory=list)


def bound_names(*codes: str) -> set[str]:
    """Names the snippets bind at their top level (setup, fixtures, solution)."""
    out: set[str] = set()
    for code in codes:
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        reads = _Reads()
        for stmt in tree.body:
            reads.visit(stmt)
        out |= reads.bound
    return out


def convert_snippet(
    kind: str, code: str, helpers: frozenset[str], defined: set[str] | frozenset[str] = frozenset()
) -> Converted:
    """One old snippet as a function. ``defined``: the setup's and the solution's names
    (in the old scope they hid builtins of the same name, e.g. ``input``)."""
    everything, passed = free_names(code)
    known = (
        (set(dir(builtins)) - set(defined))
        | set(helpers)
        | set(TORCH_NAMES)
        | {"__name__", "__file__"}
    )
    if kind == "probe":
        known.add("record")
    imports = {n for n in everything if n in helpers or n in TORCH_NAMES}
    if kind == "probe" and "record" in everything:
        imports.add("record")
    # ns and facts (globals of the old check) become the special parameters.
    params = [n for n in passed if n not in known]
    body = _indent_body(code) if code.strip() else "    pass"
    returns = "None"
    if kind == "instrument":
        bound = _returned_names(code)
        if bound:
            returns = "dict[str, Any]"
            items = ", ".join(f'"{n}": {n}' for n in bound)
            body += f"\n    return {{{items}}}"
    signature = ", ".join(f"{n}: {_SPECIAL_TYPES.get(n, 'Any')}" for n in params)
    source = f"def {kind}({signature}) -> {returns}:\n{body}\n"
    return Converted(source=source, imports=imports, params=params)


def _import_key(name: str) -> tuple[int, str]:
    """isort's order by type: CONSTANTS, then Classes, then functions."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name.lower())


def module_text(parts: dict[str, Converted]) -> str:
    """The code module: imports (as ruff sorts them), then the functions."""
    imports = set().union(*(p.imports for p in parts.values()))
    typing = any("Any" in p.source.split(":\n", 1)[0] for p in parts.values())
    head: list[str] = []
    if typing:
        head += ["from typing import Any", ""]
    third = [line for name, line in TORCH_NAMES.items() if name in imports]
    plain = sorted(line for line in third if line.startswith("import "))
    froms = sorted(line for line in third if line.startswith("from "))
    if third:
        head += [*plain, *froms, ""]
    helpers = sorted((n for n in imports if n not in TORCH_NAMES), key=_import_key)
    if helpers:
        joined = ", ".join(helpers)
        if len(joined) + len("from checkers import ") <= 100:
            head += [f"from checkers import {joined}", ""]
        else:
            head += ["from checkers import (", *(f"    {n}," for n in helpers), ")", ""]
    order = [k for k in ("check", "probe", "instrument") if k in parts]
    body = "\n\n".join(parts[k].source for k in order)
    return ("\n".join(head) + "\n\n" if head else "") + body


@dataclass
class ExerciseUpgrade:
    toml: Path
    code: Path
    toml_text: str
    code_text: str
    params: dict[str, list[str]]
    markers: bool
    """True when ``# SOLUTION`` markers replace the ``starter`` key."""


def _multiline(value: str) -> Any:
    """A multi-line literal string laid out as authors write them: text from the next line."""
    from tomlkit.items import String, StringType, Trivia

    if "'''" in value:
        return tomlkit.string(value, multiline=True)
    return String(StringType.MLL, value, "\n" + value, Trivia())


def _drop_key(doc: Any, key: str) -> None:
    """Remove a top-level key, the comment lines right above it and one blank line.

    Items are blanked (``Null``), never deleted: the document indexes its body.
    """
    from tomlkit.items import Comment, Null, Whitespace

    body = doc.body

    def blank(n: int) -> bool:
        return body[n][0] is None and isinstance(body[n][1], Whitespace | Null)

    for i, (k, _item) in enumerate(body):
        if k is not None and k.key == key:
            doc.remove(key)
            j = i
            while j > 0 and body[j - 1][0] is None and isinstance(body[j - 1][1], Comment):
                j -= 1
                body[j] = (None, Null())
            before = next((n for n in range(j - 1, -1, -1) if not isinstance(body[n][1], Null)), -1)
            after = next(
                (n for n in range(i + 1, len(body)) if not isinstance(body[n][1], Null)), -1
            )
            if before >= 0 and after >= 0 and blank(before) and blank(after):
                body[after] = (None, Null())
            return


def plan_exercise(
    path: Path, helpers: frozenset[str], fixtures: dict[str, str] | None = None
) -> ExerciseUpgrade | None:
    """What upgrading one exercise file writes; None when it is format 2 already."""
    text = path.read_text("utf-8-sig")
    doc = tomlkit.parse(text)
    data = doc.unwrap()
    if data.get("format") != 1:
        return None
    code_path = code_path_for(path, {})
    snippets = [*(fixtures or {}).values(), data.get("setup"), data.get("solution")]
    defined = bound_names(*(c for c in snippets if isinstance(c, str)))
    names = data.get("names")
    defined |= {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()
    parts: dict[str, Converted] = {}
    for kind in ("check", "probe", "instrument"):
        code = data.get(kind)
        if isinstance(code, str) and (code.strip() or kind == "check"):
            try:
                parts[kind] = convert_snippet(kind, code, helpers, defined)
            except SyntaxError as exc:
                raise QuizError(f"{path}: {kind} has a syntax error: {exc.msg}") from exc
    if "check" not in parts:
        raise QuizError(f"{path}: no check to convert")
    doc["format"] = 2
    for kind in ("check", "probe", "instrument"):
        if kind in doc:
            _drop_key(doc, kind)
    solution, starter = data.get("solution"), data.get("starter")
    markers = False
    if isinstance(solution, str) and isinstance(starter, str):
        marked = content.mark_solution(solution, starter)
        if marked is not None:
            doc["solution"] = _multiline(marked)
            _drop_key(doc, "starter")
            markers = True
    return ExerciseUpgrade(
        toml=path,
        code=code_path,
        toml_text=tomlkit.dumps(doc),
        code_text=module_text(parts),
        params={k: p.params for k, p in parts.items()},
        markers=markers,
    )


def plan_pack(root: Path) -> tuple[str | None, list[ExerciseUpgrade]]:
    """The new pack.toml text (None if already format 2) and each exercise's upgrade."""
    pack_path = root / PACK_FILE
    if not pack_path.is_file():
        raise QuizError(f"{root}: no {PACK_FILE} here, so this is not a quiz-tui pack")
    helpers = checkers_names()
    doc = tomlkit.parse(pack_path.read_text("utf-8-sig"))
    pack_text = None
    if doc.get("format") != 2:
        doc["format"] = 2
        pack_text = tomlkit.dumps(doc)
    raw_fixtures = doc.unwrap().get("fixtures")
    fixtures = {
        str(k): v
        for k, v in (raw_fixtures.items() if isinstance(raw_fixtures, dict) else ())
        if isinstance(v, str)
    }
    plans = [p for path in exercise_files(root) if (p := plan_exercise(path, helpers, fixtures))]
    for plan in plans:
        if plan.code.exists():
            raise QuizError(f"{plan.code} already exists; move it away to upgrade {plan.toml.name}")
    return pack_text, plans


def upgrade_pack(root: Path, *, dry_run: bool = False) -> list[ExerciseUpgrade]:
    """Convert a pack in place (all files are planned before any is written)."""
    pack_text, plans = plan_pack(root)
    if dry_run:
        return plans
    for plan in plans:
        plan.code.write_text(plan.code_text, "utf-8")
        plan.toml.write_text(plan.toml_text, "utf-8")
    if pack_text is not None:
        (root / PACK_FILE).write_text(pack_text, "utf-8")
    return plans
