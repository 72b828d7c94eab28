"""How the main screens look, at 80×24 and 120×40 (review the report before updating).

.venv/bin/python -m pytest tests/ui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from quiz_tui.app import QuizApp
from quiz_tui.core.model import CheckItem, Image, Result, Status
from quiz_tui.messages import CheckFinished
from tests.ui.conftest import screen_text, started, wait_for

WRONG_4 = "x = torch.zeros(5, 3)\nprint(x)\n"


async def settle(pilot: Pilot[None]) -> None:
    app = await started(pilot)
    app.editor.cursor_blink = False
    await pilot.pause(0.2)


def show_result(result: Result, code: str) -> Callable[[Pilot[None]], Any]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, QuizApp) and app.current is not None
        app.editor.load(code)
        # Let the edit settle (it clears the verdict layout) before the verdict arrives.
        session, ref = app.session, app.current
        assert session is not None
        await wait_for(pilot, lambda: session.draft(ref) == code, timeout=5)
        app.workspace.post_message(CheckFinished(app.current, code, result, "check"))
        await wait_for(pilot, lambda: app.last_result is result)
        await pilot.pause(0.2)

    return run_before


FAIL_4 = Result(
    task="4",
    status=Status.FAIL,
    message="`x` has dtype float32, the task asks for long (int64). Pass dtype=torch.long to "
    "torch.zeros (or convert with .long()).",
    checks=(
        CheckItem("`x` is a tensor", "pass"),
        CheckItem("`x` has shape (5, 3)", "pass"),
        CheckItem("`x` has dtype long (int64)", "fail", "..."),
    ),
    stdout="tensor([[0., 0., 0.],\n        [0., 0., 0.],\n        [0., 0., 0.]])\n",
)


def test_main_screen_80x24(snap_compare: Any, make_app: Callable[..., QuizApp]) -> None:
    assert snap_compare(make_app("4"), terminal_size=(80, 24), run_before=settle)


def test_main_screen_120x40(snap_compare: Any, make_app: Callable[..., QuizApp]) -> None:
    assert snap_compare(make_app("23"), terminal_size=(120, 40), run_before=settle)


def test_failed_check_80x24(snap_compare: Any, make_app: Callable[..., QuizApp]) -> None:
    assert snap_compare(
        make_app("4"), terminal_size=(80, 24), run_before=show_result(FAIL_4, WRONG_4)
    )


def test_failed_check_120x40(snap_compare: Any, make_app: Callable[..., QuizApp]) -> None:
    assert snap_compare(
        make_app("4"), terminal_size=(120, 40), run_before=show_result(FAIL_4, WRONG_4)
    )


def test_task_list_at_80x24(snap_compare: Any, make_app: Callable[..., QuizApp]) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f2")
        # A blinking cursor is drawn or not depending on when the shot is taken: a
        # loaded machine took it in the other phase. Hold the cursor still.
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause(0.3)

    assert snap_compare(make_app("13"), terminal_size=(80, 24), run_before=run_before)


def test_chinese_80x24(snap_compare: Any, make_app: Callable[..., QuizApp]) -> None:
    assert snap_compare(make_app("43", lang="zh"), terminal_size=(80, 24), run_before=settle)


def test_progress_overview(snap_compare: Any, make_app: Callable[..., QuizApp]) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f8")
        await pilot.pause(0.3)

    assert snap_compare(make_app("4"), terminal_size=(80, 24), run_before=run_before)


def _checkerboard() -> Image:
    width, height = 24, 12
    rgb = bytearray()
    for y in range(height):
        for x in range(width):
            on = (x // 4 + y // 4) % 2
            rgb += bytes((230, 80, 40) if on else (30, 90, 200))
    return Image(width=width, height=height, rgb=bytes(rgb))


def test_image_in_the_result_panel(snap_compare: Any, make_app: Callable[..., QuizApp]) -> None:
    result = Result(task="56", status=Status.PASS, message="All checks passed.",
                    images=(_checkerboard(),), stdout="GroundTruth:  cat   ship  ship  plane\n")  # fmt: skip
    assert snap_compare(
        make_app("56"), terminal_size=(80, 24), run_before=show_result(result, "# …\n")
    )


def test_exam_in_progress_80x24(snap_compare: Any, make_app: Callable[..., QuizApp]) -> None:
    from quiz_tui.core.content.packs import load_builtin
    from quiz_tui.core.state.exam import plan
    from quiz_tui.screens.exam import ExamIntro

    now = [1_800_000_000.0]
    app = make_app(
        None, exam_plan=plan(load_builtin(), tasks="18-20", minutes=20), clock=lambda: now[0]
    )

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, ExamIntro))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.exam is not None)
        now[0] += 754
        app.workspace.tick()
        app.editor.cursor_blink = False
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


# -- issue 12's screens, at both sizes, in a dark and a light theme ------------------------

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
THEMES = {"dark": "textual-dark", "light": "textual-light"}
both = pytest.mark.parametrize(
    ("size", "theme"), [(s, t) for s in SIZES for t in THEMES], ids=lambda v: str(v)
)


def _themed(theme: str, then: Callable[[Pilot[None]], Any]) -> Callable[[Pilot[None]], Any]:
    async def run_before(pilot: Pilot[None]) -> None:
        pilot.app.theme = THEMES[theme]
        await then(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause(0.3)

    return run_before


@both
def test_hint_revealed(
    snap_compare: Any, make_app: Callable[..., QuizApp], size: str, theme: str
) -> None:
    async def reveal(pilot: Pilot[None]) -> None:
        app = await started(pilot)
        app.editor.cursor_blink = False
        await pilot.press("f7")
        await wait_for(pilot, lambda: "Hint 1." in screen_text(app), timeout=5)

    assert snap_compare(
        make_app("23"), terminal_size=SIZES[size], run_before=_themed(theme, reveal)
    )


@both
def test_verdict_with_an_image(
    snap_compare: Any, make_app: Callable[..., QuizApp], size: str, theme: str
) -> None:
    result = Result(
        task="56",
        status=Status.FAIL,
        message="`predicted` has 10 values, one per class: torch.max(outputs, 0) compares the "
        "4 images for each class. Take the max along dimension 1 to get one class per image.",
        checks=(
            CheckItem("`images` is a tensor", "pass"),
            CheckItem("`labels` is a tensor", "pass"),
        ),
        images=(_checkerboard(),),
        stdout="GroundTruth:  cat   ship  ship  plane\n",
    )
    assert snap_compare(
        make_app("56"),
        terminal_size=SIZES[size],
        run_before=_themed(theme, show_result(result, "# …\n")),
    )


@both
def test_exam_form(
    snap_compare: Any, make_app: Callable[..., QuizApp], size: str, theme: str
) -> None:
    from quiz_tui.screens.exam import ExamForm

    async def open_form(pilot: Pilot[None]) -> None:
        app = await started(pilot)
        app.editor.cursor_blink = False
        await app.workspace.run_action("start_exam")
        # Pushed is not composed: wait for its first field to hold the keys, so that the
        # blinking cursor is stilled on the form's own fields.
        await wait_for(
            pilot, lambda: isinstance(app.screen, ExamForm) and app.screen.focused is not None
        )

    assert snap_compare(
        make_app("4"), terminal_size=SIZES[size], run_before=_themed(theme, open_form)
    )
