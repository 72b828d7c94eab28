"""Results for code that went wrong, as against an answer that is wrong.

The learner's code raised (told in the learner's language, with the
misconception catalogue's explanation), stopped on a starter's blank still
left, or does not define a name the task needs; or the exercise itself broke (a
checker error, which never blames the learner). The learner's process and the
judge both report these, so they live apart from either.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import re
import traceback
from types import TracebackType
from typing import Any

LEARNER_FILE = "<your code>"
"""The file name the learner's code is compiled under: how its frames are told apart."""


def _learner_frames(tb: TracebackType | None) -> traceback.StackSummary:
    frames = [f for f in traceback.extract_tb(tb) if f.filename == LEARNER_FILE]
    return traceback.StackSummary.from_list(frames[-12:])


IMPORTS = {
    "torch": "import torch",
    "np": "import numpy as np",
    "nn": "import torch.nn as nn",
    "F": "import torch.nn.functional as F",
}
"""Names learners use without importing them, and the line that defines each."""


def _explain(exc: BaseException, job: dict[str, Any]) -> str:
    """A sentence for errors of the machine rather than of PyTorch (limits, memory, recursion),
    whose Python message does not say what to do. Misconceptions are in the catalogue."""
    from checkers._core import say

    tasks = job.get("tasks", 128)
    if type(exc).__name__ == "OutOfMemoryError":
        return say("worker.gpu-out-of-memory")
    if isinstance(exc, RecursionError):
        return say("worker.recursion")
    if isinstance(exc, MemoryError):
        return say("worker.out-of-memory")
    if isinstance(exc, BlockingIOError | PermissionError) and exc.errno in (
        errno.EAGAIN,
        errno.EPERM,
    ):
        return say("worker.too-many-processes", tasks=tasks)
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        return say("worker.too-many-threads", tasks=tasks)
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        mb = job.get("file_mb", 512)
        return say("worker.file-too-big", mb=mb)
    return ""


def _mistake_for(exc: BaseException, job: dict[str, Any]) -> Any:
    """The misconception catalogue's entry for a learner's exception, if it has one.

    A ``NameError`` is explained from the job: a name the task asks the learner to
    define, or a module name used without its import; the catalogue's error
    patterns explain the rest.
    """
    from checkers._mistakes import explain_error, mistake

    if isinstance(exc, NameError) and not isinstance(exc, UnboundLocalError):
        name = getattr(exc, "name", None)
        if isinstance(name, str) and name in job.get("names", []):
            return mistake("name-not-defined-task", name=name)
        if name in IMPORTS:
            return mistake("missing-import", name=name, statement=IMPORTS[name])
        return None
    try:
        text = str(exc)
    except Exception:
        return None
    return explain_error(type(exc).__name__, text.strip())


def _exercise_explains(job: dict[str, Any], message: str, trace: str) -> bool:
    """Whether the exercise's own ``[[explain]]`` words will be added (by the runner)."""
    haystack = f"{message}\n{trace}"
    for pattern in job.get("explain", []):
        with contextlib.suppress(re.error, TypeError):
            if re.search(pattern, haystack):
                return True
    return False


SYNTAX_ERRORS = {
    "SyntaxError": "worker.syntax-error",
    "IndentationError": "worker.indentation-error",
    "TabError": "worker.indentation-error",
}
"""Python's syntax errors → the catalogue's headline for each (other kinds: a syntax error)."""


