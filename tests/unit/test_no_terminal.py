"""Launched without a terminal, the app refuses in one line instead of hanging."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("args", [[], ["4"], ["exam", "--tasks", "1-2", "--minutes", "5"]])
def test_no_terminal_gives_one_line_naming_the_commands(tmp_path: Path, args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "quiz_tui", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QUIZ_TUI_HOME": str(tmp_path)},
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "needs a terminal" in lines[0]
    for command in ("check", "run", "list", "show", "exam"):
        assert command in lines[0]
    assert "\x1b[?" not in done.stderr  # no escape codes from a screen that never opened
