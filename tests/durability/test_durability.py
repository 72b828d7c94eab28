"""Progress survives crashes and company: kill -9, and two quiz-tui processes at once.

Each test ends the same way: the progress database opens without a notice (no
damage found), ``PRAGMA quick_check`` says ok, and every draft and attempt that
was committed before the crash (or by either of two concurrent processes) is
there. Killing the app must also leave no checker process running.

1. kill -9 of the app in tmux while a check runs (twice: once with a check that
   started a process in a session of its own, which must not outlive the app);
2. kill -9 of a process saving drafts in a tight loop, at random moments;
3. two ``quiz-tui check`` processes at once, with a third process saving drafts;
4. two app instances in tmux on one home, each checking a different answer.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, NamedTuple, TypeVar

import pytest

from quiz_tui.core.state.progress import ProgressStore

pytestmark = pytest.mark.slow

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

REPO = Path(__file__).resolve().parents[2]
PACK = "pytorch60"
EXERCISE = "zeros-long"  # task 4
TITLE = "4. A 5×3 tensor of zeros with dtype long"
RIGHT = "x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n"
WRONG = "x = torch.zeros(5, 3)\n"
SLOW_ANSWER = "__import__('time').sleep(60) or torch.zeros(5, 3)"
"""Typed over the ``...`` of ``x = ...``: a check that runs long enough to be killed."""
RECOVERY_WORDS = ("could not be used", "moved to", "Something went wrong", "could not save")
"""Words of the app's notices about a damaged database or a failed save."""

T = TypeVar("T")


# -- processes, read from /proc ------------------------------------------------------


class Proc(NamedTuple):
    pid: int
    ppid: int
    state: str
    start: int
    """Start time in clock ticks since boot: with the pid, it names one process."""


def _proc(pid: int) -> Proc | None:
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = data.rsplit(b")", 1)[1].split()
    return Proc(pid, int(fields[1]), fields[0].decode(), int(fields[19]))


def _all_procs() -> dict[int, Proc]:
    found: dict[int, Proc] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            proc = _proc(int(name))
            if proc is not None:
                found[proc.pid] = proc
    return found


def _argv(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _has_env(pid: int, name: str, value: str) -> bool:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return f"{name}={value}".encode() in raw.split(b"\0")


def _running(proc: Proc) -> bool:
    """Whether this very process (not a later one with its pid) still runs; zombies don't."""
    now = _proc(proc.pid)
    return now is not None and now.start == proc.start and now.state not in ("Z", "X")


def _descendants(root: int) -> list[Proc]:
    """``root`` and every process below it, by their parent links."""
    procs = _all_procs()
    children: dict[int, list[Proc]] = {}
    for p in procs.values():
        children.setdefault(p.ppid, []).append(p)
    out = [procs[root]] if root in procs else []
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child.pid)
    return out


def _is_worker(pid: int) -> bool:
    return "checkers._worker" in " ".join(_argv(pid))


def _describe(procs: list[Proc]) -> str:
    return "; ".join(f"{p.pid} [{p.state}] {' '.join(_argv(p.pid))[:120]}" for p in procs)


def _processes_of_home(home: Path) -> list[Proc]:
    """Running processes started with QUIZ_TUI_HOME=home (the app, the CLI, workers)."""
    return [
        p
        for p in _all_procs().values()
        if p.pid != os.getpid() and _running(p) and _has_env(p.pid, "QUIZ_TUI_HOME", str(home))
    ]


def _poll(condition: Callable[[], T], timeout: float, what: str, step: float = 0.1) -> T:
    """The first truthy value of ``condition()`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(step)


class Reaper:
    """Kills whatever a test started and left running: tracked pids, and its homes' processes."""

    def __init__(self) -> None:
        self.tracked: list[Proc] = []
        self.homes: list[Path] = []

    def track(self, pid: int) -> None:
        proc = _proc(pid)
        if proc is not None:
            self.tracked.append(proc)

    def home(self, path: Path) -> Path:
        self.homes.append(path)
        return path

    def leftovers(self) -> list[Proc]:
        found = {p.pid: p for p in self.tracked if _running(p)}
        for home in self.homes:
            found.update((p.pid, p) for p in _processes_of_home(home))
        return list(found.values())

    def kill_all(self) -> None:
        for _ in range(3):
            left = self.leftovers()
            if not left:
                return
            for p in left:
                with contextlib.suppress(OSError):
                    os.kill(p.pid, signal.SIGKILL)
            with contextlib.suppress(AssertionError):
                _poll(lambda gone=left: not any(map(_running, gone)), 5, "killed processes")


