"""Commands on tasks: list, show, hint, next, check, watch and run."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from quiz_tui.cli import _common
from quiz_tui.cli._common import (
    SEED,
    Settings,
    _check_device,
    _next_unsolved,
    _open_store,
    _read_code,
    _record_attempt,
    _refuse_during_exam,
    _run_one,
    _save_images,
    _task_word,
    common_options,
    complete_task,
    render_result,
)
from quiz_tui.cli._main import main
from quiz_tui.console import echo
from quiz_tui.core.content.packs import TaskRef
from quiz_tui.core.execution.checking import CheckService
from quiz_tui.core.messages import say
from quiz_tui.core.model import Lang, Status
from quiz_tui.textutil import visible

# -- list / show -----------------------------------------------------------


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@common_options
def list_command(settings: Settings, as_json: bool) -> None:
    """List the tasks, grouped by section, with your progress."""
    lang = settings.lang
    store = _open_store()
    try:
        states_by_pack = {
            p.id: store.task_states(p.id) if store else {} for p in settings.library.packs
        }
    finally:
        if store is not None:
            store.close()
    rows: list[dict[str, Any]] = []
    for pack in settings.library.packs:
        states = states_by_pack[pack.id]
        for ex in pack:
            state = states.get(ex.id)
            rows.append(
                {
                    "pack": pack.id,
                    "number": ex.number,
                    "id": ex.id,
                    "section": ex.section,
                    "title": ex.title.get(lang),
                    "status": state.status if state else "untouched",
                }
            )
        for broken in pack.broken:
            rows.append(
                {
                    "pack": pack.id,
                    "number": None,
                    "id": broken.path.stem,
                    "section": None,
                    "title": broken.path.name,
                    "status": "broken",
                    "problems": [str(p) for p in broken.problems],
                }
            )
    if as_json:
        click.echo(json.dumps({"version": 1, "tasks": rows}, ensure_ascii=False, indent=1))
        return
    marks = {
        "passed": "✓",
        "failed": "✗",
        "attempted": "…",
        "solution": "◐",
        "untouched": " ",
        "broken": "⚠",
    }
    for pack in settings.library.packs:
        echo(click.style(pack.name.get(lang), bold=True))
        for section in pack.sections:
            items = [r for r in rows if r["pack"] == pack.id and r["section"] == section.id]
            if not items:
                continue
            echo("  " + click.style(section.title.get(lang), underline=True))
            for r in items:
                echo(f"   {marks[r['status']]} {r['number']:>3}  {r['title']}")
        for r in rows:
            if r["pack"] == pack.id and r["status"] == "broken":
                echo(click.style(f"   ⚠ {r['title']}: {r['problems'][0]}", fg="yellow"))


@main.command("show")
@click.argument("task", shell_complete=complete_task)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@common_options
def show_command(settings: Settings, task: str, as_json: bool) -> None:
    """Print a task's prompt, its setup and the starter code."""
    ref = settings.resolve(task)
    ex, lang = ref.exercise, settings.lang
    if as_json:
        info = {
            "version": 1,
            "pack": ref.pack.id,
            "number": ex.number,
            "id": ex.id,
            "section": ex.section,
            "title": ex.title.get(lang),
            "prompt": ex.prompt.get(lang),
            "setup": ex.setup_code,
            "starter": ex.starter.strip("\n") + "\n",
            "hints": len(ex.hints),
            "seconds": ex.limits.seconds,
            "lang": lang,
        }
        click.echo(json.dumps(info, ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.syntax import Syntax

    console = Console(highlight=False)
    console.rule(f"{ex.number}. {ex.title.get(lang)}")
    console.print(Markdown(ex.prompt.get(lang)))
    if ex.setup_code.strip():
        console.print(f"\n[bold]{say(lang, 'cli.show-setup')}[/]")
        console.print(Syntax(ex.setup_code, "python", line_numbers=False))
    console.print(f"\n[bold]{say(lang, 'cli.show-starter')}[/]")
    console.print(Syntax(ex.starter.strip("\n"), "python", line_numbers=True))


@main.command("hint")
@click.argument("task", shell_complete=complete_task)
@click.argument("n", type=click.IntRange(min=1), default=1, required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@common_options
def hint_command(settings: Settings, task: str, n: int, as_json: bool) -> None:
    """Print hint N (default 1) of TASK; each hint says a little more than the last."""
    ref = settings.resolve(task)
    ex, lang = ref.exercise, settings.lang
    _refuse_during_exam(ref)
    if not ex.hints:
        raise click.UsageError(f"task {ex.number} has no hints")
    if n > len(ex.hints):
        raise click.UsageError(
            f"task {ex.number} has {len(ex.hints)} hint{'s' if len(ex.hints) > 1 else ''}, not {n}"
        )
    text = ex.hints[n - 1].get(lang)
    if as_json:
        info = {"version": 1, "task": ex.number, "hint": n, "of": len(ex.hints), "text": text}
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    head = say(lang, "cli.hint-head", n=n, total=len(ex.hints))
    echo(click.style(f"{head}  {ex.number}. {ex.title.get(lang)}", bold=True))
    echo("  " + visible(text).replace("\n", "\n  "))
    if n < len(ex.hints):
        more = say(lang, "cli.hint-next", task=task, n=n + 1)
        echo(click.style(f"  {more}", dim=True))


@main.command("next")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--open", "open_app", is_flag=True, help="Open the app at that task.")
@common_options
def next_command(settings: Settings, as_json: bool, open_app: bool) -> None:
    """The next task you have not solved yet, after the one you worked on last."""
    ref = _next_unsolved(settings, None)
    if as_json:
        if ref is None:
            click.echo(json.dumps({"version": 1, "task": None}))
        else:
            info = {
                "version": 1,
                "task": _task_word(settings, ref),
                "pack": ref.pack.id,
                "number": ref.exercise.number,
                "id": ref.exercise.id,
                "title": ref.exercise.title.get(settings.lang),
            }
            click.echo(json.dumps(info, ensure_ascii=False))
        return
    if ref is None:
        total = sum(len(p.exercises) for p in settings.library.packs)
        echo(click.style(f"✓ all {total} tasks are solved", fg="green", bold=True))
        return
    word = _task_word(settings, ref)
    if open_app:
        _common._launch_app(settings, word)
        return
    echo(f"{word}. {ref.exercise.title.get(settings.lang)}")
    echo(
        click.style(
            f"  open it: quiz-tui {word}   ·   in your editor: quiz-tui watch {word} FILE", dim=True
        ),
        err=True,
    )


@main.command("check")
@click.argument("task", shell_complete=complete_task)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print the result as versioned JSON.")
@click.option(
    "--seed", type=SEED, default=0, show_default=True, help="Seed for torch, NumPy and random."
)
@click.option(
    "--save-images",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write images the code showed (imshow) as PNG files here.",
)
@click.option("--no-record", is_flag=True, help="Do not record this attempt in your progress.")
@click.option("--cold", is_flag=True, hidden=True, help="Use a fresh interpreter (benchmarks).")
@common_options
def check_command(
    settings: Settings,
    task: str,
    file: str,
    as_json: bool,
    seed: int,
    save_images: Path | None,
    no_record: bool,
    cold: bool,
) -> None:
    """Check FILE (or - for stdin) as your answer to TASK. Exit 0 on pass, 1 otherwise."""
    ref = settings.resolve(task)
    code = _read_code(file)
    result = _run_one(settings, ref, code, "check", seed=seed, cold=cold)
    if not no_record:
        _record_attempt(ref, result, code)
    if save_images and result.images:
        for path in _save_images(result, save_images):
            if not as_json:
                echo(f"saved {path}")
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        echo(render_result(result, ref.exercise, settings.lang))
    sys.exit(0 if result.status is Status.PASS else 1)


@main.command("watch")
@click.argument("task", shell_complete=complete_task)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print each result as one line of JSON.")
@click.option(
    "--seed", type=SEED, default=0, show_default=True, help="Seed for torch, NumPy and random."
)
@click.option("--no-record", is_flag=True, help="Do not record the attempts in your progress.")
@common_options
def watch_command(
    settings: Settings, task: str, file: Path, as_json: bool, seed: int, no_record: bool
) -> None:
    """Check FILE as your answer to TASK each time you save it, in any editor.

    The worker starts once and stays warm, so each verdict comes in a blink. A
    FILE that does not exist yet gets the task's code (your draft, or the starter).
    While it watches, type a letter and Enter:

    \b
      n      next: keep FILE's code as this task's draft, and put the next
             unsolved task's code in FILE (reload it in your editor)
      h      the next hint
      c      check again now (Enter alone does the same)
      q      quit (Ctrl+C too)
    """
    from quiz_tui.watch import LineCommands, Saves

    ref = settings.resolve(task)
    path = file.expanduser()
    if not path.parent.is_dir():
        raise click.UsageError(f"{path.parent} is not a folder")
    if path.exists() and not path.is_file():
        raise click.UsageError(f"{path} is not a file")
    lang = settings.lang
    with settings.runner() as runner:
        runner.start()  # torch imports while the learner reads the task
        _check_device(settings, runner)
        saves = Saves(path)
        hints: dict[str, int] = {}
        _watch_header(ref, lang)
        check_now = True  # what FILE holds now is checked first
        if not path.exists():
            try:
                _put_task_code(path, ref, settings, saves)
            except OSError as exc:
                raise click.UsageError(f"cannot create {path}: {exc.strerror or exc}") from exc
            check_now = False  # the starter: nothing to check until the first save
        commands = LineCommands(sys.stdin)
        ready = False
        try:
            for changed in saves:
                if not ready:
                    ready = True
                    echo(
                        click.style(
                            f"watching {path} for task {_task_word(settings, ref)}: save it to "
                            "check · n Enter: next task · h: hint · c: check · q: quit",
                            dim=True,
                        ),
                        err=True,
                    )
                for command in commands.pending():
                    word = command.lower()
                    if word in ("q", "quit", "exit"):
                        return
                    if word in ("", "c", "check"):
                        check_now = True
                    elif word in ("h", "hint"):
                        hints[ref.exercise.id] = _watch_hint(
                            ref, lang, hints.get(ref.exercise.id, 0)
                        )
                    elif word in ("n", "next"):
                        moved = _watch_next(settings, ref, path, saves)
                        if moved is not None:
                            ref = moved
                            _watch_header(ref, lang)
                    else:
                        echo(f"{command!r}? n: next task · h: hint · c: check · q: quit", err=True)
                if not (changed or check_now):
                    continue
                try:
                    code = _read_code(str(path))
                except click.UsageError as exc:
                    if path.exists():  # a missing file is a rename-save half done: wait
                        echo(click.style(f"error: {exc.message}", fg="red"), err=True)
                    continue
                if not (check_now or saves.is_new(code)):
                    continue
                check_now = False
                saves.seen(code)
                result = CheckService(runner, lang=lang).check(ref.exercise, code, seed=seed)
                if not no_record:
                    _record_attempt(ref, result, code)
                if as_json:
                    click.echo(json.dumps(result.to_json(), ensure_ascii=False))
                    continue
                stamp = time.strftime("%H:%M:%S")
                echo(click.style(f"── {stamp} · {path.name} " + "─" * 40, dim=True))
                echo(render_result(result, ref.exercise, lang))
                if result.status is Status.PASS:
                    echo(click.style("  n Enter: the next unsolved task", dim=True))
        except KeyboardInterrupt:
            pass
        finally:
            echo(click.style("stopped watching", dim=True), err=True)


def _watch_header(ref: TaskRef, lang: Lang) -> None:
    from rich.markdown import Markdown

    from quiz_tui.console import console

    out = console(err=True)
    ex = ref.exercise
    out.rule(f"{ex.number}. {ex.title.get(lang)}")
    out.print(Markdown(ex.prompt.get(lang)))


def _put_task_code(path: Path, ref: TaskRef, settings: Settings, saves: Any) -> None:
    """Write ``ref``'s draft (or starter) into ``path``; raises OSError."""
    from quiz_tui.core.state.session import Session

    store = _open_store()
    try:
        code = Session(settings.library, store, settings.lang).draft(ref)
    finally:
        if store is not None:
            store.close()
    tmp = path.with_name(f".{path.name}.quiz-tui-tmp")
    tmp.write_text(code, "utf-8")
    tmp.replace(path)  # a rename: an editor sees one whole new file
    saves.seen(code)
    echo(f"wrote task {ref.exercise.number}'s code to {path}", err=True)


def _watch_hint(ref: TaskRef, lang: Lang, shown: int) -> int:
    ex = ref.exercise
    if shown >= len(ex.hints):
        echo(say(lang, "cli.no-more-hints"), err=True)
        return shown
    head = say(lang, "cli.hint-head", n=shown + 1, total=len(ex.hints))
    echo(click.style(head, bold=True) + "  " + visible(ex.hints[shown].get(lang)))
    return shown + 1


def _watch_next(settings: Settings, ref: TaskRef, path: Path, saves: Any) -> TaskRef | None:
    """Keep FILE's code as ``ref``'s draft and put the next unsolved task's code in FILE.

    Nothing is overwritten unless the code is safely saved first.
    """
    from quiz_tui.core.state.session import Session

    nxt = _next_unsolved(settings, ref)
    if nxt is None:
        echo(click.style("✓ every task is solved", fg="green", bold=True), err=True)
        return None
    try:
        code = _read_code(str(path)) if path.exists() else None
    except click.UsageError as exc:
        echo(click.style(f"error: {exc.message}; staying on this task", fg="red"), err=True)
        return None
    store = _open_store()
    try:
        session = Session(settings.library, store, settings.lang)
        if code is not None and not session.save_draft(ref, code):
            reason = session.save_error or "progress cannot be saved"
            echo(
                click.style(
                    f"error: cannot keep your code of task {ref.exercise.number} ({reason}); "
                    "staying on this task",
                    fg="red",
                ),
                err=True,
            )
            return None
    finally:
        if store is not None:
            store.close()
    if code is not None:
        echo(
            f"kept your code as task {ref.exercise.number}'s draft (the app opens it there)",
            err=True,
        )
    try:
        _put_task_code(path, nxt, settings, saves)
    except OSError as exc:
        echo(click.style(f"error: cannot write {path}: {exc.strerror or exc}", fg="red"), err=True)
        return None
    return nxt


@main.command("run")
@click.argument("task", shell_complete=complete_task)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True)
@common_options
def run_command(settings: Settings, task: str, file: str, as_json: bool) -> None:
    """Run FILE in TASK's setup and show its output, without judging it."""
    ref = settings.resolve(task)
    result = _run_one(settings, ref, _read_code(file), "run")
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        echo(render_result(result, ref.exercise, settings.lang))
    sys.exit(0 if result.status is Status.RAN else 1)
