"""What a learner sees at 80×24 and 120×40: hints, verdicts with images, the exam form,
the task list's keys, focus, the key bar, themes. Pilot tests on the shared warm worker;
verdicts that need no real check are posted as CheckFinished."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Button, Checkbox, Input, OptionList

from quiz_tui.app import QuizApp
from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.model import CheckItem, Image, Result, Status
from quiz_tui.core.state.config import config_path, load_config
from quiz_tui.core.state.exam import plan
from quiz_tui.messages import CheckFinished
from quiz_tui.screens.confirm import Confirm
from quiz_tui.screens.exam import ExamForm, ExamIntro, ResumeExam
from quiz_tui.screens.progress import ProgressScreen
from quiz_tui.widgets.loss_chart import LossChart, chart_lines
from tests.ui.conftest import (
    checked,
    hint_texts,
    notified,
    panel_text,
    screen_text,
    started,
    wait_for,
)
from tests.ui.fake_runner import FakeRunner, wrong_dtype_4

WRONG_4 = "x = torch.zeros(5, 3)\nprint(x)\n"
SMALL, LARGE = (80, 24), (120, 40)
PACK = load_builtin()


def _picture() -> Image:
    """Four 32×32 tiles side by side, as torchvision's make_grid draws a batch."""
    width, height = 138, 36
    rgb = bytearray()
    for y in range(height):
        for x in range(width):
            rgb += bytes((200, 60, 40) if (x // 8 + y // 8) % 2 else (30, 90, 200))
    return Image(width=width, height=height, rgb=bytes(rgb))


RESULT_56 = Result(
    task="56",
    status=Status.FAIL,
    message="`predicted` has 10 values, one per class: torch.max(outputs, 0) compares the 4 "
    "images for each class. Take the max along dimension 1 to get one class per image.",
    checks=(CheckItem("`images` is a tensor", "pass"), CheckItem("`labels` is a tensor", "pass")),
    images=(_picture(),),
    stdout="GroundTruth:  cat   ship  ship  plane\nPredicted:  cat   cat   cat   cat\n",
)


async def _post(app: QuizApp, result: Result, code: str = "# …\n") -> None:
    assert app.current is not None
    app.workspace.post_message(CheckFinished(app.current, code, result, "check"))


# -- 4. hints ------------------------------------------------------------------------


async def test_one_f7_shows_the_hint_at_once_and_it_is_kept_after_a_relaunch(
    make_app: Callable[..., QuizApp],
) -> None:
    app = make_app("4")
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)
        await pilot.press("f7")
        await wait_for(pilot, lambda: "Hint 1." in screen_text(app), timeout=5)
        shown = screen_text(app)
        assert "torch.zeros(rows, cols) makes a tensor of zeros" in shown
        assert "`" not in shown.split("Hint 1.", 1)[1].splitlines()[0]  # Markdown, not raw
    again = make_app("4")
    async with again.run_test(size=SMALL) as pilot:
        await started(pilot)
        assert hint_texts(again) == ["💡 Hint 1. torch.zeros(rows, cols) makes a tensor of zeros."]
        await pilot.press("f7")
        await wait_for(pilot, lambda: "Hint 2." in screen_text(again), timeout=5)


# -- 5. an image never hides the verdict ------------------------------------------


@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_the_image_of_task_56_comes_after_the_message_and_checklist(
    make_app: Callable[..., QuizApp], size: tuple[int, int]
) -> None:
    app = make_app("56")
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await _post(app, RESULT_56)
        await wait_for(pilot, lambda: app.last_result is RESULT_56)
        await pilot.pause(0.2)
        rows = screen_text(app).splitlines()

        def row_of(what: str) -> int:
            return next(i for i, row in enumerate(rows) if what in row)

        # Banner, the whole message, then the diagnosed failure as a checklist item, all
        # on screen; the picture (scrolled to at 80×24) only after them.
        banner, first, last = row_of("Not yet"), row_of("`predicted` has 10"), row_of("class per")
        failing = row_of("✗ `predicted` has 10 values, one per class")
        assert banner < first < last < failing < row_of("✓ `labels` is a tensor")
        pictures = [i for i, row in enumerate(rows) if "▀▀▀▀" in row]
        assert all(i > failing for i in pictures)
        if size == LARGE:
            assert pictures


# -- 6. the exam form and the exam's task list ---------------------------------------


async def test_the_exam_form_fits_80x24_and_can_be_filled_in(
    make_app: Callable[..., QuizApp],
) -> None:
    app = make_app("4")
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)
        await app.workspace.run_action("start_exam")
        await wait_for(pilot, lambda: isinstance(app.screen, ExamForm))
        await pilot.pause(0.2)
        form = app.screen
        screen = form.region
        for widget in [*form.query(Input), *form.query(Checkbox), *form.query(Button)]:
            assert widget.region.height >= 1, widget
            assert screen.contains_region(widget.region), widget
        tasks = form.query_one("#tasks", Input)
        assert tasks.has_focus and tasks.content_region.height == 1
        await pilot.press(*"4-5")
        await pilot.press("tab", "tab", "tab")
        await pilot.press(*"1")
        assert form.query_one("#minutes", Input).has_focus
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExamIntro))
        text = screen_text(app)
        assert "2 tasks, 1 minute." in text and "1 minutes" not in text, text


