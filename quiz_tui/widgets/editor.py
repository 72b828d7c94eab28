"""The code editor: Textual's TextArea with Python highlighting, saving as you type."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import Selection

from quiz_tui.messages import CodeSubmitted, DraftEdited


class _Submit(Message):
    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode


class CodeEditor(TextArea):
    """A TextArea set up for Python: tree-sitter highlighting, line numbers, 4-space indents."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            "",
            language="python",
            theme="monokai",
            soft_wrap=False,
            tab_behavior="indent",
            show_line_numbers=True,
            id=id,
        )
        self.indent_width = 4
        self.indent_type = "spaces"
        self.match_cursor_bracket = True
        self._loading = False

    # -- keys --------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        """Run this editor's own bindings here, in the key's turn, then type as TextArea does.

        TextArea types printable keys in its own handler, but leaves bound keys (Backspace,
        arrows, Ctrl+K…) to bubble up to the app, which runs the binding later. Keys that
        arrive in one burst (SSH, a paste of keystrokes, a fast typist) were then applied
        out of order: `A`, Backspace, `B`, `)` gave `AB`. Upstream: Textual #6605 / #6631.

        The app's priority bindings (F5, Ctrl+Q…) are checked before a key reaches this
        widget, and the focused widget's bindings come first in the chain anyway, so which
        action runs for a key is unchanged; only when it runs is.
        """
        if await self._run_own_binding(event.key):
            event.stop()
            event.prevent_default()
            self._restart_blink()
            return
        await super()._on_key(event)

    async def _run_own_binding(self, key: str) -> bool:
        """Run the first of this widget's non-priority bindings for `key` that acts."""
        for binding in self._bindings.key_to_bindings.get(key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                return True
        return False

    # -- text from the app ---------------------------------------------------------------

    def load(self, code: str) -> None:
        """Replace the text without counting it as the learner's edit."""
        self._loading = True
        self.load_text(code)
        self._loading = False
        self.move_cursor(self._first_blank())

    def _first_blank(self) -> tuple[int, int]:
        """Where the learner will type first: the first `...`, else the end."""
        for row, line in enumerate(self.text.splitlines()):
            column = line.find("...")
            if column >= 0:
                return row, column
        return self.document.end

    def show_line(self, line: int) -> None:
        """Select a line (1-based, as in messages) so the learner sees where it broke."""
        row = max(0, min(line - 1, self.document.line_count - 1))
        length = len(self.document.get_line(row))
        self.selection = Selection((row, 0), (row, length))
        self.scroll_cursor_visible(center=True)

    def submit(self, mode: str) -> None:
        """Send the text up as CodeSubmitted once the keys and pastes queued so far are in.

        Check keys are app bindings and can overtake a paste that is still in this
        widget's queue; going through the queue keeps them in order.
        """
        self.post_message(_Submit(mode))

    def _on__submit(self, message: _Submit) -> None:
        message.stop()
        self.post_message(CodeSubmitted(message.mode, self.text))

    def _on_text_area_changed(self, event: TextArea.Changed) -> None:
        if not self._loading:
            self.post_message(DraftEdited())
