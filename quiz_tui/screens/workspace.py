"""The workspace: task list, prompt, editor and verdicts, and everything done on them.

The app (``app.py``) loads packs, starts the runner and owns what every screen
shares (session, language, runner, exam book, clock); this screen holds the
learner's work on the open task: drafts, checks, hints, navigation and exams.
Its actions are bound here, so any dialog pushed on top blocks them by itself.

Its exam part (entering, the clock, handing in, grading) is in ``workspace_exam.py``.
About 600 lines: the rest is one screen's handlers for one open task (drafts, checks
and their re-check in the other language, hints, navigation, toggles, $EDITOR), which
share its state; splitting them further would spread that state over several classes.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical

from quiz_tui.actions import bindings
from quiz_tui.core.execution.timing import mark
from quiz_tui.core.messages import next_language, say
from quiz_tui.marks import verdict_words
from quiz_tui.messages import (
    BrokenTaskChosen,
    CheckFinished,
    CheckProgressed,
    CodeSubmitted,
    DraftEdited,
    TaskChosen,
    TaskListDismissed,
)
from quiz_tui.screens.workspace_exam import ExamWorkspace
from quiz_tui.widgets.editor import CodeEditor
from quiz_tui.widgets.header import StatusHeader
from quiz_tui.widgets.keybar import KeyBar
from quiz_tui.widgets.prompt import PromptView
from quiz_tui.widgets.result import ResultPanel
from quiz_tui.widgets.task_list import TaskList

if TYPE_CHECKING:
    from textual.theme import Theme
    from textual.timer import Timer

    from quiz_tui.core.content.packs import TaskRef
    from quiz_tui.core.model import Lang, Result
    from quiz_tui.core.state.progress import TaskStatus

DRAFT_PAUSE = 0.4
"""Seconds of quiet typing after which the draft is saved."""
DRAFT_MAX_DELAY = 1.0
"""Longest a change waits before it is saved, even while typing goes on."""
NARROW = 100
RUNNING_DELAY = 0.15
"""Seconds before "Checking…" is drawn: a quicker verdict is the only change on screen,
drawn in one refresh, with no redraw of its own in the way of the job's hand-off."""
TRANSLATE_MAX_SECONDS = 10.0
"""A verdict is re-checked in the other language after F3 only if its check was this quick."""


