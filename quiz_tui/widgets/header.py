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
    total = reactive(0)
    sections = reactive("")
    device = reactive("…")
    dataset = reactive("")
    clock = reactive("")
    clock_urgent = reactive(False)
    exam_tasks = reactive(0)
    """During an exam: how many tasks it has (shown instead of practice progress)."""

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f" {self.pack} ", style="bold")
        line.append("│ ")
        if self.exam_tasks:
            line.append(f"exam: {self.exam_tasks} tasks", style="bold")
        else:
            line.append(f"✓ {self.passed}/{self.total}", style="bold green" if self.passed else "")
        line.append(" │ ")
        line.append(self.device)
        if self.dataset:
            line.append(" │ ")
            line.append(self.dataset)
        if self.clock:
            line.append(" │ ")
            urgent = "bold reverse red" if self.clock_urgent else "bold"
            line.append(f"⏱ {self.clock}", style=urgent)
        if self.sections and self.size.width >= 110 and not self.exam_tasks:
            line.append(f" │ {self.sections}", style="dim")
        return line
