"""Every action of the app, driven with the Pilot at 80×24 on the real warm worker."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from quiz_tui.app import QuizApp
from quiz_tui.core.model import Result, Status
from quiz_tui.core.state.progress import ProgressStore
from quiz_tui.screens.confirm import Confirm
from quiz_tui.screens.progress import ProgressScreen
from quiz_tui.screens.workspace import Workspace
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
RIGHT_4 = "x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n"
SIZE = (80, 24)


async def test_opens_the_task_with_the_cursor_in_the_editor(
    make_app: Callable[..., QuizApp],
) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.current is not None and app.current.exercise.number == 4
        assert app.focused is app.editor
        assert app.editor.text.startswith("x = ...")
        assert app.editor.selection == ((0, 4), (0, 7))  # the first "...", selected
        assert (app.header.passed, app.header.total) == (0, 60)
        assert "4. A 5×3 tensor of zeros" in str(
            app.prompt.query_one("#prompt-title", Static).render()
        )


@pytest.mark.real_worker
async def test_check_names_the_mistake_then_passes(
    make_app: Callable[..., QuizApp], tmp_path: Path
) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.editor.load(WRONG_4)
        assert await checked(pilot) is Status.FAIL
        text = panel_text(app)
        assert "✗ Not yet" in text
        assert "`x` has dtype float32, the task asks for long (int64)." in text
        assert "✗ `x` has dtype long (int64)" in text
        app.editor.load(RIGHT_4)
        assert await checked(pilot, "ctrl+r") is Status.PASS
        assert "✓ Passed" in panel_text(app)
        assert app.header.passed == 1
    with ProgressStore(tmp_path / "progress.db") as store:
        statuses = [a.status for a in store.attempts("pytorch60", "zeros-long")]
        assert statuses == ["fail", "pass"]
        assert store.task_states("pytorch60")["zeros-long"].status == "passed"


async def test_run_shows_output_without_judging(
    make_app: Callable[..., QuizApp], fake_runner: FakeRunner
) -> None:
    fake_runner.script("hello", Result("t", Status.RAN, "Ran.", stdout="hello from the learner\n"))
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.editor.load("print('hello from the learner')\n")
        assert await checked(pilot, "f6") is Status.RAN
        assert "hello from the learner" in panel_text(app)


async def test_learner_output_is_literal_text(
    make_app: Callable[..., QuizApp], fake_runner: FakeRunner
) -> None:
    out = "[bold]x[/] \x1b[2J\x1b]52;c;aGk=\x07 done\n"  # cleaned as the runner cleans it
    fake_runner.script("print", Result("t", Status.RAN, "Ran.", stdout=out))
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.editor.load("print('[bold]x[/] \\x1b[2J\\x1b]52;c;aGk=\\x07 done')\n")
        assert await checked(pilot, "f6") is Status.RAN
        text = panel_text(app)
        assert "[bold]x[/]" in text and "done" in text
        assert "\x1b" not in text and "52;c;" not in text


async def test_an_error_puts_the_cursor_on_its_line(
    make_app: Callable[..., QuizApp], fake_runner: FakeRunner
) -> None:
    trace = 'File "<your code>", line 2, in <module>\nRuntimeError: shape invalid\n'
    fake_runner.script("view(4, 4)", Result("t", Status.ERROR, "shape", traceback=trace, line=2))
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.editor.load("y = 1\nx = torch.zeros(5, 3).view(4, 4)\n")
        assert await checked(pilot) is Status.ERROR
        assert app.editor.selection == ((1, 0), (1, 0))  # on the line, nothing selected
        assert 'File "<your code>", line 2' in panel_text(app)


async def test_hints_come_one_at_a_time(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        hints = app.prompt.query_one("#hints")
        assert not hints.display
        await pilot.press("f7")
        await pilot.pause()
        assert hint_texts(app) == ["💡 Hint 1. torch.zeros(rows, cols) makes a tensor of zeros."]
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert len(hint_texts(app)) == 2 and hint_texts(app)[1].startswith("💡 Hint 2.")
        await pilot.press("f7")  # no third hint
        await pilot.pause()
        assert notified(app, "last hint")


async def test_show_solution_asks_first_and_is_recorded(
    make_app: Callable[..., QuizApp], tmp_path: Path
) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await app.workspace.run_action("show_solution")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, Confirm))
        assert app.editor.text.startswith("x = ...")
        await app.workspace.run_action("show_solution")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_for(pilot, lambda: "dtype=torch.long" in app.editor.text)
    with ProgressStore(tmp_path / "progress.db") as store:
        assert store.task_states("pytorch60")["zeros-long"].status == "solution"


async def test_reset_to_starter(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.editor.load(WRONG_4)
        await app.workspace.run_action("reset")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.editor.text.startswith("x = ..."))


async def test_next_and_previous_task(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+n")
        assert app.current is not None and app.current.exercise.number == 5
        await pilot.press("ctrl+pageup", "ctrl+pageup")
        assert app.current.exercise.number == 3
        assert app.focused is app.editor


async def test_language_toggle(make_app: Callable[..., QuizApp], fake_runner: FakeRunner) -> None:
    fake_runner.script(WRONG_4, wrong_dtype_4)
    fake_runner.script("time.sleep(2)", Status.PASS, hold=True)
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("f3")
        assert app.lang == "zh"
        assert "创建类型为 long 的 5×3 零张量" in str(
            app.prompt.query_one("#prompt-title", Static).render()
        )
        assert "检查" in app.keybar.render().plain
        app.editor.load(WRONG_4)
        assert await checked(pilot) is Status.FAIL
        assert "题目要求 long (int64)" in panel_text(app)
        app.editor.load("import time\ntime.sleep(2)\n" + RIGHT_4)
        await pilot.press("f5")
        verdict = app.result_panel.query_one("#verdict")
        await wait_for(pilot, lambda: "检查中" in str(verdict.render()))
        await pilot.press("f3")  # while a check runs: its banner, now in English; no verdict
        await wait_for(pilot, lambda: "Checking" in str(verdict.render()))
        fake_runner.release()
        await wait_for(pilot, lambda: not app.checking)
        assert app.last_result is not None and app.last_result.status is Status.PASS


async def test_task_list_toggles_filters_and_opens(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert not app.task_list.display or app.task_list.region.width == 0
        await pilot.press("f2")
        await pilot.pause()
        assert app.task_list.region.width > 0
        assert isinstance(app.focused, Input)
        await pilot.press(*"backprop")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None and app.current.exercise.number == 21)
        assert app.focused is app.editor


async def test_palette_opens_tasks_by_number_and_runs_actions(
    make_app: Callable[..., QuizApp],
) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"23")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None and app.current.exercise.number == 23)
        await pilot.press("ctrl+p")
        await pilot.press(*"Progress")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProgressScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ProgressScreen))


async def test_the_palette_and_the_exam_form_speak_the_apps_language(
    make_app: Callable[..., QuizApp],
) -> None:
    from quiz_tui.screens.exam import ExamForm

    app = make_app("4", lang="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p", *"23")
        await wait_for(pilot, lambda: "打开第 23 题" in screen_text(app))
        assert "Open task" not in screen_text(app)
        await pilot.press("escape", "ctrl+p", *"Progress")  # English names find them too
        await wait_for(pilot, lambda: "各章节的完成情况 (F8)" in screen_text(app))
        assert "进度" in screen_text(app) and "How far" not in screen_text(app)
        await pilot.press("escape", "ctrl+p", *"Pack")
        await wait_for(pilot, lambda: "题目包：" in screen_text(app))
        assert "(60 tasks)" not in screen_text(app) and "（60 题）" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, Workspace))
        textual_own = {(c.title, c.help) for c in app.get_system_commands(app.screen)}
        assert {("主题", "更换配色主题"), ("截图", "把当前屏幕保存为 SVG“截图”")} <= textual_own

        await app.workspace.run_action("start_exam")
        await wait_for(pilot, lambda: isinstance(app.screen, ExamForm) and app.screen.is_mounted)
        await pilot.pause()
        form, error = app.screen, app.screen.query_one("#error", Static)
        form.query_one("#random", Input).value = "0"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "随机抽题数至少为 1" in str(error.render()))
        form.query_one("#minutes", Input).value = "x"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "分钟：'x' 不是整数" in str(error.render()))
        form.query_one("#minutes", Input).value = ""
        form.query_one("#random", Input).value = ""
        form.query_one("#tasks", Input).value = "99"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "题目包里没有第 99 题" in str(error.render()))


def test_exam_errors_keep_english_for_the_command_line() -> None:
    from quiz_tui.core.state.exam import ExamError

    error = ExamError("core.exam-random-too-large", count=5, tasks=3)
    assert str(error) == "--random 5: only 3 tasks to choose from"
    assert error.text("zh") == "随机抽 5 题：只有 3 道题可选"
    assert error.text("xx") == str(error)  # a language without the text: English


async def test_every_action_is_in_the_palette() -> None:
    from quiz_tui.actions import ACTIONS

    names = {a.title("en") for a in ACTIONS}
    required = {
        "Check", "Run", "Next task", "Previous task", "Hint", "Show solution",
        "Reset to starter", "Open in $EDITOR", "Cancel check", "Progress", "Quit",
    }  # fmt: skip
    assert required <= names
    for a in ACTIONS:
        owner = QuizApp if a.scope == "app" else Workspace
        assert hasattr(owner, f"action_{a.action}"), a.action


async def test_cancel_stops_a_running_check(
    make_app: Callable[..., QuizApp], fake_runner: FakeRunner
) -> None:
    fake_runner.script("time.sleep(30)", Status.PASS, hold=True)
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.editor.load("import time\ntime.sleep(30)\n")
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.checking)
        await pilot.pause(0.5)
        assert "F9 Cancel" in app.keybar.render().plain
        await pilot.press("f9")
        await wait_for(pilot, lambda: not app.checking, timeout=10)
        assert app.last_result is not None and app.last_result.status is Status.CANCELLED


@pytest.mark.real_worker
async def test_the_app_restarts_a_dead_worker(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.runner is not None
        pid = app.runner.worker_pid
        assert pid is not None
        os.kill(pid, 9)
        # Said at once, and shown for a few seconds only: awaited before a check that may
        # take longer than that on a busy machine.
        await wait_for(pilot, lambda: notified(app, "had stopped"))
        app.editor.load(RIGHT_4)
        assert await checked(pilot) is Status.PASS
        assert app.runner.worker_pid not in (None, pid)


async def test_drafts_are_saved_as_you_type_and_restored(
    make_app: Callable[..., QuizApp], tmp_path: Path
) -> None:
    app = make_app("7")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press(*"torch.randn_like")
        await pilot.pause(0.8)
        with ProgressStore(tmp_path / "progress.db") as store:
            assert "torch.randn_like" in (store.draft("pytorch60", "randn-like") or "")
    again = make_app(None)  # no task given: back where the learner left off
    async with again.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert again.current is not None and again.current.exercise.number == 7
        assert "torch.randn_like" in again.editor.text


async def test_lenet_tasks_share_one_draft(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("26")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.editor.load(
            app.editor.text.replace("self.conv1 = ...", "self.conv1 = nn.Conv2d(3, 6, 5)")
        )
        app.workspace.post_message(
            __import__("quiz_tui.messages", fromlist=["DraftEdited"]).DraftEdited()
        )
        await pilot.pause(0.6)
        await pilot.press("ctrl+n")
        assert app.current is not None and app.current.exercise.number == 27
        assert "self.conv1 = nn.Conv2d(3, 6, 5)" in app.editor.text


async def test_a_corrupt_progress_file_is_moved_aside(
    make_app: Callable[..., QuizApp], tmp_path: Path
) -> None:
    (tmp_path / "progress.db").write_bytes(b"this is not a database" * 100)
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert notified(app, "could not be used")
        app.editor.load(RIGHT_4)
        assert await checked(pilot) is Status.PASS
    assert list(tmp_path.glob("progress.db.broken-*"))


async def test_progress_overview(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ProgressScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: not isinstance(app.screen, ProgressScreen))


async def test_external_editor_without_a_terminal_says_so(
    make_app: Callable[..., QuizApp], monkeypatch: object
) -> None:
    os.environ["EDITOR"] = "true"
    try:
        app = make_app("4")
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot)
            await pilot.press("f4")
            await pilot.pause()
            assert notified(app, "cannot hand over")
    finally:
        del os.environ["EDITOR"]


@pytest.mark.real_worker
def test_the_ui_process_never_imports_torch(tmp_path: Path) -> None:
    """Run the app headless in a fresh interpreter through a check; torch stays out."""
    script = f"""
