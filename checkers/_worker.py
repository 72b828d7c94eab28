"""The worker: the only process that runs exercise and learner code.

Two ways to start it (see ``quiz_tui.core.execution.runner``):

``python -m checkers._worker zygote --socket FD``
    Imports torch, torchvision and the checkers once, then waits on a Unix
    socket. For every job it receives (with the job's pipe ends passed as file
    descriptors) it forks one fresh child, so nothing leaks from one check to
    the next and a check starts in tens of milliseconds. The zygote itself does
    no tensor work, starts no thread and never touches CUDA: forking after any
    of those can hang or break the child.

``python -m checkers._worker once``
    Reads one job from stdin and runs it in this process: the cold path, used
    when the zygote cannot start and by the latency benchmark.

A job child puts itself in a new session (so the whole group can be killed),
joins its cgroups when the app made some, closes stdin, runs the setup, the
learner's code and the check, and writes JSON-line events to its events pipe:
``started``, then any ``progress``/``image``, then one ``result``.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import ctypes
import errno
import faulthandler
import fcntl
import io
import json
import linecache
import os
import random
import re
import resource
import selectors
import signal
import socket
import sys
import time
import traceback
import types
from collections.abc import Callable
from types import CodeType, TracebackType
from typing import Any

from quiz_tui.core.execution import confine, protocol
from quiz_tui.core.execution.timing import MARKS_FD, mark, open_marks
from quiz_tui.core.execution.timing import active as marks_on

LEARNER_FILE = "<your code>"
CHECK_FILE = "<check>"
KEEP_PRINTED = 1 << 20
"""Bytes of printed text kept in the child for ``expect_printed`` (the app shows 64 KB)."""
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
FD_NAMES = ("stdout", "stderr", "events", "trace", "go")
"""The descriptors a job gets, in order; only a waiting judge gets "go"."""
GO_FD = 5
PARK_IDLE = 0.02
"""Seconds without a request before the worker forks the next check's box."""
MAX_MESSAGE = 1 << 16
JOINED = b"joined"
"""What the worker tells a parked box once it is in the job's cgroups."""
_cgroups_gate = -1
"""A parked box's end of its socket, to hear :data:`JOINED` on (-1: not parked)."""
"""Control messages are small: the job itself travels as a file (``job_path``)."""


# ---------------------------------------------------------------------------
# The child: runs one job


class _NoStdin(io.TextIOBase):
    """``sys.stdin`` in a check: reading explains why there is no keyboard."""

    def readable(self) -> bool:
        return True

    def _refuse(self) -> str:
        from checkers._core import t

        raise EOFError(
            t(
                "input() cannot read anything here: quiz-tui runs your code without a keyboard. "
                "Put the value in your code instead.",
                "input() 在这里读不到任何内容：quiz-tui 运行你的代码时没有键盘输入。"
                "请直接把值写在代码里。",
            )
        )

    def read(self, size: int | None = -1) -> str:
        return self._refuse()

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self._refuse()

    def fileno(self) -> int:
        return 0