def error_result(
    exc: BaseException, job: dict[str, Any], *, during: str, what: str = ""
) -> dict[str, Any]:
    """Turn an exception raised by the learner's code into an ``error`` result.

    The message is Python's (its first meaningful line), framed in the learner's
    language, then an explanation: the catalogue's entry for the mistake (whose
    id travels as ``mistake``), or a sentence about the machine's limits. Where
    the exercise has its own ``[[explain]]`` words for the error, those take the
    place of the catalogue's text (the id still travels).
    """
    from checkers._core import error_headline, say, with_explanation

    if isinstance(exc, SyntaxError) and exc.filename == LEARNER_FILE:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
        kind = type(exc).__name__
        key = SYNTAX_ERRORS.get(kind, "worker.syntax-error")
        message = say(key, kind=kind, line=exc.lineno, message=exc.msg)
        found = _mistake_for(exc, job)
        return {
            "status": "error",
            "message": with_explanation(message, str(found) if found else ""),
            "traceback": detail,
            "line": exc.lineno,
            "mistake": found.id if found else "",
        }
    if isinstance(exc, SystemExit):
        return {
            "status": "error",
            "message": say("worker.sys-exit"),
            "line": last_line(exc.__traceback__),
        }
    frames = _learner_frames(exc.__traceback__)
    line = frames[-1].lineno if frames else None
    header = "Traceback (most recent call last):\n" if frames else ""
    text = (
        header + "".join(frames.format()) + "".join(traceback.format_exception_only(type(exc), exc))
    )
    try:
        raw = str(exc)
    except Exception:
        raw = ""
    name = type(exc).__name__
    found = _mistake_for(exc, job)
    explanation = _explain(exc, job)
    if found is not None and not _exercise_explains(job, f"{name}: {raw}", text):
        explanation = str(found)
    explained = found is not None or bool(explanation)
    message = error_headline(name, raw, line, during=during, what=what, explained=explained)
    return {
        "status": "error",
        "message": with_explanation(message, explanation),
        "traceback": text.rstrip(),
        "line": line,
        "mistake": found.id if found else "",
    }


def blanks_result(exc: BaseException) -> dict[str, Any] | None:
    """When the code failed on one of the starter's ``...`` blanks: say which are left.

    A shared editor (the training loop of tasks 51-55) runs only once every
    numbered line is written; Python's own words ("'ellipsis' object has no
    attribute 'item'") would blame a line the learner has not reached yet.
    """
    from checkers import code
    from checkers._core import say

    if "ellipsis" not in f"{type(exc).__name__}: {exc}".lower():
        return None
    left = code.blanks()
    if not left:
        return None
    lines = say("worker.list-separator").join(
        say("worker.blank-line-task", line=line, label=label) if label else f"{line}"
        for line, label in left
    )
    return {
        "status": "error",
        "message": say("worker.blanks-many" if len(left) > 1 else "worker.blanks-one", lines=lines),
        "line": left[0][0],
    }


def last_line(tb: TracebackType | None) -> int | None:
    frames = _learner_frames(tb)
    return frames[-1].lineno if frames else None


def has_learner_frame(tb: TracebackType | None) -> bool:
    return any(f.filename == LEARNER_FILE for f in traceback.extract_tb(tb))


PARTS = {
    "setup": "worker.part-setup",
    "probe": "worker.part-probe",
    "check": "worker.part-check",
    "runner": "worker.part-runner",
    "report": "worker.part-report",
}
"""The parts of a task that can fail → the catalogue's word for each (for checker errors)."""


def checker_error(what: str, exc: BaseException) -> dict[str, Any]:
    from checkers._core import say

    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        raw = f"{type(exc).__name__}: {exc}"
    except Exception:
        raw = type(exc).__name__
    return {
        "status": "checker_error",
        "message": say(
            "worker.checker-error", part=say(PARTS[what]) if what in PARTS else what, error=raw
        ),
        "traceback": detail.rstrip(),
    }


def _is_placeholder(code: str) -> bool:
    """True when the code holds nothing but ``...``, ``pass`` and ``name = ...``."""
    for node in ast.parse(code).body:
        if isinstance(node, ast.Pass):
            continue
        value = node.value if isinstance(node, ast.Expr | ast.Assign | ast.AnnAssign) else None
        if not (isinstance(value, ast.Constant) and value.value is Ellipsis):
            return False
    return True


def undefined(job: dict[str, Any], missing: list[str]) -> dict[str, Any]:
    """The result for names the task needs that the learner's code does not define."""
    from checkers import _core

    names = ", ".join(f"`{n}`" for n in missing)
    msg = _core.say("worker.not-defined", names=names)
    status = "not_attempted" if _is_placeholder(job["code"]) else "fail"
    return {"status": status, "message": msg}
