"""The app's speed and memory (issue #4): first paint, key → verdict, keystrokes, RSS.

    .venv/bin/python bench/ui.py [--runs 5]

- **First paint**: a fresh interpreter until the first frame is drawn, in a real
  pseudo-terminal, for quiz-tui and for a bare Textual app holding one code
  editor (the yardstick; goal: quiz-tui within 1.3× of it).
- **Key → verdict**: F5 written to the app's pseudo-terminal until the verdict's words
  come back in the frames it writes, warm worker, task 4, a pass and a failure in
  turn, at a learner's pace; against the same checks through a ``Runner`` alone in
  the same run (issue #15's goal: within 1.2× of it). The Pilot's figure is printed
  too: it includes the Pilot's own waiting.
- **Keystrokes**: one character typed into a 60-line buffer until processed.
- **RSS**: of the UI process after start-up (goal: 120 MB), and of the worker.

``--profile`` prints where F5 → verdict's milliseconds go, from marks the app and
the runner write (``quiz_tui.core.execution.timing``). On a quiet 2-core x86_64
machine, task 4, checks 0.3 s apart, median of 20 (issue #15, 2026-12-02), 53 ms
in all against about 31 ms for the runner alone:

==========  ===================================================================
 ms          step
==========  ===================================================================
 0.9         F5 read from the terminal, its binding run
 0.7         the code sent through the editor's queue, the check thread asked for
 3.0         the check thread starts (a Textual worker: a task on the event loop,
             then a pool thread); a frame drawn meanwhile competes for the GIL
 30          the runner (``bench/profile_check.py`` breaks it down)
 1.4         the verdict's message reaches the UI thread
 1.1         the verdict laid out in the result panel (Rich text)
 13          its frame: up to 1/60 s until Textual's next screen update, then a
             layout (2 ms: the panel's height follows its text) and the
             compositor's render (6.5 ms)
 3.0         written by Textual's writer thread and read back from the terminal
==========  ===================================================================

So about 20 ms of the app's 23 are Textual's own: reading the key, starting a
worker, and drawing a frame. The 1.2× goal would leave the app 6 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = """
import sys, time
from textual.app import App
from textual.widgets import TextArea

class Bare(App):
    def compose(self):
        yield TextArea.code_editor("x = torch.zeros(5, 3)\\nprint(x)\\n", language="python")
    def on_mount(self):
        self.call_after_refresh(self.painted)
    def painted(self):
        open(sys.argv[1], "w").write(repr(time.time()))
        self.exit()

Bare().run()
"""

QUIZ = """
import sys, time
from quiz_tui.app import QuizApp

class Timed(QuizApp):
    def on_mount(self):
        self.call_after_refresh(self.painted)  # first in line after the first frame
        super().on_mount()
    def painted(self):
        open(sys.argv[1], "w").write(repr(time.time()))
        self.exit()

Timed(start_task="4").run()
"""


def first_paint(source: str, home: str) -> float:
    """Seconds from spawning the interpreter to its first frame, in a pty."""
    with tempfile.NamedTemporaryFile(suffix=".t", delete=False) as marker:
        path = marker.name
    main, child = pty.openpty()
    env = {
        **os.environ,
        "QUIZ_TUI_HOME": home,
        "TERM": "xterm-256color",
        "COLUMNS": "80",
        "LINES": "24",
    }
    started = time.time()
    proc = subprocess.Popen([sys.executable, "-c", source, path], stdin=child, stdout=child,
                            stderr=child, env=env, close_fds=True)  # fmt: skip
    os.close(child)
    while proc.poll() is None:  # drain the terminal so the app never blocks on output
        ready, _, _ = select.select([main], [], [], 0.1)
        if ready:
            try:
                os.read(main, 65536)
            except OSError:
                break
    proc.wait()
    os.close(main)
    painted = float(Path(path).read_text() or "nan")
    os.unlink(path)
    return painted - started


DRIVEN = """
import sys
from pathlib import Path
from quiz_tui.app import QuizApp
from quiz_tui.messages import CheckFinished

CODES = [
    "x = torch.zeros(5, 3)\\n",
    "x = torch.zeros(5, 3, dtype=torch.long)\\nprint(x)\\n",
]

class Driven(QuizApp):
    # After each verdict, the other code goes in and a line in sys.argv[1] says so.
    def on_mount(self):
        super().on_mount()
        self.turn = 0
        self.set_interval(0.05, self.when_ready)

    def when_ready(self):
        if self.workspace.current is not None and self.header.device != "…":
            self.next_code()

    def next_code(self):
        if getattr(self, "_announced", -1) == self.turn:
            return
        self._announced = self.turn
        self.workspace.editor.load(CODES[self.turn % 2])
        self.call_after_refresh(self.announce)

    def announce(self):
        with open(sys.argv[1], "a") as f:
            f.write(f"{self.turn}\\n")

    def on_check_finished(self, message: CheckFinished) -> None:
        self.turn += 1  # the next tick of when_ready loads the other code