@pytest.fixture
def reaper() -> Iterator[Reaper]:
    r = Reaper()
    yield r
    r.kill_all()


# -- the database ---------------------------------------------------------------------


def _db(home: Path) -> Path:
    return home / "data" / "progress.db"


def _quick_check(store: ProgressStore) -> str:
    return "\n".join(str(row[0]) for row in store.query("PRAGMA quick_check"))


def _assert_opens_cleanly(store: ProgressStore) -> None:
    assert store.notice is None, f"reopening the database gave a notice: {store.notice}"
    assert _quick_check(store) == "ok"


def _peek_draft(db: Path, exercise: str) -> str | None:
    """The saved draft, read without writing anything (the app keeps the file open)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute(
                "SELECT code FROM drafts WHERE pack = ? AND exercise = ? AND scope = ''",
                (PACK, exercise),
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


# -- a process that saves drafts as fast as it can ---------------------------------------

WRITER = r"""
import sys, time
from pathlib import Path
from quiz_tui.core.state.progress import ProgressStore

db, start, pause, stop, exercises, attempt_every = sys.argv[1:7]
n, pause, exercises, attempt_every = int(start), float(pause), exercises.split(","), int(attempt_every)
stop_file = Path(stop) if stop != "-" else None
store = ProgressStore(Path(db))
print(f"notice: {store.notice}" if store.notice else "open", flush=True)
while stop_file is None or not stop_file.exists():
    exercise = exercises[n % len(exercises)]
    store.save_draft("pytorch60", exercise, f"# draft {n}\nx = ...\n")
    if attempt_every and n % attempt_every == 0:
        store.record_attempt("pytorch60", exercise, "fail", 0.01, f"# attempt {n}\n", source="test")
    print(n, flush=True)  # n's draft (and attempt) are committed
    n += 1
    if pause:
        time.sleep(pause)
