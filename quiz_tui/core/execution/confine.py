"""Shuts a learner's check inside namespaces and a Landlock ruleset, as far as the kernel allows.

The worker child calls this after it forked from the warm zygote and before it runs
learner code, so this module is stdlib + ctypes only: no torch, no Textual, nothing
that starts threads. ``quiz-tui doctor`` uses :func:`probe_protections` to show the
learner which protections their kernel actually gives.

Why hand-written: the only Python binding on PyPI, ``landlock`` (1.0.0.dev5, alpha),
covers filesystem rights only: no ABI 4 TCP rules and no ABI 6 scopes (signals,
abstract unix sockets), which are half of what we want. The kernel interface is three
syscalls and three small structs, stable by design, so ctypes is less risk than a
dependency that would still need patching.

Everything degrades: a kernel without Landlock, user namespaces or a newer ABI gets
what it can, and :class:`Confinement` records what took effect. Nothing here raises
because a feature is missing.

One module past 500 lines on purpose: the ctypes binding to Landlock, the
namespace set-up and the probes ``quiz-tui doctor`` runs describe the same
rules, and a change to one (a new ABI's access right) must be made in all three.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import glob
import json
import os
import select
import signal
import socket
import stat
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

# -- kernel constants (include/uapi/linux/landlock.h, sched.h, prctl.h) ---------------

_SYS_CREATE_RULESET = 444  # same numbers on x86_64 and aarch64 (the generic table)
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1

_FS_ABI1 = (1 << 13) - 1
_FS_READ = FS_READ_FILE | FS_READ_DIR | FS_EXECUTE
# The only rights the kernel accepts in a rule on a file rather than a folder.
_FS_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV

CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
_NAMESPACES = {
    "user": CLONE_NEWUSER,
    "pid": CLONE_NEWPID,
    "net": CLONE_NEWNET,
    "ipc": CLONE_NEWIPC,
}


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)) in the uapi header: 12 bytes, not 16
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _syscall(number: int, *args: object) -> int:
    """One raw syscall; raises OSError with the kernel's errno. Tests replace it."""
    wide = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]  # full registers
    result = _libc.syscall(ctypes.c_long(number), *wide)
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return int(result)


