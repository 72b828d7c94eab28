"""Exercise format 2: code in a .py module, solution markers, and ``quiz-tui upgrade``."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from quiz_tui.cli import main
from quiz_tui.core.content import format2 as content
from quiz_tui.core.content.loader import load_pack, read_exercise, read_pack_file, validate_path
from quiz_tui.core.content.scaffold import new_exercise, new_pack
from quiz_tui.core.content.upgrade import free_names, upgrade_pack
from quiz_tui.core.errors import ExerciseFileError
from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Exercise, Status

FORMAT1_PACK = Path(__file__).parent / "data" / "linear-regression-format1"
"""The example pack as it was in format 1, for ``upgrade``'s round trip."""


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


# -- solution markers --------------------------------------------------------------------

MARKER_CASES = [
    pytest.param(
        "x = torch.ones(3)  # SOLUTION\n", "x = ...\n", "x = torch.ones(3)\n", id="assign"
    ),
    pytest.param("x: int = 5 # SOLUTION\n", "x: int = ...\n", "x: int = 5\n", id="annotated"),
    pytest.param("a, b = 1, 2  # SOLUTION\n", "a, b = ...\n", "a, b = 1, 2\n", id="tuple"),
    pytest.param(
        "x = f(y=2)  # SOLUTION\nprint(x)\n",
        "x = ...\nprint(x)\n",
        "x = f(y=2)\nprint(x)\n",
        id="keyword-in-value",
    ),
    pytest.param("x == 5  # SOLUTION\n", "...\n", "x == 5\n", id="comparison-is-not-assignment"),
    pytest.param(
        "with torch.no_grad():\n    loss.backward()  # SOLUTION\n",
        "with torch.no_grad():\n    ...\n",
        "with torch.no_grad():\n    loss.backward()\n",
        id="statement-keeps-indentation",
    ),
    pytest.param(
        "class Net:\n    def f(self):\n        self.fc = nn.Linear(1, 1)  # SOLUTION\n",
        "class Net:\n    def f(self):\n        self.fc = ...\n",
        "class Net:\n    def f(self):\n        self.fc = nn.Linear(1, 1)\n",
        id="attribute-target",
    ),
    pytest.param(
        "for i in range(3):\n    # BEGIN SOLUTION\n    a = 1\n\n    b = 2\n    # END SOLUTION\nprint(a)\n",
        "for i in range(3):\n    ...\nprint(a)\n",
        "for i in range(3):\n    a = 1\n\n    b = 2\nprint(a)\n",
        id="block",
    ),
    pytest.param(
        "# BEGIN SOLUTION\n# END SOLUTION\nx = 1\n", "...\nx = 1\n", "x = 1\n", id="empty-block"
    ),
    pytest.param("x = 1\n", "x = 1\n", "x = 1\n", id="no-markers"),
    pytest.param("y = 2  #SOLUTION", "y = ...", "y = 2", id="no-final-newline"),
]


@pytest.mark.parametrize(("solution", "starter", "clean"), MARKER_CASES)
def test_markers_give_the_starter_and_a_clean_solution(
    solution: str, starter: str, clean: str
) -> None:
    assert content.derive_starter(solution) == starter
    assert content.clean_solution(solution) == clean


