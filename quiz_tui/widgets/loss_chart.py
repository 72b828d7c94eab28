"""The training loss while a check runs: a small chart with its scale and the current value."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from quiz_tui.core.messages import BASE, say

BLOCKS = " ▁▂▃▄▅▆▇█"
ROWS = 3
"""Chart rows; each row has eight levels, so the curve has 24."""


def _label(value: float) -> str:
    return f"{value:.3g}"


def chart_lines(losses: list[float], width: int) -> list[str]:
    """The chart as text: a y-axis with max and min, then the curve, newest on the right."""
    if not losses:
        return []
    high, low = max(losses), min(losses)
    axis = max(len(_label(high)), len(_label(low)))
    columns = max(1, width - axis - 2)
    # One column per step when they fit, else each column averages a run of steps.
    if len(losses) <= columns:
        samples = list(losses)
    else:
        samples = []
        for c in range(columns):
            run = losses[c * len(losses) // columns : (c + 1) * len(losses) // columns]
            samples.append(sum(run) / len(run))
    span = high - low
    levels = ROWS * 8
    heights = [levels if span == 0 else round((v - low) / span * (levels - 1)) + 1 for v in samples]
    lines = []
    for row in range(ROWS):
        floor = (ROWS - 1 - row) * 8  # the level at this row's bottom
        curve = "".join(BLOCKS[max(0, min(8, h - floor))] for h in heights)
        label = _label(high) if row == 0 else _label(low) if row == ROWS - 1 else ""
        lines.append(f"{label:>{axis}} ┤{curve}")
    return lines


class LossChart(Widget):
    """The loss per reported step, scaled between its lowest and highest value."""

    DEFAULT_CSS = """
    LossChart { height: auto; color: $accent; }
    """

    losses: reactive[list[float]] = reactive(list, always_update=True, layout=True)
    lang = reactive(BASE)

    def render(self) -> Text:
        losses = self.losses
        if not losses:
            return Text("")
        text = Text()
        text.append(say(self.lang, "app.loss-now", loss=_label(losses[-1])), style="bold")
        summary = say(self.lang, "app.loss-summary", first=_label(losses[0]),
                      lowest=_label(min(losses)), reports=len(losses))  # fmt: skip
        text.append(f" · {summary}\n", style="dim")
        text.append("\n".join(chart_lines(losses, self.size.width)))
        return text

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + ROWS if self.losses else 0
