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

from quiz_tui.core.state.exam import ExamError, ExamPlan, Report, format_clock, plan
from quiz_tui.textutil import pick

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
            yield Static(Text(pick(lang, "Start an exam", "开始考试"), style="bold"))
            for key, en, zh, placeholder in (
                ("tasks", "Tasks", "题号", "e.g. 1-25,30 (empty: all)"),
                ("section", "Section", "章节", sections),
                ("random", "Random N", "随机抽 N 题", "e.g. 5"),
                ("minutes", "Minutes", "分钟", "30"),
                ("seed", "Seed", "随机种子", "for --random, e.g. 7"),
            ):
                with Horizontal(classes="row"):
                    yield Label(pick(lang, en, zh))
                    yield Input(placeholder=placeholder, id=key, compact=True)
            yield Checkbox(
                pick(lang, "Show verdicts during the exam", "考试中显示检查结果"),
                True,
                id="feedback",
                compact=True,
            )
            yield Static(id="error")
            with Horizontal():
                yield Button(pick(lang, "Cancel (Esc)", "取消 (Esc)"), id="cancel", compact=True)
                yield Button(
                    pick(lang, "Next (Enter)", "下一步（回车）"),
                    id="ok",
                    variant="primary",
                    compact=True,
                )

    def on_mount(self) -> None:
        self.query_one("#tasks", Input).focus()

    def _value(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value.strip()

    def _number(self, key: str, what: str) -> int | None:
        raw = self._value(key)
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError as exc:
            raise ExamError(f"{what}: {raw!r} is not a whole number") from exc

    def _submit(self) -> None:
        try:
            minutes = self._number("minutes", "minutes")
            chosen = plan(
                self.pack,
                tasks=self._value("tasks") or None,
                section=self._value("section") or None,
                random_count=self._number("random", "random"),
                minutes=minutes if minutes is not None else 30,
                seed=self._number("seed", "seed"),
                feedback=self.query_one("#feedback", Checkbox).value,
            )
        except ExamError as exc:
            self.query_one("#error", Static).update(str(exc))
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
        rules = pick(
            lang,
            f"{len(p.exercises)} task{'s' if len(p.exercises) != 1 else ''}, "
            f"{p.minutes:g} minute{'s' if p.minutes != 1 else ''}.\n\n"
            "• The clock is wall-clock time, like a real exam: it keeps running if you quit or "
            "lose the connection. Relaunch quiz-tui to resume.\n"
            "• Hints, solutions and tasks outside the exam are locked.\n"
            "• Move freely between the exam's tasks and check as often as you like.\n"
            + ("• Verdicts are shown after each check.\n" if p.feedback
               else "• Verdicts are hidden until the end.\n")
            + "• Warnings when 5 minutes and 1 minute are left. At zero, editing stops and every "
            "task is checked "
            "as it stands. You can hand in early (Ctrl+P → Hand in exam).",
            f"共 {len(p.exercises)} 题，{p.minutes:g} 分钟。\n\n"
            "• 计时按真实时间进行，和正式考试一样：退出程序或断开连接后时间仍在流逝。重新启动 quiz-tui 即可继续。\n"
            "• 考试中不能查看提示、答案和考试范围以外的题目。\n"
            "• 可以在考试题目之间自由切换，检查次数不限。\n"
            + ("• 每次检查后显示结果。\n" if p.feedback else "• 检查结果在考试结束后才显示。\n")
            + "• 剩余 5 分钟和 1 分钟时会提醒。时间到后停止编辑，并按当时的代码检查每一题。"
            "也可以提前交卷（Ctrl+P → 交卷）。",
        )  # fmt: skip
        tasks = "\n".join(f"  {ex.number:>2}. {ex.title.get(lang)}" for ex in p.exercises)
        with VerticalScroll():
            yield Static(Text(pick(lang, "Ready?", "准备好了吗？"), style="bold"))
            yield Static(rules)
            yield Static(Text(tasks, style="dim"))
            with Horizontal():
                yield Button(pick(lang, "Back", "返回"), id="back")
                yield Button(
                    pick(lang, "Start the clock (Enter)", "开始计时（回车）"),
                    id="start",
                    variant="success",
                )

    def on_mount(self) -> None:
        self.query_one("#start", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "start")

    def action_answer(self, start: bool) -> None:
        self.dismiss(start)


class ResumeExam(ModalScreen[str]):
    """An exam was left running: resume it, hand it in, or abandon it."""

    DEFAULT_CSS = BOX.format(name="ResumeExam")
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
            text = pick(lang, f"An exam of {self.tasks} tasks is in progress, {format_clock(self.remaining)} left "
                            "(the clock kept running while you were away).",
                      f"有一场 {self.tasks} 题的考试正在进行，还剩 {format_clock(self.remaining)}（离开期间时间仍在流逝）。")  # fmt: skip
        else:
            text = pick(lang, f"An exam of {self.tasks} tasks ran out of time while you were away.",
                      f"一场 {self.tasks} 题的考试在你离开期间已经到时间了。")  # fmt: skip
        later = pick(lang, "Esc: decide later (Ctrl+P → Start exam… asks again).",
                     "Esc：稍后决定（Ctrl+P → 开始考试… 会再次询问）。")  # fmt: skip
        with Vertical():
            yield Static(text)
            yield Static(Text(later, style="dim"))
            with Horizontal():
                yield Button(pick(lang, "Abandon (a)", "放弃 (a)"), id="abandon", variant="error")
                yield Button(pick(lang, "Hand in (h)", "交卷 (h)"), id="hand_in")
                if self.remaining > 0:
                    yield Button(
                        pick(lang, "Resume (r)", "继续 (r)"), id="resume", variant="success"
                    )

    def on_mount(self) -> None:
        self.query(Button).last().focus()

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
        head.append(pick(lang, f"Exam {r.exam.id}: ", f"考试 {r.exam.id}："), style="bold")
        head.append(
            f"{r.passed}/{len(r.tasks)} ({r.score:.0%})",
            style="bold green" if r.score >= 0.5 else "bold red",
        )
        outcomes = {
            "passed": ("✓", "green"),
            "failed": ("✗", "red"),
            "not attempted": ("○", "blue"),
        }
        table = Table(box=None, expand=True, pad_edge=False)
        for column in (
            pick(lang, "Task", "题目"),
            pick(lang, "Result", "结果"),
            pick(lang, "Time", "用时"),
            pick(lang, "Checks", "检查"),
        ):
            table.add_column(column)
        for t in r.tasks:
            outcome = r.outcome(t)
            mark, style = outcomes[outcome]
            table.add_row(f"{t.number}. {t.title}", Text(f"{mark} {outcome}", style=style),
                          format_clock(t.seconds), str(t.checks))  # fmt: skip
        sections = "  ".join(f"{s['title']}: {s['passed']}/{s['total']}" for s in r.sections)
        earlier = (
            pick(lang, "Earlier attempts at these tasks: ", "此前对这些题目的考试：")
            + ", ".join(f"{e['passed']}/{e['total']}" for e in r.earlier)
            if r.earlier
            else pick(lang, "First attempt at these tasks.", "第一次考这些题目。")
        )
        with VerticalScroll():
            yield Static(head)
            yield Static(table)
            yield Static(Text(sections, style="dim"))
            yield Static(earlier)
            yield Static(Text(pick(lang, f"Full report: quiz-tui exam report {r.exam.id} --format md",
                                 f"完整报告：quiz-tui exam report {r.exam.id} --format md"), style="dim"))  # fmt: skip
            with Horizontal():
                yield Button(
                    pick(lang, "Close (Enter)", "关闭（回车）"), id="close", variant="primary"
                )

    def on_button_pressed(self) -> None:
        self.dismiss(None)
