"""Learner's boxes and judges forked ahead of time, waiting for their check.

Forking a process that has torch loaded costs tens of milliseconds; the zygote
(``checkers._worker``) forks the next check's box and judge while nothing else
runs, and a check then only hands them the job and its pipes.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import io
import json
import os
import signal
import socket
from collections.abc import Callable
from typing import Any

from checkers._job import (
    FD_NAMES,
    MAX_MESSAGE,
    PR_SET_PDEATHSIG,
    in_box,
    move_to_cgroups,
    read_job,
    run_job,
    take_fds,
    write_event,
)
from checkers._learner import JOINED, await_cgroups_on
from checkers._setup import seed_everything
from quiz_tui.core.execution import confine, protocol
from quiz_tui.core.execution.timing import mark


class _Waiting:
    """A process forked ahead of its check: its pid, its socket, the cgroups it joined."""

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid = pid
        self.sock = sock
        self.joined: list[str] = []
        """The cgroup folders the process is already in (see :meth:`join`)."""

    def pids(self) -> list[int]:
        """The processes a cgroup move takes."""
        return [self.pid]

    def join(self, folders: list[str]) -> bool:
        """Move the process into ``folders`` (cgroups the runner made for its next check).

        Done while the worker is idle: a cgroup move waits on the kernel (several
        milliseconds each), which then is not on any check's critical path. False when
        a move failed: the process is then not counted as joined.
        """
        if not move_to_cgroups(self.pids(), folders, strict=False):
            return False
        self.joined = list(folders)
        return True


class Parked(_Waiting):
    """A learner's box made ahead of time: forked, in its namespaces, waiting for a job.

    Forking a process that has torch loaded costs about 12 ms, and a box needs
    two forks (the pid namespace's first process is the second); parking the
    next box while the current check runs takes both off the critical path.
    """

    def __init__(self, pid: int, sock: socket.socket, box_pid_fd: int) -> None:
        super().__init__(pid, sock)  # pid: the box's outer process, parent of its pid 1
        self._box_pid_fd = box_pid_fd
        self._box_pid: int | None = None

    def box_pid(self) -> int:
        """The box's pid 1 as seen from here (waits for the box to say it)."""
        if self._box_pid is None:
            with os.fdopen(self._box_pid_fd, "rb") as f:
                data = f.read()
            self._box_pid = int(data) if data.strip().isdigit() else 0
        return self._box_pid

    def pids(self) -> list[int]:
        """The outer process and the box's pid 1: a cgroup move takes both."""
        return [self.pid, self.box_pid()]

    def dispatch(self, job: dict[str, Any], job_path: str, fds: list[int]) -> None:
        """Hand the parked box its job, then move it into the job's cgroups.

        A box that already joined them (:meth:`join`) starts at once. Otherwise it
        replays the trusted setup while the move waits for the kernel, and runs the
        learner's code only once it hears :data:`JOINED` (see
        :func:`checkers._learner.await_cgroups_on`).
        """
        message = json.dumps({"job_path": job_path}).encode()
        folders = list(job.get("cgroups", []))
        overlap = bool(job.get("prefork", True))  # off: the old order, to measure it
        if overlap:
            socket.send_fds(self.sock, [message], fds)
        if folders != self.joined:
            move_to_cgroups(self.pids(), folders, strict=False)
        if not overlap:
            socket.send_fds(self.sock, [message], fds)
        with contextlib.suppress(OSError):
            self.sock.send(JOINED)
        self.sock.close()

    def discard(self) -> None:
        self.sock.close()  # the box reads nothing and exits
        with contextlib.suppress(OSError):
            os.close(self._box_pid_fd)
        kill_tree(self.pid)


def park(close_in_child: Callable[[], None], *, warm: bool = True) -> Parked | None:
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
    return Parked(pid, ours, pid_r)


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
    gate = fcntl.fcntl(sock.fileno(), fcntl.F_DUPFD_CLOEXEC, 100)
    await_cgroups_on(gate)
    sock.close()
    job = read_job(json.loads(msg)["job_path"])
    fds = dict(zip(FD_NAMES, fd_list, strict=False))
    events_fd, trace_fd = take_fds(job, fds, keep=(gate,))
    # The runner knows this box by its outer pid (from the worker); this one is 1.
    write_event(events_fd, protocol.Started(pid=os.getpid()))
    mark("learner: started sent")
    return in_box(job, job["box"], entered, events_fd, trace_fd)


class ParkedJudge(_Waiting):
    """A judge forked ahead of time, in a session of its own, waiting for its job.

    A judge is forked while the learner's process runs, and on two cores that
    fork (about 20 ms for a process with torch loaded) slows the learner's code
    down. Parked, it is forked while nothing runs; a check then only hands it
    the job and its pipes, and it joins the job's cgroups itself (it runs no
    learner code, so it needs no box).
    """

    def dispatch(self, job: dict[str, Any], job_path: str, fds: list[int]) -> None:
        joined = list(job.get("cgroups", [])) == self.joined
        message = {"job_path": job_path, "joined": joined}
        socket.send_fds(self.sock, [json.dumps(message).encode()], fds)
        self.sock.close()

    def discard(self) -> None:
        self.sock.close()  # the judge reads nothing and exits
        kill_tree(self.pid)


def park_judge(close_in_child: Callable[[], None]) -> ParkedJudge | None:
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
                request = json.loads(msg)
                job = read_job(request["job_path"])
                fds = dict(zip(FD_NAMES, fd_list, strict=False))
                run_job(job, fds, joined=request.get("joined") is True)
        finally:
            os._exit(0)
    theirs.close()
    return ParkedJudge(pid, ours)


def _warm_up() -> None:
    """What every check does first and costs the same for all: done while parked.

    The first seeding in a fresh fork looks torch's devices up, and the first
    ``torch.save``, ``torch.load`` and tensor ``repr`` import and set up their
    machinery (several milliseconds each); after them, a job's own are cheap.
    """
    import torch

    with contextlib.suppress(Exception):
        seed_everything(0)
        # The facts' way there and back (torch.save, the restricted torch.load): their
        # first use imports and builds what later ones reuse.
        buffer = io.BytesIO()
        torch.save({"tree": "{}", "tensors": [torch.zeros(2)]}, buffer)
        buffer.seek(0)
        torch.load(buffer, map_location="cpu", weights_only=True)
        repr(torch.zeros(2, 2, dtype=torch.long))  # printing a tensor, and expect_printed
        repr(torch.zeros(2, 2))
        # The first convolution and pooling in a process pick and set up their kernels.
        functional = torch.nn.functional
        features = functional.max_pool2d(
            functional.conv2d(torch.zeros(1, 3, 12, 12), torch.zeros(2, 3, 5, 5)), 2
        )
        functional.linear(features.flatten(1), torch.zeros(2, features[0].numel()))


def kill_tree(pid: int) -> None:
    """Kill a process with its whole group (a job leads its own session), or alone."""
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(OSError):
            kill(pid, signal.SIGKILL)