class _Tee(io.TextIOBase):
    """``sys.stdout`` in a check: writes through to the pipe and keeps a copy for checks."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._kept: list[str] = []
        self._kept_len = 0
        self.buffer = io.FileIO(fd, "wb", closefd=False)

    encoding = "utf-8"
    errors = "backslashreplace"

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if self._kept_len < KEEP_PRINTED:
            piece = s[: KEEP_PRINTED - self._kept_len]
            self._kept.append(piece)
            self._kept_len += len(piece)
        data = memoryview(s.encode("utf-8", "backslashreplace"))
        try:
            while data:
                data = data[os.write(self._fd, data) :]
        except BrokenPipeError:
            pass
        return len(s)

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return False

    def getvalue(self) -> str:
        return "".join(self._kept)


def _text_stream(fd: int) -> io.TextIOWrapper:
    return io.TextIOWrapper(
        io.FileIO(fd, "wb", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        write_through=True,
        line_buffering=True,
    )


def _join_cgroups(paths: list[str]) -> None:
    for path in paths:
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))


def _user_task_count() -> int:
    """Threads of this user, for RLIMIT_NPROC (which counts them per user)."""
    uid = os.getuid()
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
            with open(f"/proc/{name}/stat", "rb") as f:
                total += int(f.read().rsplit(b")", 1)[1].split()[17])
        except (OSError, ValueError, IndexError):
            continue
    return total


def _apply_rlimits(job: dict[str, Any]) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    fsize = int(job.get("file_mb", 512)) << 20
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    if hard == resource.RLIM_INFINITY or hard > fsize:
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    # A too-large write then fails with OSError(EFBIG) instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if not job.get("cgroups") and os.getuid() != 0:
        # Without a pids cgroup, cap new threads and processes through the per-user limit
        # (root ignores it; the app's watcher covers that case).
        soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        want = _user_task_count() + int(job.get("tasks", 128))
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if soft == resource.RLIM_INFINITY or want < soft:
            resource.setrlimit(resource.RLIMIT_NPROC, (want, hard))


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _resolve_device(requested: str) -> str:
    import torch

    if requested == "cpu":
        return "cpu"
    available = torch.cuda.is_available()
    if requested == "cuda" and not available:
        from checkers._core import t

        raise RuntimeError(
            t(
                "CUDA was asked for, but torch finds no usable GPU on this machine",
                "设置要求使用 CUDA，但 torch 在这台机器上找不到可用的 GPU",
            )
        )
    return "cuda" if available else "cpu"


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
    from checkers._core import t

    tasks = job.get("tasks", 128)
    if type(exc).__name__ == "OutOfMemoryError":
        return t(
            "The GPU ran out of memory: use smaller tensors or batches, and drop references "
            "to tensors you no longer need.",
            "GPU 显存不够用了：请使用更小的张量或批次，并去掉对不再需要的张量的引用。",
        )
    if isinstance(exc, RecursionError):
        return t(
            "A function keeps calling itself without stopping.",
            "有一个函数在不停地调用自己，没有停下来的条件。",
        )
    if isinstance(exc, MemoryError):
        return t(
            "Your code asked for more memory than this machine can give.",
            "你的代码申请的内存超过了这台机器能提供的量。",
        )
    if isinstance(exc, BlockingIOError | PermissionError) and exc.errno in (
        errno.EAGAIN,
        errno.EPERM,
    ):
        return t(
            f"Your code tried to start too many processes or threads "
            f"(at most {tasks} may run at once in a check).",
            f"你的代码试图启动太多进程或线程（一次检查中最多同时运行 {tasks} 个）。",
        )
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        return t(
            f"Your code tried to start too many threads "
            f"(at most {tasks} may run at once in a check).",
            f"你的代码试图启动太多线程（一次检查中最多同时运行 {tasks} 个）。",
        )
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        mb = job.get("file_mb", 512)
        return t(
            f"Files written by a check may be at most {mb} MB.",
            f"检查中写入的文件最大只能是 {mb} MB。",
        )
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


SYNTAX_ZH = {"SyntaxError": "语法错误", "IndentationError": "缩进错误", "TabError": "缩进错误"}


def _error_result(
    exc: BaseException, job: dict[str, Any], *, during: str, what: str = ""
) -> dict[str, Any]:
    """Turn an exception raised by the learner's code into an ``error`` result.

    The message is Python's (its first meaningful line), framed in the learner's
    language, then an explanation: the catalogue's entry for the mistake (whose
    id travels as ``mistake``), or a sentence about the machine's limits. Where
    the exercise has its own ``[[explain]]`` words for the error, those take the
    place of the catalogue's text (the id still travels).
    """
    from checkers._core import error_headline, t, with_explanation

    if isinstance(exc, SyntaxError) and exc.filename == LEARNER_FILE:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
        kind = type(exc).__name__
        message = t(
            f"{kind} on line {exc.lineno}: {exc.msg}",
            f"第 {exc.lineno} 行有{SYNTAX_ZH.get(kind, '语法错误')}（{kind}）：{exc.msg}",
        )
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
            "message": t(
                "Your code called sys.exit() or exit(). The checks need your code to run to "
                "its end; remove the call.",
                "你的代码调用了 sys.exit() 或 exit()。检查需要你的代码一直运行到结尾；请删掉这个调用。",
            ),
            "line": _last_line(exc.__traceback__),
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


def _blanks_result(exc: BaseException) -> dict[str, Any] | None:
    """When the code failed on one of the starter's ``...`` blanks: say which are left.

    A shared editor (the training loop of tasks 51-55) runs only once every
    numbered line is written; Python's own words ("'ellipsis' object has no
    attribute 'item'") would blame a line the learner has not reached yet.
    """
    from checkers import code
    from checkers._core import t

    if "ellipsis" not in f"{type(exc).__name__}: {exc}".lower():
        return None
    left = code.blanks()
    if not left:
        return None
    en = ", ".join(f"{line}" + (f" (task {label})" if label else "") for line, label in left)
    zh = "、".join(f"{line}" + (f"（第 {label} 题）" if label else "") for line, label in left)
    lines = "lines" if len(left) > 1 else "line"
    return {
        "status": "error",
        "message": t(
            f"Your code still has blanks (`...`) on {lines} {en}, and it stopped on one: "
            "the code runs only once every blank is filled in. Write those lines, then "
            "check again.",
            f"你的代码在第 {zh} 行还有空白（`...`），运行时在空白处停了下来：只有把所有空白都"
            "填好，代码才能运行。请写好这些行，再检查一次。",
        ),
        "line": left[0][0],
    }


def _last_line(tb: TracebackType | None) -> int | None:
    frames = _learner_frames(tb)
    return frames[-1].lineno if frames else None


def _has_learner_frame(tb: TracebackType | None) -> bool:
    return any(f.filename == LEARNER_FILE for f in traceback.extract_tb(tb))


PARTS_ZH = {
    "setup": "准备代码",
    "probe": "探针",
    "check": "检查",
    "runner": "运行器",
    "report": "报告",
}
"""The parts of a task that can fail, in Chinese (for checker errors)."""


def _checker_error(what: str, exc: BaseException) -> dict[str, Any]:
    from checkers._core import t

    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        raw = f"{type(exc).__name__}: {exc}"
    except Exception:
        raw = type(exc).__name__
    return {
        "status": "checker_error",
        "message": t(
            f"The task's {what} failed; this is a bug in the exercise, not in your code. {raw}",
            f"本题的{PARTS_ZH.get(what, what)}出错了：这是题目的问题，不是你的代码的问题。{raw}",
        ),
        "traceback": detail.rstrip(),
    }


def _compile_learner(code: str) -> CodeType:
    linecache.cache[LEARNER_FILE] = (len(code), None, code.splitlines(True), LEARNER_FILE)
    return compile(code, LEARNER_FILE, "exec", dont_inherit=True)


def _is_placeholder(code: str) -> bool:
    """True when the code holds nothing but ``...``, ``pass`` and ``name = ...``."""
    for node in ast.parse(code).body:
        if isinstance(node, ast.Pass):
            continue
        value = node.value if isinstance(node, ast.Expr | ast.Assign | ast.AnnAssign) else None
        if not (isinstance(value, ast.Constant) and value.value is Ellipsis):
            return False
    return True


def _run_setup(job: dict[str, Any], target: dict[str, Any]) -> None:
    for name, code in job.get("setup", []):
        exec(compile(code, f"<{name}>", "exec", dont_inherit=True), target)


def _fresh_setup(job: dict[str, Any]) -> dict[str, Any]:
    """The names the trusted setup makes, run anew with the job's seed."""
    fresh: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    _seed_everything(int(job.get("seed", 0)))
    _run_setup(job, fresh)
    return fresh


