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

This module is the entry point and the zygote's loop; the rest of the worker is
in private modules, one per part (all imported here, so the zygote loads them
before it forks):

- ``checkers._job``: one job's process, from the fork to its last event;
- ``checkers._parking``: boxes and judges forked ahead of their check;
- ``checkers._learner``: the learner's side (setup, the learner's code, facts);
- ``checkers._judge``: the judge (facts as data, then the check);
- ``checkers._outcomes``: errors, blanks and missing names as results;
- ``checkers._setup``: the trusted setup, replayed with the job's seed.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import selectors
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from checkers._job import FD_NAMES, MAX_MESSAGE, read_job, run_job
from checkers._parking import Parked, ParkedJudge, kill_tree, park, park_judge
from quiz_tui.core.execution import confine
from quiz_tui.core.execution.timing import mark, open_marks

PR_SET_CHILD_SUBREAPER = 36
PARK_IDLE = 0.02
"""Seconds without a request before the worker forks the next check's box."""


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

    _preload_builtin_helpers()

    # Slow to work out (about 0.1 s), so found once here and inherited by every box.
    confine.default_read_only_paths()
    # The misconception catalogue (TOML) is read on first use: read it once, here.
    from checkers import _mistakes

    for lang in _mistakes.languages():
        _mistakes.entries(lang)
    _mistakes._patterns()


def _preload_builtin_helpers() -> None:
    """Import the built-in pack's helpers (its LeNet, training loop, practice data).

    Their checks import them, and the worker writes no ``.pyc`` files (a learner's box
    must not leave bytecode a judge would load), so each judge compiled them afresh:
    15-20 ms of task 39's check. Imported here, every fork has them. An instructor's
    pack's helpers are imported per check as before (their folder is known per job).
    """
    import importlib
    import pkgutil

    from quiz_tui.core.content.packs import builtin_pack_dir

    lib = builtin_pack_dir() / "lib"
    if not lib.is_dir():
        return
    if str(lib) not in sys.path:
        sys.path.insert(0, str(lib))
    for package in pkgutil.iter_modules([str(lib)]):
        try:
            module = importlib.import_module(package.name)
            for sub in pkgutil.iter_modules(getattr(module, "__path__", [])):
                importlib.import_module(f"{package.name}.{sub.name}")
        except Exception as exc:  # a broken helper fails its own checks, with its own error
            print(f"quiz-tui worker: could not preload {package.name}: {exc}", file=sys.stderr)


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
    parked: Parked | None = None
    """The next learner's box, made once the first boxed job showed it is wanted."""
    parked_judge: ParkedJudge | None = None
    """The next check's judge, made once the first judge that may wait parked was asked for."""
    reserved: dict[str, list[str]] = {"learner": [], "judge": []}
    """Cgroups the runner made for its next check's two processes: the parked box and
    judge join them while nothing runs, so that the check does not wait for the moves."""

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
        joins = [
            (waiting, role)
            for waiting, role in ((parked, "learner"), (parked_judge, "judge"))
            if waiting is not None and reserved[role] and waiting.joined != reserved[role]
        ]
        wanted = want_park or want_judge or bool(joins)
        ready = sel.select(timeout=(0 if just_parked else PARK_IDLE) if wanted else 1.0)
        quiet = not ready and not just_parked  # a whole PARK_IDLE without a request
        just_parked = False
        learners &= set(jobs)
        asked = any(key.data == "sock" for key, _ in ready)
        if want_park and not learners and not asked and (jobs or not ready):
            # No learner's process running: make the next check's box now, off every
            # check's critical path (while a judge runs, on the other core), then look
            # for a request again before the next fork.
            parked = park(close_in_child, warm=warm)
            want_park = False
            just_parked = True
        elif not ready and want_judge and not jobs:
            parked_judge = park_judge(close_in_child)
            want_judge = False
            just_parked = True
        elif joins and quiet and not learners:
            # A move blocks this loop on the kernel (7-12 ms); only once the app has been
            # quiet for a while, so that checks sent back to back (verify, grade) do not
            # wait behind it: their boxes are moved the old way, while they replay the setup.
            target, role = joins[0]
            if not target.join(reserved[role]):
                reserved[role] = []  # not retried: the check moves it the old way
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
                    job = read_job(request["job_path"])
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
                        parked_judge.dispatch(job, request["job_path"], fd_list)
                        parked_judge = None
                    else:
                        pid = os.fork()
                        if pid == 0:
                            close_in_child()
                            try:
                                run_job(job, fds)
                            finally:
                                os._exit(0)
                    role = str(job.get("role"))
                    if role in reserved and job.get("cgroups") == reserved[role]:
                        reserved[role] = []  # taken: nothing else may join them any more
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
                elif op == "reserve":
                    for fd in fd_list:
                        os.close(fd)
                    for role in reserved:
                        folders = request.get(role)
                        if isinstance(folders, list) and all(isinstance(f, str) for f in folders):
                            reserved[role] = folders
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
        kill_tree(pid)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        for folders in cgroups.values():
            for folder in folders:
                try:
                    with open(os.path.join(folder, "cgroup.procs")) as f:
                        for member in f.read().split():
                            kill_tree(int(member))
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
            kill_tree(pid)
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
        kill_tree(pid)


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
        run_job(read_job(request["job_path"]), request["fds"])
        os._exit(0)
    else:
        print("usage: python -m checkers._worker zygote --socket FD | once", file=sys.stderr)
        raise SystemExit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
