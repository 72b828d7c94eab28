"""Confinement attacks: learner code that reaches for what it must not, through the real runner.

Each test is an attack a learner could submit with a correct answer to task 4;
the answer must still pass, and the attack must fail. Classes covered:

- **state**: reading exercise files (solutions included) and the progress
  database, writing or deleting the practice set and the cached reference
  net, writing anywhere outside the check's folder;
- **escape**: leaving the cgroup, and processes that outlive the check after
  ``setsid`` and a double fork;
- **signals**: stopping or killing a process outside the box;
- **network**: TCP connections to a local port;
- **secrets**: the app's environment variables.

Where the kernel lacks the protection (no Landlock, no user namespaces),
the test skips and says which one: ``quiz-tui doctor`` shows the same.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz_tui.core.content.packs import builtin_pack_dir, load_builtin
from quiz_tui.core.execution import confine
from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Status
from quiz_tui.core.state import paths
from tests.helpers import alive

TASK = next(e for e in load_builtin() if e.number == 4)
RIGHT = "x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n"
PROTECTIONS = confine.probe_protections()


def needs(*checks: str) -> pytest.MarkDecorator:
    missing = [c for c in checks if not PROTECTIONS.get("checks", {}).get(c, {}).get("ok")]
    return pytest.mark.skipif(
        bool(missing), reason=f"this kernel does not give: {', '.join(missing)}"
    )


@pytest.fixture
def boxed() -> Iterator[Runner]:
    """A runner per test: each one gets its own QUIZ_TUI_HOME (see conftest)."""
    with Runner(device="cpu") as runner:
        runner.start()
        assert runner.wait_ready()
        yield runner


def attempt(runner: Runner, attack: str) -> str:
    """Run ``attack`` then the right answer; return what the attack printed."""
    code = (
        "def attack():\n"
        + "".join(f"    {line}\n" for line in attack.splitlines())
        + "try:\n    attack()\n    print('ATTACK WORKED')\n"
        + "except Exception as exc:\n    print('ATTACK FAILED', type(exc).__name__)\n"
        + RIGHT
    )
    result = runner.run(Job.for_exercise(TASK, code))
    assert result.status is Status.PASS, result.message
    return result.stdout


@needs("write_outside", "read_outside")
def test_exercise_files_and_solutions_cannot_be_read(boxed: Runner) -> None:
    toml = next(iter(sorted(builtin_pack_dir().glob("04-*.toml"))))
    assert "ATTACK FAILED" in attempt(boxed, f"print(open({str(toml)!r}).read()[:400])")


@needs("write_outside", "read_outside")
def test_the_progress_database_cannot_be_read_written_or_deleted(boxed: Runner) -> None:
    db = paths.data_dir() / "progress.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(b"precious")
    for attack in (
        f"open({str(db)!r}, 'rb').read()",
        f"open({str(db)!r}, 'ab').write(b'x')",
        f"import os\nos.remove({str(db)!r})",
        f"import os\nos.rename({str(db)!r}, {str(db)!r} + '.gone')",
    ):
        assert "ATTACK FAILED" in attempt(boxed, attack), attack
    assert db.read_bytes() == b"precious"


@needs("write_outside")
def test_the_practice_set_and_cached_nets_are_read_only(boxed: Runner) -> None:
    data = Path(boxed.data.for_job()["root"])
    cache = Path(boxed.data.for_job()["cache"])
    for folder in (data, cache):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kept.bin").write_bytes(b"reference")
    for folder in (data, cache):
        target = str(folder / "kept.bin")
        assert "ATTACK WORKED" in attempt(boxed, f"open({target!r}, 'rb').read()")
        for attack in (
            f"open({target!r}, 'wb').write(b'poison')",
            f"import os\nos.remove({target!r})",
            f"open({str(folder / 'new.bin')!r}, 'wb').write(b'x')",
        ):
            assert "ATTACK FAILED" in attempt(boxed, attack), attack
        assert (folder / "kept.bin").read_bytes() == b"reference"


@needs("write_outside")
def test_nothing_is_written_outside_the_checks_folder(boxed: Runner, tmp_path: Path) -> None:
    for target in (tmp_path / "planted.txt", Path.home() / "planted.txt", Path("/tmp/planted.txt")):
        assert "ATTACK FAILED" in attempt(boxed, f"open({str(target)!r}, 'w').write('x')")
        assert not target.exists()
    assert "ATTACK WORKED" in attempt(boxed, "open('mine.txt', 'w').write('fine')")


@needs("write_outside")
def test_the_cgroup_cannot_be_left(boxed: Runner) -> None:
    if boxed.sandbox_name != "cgroup":
        pytest.skip("no cgroups here: the watch sandbox has nothing to leave")
    attack = (
        "import glob, os\n"
        "for procs in glob.glob('/sys/fs/cgroup/cgroup.procs') + glob.glob(\n"
        "    '/sys/fs/cgroup/*/cgroup.procs'\n"
        "):  # v2's root, then v1 hierarchies or v2's top-level cgroups\n"
        "    open(procs, 'w').write(str(os.getpid()))"
    )
    assert "ATTACK FAILED" in attempt(boxed, attack)


@needs("tcp_connect")
def test_no_tcp_connection_reaches_a_local_port(boxed: Runner) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        attack = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)"
        assert "ATTACK FAILED" in attempt(boxed, attack)


@needs("signal_outside")
def test_no_signal_reaches_a_process_outside_the_box(boxed: Runner) -> None:
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            attack = f"import os\nos.kill({victim.pid}, {int(sig)})"
            assert "ATTACK FAILED" in attempt(boxed, attack)
        with open(f"/proc/{victim.pid}/stat") as f:
            assert f.read().rsplit(")", 1)[1].split()[0] in ("S", "R")
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()


@needs("pid_one")
def test_a_daemon_started_with_setsid_dies_with_the_check(boxed: Runner) -> None:
    attack = (
        "import os, sys, time\n"
        "r, w = os.pipe()\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        os.write(w, open('/proc/self/stat').read().split()[0].encode())\n"
        "        time.sleep(600)\n"
        "    os._exit(0)\n"
        "print('DAEMON', os.read(r, 20).decode())\n"
        "raise RuntimeError('left behind')"
    )
    out = attempt(boxed, attack)
    pid = int(out.split("DAEMON", 1)[1].split()[0])
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), "the daemon outlived its check"


def test_the_apps_secrets_do_not_reach_learner_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUIZ_TUI_TEST_SECRET", "hunter2")
    with Runner(device="cpu") as runner:
        runner.start()
        assert runner.wait_ready()
        attack = (
            "import os\n"
            "seen = os.environ.get('QUIZ_TUI_TEST_SECRET', '')\n"
            "seen += open('/proc/self/environ', 'rb').read().decode(errors='replace')\n"
            "assert 'hunter2' not in seen, 'leaked'\n"
            "raise RuntimeError('nothing to steal')"
        )
        assert "ATTACK FAILED RuntimeError" in attempt(runner, attack)


def test_home_and_tmp_point_into_the_checks_folder(boxed: Runner) -> None:
    out = attempt(
        boxed,
        "import os, tempfile\n"
        "print('HOME', os.environ['HOME'] == os.getcwd(), tempfile.gettempdir() == os.getcwd())\n"
        "raise RuntimeError('done')",
    )
    assert "HOME True True" in out
