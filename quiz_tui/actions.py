"""Every action of the app, listed once: its keys, its palette entry and when it applies.

The key bindings of the app and of the workspace screen, and the command palette's
entries (``commands.py``), are all derived from
:data:`ACTIONS`, the way harlequin derives its keymaps and palette from one list
(``harlequin/actions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding

from quiz_tui.core.messages import say

KEY_NAMES = {"pageup": "PgUp", "pagedown": "PgDn"}
"""Keys whose shown name is not their Textual name upper-cased."""


@dataclass(frozen=True)
class Action:
    """One thing the learner can do, by key and by name."""

    action: str
    """The ``action_…`` method's name."""
    name: str
    """The message key of its name in the palette (``app.action-…``)."""
    help: str
    """The message key of what it does, for the palette; the keys are added to it."""
    keys: str = ""
    """Textual key names, comma-separated; empty for palette-only actions."""
    label: str = ""
    """The binding's short description (Textual's key panel; the key bar has its own
    words in ``widgets/keybar.py``)."""
    show: bool = True
    scope: Literal["app", "workspace"] = "workspace"
    """Where the action and its keys live. The workspace screen's keys do nothing while
    a dialog is open, because the dialog, not the workspace, is then the screen."""
    exam: Literal["any", "only", "never"] = "any"
    """Offered in the palette at any time, only during an exam, or never during one."""

    @property
    def key_text(self) -> str:
        """The keys as the README writes them: ``F5, Ctrl+R``."""
        return ", ".join(shown_key(key) for key in self.keys.split(",") if key)

    def title(self, lang: str) -> str:
        """Its name in the palette, in ``lang``."""
        return say(lang, self.name)

    def palette_help(self, lang: str) -> str:
        """What it does, in ``lang``, with its keys."""
        text = say(lang, self.help)
        return f"{text} ({self.key_text})" if self.keys else text


def shown_key(key: str, *, short: bool = False) -> str:
    """``ctrl+pagedown`` → ``Ctrl+PgDn``, or ``^PgDn`` when ``short`` (the key bar)."""
    *mods, base = key.split("+")
    name = KEY_NAMES.get(base, base.upper())
    if short and mods == ["ctrl"]:
        return "^" + name
    return "+".join([m.capitalize() for m in mods] + [name])


def action(name: str) -> Action:
    """The action whose method is ``action_<name>``."""
    return next(a for a in ACTIONS if a.action == name)


# Not Ctrl+B or Ctrl+A anywhere: they are the prefix keys of tmux and screen.
ACTIONS: tuple[Action, ...] = (
    # the method, its name and help in the message catalogue, keys, the binding's label
    Action("check", "app.action-check", "app.action-check-help", "f5,ctrl+r", "Check"),
    Action("run", "app.action-run", "app.action-run-help", "f6,ctrl+g", "Run"),
    Action("next_task", "app.action-next-task", "app.action-next-task-help",
           "ctrl+n,ctrl+pagedown", "Next"),
    Action("previous_task", "app.action-previous-task", "app.action-previous-task-help",
           "ctrl+pageup", "Prev"),
    Action("next_unsolved", "app.action-next-unsolved", "app.action-next-unsolved-help", "f12",
           "Unsolved", show=False),
    Action("hint", "app.action-hint", "app.action-hint-help", "f7,ctrl+t", "Hint",
           exam="never"),
    Action("show_solution", "app.action-show-solution", "app.action-show-solution-help",
           exam="never"),
    Action("reset", "app.action-reset", "app.action-reset-help"),
    Action("external_editor", "app.action-external-editor", "app.action-external-editor-help",
           "f4,ctrl+o", "$EDITOR", show=False),
    Action("cancel", "app.action-cancel", "app.action-cancel-help", "f9", "Cancel", scope="app"),
    Action("progress", "app.action-progress", "app.action-progress-help", "f8", "Progress",
           show=False),
    Action("toggle_tasks", "app.action-toggle-tasks", "app.action-toggle-tasks-help",
           "f2,ctrl+l", "Tasks"),
    Action("toggle_lang", "app.action-toggle-lang", "app.action-toggle-lang-help", "f3",
           "中/EN"),
    Action("view_image", "app.action-view-image", "app.action-view-image-help"),
    Action("reload_packs", "app.action-reload-packs", "app.action-reload-packs-help",
           scope="app"),
    Action("start_exam", "app.action-start-exam", "app.action-start-exam-help", exam="never"),
    Action("hand_in", "app.action-hand-in", "app.action-hand-in-help", exam="only"),
    Action("abandon_exam", "app.action-abandon-exam", "app.action-abandon-exam-help",
           exam="only"),
    Action("quit", "app.action-quit", "app.action-quit-help", "f10,ctrl+q", "Quit", scope="app"),
)  # fmt: skip


def bindings(scope: Literal["app", "workspace"]) -> list[Binding]:
    """The key bindings of the app or of the workspace: priority, so the editor never
    swallows them."""
    return [
        Binding(a.keys, a.action, a.label, show=a.show, priority=True)
        for a in ACTIONS
        if a.keys and a.scope == scope
    ]


def offered(in_exam: bool) -> list[Action]:
    """The actions the palette offers now."""
    hidden = "never" if in_exam else "only"
    return [a for a in ACTIONS if a.exam != hidden]