async def test_during_an_exam_the_task_list_shows_the_exams_results(
    make_app: Callable[..., QuizApp],
) -> None:
    now = [1_800_000_000.0]
    app = make_app(None, exam_plan=plan(PACK, tasks="4-5", minutes=20), clock=lambda: now[0])
    async with app.run_test(size=LARGE) as pilot:
        await started(pilot)
        assert app.session is not None and app.session.store is not None
        # Task 5 was passed in practice; the exam starts with nothing checked.
        app.session.store.record_attempt("pytorch60", "from-data", Status.PASS, 0.1, "x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExamIntro))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.exam is not None)
        assert app.task_list.states == {
            ("pytorch60", "zeros-long"): "untouched",
            ("pytorch60", "from-data"): "untouched",
        }
        app.editor.load(WRONG_4)
        assert await checked(pilot) is Status.FAIL
        assert app.task_list.states[("pytorch60", "zeros-long")] == "failed"
        text = screen_text(app)
        assert re.search(r"✗\s+4 ", text) and re.search(r"·\s+5 ", text)


# -- 7. the task list's keys, and Escape ---------------------------------------------


async def test_a_number_and_enter_open_that_task(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("4")
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)
        await pilot.press("f2", "5", "enter")
        await wait_for(pilot, lambda: app.current is not None and app.current.exercise.number == 5)
        await pilot.press("f2", "1", "5", "enter")
        await wait_for(pilot, lambda: app.current is not None and app.current.exercise.number == 15)


async def test_arrows_move_the_list_while_the_filter_has_focus(
    make_app: Callable[..., QuizApp],
) -> None:
    app = make_app("4")
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)
        await pilot.press("f2")
        assert isinstance(app.focused, Input)
        await pilot.press("down", "down", "up", "down")
        assert isinstance(app.focused, Input)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None and app.current.exercise.number == 6)


async def test_escape_closes_every_overlay(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("4")
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)
        await pilot.press("f2")
        assert app.screen.has_class("show-tasks")
        await pilot.press("down", "escape")
        assert not app.screen.has_class("show-tasks") and app.focused is app.editor
        await pilot.press("f2", "tab")  # the list itself, not the filter
        assert isinstance(app.focused, OptionList)
        await pilot.press("escape")
        assert not app.screen.has_class("show-tasks") and app.focused is app.editor
        for open_it, kind in (
            (lambda: app.workspace.run_action("progress"), ProgressScreen),
            (lambda: app.workspace.run_action("start_exam"), ExamForm),
            (lambda: app.workspace.run_action("reset"), Confirm),
        ):
            await open_it()
            await wait_for(pilot, lambda kind=kind: isinstance(app.screen, kind))  # type: ignore[misc]
            await pilot.press("escape")
            await wait_for(pilot, lambda kind=kind: not isinstance(app.screen, kind))  # type: ignore[misc]
        await pilot.press("ctrl+p")
        await wait_for(
            pilot, lambda: app.screen.id == "--command-palette" or len(app.screen_stack) > 1
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1)


