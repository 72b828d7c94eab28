"""Grades a class: checks every learner's handed-in code again, and writes the grades.

A submission is one learner's exported exam (``quiz-tui exam report --export``) or
progress (``quiz-tui progress export``). Nothing a submission says about its own
verdicts is believed: each task's final code goes through the runner again, whose
judge never runs a line of the learner's code. What comes out, ``Grades``, is
written three ways: a CSV (one row per learner, one column per task, a total), a
details file (every verdict with its message, for feedback and for merging) and a
summary (each task's pass rate and most common failures).

A class too big for one machine is graded in slices: ``shard`` picks the i-th of N
(by file name), and ``merge`` puts the parts back together into exactly what one
run would have written.

One module past 500 lines on purpose: reading submissions, grading, the CSV and
summary, and shard merging share the one record of a graded class, and merge
must write byte for byte what a single run writes.
"""

from __future__ import annotations

import collections
import concurrent.futures
import csv
import io
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from quiz_tui.core.errors import QuizError
from quiz_tui.core.execution.checking import CheckService, Runs
from quiz_tui.core.execution.protocol import clean_text
from quiz_tui.core.model import Exercise, Pack, Status
from quiz_tui.core.state.exam import EXPORT_KIND

MAX_SUBMISSION_BYTES = 32 * 1024 * 1024
"""A submission larger than this is not read (a class's exports are a few KB each)."""
DETAILS_KIND = "quiz-tui-grades"
DETAILS_VERSION = 1
PROGRESS_FORMAT = "quiz-tui-progress"
"""``format`` of a progress export (``ProgressStore.export``)."""
NOT_HANDED_IN = "no code handed in for this task"
TOP_FAILURES = 5
"""Failure messages listed per task in the summary."""


class GradingError(QuizError):
    """Grading cannot go on: a bad ``--shard``, or parts of different packs to merge."""


class SubmissionError(QuizError):
    """One submission cannot be read; it is skipped and named, and grading goes on."""


@dataclass(frozen=True)
class Submission:
    """What one learner handed in: the final code of each task."""

    file: str
    """The file as it was named on the command line (its row is keyed by it)."""
    learner: str
    pack: str
    pack_version: str
    tasks: tuple[str, ...]
    """The exercise ids it covers (an exam's tasks), in its order."""
    answers: dict[str, str]
    """Final code by exercise id; a task without code was not attempted."""
    source: Literal["exam", "progress"]


def _untrusted(text: Any, limit: int = 200) -> str:
    """A string from a submission, safe to print and to put in a CSV cell."""
    line = clean_text(str(text), keep_newlines=False).strip()[:limit]
    return "'" + line if line[:1] in ("=", "+", "-", "@") else line  # no spreadsheet formulas


