"""Commands for instructors' packs: verify, validate, new and upgrade."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from quiz_tui.cli._common import Settings, _check_device, _parse_tasks, common_options
from quiz_tui.cli._main import main
from quiz_tui.console import echo
from quiz_tui.core.content.loader import load_pack, validate_path
from quiz_tui.core.content.packs import Library
from quiz_tui.core.content.verify import Outcome, verify
from quiz_tui.core.errors import PackError, QuizError
from quiz_tui.textutil import visible


@main.command("verify")
@click.option("--tasks", "spec", help="Only these task numbers, e.g. 1-25,30.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Checks run at once.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-builtin", is_flag=True, help="Verify only the packs given with --pack.")
@common_options
def verify_command(
    settings: Settings, spec: str | None, jobs: int | None, as_json: bool, no_builtin: bool
) -> None:
    """Prove every exercise's check: solutions pass, starters and wrong answers don't."""
    # An author verifying folders they name runs their own checks: no trust prompt.
    library = Library.load(settings.packs, builtin=not no_builtin, user=False)
    for error in library.errors:
        echo(click.style(f"error: {error}", fg="red"), err=True)
    wanted = _parse_tasks(spec) if spec else None
    exercises = [ex for p in library.packs for ex in p if wanted is None or ex.number in wanted]
    broken = [b for p in library.packs for b in p.broken]
    started = time.perf_counter()
    done = 0

    def progress(outcome: Outcome) -> None:
        nonlocal done
        done += 1
        if as_json:
            return
        if outcome.ok:
            echo(".", nl=False)
        else:
            echo(click.style("F", fg="red"), nl=False)
        if done % 60 == 0:
            echo()

    jobs = jobs or max(1, os.cpu_count() or 1)
    with settings.runner(threads=1 if jobs > 1 else None) as runner:
        _check_device(settings, runner)
        runner.start()
        outcomes = verify(exercises, runner, jobs=jobs, on_outcome=progress)
    elapsed = time.perf_counter() - started
    failed = [o for o in outcomes if not o.ok]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "version": 1,
                    "seconds": round(elapsed, 2),
                    "exercises": len(exercises),
                    "cases": len(outcomes),
                    "failed": [
                        {
                            "case": o.case.label,
                            "file": str(o.case.exercise.path),
                            "line": o.case.line,
                            "problem": o.problem,
                        }
                        for o in failed
                    ],
                    "broken": [str(p) for b in broken for p in b.problems],
                    "errors": [str(e) for e in library.errors],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        echo()
        for o in failed:
            where = (
                f"{o.case.exercise.path}:{o.case.line}"
                if o.case.line
                else str(o.case.exercise.path)
            )
            echo(
                click.style(f"✗ {o.case.label}", fg="red")
                + f"  {where}\n    {visible(o.problem or '')}"
            )
        for b in broken:
            for p in b.problems:
                echo(click.style(f"⚠ {p}", fg="yellow"))
        summary = (
            f"{len(exercises)} exercises, {len(outcomes)} cases, {len(failed)} failed, "
            f"{len(broken)} broken files in {elapsed:.1f} s"
        )
        echo(click.style(summary, fg="red" if failed or broken else "green", bold=True))
    sys.exit(1 if failed or broken or library.errors else 0)


@main.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.option("--format-only", is_flag=True, help="Only check the files' format; run nothing.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Checks run at once.")
@common_options
def validate_command(
    settings: Settings, path: Path, as_json: bool, format_only: bool, jobs: int | None
) -> None:
    """Validate a pack folder (or one exercise file) for authors and CI.

    First the format: every problem as file:line: message. Then every exercise
    runs through the real worker: the solution must pass, the starter must not,
    each listed wrong answer must fail with its message and each alternative
    must pass. Exit 1 on any problem.
    """
    from quiz_tui.core.content.verify import ExerciseSummary, summarize

    problems = validate_path(path)
    summaries: list[ExerciseSummary] = []
    if not format_only:
        pack_dir = path if path.is_dir() else path.parent
        try:
            pack = load_pack(pack_dir)
        except PackError:
            pack = None
        if pack is not None:
            exercises = [
                ex
                for ex in pack
                if path.is_dir()
                or path.resolve() in (ex.path.resolve(), ex.code_path and ex.code_path.resolve())
            ]
            jobs = jobs or max(1, os.cpu_count() or 1)
            with settings.runner(threads=1 if jobs > 1 else None) as runner:
                runner.start()
                summaries = summarize(verify(exercises, runner, jobs=jobs))
    failed = [s for s in summaries if not s.ok]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "version": 1,
                    "ok": not problems and not failed,
                    "problems": [
                        {"file": str(p.path), "line": p.line, "message": p.message}
                        for p in problems
                    ],
                    "exercises": [
                        {
                            "file": str(s.exercise.path),
                            "number": s.exercise.number,
                            "id": s.exercise.id,
                            "solution_passes": s.solution,
                            "starter_does_not_pass": s.starter,
                            "wrong_answers_caught": list(s.wrong),
                            "alternatives_pass": list(s.alternatives),
                            "problems": list(s.problems),
                        }
                        for s in summaries
                    ],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        for p in problems:
            echo(str(p))
        if summaries:
            echo(_summary_table(summaries))
        for s in failed:
            for problem in s.problems:
                echo(click.style(f"{s.exercise.path}: {visible(problem)}", fg="red"))
        if not problems and not failed:
            what = "format only" if format_only else f"{len(summaries)} exercises checked"
            echo(click.style(f"{path}: no problems found ({what})", fg="green"))
    sys.exit(1 if problems or failed else 0)


def _summary_table(summaries: list[Any]) -> str:
    def cell(text: str, ok: bool, width: int) -> str:
        return click.style(text.center(width), fg="green" if ok else "red")

    lines = [f"  {'#':>3}  {'exercise':<28}  solution  starter   wrong   alternatives"]
    for s in summaries:
        wrong_done, wrong_total = s.wrong
        alt_done, alt_total = s.alternatives
        lines.append(
            f"  {s.exercise.number:>3}  {s.exercise.id[:28]:<28}  "
            + cell("✓" if s.solution else "✗", s.solution, 8)
            + "  "
            + cell("✓" if s.starter else "✗", s.starter, 7)
            + "  "
            + cell(f"{wrong_done}/{wrong_total}", wrong_done == wrong_total, 6)
            + "  "
            + cell(f"{alt_done}/{alt_total}", alt_done == alt_total, 12)
        )
    return "\n".join(lines)


# -- for authors -----------------------------------------------------------------------


@main.group("new")
def new_group() -> None:
    """Start a pack or an exercise from a template that already validates."""


@contextlib.contextmanager
def _creating(target: Path) -> Iterator[None]:
    """Turn a refused or failed scaffold into a usage error that names ``target``."""
    try:
        yield
    except QuizError as exc:
        raise click.UsageError(str(exc)) from exc
    except OSError as exc:
        raise click.UsageError(f"cannot create {target}: {exc.strerror or exc}") from exc


SYSTEM_FOLDERS = tuple(
    Path(p)
    for p in (
        "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc",
        "/run", "/sbin", "/sys", "/usr", "/var/lib", "/var/log", "/System", "/Library",
        "/private/etc", "/Applications", "C:/Windows", "C:/Program Files",
    )
)  # fmt: skip
"""Folders (and everything in them) that belong to the system, never to a pack."""


def _system_folder(folder: Path) -> str | None:
    """Why ``folder`` belongs to the system or the user's whole home, or None."""
    where = folder.expanduser().resolve()
    for system in SYSTEM_FOLDERS:
        if where == system or system in where.parents:
            return f"{where} is a system folder"
    if where.parent == where or where.parent == Path(where.anchor):
        return f"{where} is a top-level folder"  # /, /home, /opt, /tmp ...
    if where == Path.home().resolve():
        return f"{where} is your home folder"
    return None


