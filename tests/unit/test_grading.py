"""Grading a class: exported exams in, a CSV and a summary out, in one run or in shards.

The class works on the example pack (three quick tasks). Its submissions are real
exports (``Report.to_json`` of exams recorded in a progress store), a progress
export, and files that cannot be graded; every check goes through the real runner.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from quiz_tui.cli import main
from quiz_tui.core.content.loader import load_pack
from quiz_tui.core.execution.runner import Runner
from quiz_tui.core.model import Result, Status
from quiz_tui.core.state import grading
from quiz_tui.core.state.exam import ExamBook, plan, report
from quiz_tui.core.state.progress import ProgressStore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "linear-regression"
PACK = load_pack(EXAMPLE)
SOLUTION = {ex.id: ex.solution for ex in PACK}
SUM = "predictions = model(X)\nloss = ((predictions - y) ** 2).sum()\n"
NO_STEP = "loss = ((model(X) - y) ** 2).mean()\nloss.backward()\n"
WIDE = "model = nn.Linear(20, 1)\n"
HEADER = "learner,file,1 linear-layer,2 mse,3 gradient-step,total"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def exam_export(tmp: Path, learner: str, codes: dict[str, str | None]) -> dict[str, Any]:
    """The JSON ``exam report --export`` writes for an exam in which ``codes`` were handed in."""
    store = ProgressStore(tmp / f"{learner or 'anon'}.db")
    book = ExamBook(store)
    exam = book.start(plan(PACK))
    for ex_id, code in codes.items():
        if code is not None:
            verdict = Result(task="", status=Status.PASS, message="(believed by nobody)")
            book.record_final(exam, ex_id, code, verdict)
    exam = book.finish(exam, "handed_in")
    data = report(book, exam, PACK, learner=learner).to_json()
    store.close()
    return data


@pytest.fixture
def classroom(tmp_path: Path) -> Path:
    """Four learners' submissions and four files that cannot be graded."""
    folder = tmp_path / "class"
    folder.mkdir()
    work = tmp_path / "stores"
    work.mkdir()

    def put(name: str, data: Any) -> None:
        (folder / name).write_text(json.dumps(data, ensure_ascii=False), "utf-8")

    put("alice.json", exam_export(work, "alice", dict(SOLUTION)))
    bob = exam_export(work, "bob", {"linear-layer": SOLUTION["linear-layer"], "mse": SUM, "gradient-step": NO_STEP})  # fmt: skip
    put("bob.json", bob)
    carol = exam_export(work, "carol", {"linear-layer": WIDE, "mse": SOLUTION["mse"], "gradient-step": None})  # fmt: skip
    carol["tasks"].append({"exercise": "retired-task", "code": "x = 1\n"})
    put("carol.json", carol)
    # A progress export names the learner too; only its attempts at this pack count.
    put(
        "dave.json",
        {
            "format": "quiz-tui-progress",
            "version": 1,
            "learner": "dave",
            "attempts": [
                {
                    "pack": "linear-regression",
                    "exercise": "mse",
                    "at": 1.0,
                    "code": SOLUTION["mse"],
                },
                {"pack": "linear-regression", "exercise": "mse", "at": 2.0, "code": SUM},
                {"pack": "pytorch60", "exercise": "linear-layer", "at": 3.0, "code": "x = 1"},
            ],
        },
    )
    (folder / "broken.json").write_text('{"kind": "quiz-tui-exam", ', "utf-8")
    (folder / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    other = exam_export(work, "erin", dict(SOLUTION))
    other["pack"]["id"] = "pytorch60"
    put("erin.json", other)
    put("notes.json", {"hello": "world"})
    (folder / "readme.txt").write_text("not a submission, and not a .json file", "utf-8")
    return folder


def expected_csv(folder: Path) -> str:
    return "\n".join(
        [
            HEADER,
            f"alice,{folder / 'alice.json'},1,1,1,3",
            f"bob,{folder / 'bob.json'},1,0,0,1",
            f"carol,{folder / 'carol.json'},0,1,0,1",
            f"dave,{folder / 'dave.json'},0,0,0,0",
            "",
        ]
    )


def test_grade_writes_the_csv_details_and_summary(classroom: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code, output = invoke(
        "grade", str(classroom), "--pack", str(EXAMPLE), "-o", str(out / "grades.csv"),
        "--summary", str(out / "summary.md"), "-j", "2",
    )  # fmt: skip
    assert code == 0, output
    assert (out / "grades.csv").read_text("utf-8") == expected_csv(classroom)
    # Unreadable submissions are named, with why, and skipped.
    for name, why in [
        ("broken.json", "not JSON"),
        ("binary.json", "not UTF-8"),
        ("erin.json", "for pack 'pytorch60', not 'linear-regression'"),
        ("notes.json", "not an exported exam"),
    ]:
        assert f"skipped {classroom / name}: {why}" in output
    assert "graded 4 learners on 3 tasks, 4 submissions skipped" in output

    details = json.loads((out / "grades.details.json").read_text("utf-8"))
    assert details["pack"] == {"id": "linear-regression", "version": "1.0"}
    bob = next(g for g in details["learners"] if g["learner"] == "bob")
    assert bob["tasks"]["mse"]["status"] == "fail"
    assert "the sum of the squared errors" in bob["tasks"]["mse"]["message"]
    assert bob["tasks"]["gradient-step"]["status"] == "fail"

    summary = (out / "summary.md").read_text("utf-8")
    assert "# Grades: linear-regression 1.0" in summary
    assert "4 learners graded, 4 submissions skipped; mean total 1.25 of 3." in summary
    assert "| 1 | A linear layer | 2/4 | 50% |" in summary
    assert "| 2 | Mean squared error | 2/4 | 50% |" in summary
    assert "| 3 | One gradient-descent step by hand | 1/4 | 25% |" in summary
    mse = summary.split("### 2. Mean squared error")[1].split("###")[0]
    top = mse.strip().splitlines()[0]
    assert top.startswith("- 2× ") and "the sum of the squared errors" in top
    assert "task 'retired-task' is not in pack 'linear-regression'; ignored" in summary
    assert f"- {classroom / 'broken.json'}: not JSON" in summary


def test_the_json_summary_groups_failures_by_catalogue_id(tmp_path: Path) -> None:
    grades = grading.Grades("p", "", [grading.Column(1, "t", "T")])
    for i, (status, message, mistake) in enumerate(
        [
            ("fail", "Call optimizer.step()", "training-step-missing"),
            ("fail", "调用 optimizer.step()", "training-step-missing"),
            ("fail", "other", ""),
            ("checker_error", "the check broke", ""),
            ("pass", "", ""),
        ]
    ):
        verdict = grading.Verdict(status, message, mistake)
        grades.learners.append(grading.LearnerGrades(f"l{i}", f"f{i}", "", {"t": verdict}))
    grading.write(grades, tmp_path / "g.csv", tmp_path / "s.json")
    [task] = json.loads((tmp_path / "s.json").read_text("utf-8"))["tasks"]
    assert task["passed"] == 1 and task["graded"] == 4 and task["checker_errors"] == 1
    assert task["failures"][0] == {
        "mistake": "training-step-missing",
        "message": "Call optimizer.step()",
        "count": 2,
    }
    # A broken check is nobody's 0: its cell stays empty for the instructor to look at.
    rows = (tmp_path / "g.csv").read_text("utf-8").splitlines()
    assert rows[4] == "l3,f3,,0"


def test_shards_merge_to_the_csv_of_one_run(
    classroom: Path, tmp_path: Path, runner: Runner
) -> None:
    files = grading.collect([classroom])
    whole = grading.grade(PACK, files, runner, jobs=2)
    grading.write(whole, tmp_path / "whole.csv", tmp_path / "whole.md")

    parts = []
    for i in (1, 2, 3):
        mine = grading.shard(files, i, 3)
        part = grading.grade(PACK, mine, runner, jobs=2)
        grading.write(part, tmp_path / f"part{i}.csv")
        parts.append(str(tmp_path / f"part{i}.csv"))
    # Each slice sees only its own files: no learner, and no skipped file, twice.
    assert sorted(f for i in (1, 2, 3) for f in grading.shard(files, i, 3)) == sorted(files)

    code, output = invoke(
        "grade", "merge", *parts, "-o", str(tmp_path / "merged.csv"),
        "--summary", str(tmp_path / "merged.md"),
    )  # fmt: skip
    assert code == 0, output
    assert "merged 3 parts, 4 learners" in output
    merged = (tmp_path / "merged.csv").read_text("utf-8")
    assert merged == (tmp_path / "whole.csv").read_text("utf-8") == expected_csv(classroom)
    assert (tmp_path / "merged.md").read_text("utf-8") == (tmp_path / "whole.md").read_text("utf-8")
    whole_details = json.loads((tmp_path / "whole.details.json").read_text("utf-8"))
    merged_details = json.loads((tmp_path / "merged.details.json").read_text("utf-8"))
    assert merged_details == whole_details


def test_a_shard_of_the_cli_grades_only_its_slice(classroom: Path, tmp_path: Path) -> None:
    # Dealt in name order (alice, binary, bob, broken, carol, dave, erin, notes), the 2nd of
    # 4 slices is binary and dave.
    code, output = invoke(
        "grade", str(classroom), "--pack", str(EXAMPLE), "--shard", "2/4",
        "-o", str(tmp_path / "part.csv"), "-j", "1",
    )  # fmt: skip
    assert code == 0, output
    assert (tmp_path / "part.csv").read_text("utf-8") == (
        f"learner,file,2 mse,total\ndave,{classroom / 'dave.json'},0,0\n"
    )
    assert "(slice 2/4), 1 submission skipped" in output and "binary.json" in output


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("0/4", "between 1 and N"),
        ("5/4", "between 1 and N"),
        ("2", "write it as I/N"),
        ("a/b", "I/N"),
    ],
)
def test_a_bad_shard_is_a_usage_error(tmp_path: Path, spec: str, message: str) -> None:
    code, output = invoke(
        "grade",
        str(tmp_path),
        "--pack",
        str(EXAMPLE),
        "--shard",
        spec,
        "-o",
        str(tmp_path / "g.csv"),
    )
    assert code == 2
    assert message in output


