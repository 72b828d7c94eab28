"""The bottom line: the keys that matter now, in a fixed order, in the learner's language."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from quiz_tui.actions import action, shown_key
from quiz_tui.core.messages import say

ENTRIES: tuple[tuple[str, str, int], ...] = (
    # the action (its first key comes from actions.py), its label in the message
    # catalogue, and rank: when the line is too narrow, the highest ranks are left out first.
    ("check", "app.key-check", 0),
    ("run", "app.key-run", 3),
    ("cancel", "app.key-cancel", 0),
    ("hint", "app.key-hint", 2),
    ("next_task", "app.key-next", 4),
    ("previous_task", "app.key-previous", 5),
    ("toggle_tasks", "app.key-tasks", 1),
    ("toggle_lang", "app.key-language", 1),
    ("command_palette", "app.key-commands", 1),
    ("quit", "app.key-quit", 0),
)
"""Quit, Check and (while a check runs) Cancel are never left out."""
WHILE_CHECKING = {"cancel"}
"""Actions shown only while a check runs."""


class KeyBar(Widget):
    """Like Textual's Footer, but ordered by importance and drawn on one line."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; }
    """

    lang = reactive("en")
    checking = reactive(False)

    def _key(self, name: str) -> str:
        """The first key of the action, as ``F5`` or ``^N``; the palette's is Textual's."""
        keys = self.app.COMMAND_PALETTE_BINDING if name == "command_palette" else action(name).keys
        return shown_key(keys.split(",")[0], short=True)

    def _entries(self) -> list[tuple[str, str, int]]:
        return [
            (self._key(name), say(self.lang, label), rank)
            for name, label, rank in ENTRIES
            if name not in WHILE_CHECKING or self.checking
        ]

    def render(self) -> Text:
        entries = self._entries()
        width = self.size.width or 80
        while len(entries) > 1:
            line = self._line(entries)
            if line.cell_len <= width:
                return line
            worst = max(rank for _, _, rank in entries)
            if worst == 0:
                break
            # Leave out the last entry of the highest rank.
            drop = max(i for i, (_, _, rank) in enumerate(entries) if rank == worst)
            del entries[drop]
        return self._line(entries)

    @staticmethod
    def _line(entries: list[tuple[str, str, int]]) -> Text:
        line = Text(no_wrap=True, overflow="crop")
        for key, label, _ in entries:
            line.append(key, style="bold reverse")
            line.append(f" {label} ")
        return line
