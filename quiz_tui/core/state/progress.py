"""Saves progress: every attempt, the learner's drafts, and where they left off.

One SQLite file in the user's data folder, in WAL mode with a busy timeout, so
two terminals can run quiz-tui at once and a kill -9 loses at most the draft
typed since the last save. A file that is not our database, or is damaged, is
moved aside with a message, and whatever rows can still be read are carried
over into a fresh one.

The file can also disappear or be swapped while the app runs (by learner code,
a sync tool or a careless ``rm``). SQLite would go on writing to the deleted
file and every later change would be lost without a word, so each write first
checks that the path still names the file that was opened; if not, this
session's rows (still readable through the open connection) are carried into
the file now at the path, and a notice says so.

One module past 500 lines on purpose: the schema, its migrations, recovery from
a damaged file, the inode check and export/import all rest on one connection and
one transaction discipline, which must be read together to be trusted.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from quiz_tui.core.errors import ProgressStoreError
from quiz_tui.core.model import Status, code_hash
from quiz_tui.core.state import paths

APPLICATION_ID = 0x51545549  # "QTUI"
SCHEMA_VERSION = 2
"""1: attempts, drafts, solutions, state, trust, exams. 2: adds ``hints_shown``."""
BUSY_TIMEOUT_MS = 5000
EXPORT_FORMAT = "quiz-tui-progress"

TaskStatus = Literal["untouched", "attempted", "failed", "passed", "solution"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id        INTEGER PRIMARY KEY,
    pack      TEXT NOT NULL,
    exercise  TEXT NOT NULL,
    at        REAL NOT NULL,
    status    TEXT NOT NULL,
    seconds   REAL NOT NULL,
    code_hash TEXT NOT NULL,
    code      TEXT NOT NULL DEFAULT '',
    source    TEXT NOT NULL DEFAULT 'app',
    exam      INTEGER
);
CREATE INDEX IF NOT EXISTS attempts_task ON attempts (pack, exercise);
CREATE TABLE IF NOT EXISTS drafts (
    pack     TEXT NOT NULL,
    exercise TEXT NOT NULL,
    scope    TEXT NOT NULL DEFAULT '',
    code     TEXT NOT NULL,
    updated  REAL NOT NULL,
    PRIMARY KEY (pack, exercise, scope)
);
CREATE TABLE IF NOT EXISTS solutions_shown (
    pack     TEXT NOT NULL,
    exercise TEXT NOT NULL,
    at       REAL NOT NULL,
    PRIMARY KEY (pack, exercise)
);
-- Schema 2: how many hints of each task the learner has revealed.
CREATE TABLE IF NOT EXISTS hints_shown (
    pack     TEXT NOT NULL,
    exercise TEXT NOT NULL,
    count    INTEGER NOT NULL,
    at       REAL NOT NULL,
    PRIMARY KEY (pack, exercise)
);
CREATE TABLE IF NOT EXISTS state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trust (
    folder   TEXT PRIMARY KEY,
    pack     TEXT NOT NULL,
    trusted  INTEGER NOT NULL,
    at       REAL NOT NULL
);
-- Exams (quiz_tui.core.state.exam.ExamBook); attempts.exam refers to exams.id.
CREATE TABLE IF NOT EXISTS exams (
    id          INTEGER PRIMARY KEY,
    pack        TEXT NOT NULL,
    selection   TEXT NOT NULL,
    tasks       TEXT NOT NULL,
    minutes     REAL NOT NULL,
    feedback    INTEGER NOT NULL,
    seed        INTEGER,
    started_at  REAL NOT NULL,
    deadline    REAL NOT NULL,
    finished_at REAL,
    state       TEXT NOT NULL DEFAULT 'running'
);
CREATE TABLE IF NOT EXISTS exam_tasks (
    exam      INTEGER NOT NULL,
    exercise  TEXT NOT NULL,
    position  INTEGER NOT NULL,
    seconds   REAL NOT NULL DEFAULT 0,
    checks    INTEGER NOT NULL DEFAULT 0,
    status    TEXT,
    message   TEXT NOT NULL DEFAULT '',
    code      TEXT,
    PRIMARY KEY (exam, exercise)
);
"""

