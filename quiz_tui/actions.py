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

KEY_NAMES = {"pageup": "PgUp", "pagedown": "PgDn"}
"""Keys whose shown name is not their Textual name upper-cased."""


@dataclass(frozen=True)
class Action:
    """One thing the learner can do, by key and by name."""

    action: str
    """The ``action_…`` method's name."""
    name: str
    """The name in the palette."""
    help: str
    """What it does, for the palette; the keys are added to it."""
    keys: str = ""
    """Textual key names, comma-separated; empty for palette-only actions."""
    label: str = ""
    """The binding's short description."""
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

    @property
    def palette_help(self) -> str:
        return f"{self.help} ({self.key_text})" if self.keys else self.help


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
    Action("check", "Check", "Run the checks on your code", "f5,ctrl+r", "Check"),
    Action("run", "Run", "Run your code and show its output, without judging", "f6,ctrl+g",
           "Run"),
    Action("next_task", "Next task", "Open the next task", "ctrl+n,ctrl+pagedown", "Next"),
    Action("previous_task", "Previous task", "Open the previous task", "ctrl+pageup", "Prev"),
    Action("next_unsolved", "Next unsolved task", "Open the next task not yet passed", "f12",
           "Unsolved", show=False),
    Action("hint", "Hint", "Show one more hint", "f7,ctrl+t", "Hint",
           exam="never"),
    Action("show_solution", "Show solution", "Show the reference solution (asks first)",
           exam="never"),
    Action("reset", "Reset to starter", "Replace your code with the starter (asks first)"),
    Action("external_editor", "Open in $EDITOR", "Edit in your own editor, then check",
           "f4,ctrl+o", "$EDITOR", show=False),
    Action("cancel", "Cancel check", "Stop the running check", "f9", "Cancel", scope="app"),
    Action("progress", "Progress", "How far you are, section by section", "f8", "Progress",
           show=False),
    Action("toggle_tasks", "Tasks", "Show or hide the task list", "f2,ctrl+l", "Tasks"),
    Action("toggle_lang", "中文 / English", "Switch the language of prompts and messages", "f3",
           "中/EN"),
    Action("view_image", "View image",
           "Open the last image at full resolution, where the terminal can"),
    Action("reload_packs", "Reload packs", "Read the exercise files again (for authors)",
           scope="app"),
    Action("start_exam", "Start exam…", "A timed self-assessment on tasks you choose",
           exam="never"),
    Action("hand_in", "Hand in exam", "End the exam now; every task is checked as it stands",
           exam="only"),
    Action("abandon_exam", "Abandon exam", "End the exam without a score", exam="only"),
    Action("quit", "Quit", "Save and quit", "f10,ctrl+q", "Quit", scope="app"),
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
