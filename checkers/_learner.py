"""The learner's process: the setup, the learner's code, then the facts for the judge.

It runs in the learner's box when the job has one (see ``checkers._job``). It can report only
that the code did not succeed, or that it ran; the verdict is the judge's
(``checkers._judge``), made from the facts this process writes.
"""

from __future__ import annotations

import linecache
import os
from types import CodeType
from typing import Any

from checkers._outcomes import (
    LEARNER_FILE,
    blanks_result,
    checker_error,
    error_result,
    has_learner_frame,
    last_line,
    undefined,
)
from checkers._setup import fresh_setup, run_setup
from quiz_tui.core.execution.timing import mark

JOINED = b"joined"
"""What the worker tells a parked box once it is in the job's cgroups."""
_cgroups_gate = -1
"""A parked box's end of its socket, to hear :data:`JOINED` on (-1: not parked)."""


def _compile_learner(code: str) -> CodeType:
    linecache.cache[LEARNER_FILE] = (len(code), None, code.splitlines(True), LEARNER_FILE)
    return compile(code, LEARNER_FILE, "exec", dont_inherit=True)


def learn(job: dict[str, Any], ns: dict[str, Any], me: int) -> dict[str, Any]:
    """The learner's process: setup, the learner's code, then the facts for the judge.

    Returns the outcome this process reports. It can only ever report that the
    code did *not* succeed (an error, a failure seen while the loop ran, names
    not defined yet) or that it ran; whether an answer passes is the judge's
    alone to say, from the facts written here.
    """
    import checkers
    from checkers import _call, _core, _facts

    _core._state.replay = lambda: fresh_setup(job)
    _core._state.code = job.get("code", "")
    try:
        run_setup(job, ns)
        if job.get("instrument"):
            exec(compile(job["instrument"], "<instrument>", "exec", dont_inherit=True), ns)
        hooks = _call.hooks(job)  # format 2: the exercise's probe and instrument
        _call.instrument(hooks, ns, _core._state.records)
    except BaseException as exc:  # the setup is not the learner's code
        return checker_error("setup", exc)
    setup = dict(ns)
    mark("learner: setup replayed")

    _wait_for_cgroups()
    try:
        exec(_compile_learner(job["code"]), ns)
    except _core.StopRun:
        pass  # a watcher has seen enough of the code; judge what ran
    except checkers.CheckFailed as exc:  # raised by the exercise's watcher, mid-run
        return {
            "status": "fail",
            "message": exc.message,
            "line": last_line(exc.__traceback__),
            "mistake": exc.mistake,
        }
    except BaseException as exc:
        return blanks_result(exc) or error_result(exc, job, during="code")
    if os.getpid() != me:
        # A process the learner forked must not go on to report anything.
        os._exit(0)
    mark("learner: code ran")

    if job.get("mode") == "run":
        return {
            "status": "ran",
            "message": _core.say("worker.ran-to-end"),
        }

    missing = [n for n in job.get("names", []) if n not in ns or ns[n] is Ellipsis]
    if missing:
        return undefined(job, missing)

    recorded = _core._state.records
    if job.get("probe") or "probe" in hooks:
        scope = dict(ns)
        scope.update({"record": _core.record, "ns": ns, "__name__": "__probe__"})
        try:
            if "probe" in hooks:
                kwargs, missing = _call.arguments(hooks["probe"], ns, recorded)
                if missing:
                    return undefined(job, missing)
                hooks["probe"](**kwargs)
            else:
                exec(compile(job["probe"], "<probe>", "exec", dont_inherit=True), scope)
        except BaseException as exc:
            if has_learner_frame(exc.__traceback__):
                return error_result(exc, job, during="check")
            return checker_error("probe", exc)
        if os.getpid() != me:
            os._exit(0)  # a process forked while the probe ran the learner's code
    try:
        for collect in _core._state.collectors:
            recorded.update(collect())
        tree, tensors = _facts.collect(
            ns,
            setup=setup,
            stdout=_core.printed(),
            recorded=recorded,
        )
        mark("learner: facts collected")
        _facts.dump(os.path.join(os.getcwd(), _facts.FACTS_FILE), tree, tensors)
        mark("learner: facts dumped")
    except Exception as exc:
        # Only the learner's code can have broken what the collector uses (a patched
        # builtin, a replaced torch function, a deleted folder).
        return {
            "status": "error",
            "message": _core.say(
                "worker.changed-python-or-torch", type=type(exc).__name__, error=exc
            ),
        }
    return {"status": "ok", "message": ""}


def await_cgroups_on(gate: int) -> None:
    """Make :func:`learn` wait for :data:`JOINED` on ``gate`` before the learner's code runs.

    A parked box gets its job before the worker has moved it into the job's cgroups;
    it replays the setup meanwhile, and runs nothing of the learner's until then.
    """
    global _cgroups_gate
    _cgroups_gate = gate


def _wait_for_cgroups() -> None:
    """In a parked box, wait until the worker has moved it into the job's cgroups."""
    global _cgroups_gate
    if _cgroups_gate < 0:
        return
    gate, _cgroups_gate = _cgroups_gate, -1
    try:
        heard = os.read(gate, 64)
    except OSError:
        heard = b""
    os.close(gate)
    if heard != JOINED:
        os._exit(1)  # the worker is gone: run nothing outside the job's limits
    mark("learner: in the job's cgroups")
