"""What every command shares: settings, options, completion, reading answers and showing results.

About 500 lines, kept together: each part is small and used by every command module,
and splitting them would only trade one file for several import lines in each.
"""

from __future__ import annotations

import difflib
import errno
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from quiz_tui.console import echo
from quiz_tui.core import messages
from quiz_tui.core.content.packs import Library, TaskRef, trust_decision
from quiz_tui.core.errors import ProgressStoreError, QuizError, UnknownTaskError
from quiz_tui.core.execution.checking import CheckService, record
from quiz_tui.core.execution.runner import Runner
from quiz_tui.core.model import Exercise, Lang, Pack, Result
from quiz_tui.core.state import paths
from quiz_tui.core.state.config import Config, load_config
from quiz_tui.core.state.data import DataError, DataSource
from quiz_tui.core.state.data import resolve as resolve_data
from quiz_tui.core.state.progress import ProgressStore
from quiz_tui.marks import VERDICT_MARKS, checklist, verdict_words
from quiz_tui.textutil import human_bytes, one_line, visible

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from quiz_tui.core.state.exam import ExamPlan

F = TypeVar("F", bound=Callable[..., Any])

SEED = click.IntRange(0, 2**32 - 1)
"""Seeds NumPy accepts (torch and random take these too)."""


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
        self.lang: Lang = lang or config.lang
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
        "--lang", type=click.Choice(messages.languages()), help="Language of prompts and messages."
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


def _launch_app(
    settings: Settings, task: str | None = None, exam_plan: ExamPlan | None = None
) -> None:
    if task is not None:
        settings.resolve(task)  # a bad task is a usage error before the screen opens
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Without a terminal, Textual would write escape codes to a pipe and wait forever.
        group = click.get_current_context().find_root().command
        listed = group.commands.items() if isinstance(group, click.Group) else []
        commands = ", ".join(name for name, command in sorted(listed) if not command.hidden)
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
        click.style(f"{symbol} {verdict_words(result.status.value, lang)}", fg=colour, bold=True)
        + f"  {ex.number}. {ex.title.get(lang)}  "
        + click.style(
            f"({result.seconds:.2f} s, {one_line(result.device)})"
            if result.device
            else "(not run)",
            dim=True,
        ),
        "  " + visible(result.message),
    ]
    items = [(item.status == "pass", item.name) for item in result.checks]
    for ok, name in checklist(items, result.status.value, result.message):
        mark = click.style("✓" if ok else "✗", fg="green" if ok else "red")
        lines.append(f"    {mark} {one_line(name)}")
    if result.traceback:
        lines.append(click.style("  " + messages.say(lang, "cli.traceback"), bold=True))
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
        service = CheckService(runner, lang=settings.lang)
        return service.check(ref.exercise, code, mode=cast(Any, mode), seed=options.get("seed", 0))


def _record_attempt(ref: TaskRef, result: Result, code: str) -> None:
    """Record a CLI check as an attempt, by the check service's rule."""
    store = _open_store()
    if store is not None:
        try:
            record(store, ref.pack.id, ref.exercise.id, code, result, source="cli")
        except ProgressStoreError as exc:
            echo(click.style(f"warning: {exc}", fg="yellow"), err=True)
        finally:
            store.close()


# -- verify / validate ----------------------------------------------------------


def _parse_tasks(spec: str) -> set[int]:
    """``1-25,30`` → {1..25, 30}, as a click error when malformed."""
    from quiz_tui.core.state.exam import ExamError, parse_numbers

    try:
        return set(parse_numbers(spec))
    except ExamError as exc:
        raise click.BadParameter(str(exc)) from exc


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


def _exam_book() -> tuple[ProgressStore, Any]:
    from quiz_tui.core.state.exam import ExamBook

    store = _store_or_exit()
    return store, ExamBook(store)