@new_group.command("pack")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Also write into a non-empty or system folder.")
def new_pack_command(folder: Path, force: bool) -> None:
    """Create FOLDER with pack.toml and one example exercise.

    FOLDER should be new or empty: a folder with files in it, a system folder
    (/etc, /usr, ...) or your home folder is refused unless you add --force.
    """
    from quiz_tui.core.content.scaffold import new_pack

    if not force:
        problem = _system_folder(folder)
        if problem is None and folder.is_dir() and not (folder / "pack.toml").exists():
            with contextlib.suppress(OSError):
                entries = sum(1 for _ in folder.iterdir())
                if entries:
                    problem = f"{folder} is not empty ({entries} entries)"
        if problem:
            raise click.UsageError(
                f"{problem}: give a new folder for the pack, e.g. `quiz-tui new pack my-course`, "
                "or add --force to write into it anyway"
            )
    with _creating(folder):
        written = new_pack(folder)
    for path in written:
        _echo_created(path)
    echo(
        f"next: edit them, then run `quiz-tui validate {folder}`; open it with `quiz-tui --pack {folder}`"
    )


@new_group.command("exercise")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def new_exercise_command(path: Path) -> None:
    """Create PATH (e.g. mypack/02-matmul.toml), numbered after the pack's exercises."""
    from quiz_tui.core.content.scaffold import new_exercise

    with _creating(path):
        written = new_exercise(path)
    _echo_created(written)


def _echo_created(path: Path) -> None:
    """An exercise file, and the code file beside it."""
    from quiz_tui.core.content.format2 import module_name

    echo(f"created {path}")
    code = path.with_name(f"{module_name(path.stem)}.py")
    if path.name != "pack.toml" and code.is_file():
        echo(f"created {code}")


@main.command("upgrade")
@click.argument("pack", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def upgrade_command(pack: Path, dry_run: bool, as_json: bool) -> None:
    """Convert PACK from format 1 to format 2, in place.

    Each exercise's check (and probe/instrument) becomes a function in a .py file
    beside it (04-zeros-long.toml -> ex04_zeros_long.py); the TOML file keeps its
    comments and layout, gets format = 2, and gets # SOLUTION markers in its
    solution where they give back the old starter exactly. Run
    `quiz-tui validate PACK` afterwards: it passes exactly as before.
    """
    from quiz_tui.core.content.upgrade import upgrade_pack

    with _creating(pack):
        plans = upgrade_pack(pack, dry_run=dry_run)
    if as_json:
        report = {
            "version": 1,
            "dry_run": dry_run,
            "exercises": [
                {
                    "file": str(plan.toml),
                    "code": str(plan.code),
                    "functions": plan.params,
                    "solution_markers": plan.markers,
                }
                for plan in plans
            ],
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    verb = "would write" if dry_run else "wrote"
    for plan in plans:
        calls = ", ".join(f"{kind}({', '.join(params)})" for kind, params in plan.params.items())
        starter = "starter from # SOLUTION markers" if plan.markers else "starter kept"
        echo(f"{plan.toml.name}: {verb} {plan.code.name} [{calls}]; {starter}")
    if not plans:
        echo(f"{pack}: nothing to upgrade (already format 2)")
    elif not dry_run:
        echo(f"next: `quiz-tui validate {pack}`; tighten the Any annotations in the .py files")
