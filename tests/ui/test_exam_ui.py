"""A short exam through the Pilot, with an injected clock: the tests never sleep for time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from quiz_tui.app import QuizApp
from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.errors import ProgressStoreError
from quiz_tui.core.state.exam import ExamBook, plan
from quiz_tui.core.state.progress import ProgressStore
from quiz_tui.screens.exam import ExamForm, ExamIntro, ExamReportScreen, ResumeExam
from tests.ui.conftest import checked, notified, started, wait_for

PACK = load_builtin()
RIGHT_4 = "x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def begin_exam(pilot: Pilot[None], app: QuizApp) -> None:
    """Wait for the exam's intro screen and start the exam from it."""
    await started(pilot)
    await wait_for(pilot, lambda: isinstance(app.screen, ExamIntro))
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.exam is not None)


async def test_a_short_exam_with_warnings_and_automatic_hand_in(
    make_app: Callable[..., QuizApp], tmp_path: Path
) -> None:
    clock = FakeClock()
    app = make_app(None, exam_plan=plan(PACK, tasks="4-5", minutes=10), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await begin_exam(pilot, app)
        assert app.header.clock == "10:00"
        assert [r.exercise.number for r in app.session.all_tasks()] == [4, 5]  # type: ignore[union-attr]
        assert app.current is not None and app.current.exercise.number == 4
        assert app.editor.text.startswith("x = ...")  # exam drafts start from the starter

        # Locked: hints and tasks outside the exam; free: the exam's own tasks.
        await pilot.press("f7")
        await pilot.pause()
        assert notified(app, "Locked during the exam")
        app.workspace.open_task(app.session.library.resolve("23"))  # type: ignore[union-attr]
        assert app.current.exercise.number == 4
        await pilot.press("ctrl+n")
        assert app.current.exercise.number == 5
        await pilot.press("ctrl+n")
        assert app.current.exercise.number == 5  # the exam has no task after 5
        await pilot.press("ctrl+pageup")

        app.editor.load(RIGHT_4)
        await checked(pilot)
        assert "Passed" in str(app.result_panel.query_one("#verdict").render())

        clock.now += 5 * 60 + 1
        app.workspace.tick()
        await pilot.pause()
        assert notified(app, "5 minutes left")
        assert app.header.clock == "04:59"
        clock.now += 4 * 60
        app.workspace.tick()
        await pilot.pause()
        assert notified(app, "1 minute left")
        assert app.header.clock_urgent
        clock.now += 60
        app.workspace.tick()  # time is up: editing stops, every task is checked
        assert app.editor.read_only
        await wait_for(pilot, lambda: isinstance(app.screen, ExamReportScreen), timeout=60)
        report = app.screen.report  # type: ignore[attr-defined]
        assert (report.passed, len(report.tasks)) == (1, 2)
        assert report.exam.state == "timed_out"
        assert [t.checks for t in report.tasks] == [1, 0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.exam is None)
        assert not app.editor.read_only and app.header.clock == ""
    with ProgressStore(tmp_path / "progress.db") as store:
        # The exam's check is not practice progress.
        assert store.task_states("pytorch60") == {}


async def test_hidden_verdicts_and_handing_in_early(make_app: Callable[..., QuizApp]) -> None:
    clock = FakeClock()
    app = make_app(None, exam_plan=plan(PACK, tasks="4", minutes=5, feedback=False), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await begin_exam(pilot, app)
        app.editor.load("x = torch.zeros(5, 3)\n")
        await checked(pilot)
        assert "hidden during this exam" in str(app.result_panel.query_one("#body").render())
        assert str(app.result_panel.query_one("#verdict").render()).startswith("● Checked")
        assert "dtype" not in str(app.result_panel.query_one("#body").render())
        assert app.header.exam == "exam: 1 tasks"
        await pilot.press("f3")  # redrawing the verdict in Chinese keeps the details hidden
        assert "long" not in str(app.result_panel.query_one("#body").render())
        assert app.header.exam == "考试：1 题"  # the header follows the language too
        await app.workspace.run_action("hand_in")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ExamReportScreen), timeout=60)
        assert app.screen.report.exam.state == "handed_in"  # type: ignore[attr-defined]


async def test_an_exam_survives_quitting_and_resumes_with_wall_clock_time(
    make_app: Callable[..., QuizApp], tmp_path: Path
) -> None:
    clock = FakeClock()
    app = make_app(None, exam_plan=plan(PACK, tasks="4-5", minutes=10), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await begin_exam(pilot, app)
        app.editor.load("x = torch.zeros(5, 3)  # exam draft\n")
        await pilot.pause(0.6)
        await pilot.press("f10")
    clock.now += 3 * 60  # away for three minutes: the clock kept running
    again = make_app(None, clock=clock)
    async with again.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: isinstance(again.screen, ResumeExam))
        assert "07:00 left" in str(again.screen.query("Static").first().render())
        await pilot.press("r")
        await wait_for(pilot, lambda: again.exam is not None)
        assert again.header.clock == "07:00"
        assert "# exam draft" in again.editor.text
        await again.workspace.run_action("abandon_exam")
        await pilot.press("y")
        await wait_for(pilot, lambda: again.exam is None)
    with ProgressStore(tmp_path / "progress.db") as store:
        assert [e.state for e in ExamBook(store).history()] == ["abandoned"]


async def test_the_exam_form_validates_and_starts(make_app: Callable[..., QuizApp]) -> None:
    clock = FakeClock()
    app = make_app("4", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await app.workspace.run_action("start_exam")
        await wait_for(pilot, lambda: isinstance(app.screen, ExamForm))
        await pilot.press(*"1-x", "enter")
        await pilot.pause()
        assert "'1-x' is not a task number" in str(app.screen.query_one("#error").render())
        app.screen.query_one("#tasks").value = ""  # type: ignore[attr-defined]
        app.screen.query_one("#section").value = "numpy"  # type: ignore[attr-defined]
        app.screen.query_one("#minutes").value = "15"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExamIntro))
        assert [e.number for e in app.screen.plan.exercises] == [14, 15, 16, 17]  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.exam is not None)
        assert app.header.clock == "15:00"


async def test_resumed_after_the_deadline_grades_the_draft_saved_by_then(
    make_app: Callable[..., QuizApp], tmp_path: Path
) -> None:
    clock = FakeClock()
    on_time = "x = torch.zeros(5, 3)  # saved in time\n"
    app = make_app(None, exam_plan=plan(PACK, tasks="4", minutes=10), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await begin_exam(pilot, app)
        assert app.exam is not None
        exam_id, deadline = app.exam.id, app.exam.deadline
        app.editor.load(on_time)
        app.workspace.save_draft()
        await pilot.press("f10")
    # Another quiz-tui tries to save the exam's draft after the deadline (it would pass).
    with ProgressStore(tmp_path / "progress.db") as store:
        key = PACK.find("4").draft_key  # type: ignore[union-attr]
        with pytest.raises(ProgressStoreError, match="time is up"):
            store.save_draft(PACK.id, key, RIGHT_4, scope=f"exam:{exam_id}", at=deadline + 60)
    clock.now = deadline + 120
    again = make_app(None, clock=clock)
    async with again.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: isinstance(again.screen, ResumeExam))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(again.screen, ExamReportScreen), timeout=60)
        report = again.screen.report  # type: ignore[attr-defined]
        assert [t.code for t in report.tasks] == [on_time]
        assert report.passed == 0 and report.exam.state == "timed_out"
