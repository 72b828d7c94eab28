"""The task list: the article's sections, each task with its status, filterable."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from quiz_tui.messages import BrokenTaskChosen, TaskChosen, TaskListDismissed

if TYPE_CHECKING:
    from quiz_tui.core.content.packs import TaskRef
    from quiz_tui.core.model import BrokenExercise, Lang
    from quiz_tui.core.state.progress import TaskStatus

MARKS: dict[str, tuple[str, str]] = {
    "passed": ("✓", "green"),
    "failed": ("✗", "red"),
    "attempted": ("…", "yellow"),
    "solution": ("◐", "magenta"),
    "untouched": ("·", "dim"),
}
"""A symbol per status, so colour is never the only signal."""


class TaskList(Vertical):
    """Sections and tasks; typing in the filter narrows them by number or words."""

    DEFAULT_CSS = """
    TaskList { width: 34; border-right: vkey $panel; }
    TaskList > Input, TaskList > Input:focus {
        margin: 0; border: none; height: 1; padding: 0 1; background: $boost;
    }
    TaskList > Input:focus { background: $accent 30%; }
    TaskList > OptionList, TaskList > OptionList:focus {
        border: none; height: 1fr; padding: 0; text-wrap: nowrap; text-overflow: ellipsis;
    }
    TaskList:focus-within { border-right: vkey $accent; }
    """

    # The filter has no use for these keys, so they move the list while typing in it;
    # the list itself handles them first when it has focus.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move('cursor_down')", show=False),
        Binding("up", "move('cursor_up')", show=False),
        Binding("pagedown", "move('page_down')", show=False),
        Binding("pageup", "move('page_up')", show=False),
        Binding("escape", "dismiss", "Close", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tasks: list[TaskRef] = []
        self._states: dict[tuple[str, str], TaskStatus] = {}
        self._sections: dict[tuple[str, str], str] = {}
        self._lang: Lang = "en"
        self._current: tuple[str, str] | None = None
        self._broken: list[tuple[str, BrokenExercise]] = []

    @property
    def states(self) -> dict[tuple[str, str], TaskStatus]:
        """Each listed task's mark, by (pack, exercise id), as last shown."""
        return dict(self._states)

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: 23, grad, 损失…", id="task-filter")
        yield OptionList(id="task-options")

    def show(
        self,
        tasks: list[TaskRef],
        states: dict[tuple[str, str], TaskStatus],
        lang: Lang,
        current: TaskRef | None,
        broken: list[tuple[str, BrokenExercise]] | None = None,
    ) -> None:
        self._tasks = tasks
        self._broken = broken or []
        self._states = states
        self._lang = lang
        self._sections = {
            (p.id, s.id): s.title.get(lang) for p in {t.pack.id: t.pack for t in tasks}.values()
            for s in p.sections
        }  # fmt: skip
        if current is not None:
            self._current = (current.pack.id, current.exercise.id)
        self._rebuild()

    def _matches(self, ref: TaskRef, needle: str) -> bool:
        if not needle:
            return True
        ex = ref.exercise
        haystack = f"{ex.number} {ex.id} {ex.title.en} {ex.title.zh}".lower()
        return all(word in haystack for word in needle.lower().split())

    def _rebuild(self) -> None:
        options = self.query_one("#task-options", OptionList)
        needle = self.query_one("#task-filter", Input).value.strip()
        options.clear_options()
        last_section: tuple[str, str] | None = None
        highlight: int | None = None
        items: list[Option] = []
        for ref in self._tasks:
            if not self._matches(ref, needle):
                continue
            section = (ref.pack.id, ref.exercise.section)
            if section != last_section:
                title = self._sections.get(section, ref.exercise.section)
                items.append(
                    Option(
                        Text(title, style="bold underline", no_wrap=True, overflow="ellipsis"),
                        disabled=True,
                    )
                )
                last_section = section
            key = (ref.pack.id, ref.exercise.id)
            status = self._states.get(key, "untouched")
            mark, style = MARKS[status]
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append(f"{mark} ", style=style)
            label.append(f"{ref.exercise.number:>2} ", style="bold")
            label.append(ref.exercise.title.get(self._lang))
            if key == self._current:
                highlight = len(items)
            items.append(Option(label, id=f"{ref.pack.id}:{ref.exercise.id}"))
        for pack_id, broken in self._broken:
            if needle and needle.lower() not in broken.path.name.lower():
                continue
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append("⚠ ", style="bold red")
            label.append(broken.path.name, style="red")
            items.append(Option(label, id=f"broken:{pack_id}:{broken.path.name}"))
        options.add_options(items)
        if needle:
            # While filtering, Enter opens the task numbered as typed, else the first match.
            highlight = self._best_match(items, needle)
        if highlight is not None:
            options.highlighted = highlight
            self.call_after_refresh(options.scroll_to_highlight, top=False)

    def _best_match(self, items: list[Option], needle: str) -> int | None:
        enabled = [i for i, option in enumerate(items) if not option.disabled]
        if needle.isdigit():
            numbers = {f"{t.pack.id}:{t.exercise.id}": t.exercise.number for t in self._tasks}
            for index in enabled:
                if numbers.get(items[index].id or "") == int(needle):
                    return index
        return enabled[0] if enabled else None

    @on(Input.Changed, "#task-filter")
    def _filter(self) -> None:
        self._rebuild()

    @on(Input.Submitted, "#task-filter")
    def _open_highlighted(self) -> None:
        options = self.query_one("#task-options", OptionList)
        if options.highlighted is not None:
            options.action_select()

    def action_move(self, how: str) -> None:
        options = self.query_one("#task-options", OptionList)
        getattr(options, f"action_{how}")()

    def action_dismiss(self) -> None:
        self.post_message(TaskListDismissed())

    @on(OptionList.OptionSelected, "#task-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        wanted = event.option.id or ""
        if wanted.startswith("broken:"):
            for pack_id, broken in self._broken:
                if wanted == f"broken:{pack_id}:{broken.path.name}":
                    self.post_message(BrokenTaskChosen(pack_id, broken))
            return
        for ref in self._tasks:
            if f"{ref.pack.id}:{ref.exercise.id}" == wanted:
                self.post_message(TaskChosen(ref))
                return
