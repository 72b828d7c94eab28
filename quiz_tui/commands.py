"""The command palette: every action under a plain name (from ``actions.py``), and every
task by number or words."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from quiz_tui.actions import offered

if TYPE_CHECKING:
    from quiz_tui.app import QuizApp


class ActionCommands(Provider):
    """The app's actions by their plain names: only those that can be used now."""

    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: QuizApp = self.app  # type: ignore[assignment]
        scopes = {"app": app, "workspace": app.workspace}
        return [
            (a.name, partial(app.run_action, a.action, scopes[a.scope]), a.palette_help)
            for a in offered(in_exam=app.exam is not None)
        ]

    async def discover(self) -> Hits:
        for name, command, help_text in self.commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self.commands():
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
                    partial(app.workspace.open_task, ref),
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
                yield Hit(score, matcher.highlight(label), partial(app.workspace.switch_pack, pack.id),
                          text=label, help=str(pack.root))  # fmt: skip
