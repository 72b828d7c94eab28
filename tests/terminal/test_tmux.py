"""The main flow in a real terminal: tmux, 80×24, keyboard only, a fresh home.

Open task 4 from the command palette, enter a wrong answer, check it and read
the dtype message, fix it, check again and see it pass; quit, relaunch, and
find task 4 passed with the draft kept.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.terminal,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]


class Tmux:
    def __init__(self, session: str, socket: Path) -> None:
        self.session = session
        self.base = ["tmux", "-S", str(socket)]

    def run(self, *args: str) -> str:
        return subprocess.run(
            [*self.base, *args], check=True, capture_output=True, text=True
        ).stdout

    def start(self, command: list[str], env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        line = f"env {exports} {' '.join(command)}"
        self.run("new-session", "-d", "-s", self.session, "-x", "80", "-y", "24", line)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, text: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")

    def wait_gone(self, text: str, timeout: float = 30) -> str:
        """Wait until ``text`` is no longer on the screen (a dialog closed)."""
        deadline = time.monotonic() + timeout
        screen = self.screen()
        while text in screen and time.monotonic() < deadline:
            time.sleep(0.1)
            screen = self.screen()
        assert text not in screen, f"{text!r} is still on the screen:\n{screen}"
        return screen

    def alive(self) -> bool:
        return subprocess.run([*self.base, "has-session", "-t", self.session],
                              capture_output=True).returncode == 0  # fmt: skip


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    t = Tmux("quiz", tmp_path / "tmux.sock")
    yield t
    subprocess.run([*t.base, "kill-server"], capture_output=True)


def test_main_flow_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:
    env = {
        "QUIZ_TUI_HOME": str(tmp_path / "home"),
        "QUIZ_TUI_LANG": "en",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }
    app = [sys.executable, "-m", "quiz_tui"]
    tmux.start(app, env)
    tmux.wait_for("PyTorch in 60 tasks")
    tmux.wait_for("│ CPU")  # the warm worker is up

    # Open task 4 from the command palette.
    tmux.keys("C-p")
    tmux.wait_for("Search for commands")
    tmux.type("4")
    tmux.wait_for("4. A 5×3 tensor of zeros")
    tmux.keys("Enter")
    tmux.wait_gone("Search for commands")  # the palette closed; the editor has the keys
    tmux.wait_for("4. A 5×3 tensor of zeros with dtype long")

    # The "..." of `x = ...` is selected: typing replaces it with a float tensor.
    tmux.type("torch.zeros(5, 3)")
    tmux.wait_for("x = torch.zeros(5, 3)\n")
    tmux.keys("F5")
    screen = tmux.wait_for("the task asks for long (int64)")
    assert "Not yet" in screen

    # Fix it and check again with the other Check key.
    tmux.keys("End", "BSpace")
    tmux.type(", dtype=torch.long)")
    tmux.keys("C-r")
    tmux.wait_for("Passed")
    # The attempt is recorded, and the header's count updated, in the frame after the
    # verdict's: awaited, not assumed to be in the verdict's screen.
    tmux.wait_for("✓ 1/60")

    tmux.keys("F10")
    deadline = time.monotonic() + 20
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not tmux.alive(), "the app did not quit"

    # Relaunch: back at task 4, passed, with the draft as it was left.
    tmux.start(app, env)
    screen = tmux.wait_for("4. A 5×3 tensor of zeros with dtype long")
    tmux.wait_for("x = torch.zeros(5, 3, dtype=torch.long)")
    tmux.wait_for("✓ 1/60")
    tmux.keys("F2")
    screen = tmux.wait_for("Tensors")
    assert "✓  4" in screen or "✓ 4" in screen
    tmux.keys("F10")


def test_open_in_editor_then_check(tmux: Tmux, tmp_path: Path) -> None:
    """F4 suspends the app for $EDITOR, takes the edited text back, and checks it."""
    editor = tmp_path / "fake-editor"
    editor.write_text(
        "#!/bin/sh\n"
        "# Stands in for a person in vim: replaces the starter's blank, then saves.\n"
        "sed -i 's/x = \\.\\.\\./x = torch.zeros(5, 3, dtype=torch.long)/' \"$1\"\n"
    )
    editor.chmod(0o755)
    env = {
        "QUIZ_TUI_HOME": str(tmp_path / "home"),
        "QUIZ_TUI_LANG": "en",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "EDITOR": str(editor),
    }
    tmux.start([sys.executable, "-m", "quiz_tui", "4"], env)
    tmux.wait_for("│ CPU")
    tmux.keys("F4")
    screen = tmux.wait_for("Passed")
    assert "x = torch.zeros(5, 3, dtype=torch.long)" in screen
    tmux.keys("F10")
