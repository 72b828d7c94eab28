"""The ``quiz-tui`` group itself: opening the app, and the console entry point."""

from __future__ import annotations

import os
import sys
import time

import click

from quiz_tui import __version__
from quiz_tui.cli import _common
from quiz_tui.cli._common import Settings, _TaskOrCommand, common_options, complete_task
from quiz_tui.console import echo
from quiz_tui.core.errors import QuizError, UnknownTaskError
from quiz_tui.core.state import paths


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
        _common._launch_app(settings)


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
    _common._launch_app(settings, task)


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
