"""Timestamps along a check's path, for ``bench/profile_check.py``; off unless asked for.

With ``QUIZ_TUI_MARKS=/some/file`` in the environment, the runner and every
worker process append ``<monotonic seconds> <label>`` lines to that file (the
clock is the machine's, the same in every process). The zygote opens the file
once and passes it down on :data:`MARKS_FD`, so a boxed learner, which can open
no file outside its folder, can still write its marks. Without the variable,
:func:`mark` does nothing and no descriptor is kept open.

Imported by the app and by the worker: it must import neither torch nor Textual.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Final

MARKS_ENV: Final = "QUIZ_TUI_MARKS"
MARKS_FD: Final = 9
"""Where worker processes find the marks file (kept open across their fd clean-up)."""

_fd = -1


def open_marks(*, fixed: bool = False) -> int:
    """Open the marks file if one is asked for; with ``fixed``, on :data:`MARKS_FD`."""
    global _fd
    path = os.environ.get(MARKS_ENV)
    if not path or _fd >= 0:
        return _fd
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    if fixed:
        os.dup2(fd, MARKS_FD, inheritable=False)
        os.close(fd)
        fd = MARKS_FD
    _fd = fd
    return _fd


def active() -> bool:
    return _fd >= 0


def mark(label: str) -> None:
    """Append one timestamped line (does nothing unless marks are on)."""
    if _fd < 0:
        return
    with contextlib.suppress(OSError):
        os.write(_fd, f"{time.monotonic():.6f} {label}\n".encode())
