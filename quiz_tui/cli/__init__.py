"""The ``quiz-tui`` command: the app, and commands for scripts, instructors and CI.

Exit codes: 0 success (a check passed), 1 the answer or pack is not right,
2 a usage error (unknown task, unreadable file, bad option).

The group is ``_main.main``; each module adds its commands to it when imported
here: ``tasks`` (list, show, hint, next, check, watch, run), ``packs`` (verify,
validate, new, upgrade), ``records`` (data, progress, exam) and ``system``
(config, doctor), with what they share in ``_common``.
"""

from quiz_tui.cli import packs, records, system, tasks
from quiz_tui.cli._common import MAX_CODE_BYTES, Settings, render_result
from quiz_tui.cli._main import main, run
from quiz_tui.cli_grade import grade_command

main.add_command(grade_command)

__all__ = [
    "MAX_CODE_BYTES",
    "Settings",
    "main",
    "packs",
    "records",
    "render_result",
    "run",
    "system",
    "tasks",
]
