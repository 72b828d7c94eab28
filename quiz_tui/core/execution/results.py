"""Turns what the supervisor saw into a :class:`~quiz_tui.core.model.Result`.

Which of the runner's words tell what happened in a run is chosen here (the few about
not running at all, an untouched starter or failed data, in :mod:`.runner`): a job
stopped at a limit (one table, :data:`_STOPS`), a process that died without a result,
a verdict the learner's process forged, and the exercise's own explanation of an
error. The words themselves are the message catalogue's ``[runner]`` section
(:mod:`quiz_tui.core.messages`). It is apart from :mod:`.supervise` because watching
a process and wording what happened are different concerns.
"""

from __future__ import annotations

import os
import re
import signal
from dataclasses import dataclass, replace
from typing import Any

from quiz_tui.core.execution.job import Job
from quiz_tui.core.execution.supervise import DISK_LIMIT, Capture, Outcome
from quiz_tui.core.messages import say
from quiz_tui.core.model import DEFAULT_MEMORY_MB, CheckItem, Lang, Result, Status

LEARNER_FILE = "<your code>"
LEARNER_STATUSES = frozenset({"ok", "ran", "error", "fail", "not_attempted", "checker_error"})
"""What the learner's process may report: never a passing verdict."""

_TRACE_LINE = re.compile(rf'File "{re.escape(LEARNER_FILE)}", line (\d+)')


def result_of(
    job: Job,
    outcome: Outcome,
    captures: tuple[Capture, Capture],
    warm: bool,
    device: str,
) -> Result:
    """The result of one supervised process; ``device`` is the runner's ("auto" or one)."""
    out, err = captures
    seconds = (outcome.ended - outcome.started) if outcome.started else 0.0
    trace = outcome.trace.text()
    common: dict[str, Any] = {
        "task": job.task,
        "stdout": out.text(),
        "stderr": err.text(),
        "stdout_cut": out.cut,
        "stderr_cut": err.cut,
        "truncated": bool(out.cut or err.cut),
        "seconds": seconds,
        "images": tuple(outcome.images),
        "warm": warm,
    }
    raw = outcome.result or {}
    common["device"] = str(raw.get("device", device if device != "auto" else "cpu"))
    common["details"] = dict(raw.get("details") or {})
    common["mistake"] = str(raw.get("mistake") or "")
    checks = tuple(
        CheckItem(name=str(c.get("name", "")), status=c.get("status", "fail"),
                  message=str(c.get("message", "")))
        for c in raw.get("checks") or []
    )  # fmt: skip
    common["checks"] = checks

    killed = outcome.killed
    if killed == "tasks" and raw.get("status") == "error":
        killed = None  # the code already stopped with its own exception, explained
    if killed is not None:
        return _stopped(
            job,
            killed,
            trace,
            common,
            has_result=bool(raw),
            protocol_error=outcome.protocol_error,
        )
    if outcome.lost:
        # Whatever the child concluded, the learner must hear that the worker died.
        return Result(status=Status.ERROR, **_death(job, outcome, trace), **common)
    if raw.get("status"):
        status = Status(raw["status"])
        line = raw.get("line")
        return Result(
            status=status,
            message=str(raw.get("message", "")),
            traceback=str(raw.get("traceback", "")),
            line=int(line) if isinstance(line, int) else None,
            **common,
        )

    return Result(status=Status.ERROR, **_death(job, outcome, trace), **common)


def judged(
    job: Job,
    learner: Outcome,
    judge: Outcome,
    captures: tuple[Capture, Capture],
    warm: bool,
    device: str,
) -> Result:
    """The result of a check: the judge's verdict with the learner's output and time."""
    if judge.killed == "cancelled":
        return result_of(job, judge, captures, warm, device)
    combined = replace(judge, started=learner.started, ended=learner.ended)
    combined.images = [*learner.images, *judge.images]
    raw = judge.result
    if judge.killed is not None or judge.lost or raw is None or not raw.get("status"):
        reason = judge.protocol_error or judge.killed or ("lost" if judge.lost else "no verdict")
        combined.killed = None
        combined.lost = False
        combined.result = {
            "status": Status.CHECKER_ERROR.value,
            "message": say(job.lang, "runner.check-did-not-finish", reason=reason),
        }
    return result_of(job, combined, captures, warm, device)


@dataclass(frozen=True)
class _Stop:
    """What the learner reads about a job the runner stopped for one reason.

    ``key`` names the catalogue's text, a template over the fields :func:`_stopped`
    fills in: ``at`` (where the code was), ``limit``, ``memory_gb``, ``disk_gb``,
    ``tasks`` and ``protocol_error``.
    """

    status: Status
    key: str
    shows_line: bool = True
    """Whether the result points at the learner's line, when the stack dump names one."""
    shows_trace: bool = True
    """Whether the result carries the learner's frames from the stack dump."""


