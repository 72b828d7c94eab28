"""The ``quiz-tui`` command: the app, and commands for scripts, instructors and CI.

Exit codes: 0 success (a check passed), 1 the answer or pack is not right,
2 a usage error (unknown task, unreadable file, bad option).
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from quiz_tui import __version__
from quiz_tui.cli_grade import grade_command, write_export
from quiz_tui.console import echo
from quiz_tui.core.content.loader import load_pack, validate_path
from quiz_tui.core.content.packs import Library, TaskRef, trust_decision
from quiz_tui.core.content.verify import Outcome, verify
from quiz_tui.core.errors import PackError, ProgressStoreError, QuizError, UnknownTaskError
from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Exercise, Lang, Pack, Result, Status
from quiz_tui.core.state import paths
from quiz_tui.core.state.config import Config, load_config, save_config_value
from quiz_tui.core.state.data import DataError, DataSource, real_cifar_problem
from quiz_tui.core.state.data import resolve as resolve_data
from quiz_tui.core.state.progress import ProgressStore
from quiz_tui.marks import VERDICT_MARKS
from quiz_tui.textutil import human_bytes, one_line, visible

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from quiz_tui.core.state.exam import ExamPlan

F = TypeVar("F", bound=Callable[..., Any])

SEED = click.IntRange(0, 2**32 - 1)
"""Seeds NumPy accepts (torch and random take these too)."""

LABELS = {
    Status.PASS: ("PASS", "通过"),
    Status.FAIL: ("FAIL", "未通过"),
    Status.ERROR: ("ERROR", "出错"),
    Status.TIMEOUT: ("TIMEOUT", "超时"),
    Status.NOT_ATTEMPTED: ("NOT ATTEMPTED", "未作答"),
    Status.CHECKER_ERROR: ("CHECKER ERROR", "检查器出错"),
    Status.RAN: ("RAN", "已运行"),
    Status.CANCELLED: ("CANCELLED", "已取消"),
}


def status_label(status: Status, lang: Lang) -> str:
    en, zh = LABELS[status]
    return zh if lang == "zh" else en


class Settings:
    """Options shared by every command, resolved against the config file."""

    def __init__(
        self,
        config: Config,
        lang: str | None,
        device: str | None,
        packs: tuple[Path, ...],
        data_dir: Path | None,
        trust: bool = False,
    ) -> None:
        self.config = config
        self.lang = cast(Lang, lang or config.lang)
        self.device = device or config.device
        self.packs = packs
        self.data_flag = data_dir
        self.data_dir = data_dir or config.data_dir
        self.data_origin = "--data-dir" if data_dir else config.origins.get("data_dir", "default")
        """Where ``data_dir`` was set, so that an error names what to fix."""
        self.trust = trust

    @functools.cached_property
    def library(self) -> Library:
        """The packs this command may use: the built-in one and the trusted others."""
        store = _open_store()

        def allow(pack: Pack, origin: str) -> bool:
            if trust_decision(pack, store, force=self.trust):
                return True
            echo(
                click.style(
                    f"warning: pack {pack.id!r} ({pack.root}, from {origin}) is not trusted yet: "
                    "its checks run Python code on this machine. Open it in the app to answer, "
                    "or add --trust.",
                    fg="yellow",
                ),
                err=True,
            )
            return False

        try:
            library = Library.load(self.packs, allow=allow)
        finally:
            if store is not None:
                store.close()
        for error in library.errors:
            echo(click.style(f"warning: {error}", fg="yellow"), err=True)
        return library

    def resolve(self, task: str) -> TaskRef:
        try:
            return self.library.resolve(task)
        except UnknownTaskError as exc:
            raise click.UsageError(str(exc)) from exc

    def runner(self, *, warm: bool = True, threads: int | None = None) -> Runner:
        paths.ensure(paths.cache_dir())
        return Runner(
            device=cast(Any, self.device),
            warm=warm,
            log_path=paths.cache_dir() / "worker.log",
            threads=threads,
            data=self.data,
        )

    @functools.cached_property
    def data(self) -> DataSource:
        try:
            return resolve_data(self.data_dir, origin=self.data_origin)
        except DataError as exc:
            if self.data_origin == "--data-dir":
                raise click.UsageError(str(exc)) from exc
            raise SettingError(str(exc)) from exc


class SettingError(click.ClickException):
    """A setting from config.toml or the environment is wrong: exit 2, without a usage line."""

    exit_code = 2


def common_options(func: F) -> F:
    """--lang, --device, --pack and --data-dir, on the group and on each command."""

    @click.option(
        "--lang", type=click.Choice(["en", "zh"]), help="Language of prompts and messages."
    )
    @click.option(
        "--device",
        type=click.Choice(["auto", "cpu", "cuda"]),
        help="Where learner code runs (checks compare on the CPU either way).",
    )
    @click.option(
        "--pack",
        "packs",
        multiple=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="An extra pack folder (repeatable).",
    )
    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="A folder with real CIFAR-10 (torchvision's format).",
    )
    @click.option(
        "--trust",
        is_flag=True,
        help="Trust the packs given (their checks run Python code on this machine).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        parent: Settings | None = ctx.find_object(Settings)
        if parent is None:
            config = load_config()
            for problem in config.problems:  # every command says so, once: never ignored
                echo(click.style(f"warning: {problem}", fg="yellow"), err=True)
        settings = Settings(
            parent.config if parent else config,
            kwargs.pop("lang") or (parent.lang if parent else None),
            kwargs.pop("device") or (parent.device if parent else None),
            tuple(kwargs.pop("packs")) + (parent.packs if parent else ()),
            kwargs.pop("data_dir") or (parent.data_flag if parent else None),
            kwargs.pop("trust") or (parent.trust if parent else False),
        )
        ctx.obj = settings
        return func(settings, *args, **kwargs)

    return cast(F, wrapper)


def _completion_library() -> Library:
    """The packs a shell completion may offer: loading them runs nothing, so no trust asked."""
    ctx = click.get_current_context(silent=True)
    extra: list[Path] = []
    while ctx is not None:
        extra += [Path(p) for p in ctx.params.get("packs") or ()]
        ctx = ctx.parent
    return Library.load(extra)


def complete_task(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Task numbers (``pack:number`` for other packs' tasks), each with its title."""
    from click.shell_completion import CompletionItem

    library = _completion_library()
    items = []
    for pack in library.packs:
        for ex in pack:
            try:
                plain = library.resolve(str(ex.number)).exercise is ex
            except UnknownTaskError:
                plain = False
            value = str(ex.number) if plain else f"{pack.id}:{ex.number}"
            if value.startswith(incomplete):
                items.append(CompletionItem(value, help=ex.title.en))
    return items