def _unshare(flags: int) -> None:
    if _libc.unshare(ctypes.c_int(flags)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _prctl(option: int, value: int) -> None:
    zero = ctypes.c_ulong(0)
    if _libc.prctl(ctypes.c_int(option), ctypes.c_ulong(value), zero, zero, zero) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


# -- what took effect --------------------------------------------------------------


@dataclass(frozen=True)
class Confinement:
    """What :func:`confine` (and the namespaces before it) actually put in place."""

    abi: int = 0
    fs: bool = False  # Landlock filesystem rules are enforced
    net: bool = False  # Landlock denies TCP bind/connect
    scopes: frozenset[str] = field(default_factory=frozenset)  # "signal", "abstract_unix"
    namespaces: frozenset[str] = field(default_factory=frozenset)  # "user", "pid", "net", "ipc"
    no_new_privs: bool = False

    def describe(self) -> list[str]:
        """One sentence per protection, for the doctor and the worker log."""
        lines = []
        if self.fs:
            lines.append(
                f"Landlock ABI {self.abi}: files — writes only in the check's folder, "
                "reads only Python and the data"
            )
        else:
            lines.append("files: no Landlock — the check can read and write what your user can")
        net = []
        if self.net:
            net.append("no TCP (Landlock)")
        if "net" in self.namespaces:
            net.append("no interfaces (network namespace)")
        lines.append("network: " + (" / ".join(net) if net else "open"))
        sig = []
        if "pid" in self.namespaces:
            sig.append("pid namespace")
        if "signal" in self.scopes:
            sig.append("Landlock scope")
        if sig:
            lines.append(f"signals: cannot reach processes outside the check ({' + '.join(sig)})")
        else:
            lines.append("signals: the check can signal your other processes")
        unix = []
        if "abstract_unix" in self.scopes:
            unix.append("Landlock scope")
        if "net" in self.namespaces:
            unix.append("network namespace")
        if unix:
            lines.append(
                f"abstract unix sockets: cannot reach servers outside ({' + '.join(unix)})"
            )
        if "pid" in self.namespaces:
            lines.append("leftover processes: killed with the check (pid namespace)")
        if "ipc" in self.namespaces:
            lines.append("System V IPC: private to the check (IPC namespace)")
        if self.no_new_privs:
            lines.append("setuid programs cannot gain privileges (no_new_privs)")
        return lines


# -- Landlock ----------------------------------------------------------------------


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where Landlock is missing or disabled."""
    try:
        return _syscall(_SYS_CREATE_RULESET, None, 0, _CREATE_RULESET_VERSION)
    except OSError:
        return 0  # ENOSYS (too old), EOPNOTSUPP (built in but not enabled at boot)


def _fs_rights(abi: int) -> int:
    rights = _FS_ABI1
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def _add_path(ruleset: int, path: str, access: int) -> bool:
    """Allow ``access`` beneath ``path``; False when it does not exist or is refused."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= _FS_FILE_RIGHTS
        attr = _PathBeneathAttr(access, fd)
        _syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.pointer(attr), 0)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def confine(
    scratch: str,
    *,
    read_only: Sequence[str],
    read_write: Sequence[str] = (),
    allow_net: bool = False,
    namespaces: AbstractSet[str] = frozenset(),
) -> Confinement:
    """Restrict this process (and every child it makes later) for good.

    Files: read and execute beneath ``read_only``; everything beneath ``scratch`` and
    ``read_write``; nothing elsewhere. TCP bind/connect denied unless ``allow_net``
    (ABI 4+). Signals and abstract unix sockets cannot leave the Landlock domain (ABI
    6+). ``namespaces`` is what :func:`enter_namespaces` returned, only recorded.

    Call it in the child, after everything that needs wider access (imports, opening
    the result pipe) is done: file descriptors already open stay usable.

    It also points TMPDIR (and :mod:`tempfile`) at ``scratch``: /tmp is out of reach,
    and DataLoader workers fail without a temp folder (multiprocessing makes its
    socket folder there).
    """
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = None  # recomputed from TMPDIR on next use
    no_new_privs = True
    try:
        _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    except OSError:
        no_new_privs = False
    done = Confinement(namespaces=frozenset(namespaces), no_new_privs=no_new_privs)
    abi = landlock_abi()
    if abi <= 0:
        return done
    fs = _fs_rights(abi)
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 and not allow_net else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = _RulesetAttr(fs, net, scoped)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8  # the struct as this kernel knows it
    try:
        ruleset = _syscall(_SYS_CREATE_RULESET, ctypes.pointer(attr), size, 0)
    except OSError:
        return Confinement(abi, namespaces=done.namespaces, no_new_privs=no_new_privs)
    try:
        for path in read_only:
            _add_path(ruleset, path, _FS_READ)
        for path in (scratch, *read_write):
            _add_path(ruleset, path, fs)
        _syscall(_SYS_RESTRICT_SELF, ruleset, 0)
    except OSError:  # EPERM without no_new_privs: nothing was restricted
        return Confinement(abi, namespaces=done.namespaces, no_new_privs=no_new_privs)
    finally:
        os.close(ruleset)
    scopes = frozenset({"abstract_unix", "signal"}) if scoped else frozenset[str]()
    return Confinement(abi, True, bool(net), scopes, done.namespaces, no_new_privs)


# -- namespaces --------------------------------------------------------------------


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _map_ids(uid: int, gid: int) -> None:
    """Stay the same user inside the new user namespace (root stays root, on its files)."""
    with contextlib.suppress(FileNotFoundError):  # kernels before 3.19 have no setgroups
        _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")


