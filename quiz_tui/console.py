"""Terminal output of the command line, through one path so that colour rules hold everywhere.

Commands compose text with ``click.style`` and print it with :func:`echo`, which
hands it to Rich: Rich decides whether the stream gets colour (``NO_COLOR``
turns colour off, ``FORCE_COLOR`` turns it on in a pipe, ``TERM=dumb`` and a
non-terminal leave it off), and never wraps or cuts a line. JSON goes out with
plain ``click.echo``: it carries no styles.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text


def console(*, err: bool = False) -> Console:
    """A Rich console on stdout (or stderr) that follows the colour variables."""
    return Console(stderr=err, highlight=False, markup=False, emoji=False, soft_wrap=True)


def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print ``message`` (plain, or styled with ``click.style``) as the terminal allows."""
    text = Text.from_ansi(message, end="")
    console(err=err).print(text, end="\n" if nl else "")