def _learn(job: dict[str, Any], ns: dict[str, Any], me: int) -> dict[str, Any]:
    """The learner's process: setup, the learner's code, then the facts for the judge.

    Returns the outcome this process reports. It can only ever report that the
    code did *not* succeed (an error, a failure seen while the loop ran, names
    not defined yet) or that it ran; whether an answer passes is the judge's
    alone to say, from the facts written here.
    """
    import checkers
    from checkers import _call, _core, _facts

    _core._state.replay = lambda: _fresh_setup(job)
    _core._state.code = job.get("code", "")
    try:
        _run_setup(job, ns)
        if job.get("instrument"):
            exec(compile(job["instrument"], "<instrument>", "exec", dont_inherit=True), ns)
        hooks = _call.hooks(job)  # format 2: the exercise's probe and instrument
        _call.instrument(hooks, ns, _core._state.records)
    except BaseException as exc:  # the setup is not the learner's code
        return _checker_error("setup", exc)
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
            "line": _last_line(exc.__traceback__),
            "mistake": exc.mistake,
        }
    except BaseException as exc:
        return _blanks_result(exc) or _error_result(exc, job, during="code")
    if os.getpid() != me:
        # A process the learner forked must not go on to report anything.
        os._exit(0)
    mark("learner: code ran")

    if job.get("mode") == "run":
        return {
            "status": "ran",
            "message": _core.t("Your code ran to the end.", "你的代码运行完毕。"),
        }

    missing = [n for n in job.get("names", []) if n not in ns or ns[n] is Ellipsis]
    if missing:
        return _undefined(job, missing)

    recorded = _core._state.records
    if job.get("probe") or "probe" in hooks:
        scope = dict(ns)
        scope.update({"record": _core.record, "ns": ns, "__name__": "__probe__"})
        try:
            if "probe" in hooks:
                kwargs, missing = _call.arguments(hooks["probe"], ns, recorded)
                if missing:
                    return _undefined(job, missing)
                hooks["probe"](**kwargs)
            else:
                exec(compile(job["probe"], "<probe>", "exec", dont_inherit=True), scope)
        except BaseException as exc:
            if _has_learner_frame(exc.__traceback__):
                return _error_result(exc, job, during="check")
            return _checker_error("probe", exc)
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
            "message": _core.t(
                "Your code changed Python or torch in a way that kept quiz-tui from reading "
                f"its results ({type(exc).__name__}: {exc}). Leave built-in functions and "
                "torch's own functions as they are.",
                f"你的代码改动了 Python 或 torch，导致 quiz-tui 无法读取运行结果"
                f"（{type(exc).__name__}：{exc}）。请不要替换内置函数或 torch 自带的函数。",
            ),
        }
    return {"status": "ok", "message": ""}


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


def _undefined(job: dict[str, Any], missing: list[str]) -> dict[str, Any]:
    """The result for names the task needs that the learner's code does not define."""
    from checkers import _core

    names = ", ".join(f"`{n}`" for n in missing)
    msg = _core.t(
        f"Your code does not define {names} yet: the task asks you to store the answer there.",
        f"你的代码还没有定义 {names}：题目要求把答案存到这些变量里。",
    )
    status = "not_attempted" if _is_placeholder(job["code"]) else "fail"
    return {"status": status, "message": msg}