class Workspace(ExamWorkspace):
    """Read a task, write code, check it, see what is wrong."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings("workspace"))

    def __init__(self) -> None:
        super().__init__()
        self.current: TaskRef | None = None
        self._last_result: Result | None = None
        self._last_job: tuple[str, str, Lang] | None = None
        """Mode, code and language of the check behind ``_last_result``."""
        self._translating: Lang | None = None
        self._running_timer: Timer | None = None
        self._show_running: Callable[[], None] = lambda: None
        """Set while the last check runs again, unrecorded, for its words in this language."""
        self._saved_code: str | None = None
        self._dirty_since: float | None = None
        self._save_timer: Any = None
        self._losses: list[float] = []
        self.show_tasks: bool | None = None
        """None until the learner toggles the list; then their choice wins over width."""

    @property
    def last_result(self) -> Result | None:
        """The verdict the result panel shows for the open task, if any."""
        return self._last_result

    # -- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Kept as attributes: the app calls down into them, and the editor's text is
        # still needed while the app shuts down, after the widgets are unmounted.
        self.header = StatusHeader(id="header")
        self.task_list = TaskList(id="tasks")
        self.prompt = PromptView(id="prompt")
        self.editor = CodeEditor(id="editor")
        self.result_panel = ResultPanel(id="result")
        self.keybar = KeyBar()
        yield self.header
        with Horizontal(id="workspace"):
            yield self.task_list
            with Vertical(id="main"):
                yield self.prompt
                yield self.editor
                yield self.result_panel
        yield self.keybar

    def on_mount(self) -> None:
        app = self.app
        self.follow_theme(app.current_theme)
        self.keybar.lang = app.lang
        self.result_panel.show_idle(app.lang)
        self.header.pack = say(app.lang, "app.loading")
        self.layout_for(app.size.width, app.size.height)

    def follow_theme(self, theme: Theme) -> None:
        """Syntax colours to suit the theme: the editor's and the setup code's."""
        self.editor.theme = "monokai" if theme.dark else "github_light"
        self.prompt.use_code_theme("monokai" if theme.dark else "friendly")

    def layout_for(self, width: int, height: int) -> None:
        screen = self
        narrow = width < NARROW
        screen.set_class(narrow, "narrow")
        screen.set_class(not narrow, "wide")
        screen.set_class(height >= 36, "tall")
        if self.show_tasks is None:
            screen.set_class(False, "show-tasks")
            screen.set_class(False, "hide-tasks")

    def switch_pack(self, pack_id: str) -> None:
        """Open a pack at its first task not yet passed."""
        if self.app.session is None:
            return
        pack = self.app.session.library.pack(pack_id)
        if pack is None or not len(pack):
            return
        from quiz_tui.core.content.packs import TaskRef

        states = self.app.session.states(pack)
        first = next(
            (ex for ex in pack if states.get(ex.id) is None or states[ex.id].status != "passed"),
            pack.exercises[0],
        )
        self.open_task(TaskRef(pack, first))

    def on_broken_task_chosen(self, message: BrokenTaskChosen) -> None:
        """A file that failed to load: show why, and keep everything else working."""
        problems = "\n".join(str(p) for p in message.broken.problems)
        self.result_panel.show_problems(
            say(self.app.lang, "app.broken-file", file=message.broken.path.name), problems
        )
        self._give_result_room(True)

    # -- opening tasks ---------------------------------------------------------------

    def open_task(self, ref: TaskRef) -> None:
        """Show a task with its draft (or starter), and put the cursor in the editor."""
        if self.app.session is None:
            return
        if not self.app.session.allowed(ref):
            self.notify(say(self.app.lang, "app.exam-tasks-only"), severity="warning")
            return
        if self.current is not None:
            self.save_draft()
            self.account_time()
        self.current = ref
        self._opened_at = self.app.clock()
        session = self.app.session
        session.opened(ref)
        code = session.draft(ref)
        editor = self.editor
        editor.load(code)
        self._saved_code = code
        self._dirty_since = None
        self.prompt.show(ref.exercise, self.app.lang, session.shown_hints(ref))
        self._last_result = None
        self._last_job = None
        self._give_result_room(False)
        if not self.app.checking:
            self.result_panel.show_idle(self.app.lang)
        self.refresh_progress()
        editor.focus()
        if self.has_class("narrow") and self.show_tasks:
            self.show_tasks = False
            self.set_class(False, "show-tasks")

    def on_task_chosen(self, message: TaskChosen) -> None:
        self.open_task(message.ref)

    def on_task_list_dismissed(self, message: TaskListDismissed) -> None:
        """Escape in the list: an overlay (narrow screens) closes; the code gets focus."""
        if self.has_class("narrow") and self.has_class("show-tasks"):
            self.show_tasks = False
            self.set_class(False, "show-tasks")
        self.editor.focus()

    def refresh_progress(self) -> None:
        from quiz_tui.core.state.session import Session

        if self.app.session is None or self.current is None:
            return
        session, pack = self.app.session, self.current.pack
        by_pack = {p.id: session.states(p) for p in session.library.packs}
        sections = session.progress(pack, by_pack.get(pack.id))
        header = self.header
        header.pack = pack.name.get(self.app.lang)
        header.total = Session.totals(sections)[1]
        # ✓ and ◐ as the task list marks them: a task solved after seeing the solution
        # is not counted among the ones passed on the learner's own.
        marks = [st.status for st in by_pack.get(pack.id, {}).values()]
        header.passed = marks.count("passed")
        header.with_solution = marks.count("solution")
        header.sections = "  ".join(
            f"{s.title.split(' ', 1)[0]} {s.passed}/{s.total}" for s in sections
        )
        states = {
            (pack_id, ex_id): st.status
            for pack_id, pack_states in by_pack.items()
            for ex_id, st in pack_states.items()
        }
        if self.exam is not None:
            states = self._exam_states()
        broken = (
            []
            if session.limit is not None
            else [(p.id, b) for p in session.library.packs for b in p.broken]
        )
        self.task_list.show(session.all_tasks(), states, self.app.lang, self.current, broken)
        if session.save_error:
            self.notify(session.save_error, severity="error", timeout=15)
            session.save_error = None

    def _exam_states(self) -> dict[tuple[str, str], TaskStatus]:
        """The task list's marks during an exam: this exam's checks, not practice."""
        return self.exam_run.states() if self.exam_run is not None else {}

    def _give_result_room(self, grown: bool) -> None:
        """After a check the verdict gets half the height; typing gives it back.

        Inline styles, not a CSS class: a class change restyles the panels' every
        descendant (the prompt's Markdown has dozens), about 40 ms between the
        verdict's arrival and its frame. Clearing them gives the stylesheet back.
        """
        self.result_panel.styles.height = "50%" if grown else None
        self.prompt.styles.height = "25%" if grown else None

    # -- drafts ---------------------------------------------------------------------

    def on_draft_edited(self, message: DraftEdited) -> None:
        if self.editor.text != self._saved_code:
            self._give_result_room(False)
        now = time.monotonic()
        if self._dirty_since is None:
            self._dirty_since = now
        if self._save_timer is not None:
            self._save_timer.stop()
        if now - self._dirty_since >= DRAFT_MAX_DELAY:
            self.save_draft()
        else:
            self._save_timer = self.app.set_timer(DRAFT_PAUSE, self.save_draft)

    def save_draft(self) -> None:
        self._dirty_since = None
        if self.app.session is None or self.current is None:
            return
        code = self.editor.text
        if code == self._saved_code:
            return
        if self.app.session.save_draft(self.current, code):
            self._saved_code = code
        elif self.app.session.save_error:
            self.notify(self.app.session.save_error, severity="error", timeout=15)
            self.app.session.save_error = None

    # -- checking ---------------------------------------------------------------------

    def action_check(self) -> None:
        mark("ui: check key")
        self.editor.submit("check")

    def action_run(self) -> None:
        self.editor.submit("run")

    def on_code_submitted(self, message: CodeSubmitted) -> None:
        self._start_job(message.mode, message.code)

    def _start_job(self, mode: str, code: str, *, translate: bool = False) -> None:
        """Start a check or run; ``translate`` re-runs the last one quietly after F3."""
        if self.current is None or self.app.session is None:
            return
        if self.app.checking:
            self.notify(say(self.app.lang, "app.check-already-running"))
            return
        self.app.checking = mode
        self.app.cancel_event = threading.Event()
        self._losses = []
        warm = self.app.runner is not None and self.app.runner.worker_pid is not None
        self._run_job(self.current, code, mode, self.app.lang, self.app.cancel_event)
        mark("ui: check handed to its thread")
        # After the hand-off, and only if the check is still running a moment later:
        # nothing (a redraw, the draft's SQLite write) stands between the key and the job.
        if translate:
            self._translating = self.app.lang
        else:
            self._show_running = lambda: self._say_running(mode, warm)
            self._running_timer = self.set_timer(RUNNING_DELAY, self._show_running)
        self.call_later(self.save_draft)

    def _say_running(self, mode: str, warm: bool) -> None:
        """Say a check is running (and F9 cancels it), once, before any progress."""
        if self._running_timer is not None:
            self._running_timer.stop()
            self._running_timer = None
        if self.app.checking:
            self.result_panel.show_running(self.app.lang, mode, warm)
            self.keybar.checking = True
            self.refresh_bindings()

    # A fixed description: by default Textual repr()s the arguments (the whole exercise),
    # about 8 ms between F5 and the job's hand-off.
    @work(thread=True, exclusive=True, group="checks", exit_on_error=False, description="check")
    def _run_job(
        self, ref: TaskRef, code: str, mode: str, lang: Lang, cancel: threading.Event
    ) -> None:
        """Check (or run) through the one check service; the verdict comes back as a message
        and is recorded on the UI thread, where the exam or practice decides how."""
        from quiz_tui.core.execution.checking import CheckService

        mark("ui: check thread running")
        self.app.runner_ready.wait()
        assert self.app.runner is not None

        def forward(event: dict[str, Any]) -> None:
            self.post_message(CheckProgressed(event))

        service = CheckService(self.app.runner, lang)
        result = service.check(
            ref.exercise, code, mode=cast(Any, mode), on_event=forward, cancel=cancel
        )
        mark("ui: verdict back in the check thread")
        self.post_message(CheckFinished(ref, code, result, mode))

    def on_check_progressed(self, message: CheckProgressed) -> None:
        event = message.event
        if event.get("type") != "progress" or not self.app.checking:
            return
        if self._running_timer is not None:
            self._show_running()
        if "loss" in event:
            self._losses.append(float(event["loss"]))
        self.result_panel.show_progress(
            self.app.lang, float(event.get("fraction", 0.0)), str(event.get("text", "")),
            self._losses,
        )  # fmt: skip

    def on_check_finished(self, message: CheckFinished) -> None:
        mark("ui: verdict message handled")
        if self._running_timer is not None:
            self._running_timer.stop()
            self._running_timer = None
        self.app.checking = ""
        if self._translating is not None:
            self._translated(message)
            return
        # Recorded right after the verdict's frame: neither the SQLite write nor the
        # task list's marks delay it.
        self.call_after_refresh(self._record, message)
        if self.current is None or message.ref.exercise.id != self.current.exercise.id:
            verdict = (
                say(self.app.lang, "app.checked")
                if self._details_hidden  # no verdict in any channel
                else verdict_words(message.result.status.value, self.app.lang)
            )
            self.notify(
                f"{message.ref.exercise.number}: {verdict}",
                title=say(self.app.lang, "app.check-finished"),
            )
            return
        from quiz_tui.core.model import Status

        self._last_result = message.result
        self._last_job = (message.mode, message.code, self.app.lang)
        self.result_panel.show(message.result, self.app.lang, hide_details=self._details_hidden)
        self._give_result_room(True)
        mark("ui: verdict laid out")
        if (
            not self._details_hidden
            and message.result.line is not None
            and message.result.status
            in (
                Status.ERROR,
                Status.TIMEOUT,
            )
        ):
            self.editor.show_line(message.result.line)

    def _record(self, message: CheckFinished) -> None:
        """The attempt goes to the exam or the practice record, then the marks update."""
        mark("ui: after the verdict's frame, recording")
        if self.exam_run is not None:
            run = self.exam_run
            run.book.record_check(run.exam, message.ref.exercise.id, message.code, message.result)
        elif self.app.session is not None:
            self.app.session.record(message.ref, message.result, message.code)
        self.refresh_progress()

    def _translate_verdict(self) -> None:
        """After F3: the verdict's own words come from the checker in one language, so
        check the same code again, without recording it, to get them in the other.

        Only for quick checks of code still in the editor; a slow one (training) keeps
        its words and says that F5 checks again.
        """
        job, result = self._last_job, self._last_result
        if job is None or result is None or self._details_hidden or job[2] == self.app.lang:
            return
        mode, code, _ = job
        if self.current is None or code != self.editor.text or self.app.checking:
            return
        if result.seconds > TRANSLATE_MAX_SECONDS:
            self.notify(say(self.app.lang, "app.verdict-changes-at-next-check"))
            return
        self._start_job(mode, code, translate=True)

    def _translated(self, message: CheckFinished) -> None:
        wanted, self._translating = self._translating, None
        from quiz_tui.core.model import Status

        if (
            self.current is None
            or message.ref.exercise.id != self.current.exercise.id
            or message.result.status is Status.CANCELLED
        ):
            return
        self._last_result = message.result
        self._last_job = (message.mode, message.code, wanted or self.app.lang)
        self.result_panel.show(message.result, self.app.lang, hide_details=self._details_hidden)
        if wanted != self.app.lang:  # F3 again while it ran
            self._translate_verdict()

    @property
    def _details_hidden(self) -> bool:
        """In an exam without feedback a verdict shows no checks, output or traceback."""
        return self.exam_run is not None and self.exam_run.details_hidden

    # -- learning aids ---------------------------------------------------------------

    def _locked(self) -> bool:
        if self.exam is None:
            return False
        self.notify(say(self.app.lang, "app.locked-in-exam"), severity="warning")
        return True

    def action_hint(self) -> None:
        if self.app.session is None or self.current is None or self._locked():
            return
        ref = self.current
        hint = self.app.session.next_hint(ref)
        if hint is None:
            self.notify(say(self.app.lang, "app.last-hint"))
            return
        self.prompt.show_hints(self.app.session.shown_hints(ref), self.app.lang)

    def action_show_solution(self) -> None:
        if self.current is None or self._locked():
            return
        ref = self.current
        question = say(self.app.lang, "app.show-solution-question")

        def answered(yes: bool | None) -> None:
            if yes and self.app.session is not None and self.current is ref:
                self.app.session.solution_shown(ref)
                editor = self.editor
                editor.replace(ref.exercise.solution.lstrip("\n"), (0, 0), editor.document.end)
                self.save_draft()
                self.refresh_progress()

        from quiz_tui.screens.confirm import Confirm

        self.app.push_screen(Confirm(question, *self._yes_no()), answered)

    def action_reset(self) -> None:
        if self.current is None:
            return
        ref = self.current
        question = say(self.app.lang, "app.reset-question")

        def answered(yes: bool | None) -> None:
            if yes and self.app.session is not None and self.current is ref:
                editor = self.editor
                editor.replace_all(self.app.session.reset_draft(ref))
                self._saved_code = editor.text

        from quiz_tui.screens.confirm import Confirm

        self.app.push_screen(Confirm(question, *self._yes_no()), answered)

    # -- navigation --------------------------------------------------------------------

    def action_next_task(self) -> None:
        self._step(1)

    def action_previous_task(self) -> None:
        self._step(-1)

    def action_next_unsolved(self) -> None:
        """The next task not yet passed, after the open one (wrapping round)."""
        if self.app.session is None:
            return
        target = self.app.session.next_unsolved(self.current)
        if target is None:
            self.notify(say(self.app.lang, "app.all-solved"))
        elif self.current is None or target.exercise.id != self.current.exercise.id:
            self.open_task(target)

    def _step(self, step: int) -> None:
        if self.app.session is None or self.current is None:
            return
        target = self.app.session.neighbour(self.current, step)
        if target is not None:
            self.open_task(target)

    def action_toggle_tasks(self) -> None:
        screen = self
        if screen.has_class("narrow"):
            visible = not screen.has_class("show-tasks")
            screen.set_class(visible, "show-tasks")
        else:
            visible = screen.has_class("hide-tasks")
            screen.set_class(not visible, "hide-tasks")
        self.show_tasks = visible
        if visible:
            self.query_one("#task-filter").focus()
        else:
            self.editor.focus()

    def action_toggle_lang(self) -> None:
        self.app.lang = next_language(self.app.lang)
        self.keybar.lang = self.app.lang
        if self.app.session is not None:
            self.app.session.lang = self.app.lang
        if self.current is not None:
            ref = self.current
            self.prompt.show(
                ref.exercise,
                self.app.lang,
                self.app.session.shown_hints(ref) if self.app.session else [],
            )
        panel = self.result_panel
        if self.app.checking:
            # A running check keeps its banner until the verdict, said again in this
            # language once shown (still pending, it will be said in this one).
            if self._running_timer is None and self._translating is None:
                self._show_running()
        elif self._last_result is not None:
            panel.show(self._last_result, self.app.lang, hide_details=self._details_hidden)
            self._translate_verdict()
        else:
            panel.show_idle(self.app.lang)
        if self.app.data is not None:
            self.header.dataset = self.app.data.short(self.app.lang)
        self.show_exam_in_header()
        self.refresh_progress()

    def action_progress(self) -> None:
        if self.app.session is None or self.current is None:
            return
        pack = self.current.pack
        from quiz_tui.screens.progress import ProgressScreen

        title = say(self.app.lang, "app.progress-title", pack=pack.name.get(self.app.lang))
        self.app.push_screen(ProgressScreen(title, self.app.session.progress(pack), self.app.lang))

    # -- leaving the app for a moment --------------------------------------------------------

    def action_external_editor(self) -> None:
        if self.current is None:
            return
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        argv = shlex.split(command)
        if not argv or shutil.which(argv[0]) is None:
            self.notify(
                say(self.app.lang, "app.editor-not-found", command=repr(command)), severity="error"
            )
            return
        self.save_draft()
        editor = self.editor
        with tempfile.NamedTemporaryFile(
            "w", suffix=f"_task{self.current.exercise.number}.py", delete=False, encoding="utf-8"
        ) as f:
            f.write(editor.text)
            path = Path(f.name)
        try:
            with self.app.suspend():
                subprocess.run([*argv, str(path)], check=False)
            code = path.read_text("utf-8")
        except SuspendNotSupported:
            self.notify(say(self.app.lang, "app.cannot-suspend"), severity="error")
            return
        except (OSError, UnicodeDecodeError) as exc:
            self.notify(str(exc), severity="error")
            return
        finally:
            path.unlink(missing_ok=True)
        if code != editor.text:
            editor.replace(code, (0, 0), editor.document.end)
        self.save_draft()
        self.action_check()

    def action_view_image(self) -> None:
        result = self._last_result
        if result is None or not result.images:
            self.notify(say(self.app.lang, "app.no-image-yet"))
            return
        from quiz_tui import graphics

        protocol = graphics.detect()
        if protocol is None:
            self.notify(say(self.app.lang, "app.no-graphics"))
            return
        sequence = graphics.encode(result.images[-1], protocol)
        with contextlib.suppress(SuspendNotSupported), self.app.suspend():
            sys.stdout.write(
                "\n" + sequence + "\n\n" + say(self.app.lang, "app.press-enter-to-go-back")
            )
            sys.stdout.flush()
            with contextlib.suppress(EOFError):
                input()
