"""Issue 12's screens in a real terminal: tmux at 80×24, keyboard only, a fresh home.

Each step waits for what the screen shows, never for a fixed time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.terminal.test_tmux import Tmux, pytestmark, tmux  # noqa: F401 - the fixture

WRONG_56 = """\
dataiter = iter(testloader)
images, labels = next(dataiter)
imshow(torchvision.utils.make_grid(images))
print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))
outputs = net2(images.to(device))
_, predicted = torch.max(outputs, 0)
print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}' for j in range(4)))
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "QUIZ_TUI_HOME": str(tmp_path / "home"),
        "QUIZ_TUI_LANG": "en",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        **extra,
    }


def test_one_f7_shows_the_hint(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    tmux.start([sys.executable, "-m", "quiz_tui", "4"], _env(tmp_path))
    tmux.wait_for("│ CPU")
    tmux.keys("F7")
    screen = tmux.wait_for("Hint 1.")
    assert "torch.zeros(rows, cols) makes a tensor of zeros" in screen
    assert "`torch.zeros" not in screen  # rendered as Markdown
    tmux.keys("F10")


def test_task_56_verdict_is_readable_with_its_image(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    code = tmp_path / "wrong56.py"
    code.write_text(WRONG_56)
    editor = tmp_path / "fake-editor"
    editor.write_text(
        f'#!/bin/sh\n# Stands in for a person in vim: writes the answer.\ncp {code} "$1"\n'
    )
    editor.chmod(0o755)
    tmux.start([sys.executable, "-m", "quiz_tui", "56"], _env(tmp_path, EDITOR=str(editor)))
    tmux.wait_for("│ CPU")
    tmux.keys("F4")  # edit in $EDITOR, then check
    screen = tmux.wait_for("Not yet", timeout=180)
    screen = tmux.wait_for("one class per")  # where the message wraps depends on the width
    rows = screen.splitlines()
    first = next(i for i, row in enumerate(rows) if "`predicted` has 10 values" in row)
    last = next(i for i, row in enumerate(rows) if "one class per" in row)
    failing = next(i for i, row in enumerate(rows) if "✗ `predicted`" in row)
    assert first < last < failing, screen  # the whole message, then the failing check
    assert all(i > failing for i, row in enumerate(rows) if "▀▀▀▀" in row), screen
    tmux.keys("F10")


def test_the_exam_form_is_usable_at_80x24(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    tmux.start([sys.executable, "-m", "quiz_tui", "4"], _env(tmp_path))
    tmux.wait_for("│ CPU")
    tmux.keys("C-p")
    tmux.wait_for("Search for commands")
    tmux.type("Start exam")
    tmux.wait_for("A timed self-assessment")
    tmux.keys("Enter")
    screen = tmux.wait_for("Start an exam")
    for visible in (
        "Tasks",
        "Minutes",
        "Show verdicts during the exam",
        "Cancel (Esc)",
        "Next (Enter)",
    ):
        assert visible in screen, screen
    tmux.type("4-5")
    tmux.wait_for("4-5")
    tmux.keys("Tab", "Tab", "Tab")
    tmux.type("1")
    tmux.keys("Enter")
    screen = tmux.wait_for("2 tasks, 1 minute.")
    tmux.keys("Enter")
    screen = tmux.wait_for("exam: 2 tasks")
    assert "⏱" in screen
    tmux.keys("F10")


def test_task_list_number_enter_and_escape(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    tmux.start([sys.executable, "-m", "quiz_tui", "4"], _env(tmp_path))
    tmux.wait_for("│ CPU")
    tmux.keys("F2")
    tmux.wait_for("filter: 23")
    tmux.type("5")
    tmux.wait_for("· 15 ")  # the list is filtered
    tmux.keys("Enter")  # task 5, not the first title that contains a "5" (task 4's)
    tmux.wait_for("5. A tensor straight from data")
    tmux.keys("Escape")  # closes the list; the editor has the keys again
    tmux.wait_gone("· 15 ")
    tmux.type("# typed after Esc")
    tmux.wait_for("# typed after Esc")
    tmux.keys("F10")


def test_tmux_prefix_is_unbound_and_f3_switches_the_verdict(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    tmux.start([sys.executable, "-m", "quiz_tui", "4"], _env(tmp_path))
    tmux.wait_for("│ CPU")
    tmux.keys("C-b")  # tmux's prefix reaches the app in this test: it must do nothing
    tmux.type("torch.zeros(5, 3)")  # replaces the selected blank
    tmux.wait_for("x = torch.zeros(5, 3)")
    tmux.keys("F5")
    tmux.wait_for("Not yet")
    assert "4. A 5×3 tensor of zeros with dtype long" in tmux.screen()
    tmux.keys("F3")
    # The banner turns Chinese at once; the verdict's own words come from checking the
    # code again in Chinese, a moment later: wait for those.
    screen = tmux.wait_for("题目要求")
    assert "未通过" in screen and "long" in screen, screen
    tmux.keys("F10")
