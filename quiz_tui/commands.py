"""The command palette: every action under a plain name (from ``actions.py``), and every
task by number or words."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider

from quiz_tui.actions import offered
from quiz_tui.core.messages import BASE, say

if TYPE_CHECKING:
    from quiz_tui.app import QuizApp


SYSTEM_WORDS = {
    # Textual's own palette entries (``App.get_system_commands``), by their English title
    # or help, and the message that says it in the learner's language. An entry a later
    # Textual adds or rewords is shown as Textual words it.
    "Theme": "app.system-theme",
    "Change the current theme": "app.system-theme-help",
    "Quit": "app.system-quit",
    "Quit the application as soon as possible": "app.system-quit-help",
    "Keys": "app.system-keys",
    "Show help for the focused widget and a summary of available keys": "app.system-keys-help",
    "Hide the keys and widget help panel": "app.system-keys-hide-help",
    "Maximize": "app.system-maximize",
    "Maximize the focused widget": "app.system-maximize-help",
    "Minimize": "app.system-minimize",
    "Minimize the widget and restore to normal size": "app.system-minimize-help",
    "Screenshot": "app.system-screenshot",
    "Save an SVG 'screenshot' of the current screen": "app.system-screenshot-help",
}


def in_language(commands: Iterable[SystemCommand], lang: str) -> Iterator[SystemCommand]:
    """Textual's system commands with their title and help in ``lang`` where known."""

    def words(text: str) -> str:
        return say(lang, SYSTEM_WORDS[text]) if text in SYSTEM_WORDS else text

    for command in commands:
        yield command._replace(title=words(command.title), help=words(command.help))


class ActionCommands(Provider):
    """The app's actions by their plain names, in the app's language: only those that can
    be used now. A search also finds them by their English names."""

    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(name in the app's language, what runs it, help) of each action offered now."""
        return [(name, command, help_text) for name, _, command, help_text in self._entries()]

    def _entries(self) -> list[tuple[str, str, Callable[[], object], str]]:
        app: QuizApp = self.app  # type: ignore[assignment]
        scopes = {"app": app, "workspace": app.workspace}
        return [
            (a.title(app.lang), a.title(BASE), partial(app.run_action, a.action, scopes[a.scope]),
             a.palette_help(app.lang))
            for a in offered(in_exam=app.exam is not None)
        ]  # fmt: skip

    async def discover(self) -> Hits:
        for name, command, help_text in self.commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, english, command, help_text in self._entries():
            score = max(matcher.match(name), matcher.match(english))
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, text=name, help=help_text)


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
                    help=say(app.lang, "app.palette-open-task", number=ex.number),
                )


class PackCommands(Provider):
    """Switch to another loaded pack by its name (in the app's language, or English)."""

    async def search(self, query: str) -> Hits:
        app: QuizApp = self.app  # type: ignore[assignment]
        if app.session is None:
            return
        matcher = self.matcher(query)
        for pack in app.session.library.packs:
            label = say(app.lang, "app.palette-pack", name=pack.name.get(app.lang), tasks=len(pack))
            english = say(BASE, "app.palette-pack", name=pack.name.en, tasks=len(pack))
            score = max(matcher.match(label), matcher.match(english))
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(app.workspace.switch_pack, pack.id),
                          text=label, help=str(pack.root))  # fmt: skip