_TABLES = ("attempts", "drafts", "solutions_shown", "state", "hints_shown")
_EXAM_SCOPE = "exam:{}"
"""Draft scope of an exam (``quiz_tui.core.state.exam.Exam.draft_scope``)."""
_VERDICTS = {Status.PASS.value, Status.FAIL.value, Status.ERROR.value, Status.TIMEOUT.value}


@dataclass(frozen=True)
class Attempt:
    pack: str
    exercise: str
    at: float
    status: str
    seconds: float
    code_hash: str
    code: str = ""
    source: str = "app"
    exam: int | None = None


@dataclass(frozen=True)
class TaskState:
    status: TaskStatus
    attempts: int
    last_status: str | None
    has_draft: bool


def default_path() -> Path:
    return paths.data_dir() / "progress.db"


def _is_busy(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _is_sqlite(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def _intact(table: str, row: dict[str, Any]) -> bool:
    """Whether a row read from a damaged file is whole, not a page cut short.

    The app never writes NUL characters, and every attempt carries the hash of
    its code: a torn page shows up as one or the other.
    """
    if any(isinstance(v, str) and "\x00" in v for v in row.values()):
        return False
    if table == "attempts":
        code = row.get("code")
        return isinstance(code, str) and (code == "" or row.get("code_hash") == code_hash(code))
    return True


class ProgressStore:
    """The progress database; methods are safe to call from several threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.notice: str | None = None
        """Set when the file had to be moved aside; show it to the user once."""
        self.notices: list[str] = []
        """Problems met after opening (the file was deleted or replaced), oldest first."""
        self.on_notice: Callable[[str], None] | None = None
        """Called with each new entry of ``notices`` (from the thread that was writing)."""
        self._lock = threading.RLock()
        self._identity: tuple[int, int] | None = None
        """(device, inode) of the file our connection has open."""
        self._sides: dict[Path, tuple[int, int]] = {}
        """The same for its -wal and -shm files, which SQLite keeps at the path."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProgressStoreError(
                f"cannot create the folder for progress ({self.path.parent}): {exc.strerror}"
            ) from exc
        self._conn = self._open()
        self._identity = self._file_identity()
        self._sides = self._side_identities()

    # -- opening and recovery ---------------------------------------------

    def _connect(self, path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    def _open(self) -> sqlite3.Connection:
        # Two quiz-tui processes starting together must not both "repair" the file (one
        # could move the other's fresh database aside): diagnosis, recovery and schema
        # set-up happen under an exclusive lock on a sidecar file.
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            lock = open(lock_path, "a+b")  # noqa: SIM115 - held until set-up ends
        except OSError as exc:
            raise ProgressStoreError(f"cannot open {lock_path}: {exc.strerror}") from exc
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            problem = self._diagnose()
            if problem is not None:
                return self._move_aside_and_recover(problem)
            try:
                conn = self._connect(self.path)
                self._initialise(conn)
                return conn
            except sqlite3.DatabaseError as exc:
                if _is_busy(exc):
                    raise ProgressStoreError(
                        f"the progress database {self.path} is locked by another program"
                    ) from exc
                return self._move_aside_and_recover(f"it could not be opened ({exc})")

    def _diagnose(self) -> str | None:
        """Why the file at our path is unusable, or None when it is fine (or absent)."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        try:
            if not _is_sqlite(self.path):
                return "it is not a SQLite database"
        except OSError as exc:
            return f"it cannot be read ({exc.strerror})"
        try:
            conn = self._connect(self.path)
            try:
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
                tables = {
                    r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                if app_id not in (0, APPLICATION_ID) or (
                    app_id == 0 and tables and not tables & set(_TABLES)
                ):
                    return "it belongs to another program"
                check = str(conn.execute("PRAGMA quick_check").fetchone()[0])
                if check != "ok":
                    return f"it is damaged ({check.splitlines()[0]})"
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                return None
            return f"it is damaged ({exc})"
        return None

    def _move_aside_and_recover(self, why: str) -> sqlite3.Connection:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.broken-{stamp}-{n}")
        with self._lock:
            try:
                shutil.move(self.path, aside)
                for suffix in ("-wal", "-shm"):
                    side = self.path.with_name(self.path.name + suffix)
                    if side.exists():
                        shutil.move(side, aside.with_name(aside.name + suffix))
            except OSError as exc:
                raise ProgressStoreError(
                    f"the progress database {self.path} is unusable ({why}) and could not be "
                    f"moved aside: {exc.strerror}"
                ) from exc
            conn = self._connect(self.path)
            self._initialise(conn)
            rows = self._salvage(aside, conn)
        kept = f"; {rows} saved rows were recovered from it" if rows else ""
        self.notice = (
            f"Your progress file {self.path} could not be used because {why}. It was moved to "
            f"{aside.name}{kept}, and a new one was started."
        )
        return conn

    def _salvage(self, old: Path, conn: sqlite3.Connection) -> int:
        """Copy every row that can still be read from a damaged database."""
        try:
            if not _is_sqlite(old):
                return 0
            src = sqlite3.connect(f"file:{old}?mode=ro", uri=True)
            # Lets SQLite read the schema of a file whose header promises missing pages.
            src.execute("PRAGMA writable_schema = ON")
        except (OSError, sqlite3.DatabaseError):
            return 0
        copied = 0
        try:
            for table in _TABLES:
                try:
                    cursor = src.execute(f"SELECT * FROM {table}")
                    columns = [d[0] for d in cursor.description]
                except sqlite3.DatabaseError:
                    continue
                marks = ", ".join("?" for _ in columns)
                names = ", ".join(columns)
                while True:
                    try:
                        row = cursor.fetchone()
                    except sqlite3.DatabaseError:
                        break
                    if row is None:
                        break
                    if not _intact(table, dict(zip(columns, row, strict=True))):
                        continue
                    try:
                        conn.execute(
                            f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})", row
                        )
                        copied += 1
                    except sqlite3.DatabaseError:
                        continue
            conn.commit()
        finally:
            src.close()
        return copied

    def _initialise(self, conn: sqlite3.Connection) -> None:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self._set_up(conn)
                return
            except sqlite3.OperationalError as exc:
                # Switching to WAL does not wait for another writer the way other
                # statements do, so wait here.
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _set_up(self, conn: sqlite3.Connection) -> None:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ProgressStoreError(
                f"the progress database {self.path} was written by a newer quiz-tui "
                f"(schema {version}); upgrade quiz-tui to use it"
            )
        with conn:
            # Every table is CREATE ... IF NOT EXISTS, so running the schema is also the
            # migration from 1 to 2: an older file gains hints_shown, and keeps its rows.
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- the file vanishing or being swapped while open ---------------------

    def _file_identity(self) -> tuple[int, int] | None:
        """(device, inode) of the file now at our path, None when there is none."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError:
            return self._identity  # cannot tell: assume it is still ours
        return (st.st_dev, st.st_ino)

    def _side_identities(self) -> dict[Path, tuple[int, int]]:
        sides = {}
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            with contextlib.suppress(OSError):
                st = os.stat(side)
                sides[side] = (st.st_dev, st.st_ino)
        return sides

    def _drop_stale_sides(self) -> None:
        """Remove our old -wal and -shm from the path once our connection is closed.

        SQLite leaves them behind when its file was unlinked or renamed, and the next
        connection at the path would replay that journal onto whatever file is there
        now. Only files that are still the ones we had open are removed.
        """
        for side, identity in self._sides.items():
            with contextlib.suppress(OSError):
                st = os.stat(side)
                if (st.st_dev, st.st_ino) == identity:
                    side.unlink()

    def _ensure_same_file(self) -> None:
        """Before a write: reattach to the path if the file was deleted or replaced.

        Our connection still reads the old file (a deleted one lives on while it is
        open), so this session's rows are copied out of it first, then merged into
        whatever is at the path now: a fresh file, another progress database, or a
        fresh file after a foreign one was moved aside.
        """
        now = self._file_identity()
        if now == self._identity:
            return
        snapshot = sqlite3.connect(":memory:")
        try:
            self._conn.backup(snapshot)
            self._conn.close()
            self._drop_stale_sides()
            earlier = self._take_notice()
            replaced = now is not None
            self._conn = self._open()
            moved = self._take_notice()  # set when a foreign file had to be moved aside
            self.notice = earlier
            self._identity = self._file_identity()
            self._sides = self._side_identities()
            with self._conn:
                self._merge(snapshot, self._conn)
        except sqlite3.DatabaseError as exc:
            raise ProgressStoreError(
                f"the progress file {self.path} was deleted or replaced while quiz-tui was "
                f"running, and it could not be recreated: {exc}"
            ) from exc
        finally:
            snapshot.close()
        if moved is not None:
            what = (
                f"The progress file {self.path} was replaced while quiz-tui was running. {moved} "
                "Everything from this session was copied into it."
            )
        elif replaced:
            what = (
                f"The progress file {self.path} was replaced by another one while quiz-tui was "
                "running; everything from this session was merged into it."
            )
        else:
            what = (
                f"The progress file was deleted while quiz-tui was running; it has been "
                f"recreated at {self.path} with everything from this session."
            )
        self.notices.append(what)
        if self.on_notice is not None:
            self.on_notice(what)

    def _take_notice(self) -> str | None:
        notice, self.notice = self.notice, None
        return notice

    @staticmethod
    def _merge(src: sqlite3.Connection, conn: sqlite3.Connection) -> None:
        """Merge every row of ``src`` (this session's database) into ``conn``.

        Like ``import_``, but for every table: our rows win over theirs (they are the
        newer), attempts are not doubled, and our exam ids stay as they are (the app
        holds them), so a different exam under the same id in ``conn`` is renumbered.
        """

        def rows(table: str) -> list[dict[str, Any]]:
            cursor = src.execute(f"SELECT * FROM {table}")
            columns = [d[0] for d in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

        def put(verb: str, table: str, row: dict[str, Any], tail: str = "") -> None:
            names = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            conn.execute(
                f"{verb} INTO {table} ({names}) VALUES ({marks}){tail}", tuple(row.values())
            )

        ours = rows("exams")
        taken = {int(r["id"]) for r in ours}
        for exam in ours:
            found = conn.execute(
                "SELECT started_at, selection FROM exams WHERE id = ?", (exam["id"],)
            ).fetchone()
            if found is not None and tuple(found) != (exam["started_at"], exam["selection"]):
                top = conn.execute("SELECT max(id) FROM exams").fetchone()[0]
                new = max(int(top or 0), *taken) + 1
                old = exam["id"]
                conn.execute("UPDATE exams SET id = ? WHERE id = ?", (new, old))
                conn.execute("UPDATE exam_tasks SET exam = ? WHERE exam = ?", (new, old))
                conn.execute("UPDATE attempts SET exam = ? WHERE exam = ?", (new, old))
                conn.execute(
                    "UPDATE drafts SET scope = ? WHERE scope = ?",
                    (_EXAM_SCOPE.format(new), _EXAM_SCOPE.format(old)),
                )
            put("INSERT OR REPLACE", "exams", exam)
        for task in rows("exam_tasks"):
            put("INSERT OR REPLACE", "exam_tasks", task)
        for attempt in rows("attempts"):
            attempt.pop("id", None)
            if not ProgressStore._has_attempt(conn, attempt):
                put("INSERT", "attempts", attempt)
        for draft in rows("drafts"):
            put("INSERT", "drafts", draft,
                " ON CONFLICT (pack, exercise, scope) DO UPDATE SET code = excluded.code, "
                "updated = excluded.updated WHERE excluded.updated >= drafts.updated")  # fmt: skip
        for shown in rows("solutions_shown"):
            put("INSERT OR IGNORE", "solutions_shown", shown)
        for hints in rows("hints_shown"):
            put("INSERT", "hints_shown", hints,
                " ON CONFLICT (pack, exercise) DO UPDATE SET count = max(count, excluded.count)")  # fmt: skip
        for table in ("state", "trust"):
            for row in rows(table):
                put("INSERT OR REPLACE", table, row)

    # -- writing -----------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; SQLite and disk errors become ProgressStoreError."""
        with self._lock:
            self._ensure_same_file()
            try:
                with self._conn:
                    yield self._conn
            except sqlite3.OperationalError as exc:
                text = str(exc)
                if "full" in text:
                    raise ProgressStoreError(
                        f"the disk holding {self.path} is full: your last change was not "
                        "saved (everything saved before it is intact). Free some space."
                    ) from exc
                if _is_busy(exc):
                    raise ProgressStoreError(
                        "another quiz-tui kept the progress database busy for more than "
                        f"{BUSY_TIMEOUT_MS // 1000} s; try again"
                    ) from exc
                if "readonly" in text:
                    raise ProgressStoreError(
                        f"{self.path} is read-only: progress not saved"
                    ) from exc
                raise ProgressStoreError(f"could not save progress: {exc}") from exc
            except sqlite3.DatabaseError as exc:
                raise ProgressStoreError(f"could not save progress: {exc}") from exc

    def record_attempt(
        self,
        pack: str,
        exercise: str,
        status: Status | str,
        seconds: float,
        code: str,
        *,
        source: str = "app",
        exam: int | None = None,
    ) -> None:
        value = status.value if isinstance(status, Status) else status
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO attempts (pack, exercise, at, status, seconds, code_hash, code, "
                "source, exam) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (pack, exercise, time.time(), value, seconds, code_hash(code), code, source, exam),
            )

    def save_draft(
        self, pack: str, exercise: str, code: str, *, scope: str = "", at: float | None = None
    ) -> None:
        """Save a draft; ``at`` is when, on the exam's clock (default: now).

        An exam's draft is what gets graded, so once its deadline has passed it is
        kept as it was then: a later save raises ProgressStoreError.
        """
        at = time.time() if at is None else at
        with self.transaction() as conn:
            self._refuse_late(conn, scope, at)
            conn.execute(
                "INSERT INTO drafts (pack, exercise, scope, code, updated) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (pack, exercise, scope) DO UPDATE SET code = excluded.code, "
                "updated = excluded.updated",
                (pack, exercise, scope, code, at),
            )

    @staticmethod
    def _refuse_late(conn: sqlite3.Connection, scope: str, at: float) -> None:
        if not scope.startswith(_EXAM_SCOPE.format("")):
            return
        found = conn.execute(
            "SELECT deadline FROM exams WHERE ? = 'exam:' || id", (scope,)
        ).fetchone()
        if found is not None and at > found[0]:
            raise ProgressStoreError(
                "the exam's time is up: changes made after it are not saved or graded"
            )

    def delete_draft(self, pack: str, exercise: str, *, scope: str = "") -> None:
        with self.transaction() as conn:
            self._refuse_late(conn, scope, time.time())
            conn.execute(
                "DELETE FROM drafts WHERE pack = ? AND exercise = ? AND scope = ?",
                (pack, exercise, scope),
            )

    def mark_solution_shown(self, pack: str, exercise: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO solutions_shown (pack, exercise, at) VALUES (?, ?, ?)",
                (pack, exercise, time.time()),
            )

    def reveal_hints(self, pack: str, exercise: str, count: int) -> None:
        """Remember that the first ``count`` hints of a task have been shown (never fewer)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO hints_shown (pack, exercise, count, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (pack, exercise) DO UPDATE SET count = max(count, excluded.count), "
                "at = excluded.at",
                (pack, exercise, count, time.time()),
            )

    def hints_revealed(self, pack: str, exercise: str) -> int:
        """How many hints of a task the learner has seen (0 when none)."""
        rows = self.query(
            "SELECT count FROM hints_shown WHERE pack = ? AND exercise = ?", (pack, exercise)
        )
        return int(rows[0][0]) if rows else 0

    def set_state(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def trust(self, folder: Path) -> bool | None:
        """The learner's answer for a pack folder: True, False, or None if never asked."""
        rows = self.query("SELECT trusted FROM trust WHERE folder = ?", (str(folder.resolve()),))
        return bool(rows[0][0]) if rows else None

    def set_trust(self, folder: Path, pack: str, trusted: bool) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO trust (folder, pack, trusted, at) VALUES (?, ?, ?, ?)",
                (str(folder.resolve()), pack, int(trusted), time.time()),
            )

    def reset(self, pack: str | None = None, exercise: str | None = None) -> int:
        """Forget attempts, drafts, shown solutions and hints (all, one pack or one task)."""
        where, args = self._where(pack, exercise)
        removed = 0
        with self.transaction() as conn:
            for table in ("attempts", "drafts", "solutions_shown", "hints_shown"):
                removed += conn.execute(f"DELETE FROM {table}{where}", args).rowcount
        return removed

    # -- reading -----------------------------------------------------------

    @staticmethod
    def _where(pack: str | None, exercise: str | None) -> tuple[str, tuple[str, ...]]:
        clauses: list[str] = []
        args: list[str] = []
        if pack is not None:
            clauses.append("pack = ?")
            args.append(pack)
        if exercise is not None:
            clauses.append("exercise = ?")
            args.append(exercise)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query (read errors become ProgressStoreError)."""
        with self._lock:
            try:
                return self._conn.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                raise ProgressStoreError(f"could not read progress: {exc}") from exc

    def draft(
        self, pack: str, exercise: str, *, scope: str = "", before: float | None = None
    ) -> str | None:
        """The saved draft; with ``before``, only one saved at or before that time.

        Grading an exam passes its deadline, so a draft written late is not graded.
        """
        sql = "SELECT code FROM drafts WHERE pack = ? AND exercise = ? AND scope = ?"
        args: tuple[Any, ...] = (pack, exercise, scope)
        if before is not None:
            sql += " AND updated <= ?"
            args += (before,)
        rows = self.query(sql, args)
        return str(rows[0][0]) if rows else None

    def get_state(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM state WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def attempts(self, pack: str | None = None, exercise: str | None = None) -> list[Attempt]:
        where, args = self._where(pack, exercise)
        rows = self.query(
            "SELECT pack, exercise, at, status, seconds, code_hash, code, source, exam "
            f"FROM attempts{where} ORDER BY at, id",
            args,
        )
        return [Attempt(*row) for row in rows]

    def task_states(self, pack: str) -> dict[str, TaskState]:
        """Per exercise id: passed, failed, attempted, solved after seeing the solution."""
        shown = {
            r[0] for r in self.query("SELECT exercise FROM solutions_shown WHERE pack = ?", (pack,))
        }
        drafts = {
            r[0]
            for r in self.query(
                "SELECT exercise FROM drafts WHERE pack = ? AND scope = ''", (pack,)
            )
        }
        stats: dict[str, tuple[int, str | None, bool]] = {}
        for exercise, verdict in self.query(
            "SELECT exercise, status FROM attempts WHERE pack = ? AND exam IS NULL ORDER BY at, id",
            (pack,),
        ):
            count, last, passed = stats.get(exercise, (0, None, False))
            # Only verdicts on the learner's code count: a run, a cancel, an untouched
            # starter or a broken checker says nothing about their answer.
            if verdict in _VERDICTS:
                last = verdict
            stats[exercise] = (count + 1, last, passed or verdict == Status.PASS.value)
        out: dict[str, TaskState] = {}
        for exercise in set(stats) | shown | drafts:
            count, last, passed = stats.get(exercise, (0, None, False))
            status: TaskStatus
            if exercise in shown:
                status = "solution"
            elif passed:
                status = "passed"
            elif last is None:
                status = "attempted"
            else:
                status = "failed"
            out[exercise] = TaskState(status, count, last, exercise in drafts)
        return out

    # -- export / import -----------------------------------------------------

    def export(self, path: Path, *, learner: str = "") -> int:
        """Write everything as JSON; returns the number of records written.

        ``learner`` names whose progress it is, for ``quiz-tui grade``.
        """
        data: dict[str, Any] = {"format": EXPORT_FORMAT, "version": SCHEMA_VERSION}
        if learner:
            data["learner"] = learner
        count = 0
        for table in _TABLES:
            # An export is readable text: verdicts of an exam that hides them until
            # the end stay out of it while that exam runs.
            where = (
                " WHERE exam IS NULL OR exam NOT IN "
                "(SELECT id FROM exams WHERE state = 'running' AND feedback = 0)"
                if table == "attempts"
                else ""
            )
            with self._lock:
                cursor = self._conn.execute(f"SELECT * FROM {table}{where}")
                columns = [d[0] for d in cursor.description]
                rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            data[table] = rows
            count += len(rows)
        data["exams"] = self._exported_exams()
        count += len(data["exams"])
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
        tmp.replace(path)
        return count

    def _exported_exams(self) -> list[dict[str, Any]]:
        """Every exam with its tasks, for the record (``import`` leaves them out: an
        exam belongs to the machine it was taken on). While an exam that hides its
        verdicts runs, its tasks' verdicts stay out of the export."""
        with self._lock:
            cursor = self._conn.execute("SELECT * FROM exams ORDER BY id")
            columns = [d[0] for d in cursor.description]
            exams = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            cursor = self._conn.execute("SELECT * FROM exam_tasks ORDER BY exam, position")
            columns = [d[0] for d in cursor.description]
            tasks = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        for exam in exams:
            hidden = exam["state"] == "running" and not exam["feedback"]
            exam["tasks"] = [
                {**t, "status": None, "message": ""} if hidden else t
                for t in tasks
                if t["exam"] == exam["id"]
            ]
        return exams

    def import_(self, path: Path) -> int:
        """Merge an export into this database; returns the number of new records."""
        try:
            data = json.loads(Path(path).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ProgressStoreError(f"{path}: not a quiz-tui progress export ({exc})") from exc
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            raise ProgressStoreError(f"{path}: not a quiz-tui progress export")
        added = 0
        with self.transaction() as conn:
            for table in _TABLES:
                rows = data.get(table, [])
                if not isinstance(rows, list):
                    raise ProgressStoreError(f"{path}: {table!r} should be a list of records")
                for row in rows:
                    if not isinstance(row, dict):
                        continue
                    row = {k: v for k, v in row.items() if k != "id"}
                    if table == "attempts" and self._has_attempt(conn, row):
                        continue
                    if table == "state" and self._same_state(conn, row):
                        continue
                    names = ", ".join(row)
                    marks = ", ".join("?" for _ in row)
                    verb = "INSERT OR IGNORE" if table != "state" else "INSERT OR REPLACE"
                    try:
                        cursor = conn.execute(
                            f"{verb} INTO {table} ({names}) VALUES ({marks})", tuple(row.values())
                        )
                    except (sqlite3.DatabaseError, OverflowError, TypeError) as exc:
                        raise ProgressStoreError(
                            f"{path}: a {table} record is malformed ({exc})"
                        ) from exc
                    added += cursor.rowcount
        return added

    @staticmethod
    def _same_state(conn: sqlite3.Connection, row: dict[str, Any]) -> bool:
        found = conn.execute("SELECT value FROM state WHERE key = ?", (row.get("key"),)).fetchone()
        return found is not None and found[0] == row.get("value")

    @staticmethod
    def _has_attempt(conn: sqlite3.Connection, row: dict[str, Any]) -> bool:
        found = conn.execute(
            "SELECT 1 FROM attempts WHERE pack = ? AND exercise = ? AND at = ? AND code_hash = ?",
            (row.get("pack"), row.get("exercise"), row.get("at"), row.get("code_hash")),
        ).fetchone()
        return found is not None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