def test_merge_refuses_parts_of_other_packs_and_missing_details(tmp_path: Path) -> None:
    one = grading.Grades("pack-a", "1", [])
    two = grading.Grades("pack-b", "1", [])
    grading.write(one, tmp_path / "a.csv")
    grading.write(two, tmp_path / "b.csv")
    code, output = invoke("grade", "merge", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "-o", str(tmp_path / "m.csv"))  # fmt: skip
    assert code == 2 and "different packs" in output
    (tmp_path / "c.csv").write_text(HEADER + "\n", "utf-8")
    code, output = invoke("grade", "merge", str(tmp_path / "c.csv"), "-o", str(tmp_path / "m.csv"))
    assert code == 2 and "no c.details.json beside it" in output
    assert not (tmp_path / "m.csv").exists()


def test_a_spreadsheet_never_runs_a_learner_name(tmp_path: Path) -> None:
    data = {"kind": "quiz-tui-exam", "learner": "=HYPERLINK(\"x\")\x1b[31m", "pack": {"id": "p", "version": ""}, "tasks": []}  # fmt: skip
    (tmp_path / "a.json").write_text(json.dumps(data), "utf-8")
    sub = grading.read_submission(tmp_path / "a.json", "p")
    assert sub.learner.startswith("'=HYPERLINK")
    assert "\x1b" not in sub.learner


