"""Timed self-assessment: choosing the tasks, keeping time, grading and reporting.

An exam is a fixed list of tasks with a wall-clock deadline, like a real
exam: time keeps running while the app is closed. Everything about it lives
in the progress database (``exams`` and ``exam_tasks``), so an exam survives a
crash or a dropped SSH connection, and one exam never overwrites another.
The clock is injected (``Clock``), so tests never sleep.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from quiz_tui.core.errors import QuizError
from quiz_tui.core.messages import BASE, say
from quiz_tui.core.model import Exercise, Pack, Result, Status
from quiz_tui.core.state.progress import ProgressStore

Clock = Callable[[], float]
"""Seconds since the epoch; ``time.time`` in the app, a fake in tests."""

WARNINGS = (300, 60)
"""Seconds before the end at which the learner is warned."""
DEFAULT_MINUTES = 30
ExamState = Literal["running", "handed_in", "timed_out", "abandoned"]
EXPORT_KIND = "quiz-tui-exam"
"""``kind`` in an exam report's JSON: how ``quiz-tui grade`` knows one."""


class ExamError(QuizError):
    """An exam cannot be made or found (bad selection, unknown id).

    Raised with a message key and its fields (``ExamError("core.exam-no-task", number=99)``):
    ``str()`` is the English text, for the command line and logs; the app shows
    ``text(lang)``, in the learner's language.
    """

    def __init__(self, key: str, /, **fields: Any) -> None:
        self.key = key
        self.fields = fields
        super().__init__(say(BASE, key, **fields))

    def text(self, lang: str) -> str:
        """The message in ``lang`` (English where that language lacks it)."""
        return say(lang, self.key, **self.fields)


MAX_SELECTED = 10_000
"""The most task numbers a selection may name: ``1-100000000000`` is a typo, not a pack."""


def parse_numbers(spec: str) -> list[int]:
    """``"1-25,30"`` → [1, ..., 25, 30]; raises ExamError with the bad part."""
    numbers: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                if lo > hi:
                    raise ValueError
                if hi - lo + 1 + len(numbers) > MAX_SELECTED:
                    raise ExamError(
                        "core.exam-too-many-tasks", part=repr(part), limit=f"{MAX_SELECTED:,}"
                    )
                numbers.extend(range(lo, hi + 1))
            else:
                numbers.append(int(part))
        except ValueError as exc:
            raise ExamError("core.exam-not-a-task-number", part=repr(part)) from exc
    return list(dict.fromkeys(numbers))


@dataclass(frozen=True)
class ExamPlan:
    """What the learner asked for, before the clock starts."""

    pack: Pack
    exercises: tuple[Exercise, ...]
    minutes: float
    feedback: bool
    seed: int | None
    selection: str
    """A stable description of the choice, to compare with earlier attempts at it."""


def plan(
    pack: Pack,
    *,
    tasks: str | None = None,
    section: str | None = None,
    random_count: int | None = None,
    minutes: float = DEFAULT_MINUTES,
    seed: int | None = None,
    feedback: bool = True,
) -> ExamPlan:
    """Choose the exam's tasks from ``pack`` (all of them unless narrowed)."""
    chosen = list(pack.exercises)
    if tasks:
        wanted = parse_numbers(tasks)
        known = {ex.number for ex in chosen}
        missing = [n for n in wanted if n not in known]
        if missing:
            raise ExamError("core.exam-no-such-task", number=missing[0])
        chosen = [ex for ex in chosen if ex.number in wanted]
    if section:
        ids = {s.id for s in pack.sections}
        match = [s.id for s in pack.sections if section in (s.id, s.title.en, s.title.zh)]
        if not match:
            raise ExamError(
                "core.exam-no-such-section",
                section=repr(section),
                sections=", ".join(sorted(ids)),
            )
        chosen = [ex for ex in chosen if ex.section == match[0]]
    if random_count is not None:
        if random_count < 1:
            raise ExamError("core.exam-random-too-small")
        if random_count > len(chosen):
            raise ExamError("core.exam-random-too-large", count=random_count, tasks=len(chosen))
        rng = random.Random(seed)
        chosen = sorted(rng.sample(chosen, random_count), key=lambda e: e.number)
    if not chosen:
        raise ExamError("core.exam-no-tasks")
    if not 1 <= minutes <= 24 * 60:
        raise ExamError("core.exam-minutes-out-of-range")
    selection = f"{pack.id}:" + ",".join(ex.id for ex in chosen)
    return ExamPlan(pack, tuple(chosen), float(minutes), feedback, seed, selection)