async def test_escape_puts_off_a_left_exam_and_start_exam_asks_again(
    make_app: Callable[..., QuizApp], tmp_path: Path
) -> None:
    from quiz_tui.core.state.exam import ExamBook
    from quiz_tui.core.state.progress import ProgressStore

    now = 1_800_000_000.0
    with ProgressStore(tmp_path / "progress.db") as store:
        ExamBook(store, lambda: now).start(plan(PACK, tasks="4-5", minutes=20))
    app = make_app(None, clock=lambda: now + 60)
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, ResumeExam))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ResumeExam))
        assert app.exam is None
        await app.workspace.run_action("start_exam")
        await wait_for(pilot, lambda: isinstance(app.screen, ResumeExam))
        await pilot.press("r")
        await wait_for(pilot, lambda: app.exam is not None)


# -- 8. focus ----------------------------------------------------------------------


async def test_focus_is_visible_on_the_panels_and_the_filter(
    make_app: Callable[..., QuizApp],
) -> None:
    app = make_app("4")
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)
        plain = (app.prompt.styles.border_bottom, app.result_panel.styles.border_top)
        app.prompt.focus()
        await pilot.pause()
        assert app.prompt.styles.border_bottom != plain[0]
        app.result_panel.focus()
        await pilot.pause()
        assert app.prompt.styles.border_bottom == plain[0]
        assert app.result_panel.styles.border_top != plain[1]
        await pilot.press("f2")
        field = app.query_one("#task-filter", Input)
        focused_bg = field.styles.background
        app.editor.focus()
        await pilot.pause()
        assert field.styles.background != focused_bg


# -- 9. small things -------------------------------------------------------------------


async def test_f3_switches_the_verdicts_own_words(
    make_app: Callable[..., QuizApp], fake_runner: FakeRunner
) -> None:
    fake_runner.script(WRONG_4, wrong_dtype_4)
    app = make_app("4")
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)
        app.editor.load(WRONG_4)
        assert await checked(pilot) is Status.FAIL
        assert "the task asks for long" in panel_text(app)
        attempts = len(app.session.store.attempts())  # type: ignore[union-attr]
        await pilot.press("f3")
        await wait_for(pilot, lambda: "题目要求 long (int64)" in panel_text(app))
        assert "未通过" in panel_text(app)
        await pilot.press("f3")
        await wait_for(pilot, lambda: "the task asks for long" in panel_text(app))
        assert len(app.session.store.attempts()) == attempts  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_header_fits_and_the_key_bar_keeps_quit_while_checking(
    make_app: Callable[..., QuizApp], size: tuple[int, int], lang: str
) -> None:
    app = make_app("4", lang=lang)
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        assert app.header.render().cell_len <= size[0]
        app.keybar.checking = True
        await pilot.pause()
        bar = app.keybar.render()
        assert bar.cell_len <= size[0]
        assert "F10" in bar.plain and "F9" in bar.plain and "F5" in bar.plain
        assert "F3" in bar.plain


async def test_the_key_bar_shows_the_keys_of_the_action_registry(
    make_app: Callable[..., QuizApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bar takes each action's first key from actions.py: a rebound key shows there."""
    import dataclasses

    from quiz_tui import actions

    rebound = tuple(
        dataclasses.replace(a, keys="f11,ctrl+r") if a.action == "check" else a
        for a in actions.ACTIONS
    )
    monkeypatch.setattr(actions, "ACTIONS", rebound)
    app = make_app("4")
    async with app.run_test(size=LARGE) as pilot:
        await started(pilot)
        bar = app.keybar.render().plain
        assert bar.startswith("F11 Check F6 Run F7 Hint ^N Next ^PgUp Prev F2 Tasks")
        assert "^P Commands" in bar and "F5" not in bar


async def test_the_palette_offers_only_what_can_be_used_now(
    make_app: Callable[..., QuizApp],
) -> None:
    from quiz_tui.commands import ActionCommands

    now = [1_800_000_000.0]
    app = make_app(None, exam_plan=plan(PACK, tasks="4-5", minutes=20), clock=lambda: now[0])
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)

        def offered() -> set[str]:
            return {name for name, _, _ in ActionCommands(app.screen).commands()}

        await wait_for(pilot, lambda: isinstance(app.screen, ExamIntro))
        assert "Hand in exam" not in offered() and "Hint" in offered()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.exam is not None)
        assert "Hand in exam" in offered() and "Abandon exam" in offered()
        assert not {"Hint", "Show solution", "Start exam…"} & offered()