def test_a_submission_without_a_name_is_named_by_its_file(tmp_path: Path) -> None:
    data = exam_export(tmp_path, "", {"mse": SUM})
    (tmp_path / "s123456.json").write_text(json.dumps(data), "utf-8")
    sub = grading.read_submission(tmp_path / "s123456.json", PACK.id)
    assert sub.learner == "s123456"
    assert sub.tasks == ("linear-layer", "mse", "gradient-step")
    assert sub.answers == {"mse": SUM}


def test_exam_report_export_carries_learner_pack_and_code(tmp_path: Path) -> None:
    store = ProgressStore()
    book = ExamBook(store)
    exam = book.start(plan(PACK, tasks="2"))
    book.record_final(exam, "mse", SUM, Result(task="2", status=Status.FAIL, message="sum"))
    book.finish(exam, "handed_in")
    store.close()
    out = tmp_path / "me.json"
    common = ("--pack", str(EXAMPLE), "--trust")
    code, output = invoke("exam", "report", "--export", str(out), "--learner", "Ada L.", *common)
    assert code == 0, output
    assert f"exported exam {exam.id} (Ada L.) to {out}" in output
    data = json.loads(out.read_text("utf-8"))
    assert data["kind"] == "quiz-tui-exam"
    assert data["learner"] == "Ada L."
    assert data["pack"] == {"id": "linear-regression", "version": "1.0"}
    assert [(t["exercise"], t["code"]) for t in data["tasks"]] == [("mse", SUM)]


def test_the_learner_comes_from_the_environment_or_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ProgressStore()
    book = ExamBook(store)
    book.finish(book.start(plan(PACK, tasks="1")), "handed_in")
    store.close()
    monkeypatch.setenv("QUIZ_TUI_LEARNER", "s42")
    code, output = invoke("exam", "report", "--export", str(tmp_path / "e.json"))
    assert code == 0, output
    assert json.loads((tmp_path / "e.json").read_text("utf-8"))["learner"] == "s42"
    code, output = invoke("progress", "export", str(tmp_path / "p.json"))
    assert code == 0, output
    assert json.loads((tmp_path / "p.json").read_text("utf-8"))["learner"] == "s42"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("missing.json", "cannot be read (No such file or directory)"),
        ("/dev/zero", "larger than 32 MB"),
        ("list.json", "not an exported exam or progress file"),
        ("no-pack.json", "does not say which pack it is from"),
        ("bad-code.json", "task 1 (mse): its code is not text"),
    ],
)
def test_what_cannot_be_graded_says_why(tmp_path: Path, name: str, why: str) -> None:
    (tmp_path / "list.json").write_text("[1, 2]", "utf-8")
    (tmp_path / "no-pack.json").write_text('{"kind": "quiz-tui-exam", "tasks": []}', "utf-8")
    (tmp_path / "bad-code.json").write_text(
        json.dumps(
            {
                "kind": "quiz-tui-exam",
                "pack": {"id": "p"},
                "tasks": [{"exercise": "mse", "code": 7}],
            }
        ),
        "utf-8",
    )
    with pytest.raises(grading.SubmissionError, match=re.escape(why)):
        grading.read_submission(tmp_path / name, PACK.id)
