"""The editor in a real terminal: tmux, 80×24, keys as a terminal delivers them.

Fifty bursts with Backspace in the middle, each sent by one `tmux send-keys`, land
in order; the starter's blank is replaced by typing; an error puts the cursor on
its line without selecting it; Ctrl+Home and Ctrl+End reach the ends of the code;
and focus shows as a bar on the editor's left edge.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz_tui.core.state.progress import ProgressStore, default_path
from tests.terminal.test_tmux import Tmux

pytestmark = [
    pytest.mark.terminal,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]

ROOT = Path(__file__).resolve().parents[2]
BURSTS = 50


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    t = Tmux("quiz-editor", tmp_path / "tmux.sock")
    yield t
    subprocess.run([*t.base, "kill-server"], capture_output=True)


def launch(tmux: Tmux, task: str) -> None:
    """Start the app on `task`, with the home folder this test process uses."""
    env = {
        "QUIZ_TUI_HOME": os.environ["QUIZ_TUI_HOME"],
        "QUIZ_TUI_LANG": "en",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
    }
    tmux.start([sys.executable, "-m", "quiz_tui", task], env)


def quit_app(tmux: Tmux) -> None:
    tmux.keys("F10")
    deadline = time.monotonic() + 20
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not tmux.alive(), "the app did not quit"


def burst_line(i: int) -> str:
    return f"b{i:02d}B)"


def test_fifty_bursts_with_backspace_in_the_middle_land_in_order(tmux: Tmux) -> None:
    launch(tmux, "4")
    tmux.wait_for("▊1  x = ...")  # the editor has focus, and shows it
    tmux.keys("C-End")  # below the starter, so the bursts don't touch it
    # If a burst goes wrong, its line may never show; the draft below says how it went.
    with contextlib.suppress(AssertionError):
        for i in range(BURSTS):
            # One send-keys call: the app reads the whole burst at once.
            tmux.keys(*f"b{i:02d}", "A", "BSpace", "B", ")", "Enter")
            tmux.wait_for(f"b{i:02d}", timeout=30)
        tmux.wait_for(burst_line(BURSTS - 1), timeout=30)
    quit_app(tmux)

    with ProgressStore(default_path()) as store:
        draft = store.draft("pytorch60", "zeros-long")
    assert draft is not None
    starter, _, typed = draft.partition("print(x)\n")
    assert starter == "x = ...\n"
    lines = typed.splitlines()
    expected = [burst_line(i) for i in range(BURSTS)]
    missing = [want for want in expected if want not in lines]
    wrong = [line for line in lines if line not in expected]
    assert missing == [], f"{len(missing)} of {BURSTS} bursts reordered; got {wrong[:3]}"
    assert lines == expected


def test_blank_error_line_document_keys_and_focus(tmux: Tmux) -> None:
    launch(tmux, "4")
    tmux.wait_for("▊1  x = ...")
    tmux.wait_for("│ CPU")  # the warm worker is up

    # The blank is selected: typing replaces it.
    tmux.type("torch.zeros(5, 3)")
    tmux.keys("Enter")
    tmux.type("y = x.view(4, 4)")
    tmux.wait_for("▊1  x = torch.zeros(5, 3)\n▊2  y = x.view(4, 4)\n▊3  print(x)")

    # The error names line 2; the cursor is on it, nothing selected, so a key edits it.
    tmux.keys("F5")
    tmux.wait_for("line 2")
    tmux.keys("#")
    tmux.wait_for("▊2  #y = x.view(4, 4)")

    # Ctrl+End and Ctrl+Home reach the end and the start of the code.
    tmux.keys("C-End")
    tmux.type("z = 0")
    tmux.keys("C-Home")
    tmux.type("# top")
    tmux.keys("Enter")
    screen = tmux.wait_for("▊5  z = 0")
    assert "▊1  # top\n▊2  x = torch.zeros(5, 3)\n" in screen

    # Focus leaves the editor: its bar goes away.
    tmux.keys("BTab")
    screen = tmux.wait_for(" 1  # top")
    assert "▊1" not in screen
    quit_app(tmux)
