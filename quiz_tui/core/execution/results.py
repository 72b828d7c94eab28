"""Turns what the supervisor saw into a :class:`~quiz_tui.core.model.Result`.

The runner's words for what happened in a run are here (the few about not running at
all, an untouched starter or failed data, stay in :mod:`.runner`): a job stopped at a
limit (one table, :data:`_STOPS`), a process that died without a result, a verdict
the learner's process forged, and the exercise's own explanation of an error. It is
apart from :mod:`.supervise` because watching a process and wording what happened
are different concerns, and these texts are the ones a translator reads.
"""

from __future__ import annotations

import os
import re
import signal
from dataclasses import dataclass, replace
from typing import Any

from quiz_tui.core.execution.job import Job
from quiz_tui.core.execution.supervise import DISK_LIMIT, Capture, Outcome
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
        zh = job.lang == "zh"
        combined.killed = None
        combined.lost = False
        combined.result = {
            "status": Status.CHECKER_ERROR.value,
            "message": (
                f"检查本身没有完成（{reason}）：这是题目的问题，不是你的代码的问题。"
                if zh
                else f"The check itself did not finish ({reason}): a problem of the "
                "exercise or of quiz-tui, not of your code."
            ),
        }
    return result_of(job, combined, captures, warm, device)


@dataclass(frozen=True)
class _Stop:
    """What the learner reads about a job the runner stopped for one reason.

    The texts are ``str.format`` templates over the fields :func:`_stopped` fills in:
    ``at`` (where the code was), ``limit``, ``memory_gb``, ``disk_gb``, ``tasks``
    and ``protocol_error``.
    """

    status: Status
    en: str
    zh: str
    shows_line: bool = True
    """Whether the result points at the learner's line, when the stack dump names one."""
    shows_trace: bool = True
    """Whether the result carries the learner's frames from the stack dump."""


_STOPS: dict[str, _Stop] = {
    "timeout": _Stop(
        Status.TIMEOUT,
        "Your code was still running after {limit} (the limit for this task) and was stopped{at}.",
        "你的代码运行超过 {limit}（本题的时间上限），已被停止{at}。",
    ),
    "disk": _Stop(
        Status.ERROR,
        "Your code wrote more than {disk_gb:g} GB of files (or too many files) in its "
        "folder, the limit for a check, and was stopped{at}.",
        "你的代码在它的文件夹里写入了超过 {disk_gb:g} GB 的文件（或太多文件），已被停止{at}。",
    ),
    "memory": _Stop(
        Status.ERROR,
        "Your code used more than {memory_gb:.1f} GB of memory (the limit for this task) "
        "and was stopped{at}.",
        "你的代码使用了超过 {memory_gb:.1f} GB 内存（本题的上限），已被停止{at}。",
    ),
    "tasks": _Stop(
        Status.ERROR,
        "Your code started more than {tasks} processes or threads at "
        "once (the limit for a check) and was stopped{at}.",
        "你的代码同时启动了超过 {tasks} 个进程或线程（检查的上限），已被停止{at}。",
    ),
    "protocol": _Stop(
        Status.ERROR,
        "The process running your code sent quiz-tui a message it cannot accept, "
        "and was stopped: {protocol_error}. Do not write to quiz-tui's event pipe "
        "(file descriptor 3).",
        "运行你的代码的进程发来了 quiz-tui 无法接受的消息，已被停止：{protocol_error}。"
        "请不要写入 quiz-tui 的事件管道（文件描述符 3）。",
        shows_line=False,
        shows_trace=False,
    ),
    "cancelled": _Stop(
        Status.CANCELLED, "Cancelled before it finished.", "已取消。", shows_trace=False
    ),
    "start": _Stop(
        Status.CHECKER_ERROR,
        "The worker did not start in time; see the worker log in quiz-tui's cache folder.",
        "运行检查的进程没有按时启动；请查看 quiz-tui 缓存文件夹中的 worker 日志。",
        shows_line=False,
        shows_trace=False,
    ),
}
"""Why the runner stopped a job (``Outcome.killed``) → what the learner reads."""

