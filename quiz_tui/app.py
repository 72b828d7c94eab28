"""The quiz-tui app: config, themes, packs and the runner; the work itself is on
the :class:`~quiz_tui.screens.workspace.Workspace` screen.

The first screen paints before anything slow happens: packs and progress
load in a thread, and the warm worker (which imports torch in its own
process) starts in another. Checks run in a Textual worker thread, so the
interface never waits for them.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.events import Resize
from textual.reactive import reactive
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from quiz_tui.actions import bindings
from quiz_tui.core.messages import say
from quiz_tui.core.state.config import load_config
from quiz_tui.messages import WorkerReady
from quiz_tui.screens.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from textual.screen import Screen

    from quiz_tui.core.content.packs import Library, TaskRef
    from quiz_tui.core.execution.runner import Runner
    from quiz_tui.core.model import Lang, Pack, Result
    from quiz_tui.core.state.data import DataSource
    from quiz_tui.core.state.exam import Exam, ExamBook, ExamPlan
    from quiz_tui.core.state.progress import ProgressStore
    from quiz_tui.core.state.session import Session
    from quiz_tui.widgets.editor import CodeEditor
    from quiz_tui.widgets.header import StatusHeader
    from quiz_tui.widgets.keybar import KeyBar
    from quiz_tui.widgets.prompt import PromptView
    from quiz_tui.widgets.result import ResultPanel
    from quiz_tui.widgets.task_list import TaskList

# The engine (packs, progress, runner) is imported where it is first used, in the
# start-up threads: the first frame needs none of it (see bench/ui.py).


def _action_commands() -> type:
    from quiz_tui.commands import ActionCommands

    return ActionCommands


def _task_commands() -> type:
    from quiz_tui.commands import TaskCommands

    return TaskCommands


def _pack_commands() -> type:
    from quiz_tui.commands import PackCommands

    return PackCommands


class QuizApp(App[None]):
    """Practise PyTorch: read a task, write code, check it, see what is wrong."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses find it too
    TITLE = "quiz-tui"
    COMMANDS = App.COMMANDS | {_action_commands, _task_commands, _pack_commands}
    ENABLE_COMMAND_PALETTE = True

    checking: reactive[str] = reactive("", init=False)
    """The mode ("check" or "run") of the job running now; empty when none runs."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings("app"))

    def __init__(
        self,
        *,
        packs: tuple[Path, ...] = (),
        lang: Lang | None = None,
        device: str | None = None,
        data_dir: Path | None = None,
        start_task: str | None = None,
        runner: Runner | None = None,
        store_path: Path | None = None,
        exam_plan: ExamPlan | None = None,
        clock: Callable[[], float] = time.time,
        trust: bool = False,
    ) -> None:
        super().__init__()
        self.trust = trust
        """--trust: use every pack given without asking."""
        config = load_config()
        self.lang: Lang = lang or config.lang
        self.device = device or config.device
        self.pack_dirs = packs
        self.data_dir = data_dir or config.data_dir
        self.data_origin = "--data-dir" if data_dir else config.origins.get("data_dir", "default")
        """Where ``data_dir`` was set (flag, environment, config line), for its errors."""
        self.start_task = start_task
        self.store_path = store_path
        self.session: Session | None = None
        self.runner: Runner | None = runner
        self._owns_runner = runner is None
        self.runner_ready = threading.Event()
        """Set once ``runner`` exists (checks started early wait for it)."""
        self.cancel_event = threading.Event()
        """Set to cancel the running check; a new one is made for each check."""
        self._notices: list[str] = list(config.problems)
        self._saved_theme = config.theme
        self.data: DataSource | None = None
        self.exam_plan = exam_plan
        self.clock = clock
        """Wall-clock time for exams (injected in tests, which never sleep)."""
        self.book: ExamBook | None = None
        self.workspace = Workspace()
        """The main screen: the learner's work on the open task."""
        self.idle = threading.Event()
        """Set while no check runs (grading waits on it for a cancelled check to end)."""
        self.idle.set()

    def get_default_screen(self) -> Workspace:
        return self.workspace

    # The workspace's state under the names tests and the palette have always used.

    @property
    def current(self) -> TaskRef | None:
        """The open task."""
        return self.workspace.current

    @property
    def last_result(self) -> Result | None:
        """The verdict the result panel shows for the open task, if any."""
        return self.workspace.last_result

    @property
    def exam(self) -> Exam | None:
        """The exam in progress, if any."""
        return self.workspace.exam

    @property
    def editor(self) -> CodeEditor:
        return self.workspace.editor

    @property
    def header(self) -> StatusHeader:
        return self.workspace.header

    @property
    def prompt(self) -> PromptView:
        return self.workspace.prompt

    @property
    def result_panel(self) -> ResultPanel:
        return self.workspace.result_panel

    @property
    def task_list(self) -> TaskList:
        return self.workspace.task_list

    @property
    def keybar(self) -> KeyBar:
        return self.workspace.keybar

    def watch_checking(self, checking: str) -> None:
        if checking:
            self.idle.clear()
        else:
            self.idle.set()
        if not checking:  # shown by the workspace once a check takes a moment
            self.keybar.checking = False
            self.refresh_bindings()

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self._saved_theme and self._saved_theme != self.theme:
            if self._saved_theme in self.available_themes:
                self.theme = self._saved_theme
            else:
                self._notices.append(
                    say(self.lang, "app.theme-not-available", theme=repr(self._saved_theme))
                )
        # Start the loading threads once the first frame is out: they would otherwise
        # compete with it for the interpreter (see bench/ui.py).
        self.call_after_refresh(self._start_background)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own palette entries (theme, keys, screenshot…), in the app's language."""
        from quiz_tui.commands import in_language

        return in_language(super().get_system_commands(screen), self.lang)

    # -- themes ------------------------------------------------------------------------

    def _theme_changed(self, theme: Theme) -> None:
        """Ctrl+P → Theme: the code follows the theme, and the choice is kept for next time."""
        if self.workspace.is_mounted:  # else its on_mount follows the theme
            self.workspace.follow_theme(theme)
        if theme.name != self._saved_theme:
            from quiz_tui.core.state.config import save_config_value

            try:
                save_config_value("theme", theme.name)
                self._saved_theme = theme.name
            except OSError as exc:
                self.notify(say(self.lang, "app.theme-not-saved", error=exc), severity="warning")

    def _start_background(self) -> None:
        self._load()
        self._start_worker()

    def on_resize(self, event: Resize) -> None:
        # The workspace's, even while a dialog is on top.
        self.workspace.layout_for(event.size.width, event.size.height)

    # -- start-up in the background ------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        """Read packs and progress off the UI thread (the first paint does not wait)."""
        from quiz_tui.core.content.packs import Library
        from quiz_tui.core.errors import ProgressStoreError, QuizError
        from quiz_tui.core.state.progress import ProgressStore
        from quiz_tui.core.state.session import Session

        notices: list[str] = []
        store: ProgressStore | None = None
        try:
            store = ProgressStore(self.store_path)
            store.on_notice = self._store_notice
            if store.notice:
                notices.append(store.notice)
        except ProgressStoreError as exc:
            notices.append(say(self.lang, "app.progress-not-saved", error=exc))
        pending: list[tuple[Pack, str]] = []
        library = Library.load(self.pack_dirs, allow=self._trust_rule(store, pending))
        notices += [str(e) for e in library.errors]
        session = Session(library, store, self.lang)
        try:
            ref = session.start_task(self.start_task)
        except QuizError as exc:
            notices.append(str(exc))
            ref = session.first_task()
        if store is not None:
            from quiz_tui.core.state.exam import ExamBook

            try:
                self.book = ExamBook(store, self.clock)
            except ProgressStoreError as exc:
                notices.append(str(exc))
        self.call_from_thread(self._loaded, session, ref, notices, pending)

    def _store_notice(self, message: str) -> None:
        """The progress file was deleted or replaced and has been recreated: say so.

        Called from whichever thread was writing; ``notify`` only posts a message.
        """
        self.notify(message, severity="warning", timeout=30)

    def _loaded(
        self,
        session: Session,
        ref: TaskRef | None,
        notices: list[str],
        pending: list[tuple[Pack, str]],
    ) -> None:
        self.session = session
        for notice in [*self._notices, *notices]:
            self.notify(notice, severity="warning", timeout=15)
        if ref is None:
            self.result_panel.show_idle(self.lang)
            self.notify(say(self.lang, "app.no-tasks"), severity="error")
            return
        self.workspace.open_task(ref)
        self._ask_trust(pending)
        if self.exam_plan is not None:
            self.workspace.introduce_exam(self.exam_plan)
        elif self.book is not None and (running := self.book.running()) is not None:
            self.workspace.offer_resume(running)

    # -- packs: trust, reloading, switching ------------------------------------------------

    def _trust_rule(
        self, store: ProgressStore | None, pending: list[tuple[Pack, str]]
    ) -> Callable[[Pack, str], bool]:
        """Which packs from folders may load now; unknown ones wait for the learner's answer."""

        from quiz_tui.core.content.packs import trust_decision

        def allow(pack: Pack, origin: str) -> bool:
            decision = trust_decision(pack, store, force=self.trust)
            if decision is None:
                pending.append((pack, origin))
                return False
            return decision

        return allow

    def _ask_trust(self, pending: list[tuple[Pack, str]]) -> None:
        """Ask once per new pack folder whether its checks may run here."""
        if not pending:
            return
        from quiz_tui.screens.confirm import Confirm

        pack, origin = pending[0]
        rest = pending[1:]
        name = repr(pack.name.get(self.lang))
        question = say(
            self.lang,
            "app.trust-question",
            name=name,
            tasks=len(pack),
            root=pack.root,
            origin=origin,
        )

        def answered(yes: bool | None) -> None:
            session = self.session
            if session is not None and session.store is not None:
                session.store.set_trust(pack.root, pack.id, bool(yes))
            if yes and session is not None and session.library.pack(pack.id) is None:
                session.library.packs.append(pack)
                self.workspace.refresh_progress()
                self.notify(say(self.lang, "app.trust-added", name=name))
            self._ask_trust(rest)

        self.push_screen(
            Confirm(
                question,
                say(self.lang, "app.trust-yes"),
                say(self.lang, "app.trust-no"),
            ),
            answered,
        )

    def action_reload_packs(self) -> None:
        """Read every pack folder again (after editing exercise files)."""
        if self.session is None:
            return
        self.workspace.save_draft()
        self._reload()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _reload(self) -> None:
        from quiz_tui.core.content.packs import Library

        session = self.session
        assert session is not None
        pending: list[tuple[Pack, str]] = []
        library = Library.load(self.pack_dirs, allow=self._trust_rule(session.store, pending))
        self.call_from_thread(self._reloaded, library, pending)

    def _reloaded(self, library: Library, pending: list[tuple[Pack, str]]) -> None:
        from quiz_tui.core.errors import UnknownTaskError

        session = self.session
        assert session is not None
        session.library = library
        broken = sum(len(p.broken) for p in library.packs)
        for error in library.errors:
            self.notify(str(error), severity="error", timeout=15)
        current = self.workspace.current
        self.workspace.current = None
        target = None
        if current is not None:
            try:
                target = library.resolve(f"{current.pack.id}:{current.exercise.id}")
            except UnknownTaskError:
                target = None
        target = target or session.first_task()
        if target is not None:
            self.workspace.open_task(target)
        tasks = sum(len(p) for p in library.packs)
        self.notify(
            say(self.lang, "app.reloaded", packs=len(library.packs), tasks=tasks, broken=broken),
            severity="warning" if broken else "information",
        )
        self._ask_trust(pending)

    @work(thread=True, exclusive=True, group="worker", exit_on_error=False)
    def _start_worker(self) -> None:
        """Start the warm worker so that the first check is fast; find the device."""
        from quiz_tui.core.errors import QuizError
        from quiz_tui.core.execution.runner import Runner
        from quiz_tui.core.state import paths
        from quiz_tui.core.state.data import DataError
        from quiz_tui.core.state.data import resolve as resolve_data

        try:
            self.data = resolve_data(self.data_dir, origin=self.data_origin)
        except DataError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error", timeout=15)
            self.data = resolve_data(None)
        if self.runner is None:
            paths.ensure(paths.cache_dir())
            self.runner = Runner(
                device=cast(Any, self.device),
                data=self.data,
                log_path=paths.cache_dir() / "worker.log",
            )
        self.runner.worker_exit_listeners.append(self._worker_died)
        self.runner.start()
        self.runner_ready.set()
        label = "CPU"
        if self.runner.wait_ready():
            try:
                info = self.runner.probe()
                if info.get("cuda") and self.device != "cpu":
                    label = f"CUDA: {info.get('cuda_name', 'GPU')}"
            except QuizError:
                label = "CPU"
        self.post_message(WorkerReady(label))

    def _worker_died(self) -> None:
        """Called from the runner's thread when the warm worker exits unexpectedly."""
        if self.is_running:
            self.call_from_thread(
                self.notify,
                say(self.lang, "app.worker-restarted"),
                severity="warning",
            )

    def on_worker_ready(self, message: WorkerReady) -> None:
        header = self.header
        header.device = message.device
        if self.data is not None:
            header.dataset = self.data.short(self.lang)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where a failing background job becomes a visible message."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "checks":
            self.checking = ""
        self.notify(
            f"{type(error).__name__}: {error}",
            title=say(self.lang, "app.something-went-wrong"),
            severity="error",
            timeout=15,
        )

    def action_cancel(self) -> None:
        if self.checking:
            self.cancel_event.set()

    # -- quitting ---------------------------------------------------------------------------

    async def action_quit(self) -> None:
        self.workspace.save_draft()
        self.workspace.account_time()
        self.cancel_event.set()
        self.exit()

    def on_unmount(self) -> None:
        self.workspace.save_draft()
        if self.runner is not None and self._worker_died in self.runner.worker_exit_listeners:
            self.runner.worker_exit_listeners.remove(self._worker_died)
        if self.session is not None and self.session.store is not None:
            self.session.store.close()
        if self.runner is not None and self._owns_runner:
            self.runner.close()