def read_submission(path: Path, pack_id: str, *, label: str | None = None) -> Submission:
    """Read one exported exam or progress file; raise SubmissionError saying why not.

    ``pack_id`` picks the pack's attempts out of a progress export, which holds all.
    """
    label = label or str(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_SUBMISSION_BYTES + 1)
    except IsADirectoryError as exc:
        raise SubmissionError("a folder, not an exported file") from exc
    except OSError as exc:
        raise SubmissionError(f"cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_SUBMISSION_BYTES:
        raise SubmissionError(f"larger than {MAX_SUBMISSION_BYTES // 2**20} MB: not an export")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise SubmissionError("not UTF-8 text, so not an export of quiz-tui") from exc
    except (ValueError, RecursionError) as exc:
        raise SubmissionError(f"not JSON ({str(exc)[:80]})") from exc
    if not isinstance(data, dict):
        raise SubmissionError("not an exported exam or progress file")
    fallback = Path(label).stem
    if data.get("format") == PROGRESS_FORMAT:
        return _from_progress(data, label, pack_id, fallback)
    if data.get("kind") == EXPORT_KIND or isinstance(data.get("exam"), dict):
        return _from_exam(data, label, fallback)
    raise SubmissionError(
        "not an exported exam (quiz-tui exam report --export) or progress file "
        "(quiz-tui progress export)"
    )


def _learner(data: dict[str, Any], fallback: str) -> str:
    name = data.get("learner")
    return _untrusted(name) if isinstance(name, str) and name.strip() else _untrusted(fallback)


def _from_exam(data: dict[str, Any], label: str, fallback: str) -> Submission:
    pack = data.get("pack")
    exam = data.get("exam")
    if isinstance(pack, dict) and isinstance(pack.get("id"), str):
        pack_id, version = pack["id"], pack.get("version")
    elif isinstance(exam, dict) and isinstance(exam.get("pack"), str):
        pack_id, version = exam["pack"], ""  # a report exported before packs had versions
    else:
        raise SubmissionError("the exported exam does not say which pack it is from")
    tasks = data.get("tasks")
    if not isinstance(tasks, list):
        raise SubmissionError("the exported exam has no list of tasks")
    ids: list[str] = []
    answers: dict[str, str] = {}
    for i, task in enumerate(tasks):
        if not isinstance(task, dict) or not isinstance(task.get("exercise"), str):
            raise SubmissionError(f"task {i + 1} of the exported exam has no exercise id")
        code = task.get("code")
        if code is not None and not isinstance(code, str):
            raise SubmissionError(f"task {i + 1} ({task['exercise']}): its code is not text")
        ids.append(task["exercise"])
        if code is not None:
            answers[task["exercise"]] = code
    return Submission(
        label,
        _learner(data, fallback),
        pack_id,
        _untrusted(version) if isinstance(version, str) else "",
        tuple(dict.fromkeys(ids)),
        answers,
        "exam",
    )


def _from_progress(data: dict[str, Any], label: str, pack_id: str, fallback: str) -> Submission:
    attempts = data.get("attempts")
    if not isinstance(attempts, list):
        raise SubmissionError("the progress export has no list of attempts")
    latest: dict[str, tuple[float, str]] = {}
    for row in attempts:
        if not isinstance(row, dict) or row.get("pack") != pack_id:
            continue
        exercise, at, code = row.get("exercise"), row.get("at"), row.get("code")
        if not isinstance(exercise, str) or not isinstance(code, str) or not code:
            continue
        when = float(at) if isinstance(at, int | float) else 0.0
        if exercise not in latest or when >= latest[exercise][0]:
            latest[exercise] = (when, code)
    return Submission(
        label,
        _learner(data, fallback),
        pack_id,
        "",
        tuple(sorted(latest)),
        {ex: code for ex, (_, code) in latest.items()},
        "progress",
    )


# -- which files ------------------------------------------------------------------------


def collect(paths: Iterable[Path]) -> list[Path]:
    """The submissions named: files as they are, folders as the ``*.json`` files in them."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix == ".json" and not p.is_dir())
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def parse_shard(spec: str) -> tuple[int, int]:
    """``"2/8"`` → (2, 8): the second of eight slices, counted from 1."""
    match = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", spec)
    if not match:
        raise GradingError(f"--shard {spec!r}: write it as I/N, e.g. 2/8 (the 2nd of 8 slices)")
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= count:
        raise GradingError(f"--shard {spec}: I must be between 1 and N ({count})")
    return index, count


def shard(files: Sequence[Path], index: int, count: int) -> list[Path]:
    """The ``index``-th of ``count`` slices (from 1), dealt in file-name order.

    Every machine that runs one slice sees the same order, so the slices cover each
    file exactly once whatever order the shell listed them in.
    """
    ordered = sorted(files, key=lambda p: (p.name, str(p)))
    return ordered[index - 1 :: count]


# -- grades -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One task of the pack: one column of the CSV."""

    number: int
    id: str
    title: str = ""

    @property
    def header(self) -> str:
        return f"{self.number} {self.id}"


@dataclass(frozen=True)
class Verdict:
    status: str
    """A ``Status`` value; ``not_attempted`` also for a task with no code handed in."""
    message: str = ""
    """The result's message (English), on one line."""
    mistake: str = ""
    """The misconception catalogue entry it was diagnosed as, if any."""

    @property
    def cell(self) -> str:
        """In the CSV: 1 passed, 0 not; empty when the check itself broke (see the summary)."""
        if self.status == Status.PASS.value:
            return "1"
        return "" if self.status == Status.CHECKER_ERROR.value else "0"


@dataclass(frozen=True)
class LearnerGrades:
    learner: str
    file: str
    pack_version: str
    verdicts: dict[str, Verdict]
    """By exercise id, for every column."""

    @property
    def total(self) -> int:
        return sum(1 for v in self.verdicts.values() if v.status == Status.PASS.value)


@dataclass(frozen=True)
class Notice:
    """Something about one file: why it was skipped, or what in it was ignored."""

    file: str
    message: str


@dataclass
class Grades:
    pack: str
    pack_version: str
    columns: list[Column]
    learners: list[LearnerGrades] = field(default_factory=list)
    skipped: list[Notice] = field(default_factory=list)
    """Submissions that could not be read or are for another pack: not graded."""
    notes: list[Notice] = field(default_factory=list)
    """Parts of submissions that were ignored (a task the pack does not have)."""

    def sort(self) -> None:
        """One order however the work was split: columns by number, rows by learner."""
        self.columns.sort(key=lambda c: (c.number, c.id))
        self.learners.sort(key=lambda g: (g.learner, g.file))
        self.skipped.sort(key=lambda n: (n.file, n.message))
        self.notes.sort(key=lambda n: (n.file, n.message))

    # -- the CSV --------------------------------------------------------------------

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["learner", "file", *(c.header for c in self.columns), "total"])
        for g in self.learners:
            cells = [g.verdicts[c.id].cell for c in self.columns]
            writer.writerow([g.learner, g.file, *cells, g.total])
        return out.getvalue()

    # -- the details (what merge reads) -----------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": DETAILS_KIND,
            "version": DETAILS_VERSION,
            "pack": {"id": self.pack, "version": self.pack_version},
            "columns": [{"number": c.number, "id": c.id, "title": c.title} for c in self.columns],
            "learners": [
                {
                    "learner": g.learner,
                    "file": g.file,
                    "pack_version": g.pack_version,
                    "total": g.total,
                    "tasks": {
                        ex: {"status": v.status, "message": v.message, "mistake": v.mistake}
                        for ex, v in g.verdicts.items()
                    },
                }
                for g in self.learners
            ],
            "skipped": [{"file": n.file, "reason": n.message} for n in self.skipped],
            "notes": [{"file": n.file, "note": n.message} for n in self.notes],
        }

    @classmethod
    def from_json(cls, data: Any, where: str) -> Grades:
        """Grades from a details file; raise GradingError naming ``where`` when it is not one."""
        try:
            if data.get("kind") != DETAILS_KIND or data.get("version") != DETAILS_VERSION:
                raise GradingError(f"{where}: not a details file written by quiz-tui grade")
            return cls(
                pack=str(data["pack"]["id"]),
                pack_version=str(data["pack"]["version"]),
                columns=[
                    Column(int(c["number"]), str(c["id"]), str(c["title"])) for c in data["columns"]
                ],
                learners=[
                    LearnerGrades(
                        str(g["learner"]),
                        str(g["file"]),
                        str(g["pack_version"]),
                        {
                            str(ex): Verdict(str(v["status"]), str(v["message"]), str(v["mistake"]))
                            for ex, v in g["tasks"].items()
                        },
                    )
                    for g in data["learners"]
                ],
                skipped=[Notice(str(n["file"]), str(n["reason"])) for n in data["skipped"]],
                notes=[Notice(str(n["file"]), str(n["note"])) for n in data["notes"]],
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise GradingError(f"{where}: a damaged details file ({exc!r})") from exc

    # -- the summary ----------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Each task's pass rate and most common failures, and what needs a look."""
        tasks = []
        for c in self.columns:
            verdicts = [g.verdicts[c.id] for g in self.learners]
            graded = [v for v in verdicts if v.status != Status.CHECKER_ERROR.value]
            passed = sum(1 for v in graded if v.status == Status.PASS.value)
            failures: collections.Counter[tuple[str, str]] = collections.Counter()
            example: dict[tuple[str, str], str] = {}
            for v in verdicts:
                if v.status == Status.PASS.value:
                    continue
                key = (v.mistake, "") if v.mistake else ("", v.message or v.status)
                failures[key] += 1
                example.setdefault(key, v.message)
            common = sorted(failures.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_FAILURES]
            tasks.append(
                {
                    "number": c.number,
                    "id": c.id,
                    "title": c.title,
                    "passed": passed,
                    "graded": len(graded),
                    "pass_rate": round(passed / len(graded), 4) if graded else None,
                    "checker_errors": len(verdicts) - len(graded),
                    "failures": [
                        {"mistake": m, "message": msg or example[(m, msg)], "count": n}
                        for (m, msg), n in common
                    ],
                }
            )
        names = collections.Counter(g.learner for g in self.learners)
        totals = [g.total for g in self.learners]
        return {
            "version": 1,
            "pack": {"id": self.pack, "version": self.pack_version},
            "learners": len(self.learners),
            "tasks": tasks,
            "mean_total": round(sum(totals) / len(totals), 2) if totals else None,
            "max_total": len(self.columns),
            "skipped": [{"file": n.file, "reason": n.message} for n in self.skipped],
            "notes": [{"file": n.file, "note": n.message} for n in self.notes],
            "same_name": sorted(name for name, n in names.items() if n > 1),
            "other_versions": sorted(
                {
                    g.file: g.pack_version
                    for g in self.learners
                    if g.pack_version not in ("", self.pack_version)
                }.items()
            ),
        }

    def summary_markdown(self) -> str:
        s = self.summary()
        version = f" {self.pack_version}" if self.pack_version else ""
        mean = "-" if s["mean_total"] is None else f"{s['mean_total']:g}"
        lines = [
            f"# Grades: {self.pack}{version}",
            "",
            f"{count(s['learners'], 'learner')} graded, "
            f"{count(len(s['skipped']), 'submission')} skipped; "
            f"mean total {mean} of {s['max_total']}.",
            "",
            "| # | Task | Passed | Pass rate |",
            "|---|---|---|---|",
        ]
        for t in s["tasks"]:
            rate = "-" if t["pass_rate"] is None else f"{t['pass_rate']:.0%}"
            title = _md(t["title"] or t["id"])
            lines.append(f"| {t['number']} | {title} | {t['passed']}/{t['graded']} | {rate} |")
        lines += ["", "## Most common failures", ""]
        for t in s["tasks"]:
            if not t["failures"] and not t["checker_errors"]:
                continue
            lines += [f"### {t['number']}. {_md(t['title'] or t['id'])}", ""]
            for f in t["failures"]:
                tag = f"`{f['mistake']}` " if f["mistake"] else ""
                lines.append(f"- {f['count']}× {tag}{_md(f['message'])}")
            if t["checker_errors"]:
                lines.append(
                    f"- {t['checker_errors']}× the check itself broke (not the learner's fault): "
                    "the cell is empty; look at the details file"
                )
            lines.append("")
        if s["skipped"]:
            lines += ["## Skipped submissions", ""]
            lines += [f"- {_md(n['file'])}: {_md(n['reason'])}" for n in s["skipped"]]
            lines.append("")
        needs_look = [f"- {_md(n['file'])}: {_md(n['note'])}" for n in s["notes"]]
        needs_look += [f"- more than one submission is named {_md(n)}" for n in s["same_name"]]
        needs_look += [
            f"- {_md(file)}: taken on pack version {_md(v)}, graded on {_md(self.pack_version) or '(none)'}"
            for file, v in s["other_versions"]
        ]
        if needs_look:
            lines += ["## Notes", "", *needs_look, ""]
        return "\n".join(lines).rstrip() + "\n"


def count(n: int, noun: str) -> str:
    """``1 learner``, ``3 learners``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _md(text: str) -> str:
    """Untrusted text for a Markdown table or list: one line, no table breaks."""
    return text.replace("\n", " ").replace("|", "\\|")


def details_path(csv_path: Path) -> Path:
    """Where the details of ``grades.csv`` are written: ``grades.details.json``."""
    return csv_path.with_name(csv_path.stem + ".details.json")


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


def write(grades: Grades, csv_path: Path, summary_path: Path | None = None) -> list[Path]:
    """Write the CSV, its details file and (if asked) the summary; return what was written.

    A summary whose name ends in ``.json`` is JSON, any other Markdown.
    """
    grades.sort()
    _write(csv_path, grades.csv_text())
    details = details_path(csv_path)
    _write(details, json.dumps(grades.to_json(), ensure_ascii=False, indent=1) + "\n")
    written = [csv_path, details]
    if summary_path is not None:
        if summary_path.suffix.lower() == ".json":
            text = json.dumps(grades.summary(), ensure_ascii=False, indent=1) + "\n"
        else:
            text = grades.summary_markdown()
        _write(summary_path, text)
        written.append(summary_path)
    return written


def read_part(path: Path) -> Grades:
    """The grades of one part: its details file (beside the CSV ``grade`` wrote)."""
    details = path if path.suffix == ".json" else details_path(path)
    try:
        data = json.loads(details.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise GradingError(
            f"{path}: no {details.name} beside it (quiz-tui grade writes one next to each "
            "CSV; copy it with the CSV)"
        ) from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise GradingError(f"{details}: cannot be read ({exc})") from exc
    return Grades.from_json(data, str(details))


def merge(parts: Sequence[Grades]) -> Grades:
    """One class's grades from the parts that shards wrote: what one run would have given."""
    if not parts:
        raise GradingError("nothing to merge")
    packs = {(p.pack, p.pack_version) for p in parts}
    if len(packs) > 1:
        found = ", ".join(sorted(f"{p} {v}".strip() for p, v in packs))
        raise GradingError(f"the parts were graded on different packs ({found})")
    columns: dict[str, Column] = {}
    for part in parts:
        for c in part.columns:
            columns.setdefault(c.id, c)
    merged = Grades(parts[0].pack, parts[0].pack_version, list(columns.values()))
    seen: set[str] = set()
    for part in parts:
        for g in part.learners:
            if g.file in seen:
                merged.notes.append(Notice(g.file, "graded in more than one part; kept once"))
                continue
            seen.add(g.file)
            verdicts = {
                c: g.verdicts.get(c, Verdict(Status.NOT_ATTEMPTED.value, NOT_HANDED_IN))
                for c in columns
            }
            merged.learners.append(LearnerGrades(g.learner, g.file, g.pack_version, verdicts))
        merged.skipped += part.skipped
        merged.notes += part.notes
    merged.sort()
    return merged


# -- grading ------------------------------------------------------------------------


def columns_for(pack: Pack, submissions: Iterable[Submission]) -> list[Column]:
    """The tasks any submission covers, in the pack's order."""
    wanted = {ex for s in submissions for ex in s.tasks}
    return [Column(ex.number, ex.id, ex.title.en) for ex in pack if ex.id in wanted]


def grade(
    pack: Pack,
    files: Sequence[Path],
    runner: Runs,
    *,
    jobs: int = 2,
    tasks: Sequence[Exercise] | None = None,
    on_skipped: Callable[[Notice], None] | None = None,
    on_planned: Callable[[int], None] | None = None,
    on_verdict: Callable[[], None] | None = None,
) -> Grades:
    """Check every task of every submission in ``files`` again, ``jobs`` at once.

    The columns are ``tasks`` when given, else every task some submission covers.
    A file that cannot be read, or is for another pack, is skipped (``on_skipped``)
    and never stops the others. ``on_planned`` hears how many checks there are and
    ``on_verdict`` each one as it ends, for a progress bar.
    """
    submissions: list[Submission] = []
    skipped: list[Notice] = []
    for path in files:
        try:
            sub = read_submission(path, pack.id)
        except SubmissionError as exc:
            skipped.append(Notice(str(path), str(exc)))
            if on_skipped is not None:
                on_skipped(skipped[-1])
            continue
        if sub.pack != pack.id:
            skipped.append(Notice(sub.file, f"for pack {_untrusted(sub.pack)!r}, not {pack.id!r}"))
            if on_skipped is not None:
                on_skipped(skipped[-1])
            continue
        submissions.append(sub)

    by_id = {ex.id: ex for ex in pack}
    columns = (
        [Column(ex.number, ex.id, ex.title.en) for ex in tasks]
        if tasks is not None
        else columns_for(pack, submissions)
    )
    notes = [
        Notice(s.file, f"task {_untrusted(ex)!r} is not in pack {pack.id!r}; ignored")
        for s in submissions
        for ex in s.tasks
        if ex not in by_id
    ]
    work = [(s, c) for s in submissions for c in columns]
    if on_planned is not None:
        on_planned(len(work))
    lock = threading.Lock()
    service = CheckService(runner, lang="en")  # no store: a grade records no attempt

    def check(item: tuple[Submission, Column]) -> Verdict:
        sub, column = item
        code = sub.answers.get(column.id)
        if code is None or not code.strip():
            verdict = Verdict(Status.NOT_ATTEMPTED.value, NOT_HANDED_IN)
        else:
            result = service.check(by_id[column.id], code)
            verdict = Verdict(result.status.value, _untrusted(result.message, 300), result.mistake)
        if on_verdict is not None:
            with lock:
                on_verdict()
        return verdict

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        verdicts = list(pool.map(check, work))
    by_submission: dict[str, dict[str, Verdict]] = {s.file: {} for s in submissions}
    for (sub, column), verdict in zip(work, verdicts, strict=True):
        by_submission[sub.file][column.id] = verdict
    grades = Grades(
        pack.id,
        pack.version,
        columns,
        [
            LearnerGrades(s.learner, s.file, s.pack_version, by_submission[s.file])
            for s in submissions
        ],
        skipped,
        notes,
    )
    grades.sort()
    return grades