_TIMEOUT_HINT = (
    " It may be waiting for something that never happens, or doing far more "
    "work than the task needs.",
    "它可能在等待一件永远不会发生的事，或者做了远超题目需要的计算。",
)
"""Added to a timeout when neither the stack dump nor a result says where the code was."""


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
    template = pick(job.lang, stop.en, stop.zh)
    message = template.format(
        at=_at(job.code, line, job.lang),
        limit=f"{job.limits.seconds:g} s",
        memory_gb=(job.limits.memory_mb or DEFAULT_MEMORY_MB) / 1024,
        disk_gb=DISK_LIMIT / (1 << 30),
        tasks=job.limits.tasks,
        protocol_error=protocol_error,
    )
    if reason == "timeout" and line is None and not has_result:
        message += pick(job.lang, *_TIMEOUT_HINT)
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
        message = pick(
            lang,
            "The worker process that runs checks stopped while your code ran (did your "
            "code kill its parent process?). A new worker has been started; check again.",
            "运行检查的 worker 进程在你的代码运行时停止了（你的代码是否结束了它的父进程？）。"
            "已经启动了新的 worker；请再检查一次。",
        )
        return {"message": message, "line": line}
    status = outcome.status
    if status is None:
        message = pick(lang, "The check ended without a result.", "检查结束了，但没有给出结果。")
        return {"message": message, "line": line}
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGABRT or "Fatal Python error: Aborted" in trace:
            # As pid 1 of its box, a process ignores its own SIGABRT, and abort()
            # ends in a fault instead; the trace still says what happened.
            en = "aborted the Python process (SIGABRT: os.abort() or a failed C assertion)"
            zh = "中止了 Python 进程（SIGABRT：os.abort() 或 C 代码中的断言失败）"
        elif sig == signal.SIGSEGV:
            en = "crashed Python with a segmentation fault (SIGSEGV)"
            zh = "让 Python 因段错误（SIGSEGV）崩溃了"
        elif sig == signal.SIGKILL:
            en = "was killed (SIGKILL) from outside quiz-tui; the system may have run out of memory"
            zh = "被 quiz-tui 之外的程序强行结束了（SIGKILL）；系统可能内存不足"
        else:
            en = f"ended the Python process with signal {name}"
            zh = f"用信号 {name} 结束了 Python 进程"
        return {
            "message": pick(lang, f"Your code {en}{at}.", f"你的代码{zh}{at}。"),
            "line": line,
            "traceback": _trace_excerpt(trace),
        }
    code = os.WEXITSTATUS(status)
    return {
        "message": pick(
            lang,
            f"Your code ended the process (exit code {code}, e.g. with os._exit) "
            f"before the checks could run{at}. Remove that call.",
            f"你的代码在检查开始之前就结束了进程（退出码 {code}，例如调用了 os._exit）{at}。"
            "请删掉这个调用。",
        ),
        "line": line,
    }


def forged(job: Job, raw: dict[str, Any]) -> dict[str, Any]:
    """The learner's process claimed a verdict it cannot give: say so, as an error."""
    zh = job.lang == "zh"
    claimed = str(raw.get("status"))[:40]
    return {
        "status": Status.ERROR.value,
        "message": (
            f"你的代码所在的进程自己报告了结果（“{claimed}”）：只有检查器能给出结论。"
            "请不要写入 quiz-tui 的事件管道。"
            if zh
            else f"The process running your code reported a verdict itself ({claimed!r}); only "
            "the judge gives verdicts. Do not write to quiz-tui's event pipe."
        ),
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
        message += "。" if job.lang == "zh" else "."
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
    if lang == "zh":
        return f"（第 {line} 行：`{source}`）" if source else f"（第 {line} 行）"
    return f" at line {line}: `{source}`" if source else f" at line {line}"


def pick(lang: Lang, en: str, zh: str) -> str:
    """The runner's own texts, in the job's language (the runner cannot use ``checkers.t``:
    importing the checkers would import torch into the app)."""
    return zh if lang == "zh" else en
