"""Kernel-enforced limits in cgroups: :class:`CgroupV2Sandbox` where a unified hierarchy
is delegated to this user, :class:`CgroupSandbox` where v1 ``memory`` and ``pids`` are
writable. Both list every process of a job, even ones that left its session.

Over 500 lines because both versions share one job life cycle (prepare, watch,
kill, release, sweep stale folders) and are read side by side; v2's delegation
rules (the leaf, the no-internal-process rule) are most of it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from quiz_tui.core.execution.limits import Breach, JobLimits, kill_until_gone


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
    version = 1

    def __init__(self, memory_root: Path, pids_root: Path) -> None:
        self._memory_root = memory_root
        self._pids_root = pids_root
        self._jobs: dict[str, tuple[Path, Path]] = {}
        self._limits: dict[str, JobLimits] = {}
        self._remover = _Remover(Path.rmdir)

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
        if job_id not in self._jobs:  # else made ahead (reserved): only its limits change
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
        if folders:
            self._remover.remove(list(folders))

    def close(self) -> None:
        for job_id in list(self._jobs):
            self.release(job_id)
        self._remover.drain(time.monotonic() + 2)
        for root in (self._memory_root, self._pids_root):
            with contextlib.suppress(OSError):
                root.rmdir()


class _Remover:
    """Removes cgroup folders, retrying in the background those still emptying."""

    def __init__(self, rmdir: Callable[[Path], None]) -> None:
        self._rmdir = rmdir
        self._pending: list[Path] = []
        self._lock = threading.Lock()
        self._sweeper: threading.Thread | None = None

    def try_remove(self, folder: Path) -> bool:
        """Remove an empty cgroup folder; False while it still has processes."""
        try:
            self._rmdir(folder)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return True

    def remove(self, folders: list[Path]) -> None:
        busy = [f for f in folders if not self.try_remove(f)]
        if busy:
            with self._lock:
                self._pending.extend(busy)
                if self._sweeper is None or not self._sweeper.is_alive():
                    self._sweeper = threading.Thread(target=self._sweep, daemon=True)
                    self._sweeper.start()

    def _sweep(self) -> None:
        for _ in range(200):
            time.sleep(0.05)
            with self._lock:
                self._pending = [f for f in self._pending if not self.try_remove(f)]
                if not self._pending:
                    return

    def drain(self, deadline: float) -> bool:
        """Wait (until ``deadline``) for pending folders to go; True when none is left."""
        while True:
            with self._lock:
                self._pending = [f for f in self._pending if not self.try_remove(f)]
                if not self._pending:
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def until_removed(self, folder: Path, deadline: float) -> bool:
        """Remove ``folder``, retrying until ``deadline`` (its last processes may be exiting)."""
        while not self.try_remove(folder):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True


_CONTROLLERS = ("memory", "pids")
_LEAF = "quiz-tui-leaf-"


class CgroupFs:
    """The changes the v2 sandbox makes to cgroupfs; the tests pass a fake kernel."""

    def write(self, path: Path, text: str) -> None:
        with open(path, "w") as f:
            f.write(text)

    def mkdir(self, path: Path) -> None:
        path.mkdir()

    def rmdir(self, path: Path) -> None:
        path.rmdir()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _counter(path: Path, key: str) -> int:
    """A value from a flat-keyed cgroup file (``memory.events``, ``pids.events``...)."""
    for line in _read(path).splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            with contextlib.suppress(ValueError):
                return int(value)
    return 0


def _own_cgroup_v2(root: Path, proc_cgroup: Path) -> Path | None:
    """This process's folder in the unified hierarchy mounted at ``root``, if unified."""
    if not (root / "cgroup.controllers").is_file():
        return None  # v1 or hybrid: controllers are bound to v1 hierarchies
    for line in _read(proc_cgroup).splitlines():
        if not line.startswith("0::"):
            continue
        relative = line[3:].strip().lstrip("/")
        folder = root / relative
        if ".." in Path(relative).parts or not folder.is_dir():
            # Outside our cgroup namespace, or not visible: in a container the mount
            # is the container's own cgroup.
            folder = root
        if folder.name.startswith(_LEAF) and folder != root:
            # A runner in this process (or the one we were forked from) already moved
            # into its leaf: the cgroup it was delegated is the leaf's parent.
            folder = folder.parent
        return folder
    return None


