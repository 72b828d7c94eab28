"""Exams without a UI: choosing tasks, the clock, recording, grading and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from quiz_tui.cli import main
from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.errors import ProgressStoreError
from quiz_tui.core.model import Result, Status
from quiz_tui.core.state.exam import (
    ExamBook,
    ExamError,
    format_clock,
    next_warning,
    parse_numbers,
    plan,
    report,
)
from quiz_tui.core.state.progress import ProgressStore

PACK = load_builtin()


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def result(status: Status, message: str = "") -> Result:
    return Result(task="", status=status, message=message, seconds=0.1)


@pytest.fixture
def book(tmp_path: Path) -> ExamBook:
    return ExamBook(ProgressStore(tmp_path / "p.db"), FakeClock())


def test_parse_numbers() -> None:
    assert parse_numbers("1-3,7, 5") == [1, 2, 3, 7, 5]
    assert parse_numbers("2,2,1-2") == [2, 1]
    with pytest.raises(ExamError, match="'3-1' is not a task number"):
        parse_numbers("3-1")
    with pytest.raises(ExamError, match="'x' is not"):
        parse_numbers("1,x")


def test_plan_by_tasks_section_and_random() -> None:
    assert [e.number for e in plan(PACK, tasks="1-3,30").exercises] == [1, 2, 3, 30]
    autograd = plan(PACK, section="autograd").exercises
    assert [e.number for e in autograd] == list(range(18, 26))
    first = plan(PACK, section="tensors", random_count=4, seed=7)
    again = plan(PACK, section="tensors", random_count=4, seed=7)
    assert first.exercises == again.exercises
    assert len(first.exercises) == 4
    assert all(e.section == "tensors" for e in first.exercises)
    assert first.selection == again.selection


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tasks": "99"}, "the pack has no task 99"),
        ({"section": "physics"}, "no section 'physics'"),
        ({"random_count": 0}, "at least 1"),
        ({"tasks": "1-3", "random_count": 5}, "only 3 tasks"),
        ({"minutes": 0}, "between 1 and 1440"),
        ({"tasks": "1-3", "section": "autograd"}, "that selection has no tasks"),
    ],
)
def test_bad_plans_say_why(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ExamError, match=message):
        plan(PACK, **kwargs)  # type: ignore[arg-type]


def test_the_clock_and_its_warnings() -> None:
    assert format_clock(125.2) == "02:06"
    assert format_clock(3725) == "1:02:05"
    assert format_clock(-3) == "00:00"
    assert next_warning(400, set()) is None
    assert next_warning(299, set()) == 300
    assert next_warning(299, {300}) is None
    assert next_warning(59, {300}) == 60
    assert next_warning(59, set()) == 60


def test_an_exam_records_checks_time_and_a_final_verdict(book: ExamBook) -> None:
    clock = book.clock
    assert isinstance(clock, FakeClock)
    exam = book.start(plan(PACK, tasks="4-5", minutes=10))
    assert exam.running and exam.remaining(clock()) == 600
    assert book.running() == exam
    book.add_time(exam, "zeros-long", 42)
    book.record_check(exam, "zeros-long", "x = 1", result(Status.FAIL, "dtype is float32"))
    book.record_check(exam, "zeros-long", "x = 2", result(Status.PASS))
    book.record_final(exam, "zeros-long", "x = 2", result(Status.PASS))
    book.record_final(exam, "from-data", "", result(Status.NOT_ATTEMPTED))
    clock.now += 300
    finished = book.finish(exam, "handed_in")
    assert finished.state == "handed_in" and finished.finished_at == clock.now
    assert book.running() is None
    r = report(book, finished, PACK)
    assert (r.passed, len(r.tasks)) == (1, 2)
    zeros = r.tasks[0]
    assert (zeros.number, zeros.checks, zeros.seconds, zeros.code) == (4, 2, 42, "x = 2")
    assert [r.outcome(t) for t in r.tasks] == ["passed", "not attempted"]
    assert r.sections == [{"id": "tensors", "title": "1.1 Tensors", "passed": 1, "total": 2}]
    # Exam attempts never count as practice progress.
    assert book.store.task_states("pytorch60") == {}


def test_two_exams_never_overwrite_each_other_and_are_compared(book: ExamBook) -> None:
    first = book.start(plan(PACK, tasks="4-5"))
    book.record_final(first, "zeros-long", "x", result(Status.FAIL))
    book.finish(first, "timed_out")
    second = book.start(plan(PACK, tasks="4-5"))
    book.record_final(second, "zeros-long", "x", result(Status.PASS))
    book.finish(second, "handed_in")
    other = book.start(plan(PACK, tasks="1-2"))
    book.finish(other, "abandoned")
    assert [e.state for e in book.history()] == ["timed_out", "handed_in", "abandoned"]
    r = report(book, book.get(second.id), PACK)
    assert r.earlier == [
        {
            "id": first.id,
            "started_at": first.started_at,
            "state": "timed_out",
            "passed": 0,
            "total": 2,
        }
    ]
    assert report(book, book.get(first.id), PACK).passed == 0


def test_report_formats(book: ExamBook) -> None:
    exam = book.start(plan(PACK, tasks="4", minutes=5, feedback=False))
    book.record_final(
        exam, "zeros-long", "x = torch.zeros(5, 3)", result(Status.FAIL, "`x` has dtype float32")
    )
    r = report(book, book.finish(exam, "timed_out"), PACK)
    data = r.to_json()
    assert data["version"] == 1
    assert data["score"] == {"passed": 0, "total": 1, "fraction": 0.0}
    assert data["exam"]["state"] == "timed_out" and data["exam"]["feedback"] is False
    assert data["tasks"][0]["outcome"] == "failed"
    assert data["tasks"][0]["code"] == "x = torch.zeros(5, 3)"
    md = r.to_markdown()
    assert md.startswith(f"# Exam {exam.id}: 0/1 passed (0%)")
    assert "| 4 | A 5×3 tensor of zeros with dtype long | failed | 00:00 | 0 |" in md
    assert "> `x` has dtype float32" in md
    assert "```python\nx = torch.zeros(5, 3)\n```" in md
    assert "verdicts hidden until the end" in md


def test_exam_drafts_are_kept_apart(tmp_path: Path) -> None:
    from quiz_tui.core.content.packs import Library, TaskRef
    from quiz_tui.core.state.session import Session

    store = ProgressStore(tmp_path / "p.db")
    session = Session(Library([PACK]), store)
    ref = TaskRef(PACK, PACK.find("4"))  # type: ignore[arg-type]
    session.save_draft(ref, "practice draft")
    session.scope = "exam:1"
    assert session.draft(ref).startswith("x = ...")  # an exam starts from the starter
    session.save_draft(ref, "exam draft")
    session.scope = ""
    assert session.draft(ref) == "practice draft"


def test_cli_report_and_history(tmp_path: Path) -> None:
    store = ProgressStore()
    book = ExamBook(store)
    exam = book.start(plan(PACK, tasks="4"))
    book.record_final(
        exam, "zeros-long", "x = torch.zeros(5, 3, dtype=torch.long)", result(Status.PASS)
    )
    book.finish(exam, "handed_in")
    store.close()
    runner = CliRunner()
    out = runner.invoke(main, ["exam", "report", "--format", "json"]).output
    assert json.loads(out)["score"]["passed"] == 1
    out = runner.invoke(main, ["exam", "report", str(exam.id)]).output
    assert out.startswith(f"# Exam {exam.id}: 1/1 passed (100%)")
    history = json.loads(runner.invoke(main, ["exam", "history", "--json"]).output)
    assert [(e["id"], e["state"], e["passed"]) for e in history["exams"]] == [
        (exam.id, "handed_in", 1)
    ]
    bad = runner.invoke(main, ["exam", "report", "999"])
    assert bad.exit_code == 2 and "there is no exam 999" in bad.output
    bad = runner.invoke(main, ["exam", "--tasks", "1-x"])
    assert bad.exit_code == 2 and "'1-x' is not a task number" in bad.output


def test_a_running_no_feedback_exam_leaks_no_verdict_through_the_cli(tmp_path: Path) -> None:
    store = ProgressStore()
    book = ExamBook(store)  # the real clock, as the CLI has it: the exam is running
    exam = book.start(plan(PACK, tasks="4-5", feedback=False))
    book.record_check(exam, "zeros-long", "x = 1", result(Status.FAIL, "dtype is float32"))
    book.record_check(exam, "from-data", "y = 2", result(Status.PASS, "all good"))
    store.close()
    runner = CliRunner()

    data = json.loads(
        runner.invoke(main, ["exam", "report", str(exam.id), "--format", "json"]).output
    )
    assert data["verdicts_hidden"] is True
    assert data["score"] == {"passed": None, "total": 2, "fraction": None}
    assert [(t["status"], t["message"], t["outcome"]) for t in data["tasks"]] == [
        (None, "", "hidden"),
        (None, "", "hidden"),
    ]
    assert [t["checks"] for t in data["tasks"]] == [1, 1]  # how often, not how it went
    assert all(s["passed"] is None for s in data["sections"])
    md = runner.invoke(main, ["exam", "report", str(exam.id)]).output
    assert md.startswith(f"# Exam {exam.id}: running, verdicts hidden until the end")
    for verdict in ("passed", "failed", "dtype is float32", "all good", "0/", "1/"):
        assert verdict not in md
    history = json.loads(runner.invoke(main, ["exam", "history", "--json"]).output)
    assert history["exams"][0]["passed"] is None
    assert "?/2" in runner.invoke(main, ["exam", "history"]).output
    # Practice views never count exam checks; an export leaves them out until the end.
    progress = json.loads(runner.invoke(main, ["progress", "--json"]).output)
    assert progress["packs"][0]["passed"] == 0
    listed = json.loads(runner.invoke(main, ["list", "--json"]).output)
    assert {t["status"] for t in listed["tasks"]} == {"untouched"}
    exported = tmp_path / "out.json"
    assert runner.invoke(main, ["progress", "export", str(exported)]).exit_code == 0
    exported_data = json.loads(exported.read_text("utf-8"))
    assert exported_data["attempts"] == []
    [listed_exam] = exported_data["exams"]  # exams are in the export, their verdicts not yet
    assert [(t["status"], t["message"]) for t in listed_exam["tasks"]] == [(None, ""), (None, "")]

    with ProgressStore() as store:
        book = ExamBook(store)
        book.finish(book.get(exam.id), "handed_in")
        with ProgressStore() as again:
            assert len(again.attempts()) == 2
    data = json.loads(
        runner.invoke(main, ["exam", "report", str(exam.id), "--format", "json"]).output
    )
    assert data["verdicts_hidden"] is False
    assert data["score"]["passed"] == 1
    assert [t["outcome"] for t in data["tasks"]] == ["failed", "passed"]
    assert runner.invoke(main, ["progress", "export", str(exported)]).exit_code == 0
    [done] = json.loads(exported.read_text("utf-8"))["exams"]
    assert (done["pack"], done["state"]) == ("pytorch60", "handed_in")
    assert [(t["exercise"], t["status"], t["code"]) for t in done["tasks"]] == [
        ("zeros-long", "fail", "x = 1"),
        ("from-data", "pass", "y = 2"),
    ]


def test_a_running_exam_with_feedback_shows_its_verdicts(book: ExamBook) -> None:
    exam = book.start(plan(PACK, tasks="4", feedback=True))
    book.record_check(exam, "zeros-long", "x = 1", result(Status.PASS))
    assert report(book, exam, PACK).to_json()["score"]["passed"] == 1
    hidden = book.start(plan(PACK, tasks="4", feedback=False))
    book.record_check(hidden, "zeros-long", "x = 1", result(Status.PASS))
    assert report(book, hidden, PACK).hidden
    assert isinstance(book.clock, FakeClock)
    book.clock.now = hidden.deadline  # time is up: nothing can change any more
    assert not report(book, hidden, PACK).hidden


def test_drafts_saved_after_the_deadline_are_not_graded(tmp_path: Path) -> None:
    from quiz_tui.core.content.packs import Library, TaskRef
    from quiz_tui.core.state.session import Session

    clock = FakeClock()
    store = ProgressStore(tmp_path / "p.db")
    exam = ExamBook(store, clock).start(plan(PACK, tasks="4-5", minutes=5))
    session = Session(Library([PACK]), store)
    session.scope, session.deadline, session.clock = exam.draft_scope, exam.deadline, clock
    zeros = TaskRef(PACK, PACK.find("4"))  # type: ignore[arg-type]
    other = TaskRef(PACK, PACK.find("5"))  # type: ignore[arg-type]
    assert session.save_draft(zeros, "first")
    clock.now = exam.deadline
    assert session.save_draft(zeros, "on time")  # at the deadline still counts
    clock.now += 1
    assert not session.save_draft(zeros, "too late")
    assert session.save_error is not None and "time is up" in session.save_error
    session.reset_draft(zeros)  # cannot wipe the graded draft either
    assert session.draft(zeros, graded=True) == "on time"
    # The store itself refuses a late save from elsewhere (another quiz-tui) ...
    with pytest.raises(ProgressStoreError, match="time is up"):
        store.save_draft(
            PACK.id, zeros.exercise.draft_key, "late", scope=exam.draft_scope, at=clock()
        )
    assert session.draft(zeros, graded=True) == "on time"
    # ... and a draft written late without it (an older quiz-tui) is not graded: the
    # task counts as it stood at the deadline, here the starter.
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO drafts (pack, exercise, scope, code, updated) VALUES (?, ?, ?, ?, ?)",
            (PACK.id, other.exercise.draft_key, exam.draft_scope, "late", clock()),
        )
    assert session.draft(other) == "late"
    assert session.draft(other, graded=True) == other.exercise.starter.lstrip("\n")
    store.close()
