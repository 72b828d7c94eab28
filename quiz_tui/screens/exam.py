"""Exam screens: the form to choose one, the rules before the clock starts, resuming,
and the report at the end."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from quiz_tui.core.messages import say
from quiz_tui.core.state.exam import ExamError, ExamPlan, Report, format_clock, plan

if TYPE_CHECKING:
    from quiz_tui.core.model import Lang, Pack

BOX = """
    {name} {{ align: center middle; }}
    {name} > Vertical, {name} > VerticalScroll {{
        width: 76; max-width: 96%; height: auto; max-height: 92%;
        border: thick $accent; background: $surface; padding: 0 1;
    }}
    {name} Horizontal {{ height: auto; align-horizontal: right; margin-top: 1; }}
    {name} Button {{ margin-left: 1; }}
"""


class ExamForm(ModalScreen["ExamPlan | None"]):
    """Choose the tasks, time and feedback of an exam (the CLI's options, as a form)."""

    DEFAULT_CSS = (
        BOX.format(name="ExamForm")
        + """
    ExamForm > VerticalScroll { padding: 0 1; }
    ExamForm .row { height: 1; margin-top: 1; }
    ExamForm .row Label { width: 16; }
    ExamForm Input { width: 1fr; background: $boost; }
    ExamForm Input:focus { background: $accent 30%; }
    ExamForm Checkbox { margin-top: 1; }
    ExamForm #error { color: $error; height: auto; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    # Focus is set as the form is composed, before any key reaches it: a focus() in
    # on_mount lands a moment later and, on a busy machine, after keys already typed
    # (a Tab, then focus jumped back to Tasks).
    AUTO_FOCUS = "#tasks"

    def __init__(self, pack: Pack, lang: Lang) -> None:
        super().__init__()
        self.pack = pack
        self.lang = lang

    def compose(self) -> ComposeResult:
        lang = self.lang
        sections = ", ".join(s.id for s in self.pack.sections)
        # Compact fields (one row each): the whole form fits 80×24 with its buttons. The
        # box scrolls if it must, but never takes focus (or the first keys) from the fields.
        with VerticalScroll(can_focus=False):
            yield Static(Text(say(lang, "app.exam-form-title"), style="bold"))
            for key, label, placeholder in (
                (
                    "tasks",
                    say(lang, "app.exam-field-tasks"),
                    say(lang, "app.exam-field-tasks-example"),
                ),
                ("section", say(lang, "app.exam-field-section"), sections),
                (
                    "random",
                    say(lang, "app.exam-field-random"),
                    say(lang, "app.exam-field-random-example"),
                ),
                ("minutes", say(lang, "app.exam-field-minutes"), "30"),
                (
                    "seed",
                    say(lang, "app.exam-field-seed"),
                    say(lang, "app.exam-field-seed-example"),
                ),
            ):
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield Input(placeholder=placeholder, id=key, compact=True)
            yield Checkbox(
                say(lang, "app.exam-show-verdicts"),
                True,
                id="feedback",
                compact=True,
            )
            yield Static(id="error")
            with Horizontal():
                yield Button(say(lang, "app.cancel-esc"), id="cancel", compact=True)
                yield Button(
                    say(lang, "app.next-enter"),
                    id="ok",
                    variant="primary",
                    compact=True,
                )

    def _value(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value.strip()

    def _number(self, key: str, label: str) -> int | None:
        raw = self._value(key)
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError as exc:
            field = say(self.lang, label)
            raise ExamError("app.exam-not-a-whole-number", field=field, value=repr(raw)) from exc

    def _submit(self) -> None:
        try:
            minutes = self._number("minutes", "app.exam-field-minutes")
            chosen = plan(
                self.pack,
                tasks=self._value("tasks") or None,
                section=self._value("section") or None,
                random_count=self._number("random", "app.exam-field-random"),
                minutes=minutes if minutes is not None else 30,
                seed=self._number("seed", "app.exam-field-seed"),
                feedback=self.query_one("#feedback", Checkbox).value,
            )
        except ExamError as exc:
            self.query_one("#error", Static).update(Text(exc.text(self.lang)))
            return
        self.dismiss(chosen)

    def on_input_submitted(self) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExamIntro(ModalScreen[bool]):
    """The tasks, the time and the rules, before the clock starts."""

    DEFAULT_CSS = BOX.format(name="ExamIntro")
    AUTO_FOCUS = "#start"  # set while composing, as ExamForm's
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "Back"),
        Binding("enter", "answer(True)", "Start"),
    ]

    def __init__(self, exam_plan: ExamPlan, lang: Lang) -> None:
        super().__init__()
        self.plan = exam_plan
        self.lang = lang

    def compose(self) -> ComposeResult:
        p, lang = self.plan, self.lang
        count, minutes = len(p.exercises), f"{p.minutes:g}"
        rules = say(
            lang,
            "app.exam-rules",
            tasks=say(lang, "app.exam-tasks-one" if count == 1 else "app.exam-tasks-other", count=count),
            minutes=say(
                lang, "app.exam-minutes-one" if p.minutes == 1 else "app.exam-minutes-other",
                count=minutes,
            ),
            verdicts=say(lang, "app.exam-rule-verdicts-shown" if p.feedback
                         else "app.exam-rule-verdicts-hidden"),
        )  # fmt: skip
        tasks = "\n".join(f"  {ex.number:>2}. {ex.title.get(lang)}" for ex in p.exercises)
        with VerticalScroll():
            yield Static(Text(say(lang, "app.exam-ready"), style="bold"))
            yield Static(rules)
            yield Static(Text(tasks, style="dim"))
            with Horizontal():
                yield Button(say(lang, "app.back"), id="back")
                yield Button(
                    say(lang, "app.exam-start-clock"),
                    id="start",
                    variant="success",
                )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "start")

    def action_answer(self, start: bool) -> None:
        self.dismiss(start)


class ResumeExam(ModalScreen[str]):
    """An exam was left running: resume it, hand it in, or abandon it."""

    DEFAULT_CSS = BOX.format(name="ResumeExam")
    AUTO_FOCUS = "Horizontal > Button:last-of-type"  # Resume, or Hand in once time is up
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "choose('resume')", "Resume"),
        Binding("h", "choose('hand_in')", "Hand in"),
        Binding("a", "choose('abandon')", "Abandon"),
        # Decide later: the exam's clock keeps running, and the next launch asks again.
        Binding("escape", "choose('later')", "Later"),
    ]

    def __init__(self, tasks: int, remaining: float, lang: Lang) -> None:
        super().__init__()
        self.tasks = tasks
        self.remaining = remaining
        self.lang = lang

    def compose(self) -> ComposeResult:
        lang = self.lang
        if self.remaining > 0:
            left = format_clock(self.remaining)
            text = say(lang, "app.exam-resume-running", tasks=self.tasks, left=left)
        else:
            text = say(lang, "app.exam-resume-timed-out", tasks=self.tasks)
        later = say(lang, "app.exam-resume-later")
        with Vertical():
            yield Static(text)
            yield Static(Text(later, style="dim"))
            with Horizontal():
                yield Button(say(lang, "app.exam-abandon-button"), id="abandon", variant="error")
                yield Button(say(lang, "app.exam-hand-in-button"), id="hand_in")
                if self.remaining > 0:
                    yield Button(
                        say(lang, "app.exam-resume-button"), id="resume", variant="success"
                    )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "resume")

    def action_choose(self, choice: str) -> None:
        if choice == "resume" and self.remaining <= 0:
            return
        self.dismiss(None if choice == "later" else choice)


class ExamReportScreen(ModalScreen[None]):
    """The score, each task and section, and earlier attempts at the same tasks."""

    DEFAULT_CSS = BOX.format(name="ExamReportScreen")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "app.pop_screen", "Close")]

    def __init__(self, report: Report, lang: Lang) -> None:
        super().__init__()
        self.report = report
        self.lang = lang

    def compose(self) -> ComposeResult:
        r, lang = self.report, self.lang
        head = Text()
        head.append(say(lang, "app.exam-report-head", id=r.exam.id), style="bold")
        head.append(
            f"{r.passed}/{len(r.tasks)} ({r.score:.0%})",
            style="bold green" if r.score >= 0.5 else "bold red",
        )
        outcomes = {
            "passed": ("✓", "green", "app.exam-outcome-passed"),
            "failed": ("✗", "red", "app.exam-outcome-failed"),
            "not attempted": ("○", "blue", "app.exam-outcome-not-attempted"),
        }
        table = Table(box=None, expand=True, pad_edge=False)
        for column in (
            say(lang, "app.exam-column-task"),
            say(lang, "app.exam-column-result"),
            say(lang, "app.exam-column-time"),
            say(lang, "app.exam-column-checks"),
        ):
            table.add_column(column)
        for t in r.tasks:
            mark, style, words = outcomes[r.outcome(t)]
            table.add_row(f"{t.number}. {t.title}", Text(f"{mark} {say(lang, words)}", style=style),
                          format_clock(t.seconds), str(t.checks))  # fmt: skip
        sections = "  ".join(f"{s['title']}: {s['passed']}/{s['total']}" for s in r.sections)
        earlier = (
            say(lang, "app.exam-earlier", scores=", ".join(f"{e['passed']}/{e['total']}" for e in r.earlier))
            if r.earlier
            else say(lang, "app.exam-first-attempt")
        )  # fmt: skip
        with VerticalScroll():
            yield Static(head)
            yield Static(table)
            yield Static(Text(sections, style="dim"))
            yield Static(earlier)
            yield Static(Text(say(lang, "app.exam-full-report", id=r.exam.id), style="dim"))
            with Horizontal():
                yield Button(say(lang, "app.close-enter"), id="close", variant="primary")

    def on_button_pressed(self) -> None:
        self.dismiss(None)
