"""The exam part of the workspace: entering an exam, its clock, handing in and grading.

The exam's rules (time per task, what is graded, the report) are core objects in
``core/state/exam_run.py`` and ``core/state/exam.py``; this base class of
:class:`~quiz_tui.screens.workspace.Workspace` only shows them.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.screen import Screen

from quiz_tui.core.messages import say

if TYPE_CHECKING:
    from quiz_tui.app import QuizApp
    from quiz_tui.core.content.packs import TaskRef
    from quiz_tui.core.model import Exercise
    from quiz_tui.core.state.exam import Exam, ExamPlan, ExamState, Report
    from quiz_tui.core.state.exam_run import ExamRun
    from quiz_tui.widgets.editor import CodeEditor
    from quiz_tui.widgets.header import StatusHeader
    from quiz_tui.widgets.result import ResultPanel


class ExamWorkspace(Screen[None]):
    """The workspace's exam actions; the workspace supplies its widgets and tasks."""

    if TYPE_CHECKING:
        current: TaskRef | None
        editor: CodeEditor
        header: StatusHeader
        result_panel: ResultPanel

        def open_task(self, ref: TaskRef) -> None: ...

        def save_draft(self) -> None: ...

    def __init__(self) -> None:
        super().__init__()
        self.exam_run: ExamRun | None = None
        """The exam in progress: its clock, time per task and grading (core, no Textual)."""
        self._opened_at: float | None = None
        self._ticker: Any = None

    @property
    def app(self) -> QuizApp:  # type: ignore[override]
        return cast("QuizApp", super().app)

    @property
    def exam(self) -> Exam | None:
        """The exam in progress, if any."""
        return self.exam_run.exam if self.exam_run is not None else None

    def _yes_no(self) -> tuple[str, str]:
        return (say(self.app.lang, "app.yes"), say(self.app.lang, "app.no"))

    # -- exams -------------------------------------------------------------------------------

    def action_start_exam(self) -> None:
        """Choose an exam in a small form, then see the rules before the clock starts."""
        if self.app.session is None or self.current is None or self.app.book is None:
            return
        if self.exam is not None:
            self.notify(say(self.app.lang, "app.exam-already-running"))
            return
        if (running := self.app.book.running()) is not None:  # put off with Escape at launch
            self.offer_resume(running)
            return
        from quiz_tui.screens.exam import ExamForm

        def chosen(exam_plan: ExamPlan | None) -> None:
            if exam_plan is not None:
                self.introduce_exam(exam_plan)

        self.app.push_screen(ExamForm(self.current.pack, self.app.lang), chosen)

    def introduce_exam(self, exam_plan: ExamPlan) -> None:
        from quiz_tui.screens.exam import ExamIntro

        def answered(start: bool | None) -> None:
            self.app.exam_plan = None
            if start and self.app.book is not None:
                self._enter_exam(self.app.book.start(exam_plan))

        self.app.push_screen(ExamIntro(exam_plan, self.app.lang), answered)

    def offer_resume(self, exam: Exam) -> None:
        from quiz_tui.screens.exam import ResumeExam

        def chosen(choice: str | None) -> None:
            if choice == "resume":
                self._enter_exam(exam)
            elif choice == "hand_in":
                self._enter_exam(exam, quiet=True)
                self._hand_in("timed_out" if exam.remaining(self.app.clock()) <= 0 else "handed_in")
            elif choice == "abandon" and self.app.book is not None:
                self.app.book.finish(exam, "abandoned")

        remaining = exam.remaining(self.app.clock())
        self.app.push_screen(ResumeExam(len(exam.exercise_ids), remaining, self.app.lang), chosen)

    def _enter_exam(self, exam: Exam, *, quiet: bool = False) -> None:
        from quiz_tui.core.content.packs import TaskRef
        from quiz_tui.core.state.exam import format_clock

        assert self.app.session is not None
        pack = self.app.session.library.pack(exam.pack)
        if pack is None:
            self.notify(
                say(self.app.lang, "app.exam-pack-not-loaded", pack=repr(exam.pack)),
                severity="error",
            )
            return
        refs = [TaskRef(pack, ex) for ex_id in exam.exercise_ids if (ex := pack.find(ex_id))]
        self.save_draft()
        self.account_time()
        from quiz_tui.core.state.exam_run import ExamRun

        assert self.app.book is not None
        self.exam_run = ExamRun(self.app.book, exam, self.app.clock)
        self.app.session.scope = exam.draft_scope
        self.app.session.limit = refs
        self.app.session.deadline = exam.deadline
        self.app.session.clock = self.app.clock
        self.current = None
        self.open_task(refs[0])
        # Resumed after the deadline (to hand in): nothing typed now would count.
        self.editor.read_only = exam.remaining(self.app.clock()) <= 0
        self.header.clock = format_clock(exam.remaining(self.app.clock()))
        self.show_exam_in_header()
        self.add_class("exam")
        if self._ticker is None:
            self._ticker = self.app.set_interval(1.0, self.tick)
        if not quiet:
            self.notify(say(self.app.lang, "app.exam-clock-started"))

    def show_exam_in_header(self) -> None:
        """Name the exam in the header, in the learner's language."""
        tasks = self.app.session.limit if self.app.session is not None else None
        if self.exam_run is not None and tasks is not None:
            self.header.exam = say(self.app.lang, "app.header-exam", tasks=len(tasks))

    def tick(self) -> None:
        """Once a second during an exam: the clock, the warnings, and time's up."""
        run = self.exam_run
        if run is None or run.grading:
            return
        now = run.tick()
        self.header.clock = now.clock
        self.header.clock_urgent = now.urgent
        if now.warning is not None:
            minutes = now.warning // 60
            left = "app.exam-minutes-left-other" if minutes > 1 else "app.exam-minutes-left-one"
            self.notify(
                say(self.app.lang, left, minutes=minutes),
                title=say(self.app.lang, "app.exam"),
                severity="warning",
                timeout=10,
            )
        if now.time_up:
            self._hand_in("timed_out")

    def action_hand_in(self) -> None:
        if self.exam is None:
            self.notify(say(self.app.lang, "app.no-exam-running"))
            return
        from quiz_tui.screens.confirm import Confirm

        def answered(yes: bool | None) -> None:
            if yes:
                self._hand_in("handed_in")

        question = say(self.app.lang, "app.hand-in-question")
        self.app.push_screen(Confirm(question, *self._yes_no()), answered)

    def action_abandon_exam(self) -> None:
        if self.exam is None:
            self.notify(say(self.app.lang, "app.no-exam-running"))
            return
        from quiz_tui.screens.confirm import Confirm

        def answered(yes: bool | None) -> None:
            if yes and self.exam_run is not None:
                self.exam_run.book.finish(self.exam_run.exam, "abandoned")
                self._leave_exam()

        question = say(self.app.lang, "app.abandon-question")
        self.app.push_screen(Confirm(question, *self._yes_no()), answered)

    def _hand_in(self, state: ExamState) -> None:
        """Stop editing, check every task as it stands, then show the report."""
        run = self.exam_run
        if run is None or run.grading:
            return
        run.grading = True
        self.save_draft()
        self.account_time()
        self.app.cancel_event.set()
        self.editor.read_only = True
        self.header.clock = "00:00" if state == "timed_out" else self.header.clock
        grading = (
            "app.exam-time-up-grading" if state == "timed_out" else "app.exam-handed-in-grading"
        )
        self.notify(say(self.app.lang, grading), title=say(self.app.lang, "app.exam"))
        self._grade(run, state)

    @work(thread=True, exclusive=True, group="grading", exit_on_error=False)
    def _grade(self, run: ExamRun, state: ExamState) -> None:
        from quiz_tui.core.execution.checking import CheckService
        from quiz_tui.core.state.exam import report

        session = self.app.session
        assert session is not None and session.limit is not None
        self.app.runner_ready.wait()
        assert self.app.runner is not None
        self.app.idle.wait()  # a cancelled check ends first

        def on_task(index: int, total: int, exercise: Exercise) -> None:
            self.app.call_from_thread(
                self.result_panel.show_progress,
                self.app.lang,
                (index - 1) / total,
                say(self.app.lang, "app.exam-grading-task", index=index, total=total,
                    number=exercise.number),
                [],
            )  # fmt: skip

        tasks = [(ref.exercise, partial(session.draft, ref, graded=True)) for ref in session.limit]
        finished = run.grade(CheckService(self.app.runner, self.app.lang), tasks, state, on_task)
        pack = session.library.pack(run.exam.pack)
        self.app.call_from_thread(self._show_report, report(run.book, finished, pack))

    def _show_report(self, exam_report: Report) -> None:
        from quiz_tui.screens.exam import ExamReportScreen

        self._leave_exam()
        self.app.push_screen(ExamReportScreen(exam_report, self.app.lang))

    def _leave_exam(self) -> None:
        self.exam_run = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.header.clock = ""
        self.header.clock_urgent = False
        self.header.exam = ""
        self.remove_class("exam")
        self.editor.read_only = False
        if self.app.session is not None:
            self.app.session.scope = ""
            self.app.session.limit = None
            self.app.session.deadline = None
            self.current = None
            ref = self.app.session.start_task()
            if ref is not None:
                self.open_task(ref)

    def account_time(self) -> None:
        """Add the time spent on the open exam task since it was opened."""
        now = self.app.clock()
        if self.exam_run is not None and self.current is not None and self._opened_at:
            self.exam_run.spend(self.current.exercise.id, self._opened_at, now)
        self._opened_at = now
