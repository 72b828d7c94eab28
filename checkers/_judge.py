"""The judge's process: reads the learner's facts as data and runs the check.

It never runs a line of the learner's code, and only what it writes is a verdict
the runner accepts. Besides the check itself it holds the judge's ways of telling
a learner's mistake from a bug of the exercise when a check breaks (a replaced
method, a value of the wrong kind, an object it can only describe).
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
from typing import Any

from checkers._outcomes import checker_error, error_result, undefined
from checkers._setup import fresh_setup
from quiz_tui.core.execution.timing import mark

CHECK_FILE = "<check>"
GO_FD = 5
"""Where a waiting judge reads its go pipe: the check, the solution and the learner's code."""


def judge(job: dict[str, Any]) -> dict[str, Any]:
    """The judge's process: never runs a line of the learner's code.

    It replays the trusted setup with the same seed, reads the learner's facts
    as data, rebuilds the namespace the check expects from them, and runs the
    check. Only this process writes a verdict the runner accepts.
    """
    import checkers
    from checkers import _core, _facts

    _core._state.trusted = True
    _core._state.replay = lambda: fresh_setup(job)
    _core._state.code = job.get("code", "")
    try:
        setup = fresh_setup(job)
    except BaseException as exc:
        return checker_error("setup", exc)
    mark("judge: setup replayed")
    if job.get("waits"):
        # Started beside the learner's process: the check, the solution and the
        # learner's code come through the go pipe once that process is gone.
        secret = _read_all(GO_FD)
        if not secret:
            os._exit(0)  # abandoned: the learner's code never got as far as a verdict
        job.update(json.loads(secret))
        mark("judge: secret read")
    _core._state.code = job.get("code", "")
    if job.get("learner_cwd"):
        # Checks look at what the learner's code wrote (task 58's saved file).
        os.chdir(job["learner_cwd"])
    if job.get("mode") == "prepare":
        # Only the setup, with a long limit: it builds the practice data and
        # trains the reference network once, so that checks find them cached.
        return {
            "status": "ran",
            "message": _core.say("worker.setup-ready"),
        }

    reference: dict[str, Any] | None = None

    def reference_class(name: str) -> type | None:
        """A class of the reference solution, for a class the learner wrote."""
        nonlocal reference
        found = setup.get(name)
        if isinstance(found, type):
            return found
        if reference is None:
            reference = fresh_setup(job)
            # Classes defined before a failure are still usable.
            with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(Exception):
                exec(compile(job.get("solution", ""), "<solution>", "exec"), reference)
        found = reference.get(name)
        return found if isinstance(found, type) else None

    try:
        tree, tensors = _facts.read(os.path.join(os.getcwd(), _facts.FACTS_FILE))
        mark("judge: facts read")
        try:
            names, records = _facts.restore(tree, tensors, setup=setup, classes=reference_class)
            mark("judge: facts restored")
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
            # A hand-made facts file (unhashable keys, impossible values): the learner's
            # process wrote it, so it is the learner's error, not the exercise's.
            raise _facts.FactsError(f"{type(exc).__name__}: {exc}") from exc
    except _facts.FactsError as exc:
        return {
            "status": "error",
            "message": _core.say("worker.facts-unreadable", error=exc),
        }
    printed = tree.get("stdout")
    stdout: str = printed if isinstance(printed, str) else ""
    _core._state.stdout = lambda: stdout
    _core._state.records = records
    ns: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    ns.update(names)
    _core._state.namespace = ns

    import numpy as np
    import torch

    scope: dict[str, Any] = dict(ns)
    scope.update({name: getattr(checkers, name) for name in checkers.__all__})
    scope.update(
        {
            "__name__": "__check__",
            "torch": torch,
            "nn": torch.nn,
            "F": torch.nn.functional,
            "np": np,
            "ns": ns,
            "facts": records,
        }
    )
    try:
        if job.get("format") == 2:
            # Format 2: the check is a module; call its check() with the names it takes.
            from checkers import _call

            module = _call.load(job["check"], job.get("code_file") or CHECK_FILE, "__check__")
            kwargs, missing = _call.arguments(module["check"], ns, records)
            if missing:
                return undefined(job, missing)
            module["check"](**kwargs)
        else:
            exec(compile(job["check"], CHECK_FILE, "exec", dont_inherit=True), scope)
    except checkers.CheckFailed as exc:
        replaced = None if exc.mistake else _replaced_method(ns)
        if replaced is not None:
            # The answer is wrong, and the learner assigned over a method of theirs:
            # say that first (it is why), then what the check saw.
            message = _core.with_explanation(str(replaced), exc.message)
            return {"status": "fail", "message": message, "mistake": replaced.id}
        return {"status": "fail", "message": exc.message, "mistake": exc.mistake}
    except checkers.NotAttempted as exc:
        return {"status": "not_attempted", "message": exc.message}
    except checkers.LearnerError as exc:
        return exc.result(during="check")
    except checkers.LearnerRaised as exc:
        return error_result(exc.original, job, during="check", what=exc.what)
    except BaseException as exc:
        opaque = _opaque_in(exc)
        if opaque:
            return {"status": "fail", "message": opaque}
        replaced = _replaced_method(ns)
        if replaced is not None:
            return {"status": "fail", "message": str(replaced), "mistake": replaced.id}
        wrong_type = _learner_value_error(exc, ns, setup)
        if wrong_type:
            return {"status": "fail", "message": wrong_type}
        return checker_error("check", exc)
    mark("judge: check ran")
    return {
        "status": "pass",
        "message": _core.say("worker.all-passed"),
    }