import asyncio, sys
from quiz_tui.app import QuizApp

async def main():
    app = QuizApp(start_task="4", lang="en", store_path=__import__("pathlib").Path({str(tmp_path / "p.db")!r}))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(1200):
            await pilot.pause(0.05)
            if app.current is not None and app.header.device != "…":
                break
        app.editor.load("x = torch.zeros(5, 3, dtype=torch.long)\\nprint(x)\\n")
        await pilot.press("f5")
        for _ in range(1200):
            await pilot.pause(0.05)
            if app.last_result is not None:
                break
        print(app.last_result.status.value)
    print(sorted({{m.split('.')[0] for m in sys.modules}} & {{'torch', 'torchvision', 'numpy'}}))

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180,
        env={**os.environ, "QUIZ_TUI_HOME": str(tmp_path)},
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert lines[-2:] == ["pass", "[]"], done.stdout + done.stderr


@pytest.mark.real_worker
async def test_a_training_check_shows_live_progress(make_app: Callable[..., QuizApp]) -> None:
    from textual.widgets import ProgressBar

    from quiz_tui.widgets.loss_chart import LossChart

    app = make_app("55")
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert app.current is not None
        app.editor.load(app.current.exercise.solution)
        await pilot.press("f5")
        await wait_for(pilot, lambda: bool(app.result_panel.query(ProgressBar)), timeout=120)
        await wait_for(
            pilot, lambda: len(app.result_panel.query_one(LossChart).losses) >= 2, timeout=120
        )
        chart = app.result_panel.query_one(LossChart).render().plain
        assert "loss now" in chart and "┤" in chart  # a scale and the current value
        await wait_for(pilot, lambda: not app.checking, timeout=180)
        assert app.last_result is not None and app.last_result.status is Status.PASS
        assert "accuracy" in panel_text(app)