Driven(start_task="4", lang="en").run()
"""
VERDICT_WORDS = (b"Not yet", b"Passed")
PACE = 0.3
"""Seconds between a check's verdict and the next F5, as a learner would pause."""


def _wait_for_line(path: Path, n: int, main: int, timeout: float = 120.0) -> None:
    """Drain the terminal until the driven app says it loaded code ``n``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().split() if path.exists() else []
        if str(n) in lines:
            return
        ready, _, _ = select.select([main], [], [], 0.02)
        if ready:
            os.read(main, 65536)
    raise TimeoutError(f"the app never loaded code {n}")


def verdicts_in_a_terminal(runs: int) -> list[float]:
    """Seconds from F5 written to the pty until the verdict's words are written back.

    With ``QUIZ_TUI_MARKS`` set (``--profile``), this process and the app mark the way.
    """
    from quiz_tui.core.execution.timing import mark, open_marks

    open_marks()
    home = tempfile.mkdtemp()
    path = Path(home) / "turns"
    main, child = pty.openpty()
    env = {**os.environ, "QUIZ_TUI_HOME": home, "TERM": "xterm-256color",
           "COLUMNS": "80", "LINES": "24"}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", DRIVEN, str(path)], stdin=child,
                            stdout=child, stderr=child, env=env, close_fds=True)  # fmt: skip
    os.close(child)
    latencies = []
    try:
        for turn in range(runs + 2):
            _wait_for_line(path, turn, main)
            end = time.monotonic() + PACE
            while (left := end - time.monotonic()) > 0:  # drain, then pause like a learner
                if select.select([main], [], [], left)[0]:
                    os.read(main, 65536)
            want = VERDICT_WORDS[turn % 2]
            seen = b""
            if turn == 2:
                mark("bench: measuring")
            started = time.perf_counter()
            mark("bench: F5 written")
            os.write(main, b"\x1b[15~")  # F5
            while want not in seen:
                if select.select([main], [], [], 30)[0]:
                    seen = seen[-64:] + os.read(main, 65536)
                else:
                    raise TimeoutError(f"no verdict {want!r} after F5")
            mark("bench: verdict read from the terminal")
            if turn >= 2:  # the first checks warm the fork's pages
                latencies.append(time.perf_counter() - started)
    finally:
        proc.terminate()
        proc.wait()
        os.close(main)
    return sorted(latencies)


def runner_alone(runs: int) -> list[float]:
    """The same checks, at the same pace, through a ``Runner`` with no app."""
    from quiz_tui.core.content.packs import load_builtin
    from quiz_tui.core.execution.runner import Job, Runner

    os.environ["QUIZ_TUI_HOME"] = tempfile.mkdtemp()
    exercise = next(e for e in load_builtin() if e.number == 4)
    codes = ["x = torch.zeros(5, 3)\n", "x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n"]
    latencies = []
    with Runner(device="cpu") as runner:
        runner.wait_ready()
        for turn in range(runs + 2):
            time.sleep(PACE)
            job = Job.for_exercise(exercise, codes[turn % 2], lang="en")
            started = time.perf_counter()
            runner.run(job)
            if turn >= 2:
                latencies.append(time.perf_counter() - started)
    return sorted(latencies)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


BUFFER = "\n".join(f"value_{n} = torch.zeros({n}, 3)" for n in range(60))


async def keystrokes(app: object, pilot: object) -> list[float]:
    from textual.widgets import TextArea

    area = app.query_one(TextArea)  # type: ignore[attr-defined]
    area.load_text(BUFFER)
    area.focus()
    await pilot.pause(0.3)  # type: ignore[attr-defined]
    out = []
    for _ in range(40):
        started = time.perf_counter()
        await pilot.press("a")  # type: ignore[attr-defined]
        out.append(time.perf_counter() - started)
    return sorted(out)


async def bare_keystrokes() -> list[float]:
    from textual.app import App
    from textual.widgets import TextArea

    class Bare(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield TextArea.code_editor("", language="python")

    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        return await keystrokes(app, pilot)


async def through_the_ui(runs: int) -> dict[str, float]:
    from quiz_tui.app import QuizApp
    from quiz_tui.core.execution.runner import Runner

    home = tempfile.mkdtemp()
    os.environ["QUIZ_TUI_HOME"] = home
    with Runner(device="cpu") as runner:
        app = QuizApp(start_task="4", runner=runner, lang="en", store_path=Path(home) / "p.db")
        async with app.run_test(size=(80, 24)) as pilot:
            while app.current is None or app.header.device == "…":
                await pilot.pause(0.05)
            ui_rss = rss_mb(os.getpid())
            worker_rss = rss_mb(runner.worker_pid or 0)
            codes = [
                "x = torch.zeros(5, 3)\n",
                "x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n",
            ]
            latencies = []
            for i in range(runs + 2):
                app.editor.load(codes[i % 2])
                await pilot.pause(0.5)
                app.workspace._last_result = None
                started = time.perf_counter()
                await pilot.press("f5")
                while app.workspace._last_result is None:
                    await pilot.pause(0.005)
                await pilot.pause(0)  # the verdict is drawn in this refresh
                if i >= 2:  # the first checks warm the fork's pages
                    latencies.append(time.perf_counter() - started)
            keys = await keystrokes(app, pilot)
    latencies.sort()
    bare_keys = await bare_keystrokes()
    return {
        "verdict_p50": statistics.median(latencies),
        "verdict_max": latencies[-1],
        "verdict_n": len(latencies),
        "key_p50": statistics.median(keys),
        "bare_key_p50": statistics.median(bare_keys),
        "ui_rss_mb": ui_rss,
        "worker_rss_mb": worker_rss,
    }


def first_paints(runs: int) -> dict[str, float]:
    home = tempfile.mkdtemp()
    first_paint(QUIZ, home)  # warm the disk cache and the progress database once
    bare = sorted(first_paint(BARE, home) for _ in range(runs))
    quiz = sorted(first_paint(QUIZ, home) for _ in range(runs))
    return {"bare": statistics.median(bare), "quiz": statistics.median(quiz)}


def profile_f5(runs: int) -> None:
    """F5 → verdict in a terminal with marks on: the app's steps around the runner's."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from profile_check import print_steps, steps

    marks_file = Path(tempfile.mkdtemp(prefix="quiz-tui-marks-")) / "marks.txt"
    os.environ["QUIZ_TUI_MARKS"] = str(marks_file)
    term = verdicts_in_a_terminal(runs)
    print(f"F5 → verdict on screen, task 4, {len(term)} checks {PACE} s apart: "
          f"p50 {statistics.median(term) * 1000:.1f} ms; median ms since F5 was written")  # fmt: skip
    print_steps(steps(marks_file.read_text().splitlines(), "bench: F5 written"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="only F5 → verdict in a terminal, with where its milliseconds go",
    )
    args = parser.parse_args()
    if args.profile:
        profile_f5(args.runs * 4)
        return
    paint = first_paints(args.runs)
    b, q = paint["bare"], paint["quiz"]
    print(f"first paint, bare Textual app with a code editor: median {b * 1000:.0f} ms")
    print(f"first paint, quiz-tui at task 4:                   median {q * 1000:.0f} ms "
          f"= {q / b:.2f}× the bare app (goal ≤ 1.1×)")  # fmt: skip
    alone = runner_alone(args.runs * 4)
    term = verdicts_in_a_terminal(args.runs * 4)
    a, t = statistics.median(alone), statistics.median(term)
    print(f"check, task 4, warm, {PACE} s apart, Runner alone:     p50 {a * 1000:.0f} ms, "
          f"p95 {alone[int(0.95 * (len(alone) - 1))] * 1000:.0f} ms")  # fmt: skip
    print(f"F5 → verdict on screen, the same checks in a terminal: p50 {t * 1000:.0f} ms, "
          f"p95 {term[int(0.95 * (len(term) - 1))] * 1000:.0f} ms = {t / a:.2f}× the runner "
          f"(goal ≤ 1.2×)")  # fmt: skip
    ui = asyncio.run(through_the_ui(args.runs * 4))
    print(f"F5 → verdict through the Pilot (includes its own waits): p50 "
          f"{ui['verdict_p50'] * 1000:.0f} ms, max {ui['verdict_max'] * 1000:.0f} ms")  # fmt: skip
    print(f"keystroke in a 60-line buffer (Pilot press, includes the Pilot's own wait): quiz-tui "
          f"p50 {ui['key_p50'] * 1000:.1f} ms, bare TextArea p50 {ui['bare_key_p50'] * 1000:.1f} ms")  # fmt: skip
    print(
        f"UI process RSS after start-up: {ui['ui_rss_mb']:.0f} MB (goal ≤ 60 MB); "
        f"worker RSS: {ui['worker_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
