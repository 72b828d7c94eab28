"""The code editor: Textual's TextArea with Python highlighting, saving as you type."""

from __future__ import annotations

import io
import tokenize
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import Location, Selection

from quiz_tui.messages import CodeSubmitted, DraftEdited

BLANK = "..."
"""What a starter leaves for the learner to fill in (Python's Ellipsis)."""


def first_blank(code: str) -> tuple[Location, Location] | None:
    """Where the first blank of `code` starts and ends, or None if it has none.

    A blank is an Ellipsis token, so a `...` in a comment or a string does not count.
    Code that stops parsing partway still has its blanks found up to that point.
    """
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.OP and token.string == BLANK:
                (row, column), (end_row, end_column) = token.start, token.end
                return (row - 1, column), (end_row - 1, end_column)
    except (tokenize.TokenError, SyntaxError):
        pass
    return None


class _Submit(Message):
    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode


class CodeEditor(TextArea):
    """A TextArea set up for Python: tree-sitter highlighting, line numbers, 4-space indents.

    Every key is handled in the order it arrived (see `_on_key`), the starter's first blank
    is selected so typing replaces it, and a bar on the left edge shows when it has focus.
    """

    DEFAULT_CSS = """
    CodeEditor:focus {
        outline-left: tall $accent;
    }
    """
    """The app's stylesheet takes the border away to save room at 80×24, so focus shows
    as a bar drawn over the left padding, which costs no column."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+home", "cursor_document_start", "Start of code", show=False),
        Binding("ctrl+end", "cursor_document_end", "End of code", show=False),
        Binding("ctrl+shift+home", "cursor_document_start(True)", show=False),
        Binding("ctrl+shift+end", "cursor_document_end(True)", show=False),
    ]

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

    def action_cursor_document_start(self, select: bool = False) -> None:
        """Move the cursor to the start of the code."""
        self.move_cursor((0, 0), select=select)

    def action_cursor_document_end(self, select: bool = False) -> None:
        """Move the cursor to the end of the code."""
        self.move_cursor(self.document.end, select=select)

    # -- text from the app ---------------------------------------------------------------

    def load(self, code: str) -> None:
        """Replace the text without counting it as the learner's edit, then go to the first blank."""
        self._loading = True
        self.load_text(code)
        self._loading = False
        self.go_to_first_blank()

    def replace_all(self, code: str) -> None:
        """Replace the whole text as one edit that undo can take back, then go to the first blank."""
        self.replace(code, (0, 0), self.document.end)
        self.go_to_first_blank()

    def go_to_first_blank(self) -> None:
        """Select the first `...` so that typing replaces it; with no blank, go to the end."""
        blank = first_blank(self.text)
        if blank is None:
            self.move_cursor(self.document.end)
        else:
            self.selection = Selection(*blank)
        self.scroll_cursor_visible(center=True)

    def show_line(self, line: int) -> None:
        """Put the cursor on a line (1-based, as in messages), at its first non-blank character.

        Nothing is selected: the next key a learner presses after an error is often
        Backspace, and it must not delete the line.
        """
        row = max(0, min(line - 1, self.document.line_count - 1))
        text = self.document.get_line(row)
        column = len(text) - len(text.lstrip())
        self.selection = Selection.cursor((row, column))
        self.scroll_cursor_visible(center=True)

    # -- checks ------------------------------------------------------------------------

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
