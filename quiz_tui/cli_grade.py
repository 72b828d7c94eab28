"""``quiz-tui grade``: a class's handed-in exams, checked again and written as grades.

The work is in ``quiz_tui.core.state.grading``; this module is its command line: the
options, a progress bar (rich, which honours ``NO_COLOR``) and the messages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from quiz_tui.core.content.loader import load_pack
from quiz_tui.core.errors import PackError
from quiz_tui.core.model import Exercise, Pack
from quiz_tui.core.state import grading

if TYPE_CHECKING:
    from quiz_tui.core.state.exam import Report


F = TypeVar("F", bound=Callable[..., Any])


def write_export(path: Path, report: Report) -> None:
    """Write an exam's report as the JSON a learner hands in (``exam report --export``)."""
    if not path.name or path.is_dir():
        raise click.UsageError(f"--export {path}: a folder; give a file name")
    text = json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n"
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise click.UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    who = report.learner or "no learner name: the grader will use the file's name"
    click.echo(f"exported exam {report.exam.id} ({who}) to {path}")
    if not report.learner:
        click.echo(
            '  add --learner NAME, or set learner = "NAME" in config.toml '
            "(quiz-tui's config folder), to put your name in it",
            err=True,
        )


def _pack(ctx: click.Context, ref: str) -> Pack:
    """``--pack``: a pack folder, or the id of a pack quiz-tui already knows (pytorch60)."""
    folder = Path(ref).expanduser()
    if folder.is_dir():
        try:
            return load_pack(folder)
        except PackError as exc:
            raise click.UsageError(f"--pack {ref}: {exc}") from exc
    from quiz_tui.cli import Settings

    settings = ctx.find_object(Settings)
    library = settings.library if settings is not None else None
    found = library.pack(ref) if library is not None else None
    if found is None:
        raise click.UsageError(f"--pack {ref}: not a pack folder, nor the id of a loaded pack")
    return found


def _tasks(pack: Pack, spec: str | None) -> list[Exercise] | None:
    if spec is None:
        return None
    from quiz_tui.core.state.exam import ExamError, parse_numbers

    try:
        wanted = parse_numbers(spec)
    except ExamError as exc:
        raise click.UsageError(f"--tasks: {exc}") from exc
    chosen = [ex for ex in pack if ex.number in wanted]
    missing = sorted(set(wanted) - {ex.number for ex in chosen})
    if missing:
        raise click.UsageError(f"--tasks: pack {pack.id!r} has no task {missing[0]}")
    return chosen


def _written(paths: list[Path]) -> str:
    return ", ".join(str(p) for p in paths)


class _GradeCommand(click.Command):
    """``grade merge PARTS…`` is a command of its own; anything else is submissions."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        if args and args[0] == "merge":
            name = f"{info_name or 'grade'} merge"
            return merge_command.make_context(name, args[1:], parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)


def _written_files(csv_help: str) -> Callable[[F], F]:
    """The ``-o/--output`` CSV and ``--summary`` options that grade and merge share."""

    def add(func: F) -> F:
        func = click.option(
            "--summary",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Pass rates and common failures: Markdown, or JSON for a .json name.",
        )(func)
        return click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            required=True,
            help=f"{csv_help} (the details go beside it, as NAME.details.json).",
        )(func)

    return add


@click.command("merge")
@click.argument("parts", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_written_files("The class's CSV")
def merge_command(parts: tuple[Path, ...], output: Path, summary: Path | None) -> None:
    """Put together the partial CSVs that `grade --shard` wrote (with their details files).

    The result is the CSV (and summary) that one run over every submission writes.
    """
    try:
        merged = grading.merge([grading.read_part(p) for p in parts])
        written = grading.write(merged, output, summary)
    except grading.GradingError as exc:
        raise click.UsageError(str(exc)) from exc
    except OSError as exc:
        raise click.UsageError(f"cannot write {exc.filename}: {exc.strerror}") from exc
    learners = grading.count(len(merged.learners), "learner")
    click.echo(f"merged {grading.count(len(parts), 'part')}, {learners}: {_written(written)}")


@click.command("grade", cls=_GradeCommand)
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--pack",
    "pack_ref",
    required=True,
    metavar="PACK",
    help="The pack the class worked on: its folder, or the id of a loaded pack.",
)
@_written_files("The CSV to write")
@click.option(
    "--tasks", "task_spec", help="The task columns, e.g. 1-5 (default: the tasks handed in)."
)
@click.option(
    "--jobs", "-j", type=click.IntRange(1, 64), help="Checks run at once (default: one per core)."
)
@click.option(
    "--shard",
    metavar="I/N",
    help="Grade only the I-th of N slices (by file name); see `grade merge`.",
)
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Where learner code runs."
)
@click.pass_context
def grade_command(
    ctx: click.Context,
    submissions: tuple[Path, ...],
    pack_ref: str,
    output: Path,
    summary: Path | None,
    task_spec: str | None,
    jobs: int | None,
    shard: str | None,
    device: str | None,
) -> None:
    """Grade a class: check every task of every SUBMISSION again, and write a CSV.

    SUBMISSIONS are learners' exported exams (`quiz-tui exam report --export`) or
    progress exports, or folders of them (*.json). Each task's final code is checked
    by the real runner, whose judge never runs learner code; what the file says about
    its own verdicts is ignored. The CSV has one row per learner, one column per task
    (1 passed, 0 not, empty where the check itself broke) and a total. A file that
    cannot be read is named and skipped.

    For a class too big for one machine: `--shard I/N` on N machines, then
    `quiz-tui grade merge PARTS… -o grades.csv`.
    """
    pack = _pack(ctx, pack_ref)
    columns = _tasks(pack, task_spec)
    files = grading.collect(submissions)
    try:
        if shard is not None:
            files = grading.shard(files, *grading.parse_shard(shard))
    except grading.GradingError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from exc
    for path in (output, summary):
        if path is not None and (not path.name or path.is_dir()):
            raise click.UsageError(f"{path} is a folder; give a file name")

    from quiz_tui.cli import Settings
    from quiz_tui.core.state.config import load_config

    parent = ctx.find_object(Settings)
    config = parent.config if parent is not None else load_config()
    settings = Settings(
        config,
        None,
        device or (parent.device if parent is not None else None),
        (),
        parent.data_dir if parent is not None else None,
    )
    jobs = jobs or max(1, os.cpu_count() or 1)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.text import Text

    console = Console(stderr=True, highlight=False)

    def skipped(notice: grading.Notice) -> None:
        console.print(
            Text(f"skipped {notice.file}: {notice.message}", style="yellow"), soft_wrap=True
        )

    progress = Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    bar = progress.add_task("grading", total=None)
    with settings.runner(threads=1 if jobs > 1 else None) as runner, progress:
        runner.start()
        grades = grading.grade(
            pack,
            files,
            runner,
            jobs=jobs,
            tasks=columns,
            on_skipped=skipped,
            on_planned=lambda n: progress.update(bar, total=n),
            on_verdict=lambda: progress.advance(bar),
        )
    try:
        written = grading.write(grades, output, summary)
    except OSError as exc:
        raise click.UsageError(f"cannot write {exc.filename}: {exc.strerror}") from exc
    part = f" (slice {shard})" if shard else ""
    click.echo(
        f"graded {grading.count(len(grades.learners), 'learner')} on "
        f"{grading.count(len(grades.columns), 'task')}{part}, "
        f"{grading.count(len(grades.skipped), 'submission')} skipped: {_written(written)}"
    )
