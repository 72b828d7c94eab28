"""Noticing each save of one file, whatever the editor, and the commands typed meanwhile.

Editors save in two ways: in place (nano, VS Code), or by writing a new file and
renaming it over the old one (vim, JetBrains' "safe write"). Watching the file's
folder, not the file, sees both: a watch on the file itself would follow the old
inode into the backup. The folder watch (``watchfiles``: inotify, FSEvents or
ReadDirectoryChanges) wakes the loop at once; a quiet tick also compares the
file's size, time and inode, so that nothing is missed where events are not
delivered (network folders). What counts as a save is a change of content:
touching a file, or writing what was already there, checks nothing again.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

STEP_MS = 100
"""A save is over when the folder has been quiet this long (editors write in steps)."""
DEBOUNCE_MS = 1600
"""However busy the folder, changes are looked at after this long at the latest."""
TICK_MS = 250
"""How often the loop wakes when nothing happens, to read the commands typed."""


class LineCommands:
    """Lines typed on ``stream``, read by a daemon thread so that watching never waits on them.

    At the end of the stream (``< /dev/null``, a closed pipe) no more commands
    come, and watching goes on: only ``q`` or Ctrl+C ends it.
    """

    def __init__(self, stream: TextIO) -> None:
        self._lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        threading.Thread(
            target=self._read, args=(stream,), name="quiz-tui-keys", daemon=True
        ).start()

    def _read(self, stream: TextIO) -> None:
        try:
            for line in stream:
                self._lines.put(line.strip())
        except (OSError, ValueError):
            pass  # stdin closed under us: no more commands

    def pending(self) -> list[str]:
        lines = []
        while True:
            try:
                lines.append(self._lines.get_nowait())
            except queue.Empty:
                return lines


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class Saves:
    """The saves of ``path``: iterate to wait for the next event or tick.

    Each step yields True when the file may have changed (an event for its name,
    or its size, time or inode differ), False on a quiet tick. The caller reads
    the file and asks :meth:`is_new` whether its content differs from the last
    content it handled (:meth:`seen`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = _stamp(path)
        self._digest: bytes | None = None

    def __iter__(self) -> Iterator[bool]:
        from watchfiles import watch

        name = self.path.name
        for changes in watch(
            self.path.parent,
            watch_filter=lambda _change, changed: Path(changed).name == name,
            recursive=False,
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            rust_timeout=TICK_MS,
            yield_on_timeout=True,
        ):
            stamp = _stamp(self.path)
            moved = stamp != self._stamp
            self._stamp = stamp
            yield bool(changes) or moved

    def is_new(self, content: str) -> bool:
        return _digest(content) != self._digest

    def seen(self, content: str) -> None:
        """``content`` is handled (checked, or written by us): the same again is no save."""
        self._digest = _digest(content)


def _digest(content: str) -> bytes:
    return hashlib.blake2b(content.encode("utf-8", "surrogatepass")).digest()