def _judge(job: dict[str, Any]) -> dict[str, Any]:
    """The judge's process: never runs a line of the learner's code.

    It replays the trusted setup with the same seed, reads the learner's facts
    as data, rebuilds the namespace the check expects from them, and runs the
    check. Only this process writes a verdict the runner accepts.
    """
    import checkers
    from checkers import _core, _facts

    _core._state.trusted = True
    _core._state.replay = lambda: _fresh_setup(job)
    _core._state.code = job.get("code", "")
    try:
        setup = _fresh_setup(job)
    except BaseException as exc:
        return _checker_error("setup", exc)
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
            "message": _core.t("The task's setup is ready.", "本题的准备工作已完成。"),
        }

    reference: dict[str, Any] | None = None

    def reference_class(name: str) -> type | None:
        """A class of the reference solution, for a class the learner wrote."""
        nonlocal reference
        found = setup.get(name)
        if isinstance(found, type):
            return found
        if reference is None:
            reference = _fresh_setup(job)
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
            "message": _core.t(
                f"The results of your code could not be read ({exc}). Did your code delete or "
                "overwrite files in its folder, or end the process early?",
                f"无法读取你的代码的运行结果（{exc}）。你的代码是否删除或覆盖了所在文件夹中的文件，"
                "或者提前结束了进程？",
            ),
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
                return _undefined(job, missing)
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
        return _error_result(exc.original, job, during="check", what=exc.what)
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
        return _checker_error("check", exc)
    mark("judge: check ran")
    return {
        "status": "pass",
        "message": _core.t("All checks passed.", "全部检查通过。"),
    }


def _replaced_method(ns: dict[str, Any]) -> Any:
    """The catalogue's ``method-replaced`` for the first of the learner's objects whose method
    their code assigned over (``net3.state_dict = weights``), if any: a fact, not a guess
    (the facts say what the assignment put there), told when the answer is judged wrong."""
    from checkers import _facts
    from checkers._core import t
    from checkers._mistakes import mistake

    for name, value in ns.items():
        if name.startswith("__"):
            continue
        for attr, found in _facts.shadowed(value).items():
            if attr == "state_dict":
                advice = t(
                    f"To load saved weights into a network, call "
                    f"`{name}.load_state_dict(weights)`.",
                    f"要把保存的权重加载到网络中，请调用 `{name}.load_state_dict(weights)`。",
                )
            else:
                advice = t(
                    f"To use the method, call it: `{name}.{attr}(...)`.",
                    f"要使用这个方法，请调用它：`{name}.{attr}(...)`。",
                )
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
    from checkers._core import t
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
        return t(
            f"`{name}` is a {found}, and a {found} has no `.{attr}`, which the check needs: "
            f"`{name}` does not hold the kind of value the task asks for.",
            f"`{name}` 是一个 {found}，而 {found} 没有检查需要的 `.{attr}`："
            f"`{name}` 里存放的不是题目要求的那种值。",
        )
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
    return _core.t(
        f"One of your values is something the checker can only describe, not use ({text}). "
        "Build it from the objects the task names (torch tensors, torch.nn layers, "
        "torchvision transforms).",
        f"你的某个值只能被检查器描述而无法使用（{text}）。请用题目要求的对象来构造它"
        "（torch 张量、torch.nn 层、torchvision 变换）。",
    )


def run_job(job: dict[str, Any], fds: dict[str, int]) -> None:
    """Run one job in this process, writing events to ``fds["events"]``."""
    with contextlib.suppress(OSError):  # already a leader when started with start_new_session
        os.setsid()
    _join_cgroups(job.get("cgroups", []))
    events_fd, trace_fd = _take_fds(job, fds)
    judging = job.get("role") == "judge" or job.get("mode") in ("prepare", "probe")
    mark(f"{'judge' if judging else 'learner'}: forked")
    _write(events_fd, protocol.Started(pid=os.getpid()))
    box = job.get("box")
    if not judging and isinstance(box, dict):
        # The learner's code runs as pid 1 of its own namespaces, in a Landlock box:
        # whatever it starts dies with it, and it reaches no other process.
        entered = confine.enter_namespaces()
        status = confine.run_contained(lambda: _in_box(job, box, entered, events_fd, trace_fd))
        os._exit(status)
    _run_job_here(job, events_fd, trace_fd, judging)


