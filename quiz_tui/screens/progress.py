"""The progress overview: every section with a bar, and how many tasks are done."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from quiz_tui.core.messages import say
from quiz_tui.core.model import Lang
from quiz_tui.core.state.session import SectionProgress, Session

BAR_WIDTH = 24


class ProgressScreen(ModalScreen[None]):
    """Escape or q closes it."""

    DEFAULT_CSS = """
    ProgressScreen { align: center middle; }
    ProgressScreen > VerticalScroll {
        width: 76; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,f8", "app.pop_screen", "Close")]

    def __init__(self, title: str, sections: list[SectionProgress], lang: Lang) -> None:
        super().__init__()
        self.title_text = title
        self.sections = sections
        self.lang = lang

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._render_table())

    def _render_table(self) -> Table:
        lang = self.lang
        table = Table(title=self.title_text, expand=True, box=None, pad_edge=False)
        table.add_column(say(lang, "app.progress-section"))
        table.add_column(say(lang, "app.progress-done"), justify="right")
        table.add_column("", ratio=1)
        for s in self.sections:
            filled = s.filled(BAR_WIDTH)
            bar = Text("█" * filled, style="green") + Text("░" * (BAR_WIDTH - filled), style="dim")
            table.add_row(s.title, f"{s.passed}/{s.total}", bar)
        passed, total = Session.totals(self.sections)
        table.add_row(Text(say(lang, "app.progress-all"), style="bold"), f"{passed}/{total}", "")
        return table