class CgroupV2Sandbox:
    """Kernel-enforced limits in per-job cgroups of a delegated v2 (unified) hierarchy.

    Layout under this process's own cgroup ``own``: ``quiz-tui-<owner>/<job_id>``
    per job, with ``memory`` and ``pids`` enabled for them; and, only where ``own``
    had to give up its processes to enable controllers, ``quiz-tui-leaf-<owner>``
    holding this process (and so the worker it starts).
    """

    name = "cgroup"
    version = 2

    def __init__(
        self,
        own: Path,
        base: Path,
        *,
        leaf: Path | None = None,
        enabled: tuple[str, ...] = (),
        fs: CgroupFs | None = None,
    ) -> None:
        self._own = own
        self._base = base
        self._leaf = leaf
        self._enabled = enabled  # controllers we turned on in own, to turn off when leaving
        self._mover = os.getpid()
        self._fs = fs or CgroupFs()
        self._jobs: dict[str, Path] = {}
        self._limits: dict[str, JobLimits] = {}
        self._remover = _Remover(self._fs.rmdir)

    @property
    def base(self) -> Path:
        return self._base

    @property
    def leaf(self) -> Path | None:
        """Where this process moved to enable the controllers (None: it did not move)."""
        return self._leaf

    @classmethod
    def detect(
        cls,
        owner: int,
        *,
        root: Path = Path("/sys/fs/cgroup"),
        proc_cgroup: Path = Path("/proc/self/cgroup"),
        fs: CgroupFs | None = None,
    ) -> CgroupV2Sandbox | None:
        """A sandbox under this process's v2 cgroup where it is delegated to us."""
        fs = fs or CgroupFs()
        own = _own_cgroup_v2(root, proc_cgroup)
        if own is None:
            return None
        if not set(_CONTROLLERS) <= set(_read(own / "cgroup.controllers").split()):
            return None
        cls.remove_stale(own, fs=fs)
        enabled = cls._enable(own, owner, fs)
        if enabled is None:
            return None
        leaf, added = enabled
        remover = _Remover(fs.rmdir)
        base = own / f"quiz-tui-{owner}"
        probe = base / "probe"
        try:
            if not base.is_dir():
                fs.mkdir(base)
            fs.write(base / "cgroup.subtree_control", " ".join(f"+{c}" for c in _CONTROLLERS))
            if not probe.is_dir():
                fs.mkdir(probe)
            fs.write(probe / "memory.max", str(1 << 30))
            fs.write(probe / "pids.max", "64")
            fs.rmdir(probe)
        except OSError:
            remover.try_remove(probe)
            remover.try_remove(base)
            if leaf is not None:
                cls._leave(own, leaf, added, fs)
            return None
        return cls(own, base, leaf=leaf, enabled=added, fs=fs)

    @staticmethod
    def _enable(own: Path, owner: int, fs: CgroupFs) -> tuple[Path | None, tuple[str, ...]] | None:
        """Turn on memory and pids for own's children: (the leaf we moved to, what we
        turned on), or None where it cannot be done without moving other processes."""
        have = set(_read(own / "cgroup.subtree_control").split())
        missing = tuple(c for c in _CONTROLLERS if c not in have)
        if not missing:
            return None, ()
        want = " ".join(f"+{c}" for c in missing)
        try:
            fs.write(own / "cgroup.subtree_control", want)
            return None, missing
        except OSError:
            pass
        # A cgroup with processes cannot enable controllers for its children (the
        # no-internal-process rule): this process leaves for a leaf of its own.
        leaf = own / f"{_LEAF}{owner}"
        try:
            if not leaf.is_dir():
                fs.mkdir(leaf)
            fs.write(leaf / "cgroup.procs", str(os.getpid()))
        except OSError:
            _Remover(fs.rmdir).try_remove(leaf)
            return None
        try:
            fs.write(own / "cgroup.subtree_control", want)
        except OSError:
            # Other processes share the cgroup; they are not ours to move.
            CgroupV2Sandbox._leave(own, leaf, (), fs)
            return None
        return leaf, missing

    @staticmethod
    def _leave(own: Path, leaf: Path, enabled: tuple[str, ...], fs: CgroupFs) -> bool:
        """Move this process back from ``leaf`` into ``own`` and remove the leaf."""
        if enabled:
            with contextlib.suppress(OSError):  # else own may not hold processes again
                fs.write(own / "cgroup.subtree_control", " ".join(f"-{c}" for c in enabled))
        try:
            fs.write(own / "cgroup.procs", str(os.getpid()))
        except OSError:
            return False
        return _Remover(fs.rmdir).until_removed(leaf, time.monotonic() + 1)

    @staticmethod
    def remove_stale(own: Path, *, fs: CgroupFs | None = None) -> None:
        """Remove cgroups (and empty leaves) of quiz-tui processes that no longer exist."""
        remover = _Remover((fs or CgroupFs()).rmdir)
        for folder in own.glob("quiz-tui-*"):
            name = folder.name.removeprefix("quiz-tui-")
            leaf = name.startswith("leaf-")
            pid = name.removeprefix("leaf-")
            if not folder.is_dir() or not pid.isdigit() or Path(f"/proc/{pid}").exists():
                continue
            if not leaf:
                for job in folder.iterdir():
                    if job.is_dir():
                        remover.try_remove(job)
            remover.try_remove(folder)

    def prepare(self, job_id: str, limits: JobLimits) -> list[str]:
        job = self._base / job_id
        if job_id not in self._jobs:  # else made ahead (reserved): only its limits change
            self._fs.mkdir(job)
        # As in v1: the runner stops the job at its limit, the kernel's is the backstop.
        backstop = limits.memory_bytes + limits.memory_bytes // 4 + (64 << 20)
        try:
            self._fs.write(job / "memory.max", str(backstop))
            with contextlib.suppress(OSError):  # absent without swap accounting
                self._fs.write(job / "memory.swap.max", "0")
            with contextlib.suppress(OSError):  # an OOM kill takes the whole job
                self._fs.write(job / "memory.oom.group", "1")
            self._fs.write(job / "pids.max", str(limits.tasks))
        except OSError:
            self._remover.try_remove(job)
            raise
        self._jobs[job_id] = job
        self._limits[job_id] = limits
        return [str(job)]

    def _procs(self, job_id: str) -> list[int]:
        job = self._jobs.get(job_id)
        if job is None:
            return []
        return [int(p) for p in _read(job / "cgroup.procs").split() if p.isdigit()]

    @staticmethod
    def _oom_killed(job: Path) -> bool:
        events = job / "memory.events"
        return _counter(events, "oom_kill") > 0 or _counter(events, "oom_group_kill") > 0

    def breach(self, job_id: str, pid: int) -> Breach | None:
        job = self._jobs.get(job_id)
        limits = self._limits.get(job_id)
        if job is None or limits is None:
            return None
        # "anon": what the job allocated; page cache from its file writes is not counted.
        if _counter(job / "memory.stat", "anon") > limits.memory_bytes or self._oom_killed(job):
            return "memory"
        return None  # the kernel refuses forks past pids.max; breached() reports it

    def breached(self, job_id: str) -> Breach | None:
        job = self._jobs.get(job_id)
        if job is None:
            return None
        if self._oom_killed(job):
            return "memory"
        if _counter(job / "pids.events", "max") > 0:
            return "tasks"
        return None

    def kill_all(self, job_id: str, pid: int) -> None:
        job = self._jobs.get(job_id)
        if job is not None and (job / "cgroup.kill").exists():  # Linux 5.14+: all at once
            with contextlib.suppress(OSError):
                self._fs.write(job / "cgroup.kill", "1")
        kill_until_gone(pid, lambda: self._procs(job_id))

    def release(self, job_id: str) -> None:
        """Remove the job's cgroup; one still emptying is retried in the background."""
        self._limits.pop(job_id, None)
        job = self._jobs.pop(job_id, None)
        if job is not None:
            self._remover.remove([job])

    def close(self) -> None:
        for job_id in list(self._jobs):
            self.release(job_id)
        deadline = time.monotonic() + 2
        self._remover.drain(deadline)
        removed = self._remover.until_removed(self._base, deadline)
        # While the base is still there, own cannot take this process back; the leaf's
        # other members (the worker) are on their way out.
        leaf = self._leaf if os.getpid() == self._mover else None
        if leaf is not None and removed and self._leave(self._own, leaf, self._enabled, self._fs):
            self._leaf = None
