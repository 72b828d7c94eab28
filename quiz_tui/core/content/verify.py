"""Proves a pack's checks work: every listed answer gets the verdict its author expects.

For each exercise:

* the reference solution passes;
* the untouched starter is ``not_attempted``, and even when run it does not pass
  (nor break the check);
* every listed wrong answer gets its status, a message containing the text
  the author wrote, and the misconception catalogue entry it names (``mistake``);
* every listed alternative passes.

``quiz-tui verify``, the golden tests and ``quiz-tui validate`` all use this.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from quiz_tui.core.execution.job import Job
from quiz_tui.core.execution.runner import Runner
from quiz_tui.core.model import Exercise, Result, Status

CaseKind = Literal["solution", "starter", "starter-run", "alternative", "wrong"]


@dataclass(frozen=True)
class Case:
    exercise: Exercise
    kind: CaseKind
    index: int
    code: str
    line: int | None
    """Where this answer is in the exercise file, for listed answers."""
    statuses: frozenset[Status]
    message: str = ""
    mistake: str = ""
    """The misconception catalogue entry a wrong answer must be diagnosed as."""

    @property
    def label(self) -> str:
        suffix = f"[{self.index}]" if self.kind in ("alternative", "wrong") else ""
        return f"{self.exercise.key}:{self.kind}{suffix}"


@dataclass(frozen=True)
class Outcome:
    case: Case
    result: Result
    problem: str | None
    """None when the verdict is what the author expects."""

    @property
    def ok(self) -> bool:
        return self.problem is None


def cases_for(exercise: Exercise) -> list[Case]:
    out = [
        Case(exercise, "solution", 0, exercise.solution, None, frozenset({Status.PASS})),
        Case(exercise, "starter", 0, exercise.starter, None, frozenset({Status.NOT_ATTEMPTED})),
        Case(
            exercise,
            "starter-run",
            0,
            exercise.starter,
            None,
            frozenset({Status.NOT_ATTEMPTED, Status.FAIL, Status.ERROR}),
        ),
    ]
    for i, alt in enumerate(exercise.alternatives):
        out.append(Case(exercise, "alternative", i, alt.code, alt.line, frozenset({Status.PASS})))
    for i, wrong in enumerate(exercise.wrong):
        out.append(
            Case(
                exercise,
                "wrong",
                i,
                wrong.code,
                wrong.line,
                frozenset({Status(wrong.status)}),
                wrong.message,
                wrong.mistake,
            )
        )
    return out


def job_for(case: Case) -> Job:
    job = Job.for_exercise(case.exercise, case.code, lang="en")
    if case.kind == "starter-run":
        # Run the starter as if the learner had typed it, to prove the check copes.
        job = replace(job, starter=None)
    return job


def judge(case: Case, result: Result) -> Outcome:
    problem: str | None = None
    if result.status not in case.statuses:
        wanted = " or ".join(sorted(s.value for s in case.statuses))
        problem = f"expected {wanted}, got {result.status.value}: {result.message}"
    elif case.message and case.message not in result.message:
        problem = f"message should contain {case.message!r}, got: {result.message}"
    elif case.mistake and result.mistake != case.mistake:
        got = result.mistake or "no catalogue entry"
        problem = f"should be diagnosed as {case.mistake!r}, got {got}: {result.message}"
    return Outcome(case, result, problem)


def verify(
    exercises: Iterable[Exercise],
    runner: Runner,
    *,
    jobs: int = 2,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run every case of every exercise; ``jobs`` run at once."""
    cases = [c for ex in exercises for c in cases_for(ex)]
    lock = threading.Lock()

    def run(case: Case) -> Outcome:
        outcome = judge(case, runner.run(job_for(case)))
        if on_outcome is not None:
            with lock:
                on_outcome(outcome)
        return outcome

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(run, cases))


@dataclass(frozen=True)
class ExerciseSummary:
    """One line of `quiz-tui validate`'s table."""

    exercise: Exercise
    solution: bool
    starter: bool
    wrong: tuple[int, int]
    """(answers that failed as expected, answers listed)"""
    alternatives: tuple[int, int]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def summarize(outcomes: Iterable[Outcome]) -> list[ExerciseSummary]:
    """Group outcomes by exercise, in pack order."""
    by_exercise: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in outcomes:
        ex = outcome.case.exercise
        by_exercise.setdefault((ex.pack_id, ex.id), []).append(outcome)
    rows = []
    for items in by_exercise.values():
        ex = items[0].case.exercise

        def count(kind: str, group: list[Outcome] = items) -> tuple[int, int]:
            mine = [o for o in group if o.case.kind == kind]
            return sum(o.ok for o in mine), len(mine)

        solution = all(o.ok for o in items if o.case.kind == "solution")
        starter = all(o.ok for o in items if o.case.kind in ("starter", "starter-run"))
        problems = tuple(
            f"{o.case.label}" + (f" (line {o.case.line})" if o.case.line else "") + f": {o.problem}"
            for o in items
            if not o.ok
        )
        rows.append(
            ExerciseSummary(ex, solution, starter, count("wrong"), count("alternative"), problems)
        )
    return rows
