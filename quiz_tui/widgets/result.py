"""The result panel: verdict, checklist, traceback, images and the learner's output.

Learner output is shown as literal text: never read as Rich markup, and with
control characters (escape sequences, bells) made visible instead of obeyed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import ProgressBar, Static

from quiz_tui.core.messages import say
from quiz_tui.marks import VERDICT_MARKS, verdict_words
from quiz_tui.marks import checklist as shared_checklist
from quiz_tui.textutil import human_bytes, one_line, visible
from quiz_tui.widgets.image_view import HalfBlocks
from quiz_tui.widgets.loss_chart import LossChart

if TYPE_CHECKING:
    from quiz_tui.core.model import Lang, Result, Status

_DARK_INK = {"green", "yellow", "cyan"}
"""Banner colours light enough to need black text; the rest take white."""


def verdict_label(status: Status, lang: Lang) -> tuple[str, str]:
    symbol, colour = VERDICT_MARKS[status.value]
    ink = "black" if colour in _DARK_INK else "white"
    return f" {symbol} {verdict_words(status.value, lang)} ", f"bold {ink} on {colour}"


def checklist(result: Result) -> list[tuple[bool, str]]:
    """The checks to list, failing ones first (see :func:`quiz_tui.marks.checklist`)."""
    items = [(item.status == "pass", item.name) for item in result.checks]
    return shared_checklist(items, result.status.value, result.message)


class ResultPanel(VerticalScroll):
    """Filled by the app after each check; shows live progress while one runs."""

    DEFAULT_CSS = """
    ResultPanel { height: 1fr; padding: 0 1; }
    ResultPanel .section { color: $text-muted; text-style: bold; margin-top: 1; }
    ResultPanel #progress-row { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="verdict")
        yield Static(id="body")

    def _clear(self) -> None:
        for widget in self.query(".dynamic"):
            widget.remove()

    def show_idle(self, lang: Lang) -> None:
        self._clear()
        hint = say(lang, "app.idle-hint")
        self.query_one("#verdict", Static).update(Text(hint, style="dim"))
        self.query_one("#body", Static).update("")

    def show_problems(self, title: str, problems: str) -> None:
        """Why an exercise file could not be loaded (file:line: message)."""
        self._clear()
        self.query_one("#verdict", Static).update(Text(f" ⚠ {title} ", style="bold white on red"))
        self.query_one("#body", Static).update(Text(visible(problems)))

    def show_running(self, lang: Lang, mode: str, warm: bool) -> None:
        self._clear()
        doing = say(lang, "app.running" if mode == "run" else "app.checking")
        note = "" if warm else say(lang, "app.starting-checker")
        cancel = say(lang, "app.f9-cancels")
        self.query_one("#verdict", Static).update(Text(f"⋯ {doing}{note}   {cancel}", style="bold"))
        self.query_one("#body", Static).update("")

    def show_progress(self, lang: Lang, fraction: float, text: str, losses: list[float]) -> None:
        bar = self.query("#progress")
        if not bar:
            self.mount(ProgressBar(total=1.0, show_eta=False, id="progress", classes="dynamic"))
            self.mount(LossChart(id="loss-chart", classes="dynamic"))
        self.query_one("#progress", ProgressBar).update(progress=fraction)
        if losses:
            chart = self.query_one("#loss-chart", LossChart)
            chart.lang = lang
            chart.losses = list(losses)
        if text:
            self.query_one("#body", Static).update(Text(visible(text), style="dim"))

    def show(self, result: Result, lang: Lang, *, hide_details: bool = False) -> None:
        self._clear()
        label, style = verdict_label(result.status, lang)
        if hide_details:  # the banner's words and colour are a verdict too
            label, style = say(lang, "app.checked-banner"), "bold"
        verdict = Text()
        verdict.append(label, style=style)
        if result.seconds:
            verdict.append(f"  {result.seconds:.2f} s · {one_line(result.device)}", style="dim")
        self.query_one("#verdict", Static).update(verdict)
        if hide_details:
            self.query_one("#body", Static).update(
                Text(say(lang, "app.verdicts-hidden"), style="dim")
            )
            return
        body = Text()
        body.append(visible(result.message) + "\n", style="bold")
        for ok, name in checklist(result):
            body.append("  ✓ " if ok else "  ✗ ", style="green" if ok else "red")
            body.append(one_line(name) + "\n")
        accuracy = result.details.get("accuracy")
        if isinstance(accuracy, int | float) and not isinstance(accuracy, bool):
            shown = say(lang, "app.accuracy", accuracy=f"{float(accuracy):.1%}")
            body.append(f"  {shown}\n", style="cyan")
        if result.traceback:
            body.append("\n" + say(lang, "app.traceback-title") + "\n", style="bold")
            body.append(visible(result.traceback) + "\n", style="red")
        for title, text, cut, not_shown in (
            ("stdout", result.stdout, result.stdout_cut, "app.stdout-cut"),
            ("stderr", result.stderr, result.stderr_cut, "app.stderr-cut"),
        ):
            if text:
                body.append(f"\n── {title} ──\n", style="dim")
                body.append(
                    visible(text.rstrip("\n")) + "\n", style="" if title == "stdout" else "yellow"
                )
            if cut:
                more = say(lang, not_shown, size=human_bytes(cut))
                body.append(more + "\n", style="bold yellow")
        self.query_one("#body", Static).update(body)
        for image in result.images:
            self.mount(Static(HalfBlocks(image), classes="dynamic image"))
        self.scroll_home(animate=False)