def _replaced_method(ns: dict[str, Any]) -> Any:
    """The catalogue's ``method-replaced`` for the first of the learner's objects whose method
    their code assigned over (``net3.state_dict = weights``), if any: a fact, not a guess
    (the facts say what the assignment put there), told when the answer is judged wrong."""
    from checkers import _facts
    from checkers._core import say
    from checkers._mistakes import mistake

    for name, value in ns.items():
        if name.startswith("__"):
            continue
        for attr, found in _facts.shadowed(value).items():
            if attr == "state_dict":
                advice = say("worker.advice-load-weights", name=name)
            else:
                advice = say("worker.advice-call-method", name=name, attr=attr)
            return mistake("method-replaced", name=name, attr=attr, found=found, advice=advice)
    return None


PLAIN = (list, tuple, dict, set, frozenset, str, bytes, int, float, complex, bool, type(None))
"""Plain Python data: a value that answers no PyTorch question (``.shape``, ``.weight``)."""


def _learner_value_error(exc: BaseException, ns: dict[str, Any], setup: dict[str, Any]) -> str:
    """A learner-facing failure when a check broke on a value of the wrong kind that the
    learner's code provided; "" when the error is the check's own (a checker error).

    The rule: the error is an ``AttributeError`` whose object (``exc.obj``) is the
    value of one of the learner's names, that value is plain Python data (a list, a
    number, ``None``…) or something the judge only holds a description of, and the
    trusted setup did not bind that name to a value of the same type. Such a value
    cannot be what a PyTorch task asks for, so the check met the learner's mistake.
    Anything else (a ``NameError`` in the check, an attribute a tensor or a module
    lacks, a ``TypeError``) stays a bug of the exercise: a check must test the kind
    of a value before it uses it.
    """
    from checkers._core import say
    from checkers._facts import LearnerObject, Opaque

    if not isinstance(exc, AttributeError):
        return ""
    obj = getattr(exc, "obj", None)
    attr = getattr(exc, "name", None)
    if not isinstance(attr, str) or not isinstance(obj, (*PLAIN, Opaque, LearnerObject)):
        return ""
    for name, value in ns.items():
        if value is not obj or name.startswith("__"):
            continue
        if name in setup and type(setup[name]) is type(value):
            continue
        found = type(value).__name__
        if isinstance(value, Opaque):
            found = value.type_name.removeprefix("__main__.")
        return say("worker.wrong-kind-of-value", name=name, found=found, attr=attr)
    return ""


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _opaque_in(exc: BaseException) -> str:
    """A learner-facing message when a check met a value the judge holds only a description of."""
    from checkers import _core

    text = str(exc)
    if "Opaque" not in text and "LearnerModule" not in text and "runs no learner code" not in text:
        return ""
    return _core.say("worker.opaque-value", text=text)