def _take_fds(
    job: dict[str, Any], fds: dict[str, int], *, keep: tuple[int, ...] = ()
) -> tuple[int, int]:
    """Put the job's pipes on fixed numbers (stdio, 3 events, 4 trace, 5 go); close the
    rest but ``keep``."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(fds["stdout"], 1)
    os.dup2(fds["stderr"], 2)
    # Events, traces (and a judge's go pipe) on fixed low numbers, every other one closed.
    events_fd, trace_fd = 3, 4
    moved = {}
    targets = [("events", events_fd), ("trace", trace_fd)]
    if "go" in fds:
        targets.append(("go", GO_FD))
    for name, target in targets:
        temp = os.dup(fds[name])
        moved[name] = (temp, target)
    for temp, target in moved.values():
        os.dup2(temp, target)
    first = GO_FD + 1 if "go" in fds else GO_FD
    if marks_on():  # bench/profile_check.py: keep the marks file open
        keep = (*keep, MARKS_FD)
    for fd in sorted(k for k in keep if k >= first):
        os.closerange(first, fd)
        first = fd + 1
    os.closerange(first, 65536)
    if "go" in fds:
        job["waits"] = True
    os.set_inheritable(events_fd, True)
    return events_fd, trace_fd


class _Parked:
    """A learner's box made ahead of time: forked, in its namespaces, waiting for a job.

    Forking a process that has torch loaded costs about 12 ms, and a box needs
    two forks (the pid namespace's first process is the second); parking the
    next box while the current check runs takes both off the critical path.
    """

    def __init__(self, pid: int, sock: socket.socket, box_pid_fd: int) -> None:
        self.pid = pid
        """The box's outer process: a session leader, parent of the box's pid 1."""
        self.sock = sock
        self._box_pid_fd = box_pid_fd

    def box_pid(self) -> int:
        """The box's pid 1 as seen from here (it may still be starting)."""
        with os.fdopen(self._box_pid_fd, "rb") as f:
            data = f.read()
        return int(data) if data.strip().isdigit() else 0

    def dispatch(self, job: dict[str, Any], job_path: str, fds: list[int]) -> None:
        """Hand the parked box its job, then move it into the job's cgroups.

        Moving a process between cgroups waits for the kernel (about 10 ms), so the
        box replays the trusted setup meanwhile; it runs the learner's code only
        once it hears :data:`JOINED` (see :func:`_wait_for_cgroups`).
        """
        members = [self.pid, self.box_pid()]
        message = json.dumps({"job_path": job_path}).encode()
        overlap = bool(job.get("prefork", True))  # off: the old order, to measure it
        if overlap:
            socket.send_fds(self.sock, [message], fds)
        for folder in job.get("cgroups", []):
            for pid in members:
                path = os.path.join(folder, "cgroup.procs")
                with contextlib.suppress(OSError), open(path, "w") as f:
                    f.write(str(pid))
        if not overlap:
            socket.send_fds(self.sock, [message], fds)
        with contextlib.suppress(OSError):
            self.sock.send(JOINED)
        self.sock.close()

    def discard(self) -> None:
        self.sock.close()  # the box reads nothing and exits
        with contextlib.suppress(OSError):
            os.close(self._box_pid_fd)
        _kill_tree(self.pid)


def _park(close_in_child: Callable[[], None], *, warm: bool = True) -> _Parked | None:
    """Fork the next learner's box and leave it waiting (None if it cannot be made)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid_r, pid_w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        for s in (ours, theirs):
            s.close()
        os.close(pid_r)
        os.close(pid_w)
        return None
    if pid == 0:
        status = 1
        try:
            close_in_child()
            ours.close()
            os.close(pid_r)
            os.setsid()
            entered = confine.enter_namespaces()

            def told(box: int) -> None:
                os.write(pid_w, str(box).encode())
                os.close(pid_w)

            status = confine.run_contained(
                lambda: _wait_parked(theirs, pid_w, entered, warm=warm), on_start=told
            )
        finally:
            os._exit(status)
    theirs.close()
    os.close(pid_w)
    return _Parked(pid, ours, pid_r)


def _wait_parked(sock: socket.socket, pid_w: int, entered: set[str], *, warm: bool) -> int:
    """The parked box's pid 1: wait for a job, then run the learner's side of it."""
    with contextlib.suppress(OSError):
        os.close(pid_w)
    with contextlib.suppress(OSError, AttributeError):  # die with the process that waits on us
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if warm:
        _warm_up()
    try:
        msg, fd_list, _flags, _addr = socket.recv_fds(sock, MAX_MESSAGE, 8)
    except OSError:
        return 0
    if not msg:
        sock.close()
        return 0  # discarded: the worker is closing
    mark("learner: parked box got its job")
    global _cgroups_gate
    _cgroups_gate = fcntl.fcntl(sock.fileno(), fcntl.F_DUPFD_CLOEXEC, 100)
    sock.close()
    job = _read_job(json.loads(msg)["job_path"])
    fds = dict(zip(FD_NAMES, fd_list, strict=False))
    events_fd, trace_fd = _take_fds(job, fds, keep=(_cgroups_gate,))
    # The runner knows this box by its outer pid (from the worker); this one is 1.
    _write(events_fd, protocol.Started(pid=os.getpid()))
    return _in_box(job, job["box"], entered, events_fd, trace_fd)


class _ParkedJudge:
    """A judge forked ahead of time, in a session of its own, waiting for its job.

    A judge is forked while the learner's process runs, and on two cores that
    fork (about 20 ms for a process with torch loaded) slows the learner's code
    down. Parked, it is forked while nothing runs; a check then only hands it
    the job and its pipes, and it joins the job's cgroups itself (it runs no
    learner code, so it needs no box).
    """

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid = pid
        self.sock = sock

    def dispatch(self, job_path: str, fds: list[int]) -> None:
        socket.send_fds(self.sock, [json.dumps({"job_path": job_path}).encode()], fds)
        self.sock.close()

    def discard(self) -> None:
        self.sock.close()  # the judge reads nothing and exits
        _kill_tree(self.pid)


def _park_judge(close_in_child: Callable[[], None]) -> _ParkedJudge | None:
    """Fork the next check's judge and leave it waiting (None if it cannot be made)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        pid = os.fork()
    except OSError:
        for s in (ours, theirs):
            s.close()
        return None
    if pid == 0:
        try:
            close_in_child()
            ours.close()
            os.setsid()
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            _warm_up()
            try:
                msg, fd_list, _flags, _addr = socket.recv_fds(theirs, MAX_MESSAGE, 8)
            except OSError:
                msg, fd_list = b"", []
            theirs.close()
            if msg:
                mark("judge: parked judge got its job")
                job = _read_job(json.loads(msg)["job_path"])
                run_job(job, dict(zip(FD_NAMES, fd_list, strict=False)))
        finally:
            os._exit(0)
    theirs.close()
    return _ParkedJudge(pid, ours)


