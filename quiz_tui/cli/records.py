"""Commands on what is kept: the data for tasks 48-60, progress, and exams."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

from quiz_tui.cli import _common
from quiz_tui.cli._common import (
    Settings,
    _exam_book,
    _store_or_exit,
    common_options,
    complete_section,
    complete_task,
)
from quiz_tui.cli._main import main
from quiz_tui.cli_grade import write_export
from quiz_tui.console import echo
from quiz_tui.core.errors import ProgressStoreError
from quiz_tui.core.messages import say
from quiz_tui.core.model import Pack
from quiz_tui.core.state import paths
from quiz_tui.core.state.config import load_config, save_config_value
from quiz_tui.core.state.data import real_cifar_problem

# -- data ------------------------------------------------------------------------


@main.group("data")
def data_group() -> None:
    """The CIFAR-10 data of tasks 48-60: the offline practice set or real CIFAR-10."""


@data_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.option("--verify", is_flag=True, help="Also check real CIFAR-10's checksums (slow).")
@common_options
def data_status(settings: Settings, as_json: bool, verify: bool) -> None:
    """Say which dataset the training tasks use, and whether it is ready."""
    source = settings.data
    problem = (
        real_cifar_problem(source.root, verify=True)
        if verify and source.kind == "cifar10"
        else None
    )
    info = {
        "kind": source.kind,
        "root": str(source.root),
        "ready": source.ready and problem is None,
        "problem": problem,
        "configured_by": _data_origin(settings),
    }
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    lang = settings.lang
    echo(say(lang, "cli.data-using", source=source.describe(lang)))
    if source.kind == "practice":
        state = "ready" if source.ready else "generated on first use (a few seconds)"
        echo(f"  practice set: {state}")
        echo("  real CIFAR-10: `quiz-tui data download DIR --use`, or --data-dir DIR")
    else:
        echo(f"  set by: {info['configured_by']}")
        if problem:
            echo(click.style(f"  problem: {problem}", fg="red"))
    sys.exit(1 if problem else 0)


def _data_origin(settings: Settings) -> str:
    if settings.data.kind == "practice":
        return "default"
    return settings.data_origin


@data_group.command("download")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--use", is_flag=True, help="Also save FOLDER as data_dir in the config file.")
def data_download(folder: Path | None, use: bool) -> None:
    """Download real CIFAR-10 (170 MB) with torchvision into FOLDER."""
    folder = (folder or paths.data_dir() / "cifar10").expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    echo(f"downloading CIFAR-10 into {folder} ...")
    done = subprocess.run(
        [sys.executable, "-m", "checkers.download", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        echo(click.style(f"error: {reason}", fg="red"), err=True)
        echo("The offline practice set keeps working without it.", err=True)
        sys.exit(1)
    echo(click.style(f"CIFAR-10 is ready in {folder}", fg="green"))
    if use:
        path = save_config_value("data_dir", str(folder))
        echo(f"saved data_dir in {path}")
    else:
        echo(f"use it with: quiz-tui --data-dir {folder}   (or add --use to remember it)")


@main.group("progress", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True)
@common_options
@click.pass_context
def progress_group(ctx: click.Context, settings: Settings, as_json: bool) -> None:
    """Your progress per section (and export, import or reset it)."""
    ctx.obj = settings
    if ctx.invoked_subcommand is not None:
        return
    from quiz_tui.core.state.session import Session

    with _store_or_exit() as store:
        session = Session(settings.library, store, settings.lang)
        report: list[dict[str, Any]] = []
        for pack in settings.library.packs:
            states = store.task_states(pack.id)
            sections = session.progress(pack, states)
            passed, total = Session.totals(sections)
            tasks: dict[str, dict[str, Any]] = {}
            for ex in pack:
                state = states.get(ex.id)
                tasks[ex.key] = {
                    "id": ex.id,
                    "status": state.status if state else "untouched",
                    "attempts": state.attempts if state else 0,
                }
            report.append(
                {
                    "pack": pack.id,
                    "passed": passed,
                    "total": total,
                    "sections": [
                        {"id": s.section, "title": s.title, "passed": s.passed, "total": s.total}
                        for s in sections
                    ],
                    "tasks": tasks,
                }
            )
    if as_json:
        click.echo(json.dumps({"version": 1, "packs": report}, ensure_ascii=False, indent=1))
        return
    for entry in report:
        found = settings.library.pack(entry["pack"])
        name = found.name.get(settings.lang) if found else entry["pack"]
        echo(click.style(f"{name}: {entry['passed']}/{entry['total']}", bold=True))
        for s in entry["sections"]:
            width = 20
            filled = round(width * s["passed"] / s["total"]) if s["total"] else 0
            bar = "█" * filled + "░" * (width - filled)
            echo(f"  {bar} {s['passed']:>3}/{s['total']:<3} {s['title']}")


@progress_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def progress_export(file: Path) -> None:
    """Write all progress (attempts, drafts, shown solutions) to FILE as JSON."""
    try:
        folder = not file.name or file.is_dir()
    except OSError as exc:  # a name too long for the file system, say
        raise click.UsageError(f"cannot write {file}: {exc.strerror}") from exc
    if folder:
        raise click.UsageError(f"{str(file) or repr(str(file))} is a folder; give a file name")
    with _store_or_exit() as store:
        try:
            count = store.export(file, learner=load_config().learner)
        except OSError as exc:
            raise click.UsageError(f"cannot write {file}: {exc.strerror}") from exc
    echo(f"exported {count} records to {file}")


@progress_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def progress_import(file: Path) -> None:
    """Merge progress exported with `progress export` (nothing is overwritten twice)."""
    with _store_or_exit() as store:
        try:
            added = store.import_(file)
        except ProgressStoreError as exc:
            echo(click.style(f"error: {exc}", fg="red"), err=True)
            sys.exit(1)
    echo(f"imported {added} new records from {file}")


@progress_group.command("reset")
@click.argument("task", required=False, shell_complete=complete_task)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@common_options
def progress_reset(settings: Settings, task: str | None, yes: bool) -> None:
    """Forget progress: of one TASK, or of everything."""
    pack_id: str | None = None
    exercise_id: str | None = None
    if task is not None:
        ref = settings.resolve(task)
        what = f"task {ref.exercise.number} ({ref.exercise.title.get(settings.lang)})"
        pack_id, exercise_id = ref.pack.id, ref.exercise.id
    else:
        what = "ALL tasks"
    if not yes and not click.confirm(f"Forget attempts, drafts and shown solutions of {what}?"):
        echo("nothing changed")
        sys.exit(1)
    with _store_or_exit() as store:
        removed = store.reset(pack_id, exercise_id)
    echo(f"forgot {removed} records of {what}")


# -- exams --------------------------------------------------------------------------


@main.group("exam", invoke_without_command=True)
@click.option("--tasks", "task_spec", help="Task numbers, e.g. 1-25,30.")
@click.option(
    "--section", shell_complete=complete_section, help="Only this section (its id, e.g. autograd)."
)
@click.option("--random", "random_count", type=int, help="Pick N of the chosen tasks at random.")
@click.option("--minutes", type=float, default=30, show_default=True)
@click.option("--seed", type=int, help="Seed for --random (the same seed picks the same tasks).")
@click.option("--no-feedback", is_flag=True, help="Hide verdicts until the end.")
@common_options
@click.pass_context
def exam_group(
    ctx: click.Context,
    settings: Settings,
    task_spec: str | None,
    section: str | None,
    random_count: int | None,
    minutes: float,
    seed: int | None,
    no_feedback: bool,
) -> None:
    """A timed self-assessment: choose tasks, then the app shows the rules and starts the clock."""
    ctx.obj = settings
    if ctx.invoked_subcommand is not None:
        return
    from quiz_tui.core.state.exam import ExamError, plan

    pack = _exam_pack(settings)
    try:
        exam_plan = plan(
            pack,
            tasks=task_spec,
            section=section,
            random_count=random_count,
            minutes=minutes,
            seed=seed,
            feedback=not no_feedback,
        )
    except ExamError as exc:
        raise click.UsageError(str(exc)) from exc
    _common._launch_app(settings, exam_plan=exam_plan)


def _exam_pack(settings: Settings) -> Pack:
    """The pack an exam is set on: the first one given with --pack, else the built-in one."""
    library = settings.library
    for folder in settings.packs:
        try:
            wanted = folder.resolve()
        except OSError:
            continue
        for pack in library.packs:
            if pack.root.resolve() == wanted:
                return pack
    if settings.packs:
        raise click.UsageError(
            f"--pack {settings.packs[0]}: that pack could not be used (see the warnings above)"
        )
    return library.packs[0]


@exam_group.command("report")
@click.argument("exam_id", type=click.IntRange(1, 2**62), required=False)
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option("--learner", help="Your name or id (default: learner in config.toml).")
@click.option(
    "--export",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report as JSON to FILE, to hand in for `quiz-tui grade`.",
)
@common_options
def exam_report(
    settings: Settings,
    exam_id: int | None,
    fmt: str,
    as_json: bool,
    learner: str | None,
    export: Path | None,
) -> None:
    """The report of an exam (the latest finished one by default)."""
    fmt = "json" if as_json else fmt
    from quiz_tui.core.state.exam import ExamError, report

    store, book = _exam_book()
    with store:
        try:
            exam = book.get(exam_id) if exam_id is not None else book.latest_finished()
        except ExamError as exc:
            raise click.UsageError(str(exc)) from exc
        if exam is None:
            echo("no finished exam yet: start one with `quiz-tui exam`", err=True)
            sys.exit(1)
        pack = settings.library.pack(exam.pack)
        result = report(book, exam, pack, learner=learner or settings.config.learner)
    if export is not None:
        write_export(export, result)
        return
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        echo(result.to_markdown())


@exam_group.command("history")
@click.option("--json", "as_json", is_flag=True)
@common_options
def exam_history(settings: Settings, as_json: bool) -> None:
    """Every exam so far, with its score."""
    from quiz_tui.core.state.exam import format_clock, report

    store, book = _exam_book()
    with store:
        rows = []
        for exam in book.history():
            r = report(book, exam, settings.library.pack(exam.pack))
            rows.append(
                {
                    "id": exam.id,
                    "state": exam.state,
                    "started_at": exam.started_at,
                    "tasks": len(r.tasks),
                    "passed": None if r.hidden else r.passed,
                    "minutes": exam.minutes,
                    "selection": exam.selection,
                }
            )
    if as_json:
        click.echo(json.dumps({"version": 1, "exams": rows}, ensure_ascii=False, indent=1))
        return
    if not rows:
        echo("no exams yet: start one with `quiz-tui exam`")
        return
    for row in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row["started_at"]))
        echo(
            f"#{row['id']:<4} {when}  {'?' if row['passed'] is None else row['passed']:>2}"
            f"/{row['tasks']:<2} "
            f"{row['state']:<10} {format_clock(row['minutes'] * 60)}"
        )
