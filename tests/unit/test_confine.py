"""Confinement of the worker child: each protection tried for real in a forked child.

Confinement cannot be undone, so every test forks: the child confines itself, tries
what a learner's code might, and reports through a pipe; the test process stays free.
"""

from __future__ import annotations

import errno
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from quiz_tui.cli import main
from quiz_tui.core.execution import confine as cf

ABI = cf.landlock_abi()
ROOT_ONLY = [
    p for p in ("/etc/shadow", "/dev/vda", "/dev/sda", "/dev/nvme0n1") if os.path.exists(p)
]
needs_landlock = pytest.mark.skipif(ABI < 1, reason="Landlock unsupported: the kernel has no ABI")


def in_child(body: Callable[[], dict[str, Any]], timeout: float = 20) -> dict[str, Any]:
    """Run ``body`` in a forked child and return what it reported."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - reported through the pipe
        try:
            os.close(r)
            out = body()
        except BaseException:
            out = {"crash": traceback.format_exc()}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0 and select.select([r], [], [], left)[0]:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    if time.monotonic() >= deadline:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert chunks, "the child reported nothing"
    report: dict[str, Any] = json.loads(b"".join(chunks))
    assert "crash" not in report, report.get("crash")
    return report


def outcome(action: Callable[[], object]) -> str:
    """``ok``, or PermissionError / the errno name of the OSError the action raised."""
    try:
        action()
    except PermissionError:
        return "PermissionError"
    except OSError as exc:
        return errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return "ok"


def confine_here(scratch: Path, *, protect: Path) -> cf.Confinement:
    return cf.confine(
        str(scratch),
        read_only=cf.default_read_only_paths(protect=[str(protect)]),
        read_write=cf.default_read_write_paths(),
    )


def namespaces_or_skip() -> set[str]:
    found = in_child(lambda: {"ns": sorted(cf.enter_namespaces())})["ns"]
    if not {"pid", "net"} <= set(found):
        pytest.skip(f"namespaces unsupported here: only {found} could be entered")
    return set(found)


@pytest.fixture
def folders(tmp_path: Path) -> Path:
    for sub in ("scratch", "outside", "denied"):
        (tmp_path / sub).mkdir()
    (tmp_path / "denied" / "secret.txt").write_text("answers")
    return tmp_path


@needs_landlock
def test_files_write_only_in_scratch_and_read_only_python(folders: Path) -> None:
    site_file = click.__file__  # a module in site-packages

    def body() -> dict[str, Any]:
        done = confine_here(folders / "scratch", protect=folders)
        sys.modules.pop("colorsys", None)  # force a real read of the stdlib
        return {
            "fs": done.fs,
            "abi": done.abi,
            "scratch": outcome(lambda: (folders / "scratch" / "a.txt").write_text("x")),
            "outside": outcome(lambda: (folders / "outside" / "a.txt").write_text("x")),
            "secret": outcome(lambda: (folders / "denied" / "secret.txt").read_text()),
            "site": outcome(lambda: Path(site_file).read_bytes()),
            "imports": outcome(lambda: (__import__("json"), __import__("colorsys"))),
            "tempdir": tempfile.gettempdir(),  # /tmp is out of reach; DataLoader needs one
            # Root stays uid 0 in the user namespace and owns these: only Landlock stops it.
            "root_only": [outcome(lambda p=p: Path(p).read_bytes()[:1]) for p in ROOT_ONLY],
        }

    got = in_child(body)
    assert got["fs"] and got["abi"] == ABI
    assert got["scratch"] == "ok"
    assert got["outside"] == "PermissionError"
    assert got["secret"] == "PermissionError"
    assert got["site"] == "ok"
    assert got["imports"] == "ok"
    assert got["tempdir"] == str(folders / "scratch")
    assert set(got["root_only"]) <= {"PermissionError"}
    assert not (folders / "outside" / "a.txt").exists()


def test_read_only_paths_leave_out_home_and_the_repository() -> None:
    repo = Path(__file__).resolve().parents[2]
    allowed = cf.default_read_only_paths(protect=[str(repo / "exercises")])
    assert str(repo) not in allowed
    assert not any(str(repo / "exercises").startswith(p + "/") for p in allowed)
    assert os.path.realpath(os.path.expanduser("~")) not in allowed
    assert os.path.realpath(sys.prefix) in allowed


@pytest.mark.parametrize("layer", ["landlock", "namespace"])
def test_tcp_connect_and_bind_fail(layer: str, folders: Path) -> None:
    if layer == "landlock" and ABI < 4:
        pytest.skip(f"Landlock TCP rules need ABI 4, this kernel has {ABI}")
    if layer == "namespace":
        namespaces_or_skip()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]

        def tcp(bind: bool) -> None:
            with socket.socket() as s:
                s.settimeout(2)
                if bind:
                    s.bind(("127.0.0.1", 0))
                else:
                    s.connect(("127.0.0.1", port))

        def body() -> dict[str, Any]:
            if layer == "landlock":
                confine_here(folders / "scratch", protect=folders)
            else:
                cf.enter_namespaces()
            return {"connect": outcome(lambda: tcp(False)), "bind": outcome(lambda: tcp(True))}

        got = in_child(body)
    assert got["connect"] != "ok"
    # A fresh network namespace lets the check bind its own loopback, which nothing
    # outside can reach; Landlock refuses the bind itself.
    if layer == "landlock":
        assert got["bind"] == "PermissionError"


@pytest.mark.parametrize("layer", ["landlock", "namespaces"])
def test_signals_cannot_reach_outside(layer: str, folders: Path) -> None:
    """A stand-in victim, not the test process: a failure must not freeze the run."""
    if layer == "landlock" and ABI < 6:
        pytest.skip(f"Landlock signal scope needs ABI 6, this kernel has {ABI}")
    if layer == "namespaces":
        namespaces_or_skip()
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:

        def body() -> dict[str, Any]:
            if layer == "landlock":
                confine_here(folders / "scratch", protect=folders)
                return {"kill": outcome(lambda: os.kill(victim.pid, signal.SIGSTOP))}
            namespaces = cf.enter_namespaces()
            r, w = os.pipe()

            def grandchild() -> int:
                confine_here(folders / "scratch", protect=folders)
                os.write(w, outcome(lambda: os.kill(victim.pid, signal.SIGSTOP)).encode())
                return 0

            cf.run_contained(grandchild)
            os.close(w)
            return {"kill": os.read(r, 100).decode(), "ns": sorted(namespaces)}

        got = in_child(body)
        state = Path(f"/proc/{victim.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        assert got["kill"] in ("PermissionError", "ESRCH")
        assert state != "T", "the victim was stopped"
    finally:
        victim.kill()
        victim.wait()


def test_leftover_processes_die_with_pid_one() -> None:
    namespaces_or_skip()

    def body() -> dict[str, Any]:
        cf.enter_namespaces()
        r, w = os.pipe()

        def learner() -> int:
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:  # a daemon: double fork, own session
                    os.write(w, os.readlink("/proc/self").encode())  # its pid outside
                    while True:
                        time.sleep(60)
                os._exit(0)
            os.wait()
            select.select([r], [], [], 10)  # the daemon has started
            return 0

        code = cf.run_contained(learner)
        os.close(w)
        return {"daemon": int(os.read(r, 32)), "code": code}

    got = in_child(body)
    assert got["code"] == 0
    deadline = time.monotonic() + 10
    while Path(f"/proc/{got['daemon']}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not Path(f"/proc/{got['daemon']}").exists(), "the daemon outlived the check"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may unshare without a user namespace")
def test_root_without_user_namespaces_still_gets_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = cf._unshare

    def no_user(flags: int) -> None:
        if flags & cf.CLONE_NEWUSER:
            raise OSError(errno.EPERM, "user namespaces disabled")
        real(flags)

    monkeypatch.setattr(cf, "_unshare", no_user)
    got = in_child(lambda: {"ns": sorted(cf.enter_namespaces())})
    assert got["ns"] == ["ipc", "net", "pid"]


def test_run_contained_reports_exit_codes_and_signals() -> None:
    namespaces_or_skip()

    def exits() -> dict[str, Any]:
        cf.enter_namespaces()
        return {"code": cf.run_contained(lambda: 3)}

    assert in_child(exits)["code"] == 3

    # Killed from outside by its outer pid: the middle process dies of the same signal.
    r, w = os.pipe()
    middle = os.fork()
    if middle == 0:  # pragma: no cover - observed through waitpid
        os.close(r)
        cf.enter_namespaces()
        cf.run_contained(
            lambda: time.sleep(60) or 0, on_start=lambda pid: os.write(w, str(pid).encode())
        )
        os._exit(0)
    os.close(w)
    assert select.select([r], [], [], 10)[0]
    inner = int(os.read(r, 32))
    os.close(r)
    os.kill(inner, signal.SIGKILL)
    _, status = os.waitpid(middle, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def test_without_landlock_confine_degrades(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def enosys(*_args: object) -> int:
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(cf, "_syscall", enosys)

    def body() -> dict[str, Any]:
        done = cf.confine(str(tmp_path), read_only=[])
        (tmp_path.parent / "still-writable").write_text("x")
        return {"abi": done.abi, "fs": done.fs, "describe": done.describe()}

    got = in_child(body)
    assert got == {"abi": 0, "fs": False, "describe": got["describe"]}
    assert got["describe"][0].startswith("files: no Landlock")
    assert cf.landlock_abi() == 0


def test_describe_names_each_layer() -> None:
    full = cf.Confinement(
        7, True, True, frozenset({"signal", "abstract_unix"}), frozenset({"pid", "net"}), True
    )
    lines = full.describe()
    assert lines[0].startswith("Landlock ABI 7: files")
    assert "network: no TCP (Landlock) / no interfaces (network namespace)" in lines
    assert (
        "signals: cannot reach processes outside the check (pid namespace + Landlock scope)"
        in lines
    )
    assert "network: open" in cf.Confinement().describe()


def test_doctor_json_reports_every_protection() -> None:
    result = CliRunner().invoke(main, ["doctor", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["version"] == 1
    assert data["error"] is None
    assert data["landlock_abi"] == ABI
    by_name = {p["name"]: p for p in data["protections"]}
    assert set(by_name) == set(cf.PROBE_CHECKS)
    assert by_name["write_scratch"]["ok"] and by_name["read_python"]["ok"]
    if ABI >= 1:
        assert by_name["write_outside"]["ok"] and by_name["read_outside"]["ok"]
    assert data["sandbox"]["name"] in ("cgroup", "watch")


def test_a_module_is_readable_only_through_the_deepest_path_entry_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker imports the built-in pack's helpers from ``<checkout>/exercises/<pack>/lib``
    while the checkout itself is on ``sys.path``: the box may read that helper package,
    never the checkout's ``exercises`` folder, which holds the solutions."""
    checkout = tmp_path / "checkout"
    lib = checkout / "exercises" / "pack" / "lib"
    for package in (lib / "helpers", checkout / "mine"):
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        module = types.ModuleType(package.name)
        module.__file__ = str(package / "__init__.py")
        monkeypatch.setitem(sys.modules, f"_test_{package.name}", module)
    entries = [str(checkout), str(lib)]
    assert cf._imported_from(str(checkout), entries) == [str(checkout / "mine")]
    assert cf._imported_from(str(lib), entries) == [str(lib / "helpers")]