@dataclass
class TaskRecord:
    exercise: str
    number: int
    title: str
    section: str
    seconds: float = 0.0
    checks: int = 0
    status: str | None = None
    message: str = ""
    code: str | None = None


@dataclass
class Exam:
    id: int
    pack: str
    selection: str
    exercise_ids: list[str]
    minutes: float
    feedback: bool
    seed: int | None
    started_at: float
    deadline: float
    finished_at: float | None
    state: ExamState

    def remaining(self, now: float) -> float:
        return max(0.0, self.deadline - now)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def verdicts_hidden(self, now: float) -> bool:
        """Whether verdicts and the score must not be shown anywhere yet.

        True while a no-feedback exam runs; after hand-in or the deadline the
        learner can no longer change what is graded, so they may be shown.
        """
        return self.running and not self.feedback and now < self.deadline

    @property
    def draft_scope(self) -> str:
        """Drafts of an exam are kept apart from practice drafts (and other exams)."""
        return f"exam:{self.id}"


def format_clock(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.999))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class ExamBook:
    """Exams in the progress database. Uses the store's connection and lock."""

    def __init__(self, store: ProgressStore, clock: Clock = time.time) -> None:
        self.store = store
        self.clock = clock

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.store.query(sql, args)

    @staticmethod
    def _exam(row: tuple[Any, ...]) -> Exam:
        (
            id_,
            pack,
            selection,
            tasks,
            minutes,
            feedback,
            seed,
            started,
            deadline,
            finished,
            state,
        ) = row
        return Exam(id_, pack, selection, json.loads(tasks), minutes, bool(feedback), seed,
                    started, deadline, finished, state)  # fmt: skip

    _COLUMNS = (
        "id, pack, selection, tasks, minutes, feedback, seed, started_at, deadline, "
        "finished_at, state"
    )

    def start(self, exam_plan: ExamPlan) -> Exam:
        now = self.clock()
        ids = [ex.id for ex in exam_plan.exercises]
        with self.store.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO exams (pack, selection, tasks, minutes, feedback, seed, started_at, "
                "deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (exam_plan.pack.id, exam_plan.selection, json.dumps(ids), exam_plan.minutes,
                 int(exam_plan.feedback), exam_plan.seed, now, now + exam_plan.minutes * 60),
            )  # fmt: skip
            exam_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO exam_tasks (exam, exercise, position) VALUES (?, ?, ?)",
                [(exam_id, ex_id, i) for i, ex_id in enumerate(ids)],
            )
        return self.get(exam_id)

    def get(self, exam_id: int) -> Exam:
        rows = self._rows(f"SELECT {self._COLUMNS} FROM exams WHERE id = ?", (exam_id,))
        if not rows:
            raise ExamError("core.exam-not-found", id=exam_id)
        return self._exam(rows[0])

    def running(self) -> Exam | None:
        """The unfinished exam to offer to resume (the newest, if several)."""
        rows = self._rows(
            f"SELECT {self._COLUMNS} FROM exams WHERE state = 'running' ORDER BY id DESC LIMIT 1"
        )
        return self._exam(rows[0]) if rows else None

    def history(self) -> list[Exam]:
        rows = self._rows(f"SELECT {self._COLUMNS} FROM exams ORDER BY id")
        return [self._exam(r) for r in rows]

    def latest_finished(self) -> Exam | None:
        finished = [e for e in self.history() if not e.running]
        return finished[-1] if finished else None

    # -- during the exam ----------------------------------------------------------

    def add_time(self, exam: Exam, exercise_id: str, seconds: float) -> None:
        if seconds <= 0:
            return
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE exam_tasks SET seconds = seconds + ? WHERE exam = ? AND exercise = ?",
                (seconds, exam.id, exercise_id),
            )

    def record_check(self, exam: Exam, exercise_id: str, code: str, result: Result) -> None:
        from quiz_tui.core.execution.checking import recordable

        if not recordable(result):
            return
        self._save_verdict(exam, exercise_id, code, result, checks=1, source="app")

    def record_final(self, exam: Exam, exercise_id: str, code: str, result: Result) -> None:
        """The hand-in check of a task: its verdict is the one that counts."""
        self._save_verdict(exam, exercise_id, code, result, checks=0, source="exam")

    def _save_verdict(
        self, exam: Exam, exercise_id: str, code: str, result: Result, *, checks: int, source: str
    ) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE exam_tasks SET checks = checks + ?, status = ?, message = ?, code = ? "
                "WHERE exam = ? AND exercise = ?",
                (checks, result.status.value, result.message, code, exam.id, exercise_id),
            )
        self.store.record_attempt(
            exam.pack, exercise_id, result.status, result.seconds, code, source=source, exam=exam.id
        )

    def finish(self, exam: Exam, state: ExamState) -> Exam:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE exams SET state = ?, finished_at = ? WHERE id = ? AND state = 'running'",
                (state, self.clock(), exam.id),
            )
        return self.get(exam.id)

    # -- afterwards -----------------------------------------------------------------

    def tasks(self, exam: Exam, pack: Pack | None = None) -> list[TaskRecord]:
        rows = self._rows(
            "SELECT exercise, seconds, checks, status, message, code FROM exam_tasks "
            "WHERE exam = ? ORDER BY position",
            (exam.id,),
        )
        records = []
        for exercise, seconds, checks, status, message, code in rows:
            ex = pack.find(exercise) if pack else None
            records.append(
                TaskRecord(
                    exercise=exercise,
                    number=ex.number if ex else 0,
                    title=ex.title.en if ex else exercise,
                    section=ex.section if ex else "",
                    seconds=seconds,
                    checks=checks,
                    status=status,
                    message=message,
                    code=code,
                )
            )
        return records


