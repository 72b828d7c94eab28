"""Golden tests: every exercise's listed answers get the verdicts their author expects.

For each exercise the reference solution passes, the untouched starter is
"not attempted" (and does not pass when run), each listed wrong answer fails
with its message, and each listed alternative passes.
"""

from __future__ import annotations

import pytest

from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.content.verify import Case, cases_for, job_for, judge
from quiz_tui.core.execution.runner import Runner

PACK = load_builtin()
CASES = [case for exercise in PACK for case in cases_for(exercise)]


def test_the_pack_loads_without_broken_files() -> None:
    assert [str(p) for b in PACK.broken for p in b.problems] == []


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_case(case: Case, runner: Runner) -> None:
    outcome = judge(case, runner.run(job_for(case)))
    assert outcome.ok, outcome.problem


def test_every_exercise_lists_wrong_and_alternative_answers() -> None:
    thin = [ex.key for ex in PACK if not ex.wrong or not ex.alternatives]
    assert thin == []