def enter_namespaces(*, net: bool = True) -> set[str]:
    """Unshare user, pid, net and ipc namespaces; return the names that took effect.

    The caller must be single-threaded (a fresh fork: the kernel refuses a new user
    namespace to a threaded process). The pid namespace applies to the NEXT child
    only: run the learner's code through :func:`run_contained`. ``net=False`` keeps the
    network (e.g. a pack that downloads). Root without user namespaces still gets the
    others; anyone else gets what the kernel allows, possibly nothing.
    """
    wanted = {name: flag for name, flag in _NAMESPACES.items() if net or name != "net"}
    uid, gid = os.getuid(), os.getgid()
    everything = 0
    for flag in wanted.values():
        everything |= flag
    try:
        _unshare(everything)
    except OSError:
        pass
    else:
        # Unmapped, we would still hold the namespace's capabilities; files see nobody.
        with contextlib.suppress(OSError):
            _map_ids(uid, gid)
        return set(wanted)
    # One at a time: user first, since inside it the others need no privilege.
    entered: set[str] = set()
    for name, flag in wanted.items():
        try:
            _unshare(flag)
        except OSError:
            continue
        entered.add(name)
        if name == "user":
            with contextlib.suppress(OSError):
                _map_ids(uid, gid)
    return entered


def run_contained(fn: Callable[[], int], *, on_start: Callable[[int], None] | None = None) -> int:
    """Run ``fn`` in a child that is pid 1 of the new pid namespace; mirror how it ended.

    When pid 1 dies the kernel SIGKILLs every process in its namespace, so nothing the
    learner forks (setsid, double fork) outlives the check. The child's pid as seen from
    outside goes to ``on_start`` (e.g. to send it to the supervisor, which may SIGKILL
    it). SIGTERM, SIGINT and SIGHUP sent to this process are passed on to the child.

    In the child, ``fn()``'s return value is the exit status and this never returns.
    Here it returns the child's exit status; if the child died of a signal, this process
    kills itself with the same signal so our parent's waitpid sees the same thing.
    A pid-1 child ignores signals it has no handler for, except SIGKILL and SIGSTOP.
    """
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = fn()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except BaseException:
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(code)

    def forward(sig: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    if on_start is not None:
        on_start(pid)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except ChildProcessError:
            return 1
        except InterruptedError:  # pragma: no cover - PEP 475 retries for us
            continue
    if os.WIFSIGNALED(status):
        died = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError):  # SIGKILL/SIGSTOP have no handler
            signal.signal(died, signal.SIG_DFL)
        os.kill(os.getpid(), died)
        return 128 + died
    return os.waitstatus_to_exitcode(status)


# -- paths -------------------------------------------------------------------------


# Not /etc or /dev whole: a check run as root (CI, containers) could read
# /etc/shadow, ssh host keys or a raw disk (/dev/sda), since uid 0 stays uid 0 in the
# user namespace and owns them.
_ETC = [
    f"/etc/{name}"
    for name in (
        "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "zoneinfo",
        "passwd", "group", "nsswitch.conf", "hosts", "host.conf", "ssl", "ca-certificates",
        "pki", "mime.types", "fonts", "os-release", "lsb-release", "debian_version",
        "matplotlibrc", "alternatives",
    )
]  # fmt: skip
_DEVICES = ["/dev/urandom", "/dev/random", "/dev/full", "/dev/zero", "/dev/fd", "/dev/stdin"]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def default_read_only_paths(extra: Iterable[str] = (), *, protect: Iterable[str] = ()) -> list[str]:
    """What Python (and an already imported torch) reads at run time, plus ``extra``.

    Interpreter prefixes and system folders are allowed whole; of /etc and /dev only
    what libraries read (the loader cache, time zone, certificates; random devices). Any other ``sys.path``
    entry (a repository checkout on PYTHONPATH, the working folder) is narrowed to the
    packages already imported from it, so the repository's ``exercises`` folder stays
    unreadable. Nothing that contains the home folder, ``$QUIZ_TUI_HOME`` or a path in
    ``protect`` (the progress database, pack folders) is allowed.
    """
    allowed = [*_interpreter_paths(), *(os.path.realpath(p) for p in extra)]
    guarded = [os.path.expanduser("~"), os.environ.get("QUIZ_TUI_HOME", ""), *protect]
    guarded = [os.path.realpath(p) for p in guarded if p]
    explicit = {os.path.realpath(p) for p in extra}
    result: list[str] = []
    for path in allowed:
        if path in result or not os.path.exists(path):
            continue
        if path not in explicit and any(_inside(g, path) for g in guarded):
            continue  # "/" or a folder holding the user's data: too wide
        result.append(path)
    return result