def _passed(tasks: Iterable[TaskRecord]) -> int:
    return sum(1 for t in tasks if t.status == Status.PASS.value)


@dataclass
class Report:
    """What an exam came to: the score, each task, each section, and earlier tries."""

    exam: Exam
    tasks: list[TaskRecord]
    sections: list[dict[str, Any]] = field(default_factory=list)
    earlier: list[dict[str, Any]] = field(default_factory=list)
    hidden: bool = False
    """A no-feedback exam still running: ``tasks`` carry no verdicts and there is no score."""
    learner: str = ""
    """Who took the exam (``--learner``, ``QUIZ_TUI_LEARNER`` or ``learner`` in config.toml):
    a report handed in for grading names its author."""
    pack_version: str = ""
    """The version of the pack the exam was taken from (``version`` in its pack.toml)."""

    @property
    def passed(self) -> int:
        return _passed(self.tasks)

    @property
    def score(self) -> float:
        return self.passed / len(self.tasks) if self.tasks else 0.0

    def outcome(self, task: TaskRecord) -> str:
        if self.hidden:
            return "hidden"
        if task.status == Status.PASS.value:
            return "passed"
        if task.status in (None, Status.NOT_ATTEMPTED.value):
            return "not attempted"
        return "failed"

    def to_json(self) -> dict[str, Any]:
        e = self.exam
        return {
            "version": 1,
            "kind": EXPORT_KIND,
            "learner": self.learner,
            "pack": {"id": e.pack, "version": self.pack_version},
            "exam": {
                "id": e.id,
                "pack": e.pack,
                "selection": e.selection,
                "minutes": e.minutes,
                "feedback": e.feedback,
                "seed": e.seed,
                "state": e.state,
                "started_at": e.started_at,
                "finished_at": e.finished_at,
                "used_seconds": round((e.finished_at or e.deadline) - e.started_at, 1),
            },
            "verdicts_hidden": self.hidden,
            "score": {
                "passed": None if self.hidden else self.passed,
                "total": len(self.tasks),
                "fraction": None if self.hidden else round(self.score, 4),
            },
            "tasks": [
                {**asdict(t), "outcome": self.outcome(t), "seconds": round(t.seconds, 1)}
                for t in self.tasks
            ],
            "sections": self.sections,
            "earlier": self.earlier,
        }

    def to_markdown(self) -> str:
        e = self.exam
        score = (
            "running, verdicts hidden until the end"
            if self.hidden
            else f"{self.passed}/{len(self.tasks)} passed ({self.score:.0%})"
        )
        lines = [
            f"# Exam {e.id}: {score}",
            "",
            *([f"- Learner: {self.learner}"] if self.learner else []),
            f"- Pack: {e.pack}{f' {self.pack_version}' if self.pack_version else ''}; "
            f"{len(self.tasks)} tasks in {e.minutes:g} minutes "
            f"({'verdicts shown' if e.feedback else 'verdicts hidden until the end'})",
            f"- Started {_when(e.started_at)}; {e.state.replace('_', ' ')} {_when(e.finished_at)}",
            "",
            "| # | Task | Outcome | Time | Checks |",
            "|---|---|---|---|---|",
        ]
        for t in self.tasks:
            lines.append(
                f"| {t.number} | {t.title} | {self.outcome(t)} | {format_clock(t.seconds)} | {t.checks} |"
            )
        lines += ["", "## By section", "", "| Section | Passed |", "|---|---|"]
        for s in self.sections:
            passed = "?" if s["passed"] is None else s["passed"]
            lines.append(f"| {s['title']} | {passed}/{s['total']} |")
        lines += ["", "## Earlier attempts at the same tasks", ""]
        if self.earlier:
            for prior in self.earlier:
                lines.append(
                    f"- Exam {prior['id']} ({_when(prior['started_at'])}): {prior['passed']}/{prior['total']}"
                )
        else:
            lines.append("- None: this is the first.")
        lines += ["", "## Your final code", ""]
        for t in self.tasks:
            lines += [f"### {t.number}. {t.title} ({self.outcome(t)})", ""]
            if t.message and t.status != Status.PASS.value:
                lines += [f"> {t.message}", ""]
            lines += ["```python", (t.code or "# (nothing written)").rstrip(), "```", ""]
        return "\n".join(lines)


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