store.close()
"""
DRAFT_NUMBER = re.compile(r"# draft (\d+)")
ATTEMPT_NUMBER = re.compile(r"# attempt (\d+)")


def _start_writer(
    db: Path,
    out: IO[str],
    *,
    start: int,
    exercises: tuple[str, ...],
    attempt_every: int = 0,
    pause: float = 0.0,
    stop: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    # stdout is a file, not a pipe: a full pipe would stall the writer between commits.
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(start), str(pause),
         str(stop) if stop else "-", ",".join(exercises), str(attempt_every)],
        stdout=out,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=REPO,
        env=env,
    )  # fmt: skip


def _written_lines(path: Path) -> list[str]:
    """Whole lines the writer printed (a line cut by the kill is left out)."""
    text = path.read_text()
    return text.split("\n")[:-1]


def _committed(path: Path) -> list[int]:
    return [int(line) for line in _written_lines(path) if line.isdigit()]


def _number(pattern: re.Pattern[str], text: str | None) -> int:
    match = pattern.search(text or "")
    return int(match.group(1)) if match else -1


# -- tmux -----------------------------------------------------------------------------


class Tmux:
    """A private tmux server (its own socket) with 80×24 sessions."""

    def __init__(self, socket: Path) -> None:
        self.base = ["tmux", "-S", str(socket)]

    def run(self, *args: str) -> str:
        return subprocess.run(
            [*self.base, *args], check=True, capture_output=True, text=True, timeout=30
        ).stdout

    def start(self, session: str, command: list[str], env: dict[str, str]) -> None:
        line = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), *command])
        self.run("new-session", "-d", "-s", session, "-x", "80", "-y", "24", line)

    def screen(self, session: str) -> str:
        return self.run("capture-pane", "-p", "-t", session)

    def keys(self, session: str, *keys: str) -> None:
        self.run("send-keys", "-t", session, *keys)

    def type(self, session: str, text: str) -> None:
        self.run("send-keys", "-t", session, "-l", text)

    def wait_for(self, session: str, text: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen(session)
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared in {session!r}; the screen was:\n{screen}")

    def alive(self, session: str) -> bool:
        done = subprocess.run(
            [*self.base, "has-session", "-t", session], capture_output=True, timeout=30
        )
        return done.returncode == 0

    def wait_gone(self, session: str, timeout: float = 20) -> None:
        _poll(lambda: not self.alive(session), timeout, f"tmux session {session!r} to end", 0.2)

    def pane_pid(self, session: str) -> int:
        return int(self.run("list-panes", "-t", session, "-F", "#{pane_pid}").split()[0])

    def app_process(self, session: str) -> Proc:
        """The app's Python process (``python -m quiz_tui``) in the session's pane."""
        for proc in _descendants(self.pane_pid(session)):
            if _argv(proc.pid)[1:3] == ["-m", "quiz_tui"]:
                return proc
        raise AssertionError(f"no quiz_tui process under the pane of {session!r}")


@pytest.fixture
def tmux(tmp_path: Path, reaper: Reaper) -> Iterator[Tmux]:
    t = Tmux(tmp_path / "tmux.sock")
    yield t
    subprocess.run([*t.base, "kill-server"], capture_output=True, timeout=30)
    # (the reaper then kills whatever the killed server's panes left behind)


def _app_env(home: Path) -> dict[str, str]:
    return {
        "QUIZ_TUI_HOME": str(home),
        "QUIZ_TUI_LANG": "en",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }


APP = [sys.executable, "-m", "quiz_tui", "4"]


def _open_task_4(tmux: Tmux, session: str) -> None:
    tmux.wait_for(session, TITLE, timeout=90)
    tmux.wait_for(session, "│ CPU", timeout=90)  # the warm worker is up


# -- 1. kill -9 of the app during a check ------------------------------------------------


def _kill_app_while_checking(
    tmux: Tmux, home: Path, answer: str, started: list[str] | None = None
) -> list[Proc]:
    """Type ``answer`` over the ``...`` of task 4, check it, kill -9 the app mid-check.

    With ``started``, the kill waits until the check has started a process with that
    command line. Returns the worker processes (the zygote and the check's child) seen
    before the kill.
    """
    db = _db(home)
    tmux.start("app", APP, _app_env(home))
    _open_task_4(tmux, "app")
    # The "..." of `x = ...` is selected: typing replaces it with a long-running answer.
    tmux.type("app", answer)
    _poll(lambda: answer in (_peek_draft(db, EXERCISE) or ""), 10, "the draft to be saved")

    tmux.keys("app", "F5")
    tmux.wait_for("app", "Checking", timeout=30)
    app = tmux.app_process("app")

    def job_running() -> list[Proc]:
        workers = [p for p in _descendants(app.pid) if _is_worker(p.pid)]
        zygotes = {p.pid for p in workers if p.ppid == app.pid}
        jobs = [p for p in workers if p.ppid in zygotes and _running(p)]
        return workers if jobs else []

    workers = _poll(job_running, 10, "the check's process to start")
    if started is not None:
        _poll(
            lambda: [p for p in _processes_of_home(home) if _argv(p.pid) == started],
            10,
            f"the check to start {started}",
        )
    assert "Checking" in tmux.screen("app"), "the check ended before the kill"
    os.kill(app.pid, signal.SIGKILL)
    tmux.wait_gone("app")
    assert not _running(app)
    return workers


def _assert_nothing_left(home: Path, workers: list[Proc]) -> None:
    """Within 10 s, none of ``workers`` runs, nor anything else started with this home."""

    def left() -> list[Proc]:
        found = {p.pid: p for p in workers if _running(p)}
        found.update((p.pid, p) for p in _processes_of_home(home))
        return list(found.values())

    try:
        _poll(lambda: not left(), 10, "the processes of the killed app to end")
    except AssertionError:
        pytest.fail(
            f"10 s after kill -9 of the app, processes of it still run: {_describe(left())}"
        )


@needs_tmux
@pytest.mark.terminal
def test_kill_9_of_the_app_during_a_check(tmux: Tmux, reaper: Reaper, tmp_path: Path) -> None:
    home = reaper.home(tmp_path / "home")
    db = _db(home)
    earlier = "x = torch.zeros(5, 3)\nprint(x)\n"
    with ProgressStore(db) as store:  # progress from an earlier session
        store.record_attempt(PACK, EXERCISE, "fail", 0.02, earlier, source="cli")
        store.save_draft(PACK, "rand", "x = torch.rand(2, 2)\n")

    workers = _kill_app_while_checking(tmux, home, SLOW_ANSWER)

    # (a) Nothing of that run is left: not the worker, not the check it was running.
    assert len(workers) >= 2
    _assert_nothing_left(home, workers)

    # (b) The database is intact and holds the draft typed before the check.
    with ProgressStore(db) as store:
        _assert_opens_cleanly(store)
        assert SLOW_ANSWER in (store.draft(PACK, EXERCISE) or "")
        assert store.draft(PACK, "rand") == "x = torch.rand(2, 2)\n"
        attempts = store.attempts(PACK, EXERCISE)
        assert [(a.status, a.code) for a in attempts] == [("fail", earlier)]

    # (c) Relaunched, the app is back at task 4 with that draft, and says nothing is wrong.
    tmux.start("again", APP, _app_env(home))
    tmux.wait_for("again", TITLE)
    screen = tmux.wait_for("again", f"x = {SLOW_ANSWER}")
    assert not [w for w in RECOVERY_WORDS if w in screen], screen
    tmux.keys("again", "F10")
    tmux.wait_gone("again")
    with ProgressStore(db) as store:
        _assert_opens_cleanly(store)
        assert SLOW_ANSWER in (store.draft(PACK, EXERCISE) or "")


DETACHING_ANSWER = (
    "__import__('subprocess').Popen(['sleep', '300'], start_new_session=True) "
    "and __import__('time').sleep(60)"
)
"""A check that starts a process in a session of its own, then runs long."""


@needs_tmux
@pytest.mark.terminal
def test_kill_9_of_the_app_ends_what_the_check_started(
    tmux: Tmux, reaper: Reaper, tmp_path: Path
) -> None:
    """While the app lives, a process the learner's code detached is killed with the check
    (the cgroup, or the zygote as subreaper, finds it). kill -9 of the app must not let
    it live on either."""
    home = reaper.home(tmp_path / "home")
    workers = _kill_app_while_checking(tmux, home, DETACHING_ANSWER, ["sleep", "300"])
    assert len(workers) >= 2
    _assert_nothing_left(home, workers)
    with ProgressStore(_db(home)) as store:
        _assert_opens_cleanly(store)
        assert DETACHING_ANSWER in (store.draft(PACK, EXERCISE) or "")


# -- 2. kill -9 while drafts are being saved ------------------------------------------------


def test_kill_9_during_draft_saves(tmp_path: Path, reaper: Reaper) -> None:
    db = tmp_path / "progress.db"
    exercises = ("zeros-long", "rand")
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    # Per exercise, the newest draft number a killed writer said it had committed; and
    # the numbers of every attempt a killed writer said it had committed.
    floor = dict.fromkeys(exercises, -1)
    promised: set[int] = set()
    rounds_with_commits = 0
    for round_ in range(10):
        where = f"(round {round_}, seed {seed})"
        out_path = tmp_path / f"writer-{round_}.out"
        start = (round_ + 1) * 1_000_000  # each round's numbers are above the last's
        with out_path.open("w") as out:
            writer = _start_writer(db, out, start=start, exercises=exercises, attempt_every=5)
        reaper.track(writer.pid)
        if round_ % 2 == 0:
            # Inside the loop: wait for a first commit, then kill at a random moment.
            _poll(lambda p=out_path: _committed(p), 30, f"a first commit {where}", 0.01)
            time.sleep(rng.uniform(0.0, 0.5))
        else:
            # Anywhere from start-up (opening, setting up the schema) into the loop.
            time.sleep(rng.uniform(0.02, 0.4))
        writer.kill()
        writer.wait(timeout=10)
        assert writer.stderr is not None
        stderr = writer.stderr.read().decode(errors="replace")
        writer.stderr.close()
        assert "Error" not in stderr, f"the writer failed {where}: {stderr}"
        lines = _written_lines(out_path)
        assert not [line for line in lines if line.startswith("notice")], f"{where}: {lines[:1]}"

        committed = _committed(out_path)
        if committed:
            rounds_with_commits += 1
            last = committed[-1]
            floor[exercises[last % 2]] = last
            if last - 1 >= start:
                floor[exercises[(last - 1) % 2]] = last - 1
            promised |= {n for n in committed if n % 5 == 0}

        with ProgressStore(db) as store:
            assert store.notice is None, f"notice after kill -9 {where}: {store.notice}"
            assert _quick_check(store) == "ok", where
            drafts = {ex: _number(DRAFT_NUMBER, store.draft(PACK, ex)) for ex in exercises}
            numbers = [_number(ATTEMPT_NUMBER, a.code) for a in store.attempts(PACK)]
        for ex in exercises:
            assert drafts[ex] >= floor[ex], (
                f"{where}: the draft of {ex} is #{drafts[ex]}, but #{floor[ex]} was committed"
            )
        assert len(numbers) == len(set(numbers)), f"{where}: an attempt was recorded twice"
        lost = sorted(promised - set(numbers))
        assert not lost, f"{where}: committed attempts are missing: {lost[:10]}"
    assert rounds_with_commits >= 5


# -- 3. two CLI checks at once, and a third process saving drafts ------------------------------


def test_concurrent_cli_checks_and_draft_saves_lose_no_attempt(
    tmp_path: Path, reaper: Reaper
) -> None:
    home = reaper.home(tmp_path / "home")
    db = _db(home)
    env = {**os.environ, "QUIZ_TUI_HOME": str(home), "QUIZ_TUI_LANG": "en"}
    right, wrong = tmp_path / "right.py", tmp_path / "wrong.py"
    right.write_text(RIGHT)
    wrong.write_text(WRONG)
    plans = [[right, wrong, right], [wrong, right, wrong]]

    stop = tmp_path / "stop"
    out_path = tmp_path / "writer.out"
    db.parent.mkdir(parents=True)
    with out_path.open("w") as out:
        writer = _start_writer(
            db, out, start=0, exercises=("rand", "empty"), pause=0.002, stop=stop, env=env
        )
    reaper.track(writer.pid)
    _poll(lambda: _committed(out_path), 30, "the draft writer's first commit")

    runs: list[list[tuple[Path, subprocess.CompletedProcess[str]]]] = [[] for _ in plans]

    def lane(i: int) -> None:
        for answer in plans[i]:
            done = subprocess.run(
                [sys.executable, "-m", "quiz_tui", "check", "4", str(answer), "--json"],
                capture_output=True,
                text=True,
                env=env,
                cwd=REPO,
                timeout=120,
            )
            runs[i].append((answer, done))

    threads = [threading.Thread(target=lane, args=(i,)) for i in range(len(plans))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    stop.touch()
    assert writer.wait(timeout=30) == 0
    assert writer.stderr is not None
    writer_err = writer.stderr.read().decode(errors="replace")
    writer.stderr.close()
    assert "Error" not in writer_err, writer_err

    expected: Counter[tuple[str, str]] = Counter()
    for answer, done in (run for lane_runs in runs for run in lane_runs):
        want = "pass" if answer == right else "fail"
        expected[(answer.read_text(), want)] += 1
        assert done.returncode == (0 if want == "pass" else 1), done.stderr
        result = json.loads(done.stdout)
        assert result["status"] == want, result["message"]
        if want == "fail":
            assert "dtype float32" in result["message"]
        assert "warning" not in done.stderr and "note" not in done.stderr, done.stderr
    assert sum(expected.values()) == 6, f"only {sum(expected.values())} of 6 checks ran"

    committed = _committed(out_path)
    with ProgressStore(db) as store:
        _assert_opens_cleanly(store)
        attempts = store.attempts(PACK, EXERCISE)
        assert Counter((a.code, a.status) for a in attempts) == expected
        assert {a.source for a in attempts} == {"cli"}
        last = committed[-1]
        newest = _number(DRAFT_NUMBER, store.draft(PACK, ("rand", "empty")[last % 2]))
        assert newest == last, f"the last committed draft is #{last}, the database has #{newest}"
        assert not store.attempts(PACK, "rand")


# -- 4. two app instances at once ------------------------------------------------------------


@needs_tmux
@pytest.mark.terminal
def test_two_apps_at_once_keep_both_attempts(tmux: Tmux, reaper: Reaper, tmp_path: Path) -> None:
    home = reaper.home(tmp_path / "home")
    env = _app_env(home)
    answers = {"a": "torch.zeros(5, 3, dtype=torch.long)", "b": "torch.zeros(5, 3)"}
    for session in answers:
        tmux.start(session, APP, env)
    for session in answers:
        _open_task_4(tmux, session)
    for session, answer in answers.items():
        tmux.type(session, answer)
    for session, answer in answers.items():
        tmux.wait_for(session, f"x = {answer}\n")
    for session in answers:
        tmux.keys(session, "F5")

    screens = {
        "a": tmux.wait_for("a", "Passed", timeout=60),
        "b": tmux.wait_for("b", "the task asks for long (int64)", timeout=60),
    }
    assert "Not yet" in screens["b"]
    for session, screen in screens.items():
        assert not [w for w in RECOVERY_WORDS if w in screen], f"{session}:\n{screen}"
    for session in answers:
        tmux.keys(session, "F10")
    for session in answers:
        tmux.wait_gone(session)

    codes = {s: f"x = {a}\nprint(x)\n" for s, a in answers.items()}
    with ProgressStore(_db(home)) as store:
        _assert_opens_cleanly(store)
        attempts = store.attempts(PACK, EXERCISE)
        assert sorted((a.status, a.code) for a in attempts) == [
            ("fail", codes["b"]),
            ("pass", codes["a"]),
        ]
        assert store.draft(PACK, EXERCISE) in codes.values()
    # Both apps quit normally, so both workers ended with them.
    _poll(lambda: not _processes_of_home(home), 10, "every process of the two apps to end")
