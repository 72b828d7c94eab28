"""Keeps a job inside its memory and process limits, and leaves nothing behind.

Two strategies, chosen once per runner:

* :class:`CgroupSandbox` where the system lets this user make cgroups (v1
  ``memory`` and ``pids`` hierarchies, as in many containers): the kernel
  enforces the limits, and the cgroup lists every process the job started,
  even ones that left its session.
* :class:`WatchSandbox` everywhere else: the runner polls the job's session
  for resident memory and task count, and kills it when either goes over.

RLIMIT_AS is deliberately not used: ``import torch`` alone maps ~620 MB of
address space, and CUDA maps far more.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
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
        """Make what the job needs; return cgroup folders the child must join."""
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


def _own_cgroup_v1(controller: str) -> Path | None:
    """This process's folder in the v1 hierarchy of ``controller``, if mounted."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3 and controller in parts[1].split(","):
            root = Path("/sys/fs/cgroup") / controller
            folder = root / parts[2].lstrip("/")
            if folder.is_dir():
                return folder
            # In some containers the own path is not visible; the root is.
            return root if root.is_dir() else None
    return None


class CgroupSandbox:
    """Kernel-enforced limits in per-job v1 ``memory`` and ``pids`` cgroups."""

    name = "cgroup"

    def __init__(self, memory_root: Path, pids_root: Path) -> None:
        self._memory_root = memory_root
        self._pids_root = pids_root
        self._jobs: dict[str, tuple[Path, Path]] = {}
        self._limits: dict[str, JobLimits] = {}
        self._pending: list[Path] = []
        self._pending_lock = threading.Lock()
        self._sweeper: threading.Thread | None = None

    @classmethod
    def detect(cls, owner: int) -> CgroupSandbox | None:
        """A sandbox under this process's cgroups when they can be written to."""
        memory = _own_cgroup_v1("memory")
        pids = _own_cgroup_v1("pids")
        if memory is None or pids is None:
            return None
        roots = (memory / f"quiz-tui-{owner}", pids / f"quiz-tui-{owner}")
        try:
            for root in roots:
                root.mkdir(exist_ok=True)
            probe = roots[0] / "probe"
            probe.mkdir(exist_ok=True)
            (probe / "memory.limit_in_bytes").write_text(str(1 << 30))
            probe.rmdir()
        except OSError:
            for root in roots:
                with contextlib.suppress(OSError):
                    root.rmdir()
            return None
        cls.remove_stale(memory, pids)
        return cls(*roots)

    @staticmethod
    def remove_stale(*parents: Path) -> None:
        """Remove cgroups left by quiz-tui processes that no longer exist."""
        for parent in parents:
            for folder in parent.glob("quiz-tui-*"):
                owner = folder.name.removeprefix("quiz-tui-")
                if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                    for job in folder.iterdir():
                        if job.is_dir():
                            with contextlib.suppress(OSError):
                                job.rmdir()
                    with contextlib.suppress(OSError):
                        folder.rmdir()

    def prepare(self, job_id: str, limits: JobLimits) -> list[str]:
        mem = self._memory_root / job_id
        pids = self._pids_root / job_id
        mem.mkdir()
        pids.mkdir()
        # The runner stops the job at the limit itself (after a stack dump, so the learner
        # sees the line); the kernel's limit, a little higher, is the backstop.
        backstop = limits.memory_bytes + limits.memory_bytes // 4 + (64 << 20)
        (mem / "memory.limit_in_bytes").write_text(str(backstop))
        swap = mem / "memory.memsw.limit_in_bytes"
        if swap.exists():
            with contextlib.suppress(OSError):
                swap.write_text(str(backstop))
        (pids / "pids.max").write_text(str(limits.tasks))
        self._jobs[job_id] = (mem, pids)
        self._limits[job_id] = limits
        return [str(mem), str(pids)]

    def _procs(self, job_id: str) -> list[int]:
        folders = self._jobs.get(job_id)
        if not folders:
            return []
        try:
            text = (folders[1] / "cgroup.procs").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def _oom_killed(self, mem: Path) -> bool:
        try:
            for line in (mem / "memory.oom_control").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def _anonymous_bytes(self, mem: Path) -> int:
        """Memory the job itself allocated (page cache from file writes not counted)."""
        try:
            for line in (mem / "memory.stat").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "total_rss":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def breach(self, job_id: str, pid: int) -> Breach | None:
        folders = self._jobs.get(job_id)
        limits = self._limits.get(job_id)
        if not folders or not limits:
            return None
        if self._anonymous_bytes(folders[0]) > limits.memory_bytes or self._oom_killed(folders[0]):
            return "memory"
        return None  # the kernel refuses forks past pids.max; breached() reports it

    def breached(self, job_id: str) -> Breach | None:
        folders = self._jobs.get(job_id)
        if not folders:
            return None
        mem, pids = folders
        if self._oom_killed(mem):
            return "memory"
        try:
            events = (pids / "pids.events").read_text().split()
            if len(events) >= 2 and int(events[1]) > 0:
                return "tasks"
        except (OSError, ValueError):
            pass
        return None

    def kill_all(self, job_id: str, pid: int) -> None:
        kill_until_gone(pid, lambda: self._procs(job_id))

    def release(self, job_id: str) -> None:
        """Remove the job's cgroups; ones still emptying are retried in the background."""
        self._limits.pop(job_id, None)
        folders = self._jobs.pop(job_id, None)
        if not folders:
            return
        busy = [f for f in folders if not _try_rmdir(f)]
        if busy:
            with self._pending_lock:
                self._pending.extend(busy)
                if self._sweeper is None or not self._sweeper.is_alive():
                    self._sweeper = threading.Thread(target=self._sweep, daemon=True)
                    self._sweeper.start()

    def _sweep(self) -> None:
        for _ in range(200):
            time.sleep(0.05)
            with self._pending_lock:
                self._pending = [f for f in self._pending if not _try_rmdir(f)]
                if not self._pending:
                    return

    def close(self) -> None:
        for job_id in list(self._jobs):
            self.release(job_id)
        deadline = time.monotonic() + 2
        while self._pending and time.monotonic() < deadline:
            with self._pending_lock:
                self._pending = [f for f in self._pending if not _try_rmdir(f)]
            time.sleep(0.02)
        for root in (self._memory_root, self._pids_root):
            with contextlib.suppress(OSError):
                root.rmdir()


def _try_rmdir(folder: Path) -> bool:
    """Remove an empty cgroup folder; False while it still has processes."""
    try:
        folder.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def choose_sandbox(owner: int, prefer: str = "auto") -> Sandbox:
    """The cgroup sandbox where it works (unless ``prefer="watch"``), else the watcher."""
    if prefer != "watch" and os.environ.get("QUIZ_TUI_SANDBOX", "auto") != "watch":
        found = CgroupSandbox.detect(owner)
        if found is not None:
            return found
    return WatchSandbox()