def complete_section(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Section ids of the packs, each with its title."""
    from click.shell_completion import CompletionItem

    return [
        CompletionItem(section.id, help=section.title.en)
        for pack in _completion_library().packs
        for section in pack.sections
        if section.id.startswith(incomplete)
    ]


def _looks_like_task(word: str) -> bool:
    return word.isdigit() or ":" in word


class _SuggestingGroup(click.Group):
    """A group that answers a mistyped command with the visible commands it resembles."""

    def _unknown(self, ctx: click.Context, word: str, also: str = "") -> None:
        visible = [name for name, cmd in self.commands.items() if not cmd.hidden]
        close = difflib.get_close_matches(word, visible, n=3, cutoff=0.6)
        if close:
            quoted = " or ".join(repr(c) for c in close)
            ctx.fail(f"No such command {word!r}. Did you mean {quoted}?")
        ctx.fail(f"No such command{also} {word!r}. Commands: {', '.join(sorted(visible))}.")

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        word = args[0] if args else ""
        unknown = word and word not in self.commands and not word.startswith("-")
        if unknown and not ctx.resilient_parsing:
            self._unknown(ctx, word)
        return super().resolve_command(ctx, args)


class _TaskOrCommand(_SuggestingGroup):
    """``quiz-tui 4`` opens the app at task 4; anything else is a subcommand.

    A word that is neither a command nor a task gets "No such command" with the
    commands it resembles, never the usage of the hidden ``open``.
    """

    group_class = _SuggestingGroup

    def invoke(self, ctx: click.Context) -> Any:
        """Every command: a path the file system cannot take (a name too long, a loop of
        links) is the user's input, answered with a usage error, never a traceback."""
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno not in (errno.ENAMETOOLONG, errno.ELOOP):
                raise
            where = str(exc.filename or "")
            shown = where if len(where) <= 80 else where[:77] + "…"
            raise click.UsageError(f"{shown}: {exc.strerror}") from exc

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        word = args[0] if args else ""
        if not word or word in self.commands or word.startswith("-"):
            return super().resolve_command(ctx, args)
        if _looks_like_task(word) or ctx.resilient_parsing:
            return "open", self.commands["open"], args
        try:
            Library.load([Path(p) for p in ctx.params.get("packs") or ()]).resolve(word)
        except UnknownTaskError:
            self._unknown(ctx, word, " or task")
        return "open", self.commands["open"], args


@click.group(
    cls=_TaskOrCommand,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    subcommand_metavar="[TASK | COMMAND [ARGS]...]",
)
@click.version_option(__version__, prog_name="quiz-tui")
@common_options
@click.pass_context
def main(ctx: click.Context, settings: Settings) -> None:
    """Practise PyTorch in the terminal.

    With no command, opens the app where you left off; `quiz-tui 4` opens it at task 4.
    Shell completion: see "The command line" in the README (_QUIZ_TUI_COMPLETE).
    """
    ctx.obj = settings
    if ctx.invoked_subcommand is None:
        _launch_app(settings)


@main.command("open", hidden=True)
@click.argument("task", required=False, shell_complete=complete_task)
@common_options
@click.pass_context
def open_command(ctx: click.Context, settings: Settings, task: str | None) -> None:
    """Open the app at TASK."""
    if task is not None:
        try:
            settings.library.resolve(task)
        except UnknownTaskError as exc:
            # The usage of `quiz-tui`, which the learner typed, not of the hidden `open`.
            raise click.UsageError(str(exc), ctx=ctx.parent) from exc
    _launch_app(settings, task)


def _launch_app(
    settings: Settings, task: str | None = None, exam_plan: ExamPlan | None = None
) -> None:
    if task is not None:
        settings.resolve(task)  # a bad task is a usage error before the screen opens
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Without a terminal, Textual would write escape codes to a pipe and wait forever.
        commands = ", ".join(
            name for name, command in sorted(main.commands.items()) if not command.hidden
        )
        raise QuizError(
            "the app needs a terminal (stdin and stdout are not one); without one, use a "
            f"command: quiz-tui {{{commands}}} (quiz-tui --help)"
        )
    from quiz_tui.app import QuizApp

    QuizApp(
        packs=settings.packs,
        lang=settings.lang,
        device=settings.device,
        data_dir=settings.data_dir,
        start_task=task,
        exam_plan=exam_plan,
        trust=settings.trust,
    ).run()


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
        console.print(
            f"\n[bold]{'已经运行的代码' if lang == 'zh' else 'Already run before your code'}[/]"
        )
        console.print(Syntax(ex.setup_code, "python", line_numbers=False))
    console.print(f"\n[bold]{'初始代码' if lang == 'zh' else 'Starter'}[/]")
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
    head = f"提示 {n}/{len(ex.hints)}" if lang == "zh" else f"Hint {n} of {len(ex.hints)}"
    echo(click.style(f"{head}  {ex.number}. {ex.title.get(lang)}", bold=True))
    echo("  " + visible(text).replace("\n", "\n  "))
    if n < len(ex.hints):
        more = "下一条" if lang == "zh" else "next"
        echo(click.style(f"  ({more}: quiz-tui hint {task} {n + 1})", dim=True))


def _refuse_during_exam(ref: TaskRef) -> None:
    """Hints are locked while an exam that includes the task runs, as in the app."""
    from quiz_tui.core.state.exam import ExamBook, format_clock

    store = _open_store()
    if store is None:
        return
    with store:
        exam = ExamBook(store).running()
    now = time.time()
    if (
        exam is not None
        and exam.pack == ref.pack.id
        and ref.exercise.id in exam.exercise_ids
        and now < exam.deadline
    ):
        raise click.UsageError(
            f"hints are locked during exam #{exam.id} "
            f"({format_clock(exam.remaining(now))} left): hand it in first"
        )


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
        _launch_app(settings, word)
        return
    echo(f"{word}. {ref.exercise.title.get(settings.lang)}")
    echo(
        click.style(
            f"  open it: quiz-tui {word}   ·   in your editor: quiz-tui watch {word} FILE", dim=True
        ),
        err=True,
    )


def _task_word(settings: Settings, ref: TaskRef) -> str:
    """What to type for ``ref``: its number, or ``pack:number`` when the number is ambiguous."""
    try:
        if settings.library.resolve(str(ref.exercise.number)).exercise is ref.exercise:
            return str(ref.exercise.number)
    except UnknownTaskError:
        pass
    return f"{ref.pack.id}:{ref.exercise.number}"


def _next_unsolved(settings: Settings, after: TaskRef | None) -> TaskRef | None:
    """The first unsolved task after ``after`` (default: the last one opened), wrapping."""
    from quiz_tui.core.state.session import Session

    store = _open_store()
    try:
        return Session(settings.library, store, settings.lang).next_unsolved(after)
    finally:
        if store is not None:
            store.close()


# -- check / run -------------------------------------------------------------


MAX_CODE_BYTES = 1 << 20
"""The largest answer file read: an answer is a short Python file (``/dev/zero`` is not)."""


def _read_code(file: str) -> str:
    """FILE (``-``: stdin) as UTF-8 text, read no further than MAX_CODE_BYTES."""
    try:
        if file == "-":
            stream = getattr(sys.stdin, "buffer", None)
            raw = stream.read(MAX_CODE_BYTES + 1) if stream else sys.stdin.read(MAX_CODE_BYTES + 1)
            data = raw.encode("utf-8") if isinstance(raw, str) else raw
        else:
            with open(file, "rb") as f:
                data = f.read(MAX_CODE_BYTES + 1)
        if len(data) > MAX_CODE_BYTES:
            raise click.UsageError(
                f"{'stdin' if file == '-' else file} is larger than "
                f"{human_bytes(MAX_CODE_BYTES)}: an answer is a short Python file"
            )
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.UsageError(
            f"cannot read {file}: it is not UTF-8 text (byte {exc.start + 1})"
        ) from exc
    except OSError as exc:
        raise click.UsageError(f"cannot read {file}: {exc.strerror or exc}") from exc


def _note(message: str) -> None:
    """A store notice (moved aside, deleted or replaced while open), on stderr."""
    echo(click.style(f"note: {message}", fg="yellow"), err=True)


def _open_store() -> ProgressStore | None:
    """The progress store, or None (with a warning) when it cannot be opened.

    Warnings and notes go to stderr, so they never mix with --json output.
    """
    try:
        store = ProgressStore()
    except ProgressStoreError as exc:
        echo(click.style(f"warning: progress is not saved: {exc}", fg="yellow"), err=True)
        return None
    if store.notice:
        _note(store.notice)
    store.on_notice = _note
    return store


def _check_device(settings: Settings, runner: Runner) -> None:
    if settings.device != "cuda":
        return
    info = runner.probe()
    if not info.get("cuda"):
        raise click.UsageError(
            "--device cuda: torch finds no usable CUDA GPU on this machine (use --device cpu)"
        )


def render_result(result: Result, ex: Exercise, lang: Lang) -> str:
    symbol, colour = VERDICT_MARKS[result.status.value]
    lines = [
        click.style(f"{symbol} {status_label(result.status, lang)}", fg=colour, bold=True)
        + f"  {ex.number}. {ex.title.get(lang)}  "
        + click.style(
            f"({result.seconds:.2f} s, {one_line(result.device)})"
            if result.device
            else "(not run)",
            dim=True,
        ),
        "  " + visible(result.message),
    ]
    for item in result.checks:
        ok = item.status == "pass"
        mark = click.style("✓" if ok else "✗", fg="green" if ok else "red")
        lines.append(f"    {mark} {one_line(item.name)}")
    if result.traceback:
        lines.append(click.style("  Traceback:" if lang == "en" else "  错误追踪：", bold=True))
        lines.extend("    " + visible(t) for t in result.traceback.splitlines())
    for title, text, cut in (
        ("stdout", result.stdout, result.stdout_cut),
        ("stderr", result.stderr, result.stderr_cut),
    ):
        if text:
            lines.append(click.style(f"  --- {title} ---", dim=True))
            lines.extend("  " + visible(t) for t in text.rstrip("\n").splitlines())
        if cut:
            lines.append(click.style(f"  … {human_bytes(cut)} more {title} not shown", fg="yellow"))
    if result.images:
        lines.append(
            click.style(f"  ({len(result.images)} image(s): use --save-images DIR)", dim=True)
        )
    return "\n".join(lines)


def _save_images(result: Result, folder: Path) -> list[Path]:
    from quiz_tui.core.png import write_png

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, image in enumerate(result.images, start=1):
        path = folder / f"task{result.task}-image{i}.png"
        write_png(path, image)
        written.append(path)
    return written


def _run_one(settings: Settings, ref: TaskRef, code: str, mode: str, **options: Any) -> Result:
    with settings.runner(warm=not options.get("cold")) as runner:
        _check_device(settings, runner)
        job = Job.for_exercise(
            ref.exercise,
            code,
            mode=cast(Any, mode),
            lang=settings.lang,
            seed=options.get("seed", 0),
        )
        return runner.run(job)


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


def _record_attempt(ref: TaskRef, result: Result, code: str) -> None:
    if result.status is Status.CANCELLED:
        return
    store = _open_store()
    if store is not None:
        try:
            store.record_attempt(
                ref.pack.id, ref.exercise.id, result.status, result.seconds, code, source="cli"
            )
        except ProgressStoreError as exc:
            echo(click.style(f"warning: {exc}", fg="yellow"), err=True)
        finally:
            store.close()


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
                job = Job.for_exercise(ref.exercise, code, mode="check", lang=lang, seed=seed)
                result = runner.run(job)
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
        echo("no more hints" if lang == "en" else "没有更多提示了", err=True)
        return shown
    head = (
        f"提示 {shown + 1}/{len(ex.hints)}"
        if lang == "zh"
        else f"Hint {shown + 1} of {len(ex.hints)}"
    )
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


# -- verify / validate ----------------------------------------------------------


def _parse_tasks(spec: str) -> set[int]:
    """``1-25,30`` → {1..25, 30}, as a click error when malformed."""
    from quiz_tui.core.state.exam import ExamError, parse_numbers

    try:
        return set(parse_numbers(spec))
    except ExamError as exc:
        raise click.BadParameter(str(exc)) from exc


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


def run() -> None:
    """Entry point: quiz-tui's own errors become one-line messages, never tracebacks.

    An unexpected error (a bug) is written with its traceback to a log file in the
    cache folder and reported in one line; QUIZ_TUI_DEBUG=1 shows it instead.
    """
    try:
        main(standalone_mode=True)
    except QuizError as exc:
        echo(click.style(f"error: {exc}", fg="red"), err=True)
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("QUIZ_TUI_DEBUG"):
            raise
        import traceback

        log = paths.ensure(paths.cache_dir()) / f"crash-{time.strftime('%Y%m%d-%H%M%S')}.log"
        log.write_text("".join(traceback.format_exception(exc)), "utf-8")
        echo(
            click.style(f"error: quiz-tui hit a bug ({type(exc).__name__}: {exc}).", fg="red")
            + f" Details are in {log}; please report them.",
            err=True,
        )
        sys.exit(1)


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
    echo(("使用：" if lang == "zh" else "Using: ") + source.describe(lang))
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


# -- progress ----------------------------------------------------------------------


def _store_or_exit() -> ProgressStore:
    try:
        store = ProgressStore()
    except ProgressStoreError as exc:
        echo(click.style(f"error: {exc}", fg="red"), err=True)
        sys.exit(1)
    if store.notice:
        _note(store.notice)
    store.on_notice = _note
    return store


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
    _launch_app(settings, exam_plan=exam_plan)


def _exam_book() -> tuple[ProgressStore, Any]:
    from quiz_tui.core.state.exam import ExamBook

    store = _store_or_exit()
    return store, ExamBook(store)


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


# -- config ----------------------------------------------------------------------

CONFIG_KEYS = click.Choice(["lang", "device", "data_dir"])


def _config_report(settings: Settings) -> dict[str, Any]:
    from quiz_tui.core.content.packs import user_packs_root
    from quiz_tui.core.state.config import config_path
    from quiz_tui.core.state.progress import default_path

    config = settings.config
    values = {"lang": config.lang, "device": config.device, "data_dir": config.data_dir}
    return {
        "version": 1,
        "paths": {
            "config": str(config_path()),
            "progress": str(default_path()),
            "packs": str(user_packs_root()),
            "cache": str(paths.cache_dir()),
        },
        "config_exists": config_path().is_file(),
        "settings": {
            key: {
                "value": None if value is None else str(value),
                "from": config.origins.get(key, "default"),
            }
            for key, value in values.items()
        },
        "problems": list(config.problems),
    }


@main.group("config", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@common_options
@click.pass_context
def config_group(ctx: click.Context, settings: Settings, as_json: bool) -> None:
    """Where quiz-tui keeps its files, and your settings (get or set one).

    Settings live in config.toml; QUIZ_TUI_LANG, QUIZ_TUI_DEVICE and
    QUIZ_TUI_DATA_DIR override it, and --lang, --device and --data-dir override both.
    """
    ctx.obj = settings
    if ctx.invoked_subcommand is not None:
        return
    report = _config_report(settings)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    where = report["paths"]
    missing = "" if report["config_exists"] else click.style("  (not created yet)", dim=True)
    echo(f"config file  {where['config']}{missing}")
    echo(f"progress     {where['progress']}")
    echo(f"your packs   {where['packs']}")
    echo(f"cache        {where['cache']}  (the practice set, the worker log)")
    echo()
    for key, item in report["settings"].items():
        value = item["value"] if item["value"] is not None else "-"
        source = "not set: the practice set" if item["value"] is None else item["from"]
        echo(f"{key:<9} {value:<8} " + click.style(f"({source})", dim=True))


@config_group.command("path")
def config_path_command() -> None:
    """Print the path of config.toml (e.g. `$EDITOR "$(quiz-tui config path)"`)."""
    from quiz_tui.core.state.config import config_path

    click.echo(str(config_path()))


@config_group.command("get")
@click.argument("key", type=CONFIG_KEYS)
@click.option("--json", "as_json", is_flag=True, help="The value and where it comes from.")
@common_options
def config_get(settings: Settings, key: str, as_json: bool) -> None:
    """Print the value of KEY in use (exit 1 when it is not set)."""
    item = _config_report(settings)["settings"][key]
    if as_json:
        click.echo(json.dumps({"version": 1, "key": key, **item}, ensure_ascii=False))
    elif item["value"] is not None:
        click.echo(item["value"])
    sys.exit(0 if item["value"] is not None else 1)


@config_group.command("set")
@click.argument("key", type=CONFIG_KEYS)
@click.argument("value")
def config_set(key: str, value: str) -> None:
    """Set KEY to VALUE in config.toml, keeping its comments and layout.

    \b
    lang      en or zh
    device    auto, cpu or cuda
    data_dir  a folder that holds real CIFAR-10 (quiz-tui data download)
    """
    from quiz_tui.core.state.config import DEVICES, ENV, LANGS, ConfigError

    if key == "lang" and value not in LANGS:
        raise click.BadParameter(f"{value!r} is not one of {', '.join(LANGS)}", param_hint="VALUE")
    if key == "device" and value not in DEVICES:
        raise click.BadParameter(
            f"{value!r} is not one of {', '.join(DEVICES)}", param_hint="VALUE"
        )
    if key == "data_dir":
        folder = Path(value).expanduser().resolve()
        problem = real_cifar_problem(folder)
        if problem:
            raise click.BadParameter(problem, param_hint="VALUE")
        value = str(folder)
    try:
        path = save_config_value(key, value)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    echo(f"{key} = {value}  (in {path})")
    if os.environ.get(ENV[key]):
        echo(
            click.style(f"note: {ENV[key]} is set and overrides it in this shell", fg="yellow"),
            err=True,
        )


@config_group.command("unset")
@click.argument("key", type=CONFIG_KEYS)
def config_unset(key: str) -> None:
    """Remove KEY from config.toml: its default applies again."""
    from quiz_tui.core.state.config import ConfigError, config_path, remove_config_value

    try:
        removed = remove_config_value(key)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if removed:
        echo(f"removed {key} from {config_path()}")
    else:
        echo(f"{key} is not set in {config_path()}")


# -- doctor ----------------------------------------------------------------------


@main.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def doctor_command(as_json: bool) -> None:
    """Show which protections this machine gives a check, tested for real."""
    from importlib.metadata import PackageNotFoundError, version

    from quiz_tui.core.execution.confine import PROBE_CHECKS, probe_protections

    try:
        textual = version("textual")
    except PackageNotFoundError:
        textual = "not installed"
    probe = probe_protections()
    checks = probe.get("checks", {})
    protections = [
        {"name": name, "label": label, **checks[name]}
        for name, label in PROBE_CHECKS.items()
        if name in checks
    ]
    sandbox = probe.get("sandbox", {})
    if as_json:
        report = {
            "version": 1,
            "quiz_tui": __version__,
            "python": sys.version.split()[0],
            "textual": textual,
            "landlock_abi": probe.get("abi", 0),
            "namespaces": probe.get("namespaces", []),
            "protections": protections,
            "describe": probe.get("describe", []),
            "sandbox": sandbox,
            "error": probe.get("error"),
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    echo(f"quiz-tui {__version__}, Python {sys.version.split()[0]}, Textual {textual}")
    if "error" in probe:
        echo(click.style(f"✗ {probe['error']}", fg="red"))
    namespaces = ", ".join(probe.get("namespaces", [])) or "none"
    echo(f"Checks run with Landlock ABI {probe.get('abi', 0)}; namespaces: {namespaces}")
    for p in protections:
        mark = click.style("✓", fg="green") if p["ok"] else click.style("✗", fg="red")
        echo(f"  {mark} {p['label']} ({p['detail']})")
    cgroup_v = sandbox.get("cgroup_version", 0)
    here = f"cgroup v{cgroup_v}" if cgroup_v else "no cgroups"
    limits = {
        "cgroup": "the kernel enforces memory and task limits "
        + ("(cgroup v2, delegated)" if cgroup_v == 2 else f"({here}, writable)"),
        "watch": "memory and tasks are watched by polling ("
        + (
            "QUIZ_TUI_SANDBOX=watch"
            if os.environ.get("QUIZ_TUI_SANDBOX") == "watch"
            else "no delegated cgroup v2 or writable cgroup v1"
        )
        + f"; this machine has {here})",
    }
    name = sandbox.get("name", "?")
    echo(f"Sandbox: {name} — {limits.get(name, name)}")


main.add_command(grade_command)