def _warm_up() -> None:
    """What every check does first and costs the same for all: done while parked.

    The first seeding in a fresh fork looks torch's devices up, and the first
    ``torch.save``, ``torch.load`` and tensor ``repr`` import and set up their
    machinery (several milliseconds each); after them, a job's own are cheap.
    """
    import torch

    with contextlib.suppress(Exception):
        _seed_everything(0)
        # The facts' way there and back (torch.save, the restricted torch.load): their
        # first use imports and builds what later ones reuse.
        buffer = io.BytesIO()
        torch.save({"tree": "{}", "tensors": [torch.zeros(2)]}, buffer)
        buffer.seek(0)
        torch.load(buffer, map_location="cpu", weights_only=True)
        repr(torch.zeros(2, 2, dtype=torch.long))  # printing a tensor, and expect_printed
        repr(torch.zeros(2, 2))


def _in_box(
    job: dict[str, Any], box: dict[str, Any], entered: set[str], events_fd: int, trace_fd: int
) -> int:
    """In the box's pid 1: lock the process down, then run the learner's side of the job."""
    with contextlib.suppress(OSError, AttributeError):  # die with the process that waits on us
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    scratch = job["cwd"]
    # Where quiz-tui keeps its files is no secret (the box cannot reach it), and it
    # names the processes of one quiz-tui home for tests and for people alike.
    keep = {k: os.environ[k] for k in ("QUIZ_TUI_HOME",) if k in os.environ}
    os.environ.clear()
    os.environ.update(
        {
            **keep,
            "HOME": scratch,
            "TMPDIR": scratch,
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    readable = [str(p) for p in box.get("read", []) if p]
    confine.confine(
        scratch,
        read_only=confine.default_read_only_paths(readable, protect=box.get("protect", [])),
        read_write=confine.default_read_write_paths(),
        namespaces=entered,
    )
    _run_job_here(job, events_fd, trace_fd, judging=False)
    return 0


def _run_job_here(job: dict[str, Any], events_fd: int, trace_fd: int, judging: bool) -> None:
    """The job's work in this process: the learner's side, the judge, or a probe."""
    from checkers import _core

    lib = job.get("lib")
    if isinstance(lib, str) and lib and lib not in sys.path:
        sys.path.insert(0, lib)  # the pack's own helpers (the built-in pack's LeNet, training)

    me = os.getpid()
    faulthandler.enable(file=trace_fd, all_threads=True)
    faulthandler.register(signal.SIGTERM, file=trace_fd, all_threads=True, chain=False)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _apply_rlimits(job)
    os.chdir(job["cwd"])

    tee = _Tee(1)
    sys.stdout = tee
    sys.stderr = _text_stream(2)
    sys.stdin = _NoStdin()
    sys.argv = ["solution.py"]

    data = job.get("data") or {}
    state = _core._reset(
        lang=job.get("lang", "en"),
        stdout=tee.getvalue,
        events_fd=events_fd,
        seed=int(job.get("seed", 0)),
        data_root=data.get("root", ""),
        data_kind=data.get("kind", "practice"),
        cache_dir=data.get("cache", ""),
    )
    result: dict[str, Any]
    role = "judge" if judging else "learner"
    mark(f"{role}: ready to run")
    try:
        import torch

        torch.set_num_threads(max(1, int(job.get("threads", 1))))
        state.device = _resolve_device(job.get("device", "cpu"))
        _seed_everything(state.seed)
        if job.get("mode") == "probe":
            result = _probe()

        elif judging:
            result = _judge(job)
        else:
            # The code runs as the __main__ module, as a script would: classes it defines
            # can then be pickled (torch.save of a whole model) and found again.
            main = types.ModuleType("__main__")
            main.__dict__["__builtins__"] = builtins
            sys.modules["__main__"] = main
            ns: dict[str, Any] = main.__dict__
            state.namespace = ns
            result = _learn(job, ns, me)
    except BaseException as exc:
        result = _checker_error("runner", exc)
    if os.getpid() != me:
        # A process the learner's code forked (during the code or the check) ended up
        # here: only the job's own process reports.
        os._exit(0)
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    line = result.get("line")
    common: dict[str, Any] = {
        "line": line if isinstance(line, int) else None,
        "traceback": str(result.get("traceback", "")),
        "device": state.device,
        "mistake": str(result.get("mistake") or "") or None,
    }
    event: protocol.Event
    try:
        if judging:
            event = protocol.make_verdict(
                result["status"],
                str(result.get("message", "")),
                checks=[
                    (i["name"], "pass" if i["status"] == "pass" else "fail", i.get("message", ""))
                    for i in state.items
                ],
                details={**state.details, **result.get("details", {})},
                **common,
            )
        else:
            event = protocol.make_learner_done(
                result["status"], str(result.get("message", "")), **common
            )
        _write(events_fd, event)
        mark(f"{role}: result written")
    except (protocol.ProtocolError, TypeError, ValueError) as exc:
        fallback = _checker_error("report", exc)
        _write(events_fd, protocol.make_verdict("checker_error", fallback["message"]) if judging
               else protocol.make_learner_done("checker_error", fallback["message"]))  # fmt: skip
    # Close our ends now: the app has everything and need not wait for this large
    # process to finish tearing down its memory.
    for fd in (1, 2, events_fd, trace_fd):
        with contextlib.suppress(OSError):
            os.close(fd)


def _write(fd: int, event: protocol.Event) -> None:
    """Write one event line to the runner (all of it, however large)."""
    data = memoryview(protocol.encode(event))
    while data:
        data = data[os.write(fd, data) :]


def _probe() -> dict[str, Any]:
    import torch
    import torchvision

    info: dict[str, Any] = {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "cuda": torch.cuda.is_available(),
        "cpus": os.cpu_count(),
        "threads": torch.get_num_threads(),
    }
    if info["cuda"]:
        info["cuda_name"] = torch.cuda.get_device_name(0)
        info["cuda_count"] = torch.cuda.device_count()
    return {"status": "ran", "message": "probe", "details": info}


# ---------------------------------------------------------------------------
# The zygote: imports once, forks per job


def preload() -> None:
    """Import everything a check may need, and nothing that starts threads or CUDA."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    import numpy  # noqa: F401
    import torch
    import torch.nn
    import torch.nn.functional
    import torch.optim
    import torch.utils.data  # noqa: F401
    import torchvision
    import torchvision.datasets
    import torchvision.transforms
    import torchvision.utils  # noqa: F401

    import checkers
    import checkers._facts  # noqa: F401

    # Slow to work out (about 0.1 s), so found once here and inherited by every box.
    confine.default_read_only_paths()
    # The misconception catalogue (TOML) is read on first use: read it once, here.
    from checkers import _mistakes

    for lang in _mistakes.languages():
        _mistakes.entries(lang)
    _mistakes._patterns()


def _set_subreaper() -> None:
    """Orphaned grandchildren of a job come back to the zygote, which kills them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _children() -> set[int]:
    found: set[int] = set()
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/children") as f:
                found.update(int(p) for p in f.read().split())
    except OSError:
        pass
    return found


def _kill_tree(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(OSError):
            kill(pid, signal.SIGKILL)


def serve(sock: socket.socket) -> None:
    """The zygote's loop: fork a child per ``run`` message, report exits."""
    _set_subreaper()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in the app's terminal is the app's
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ, "sock")
    sel.register(wake_r, selectors.EVENT_READ, "wake")
    jobs: dict[int, str] = {}
    cgroups: dict[int, list[str]] = {}
    """Each running job's cgroup folders, to empty them if the app goes away."""
    parked: _Parked | None = None
    """The next learner's box, made once the first boxed job showed it is wanted."""
    parked_judge: _ParkedJudge | None = None
    """The next check's judge, made once the first judge that may wait parked was asked for."""

    def close_in_child() -> None:
        _child_after_fork(sock, sel, wake_r, wake_w)
        for waiting in (parked, parked_judge):
            if waiting is not None:
                waiting.sock.close()

    def send(event: dict[str, Any]) -> None:
        try:
            sock.send(json.dumps(event).encode())
        except OSError:
            os._exit(0)

    # Say once, in the worker log, what the learner's box enforces on this kernel.
    report = confine.probe_protections()
    for line in report.get("describe", []):
        print(f"quiz-tui worker: protection: {line}", file=sys.stderr, flush=True)
    missing = [name for name, c in report.get("checks", {}).items() if not c.get("ok")]
    if missing or report.get("error"):
        print(
            f"quiz-tui worker: NOT protected here: {', '.join(missing) or report.get('error')} "
            "(see `quiz-tui doctor`)",
            file=sys.stderr,
            flush=True,
        )
    send({"event": "ready", "pid": os.getpid()})
    want_park = want_judge = just_parked = False
    learners: set[int] = set()
    """The running jobs that are a learner's process (the others are judges)."""
    warm = True
    """Whether parked processes warm up (off with the runner's ``prefork=False``)."""
    while True:
        wanted = want_park or want_judge
        ready = sel.select(timeout=(0 if just_parked else PARK_IDLE) if wanted else 1.0)
        just_parked = False
        learners &= set(jobs)
        asked = any(key.data == "sock" for key, _ in ready)
        if want_park and not learners and not asked and (jobs or not ready):
            # No learner's process running: make the next check's box now, off every
            # check's critical path (while a judge runs, on the other core), then look
            # for a request again before the next fork.
            parked = _park(close_in_child, warm=warm)
            want_park = False
            just_parked = True
        elif not ready and want_judge and not jobs:
            parked_judge = _park_judge(close_in_child)
            want_judge = False
            just_parked = True
        for key, _ in ready:
            if key.data == "sock":
                try:
                    msg, fd_list, _flags, _addr = socket.recv_fds(sock, MAX_MESSAGE, 8)
                except OSError:
                    msg, fd_list = b"", []
                if not msg:
                    for waiting in (parked, parked_judge):
                        if waiting is not None:
                            waiting.discard()
                    _shut_down(jobs, cgroups)
                    os._exit(0)
                request = json.loads(msg)
                op = request.get("op")
                if op == "run":
                    job = _read_job(request["job_path"])
                    mark(f"zygote: got {job.get('role')}")
                    fds = dict(zip(FD_NAMES, fd_list, strict=False))
                    boxed = job.get("role") == "learner" and isinstance(job.get("box"), dict)
                    warm = bool(job.get("prefork", True))
                    judge = job.get("role") == "judge" and warm
                    if boxed and parked is not None and _alive(parked.pid):
                        pid = parked.pid
                        parked.dispatch(job, request["job_path"], fd_list)
                        parked = None
                    elif judge and parked_judge is not None and _alive(parked_judge.pid):
                        pid = parked_judge.pid
                        parked_judge.dispatch(request["job_path"], fd_list)
                        parked_judge = None
                    else:
                        pid = os.fork()
                        if pid == 0:
                            close_in_child()
                            try:
                                run_job(job, fds)
                            finally:
                                os._exit(0)
                    mark(f"zygote: handed {job.get('role')} over")
                    for fd in fd_list:
                        os.close(fd)
                    jobs[pid] = job.get("id", "")
                    if job.get("role") == "learner":
                        learners.add(pid)
                    cgroups[pid] = list(job.get("cgroups", []))
                    send({"event": "started", "id": job.get("id", ""), "pid": pid})
                    want_park = want_park or (boxed and parked is None)
                    want_judge = want_judge or (judge and parked_judge is None)
                elif op == "ping":
                    for fd in fd_list:
                        os.close(fd)
                    send({"event": "pong", "id": request.get("id")})
            else:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 4096)
        kept = {p.pid for p in (parked, parked_judge) if p is not None}
        _reap(jobs, cgroups, send, keep=kept)


def _shut_down(jobs: dict[int, str], cgroups: dict[int, list[str]]) -> None:
    """The app is gone (closed, or killed with kill -9): stop everything its checks started.

    Processes a check moved into a session of their own come back to us (we are
    their subreaper) only once their parents die, so keep reaping and killing
    for a moment; cgroup members are killed wherever they are.
    """
    for pid in list(jobs):
        _kill_tree(pid)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        for folders in cgroups.values():
            for folder in folders:
                try:
                    with open(os.path.join(folder, "cgroup.procs")) as f:
                        for member in f.read().split():
                            _kill_tree(int(member))
                except (OSError, ValueError):
                    pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            return  # no children left at all
        left = _children()
        if not left:
            return
        for pid in left:
            _kill_tree(pid)
        time.sleep(0.02)


def _reap(
    jobs: dict[int, str],
    cgroups: dict[int, list[str]],
    send: Callable[[dict[str, Any]], None],
    *,
    keep: set[int],
) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        job_id = jobs.pop(pid, None)
        cgroups.pop(pid, None)
        if job_id is not None:
            send({"event": "exited", "id": job_id, "pid": pid, "status": status})
    # Anything else parented to us is an orphan a job left behind: stop it.
    for pid in _children() - set(jobs) - keep:
        _kill_tree(pid)


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return waited == 0


def _child_after_fork(
    sock: socket.socket, sel: selectors.BaseSelector, wake_r: int, wake_w: int
) -> None:
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    sel.close()
    sock.close()
    os.close(wake_r)
    os.close(wake_w)


def _read_job(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        job: dict[str, Any] = json.load(f)
    return job


def main(argv: list[str]) -> None:
    if argv[:1] == ["zygote"]:
        fd = int(argv[argv.index("--socket") + 1])
        sock = socket.socket(fileno=fd)
        preload()
        open_marks(fixed=True)
        serve(sock)
    elif argv[:1] == ["once"]:
        request = json.loads(sys.stdin.buffer.read())
        preload()
        run_job(_read_job(request["job_path"]), request["fds"])
        os._exit(0)
    else:
        print("usage: python -m checkers._worker zygote --socket FD | once", file=sys.stderr)
        raise SystemExit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
