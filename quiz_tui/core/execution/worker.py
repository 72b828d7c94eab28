"""The processes a job runs in: a child of the warm zygote, or a cold interpreter.

This is the app's side of ``checkers._worker``. :class:`Zygote` starts the warm worker
(which imports torch once) and reads what it reports over a socket; each job is then a
:class:`Launched` process, forked by the zygote (:class:`ZygoteChild`) or spawned
afresh when there is no zygote (:class:`Spawned`). It is apart from :mod:`.runner`
because how a process is started and reaped is one concern, and supervising and
judging what it does is another.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import socket
import subprocess
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from quiz_tui.core.errors import RunnerError
from quiz_tui.core.execution.sandbox import anonymous_bytes, kill_group


class Launched(Protocol):
    """One job's process, however it was started; the supervisor asks it these."""

    warm: bool

    @property
    def pid(self) -> int | None:
        """The job process, once known; its process group has the same id."""
        ...

    def status(self) -> int | None:
        """The wait status once the process has exited, else None."""
        ...

    def lost(self) -> bool:
        """True when the exit status can never be known (its parent died)."""
        ...

    def close(self) -> None:
        """Forget the process; the supervisor has what it needs."""
        ...

    def parent_alive(self) -> bool:
        """Whether the process that forked the job is still well."""
        ...


