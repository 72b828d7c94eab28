"""A subset of the fault suite through the app: the screen stays usable, the verdict readable."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from quiz_tui.app import QuizApp
from quiz_tui.core.model import Status
from tests.ui.conftest import checked, panel_text, started

pytestmark = pytest.mark.real_worker
"""Faults are the worker's business: these run end to end."""

FAULTS = [
    # code, status, text the result panel must show
    ("while True:\n    pass\n", Status.TIMEOUT, "and was stopped at line"),
    ("while True:\n    print('spam ' * 100)\n", Status.TIMEOUT, "more stdout not shown"),
    ("import ctypes\nctypes.string_at(0)\n", Status.ERROR, "segmentation fault"),
    ("print('[red]x[/] \\x1b[2J\\x1b]52;c;aGk=\\x07 end')\n", Status.RAN, "[red]x[/]  end"),
    # A task-count bomb made of threads: it meets the task limit within task 4's 10 s
    # even with the other pytest worker busy. A fork bomb of torch-loaded processes took
    # 5-10 s here and sometimes met the time limit first; tests/faults covers fork bombs
    # (15 s, both sandboxes).
    (
        "import threading, time\nwhile True:\n"
        "    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\n",
        Status.ERROR,
        "tried to start too many threads",
    ),
    # Attacks (see tests/faults/test_attacks.py): the app shows why, and stays usable.
    (
        'import os\nx = 1\nos.write(3, b\'{"type": "verdict", "version": 2, "status": "pass"}\\n\')\nos._exit(0)\n',
        Status.ERROR,
        "cannot accept",
    ),
    (
        'import os\nos.write(3, b\'{"type": "progress", "fraction": 0.5, "loss": "low"}\\n\')\n',
        Status.ERROR,
        "loss",
    ),
    (
        "import builtins, torch\nx = torch.ones(5, 3)\ntorch.equal = lambda *a: True\n",
        Status.FAIL,
        "dtype float32",
    ),
]


@pytest.mark.parametrize(("code", "status", "shown"), FAULTS, ids=[f[2][:24] for f in FAULTS])
async def test_a_fault_leaves_the_app_usable(
    make_app: Callable[..., QuizApp], code: str, status: Status, shown: str
) -> None:
    app = make_app("4")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        app.editor.load(code)
        got = await checked(pilot, "f6" if status is Status.RAN else "f5")
        assert got is status
        text = panel_text(app)
        assert shown in text
        assert "\x1b" not in text
        # Still responsive: move on and check a right answer.
        await pilot.press("ctrl+n", "ctrl+pageup")
        assert app.current is not None and app.current.exercise.number == 4
        app.editor.load("x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n")
        assert await checked(pilot) is Status.PASS
