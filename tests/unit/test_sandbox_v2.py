"""The cgroup v2 sandbox, against a folder laid out as a delegated v2 hierarchy.

Real v2 cannot be exercised on every machine (CI and dev boxes may mount v1 or
a hybrid), so :class:`FakeKernel` applies the few cgroupfs rules the sandbox's
decisions depend on: the no-internal-process rule, controllers a child only has
when its parent's ``cgroup.subtree_control`` enables them, moving a process by
writing its pid, and ``rmdir`` refused while processes remain.
"""

from __future__ import annotations

import errno
import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quiz_tui.core.execution import sandbox as sb
from quiz_tui.core.execution.sandbox import CgroupFs, CgroupV2Sandbox, JobLimits

PID = str(os.getpid())
DEAD = 999_999_999  # above any pid_max: never a live process
LIMITS = JobLimits(memory_bytes=512 << 20, tasks=64)


def _words(path: Path) -> list[str]:
    return path.read_text().split() if path.is_file() else []


class FakeKernel(CgroupFs):
    """A temp folder that answers writes the way cgroupfs v2 would, for what we use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.locked: set[Path] = set()  # folders whose entries this user may not change
        self.kill_file = True  # Linux 5.14+: new cgroups get cgroup.kill
        self.swap = True  # swap accounting: memory.swap.max exists
        self.writes: list[tuple[Path, str]] = []

    def controllers(self, folder: Path) -> set[str]:
        if (folder / "cgroup.controllers").is_file():
            return set(_words(folder / "cgroup.controllers"))
        return set(_words(folder.parent / "cgroup.subtree_control"))

    def _guard(self, path: Path) -> None:
        if path.parent in self.locked:
            raise PermissionError(errno.EACCES, "not delegated", str(path))
        if not path.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "no such cgroup", str(path))

    def write(self, path: Path, text: str) -> None:
        self._guard(path)
        self.writes.append((path, text))
        folder, name = path.parent, path.name
        if name == "cgroup.procs":
            if folder != self.root and _words(folder / "cgroup.subtree_control"):
                raise OSError(errno.EBUSY, "no internal processes", str(path))
            pid = text.strip()
            for procs in self.root.rglob("cgroup.procs"):
                members = _words(procs)
                if pid in members:
                    procs.write_text("".join(f"{p}\n" for p in members if p != pid))
            path.write_text(path.read_text() + f"{pid}\n")
        elif name == "cgroup.subtree_control":
            if not path.is_file():
                raise OSError(errno.EINVAL, "not a cgroup", str(path))
            enabled = set(_words(path))
            for token in text.split():
                op, controller = token[0], token[1:]
                if controller not in self.controllers(folder):
                    raise OSError(errno.ENOENT, "controller not available", str(path))
                if op == "+":
                    if folder != self.root and _words(folder / "cgroup.procs"):
                        raise OSError(errno.EBUSY, "no internal processes", str(path))
                    enabled.add(controller)
                else:
                    for child in folder.iterdir():
                        if child.is_dir() and controller in _words(
                            child / "cgroup.subtree_control"
                        ):
                            raise OSError(errno.EBUSY, "a child uses it", str(path))
                    enabled.discard(controller)
            path.write_text(" ".join(sorted(enabled)))
        elif name.split(".")[0] in ("memory", "pids"):
            controller = name.split(".")[0]
            if folder == self.root or controller not in self.controllers(folder):
                raise OSError(errno.EACCES, "controller not enabled", str(path))
            if name == "memory.swap.max" and not self.swap:
                raise OSError(errno.EACCES, "no swap accounting", str(path))
            path.write_text(text)
        elif name == "cgroup.kill":
            if not path.is_file():
                raise OSError(errno.EACCES, "kernel before 5.14", str(path))
            for pid in _words(folder / "cgroup.procs"):
                os.kill(int(pid), signal.SIGKILL)
            path.write_text(text)
        else:
            raise OSError(errno.EACCES, "cgroupfs makes no new files", str(path))

    def mkdir(self, path: Path) -> None:
        self._guard(path)
        path.mkdir()
        for name in ("cgroup.procs", "cgroup.subtree_control"):
            (path / name).write_text("")
        if self.kill_file:
            (path / "cgroup.kill").write_text("")

    def rmdir(self, path: Path) -> None:
        if not path.is_dir():
            raise FileNotFoundError(errno.ENOENT, "gone", str(path))
        if _words(path / "cgroup.procs"):
            raise OSError(errno.EBUSY, "still has processes", str(path))
        if any(p.is_dir() for p in path.iterdir()):
            raise OSError(errno.ENOTEMPTY, "has child cgroups", str(path))
        for p in path.iterdir():
            p.unlink()
        path.rmdir()


class Host:
    """A v2 hierarchy at ``root``; this process sits in ``own`` (user.slice/app.scope)."""

    def __init__(self, tmp: Path) -> None:
        self.root = tmp / "cgroup"
        self.own = self.root / "user.slice" / "app.scope"
        self.own.mkdir(parents=True)
        (self.root / "cgroup.controllers").write_text("cpuset cpu io memory hugetlb pids\n")
        (self.root / "cgroup.subtree_control").write_text("cpu memory pids\n")
        (self.root / "cgroup.procs").write_text("1\n")
        slice_ = self.own.parent
        (slice_ / "cgroup.subtree_control").write_text("memory pids\n")
        (slice_ / "cgroup.procs").write_text("")
        (self.own / "cgroup.controllers").write_text("memory pids\n")
        (self.own / "cgroup.subtree_control").write_text("")
        (self.own / "cgroup.procs").write_text(f"{PID}\n")
        self.proc = tmp / "proc-self-cgroup"
        self.proc.write_text("0::/user.slice/app.scope\n")
        self.kernel = FakeKernel(self.root)

    def detect(self, owner: int = os.getpid()) -> CgroupV2Sandbox | None:
        return CgroupV2Sandbox.detect(owner, root=self.root, proc_cgroup=self.proc, fs=self.kernel)

    def ours(self) -> list[str]:
        """quiz-tui folders in own."""
        return sorted(p.name for p in self.own.glob("quiz-tui-*"))


@pytest.fixture
def host(tmp_path: Path) -> Host:
    return Host(tmp_path)


@pytest.fixture
def box(host: Host) -> CgroupV2Sandbox:
    found = host.detect()
    assert found is not None
    return found


# -- detection -------------------------------------------------------------


def test_a_delegated_cgroup_with_this_process_in_it_moves_only_this_process(
    host: Host,
) -> None:
    box = host.detect()
    assert box is not None
    assert (box.name, box.version) == ("cgroup", 2)
    leaf = host.own / f"quiz-tui-leaf-{PID}"
    assert box.leaf == leaf
    assert _words(leaf / "cgroup.procs") == [PID]
    assert _words(host.own / "cgroup.procs") == []
    assert _words(host.own / "cgroup.subtree_control") == ["memory", "pids"]
    assert box.base == host.own / f"quiz-tui-{PID}"
    assert _words(box.base / "cgroup.subtree_control") == ["memory", "pids"]
    assert not (box.base / "probe").exists()  # the trial job folder is gone


def test_controllers_already_on_need_no_move(host: Host) -> None:
    (host.own / "cgroup.procs").write_text("")  # a manager enabled them, we live elsewhere
    (host.own / "cgroup.subtree_control").write_text("memory pids")
    box = host.detect()
    assert box is not None
    assert box.leaf is None
    assert host.ours() == [f"quiz-tui-{PID}"]
    box.close()
    assert host.ours() == []
    assert _words(host.own / "cgroup.subtree_control") == ["memory", "pids"]  # not ours to undo


def test_the_root_cgroup_of_a_container_takes_controllers_with_processes_in_it(
    host: Host,
) -> None:
    host.proc.write_text("0::/\n")
    (host.root / "cgroup.procs").write_text(f"1\n{PID}\n")
    (host.root / "cgroup.subtree_control").write_text("cpu")
    box = host.detect()
    assert box is not None
    assert box.leaf is None
    assert box.base == host.root / f"quiz-tui-{PID}"
    assert _words(host.root / "cgroup.subtree_control") == ["cpu", "memory", "pids"]


def test_a_process_already_in_a_quiz_tui_leaf_uses_the_delegated_parent(host: Host) -> None:
    first = host.detect()
    assert first is not None and first.leaf is not None
    host.proc.write_text(f"0::/user.slice/app.scope/quiz-tui-leaf-{PID}\n")
    second = host.detect(owner=DEAD - 1)  # e.g. the doctor's trial in the same process
    assert second is not None
    assert second.leaf is None
    assert second.base == host.own / f"quiz-tui-{DEAD - 1}"
    second.close()
    assert _words(first.leaf / "cgroup.procs") == [PID]  # the first is undisturbed


@pytest.mark.parametrize("controllers", ["cpu memory", "cpu pids", ""])
def test_refuses_without_memory_and_pids(host: Host, controllers: str) -> None:
    (host.own / "cgroup.controllers").write_text(controllers)
    assert host.detect() is None
    assert host.kernel.writes == []
    assert host.ours() == []


def test_refuses_on_a_v1_or_hybrid_host(host: Host) -> None:
    (host.root / "cgroup.controllers").unlink()  # /sys/fs/cgroup is a tmpfs of v1 mounts
    assert host.detect() is None
    assert host.kernel.writes == []


def test_refuses_without_a_0_line(host: Host) -> None:
    host.proc.write_text("4:memory:/x\n")
    assert host.detect() is None


def test_refuses_a_cgroup_not_delegated_to_us(host: Host) -> None:
    host.kernel.locked = {host.own}
    assert host.detect() is None
    assert _words(host.own / "cgroup.procs") == [PID]
    assert host.ours() == []


def test_refuses_a_cgroup_not_delegated_even_with_controllers_on(host: Host) -> None:
    (host.own / "cgroup.procs").write_text("")
    (host.own / "cgroup.subtree_control").write_text("memory pids")
    host.kernel.locked = {host.own}
    assert host.detect() is None
    assert host.ours() == []


def test_other_processes_in_the_cgroup_are_left_alone_and_we_move_back(host: Host) -> None:
    (host.own / "cgroup.procs").write_text(f"{PID}\n4242\n")
    assert host.detect() is None
    assert sorted(_words(host.own / "cgroup.procs")) == sorted([PID, "4242"])
    assert host.ours() == []  # the leaf is gone again
    leaf_procs = host.own / f"quiz-tui-leaf-{PID}" / "cgroup.procs"
    moved = [text for path, text in host.kernel.writes if path.name == "cgroup.procs"]
    assert moved == [PID, PID]  # into the leaf, and back; never 4242
    assert (leaf_procs, PID) in host.kernel.writes
    assert _words(host.own / "cgroup.subtree_control") == []


def test_a_subtree_control_that_cannot_be_written_is_a_refusal(host: Host) -> None:
    control = host.own / "cgroup.subtree_control"
    control.unlink()
    control.mkdir()  # every write to it fails, before and after moving
    assert host.detect() is None
    assert _words(host.own / "cgroup.procs") == [PID]
    assert host.ours() == []


# -- jobs --------------------------------------------------------------------


def test_prepare_writes_the_limits(box: CgroupV2Sandbox) -> None:
    folders = box.prepare("7", LIMITS)
    job = box.base / "7"
    assert folders == [str(job)]
    backstop = (512 << 20) + (128 << 20) + (64 << 20)
    assert (job / "memory.max").read_text() == str(backstop)
    assert (job / "memory.swap.max").read_text() == "0"
    assert (job / "memory.oom.group").read_text() == "1"
    assert (job / "pids.max").read_text() == "64"


def test_prepare_works_without_swap_accounting(host: Host, box: CgroupV2Sandbox) -> None:
    host.kernel.swap = False
    box.prepare("7", LIMITS)
    assert not (box.base / "7" / "memory.swap.max").exists()
    assert (box.base / "7" / "pids.max").read_text() == "64"


def test_a_job_folder_the_kernel_refuses_is_removed_again(host: Host, box: CgroupV2Sandbox) -> None:
    (box.base / "cgroup.subtree_control").write_text("pids")  # memory switched off since
    with pytest.raises(OSError, match="controller not enabled"):
        box.prepare("7", LIMITS)
    assert not (box.base / "7").exists()


def test_breach_reads_anonymous_memory_and_oom_kills(box: CgroupV2Sandbox) -> None:
    box.prepare("7", LIMITS)
    job = box.base / "7"
    assert box.breach("7", 1) is None  # no counters yet
    (job / "memory.stat").write_text(f"anon 1000\nfile {10 * LIMITS.memory_bytes}\n")
    assert box.breach("7", 1) is None  # page cache does not count
    (job / "memory.stat").write_text(f"anon {LIMITS.memory_bytes + 1}\nfile 0\n")
    assert box.breach("7", 1) == "memory"
    (job / "memory.stat").write_text("anon 0\n")
    (job / "memory.events").write_text("low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n")
    assert box.breach("7", 1) == "memory"
    assert box.breach("unknown", 1) is None


def test_breached_reads_oom_kill_and_pids_max(box: CgroupV2Sandbox) -> None:
    box.prepare("7", LIMITS)
    job = box.base / "7"
    (job / "memory.events").write_text("max 12\noom 0\noom_kill 0\n")
    (job / "pids.events").write_text("max 0\n")
    assert box.breached("7") is None
    (job / "pids.events").write_text("max 3\n")
    assert box.breached("7") == "tasks"
    (job / "memory.events").write_text("max 12\noom 1\noom_kill 2\n")
    assert box.breached("7") == "memory"  # the memory kill explains the failed forks


def _sleepers(n: int) -> list[subprocess.Popen[bytes]]:
    code = "import time; time.sleep(60)"
    return [
        subprocess.Popen([sys.executable, "-c", code], start_new_session=True) for _ in range(n)
    ]


def _all_dead(procs: list[subprocess.Popen[bytes]]) -> bool:
    try:
        return all(p.wait(timeout=5) == -signal.SIGKILL for p in procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


@pytest.mark.parametrize("kill_file", [True, False], ids=["cgroup.kill", "before-5.14"])
def test_kill_all_kills_every_member_even_in_other_sessions(
    host: Host, box: CgroupV2Sandbox, kill_file: bool
) -> None:
    host.kernel.kill_file = kill_file
    box.prepare("7", LIMITS)
    job = box.base / "7"
    procs = _sleepers(2)  # each its own session, as after setsid
    for p in procs:
        host.kernel.write(job / "cgroup.procs", str(p.pid))  # what the worker does
    box.kill_all("7", procs[0].pid)
    assert _all_dead(procs)
    assert ((job / "cgroup.kill", "1") in host.kernel.writes) is kill_file
    assert (job / "cgroup.kill").exists() is kill_file


def test_release_removes_the_job_folder_once_it_empties(host: Host, box: CgroupV2Sandbox) -> None:
    box.prepare("7", LIMITS)
    box.prepare("8", LIMITS)
    (box.base / "8" / "cgroup.procs").write_text("123456\n")  # still exiting
    box.release("7")
    box.release("8")
    assert not (box.base / "7").exists()
    assert (box.base / "8").exists()
    (box.base / "8" / "cgroup.procs").write_text("")
    deadline = time.monotonic() + 5
    while (box.base / "8").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not (box.base / "8").exists()  # the background retry took it
    assert box.breached("7") is None


def test_close_removes_everything_and_moves_this_process_back(
    host: Host, box: CgroupV2Sandbox
) -> None:
    box.prepare("7", LIMITS)
    box.close()
    assert host.ours() == []
    assert _words(host.own / "cgroup.procs") == [PID]
    assert _words(host.own / "cgroup.subtree_control") == []  # as it was
    assert box.leaf is None


def test_close_stays_in_the_leaf_while_a_job_cannot_be_removed(
    host: Host, box: CgroupV2Sandbox
) -> None:
    box.prepare("7", LIMITS)
    (box.base / "7" / "cgroup.procs").write_text("123456\n")  # a process that will not go
    box.close()
    leaf = host.own / f"quiz-tui-leaf-{PID}"
    assert _words(leaf / "cgroup.procs") == [PID]  # own cannot hold processes now
    assert _words(host.own / "cgroup.subtree_control") == ["memory", "pids"]


def test_stale_folders_of_dead_owners_are_removed(host: Host) -> None:
    (host.own / "cgroup.procs").write_text("")
    (host.own / "cgroup.subtree_control").write_text("memory pids")
    k = host.kernel
    for folder in (
        host.own / f"quiz-tui-{DEAD}",
        host.own / f"quiz-tui-{DEAD}" / "3",
        host.own / f"quiz-tui-leaf-{DEAD}",
        host.own / f"quiz-tui-leaf-{DEAD - 1}",
        host.own / "quiz-tui-1",  # pid 1 lives
        host.own / "quiz-tui-1" / "3",
    ):
        k.mkdir(folder)
    (host.own / f"quiz-tui-leaf-{DEAD - 1}" / "cgroup.procs").write_text("123456\n")
    box = host.detect(owner=os.getpid())
    assert box is not None
    assert host.ours() == sorted(["quiz-tui-1", f"quiz-tui-leaf-{DEAD - 1}", f"quiz-tui-{PID}"])
    assert (host.own / "quiz-tui-1" / "3").is_dir()


# -- choosing ----------------------------------------------------------------


def test_choose_sandbox_prefers_a_delegated_v2_cgroup(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_host = functools.partial(
        CgroupV2Sandbox.detect, root=host.root, proc_cgroup=host.proc, fs=host.kernel
    )
    monkeypatch.setattr(CgroupV2Sandbox, "detect", on_host)
    monkeypatch.delenv("QUIZ_TUI_SANDBOX", raising=False)
    chosen = sb.choose_sandbox(os.getpid())
    assert isinstance(chosen, CgroupV2Sandbox)
    chosen.close()
    assert isinstance(sb.choose_sandbox(os.getpid(), "watch"), sb.WatchSandbox)
    monkeypatch.setenv("QUIZ_TUI_SANDBOX", "watch")
    assert isinstance(sb.choose_sandbox(os.getpid()), sb.WatchSandbox)
    assert host.ours() == []


def _dead_pid() -> int:
    """A pid that just ended: the trial folders are named after it, as in the doctor."""
    p = subprocess.Popen([sys.executable, "-c", ""])
    p.wait()
    return p.pid


@pytest.mark.skipif(
    Path("/sys/fs/cgroup/cgroup.controllers").exists(), reason="this host mounts cgroup v2"
)
def test_v2_detection_degrades_cleanly_on_a_v1_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUIZ_TUI_SANDBOX", raising=False)
    before = Path("/proc/self/cgroup").read_text()
    owner = _dead_pid()
    assert CgroupV2Sandbox.detect(owner) is None
    chosen = sb.choose_sandbox(owner)
    try:
        assert isinstance(chosen, sb.CgroupSandbox | sb.WatchSandbox)
        assert getattr(chosen, "version", 1) == 1
    finally:
        chosen.close()
    assert Path("/proc/self/cgroup").read_text() == before  # nothing moved