class Zygote:
    """The warm worker process and the thread that reads its messages."""

    def __init__(
        self,
        python: str,
        log_path: Path | None,
        env: dict[str, str],
        on_death: Callable[[Zygote], None] | None = None,
    ) -> None:
        self._python = python
        self._log_path = log_path
        self._env = env
        self._on_death = on_death
        self.closing = False
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._exits: dict[int, int] = {}
        self._pids: dict[str, int] = {}
        self._pongs: set[int] = set()
        self._ping_ids = itertools.count(1)
        self._ready = False
        self._dead = False
        self.anonymous_bytes = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None

    def start(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        log = open(self._log_path, "ab") if self._log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                [self._python, "-m", "checkers._worker", "zygote", "--socket", str(child.fileno())],
                pass_fds=[child.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
                env=self._env,
            )
        finally:
            child.close()
            if not isinstance(log, int):
                log.close()
        self._sock = parent
        threading.Thread(target=self._read, name="quiz-tui-zygote", daemon=True).start()

    def _read(self) -> None:
        assert self._sock is not None
        while True:
            try:
                data = self._sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                with self._cond:
                    self._dead = True
                    self._cond.notify_all()
                if self._on_death is not None and not self.closing:
                    self._on_death(self)
                return
            try:
                event = json.loads(data)
            except ValueError:
                continue
            with self._cond:
                kind = event.get("event")
                if kind == "ready":
                    self._ready = True
                    self.anonymous_bytes = anonymous_bytes(int(event.get("pid", 0)))
                elif kind == "started":
                    self._pids[str(event["id"])] = int(event["pid"])
                elif kind == "pong":
                    self._pongs.add(int(event.get("id") or 0))
                elif kind == "exited":
                    pid = int(event["pid"])
                    if pid in self._pids.values():
                        self._exits[pid] = int(event["status"])
                self._cond.notify_all()

    def wait_ready(self, timeout: float) -> bool:
        with self._cond:
            self._cond.wait_for(lambda: self._ready or self._dead, timeout)
            return self._ready and not self._dead

    @property
    def dead(self) -> bool:
        return self._dead or (self.proc is not None and self.proc.poll() is not None)

    def launch(self, job_id: str, job_path: Path, fds: list[int]) -> ZygoteChild:
        message = json.dumps({"op": "run", "id": job_id, "job_path": str(job_path)}).encode()
        with self._lock:
            if self._sock is None or self._dead:
                raise RunnerError("the worker is not running")
            try:
                socket.send_fds(self._sock, [message], fds)
            except OSError as exc:
                raise RunnerError(f"could not reach the worker: {exc}") from exc
        return ZygoteChild(self, job_id)

    def reserve(self, learner: list[str], judge: list[str]) -> bool:
        """Tell the worker which cgroups the next check's two processes will run in.

        The worker moves its parked box and judge into them while it is idle (see
        ``checkers._parking.Parked.join``); False if the worker cannot be told.
        """
        message = json.dumps({"op": "reserve", "learner": learner, "judge": judge}).encode()
        with self._lock:
            if self._sock is None or self._dead or not self._ready:
                return False
            try:
                self._sock.send(message)
            except OSError:
                return False
        return True

    def ping(self, timeout: float = 1.0) -> bool:
        """True when the zygote answers: it is alive and not being killed.

        A process sent SIGKILL never runs again, so an answer to a ping sent
        after that cannot come.
        """
        ping_id = next(self._ping_ids)
        with self._lock:
            if self._sock is None or self._dead:
                return False
            try:
                self._sock.send(json.dumps({"op": "ping", "id": ping_id}).encode())
            except OSError:
                return False
        with self._cond:
            self._cond.wait_for(lambda: ping_id in self._pongs or self._dead, timeout)
            answered = ping_id in self._pongs
            self._pongs.discard(ping_id)
            return answered

    def pid_of(self, job_id: str) -> int | None:
        with self._cond:
            return self._pids.get(job_id)

    def forget(self, job_id: str) -> None:
        """The supervisor is done with this job; drop what is kept about it."""
        with self._cond:
            pid = self._pids.pop(job_id, None)
            if pid is not None:
                self._exits.pop(pid, None)

    def exit_status(self, job_id: str) -> int | None:
        with self._cond:
            pid = self._pids.get(job_id)
            if pid is None or pid not in self._exits:
                return None
            del self._pids[job_id]
            return self._exits.pop(pid)

    def close(self) -> None:
        self.closing = True
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                kill_group(self.proc.pid)
                self.proc.wait()


class ZygoteChild:
    """A job the zygote forked: what is known of it comes through the zygote's socket."""

    warm = True

    def __init__(self, zygote: Zygote, job_id: str) -> None:
        self._zygote = zygote
        self._job_id = job_id
        self._pid: int | None = None
        self._status: int | None = None

    @property
    def pid(self) -> int | None:
        if self._pid is None:
            self._pid = self._zygote.pid_of(self._job_id)
        return self._pid

    def status(self) -> int | None:
        if self._status is None:
            self.pid  # noqa: B018 - remember the pid before the exit consumes it
            self._status = self._zygote.exit_status(self._job_id)
        return self._status

    def lost(self) -> bool:
        return self._status is None and self._zygote.dead and self.status() is None

    def close(self) -> None:
        self._zygote.forget(self._job_id)

    def parent_alive(self) -> bool:
        return self._zygote.ping()


class Spawned:
    """A cold interpreter running one job (``python -m checkers._worker once``)."""

    warm = False

    def __init__(self, python: str, job_path: Path, fds: list[int], env: dict[str, str]) -> None:
        names = ("stdout", "stderr", "events", "trace", "go")
        request = json.dumps(
            {"job_path": str(job_path), "fds": dict(zip(names, fds, strict=False))}
        )
        self.proc = subprocess.Popen(
            [python, "-m", "checkers._worker", "once"],
            pass_fds=fds,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(request.encode())
        self.proc.stdin.close()

    @property
    def pid(self) -> int | None:
        return self.proc.pid

    def status(self) -> int | None:
        try:
            pid, status = os.waitpid(self.proc.pid, os.WNOHANG)
        except ChildProcessError:
            return 0
        if pid == 0:
            return None
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return status

    def lost(self) -> bool:
        return False

    def close(self) -> None:
        if self.proc.returncode is None:
            # Reap it in the background; it was killed or is exiting.
            threading.Thread(target=self.proc.wait, daemon=True).start()

    def parent_alive(self) -> bool:
        return True  # the app itself is the parent


_WORKER_ENV = re.compile(
    r"PATH|HOME|LANG|LANGUAGE|TZ|TERM|VIRTUAL_ENV|PYTHONPATH|PYTHONHASHSEED|LD_LIBRARY_PATH"
    r"|QUIZ_TUI_HOME|QUIZ_TUI_MARKS"
    r"|LC_\w+|CUDA_\w+|NVIDIA_\w+|OMP_\w+|MKL_\w+|OPENBLAS_\w+|KMP_\w+|TORCH_\w+"
)


def worker_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment the worker starts with: what Python, torch and CUDA need, no more.

    A forked process's /proc/self/environ shows the environment its interpreter
    started with, so secrets (tokens, keys, passwords) must never reach the worker.
    """
    return {k: v for k, v in env.items() if _WORKER_ENV.fullmatch(k)}