@pytest.mark.parametrize(
    ("solution", "line", "message"),
    [
        ("x = 1\n# BEGIN SOLUTION\ny = 2\n", 2, "never closed"),
        ("# END SOLUTION\n", 1, "without a # BEGIN SOLUTION"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", 2, "inside the block"),
    ],
)
def test_unbalanced_markers_are_located(solution: str, line: int, message: str) -> None:
    with pytest.raises(content.MarkerError) as info:
        content.derive_starter(solution)
    assert info.value.line == line and message in info.value.message


@pytest.mark.parametrize(
    ("solution", "starter"),
    [
        ("model = nn.Linear(1, 1)\n", "model = ...\n"),
        ("p = model(X)\nloss = (p - y).mean()\n", "p = model(X)\nloss = ...\n"),
        (
            "for x in xs:\n    a = f(x)\n    b = g(a)\nprint(b)\n",
            "for x in xs:\n    ...\nprint(b)\n",
        ),
    ],
)
def test_mark_solution_reproduces_the_starter(solution: str, starter: str) -> None:
    marked = content.mark_solution(solution, starter)
    assert marked is not None
    assert content.derive_starter(marked) == starter
    assert content.clean_solution(marked) == solution


def test_mark_solution_gives_up_when_no_marking_fits() -> None:
    assert content.mark_solution("loss = f()\n", "loss = ...\n# then backpropagate\n") is None


def test_module_names() -> None:
    assert content.module_name("04-zeros-long") == "ex04_zeros_long"
    assert content.module_name("12") == "ex12"
    assert content.module_name("mse") == "ex_mse"


# -- loading -----------------------------------------------------------------------------

PACK = """\
format = 2
id = "demo"
name.en = "Demo"
name.zh = "演示"

[[sections]]
id = "basics"
title.en = "Basics"
title.zh = "基础"

[fixtures]
torch = '''
import torch
'''
"""

EXERCISE = """\
format = 2
id = "double"
number = 1
section = "basics"
title.en = "Double"
title.zh = "翻倍"
fixtures = ["torch"]
setup = '''
base = torch.arange(3.0)
'''
prompt.en = "Make `y`, twice `base`."
prompt.zh = "创建 `y`：`base` 的两倍。"

solution = '''
y = base * 2  # SOLUTION
'''

[[hints]]
en = "Multiply."
zh = "相乘。"
"""

CODE = """\
from typing import Any

import torch

from checkers import expect, expect_tensor, record


def check(
    y: torch.Tensor,
    base: torch.Tensor,
    seen: list[float],
    facts: dict[str, Any],
    unused: int = 5,
) -> None:
    expect(seen == [3.0], f"instrument saw {seen}", f"instrument saw {seen}", name="instrument")
    expect(facts.get("total") == float(y.sum()), "probe", "probe", name="probe recorded")
    expect_tensor(y, name="y", values=base * 2)


def probe(y: torch.Tensor) -> None:
    record("total", float(y.sum()))


def instrument(base: torch.Tensor) -> dict[str, Any]:
    return {"seen": [float(base.sum())]}
"""


def make_pack(root: Path, code: str = CODE, exercise: str = EXERCISE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.toml").write_text(PACK)
    (root / "01-double.toml").write_text(exercise)
    (root / "ex01_double.py").write_text(code)
    return root


def load_one(root: Path) -> Exercise:
    return read_exercise(root / "01-double.toml", read_pack_file(root / "pack.toml"))


def test_a_format2_exercise_loads(tmp_path: Path) -> None:
    ex = load_one(make_pack(tmp_path / "demo"))
    assert ex.format == 2
    assert ex.starter == "y = ...\n"
    assert ex.solution == "y = base * 2\n"
    assert ex.check == CODE
    assert ex.code_path == tmp_path / "demo" / "ex01_double.py"
    assert ex.check_names == ("y", "base", "seen")  # not facts, not the defaulted one
    assert ex.required_names == ("y", "base", "seen")
    # The learner's process gets the probe and instrument, never the check.
    assert "def probe" in ex.hooks and "def instrument" in ex.hooks
    assert "def check" not in ex.hooks and "expect_tensor(y" not in ex.hooks
    assert ex.hooks.count("\n") == CODE.count("\n")  # line numbers kept
    job = Job.for_exercise(ex, ex.solution)
    assert (job.format, job.hooks, job.code_file) == (2, ex.hooks, "ex01_double.py")


@pytest.mark.parametrize(
    ("code", "line", "message"),
    [
        ("import torch\n\ndef probe(x):\n    pass\n", 1, "missing `def check(...)`"),
        ("def check(x):\n    pass\n\n\ndef check(y):\n    pass\n", 5, "defined twice"),
        ("def check(x, *rest):\n    pass\n", 1, "plain named parameters"),
        ("import torch\n\n\ndef check(x):\n    return (\n", 5, "Python syntax error"),
        ("async def check(x):\n    pass\n", 1, "not async"),
    ],
)
def test_code_file_problems_name_the_py_file_and_line(
    tmp_path: Path, code: str, line: int, message: str
) -> None:
    root = make_pack(tmp_path / "demo", code=code)
    with pytest.raises(ExerciseFileError) as info:
        load_one(root)
    [problem] = info.value.problems
    assert problem.path.name == "ex01_double.py"
    assert problem.line == line and message in problem.message, problem
    # validate reports it too, and so does a pack load (as a broken exercise).
    assert [(p.path.name, p.line) for p in validate_path(root)] == [("ex01_double.py", line)]
    py = root / "ex01_double.py"
    assert [(p.path.name, p.line) for p in validate_path(py)] == [("ex01_double.py", line)]


def test_format2_toml_problems(tmp_path: Path) -> None:
    root = make_pack(tmp_path / "demo")
    (root / "ex01_double.py").unlink()
    bad = EXERCISE.replace("[[hints]]", "check = 'x'\n\n[[hints]]").replace(
        "y = base * 2  # SOLUTION\n", "# BEGIN SOLUTION\ny = base * 2\n"
    )
    (root / "01-double.toml").write_text(bad)
    problems = validate_path(root)
    messages = [(p.path.name, p.line, p.message) for p in problems]
    assert ("01-double.toml", 15, "# BEGIN SOLUTION is never closed by # END SOLUTION") in messages
    assert any("format 2 keeps 'check' in the code file" in m for _, _, m in messages)
    assert any("no code file ex01_double.py" in m for _, _, m in messages)


def test_code_names_another_file(tmp_path: Path) -> None:
    root = make_pack(tmp_path / "demo")
    (root / "ex01_double.py").rename(root / "double_checks.py")
    (root / "01-double.toml").write_text(
        EXERCISE.replace("format = 2\n", 'format = 2\ncode = "double_checks.py"\n')
    )
    assert load_one(root).code_file == "double_checks.py"


# -- the judge's call convention, end to end -----------------------------------------------


def test_the_judge_calls_check_with_the_learners_names(runner: Runner, tmp_path: Path) -> None:
    ex = load_one(make_pack(tmp_path / "demo"))
    ok = runner.run(Job.for_exercise(ex, "y = base * 2\n"))
    assert ok.status is Status.PASS, ok.message
    assert [c.name for c in ok.checks][:2] == ["instrument", "probe recorded"]

    wrong = runner.run(Job.for_exercise(ex, "y = base * 3\n"))
    assert wrong.status is Status.FAIL
    assert "`y` has the wrong values" in wrong.message


def test_a_name_check_needs_and_the_code_lacks(runner: Runner, tmp_path: Path) -> None:
    ex = load_one(make_pack(tmp_path / "demo"))
    # The learner's side knows check's parameters (as names): no judge needed.
    placeholder = runner.run(replace(Job.for_exercise(ex, "y = ...\n"), starter=None))
    assert placeholder.status is Status.NOT_ATTEMPTED
    assert "does not define `y`" in placeholder.message
    other = runner.run(Job.for_exercise(ex, "z = base * 2\n"))
    assert other.status is Status.FAIL and "does not define `y`" in other.message
    # The judge says the same when it is the one that finds the name missing.
    judged = runner.run(replace(Job.for_exercise(ex, "z = base * 2\n"), names=()))
    assert judged.status is Status.FAIL and "does not define `y`" in judged.message


def test_a_broken_check_module_is_the_exercises_fault(runner: Runner, tmp_path: Path) -> None:
    code = CODE.replace("    expect_tensor(y,", "    1 / 0\n    expect_tensor(y,")
    ex = load_one(make_pack(tmp_path / "demo", code=code))
    result = runner.run(Job.for_exercise(ex, "y = base * 2\n"))
    assert result.status is Status.CHECKER_ERROR
    assert "ZeroDivisionError" in result.message
    assert 'File "ex01_double.py", line 17, in check' in result.traceback


# -- upgrade -------------------------------------------------------------------------------


def test_free_names() -> None:
    code = "start = before()\nold = [p for p in model.parameters()]\nloss = loss.detach()\n"
    _everything, passed = free_names(code)
    assert passed == ["before", "model", "loss"]
    assert free_names("def f():\n    return want\nwant = 3\nf()\n")[1] == []


def test_upgrade_round_trip_keeps_every_exercise(tmp_path: Path) -> None:
    root = tmp_path / "lr"
    shutil.copytree(FORMAT1_PACK, root)
    before = {ex.id: ex for ex in load_pack(root)}
    code, out = invoke("upgrade", "--dry-run", str(root))
    assert code == 0 and "would write ex01_linear_layer.py [check(model)]" in out
    assert not (root / "ex01_linear_layer.py").exists()
    plans = upgrade_pack(root)
    assert [p.code.name for p in plans] == [
        "ex01_linear_layer.py", "ex02_mse.py", "ex03_gradient_step.py"
    ]  # fmt: skip
    assert [p.markers for p in plans] == [True, True, False]
    after = {ex.id: ex for ex in load_pack(root)}
    assert set(after) == set(before)
    for ex_id, old in before.items():
        new = after[ex_id]
        assert new.format == 2 and old.format == 1
        assert (new.starter, new.solution, new.names, new.setup) == (
            old.starter, old.solution, old.names, old.setup
        )  # fmt: skip
        for mine, theirs in ((new.alternatives, old.alternatives), (new.wrong, old.wrong)):
            # The same answers, only on other lines of the shorter file.
            assert [replace(c, line=0) for c in mine] == [replace(c, line=0) for c in theirs]
        assert (new.hints, new.explain, new.limits) == (old.hints, old.explain, old.limits)
    text = (root / "01-linear-layer.toml").read_text()
    assert "format = 2" in text and "# SOLUTION" in text and "check =" not in text
    assert "format = 2" in (root / "pack.toml").read_text()
    assert "# An example pack for AUTHORING.md" in (root / "pack.toml").read_text()
    code, out = invoke("upgrade", str(root))
    assert code == 0 and "nothing to upgrade" in out


@pytest.mark.slow
def test_an_upgraded_pack_validates(tmp_path: Path) -> None:
    root = tmp_path / "lr"
    shutil.copytree(FORMAT1_PACK, root)
    upgrade_pack(root)
    code, out = invoke("validate", str(root))
    assert code == 0, out


def test_new_exercise_writes_format2_that_validates(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    new_pack(folder)
    added = new_exercise(folder / "02-matmul.toml")
    assert "format = 2" in added.read_text()
    assert (folder / "ex01_vector_of_ones.py").is_file()
    assert "def check(v: torch.Tensor)" in (folder / "ex02_matmul.py").read_text()
    assert validate_path(folder) == []
    ex = load_pack(folder).find("2")
    assert ex is not None and ex.starter == "v = ...\n" and ex.check_names == ("v",)


def test_a_pack_loaded_by_a_relative_path_gives_its_lib_as_an_absolute_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The checks run in folders of their own: a relative lib would not be found
    # there (`quiz-tui validate exercises/pytorch60` failed with "No module named").
    from quiz_tui.core.content.loader import load_pack

    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    pack = load_pack(Path("exercises/pytorch60"))
    lib = next(iter(pack)).lib
    assert Path(lib).is_absolute()
    assert Path(lib) == root / "exercises/pytorch60/lib"