async def test_workspace_keys_do_nothing_under_a_dialog(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ProgressScreen))
        await pilot.press("f5", "ctrl+n")
        await pilot.pause(0.3)
        assert not app.checking
        assert app.current is not None and app.current.exercise.number == 4


def test_every_status_has_a_verdict_banner() -> None:
    from quiz_tui.marks import VERDICT_MARKS, VERDICT_WORDS
    from quiz_tui.widgets.result import verdict_label

    assert set(VERDICT_MARKS) == set(VERDICT_WORDS) == {status.value for status in Status}
    assert verdict_label(Status.PASS, "en") == (" ✓ Passed ", "bold black on green")
    assert verdict_label(Status.FAIL, "zh") == (" ✗ 未通过 ", "bold white on red")
    assert verdict_label(Status.TIMEOUT, "en")[1] == "bold black on yellow"


async def test_a_dead_worker_is_announced(
    make_app: Callable[..., QuizApp], fake_runner: FakeRunner
) -> None:
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        # From a thread of its own, as the runner reports it (not joined: the report
        # waits for the app's loop, which this test is running).
        threading.Thread(target=fake_runner.kill_worker, daemon=True).start()
        await wait_for(pilot, lambda: notified(app, "had stopped"))


async def test_f12_opens_the_next_task_not_yet_passed(
    make_app: Callable[..., QuizApp], tmp_path: Path
) -> None:
    with ProgressStore(tmp_path / "progress.db") as store:
        for exercise in ("zeros-long", "randn-like"):
            store.record_attempt("pytorch60", exercise, Status.PASS, 0.1, "x", source="app")
    app = make_app("4")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("f12")
        assert app.current is not None and app.current.exercise.number == 5
        await pilot.press("ctrl+n", "f12")  # from 6: 7 is passed
        assert app.current.exercise.number == 8


async def test_a_bad_data_dir_names_where_it_was_set(
    make_app: Callable[..., QuizApp], tmp_path: Path
) -> None:
    app = make_app("4", data_dir=tmp_path / "no-cifar")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: notified(app, "--data-dir: "))
