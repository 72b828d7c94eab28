"""`quiz-tui watch`: one warm worker, a verdict on every save, whatever the editor does."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz_tui.core.content.packs import Library
from quiz_tui.core.state.progress import ProgressStore
from quiz_tui.watch import Saves

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 90.0
"""Generous: the first check waits for the worker to import torch (a few seconds)."""


class Watching:
    """A running `quiz-tui watch`, its output read line by line as it comes."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), NO_COLOR="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "quiz_tui", "watch", *args, "--device", "cpu"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.seen: list[str] = []
        assert self.proc.stdout is not None
        stdout = self.proc.stdout
        threading.Thread(target=lambda: [self.lines.put(x) for x in stdout], daemon=True).start()

    def wait_for(self, text: str) -> str:
        """The next line that holds ``text``; fails with everything seen after TIMEOUT."""
        deadline = time.monotonic() + TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if text in line:
                return line
        pytest.fail(f"no line with {text!r} in:\n{''.join(self.seen)}")

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def verdicts(self) -> list[str]:
        """The verdict words of each result line ("Passed", "Not yet", ...)."""
        return [x[2:].split("  ")[0] for x in self.seen if x.startswith(("✓ ", "✗ ", "! ", "○ "))]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def watching() -> Iterator[list[Watching]]:
    started: list[Watching] = []
    yield started
    for w in started:
        w.close()


def test_each_save_is_checked_in_place_or_by_rename(
    tmp_path: Path, watching: list[Watching]
) -> None:
    answer = tmp_path / "answer.py"
    answer.write_text("x = torch.zeros(5, 3)\n")
    w = Watching("4", str(answer))
    watching.append(w)
    w.wait_for("watching")
    w.wait_for("Not yet")  # what the file holds at the start is checked first
    assert "has dtype float32" in w.wait_for("the task asks for")

    # Saved in place (nano, VS Code).
    answer.write_text("x = torch.zeros(5, 3, dtype=torch.float64)\n")
    assert "has dtype float64" in w.wait_for("the task asks for")

    # Saved by renaming the old file away and writing a new one (vim's backup).
    os.replace(answer, tmp_path / "answer.py~")
    answer.write_text("x = torch.zeros(5, 3, dtype=torch.int32)\n")
    assert "has dtype int32" in w.wait_for("the task asks for")

    # Saved by writing a temporary file and renaming it over (JetBrains' safe write).
    tmp = tmp_path / "answer.py___jb_tmp___"
    tmp.write_text("x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n")
    os.replace(tmp, answer)
    w.wait_for("Passed")

    # Saving the same code again is no new answer; the next change is.
    tmp.write_text("x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n")
    os.replace(tmp, answer)
    answer.write_text("x = torch.zeros(5, 3).long()\nprint(x)\n")
    w.wait_for("Passed")
    assert w.verdicts() == ["Not yet", "Not yet", "Not yet", "Passed", "Passed"]

    w.type("h")
    assert "torch.zeros(rows, cols)" in w.wait_for("Hint 1 of 2")

    # n: the code is kept as task 4's draft, and the file gets task 5's starter.
    w.type("n")
    w.wait_for("5. A tensor straight from data")
    assert answer.read_text() == Library.load().resolve("5").exercise.starter.lstrip("\n")
    w.type("q")
    w.wait_for("stopped watching")
    assert w.proc.wait(30) == 0
    with ProgressStore() as store:
        assert store.task_states("pytorch60")["zeros-long"].status == "passed"
        assert store.draft("pytorch60", "zeros-long") == "x = torch.zeros(5, 3).long()\nprint(x)\n"
        assert len(store.attempts("pytorch60", "zeros-long")) == 5


def test_a_missing_file_gets_the_starter_and_waits_for_a_save(
    tmp_path: Path, watching: list[Watching]
) -> None:
    answer = tmp_path / "new.py"
    w = Watching("4", str(answer))
    watching.append(w)
    w.wait_for("wrote task 4's code")
    assert answer.read_text() == Library.load().resolve("4").exercise.starter.lstrip("\n")
    w.wait_for("watching")
    answer.write_text("x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n")
    w.wait_for("Passed")
    assert w.verdicts() == ["Passed"]  # the starter it wrote was not checked
    w.type("q")
    assert w.proc.wait(30) == 0


def test_saves_ignore_other_files_and_unchanged_content(tmp_path: Path) -> None:
    answer = tmp_path / "a.py"
    answer.write_text("x = 1\n")
    saves = Saves(answer)
    assert saves.is_new("x = 1\n")
    saves.seen("x = 1\n")
    assert not saves.is_new("x = 1\n")
    assert saves.is_new("x = 2\n")
    steps = iter(saves)
    (tmp_path / "other.py").write_text("y = 2\n")
    assert next(steps) is False  # another file in the folder is no save of this one
    answer.write_text("x = 2\n")
    deadline = time.monotonic() + 10
    while not next(steps):
        assert time.monotonic() < deadline, "the save was never noticed"