@functools.lru_cache(maxsize=1)
def _interpreter_paths() -> tuple[str, ...]:
    """The interpreter's own folders and what it imported: slow to find (about 0.1 s with
    torch loaded), so found once, in the warm worker before it forks, and inherited."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    system = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/proc", "/sys"]
    allowed = [*sorted(prefixes), *system, *_ETC, *_DEVICES]
    trusted = [*prefixes, "/usr"]
    entries = [os.path.realpath(e or os.getcwd()) for e in sys.path]
    entries = [e for e in entries if os.path.exists(e)]
    for real in entries:
        if any(_inside(real, t) for t in trusted):
            allowed.append(real)
        else:
            allowed.extend(_imported_from(real, entries))
    return tuple(allowed)


def _imported_from(folder: str, entries: Iterable[str] = ()) -> list[str]:
    """Top-level packages and modules already imported from ``folder``.

    A module under a deeper ``sys.path`` entry (``entries``) was imported from that
    one: the built-in pack's helpers in ``<checkout>/exercises/pytorch60/lib`` make
    that ``lib`` folder's package readable, never the checkout's whole ``exercises``
    folder with its solutions.
    """
    deeper = [e for e in entries if e != folder and _inside(e, folder)]
    found: set[str] = set()
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None)
        if not source:
            continue
        real = os.path.realpath(source)
        if not _inside(real, folder) or real == folder:
            continue
        if any(_inside(real, e) for e in deeper):
            continue
        top = real[len(folder.rstrip("/")) + 1 :].split("/", 1)[0]
        found.add(os.path.join(folder, top))
    return sorted(found)


def default_read_write_paths() -> list[str]:
    """Devices a check writes besides its folder: /dev/null, /dev/shm (DataLoader
    workers' shared memory) and the NVIDIA devices CUDA opens."""
    wanted = ["/dev/null", "/dev/shm", *sorted(glob.glob("/dev/nvidia*"))]
    return [p for p in wanted if os.path.exists(p)]


# -- the doctor's probe ------------------------------------------------------------

PROBE_CHECKS = {
    "write_scratch": "the check can write in its own folder",
    "read_python": "the check can read Python's files",
    "write_outside": "writes outside the check's folder are refused",
    "read_outside": "your other files (progress, packs) cannot be read",
    "tcp_connect": "TCP connections are refused",
    "tcp_bind": "listening on a TCP port is refused",
    "signal_outside": "your other processes cannot be signalled",
    "abstract_unix": "abstract unix sockets outside the check cannot be reached",
    "proc_environ": "your other processes' environment (tokens) cannot be read",
    "pid_one": "processes the check leaves behind are killed with it",
}
"""What each probe check shows when it passes, in the order the doctor prints them."""


def _refused(action: Callable[[], object]) -> tuple[bool, str]:
    """(True, why) when ``action`` fails with an OSError, (False, "allowed") otherwise."""
    try:
        action()
    except OSError as exc:
        return True, errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return False, "allowed"


def _works(action: Callable[[], object]) -> tuple[bool, str]:
    ok, why = _refused(action)
    return not ok, "works" if not ok else why


def _probe_child(folder: str, port: int, unix_name: bytes, outer_pid: int) -> dict[str, Any]:
    """Runs confined, inside the namespaces: try each thing a protection should stop."""
    namespaces = enter_namespaces()

    def body() -> dict[str, Any]:
        scratch = os.path.join(folder, "scratch")
        done = confine(
            scratch,
            read_only=default_read_only_paths(protect=[folder]),
            read_write=default_read_write_paths(),
            namespaces=namespaces,
        )

        def write(path: str) -> None:
            with open(path, "w") as f:
                f.write("x")

        def read(path: str) -> None:
            with open(path, "rb") as f:
                f.read(1)

        def tcp(bind: bool) -> None:
            with socket.socket() as s:
                s.settimeout(2)
                if bind:
                    s.bind(("127.0.0.1", 0))
                else:
                    s.connect(("127.0.0.1", port))

        def unix() -> None:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(2)
                s.connect(b"\0" + unix_name)

        checks = {
            "write_scratch": _works(lambda: write(os.path.join(scratch, "ok"))),
            "read_python": _works(lambda: read(os.__file__)),
            "write_outside": _refused(lambda: write(os.path.join(folder, "outside", "x"))),
            "read_outside": _refused(lambda: read(os.path.join(folder, "denied", "secret"))),
            "tcp_connect": _refused(lambda: tcp(False)),
            "tcp_bind": _refused(lambda: tcp(True)),
            "signal_outside": _refused(lambda: os.kill(outer_pid, 0)),
            "abstract_unix": _refused(unix),
            "proc_environ": _refused(lambda: read(f"/proc/{outer_pid}/environ")),
            "pid_one": (os.getpid() == 1, f"pid {os.getpid()}"),
        }
        return {
            "abi": done.abi,
            "namespaces": sorted(done.namespaces),
            "no_new_privs": done.no_new_privs,
            "describe": done.describe(),
            "checks": {k: {"ok": ok, "detail": why} for k, (ok, why) in checks.items()},
        }

    if "pid" not in namespaces:
        return body()
    r, w = os.pipe()

    def contained() -> int:
        os.close(r)
        os.write(w, json.dumps(body()).encode())
        return 0

    run_contained(contained)
    os.close(w)
    return dict(json.loads(_read_all(r, time.monotonic() + 10) or b"{}"))


def _read_all(fd: int, deadline: float) -> bytes:
    chunks = []
    try:
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([fd], [], [], left)[0]:
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def probe_protections(timeout: float = 15.0) -> dict[str, Any]:
    """Confine a throwaway child and test each protection for real; for ``quiz-tui doctor``.

    Forks, so call it from a process that has not imported torch and runs no threads
    that hold locks the child needs. Returns ``{"abi", "namespaces", "checks": {name:
    {"ok", "detail"}}, "describe", "sandbox"}``; ``"error"`` if the child gave no answer.
    """
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="quiz-tui-doctor-") as folder:
        for sub in ("scratch", "outside", "denied"):
            os.mkdir(os.path.join(folder, sub))
        with open(os.path.join(folder, "denied", "secret"), "w") as f:
            f.write("secret")
        unix_name = f"quiz-tui-doctor-{os.getpid()}".encode()
        with socket.socket() as listener, socket.socket(socket.AF_UNIX) as unix:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            unix.bind(b"\0" + unix_name)
            unix.listen(1)
            outer = os.getpid()
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - measured through the report
                code = 1
                try:
                    os.close(r)
                    found = _probe_child(folder, listener.getsockname()[1], unix_name, outer)
                    os.write(w, json.dumps(found).encode())
                    code = 0
                except BaseException:
                    traceback.print_exc()
                finally:
                    os._exit(code)
            os.close(w)
            raw = _read_all(r, time.monotonic() + timeout)
            _reap(pid)
            report_owner = pid
        try:
            report = dict(json.loads(raw)) if raw else {"error": "the probe gave no answer"}
        except ValueError:
            report = {"error": "the probe's answer was not JSON"}
    report["sandbox"] = _sandbox_report(report_owner)
    return report


def _reap(pid: int) -> None:
    for _ in range(2):
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
            return


def _sandbox_report(owner: int) -> dict[str, Any]:
    """Which memory/process-limit sandbox the runner would pick, and its cgroup version
    (for the watcher: the hierarchy this machine mounts, 0 for none).

    ``owner`` names the trial cgroup folders: the probe's dead child, never this
    process, whose folders a runner in the same process may be using.
    """
    from quiz_tui.core.execution.sandbox import choose_sandbox

    version = 2 if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else 1
    if version == 1 and not os.path.isdir("/sys/fs/cgroup/memory"):
        version = 0
    sandbox = choose_sandbox(owner)
    try:
        name = sandbox.name
        # The hierarchy the sandbox uses; for the watcher, the one this machine has.
        version = int(getattr(sandbox, "version", version))
    finally:
        sandbox.close()
    return {"name": name, "cgroup_version": version}
