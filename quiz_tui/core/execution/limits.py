"""The pieces every sandbox shares: a job's limits, the ``Sandbox`` protocol, killing a
job's processes, and :class:`WatchSandbox`, the portable fallback that polls.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

Breach = Literal["memory", "tasks"]

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class JobLimits:
    memory_bytes: int
    tasks: int


class Sandbox(Protocol):
    name: str

    def prepare(self, job_id: str, limits: JobLimits) -> list[str]:
        """Make what the job needs; return cgroup folders the child must join.

        Called again for a job id it made before (one the runner made ahead of its
        check), it sets that job's limits anew and returns the same folders.
        """
        ...

    def breach(self, job_id: str, pid: int) -> Breach | None:
        """Whether the running job has gone over a limit."""
        ...

    def breached(self, job_id: str) -> Breach | None:
        """After the job ended: did the kernel stop it for a limit?"""
        ...

    def kill_all(self, job_id: str, pid: int) -> None:
        """SIGKILL every process of the job."""
        ...

    def release(self, job_id: str) -> None:
        """Remove what ``prepare`` made."""
        ...

    def close(self) -> None:
        """Release every job's leftovers when the runner closes."""
        ...


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal a job's process group (its pid is the group id), or the pid alone."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    except PermissionError:
        pass


def kill_until_gone(pid: int, members: Callable[[], list[int]], *, rounds: int = 100) -> None:
    """SIGKILL the job's group, then every member, until no unkilled member is left.

    SIGKILL cannot be caught, so a process once sent it is as good as gone; only
    processes that appear after a round (a fork bomb's children) need another.
    """
    kill_group(pid)
    killed: set[int] = set()
    for round_ in range(rounds):
        fresh = [p for p in members() if p not in killed]
        if not fresh:
            return
        for p in fresh:
            with contextlib.suppress(OSError):
                os.kill(p, signal.SIGKILL)
            killed.add(p)
        if round_:
            time.sleep(0.005)  # processes keep appearing (a fork bomb): let them show


def anonymous_bytes(pid: int) -> int:
    """Resident memory of ``pid`` that is not backed by files (statm: resident - shared)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            fields = f.read().split()
        return (int(fields[1]) - int(fields[2])) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _session_tasks(sid: int) -> list[tuple[int, int]]:
    """(pid, threads) of every process in session ``sid``."""
    found: list[tuple[int, int]] = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # After the ")": state ppid pgrp session ... num_threads is the 18th field.
        if int(fields[3]) == sid and fields[0] not in (b"Z", b"X"):
            found.append((int(name), int(fields[17])))
    return found


class WatchSandbox:
    """Polls the job's session: portable, needs no privileges."""

    name = "watch"

    def __init__(self) -> None:
        self._limits: dict[str, JobLimits] = {}
        self._baseline = 0

    def set_baseline(self, anonymous: int) -> None:
        """Anonymous memory each forked child starts with, shared with the zygote.

        Counting it once per process would make a few forks look like gigabytes.
        """
        self._baseline = anonymous

    def prepare(self, job_id: str, limits: JobLimits) -> list[str]:
        self._limits[job_id] = limits
        return []

    def breach(self, job_id: str, pid: int) -> Breach | None:
        limits = self._limits.get(job_id)
        if limits is None:
            return None
        tasks = _session_tasks(pid)
        if sum(threads for _, threads in tasks) > limits.tasks:
            return "tasks"
        used = sum(max(0, anonymous_bytes(p) - self._baseline) for p, _ in tasks)
        return "memory" if used > limits.memory_bytes else None

    def breached(self, job_id: str) -> Breach | None:
        return None  # the watcher only knows what breach() saw while the job ran

    def kill_all(self, job_id: str, pid: int) -> None:
        kill_until_gone(pid, lambda: [p for p, _ in _session_tasks(pid)])

    def release(self, job_id: str) -> None:
        self._limits.pop(job_id, None)

    def close(self) -> None:
        self._limits.clear()
