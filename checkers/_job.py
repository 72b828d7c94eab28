"""One job's process, from the fork to its last event.

It takes the job's pipes onto fixed descriptors, sets its limits and its stdio,
enters the learner's box when it is the learner's side, runs the learner's side
(``checkers._learner``), the judge (``checkers._judge``) or a probe, and writes
the JSON-line events the runner reads: ``started``, then any ``progress`` or
``image``, then one result.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import faulthandler
import io
import json
import os
import resource
import signal
import sys
import types
from typing import Any

from checkers._judge import GO_FD, judge
from checkers._learner import learn
from checkers._outcomes import checker_error
from checkers._setup import seed_everything
from quiz_tui.core.execution import confine, protocol
from quiz_tui.core.execution.timing import MARKS_FD, mark
from quiz_tui.core.execution.timing import active as marks_on

KEEP_PRINTED = 1 << 20
"""Bytes of printed text kept in the child for ``expect_printed`` (the app shows 64 KB)."""
PR_SET_PDEATHSIG = 1
FD_NAMES = ("stdout", "stderr", "events", "trace", "go")
"""The descriptors a job gets, in order; only a waiting judge gets "go"."""
MAX_MESSAGE = 1 << 16
"""Control messages are small: the job itself travels as a file (``job_path``)."""


class _NoStdin(io.TextIOBase):
    """``sys.stdin`` in a check: reading explains why there is no keyboard."""

    def readable(self) -> bool:
        return True

    def _refuse(self) -> str:
        from checkers._core import say

        raise EOFError(say("worker.no-keyboard"))

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


def move_to_cgroups(pids: list[int], folders: list[str], *, strict: bool) -> bool:
    """Write each of ``pids`` into each folder's ``cgroup.procs`` (each write waits on
    the kernel).

    ``strict`` (a job's own process, which must not run outside its limits): the first
    failure is raised. Otherwise (a parked process, moved again when its check comes
    if need be) every move is tried, and True means every one succeeded.
    """
    moved = True
    for folder in folders:
        for pid in pids:
            try:
                if pid <= 0:  # writing 0 to cgroup.procs would move the writer itself
                    raise ProcessLookupError(f"no process to move into {folder}")
                with open(os.path.join(folder, "cgroup.procs"), "w") as f:
                    f.write(str(pid))
            except OSError:
                if strict:
                    raise
                moved = False
    return moved


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


def _resolve_device(requested: str) -> str:
    import torch

    if requested == "cpu":
        return "cpu"
    available = torch.cuda.is_available()
    if requested == "cuda" and not available:
        from checkers._core import say

        raise RuntimeError(say("worker.no-gpu"))
    return "cuda" if available else "cpu"


def run_job(job: dict[str, Any], fds: dict[str, int], *, joined: bool = False) -> None:
    """Run one job in this process, writing events to ``fds["events"]``.

    ``joined``: this process is in the job's cgroups already (a parked judge the worker
    moved while it was idle); moving again would only wait on the kernel.
    """
    with contextlib.suppress(OSError):  # already a leader when started with start_new_session
        os.setsid()
    if not joined:
        move_to_cgroups([os.getpid()], job.get("cgroups", []), strict=True)
    events_fd, trace_fd = take_fds(job, fds)
    judging = job.get("role") == "judge" or job.get("mode") in ("prepare", "probe")
    mark(f"{'judge' if judging else 'learner'}: forked")
    write_event(events_fd, protocol.Started(pid=os.getpid()))
    box = job.get("box")
    if not judging and isinstance(box, dict):
        # The learner's code runs as pid 1 of its own namespaces, in a Landlock box:
        # whatever it starts dies with it, and it reaches no other process.
        entered = confine.enter_namespaces()
        status = confine.run_contained(lambda: in_box(job, box, entered, events_fd, trace_fd))
        os._exit(status)
    _run_job_here(job, events_fd, trace_fd, judging)


def take_fds(
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


def in_box(
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
    mark("learner: confined")
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
        seed_everything(state.seed)
        if job.get("mode") == "probe":
            result = _probe()

        elif judging:
            result = judge(job)
        else:
            # The code runs as the __main__ module, as a script would: classes it defines
            # can then be pickled (torch.save of a whole model) and found again.
            main = types.ModuleType("__main__")
            main.__dict__["__builtins__"] = builtins
            sys.modules["__main__"] = main
            ns: dict[str, Any] = main.__dict__
            state.namespace = ns
            result = learn(job, ns, me)
    except BaseException as exc:
        result = checker_error("runner", exc)
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
        write_event(events_fd, event)
        mark(f"{role}: result written")
    except (protocol.ProtocolError, TypeError, ValueError) as exc:
        fallback = checker_error("report", exc)
        write_event(events_fd, protocol.make_verdict("checker_error", fallback["message"]) if judging
               else protocol.make_learner_done("checker_error", fallback["message"]))  # fmt: skip
    # Close our ends now: the app has everything and need not wait for this large
    # process to finish tearing down its memory.
    for fd in (1, 2, events_fd, trace_fd):
        with contextlib.suppress(OSError):
            os.close(fd)


def write_event(fd: int, event: protocol.Event) -> None:
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


def read_job(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        job: dict[str, Any] = json.load(f)
    return job
