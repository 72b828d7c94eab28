"""Unit tests for the progress database (``quiz_tui.core.state.progress.ProgressStore``)."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz_tui.core.errors import ProgressStoreError, QuizError
from quiz_tui.core.model import Status, code_hash
from quiz_tui.core.state.progress import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    Attempt,
    ProgressStore,
    TaskState,
    _intact,
    default_path,
)

PACK = "pytorch60"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "progress.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[ProgressStore]:
    s = ProgressStore(db_path)
    yield s
    s.close()


def broken_files(folder: Path, name: str = "progress.db") -> list[Path]:
    """The moved-aside main files (not their -wal/-shm companions)."""
    return sorted(
        p for p in folder.glob(f"{name}.broken-*") if not p.name.endswith(("-wal", "-shm"))
    )


def count_rows(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


# --------------------------------------------------------------------------- basics


class TestOpen:
    def test_default_path_is_in_the_data_folder(self) -> None:
        assert default_path() == Path(os.environ["QUIZ_TUI_HOME"]) / "data" / "progress.db"
        with ProgressStore() as s:
            assert s.path == default_path()
            s.set_state("k", "v")
        assert default_path().is_file()

    def test_creates_missing_folders(self, tmp_path: Path) -> None:
        path = tmp_path / "a" / "b" / "progress.db"
        with ProgressStore(path) as s:
            assert s.notice is None
        assert path.is_file()

    def test_folder_that_cannot_be_created(self, tmp_path: Path) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("not a folder")
        with pytest.raises(ProgressStoreError, match="cannot create the folder for progress"):
            ProgressStore(blocker / "progress.db")

    def test_wal_mode_and_application_id(self, store: ProgressStore, db_path: Path) -> None:
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        # And as any other program sees the file:
        other = sqlite3.connect(db_path)
        try:
            assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert other.execute("PRAGMA application_id").fetchone()[0] == 0x51545549
        finally:
            other.close()

    def test_data_survives_reopening(self, db_path: Path) -> None:
        with ProgressStore(db_path) as s:
            s.record_attempt(PACK, "zeros", Status.PASS, 1.0, "x = 1")
            s.save_draft(PACK, "ones", "y = 2")
            s.set_state("last_task", "4")
        with ProgressStore(db_path) as s:
            assert s.notice is None
            assert [a.code for a in s.attempts()] == ["x = 1"]
            assert s.draft(PACK, "ones") == "y = 2"
            assert s.get_state("last_task") == "4"
        assert broken_files(db_path.parent) == []

    def test_is_a_quiz_error(self) -> None:
        assert issubclass(ProgressStoreError, QuizError)


# --------------------------------------------------------------------------- attempts


class TestAttempts:
    def test_record_and_read(self, store: ProgressStore) -> None:
        before = time.time()
        store.record_attempt(PACK, "zeros", Status.FAIL, 0.5, "x = torch.zeros(5, 3)")
        store.record_attempt(PACK, "zeros", "pass", 1.25, "x = torch.zeros(5, 3, dtype=torch.long)")
        after = time.time()
        got = store.attempts()
        assert [(a.pack, a.exercise, a.status, a.seconds) for a in got] == [
            (PACK, "zeros", "fail", 0.5),
            (PACK, "zeros", "pass", 1.25),
        ]
        assert got[0].code == "x = torch.zeros(5, 3)"
        assert got[0].code_hash == code_hash("x = torch.zeros(5, 3)")
        assert got[1].code_hash == code_hash("x = torch.zeros(5, 3, dtype=torch.long)")
        assert all(before <= a.at <= after for a in got)
        assert got[0].at <= got[1].at
        assert (got[0].source, got[0].exam) == ("app", None)
        assert all(isinstance(a, Attempt) for a in got)

    def test_source_exam_and_unicode(self, store: ProgressStore) -> None:
        code = "# 中文注释 🙂\nx = 1"
        store.record_attempt(PACK, "t", Status.TIMEOUT, 10.0, code, source="cli", exam=3)
        (a,) = store.attempts()
        assert (a.status, a.source, a.exam, a.code) == ("timeout", "cli", 3, code)

    def test_filters(self, store: ProgressStore) -> None:
        store.record_attempt("p1", "a", "pass", 1, "1")
        store.record_attempt("p1", "b", "fail", 1, "2")
        store.record_attempt("p2", "a", "error", 1, "3")
        assert [a.code for a in store.attempts("p1")] == ["1", "2"]
        assert [a.code for a in store.attempts("p1", "b")] == ["2"]
        assert [a.code for a in store.attempts(exercise="a")] == ["1", "3"]
        assert store.attempts("p3") == []
        assert len(store.attempts()) == 3


# --------------------------------------------------------------------------- drafts and state


class TestDrafts:
    def test_save_read_overwrite_delete(self, store: ProgressStore) -> None:
        assert store.draft(PACK, "zeros") is None
        store.save_draft(PACK, "zeros", "x = 1")
        assert store.draft(PACK, "zeros") == "x = 1"
        store.save_draft(PACK, "zeros", "x = 2")
        assert store.draft(PACK, "zeros") == "x = 2"
        assert count_rows(store.path, "drafts") == 1
        store.delete_draft(PACK, "zeros")
        assert store.draft(PACK, "zeros") is None
        store.delete_draft(PACK, "zeros")  # deleting nothing is fine
        assert store.draft(PACK, "zeros") is None

    def test_scopes_are_separate(self, store: ProgressStore) -> None:
        store.save_draft(PACK, "zeros", "practice")
        store.save_draft(PACK, "zeros", "exam one", scope="exam-1")
        store.save_draft(PACK, "zeros", "exam two", scope="exam-2")
        assert store.draft(PACK, "zeros") == "practice"
        assert store.draft(PACK, "zeros", scope="exam-1") == "exam one"
        store.save_draft(PACK, "zeros", "exam one v2", scope="exam-1")
        assert store.draft(PACK, "zeros", scope="exam-1") == "exam one v2"
        assert store.draft(PACK, "zeros", scope="exam-2") == "exam two"
        store.delete_draft(PACK, "zeros", scope="exam-1")
        assert store.draft(PACK, "zeros", scope="exam-1") is None
        assert store.draft(PACK, "zeros") == "practice"
        assert store.draft(PACK, "zeros", scope="exam-2") == "exam two"

    def test_drafts_are_per_pack_and_exercise(self, store: ProgressStore) -> None:
        store.save_draft("p1", "a", "p1a")
        store.save_draft("p2", "a", "p2a")
        store.save_draft("p1", "b", "p1b")
        assert (store.draft("p1", "a"), store.draft("p2", "a"), store.draft("p1", "b")) == (
            "p1a",
            "p2a",
            "p1b",
        )

    def test_empty_draft_is_kept(self, store: ProgressStore) -> None:
        store.save_draft(PACK, "zeros", "")
        assert store.draft(PACK, "zeros") == ""


class TestState:
    def test_get_set(self, store: ProgressStore) -> None:
        assert store.get_state("last_task") is None
        store.set_state("last_task", "4")
        store.set_state("lang", "zh")
        assert store.get_state("last_task") == "4"
        store.set_state("last_task", "7")
        assert store.get_state("last_task") == "7"
        assert store.get_state("lang") == "zh"
        assert count_rows(store.path, "state") == 2


# --------------------------------------------------------------------------- task states


class TestHints:
    def test_revealed_hints_are_remembered_and_never_go_back(self, db_path: Path) -> None:
        with ProgressStore(db_path) as s:
            assert s.hints_revealed(PACK, "zeros") == 0
            s.reveal_hints(PACK, "zeros", 1)
            s.reveal_hints(PACK, "zeros", 2)
            s.reveal_hints(PACK, "zeros", 1)  # a stale session cannot take one back
        with ProgressStore(db_path) as s:
            assert s.hints_revealed(PACK, "zeros") == 2
            assert s.hints_revealed(PACK, "ones") == 0
            assert s.reset(PACK, "zeros") == 1
            assert s.hints_revealed(PACK, "zeros") == 0

    def test_a_schema_1_file_is_migrated_with_its_rows(self, db_path: Path) -> None:
        """A database written before hints were saved gains the table and keeps everything."""
        with ProgressStore(db_path) as s:
            s.record_attempt(PACK, "zeros", Status.PASS, 1.0, "x = 1")
            s.save_draft(PACK, "ones", "y = 2")
        conn = sqlite3.connect(db_path)
        with conn:
            conn.execute("DROP TABLE hints_shown")
            conn.execute("PRAGMA user_version = 1")
        conn.close()
        with ProgressStore(db_path) as s:
            assert s.notice is None  # an older file is not a damaged one
            assert s._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
            assert len(s.attempts(PACK)) == 1
            assert s.draft(PACK, "ones") == "y = 2"
            s.reveal_hints(PACK, "zeros", 1)
        with ProgressStore(db_path) as s:
            assert s.hints_revealed(PACK, "zeros") == 1
        assert broken_files(db_path.parent) == []


class TestTaskStates:
    def test_untouched_tasks_are_absent(self, store: ProgressStore) -> None:
        assert store.task_states(PACK) == {}
        store.record_attempt("other", "zeros", "pass", 1, "x")
        store.save_draft("other", "ones", "x")
        assert store.task_states(PACK) == {}

    def test_draft_only_is_attempted(self, store: ProgressStore) -> None:
        store.save_draft(PACK, "zeros", "x = ...")
        assert store.task_states(PACK) == {
            "zeros": TaskState(status="attempted", attempts=0, last_status=None, has_draft=True)
        }

    def test_exam_scoped_draft_does_not_count(self, store: ProgressStore) -> None:
        store.save_draft(PACK, "zeros", "x = 1", scope="exam-1")
        assert store.task_states(PACK) == {}

    @pytest.mark.parametrize("verdict", ["fail", "error", "timeout"])
    def test_last_attempt_wrong_is_failed(self, store: ProgressStore, verdict: str) -> None:
        store.record_attempt(PACK, "zeros", verdict, 1, "x")
        assert store.task_states(PACK)["zeros"] == TaskState("failed", 1, verdict, False)

    @pytest.mark.parametrize("verdict", ["not_attempted", "ran", "cancelled"])
    def test_no_verdict_is_attempted(self, store: ProgressStore, verdict: str) -> None:
        store.record_attempt(PACK, "zeros", verdict, 1, "x")
        assert store.task_states(PACK)["zeros"].status == "attempted"

    def test_any_pass_is_passed(self, store: ProgressStore) -> None:
        store.record_attempt(PACK, "zeros", "fail", 1, "a")
        store.record_attempt(PACK, "zeros", "pass", 1, "b")
        store.record_attempt(PACK, "zeros", "fail", 1, "c")
        store.save_draft(PACK, "zeros", "c")
        assert store.task_states(PACK)["zeros"] == TaskState("passed", 3, "fail", True)

    def test_solution_shown_wins(self, store: ProgressStore) -> None:
        store.record_attempt(PACK, "zeros", "pass", 1, "a")
        store.mark_solution_shown(PACK, "zeros")
        store.mark_solution_shown(PACK, "ones")
        store.mark_solution_shown(PACK, "ones")  # twice is fine
        states = store.task_states(PACK)
        assert states["zeros"] == TaskState("solution", 1, "pass", False)
        assert states["ones"] == TaskState("solution", 0, None, False)
        assert count_rows(store.path, "solutions_shown") == 2

    def test_exam_attempts_do_not_count(self, store: ProgressStore) -> None:
        store.record_attempt(PACK, "zeros", "pass", 1, "a", exam=1)
        store.record_attempt(PACK, "ones", "pass", 1, "a", exam=1)
        store.record_attempt(PACK, "ones", "fail", 1, "b")
        states = store.task_states(PACK)
        assert "zeros" not in states
        assert states["ones"] == TaskState("failed", 1, "fail", False)

    def test_several_tasks(self, store: ProgressStore) -> None:
        store.record_attempt(PACK, "a", "pass", 1, "x")
        store.record_attempt(PACK, "b", "fail", 1, "x")
        store.save_draft(PACK, "c", "x")
        store.mark_solution_shown(PACK, "d")
        assert {k: v.status for k, v in store.task_states(PACK).items()} == {
            "a": "passed",
            "b": "failed",
            "c": "attempted",
            "d": "solution",
        }


# --------------------------------------------------------------------------- reset


class TestReset:
    @staticmethod
    def _fill(store: ProgressStore) -> None:
        for pack in ("p1", "p2"):
            for ex in ("a", "b"):
                store.record_attempt(pack, ex, "fail", 1, f"{pack}{ex}")
                store.record_attempt(pack, ex, "pass", 1, f"{pack}{ex}!")
                store.save_draft(pack, ex, "draft")
                store.save_draft(pack, ex, "exam draft", scope="exam-1")
                store.mark_solution_shown(pack, ex)
        store.set_state("last_task", "3")

    def test_reset_one_task(self, store: ProgressStore) -> None:
        self._fill(store)
        removed = store.reset("p1", "a")
        assert removed == 2 + 2 + 1
        assert store.attempts("p1", "a") == []
        assert store.draft("p1", "a") is None
        assert store.draft("p1", "a", scope="exam-1") is None
        assert "a" not in store.task_states("p1")
        assert store.task_states("p1")["b"].status == "solution"
        assert len(store.attempts("p2", "a")) == 2
        assert store.draft("p2", "a") == "draft"
        assert store.get_state("last_task") == "3"

    def test_reset_one_pack(self, store: ProgressStore) -> None:
        self._fill(store)
        assert store.reset("p2") == 2 * 5
        assert store.task_states("p2") == {}
        assert len(store.task_states("p1")) == 2

    def test_reset_everything(self, store: ProgressStore) -> None:
        self._fill(store)
        assert store.reset() == 4 * 5
        assert store.attempts() == []
        assert store.task_states("p1") == {}
        assert store.task_states("p2") == {}
        assert count_rows(store.path, "drafts") == 0
        assert count_rows(store.path, "solutions_shown") == 0
        assert store.get_state("last_task") == "3"  # settings are not progress
        assert store.reset() == 0


# --------------------------------------------------------------------------- export / import


class TestExportImport:
    @staticmethod
    def _fill(store: ProgressStore) -> None:
        store.record_attempt(PACK, "zeros", "fail", 0.5, "x = 1")
        store.record_attempt(PACK, "zeros", "pass", 0.25, "x = 2", source="cli")
        store.record_attempt(PACK, "ones", "pass", 0.25, "y = 1", exam=2)
        store.save_draft(PACK, "zeros", "x = 2")
        store.save_draft(PACK, "zeros", "exam", scope="exam-2")
        store.mark_solution_shown(PACK, "rand")
        store.set_state("last_task", "5")

    def test_round_trip(self, store: ProgressStore, tmp_path: Path) -> None:
        self._fill(store)
        out = tmp_path / "export.json"
        assert store.export(out) == 3 + 2 + 1 + 1
        data = json.loads(out.read_text("utf-8"))
        assert data["format"] == "quiz-tui-progress"
        assert data["version"] == SCHEMA_VERSION
        assert not (tmp_path / "export.json.tmp").exists()

        with ProgressStore(tmp_path / "other.db") as other:
            assert other.import_(out) == 7
            assert other.attempts() == store.attempts()
            assert other.task_states(PACK) == store.task_states(PACK)
            assert other.draft(PACK, "zeros") == "x = 2"
            assert other.draft(PACK, "zeros", scope="exam-2") == "exam"
            assert other.get_state("last_task") == "5"

    def test_importing_twice_adds_no_rows(self, store: ProgressStore, tmp_path: Path) -> None:
        self._fill(store)
        out = tmp_path / "export.json"
        store.export(out)
        with ProgressStore(tmp_path / "other.db") as other:
            other.import_(out)
            other.import_(out)
            other.import_(out)
            assert len(other.attempts()) == 3
            assert other.attempts() == store.attempts()
            for table, n in (("attempts", 3), ("drafts", 2), ("solutions_shown", 1), ("state", 1)):
                assert count_rows(other.path, table) == n
        store.import_(out)  # into the database it came from
        assert len(store.attempts()) == 3

    def test_importing_twice_reports_nothing_new(
        self, store: ProgressStore, tmp_path: Path
    ) -> None:
        self._fill(store)
        out = tmp_path / "export.json"
        store.export(out)
        with ProgressStore(tmp_path / "other.db") as other:
            assert other.import_(out) == 7
            # import_ documents its result as "the number of new records".
            assert other.import_(out) == 0

    def test_import_merges_with_local_progress(self, store: ProgressStore, tmp_path: Path) -> None:
        self._fill(store)
        out = tmp_path / "export.json"
        store.export(out)
        with ProgressStore(tmp_path / "other.db") as other:
            other.record_attempt(PACK, "rand", "fail", 1, "mine")
            other.save_draft(PACK, "zeros", "my local draft")
            other.import_(out)
            assert len(other.attempts()) == 4
            assert other.draft(PACK, "zeros") == "my local draft"

    def test_export_of_empty_store(self, store: ProgressStore, tmp_path: Path) -> None:
        out = tmp_path / "empty.json"
        assert store.export(out) == 0
        with ProgressStore(tmp_path / "other.db") as other:
            assert other.import_(out) == 0

    @pytest.mark.parametrize(
        "content",
        ["not json at all", "[1, 2, 3]", '{"format": "something-else"}', "\udcff"],
    )
    def test_import_of_a_foreign_file(
        self, store: ProgressStore, tmp_path: Path, content: str
    ) -> None:
        bad = tmp_path / "bad.json"
        bad.write_bytes(content.encode("utf-8", "surrogateescape"))
        with pytest.raises(ProgressStoreError, match="not a quiz-tui progress export"):
            store.import_(bad)
        assert store.attempts() == []

    def test_import_of_a_missing_file(self, store: ProgressStore, tmp_path: Path) -> None:
        with pytest.raises(ProgressStoreError, match="not a quiz-tui progress export"):
            store.import_(tmp_path / "missing.json")

    def test_malformed_record_changes_nothing(self, store: ProgressStore, tmp_path: Path) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text(
            json.dumps(
                {
                    "format": "quiz-tui-progress",
                    "state": [{"key": "a", "value": "1"}],
                    "attempts": [{"pack": "p", "nonsense_column": 1}],
                }
            ),
            "utf-8",
        )
        with pytest.raises(ProgressStoreError, match="a attempts record is malformed"):
            store.import_(bad)
        assert store.get_state("a") is None


# --------------------------------------------------------------------------- damaged files


def _text_file(path: Path) -> None:
    path.write_text("these are my notes, not a database\n" * 20, "utf-8")


def _other_program(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE songs (title TEXT, artist TEXT)")
    conn.execute("INSERT INTO songs VALUES ('Blue', 'Joni')")
    conn.execute("PRAGMA application_id = 1234567")
    conn.commit()
    conn.close()


def _other_program_no_id(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE songs (title TEXT, artist TEXT)")
    conn.commit()
    conn.close()


def _garbage_after_header(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(16 * 1024))


def _tiny_text(path: Path) -> None:
    path.write_bytes(b"hi")


class TestDamagedFiles:
    def test_torn_rows_are_not_salvaged(self) -> None:
        attempt = {"code": "x = 1", "code_hash": code_hash("x = 1"), "source": "app"}
        assert _intact("attempts", attempt)
        assert _intact("attempts", {**attempt, "code": ""})  # an attempt stored without code
        assert not _intact("attempts", {**attempt, "code_hash": code_hash("x = 1")[:8] + "x" * 8})
        assert not _intact("attempts", {**attempt, "source": "\x00\x00\x00"})
        assert not _intact("drafts", {"code": "x = 1\x00\x00"})
        assert _intact("drafts", {"code": "x = 1"})

    def test_empty_file_just_works(self, db_path: Path) -> None:
        db_path.write_bytes(b"")
        with ProgressStore(db_path) as s:
            assert s.notice is None
            s.record_attempt(PACK, "zeros", "pass", 1, "x")
            assert len(s.attempts()) == 1
        assert broken_files(db_path.parent) == []

    @pytest.mark.parametrize(
        ("make", "reason"),
        [
            pytest.param(_text_file, "it is not a SQLite database", id="text"),
            pytest.param(_tiny_text, "it is not a SQLite database", id="tiny-text"),
            pytest.param(_other_program, "it belongs to another program", id="other-program"),
            pytest.param(_other_program_no_id, "it belongs to another program", id="no-app-id"),
            pytest.param(_garbage_after_header, "it is damaged", id="garbage-after-header"),
        ],
    )
    def test_unusable_file_is_moved_aside(self, db_path: Path, make: object, reason: str) -> None:
        make(db_path)  # type: ignore[operator]
        original = db_path.read_bytes()
        with ProgressStore(db_path) as s:
            assert s.notice is not None
            assert str(db_path) in s.notice
            assert reason in s.notice
            (aside,) = broken_files(db_path.parent)
            assert aside.name in s.notice
            assert "a new one was started" in s.notice
            assert aside.read_bytes() == original  # nothing of the user's is destroyed
            # The new store works and is ours.
            s.record_attempt(PACK, "zeros", "pass", 1, "x")
            s.save_draft(PACK, "zeros", "x")
            assert [a.code for a in s.attempts()] == ["x"]
            assert s._conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        with ProgressStore(db_path) as again:
            assert again.notice is None
            assert len(again.attempts()) == 1
        assert len(broken_files(db_path.parent)) == 1

    def test_moving_aside_twice_in_one_second_keeps_both_files(
        self, db_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The aside name has a one-second stamp; pin it so both moves share it.
        real_strftime = time.strftime
        monkeypatch.setattr(
            time,
            "strftime",
            lambda fmt, *a: "20250101-120000" if fmt == "%Y%m%d-%H%M%S" else real_strftime(fmt, *a),
        )
        db_path.write_text("the first broken file", "utf-8")
        ProgressStore(db_path).close()
        db_path.write_text("the second broken file", "utf-8")
        with ProgressStore(db_path) as s:
            assert s.notice is not None
        kept = sorted(p.read_text("utf-8") for p in broken_files(db_path.parent))
        assert kept == ["the first broken file", "the second broken file"]

    def test_other_programs_rows_are_not_imported(self, db_path: Path) -> None:
        _other_program(db_path)
        with ProgressStore(db_path) as s:
            assert s.notice is not None
            assert "recovered" not in s.notice
            tables = {
                r[0] for r in s._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            assert "songs" not in tables

    @staticmethod
    def _real_db(path: Path, attempts: int) -> list[Attempt]:
        with ProgressStore(path) as s:
            for i in range(attempts):
                s.record_attempt(PACK, f"ex{i % 7}", "fail", 1.0, f"code {i:05d} " + "x" * 100)
            s.save_draft(PACK, "ex1", "my draft")
            s.set_state("last_task", "3")
            rows = s.attempts()
        # Closing the last connection checkpoints the WAL into the main file.
        assert not Path(str(path) + "-wal").exists()
        return rows

    def test_truncated_database_is_moved_aside_and_store_works(self, db_path: Path) -> None:
        self._real_db(db_path, 1500)
        data = db_path.read_bytes()
        db_path.write_bytes(data[: len(data) // 2])
        with ProgressStore(db_path) as s:
            assert s.notice is not None
            assert str(db_path) in s.notice
            assert "it is damaged" in s.notice
            (aside,) = broken_files(db_path.parent)
            assert aside.read_bytes() == data[: len(data) // 2]
            s.record_attempt(PACK, "new", "pass", 1, "new code")
            s.save_draft(PACK, "new", "new draft")
            assert [a.code for a in s.attempts(PACK, "new")] == ["new code"]
            assert s.draft(PACK, "new") == "new draft"

    def test_truncated_database_rows_are_recovered(self, db_path: Path) -> None:
        original = self._real_db(db_path, 1500)
        data = db_path.read_bytes()
        half = data[: len(data) // 2]
        db_path.write_bytes(half)

        # Proof that rows are still there: plain SQLite reads them once told not
        # to trust the page count in the header (the file is shorter than it says).
        probe = db_path.parent / "probe.db"
        probe.write_bytes(half)
        conn = sqlite3.connect(f"file:{probe}?mode=ro", uri=True)
        conn.execute("PRAGMA writable_schema = ON")
        assert conn.execute("SELECT code FROM drafts").fetchall() == [("my draft",)]
        assert conn.execute("SELECT value FROM state").fetchall() == [("3",)]
        conn.close()

        with ProgressStore(db_path) as s:
            assert s.notice is not None
            assert "recovered" in s.notice
            assert s.draft(PACK, "ex1") == "my draft"
            assert s.get_state("last_task") == "3"
            got = s.attempts()
            assert len(got) > 0
            assert set(got) <= set(original)

    def test_damaged_index_rows_are_recovered(self, db_path: Path) -> None:
        original = self._real_db(db_path, 20)
        conn = sqlite3.connect(db_path)
        pages = dict(conn.execute("SELECT name, rootpage FROM sqlite_master").fetchall())
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.close()
        # Wreck the index of attempts; the table itself stays readable.
        data = bytearray(db_path.read_bytes())
        start = (pages["attempts_task"] - 1) * page_size
        data[start : start + page_size] = b"\xa5" * page_size
        db_path.write_bytes(bytes(data))

        with ProgressStore(db_path) as s:
            assert s.notice is not None
            assert "it is damaged" in s.notice
            assert "22 saved rows were recovered" in s.notice  # 20 attempts, 1 draft, 1 state
            assert s.attempts() == original
            assert s.draft(PACK, "ex1") == "my draft"
            assert s.get_state("last_task") == "3"
            assert s._conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert len(broken_files(db_path.parent)) == 1

    def test_newer_schema_asks_for_an_upgrade(self, db_path: Path) -> None:
        with ProgressStore(db_path) as s:
            s.record_attempt(PACK, "zeros", "pass", 1, "x")
            s._conn.execute("PRAGMA user_version = 99")
        with pytest.raises(ProgressStoreError, match="upgrade") as info:
            ProgressStore(db_path)
        assert "newer quiz-tui" in str(info.value)
        assert "schema 99" in str(info.value)
        assert str(db_path) in str(info.value)
        # A newer database is not damaged: it must stay where it is, untouched.
        assert broken_files(db_path.parent) == []
        conn = sqlite3.connect(db_path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
        assert conn.execute("SELECT count(*) FROM attempts").fetchone()[0] == 1
        conn.close()


# --------------------------------------------------------------------------- write failures


class TestFileSwappedWhileOpen:
    """Learner code (or anything else) deletes or replaces the file under a running app."""

    @staticmethod
    def _session(store: ProgressStore) -> None:
        store.record_attempt(PACK, "zeros", "fail", 1, "x = 1")
        store.save_draft(PACK, "zeros", "x = 2")
        store.set_state("last_task", "pytorch60:zeros")
        store.set_trust(Path("/packs/mine"), "mine", True)

    @staticmethod
    def _assert_session_kept(path: Path) -> None:
        with ProgressStore(path) as again:
            assert [a.code for a in again.attempts(PACK, "zeros")] == ["x = 1", "x = 3"]
            assert again.draft(PACK, "zeros") == "x = 4"
            assert again.get_state("last_task") == "pytorch60:zeros"
            assert again.trust(Path("/packs/mine")) is True

    def test_deleted_file_is_recreated_with_the_session(self, db_path: Path) -> None:
        seen: list[str] = []
        with ProgressStore(db_path) as s:
            s.on_notice = seen.append
            self._session(s)
            for side in (db_path, *db_path.parent.glob("progress.db-*")):
                side.unlink()
            s.record_attempt(PACK, "zeros", "pass", 1, "x = 3")
            assert db_path.is_file()
            s.save_draft(PACK, "zeros", "x = 4")
            assert len(s.notices) == 1  # once, not at every write
            assert "deleted while quiz-tui was running" in s.notices[0]
            assert str(db_path) in s.notices[0]
            assert seen == s.notices
        self._assert_session_kept(db_path)

    def test_only_the_main_file_deleted(self, db_path: Path) -> None:
        # The -wal and -shm left at the path belong to the deleted file and must not
        # be mixed into the new one.
        with ProgressStore(db_path) as s:
            self._session(s)
            db_path.unlink()
            s.record_attempt(PACK, "zeros", "pass", 1, "x = 3")
            s.save_draft(PACK, "zeros", "x = 4")
            assert len(s.notices) == 1
        assert not broken_files(db_path.parent)
        self._assert_session_kept(db_path)

    def test_replaced_by_another_progress_file_is_merged(self, tmp_path: Path) -> None:
        db_path = tmp_path / "progress.db"
        other = tmp_path / "other.db"
        with ProgressStore(other) as o:
            o.record_attempt(PACK, "ones", "pass", 1, "y = 1")
            o.save_draft(PACK, "ones", "y = 2")
        with ProgressStore(db_path) as s:
            self._session(s)
            os.replace(other, db_path)
            s.record_attempt(PACK, "zeros", "pass", 1, "x = 3")
            s.save_draft(PACK, "zeros", "x = 4")
            assert len(s.notices) == 1
            assert "replaced by another one" in s.notices[0]
            assert "merged" in s.notices[0]
        self._assert_session_kept(db_path)
        with ProgressStore(db_path) as again:
            assert [a.code for a in again.attempts(PACK, "ones")] == ["y = 1"]
            assert again.draft(PACK, "ones") == "y = 2"
        assert not broken_files(tmp_path)

    def test_replaced_by_garbage_is_moved_aside(self, db_path: Path) -> None:
        with ProgressStore(db_path) as s:
            self._session(s)
            garbage = db_path.with_name("garbage")
            garbage.write_text("not a database at all", "utf-8")
            os.replace(garbage, db_path)
            s.record_attempt(PACK, "zeros", "pass", 1, "x = 3")
            s.save_draft(PACK, "zeros", "x = 4")
            assert len(s.notices) == 1
            assert "it is not a SQLite database" in s.notices[0]
            assert s.notice is None  # the open-time notice is not overwritten
        (aside,) = broken_files(db_path.parent)
        assert aside.read_text("utf-8") == "not a database at all"
        self._assert_session_kept(db_path)

    def test_exams_keep_their_ids_when_merged(self, tmp_path: Path) -> None:
        # The app holds the running exam's id; a different exam with that id in the
        # incoming file moves to a new id, with its tasks, attempts and drafts.
        db_path = tmp_path / "progress.db"
        other = tmp_path / "other.db"

        def exam(store: ProgressStore, started: float, code: str) -> None:
            with store.transaction() as conn:
                conn.execute(
                    "INSERT INTO exams (id, pack, selection, tasks, minutes, feedback, "
                    "started_at, deadline) VALUES (1, ?, ?, '[\"zeros\"]', 30, 0, ?, ?)",
                    (PACK, f"{PACK}:zeros", started, started + 1800),
                )
                conn.execute(
                    "INSERT INTO exam_tasks (exam, exercise, position, code) "
                    "VALUES (1, 'zeros', 0, ?)",
                    (code,),
                )
            store.record_attempt(PACK, "zeros", "pass", 1, code, exam=1)
            store.save_draft(PACK, "zeros", code, scope="exam:1")

        now = time.time()  # the exams are still running: their drafts may be saved
        with ProgressStore(other) as o:
            exam(o, now - 10, "theirs")
        with ProgressStore(db_path) as s:
            exam(s, now, "ours")
            os.replace(other, db_path)
            s.save_draft(PACK, "zeros", "ours, later", scope="exam:1")
            rows = s.query("SELECT id, started_at FROM exams ORDER BY id")
            assert rows == [(1, now), (2, now - 10)]
            assert s.query("SELECT exam, code FROM exam_tasks ORDER BY exam") == [
                (1, "ours"),
                (2, "theirs"),
            ]
            assert {(a.exam, a.code) for a in s.attempts()} == {(1, "ours"), (2, "theirs")}
            assert s.draft(PACK, "zeros", scope="exam:1") == "ours, later"
            assert s.draft(PACK, "zeros", scope="exam:2") == "theirs"


class TestWriteFailures:
    def test_full_disk(self, store: ProgressStore) -> None:
        store.record_attempt(PACK, "zeros", "pass", 1, "first")
        store.save_draft(PACK, "zeros", "saved draft")
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(ProgressStoreError) as info:
            store.record_attempt(PACK, "zeros", "fail", 1, "y" * 100_000)
        message = str(info.value)
        assert "is full" in message
        assert str(store.path) in message
        assert "not saved" in message
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        with pytest.raises(ProgressStoreError, match="is full"):
            store.save_draft(PACK, "zeros", "z" * 100_000)
        # Earlier data is intact, in this connection and on disk.
        assert [a.code for a in store.attempts()] == ["first"]
        assert store.draft(PACK, "zeros") == "saved draft"
        with ProgressStore(store.path) as other:
            assert [a.code for a in other.attempts()] == ["first"]
            assert other.draft(PACK, "zeros") == "saved draft"
        # Once there is room again, saving works.
        store._conn.execute("PRAGMA max_page_count = 1000000")
        store.record_attempt(PACK, "zeros", "fail", 1, "y" * 100_000)
        assert len(store.attempts()) == 2

    def test_busy_database(self, store: ProgressStore) -> None:
        store._conn.execute("PRAGMA busy_timeout = 50")
        blocker = sqlite3.connect(store.path, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            with pytest.raises(ProgressStoreError, match="kept the progress database busy"):
                store.record_attempt(PACK, "zeros", "pass", 1, "x")
            # Reading still works while another writer holds the lock (WAL).
            assert store.attempts() == []
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        store.record_attempt(PACK, "zeros", "pass", 1, "x")
        assert len(store.attempts()) == 1


# --------------------------------------------------------------------------- concurrency

WRITES = 200


def _write_many(path: str, who: str, count: int) -> None:
    """Record ``count`` attempts and drafts as ``who`` (runs in a thread or a process)."""
    with ProgressStore(Path(path)) as s:
        for i in range(count):
            s.record_attempt(PACK, f"ex{i % 5}", "fail", 0.1, f"{who}-{i}")
            s.save_draft(PACK, f"ex{i % 5}", f"{who}-{i}", scope=who)
            if i % 50 == 0:
                s.task_states(PACK)


def _assert_all_written(path: Path, writers: list[str]) -> None:
    with ProgressStore(path) as s:
        assert s.notice is None
        codes = [a.code for a in s.attempts()]
        assert len(codes) == WRITES * len(writers)
        assert set(codes) == {f"{w}-{i}" for w in writers for i in range(WRITES)}
        for w in writers:
            for ex in range(5):
                last = max(i for i in range(WRITES) if i % 5 == ex)
                assert s.draft(PACK, f"ex{ex}", scope=w) == f"{w}-{last}"


class TestConcurrency:
    # The database is created first: these tests are about concurrent writes.
    # Concurrent creation is test_opening_waits_for_a_brief_write_lock.

    def test_two_stores_in_two_threads(self, db_path: Path) -> None:
        ProgressStore(db_path).close()
        errors: list[BaseException] = []

        def run(who: str) -> None:
            try:
                _write_many(str(db_path), who, WRITES)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(w,)) for w in ("t1", "t2")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        assert errors == []
        _assert_all_written(db_path, ["t1", "t2"])

    def test_one_store_shared_by_threads(self, store: ProgressStore) -> None:
        def run(who: str) -> None:
            for i in range(WRITES):
                store.record_attempt(PACK, "ex", "fail", 0.1, f"{who}-{i}")

        threads = [threading.Thread(target=run, args=(f"s{n}",)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(store.attempts()) == 4 * WRITES
        assert len({a.code for a in store.attempts()}) == 4 * WRITES

    def test_two_processes(self, db_path: Path) -> None:
        ProgressStore(db_path).close()
        ctx = multiprocessing.get_context("spawn")
        procs = [
            ctx.Process(target=_write_many, args=(str(db_path), who, WRITES))
            for who in ("p1", "p2")
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=180)
        assert [p.exitcode for p in procs] == [0, 0]
        _assert_all_written(db_path, ["p1", "p2"])

    def test_opening_waits_for_a_brief_write_lock(self, db_path: Path) -> None:
        # What a second quiz-tui sees when it starts while the first one is
        # creating the database (switching a new file to WAL takes a write lock).
        # With a 5 s busy timeout, a lock held for 0.3 s must just be waited for.
        blocker = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        blocker.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.3, lambda: blocker.execute("ROLLBACK"))
        release.start()
        try:
            with ProgressStore(db_path) as s:
                s.record_attempt(PACK, "zeros", "pass", 1, "x")
                assert len(s.attempts()) == 1
        finally:
            release.join()
            blocker.close()
