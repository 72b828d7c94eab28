"""The command palette: every action under a plain name, and every task by number or words."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from quiz_tui.app import QuizApp


ACTIONS: list[tuple[str, str, str]] = [
    # palette name, action, help
    ("Check", "check", "Run the checks on your code (F5, Ctrl+R)"),
    ("Run", "run", "Run your code and show its output, without judging (F6, Ctrl+G)"),
    ("Next task", "next_task", "Open the next task (Ctrl+N, Ctrl+PgDn)"),
    ("Previous task", "previous_task", "Open the previous task (Ctrl+PgUp)"),
    ("Hint", "hint", "Show one more hint (F7, Ctrl+T)"),
    ("Show solution", "show_solution", "Show the reference solution (asks first)"),
    ("Reset to starter", "reset", "Replace your code with the starter (asks first)"),
    ("Open in $EDITOR", "external_editor", "Edit in your own editor, then check (F4, Ctrl+O)"),
    ("Cancel check", "cancel", "Stop the running check (F9)"),
    ("Progress", "progress", "How far you are, section by section (F8)"),
    ("Tasks", "toggle_tasks", "Show or hide the task list (F2, Ctrl+L)"),
    ("中文 / English", "toggle_lang", "Switch the language of prompts and messages (F3)"),
    ("View image", "view_image", "Open the last image at full resolution, where the terminal can"),
    ("Reload packs", "reload_packs", "Read the exercise files again (for authors)"),
    ("Start exam…", "start_exam", "A timed self-assessment on tasks you choose"),
    ("Hand in exam", "hand_in", "End the exam now; every task is checked as it stands"),
    ("Abandon exam", "abandon_exam", "End the exam without a score"),
    ("Quit", "quit", "Save and quit (F10, Ctrl+Q)"),
]

EXAM_ONLY = {"hand_in", "abandon_exam"}
"""Offered only while an exam runs."""
NOT_IN_EXAM = {"hint", "show_solution", "start_exam"}
"""Locked during an exam, so not offered then."""


class ActionCommands(Provider):
    """The app's actions by their plain names: only those that can be used now."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: QuizApp = self.app  # type: ignore[assignment]
        hidden = NOT_IN_EXAM if app.exam is not None else EXAM_ONLY
        return [
            (name, partial(app.run_action, action), help_text)
            for name, action, help_text in ACTIONS
            if action not in hidden
        ]

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)


class TaskCommands(Provider):
    """Open any task by its number ("23") or words from its title ("backward")."""

    async def search(self, query: str) -> Hits:
        app: QuizApp = self.app  # type: ignore[assignment]
        session = app.session
        if session is None:
            return
        query = query.strip()
        matcher = self.matcher(query)
        for ref in session.all_tasks():
            ex = ref.exercise
            title = ex.title.get(session.lang)
            label = f"{ex.number}. {title}"
            if query.isdigit():
                score = 1.0 if str(ex.number) == query else 0.0
            else:
                score = max(matcher.match(label), matcher.match(f"{ex.number}. {ex.title.en}"))
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(app.open_task, ref),
                    text=label,
                    help=f"Open task {ex.number}",
                )


class PackCommands(Provider):
    """Switch to another loaded pack by its name."""

    async def search(self, query: str) -> Hits:
        app: QuizApp = self.app  # type: ignore[assignment]
        if app.session is None:
            return
        matcher = self.matcher(query)
        for pack in app.session.library.packs:
            label = f"Pack: {pack.name.get(app.lang)} ({len(pack)} tasks)"
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(app.switch_pack, pack.id),
                          text=label, help=str(pack.root))  # fmt: skip