def report(book: ExamBook, exam: Exam, pack: Pack | None, *, learner: str = "") -> Report:
    """The report of ``exam``; while it hides verdicts, without them (see ``Report.hidden``).

    Its JSON, with the ``learner`` named, is what a learner hands in for
    ``quiz-tui grade``: each task's final code, the pack's id and version.
    """
    tasks = book.tasks(exam, pack)
    hidden = exam.verdicts_hidden(book.clock())
    if hidden:  # redacted here, so no way of showing a report can leak them
        tasks = [replace(t, status=None, message="") for t in tasks]
    sections: list[dict[str, Any]] = []
    if pack is not None:
        for s in pack.sections:
            mine = [t for t in tasks if t.section == s.id]
            if mine:
                sections.append({
                    "id": s.id, "title": s.title.en,
                    "passed": None if hidden else _passed(mine),
                    "total": len(mine),
                })  # fmt: skip
    earlier = []
    for other in book.history():
        if other.id >= exam.id or other.selection != exam.selection or other.running:
            continue
        others = book.tasks(other)
        earlier.append({
            "id": other.id, "started_at": other.started_at, "state": other.state,
            "passed": _passed(others), "total": len(others),
        })  # fmt: skip
    version = pack.version if pack is not None else ""
    return Report(exam, tasks, sections, earlier, hidden, learner.strip(), version)


def next_warning(remaining: float, already: Iterable[int]) -> int | None:
    """The warning (300 or 60 seconds) due now and not yet given, if any."""
    done = set(already)
    due = [w for w in WARNINGS if remaining <= w and w not in done]
    return min(due) if due else None
