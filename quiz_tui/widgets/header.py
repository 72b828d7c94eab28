"""The top line: pack, progress, device, dataset and (in an exam) the clock."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class StatusHeader(Widget):
    """One line of facts; the progress per section appears when there is room."""

    DEFAULT_CSS = """
    StatusHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    pack = reactive("quiz-tui")
    passed = reactive(0)
    with_solution = reactive(0)
    """Tasks marked ◐ (solved after seeing the solution): counted apart, as the list shows them."""
    total = reactive(0)
    sections = reactive("")
    device = reactive("…")
    dataset = reactive("")
    clock = reactive("")
    clock_urgent = reactive(False)
    exam = reactive("")
    """During an exam: what it is, in the learner's words (``exam: 3 tasks``), shown
    instead of practice progress; empty otherwise."""

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f" {self.pack} ", style="bold")
        line.append("│ ")
        if self.exam:
            line.append(self.exam, style="bold")
        else:
            line.append(f"✓ {self.passed}/{self.total}", style="bold green" if self.passed else "")
            if self.with_solution:
                line.append(f" ◐ {self.with_solution}", style="magenta")
        line.append(" │ ")
        line.append(self.device)
        if self.dataset:
            line.append(" │ ")
            line.append(self.dataset)
        if self.clock:
            line.append(" │ ")
            urgent = "bold reverse red" if self.clock_urgent else "bold"
            line.append(f"⏱ {self.clock}", style=urgent)
        # The per-section summary only when all of it fits: a cut one reads as wrong numbers.
        extra = f" │ {self.sections}"
        fits = line.cell_len + Text(extra).cell_len <= self.size.width
        if self.sections and not self.exam and fits:
            line.append(extra, style="dim")
        return line