def test_the_loss_chart_has_a_scale_and_the_latest_value() -> None:
    losses = [2.3, 2.0, 1.7, 1.5, 1.4, 1.2]
    lines = chart_lines(losses, 40)
    assert lines[0].startswith("2.3 ┤") and lines[-1].startswith("1.2 ┤")
    assert all(len(line) <= 40 for line in lines)
    assert chart_lines([1.0] * 500, 30)[0].endswith("█" * 25)  # flat, and squeezed to fit


async def test_the_loss_chart_says_its_words_in_the_learners_language() -> None:
    from textual.app import App, ComposeResult

    class ChartOnly(App[None]):
        def compose(self) -> ComposeResult:
            yield LossChart()

    async with ChartOnly().run_test(size=(80, 10)) as pilot:
        chart = pilot.app.query_one(LossChart)
        chart.losses = [2.0, 1.25, 1.5]
        await pilot.pause()
        assert chart.render().plain.startswith("loss now 1.5 · first 2 · lowest 1.25 · 3 reports")
        chart.lang = "zh"
        await pilot.pause()
        assert chart.render().plain.startswith("当前损失 1.5 · 最初 2 · 最低 1.25 · 共 3 次报告")


async def test_solved_after_the_solution_has_the_same_mark_in_header_and_list(
    make_app: Callable[..., QuizApp],
) -> None:
    app = make_app("4")
    async with app.run_test(size=LARGE) as pilot:
        await started(pilot)
        await app.workspace.run_action("show_solution")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_for(pilot, lambda: "dtype=torch.long" in app.editor.text)
        assert await checked(pilot) is Status.PASS
        assert (app.header.passed, app.header.with_solution) == (0, 1)
        assert "✓ 0/60 ◐ 1" in app.header.render().plain
        assert app.task_list.states[("pytorch60", "zeros-long")] == "solution"
        assert re.search(r"◐\s+4 ", screen_text(app))


# -- 10. keys and the README ------------------------------------------------------------


def test_no_multiplexer_prefix_is_bound_and_the_readme_names_every_key() -> None:
    from textual.binding import Binding

    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    table = readme[readme.index("| key | action |") :].split("\n\n", 1)[0]
    names = {"pageup": "PgUp", "pagedown": "PgDn"}
    for binding in QuizApp.BINDINGS:
        assert isinstance(binding, Binding)
        for key in binding.key.split(","):
            assert key not in ("ctrl+b", "ctrl+a"), key
            *mods, base = key.split("+")
            shown = "+".join([m.capitalize() for m in mods] + [names.get(base, base.upper())])
            assert shown in table, f"{key} is bound but the README's key table lacks {shown}"


# -- 11. themes -----------------------------------------------------------------------


async def test_the_editor_follows_the_theme_and_the_choice_is_kept(
    make_app: Callable[..., QuizApp],
) -> None:
    app = make_app("23")
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)
        assert app.editor.theme == "monokai"
        app.theme = "textual-light"
        await wait_for(pilot, lambda: app.editor.theme == "github_light")
        assert app.prompt.code_theme == "friendly"
    assert load_config().theme == "textual-light"
    assert 'theme = "textual-light"' in config_path().read_text("utf-8")
    again = make_app("23")
    async with again.run_test(size=SMALL) as pilot:
        await started(pilot)
        assert again.theme == "textual-light" and again.editor.theme == "github_light"


async def test_an_unknown_saved_theme_is_reported_in_the_learners_language(
    make_app: Callable[..., QuizApp],
) -> None:
    from quiz_tui.core.state.config import save_config_value

    save_config_value("theme", "no-such-theme")
    app = make_app("23", lang="zh")
    async with app.run_test(size=SMALL) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: notified(app, "主题 'no-such-theme' 不可用，使用默认主题。"))
