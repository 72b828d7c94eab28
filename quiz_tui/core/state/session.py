"""What the app remembers about a learner's session, without any UI.

The Textual app asks this module where to start, what the editor should
hold, how far the learner has come, and records what happens. Everything it
saves goes through the progress store, so a crash or a second terminal loses
nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from quiz_tui.core.content.packs import Library, TaskRef
from quiz_tui.core.errors import ProgressStoreError, UnknownTaskError
from quiz_tui.core.messages import say
from quiz_tui.core.model import Lang, Pack, Result
from quiz_tui.core.state.progress import ProgressStore, TaskState

LAST_TASK = "last_task"
T = TypeVar("T")


@dataclass(frozen=True)
class SectionProgress:
    section: str
    title: str
    passed: int
    total: int

    def filled(self, width: int) -> int:
        """How many of ``width`` cells a progress bar for this section fills."""
        return round(width * self.passed / self.total) if self.total else 0


class Session:
    """The library, the store and the learner's choices, for one app run."""

    def __init__(self, library: Library, store: ProgressStore | None, lang: Lang = "en") -> None:
        self.library = library
        self.store = store
        self.lang: Lang = lang
        self.hints_shown: dict[tuple[str, str], int] = {}
        """Hints revealed per (pack, exercise), read from the store on first use."""
        self.save_error: str | None = None
        """The last reason progress could not be saved, for the app to show once."""
        self.scope = ""
        """Which drafts the editor works on: practice ("") or an exam's ("exam:7")."""
        self.limit: list[TaskRef] | None = None
        """During an exam, the only tasks that may be opened."""
        self.deadline: float | None = None
        """During an exam, its deadline: later drafts are refused, and grading ignores them."""
        self.clock: Callable[[], float] = time.time
        """The exam's clock, which stamps drafts (a fake one in tests)."""

    # -- where to start -----------------------------------------------------------

    def all_tasks(self) -> list[TaskRef]:
        if self.limit is not None:
            return list(self.limit)
        return [TaskRef(pack, ex) for pack in self.library.packs for ex in pack]

    def allowed(self, ref: TaskRef) -> bool:
        return self.limit is None or any(
            r.pack.id == ref.pack.id and r.exercise.id == ref.exercise.id for r in self.limit
        )

    def first_task(self) -> TaskRef | None:
        tasks = self.all_tasks()
        return tasks[0] if tasks else None

    def start_task(self, requested: str | None = None) -> TaskRef | None:
        """The task given on the command line, else the last one opened, else the first."""
        if requested:
            return self.library.resolve(requested)
        last = self._safe(lambda s: s.get_state(LAST_TASK))
        if last:
            try:
                return self.library.resolve(last)
            except UnknownTaskError:
                pass
        return self.first_task()

    def neighbour(self, ref: TaskRef, step: int) -> TaskRef | None:
        tasks = self.all_tasks()
        keys = [(t.pack.id, t.exercise.id) for t in tasks]
        try:
            index = keys.index((ref.pack.id, ref.exercise.id))
        except ValueError:
            return None
        target = index + step
        return tasks[target] if 0 <= target < len(tasks) else None

    def next_unsolved(self, after: TaskRef | None = None) -> TaskRef | None:
        """The next task not yet passed (nor solved by seeing the solution), in pack order.

        After ``after`` when given (the task just done); otherwise from the task opened
        last, itself included (it is what the learner is on). Wraps around to the first
        tasks; None when every task is solved.
        """
        tasks = self.all_tasks()
        if not tasks:
            return None
        keys = [(t.pack.id, t.exercise.id) for t in tasks]
        start = 0
        if after is not None:
            key = (after.pack.id, after.exercise.id)
            start = keys.index(key) + 1 if key in keys else 0
        else:
            last = self.start_task()
            if last is not None and (last.pack.id, last.exercise.id) in keys:
                start = keys.index((last.pack.id, last.exercise.id))
        states = {pack.id: self.states(pack) for pack in self.library.packs}
        for offset in range(len(tasks)):
            ref = tasks[(start + offset) % len(tasks)]
            state = states.get(ref.pack.id, {}).get(ref.exercise.id)
            if state is None or state.status not in ("passed", "solution"):
                return ref
        return None

    # -- drafts ------------------------------------------------------------------

    def draft(self, ref: TaskRef, *, graded: bool = False) -> str:
        """What the editor should hold: the saved draft, or the starter.

        ``graded``: the code an exam grades, the last draft saved by its deadline.
        """
        before = self.deadline if graded else None
        saved = self._safe(
            lambda s: s.draft(ref.pack.id, ref.exercise.draft_key, scope=self.scope, before=before)
        )
        return saved if saved is not None else ref.exercise.starter.lstrip("\n")

    def _too_late(self) -> bool:
        """Whether the exam's time is up: its drafts are then what they were at the end."""
        if self.deadline is None or self.clock() <= self.deadline:
            return False
        self.save_error = say(self.lang, "core.exam-time-up-not-saved")
        return True

    def save_draft(self, ref: TaskRef, code: str) -> bool:
        if self._too_late():
            return False
        at = self.clock() if self.deadline is not None else None
        return self._write(
            lambda s: s.save_draft(
                ref.pack.id, ref.exercise.draft_key, code, scope=self.scope, at=at
            )
        )

    def reset_draft(self, ref: TaskRef) -> str:
        if not self._too_late():
            self._write(
                lambda s: s.delete_draft(ref.pack.id, ref.exercise.draft_key, scope=self.scope)
            )
        return ref.exercise.starter.lstrip("\n")

    def opened(self, ref: TaskRef) -> None:
        if self.scope:
            return  # an exam does not move where practice resumes
        self._write(lambda s: s.set_state(LAST_TASK, f"{ref.pack.id}:{ref.exercise.id}"))

    # -- outcomes ----------------------------------------------------------------

    def record(self, ref: TaskRef, result: Result, code: str) -> None:
        """Record a check's verdict (the service's rule: a cancelled run is not recorded)."""
        from quiz_tui.core.execution.checking import record

        self._write(lambda s: record(s, ref.pack.id, ref.exercise.id, code, result, source="app"))

    def solution_shown(self, ref: TaskRef) -> None:
        self._write(lambda s: s.mark_solution_shown(ref.pack.id, ref.exercise.id))

    def _hints_seen(self, ref: TaskRef) -> int:
        key = (ref.pack.id, ref.exercise.id)
        if key not in self.hints_shown:
            saved = self._safe(lambda s: s.hints_revealed(ref.pack.id, ref.exercise.id))
            self.hints_shown[key] = min(saved or 0, len(ref.exercise.hints))
        return self.hints_shown[key]

    def shown_hints(self, ref: TaskRef) -> list[str]:
        """The hints revealed so far for a task (in this or an earlier run), in the session's language."""
        return [h.get(self.lang) for h in ref.exercise.hints[: self._hints_seen(ref)]]

    def next_hint(self, ref: TaskRef) -> tuple[int, str] | None:
        """Reveal and remember the next hint (1-based number and text); None when all are shown."""
        shown = self._hints_seen(ref)
        hints = ref.exercise.hints
        if shown >= len(hints):
            return None
        self.hints_shown[(ref.pack.id, ref.exercise.id)] = shown + 1
        self._write(lambda s: s.reveal_hints(ref.pack.id, ref.exercise.id, shown + 1))
        return shown + 1, hints[shown].get(self.lang)

    def states(self, pack: Pack) -> dict[str, TaskState]:
        return self._safe(lambda s: s.task_states(pack.id)) or {}

    def progress(
        self, pack: Pack, states: Mapping[str, TaskState] | None = None
    ) -> list[SectionProgress]:
        """Passed tasks per section; ``states`` saves reading them again when at hand."""
        if states is None:
            states = self.states(pack)
        out = []
        for section in pack.sections:
            exercises = [e for e in pack if e.section == section.id]
            passed = sum(
                1
                for e in exercises
                if (s := states.get(e.id)) and s.status in ("passed", "solution")
            )
            out.append(
                SectionProgress(section.id, section.title.get(self.lang), passed, len(exercises))
            )
        return out

    @staticmethod
    def totals(sections: Iterable[SectionProgress]) -> tuple[int, int]:
        items = list(sections)
        return sum(s.passed for s in items), sum(s.total for s in items)

    # -- store access that never crashes the app ---------------------------------------

    def _safe(self, read: Callable[[ProgressStore], T]) -> T | None:
        if self.store is None:
            return None
        try:
            return read(self.store)
        except ProgressStoreError as exc:
            self.save_error = str(exc)
            return None

    def _write(self, write: Callable[[ProgressStore], object]) -> bool:
        if self.store is None:
            return False
        try:
            write(self.store)
        except ProgressStoreError as exc:
            self.save_error = str(exc)
            return False
        return True