_STOPS: dict[str, _Stop] = {
    "timeout": _Stop(Status.TIMEOUT, "runner.stop-timeout"),
    "disk": _Stop(Status.ERROR, "runner.stop-disk"),
    "memory": _Stop(Status.ERROR, "runner.stop-memory"),
    "tasks": _Stop(Status.ERROR, "runner.stop-tasks"),
    "protocol": _Stop(Status.ERROR, "runner.stop-protocol", shows_line=False, shows_trace=False),
    "cancelled": _Stop(Status.CANCELLED, "runner.stop-cancelled", shows_trace=False),
    "start": _Stop(Status.CHECKER_ERROR, "runner.stop-start", shows_line=False, shows_trace=False),
}
"""Why the runner stopped a job (``Outcome.killed``) → what the learner reads."""


def _stopped(
    job: Job,
    reason: str,
    trace: str,
    common: dict[str, Any],
    *,
    has_result: bool,
    protocol_error: str = "",
) -> Result:
    """The result of a job this runner stopped (time, memory, tasks, disk, cancel, ...)."""
    stop = _STOPS.get(reason, _STOPS["start"])
    line = _line_from_trace(trace)
    message = say(
        job.lang,
        stop.key,
        at=_at(job.code, line, job.lang),
        limit=f"{job.limits.seconds:g} s",
        memory_gb=f"{(job.limits.memory_mb or DEFAULT_MEMORY_MB) / 1024:.1f}",
        disk_gb=f"{DISK_LIMIT / (1 << 30):g}",
        tasks=job.limits.tasks,
        protocol_error=protocol_error,
    )
    if reason == "timeout" and line is None and not has_result:
        # Neither the stack dump nor a result says where the code was.
        message += say(job.lang, "runner.timeout-hint")
    return Result(
        status=stop.status,
        message=message,
        line=line if stop.shows_line else None,
        traceback=_trace_excerpt(trace) if stop.shows_trace else "",
        **common,
    )


def _death(job: Job, outcome: Outcome, trace: str) -> dict[str, Any]:
    """Explain a child that ended without writing a result."""
    lang = job.lang
    line = _line_from_trace(trace)
    at = _at(job.code, line, lang)
    if outcome.lost:
        return {"message": say(lang, "runner.worker-lost"), "line": line}
    status = outcome.status
    if status is None:
        return {"message": say(lang, "runner.no-result"), "line": line}
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGABRT or "Fatal Python error: Aborted" in trace:
            # As pid 1 of its box, a process ignores its own SIGABRT, and abort()
            # ends in a fault instead; the trace still says what happened.
            message = say(lang, "runner.died-abort", at=at)
        elif sig == signal.SIGSEGV:
            message = say(lang, "runner.died-segfault", at=at)
        elif sig == signal.SIGKILL:
            message = say(lang, "runner.died-killed", at=at)
        else:
            message = say(lang, "runner.died-signal", signal=name, at=at)
        return {"message": message, "line": line, "traceback": _trace_excerpt(trace)}
    code = os.WEXITSTATUS(status)
    return {"message": say(lang, "runner.exited", code=code, at=at), "line": line}


def forged(job: Job, raw: dict[str, Any]) -> dict[str, Any]:
    """The learner's process claimed a verdict it cannot give: say so, as an error."""
    claimed = str(raw.get("status"))[:40]
    return {
        "status": Status.ERROR.value,
        "message": say(job.lang, "runner.forged-verdict", claimed=claimed),
    }


def explained(result: Result, job: Job) -> Result:
    """Add the exercise's words for an error the article's own code leads to."""
    if result.status is not Status.ERROR or not job.explain:
        return result
    haystack = f"{result.message}\n{result.traceback}"
    extra = [e.text.get(job.lang) for e in job.explain if re.search(e.pattern, haystack)]
    if not extra:
        return result
    # As the worker joins a catalogue explanation: Python's words, then ours on a line
    # of their own.
    message = result.message.rstrip()
    if message and not message.endswith((".", "!", "?", "。", "！", "？", ":", "：")):
        message += say(job.lang, "runner.full-stop")
    return replace(result, message="\n".join([message, *extra]))


def _line_from_trace(trace: str) -> int | None:
    """The learner's innermost line in a faulthandler dump (most recent call first)."""
    current = trace.split("Current thread", 1)
    text = ("Current thread" + current[1]) if len(current) == 2 else trace
    match = _TRACE_LINE.search(text) or _TRACE_LINE.search(trace)
    return int(match.group(1)) if match else None


def _trace_excerpt(trace: str) -> str:
    """The learner's frames from a faulthandler dump, most recent call first."""
    lines = [ln.strip() for ln in trace.splitlines() if LEARNER_FILE in ln]
    return "\n".join(dict.fromkeys(lines))


def _source_line(code: str, line: int | None) -> str:
    if line is None:
        return ""
    lines = code.splitlines()
    if 1 <= line <= len(lines):
        return lines[line - 1].strip()
    return ""


def _at(code: str, line: int | None, lang: Lang = "en") -> str:
    """Where the code was when something happened: `` at line 3: `x = f()` ``."""
    source = _source_line(code, line)
    if line is None:
        return ""
    if source:
        return say(lang, "runner.at-line-source", line=line, source=source)
    return say(lang, "runner.at-line", line=line)
