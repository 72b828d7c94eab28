"""What a check leaves to do once its verdict is back, done on one thread in order."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable


class Tidy:
    """One thread that does a check's tidying (its folder, the next check's cgroups)
    after the verdict is back, in order. Written here rather than with a thread pool:
    the order matters, and ``close`` must finish what is queued before the sandbox goes.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._queued = self._done = 0

    def later(self, task: Callable[[], None]) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="quiz-tui-tidy", daemon=True
                )
                self._thread.start()
            self._queued += 1
            self._queue.put(task)

    def _work(self) -> None:
        while (task := self._queue.get()) is not None:
            with contextlib.suppress(Exception):
                task()
            with self._lock:
                self._done += 1
                self._idle.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait until everything queued so far is done; False on timeout."""
        with self._lock:
            target = self._queued
            return self._idle.wait_for(lambda: self._done >= target, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Finish what is queued (a little while at most) and stop."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join(timeout)
