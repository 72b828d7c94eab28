"""``python -m quiz_tui`` is the same as the ``quiz-tui`` command."""

from quiz_tui.cli import run

run()
