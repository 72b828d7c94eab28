"""Supervising one process of a job, from its start to its end.

While a job's process runs (the learner's or the judge's), :func:`finish` hands it
its secret, drains its output and trace pipes into :class:`Capture`, reads its
events, enforces the wall-time, memory, task and disk limits, and stops it when
asked; what it saw is an :class:`Outcome`. It is apart from :mod:`.runner` because
this loop is the part of a check that watches untrusted code as it runs, and from
:mod:`.results` because seeing what happened is not yet judging it.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import selectors
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from quiz_tui.core.execution import protocol
from quiz_tui.core.execution.job import EventHandler, Job, Role
from quiz_tui.core.execution.sandbox import Sandbox, kill_group
from quiz_tui.core.execution.timing import mark
from quiz_tui.core.execution.worker import Launched
from quiz_tui.core.model import Image

MAX_IMAGES = 16
"""Images kept from one check; more are dropped (each is at most 512×512)."""
OUTPUT_LIMIT = 64 * 1024
"""Bytes of stdout (and of stderr) kept for display; the rest is drained and counted."""
TRACE_LIMIT = 64 * 1024
TERM_GRACE = 0.4
"""Seconds between SIGTERM (which dumps the stack) and SIGKILL."""
START_TIMEOUT = 180.0
"""How long a job may take to start (a cold interpreter imports torch first)."""
POLL = 0.05
DISK_LIMIT = 2 << 30
"""Bytes a check's folder may hold: single files are capped by RLIMIT_FSIZE, but many of
them could fill the disk that the progress database lives on."""
DISK_FILES = 20_000
"""Files and folders a check's folder may hold (each costs an inode and a scan)."""
DISK_POLL = 0.25
BREACH_POLL = 0.01
"""Seconds between two looks at a running job's memory and task count."""


CANCELLED = threading.Event()
CANCELLED.set()
"""Stops a process at once (one the check no longer needs)."""


class Capture:
    """The first ``limit`` bytes of a stream, and a count of the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += data[:room]

    @property
    def cut(self) -> int:
        return self.total - len(self.kept)

    def text(self) -> str:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # A character split by the cut is dropped rather than shown as garbage.
        return decoder.decode(bytes(self.kept), final=not self.cut)


@dataclass
class Outcome:
    """What the supervisor saw while the child ran."""

    result: dict[str, Any] | None = None
    status: int | None = None
    lost: bool = False
    killed: str | None = None
    """Why we killed it: "timeout", "memory", "tasks", "disk", "cancelled", "start", "protocol"."""
    protocol_error: str = ""
    """What was wrong with a message the process sent (when killed is "protocol")."""
    started: float | None = None
    ended: float = 0.0
    images: list[Image] = field(default_factory=list)
    trace: Capture = field(default_factory=lambda: Capture(TRACE_LIMIT))


@dataclass
class Phase:
    """One started process of a job, not yet supervised."""

    job: Job
    job_id: str
    role: Role
    sandbox: Sandbox
    launched: Launched
    read_ends: list[int]
    go: int = -1
    """Our end of the pipe a waiting judge reads its secret from (-1: none)."""
    folder: Path | None = None
    """The learner's folder, whose size is watched (None for the judge)."""


def finish(
    phase: Phase,
    on_event: EventHandler | None,
    cancel: threading.Event | None,
    *,
    secret: dict[str, Any] | None = None,
) -> tuple[Outcome, tuple[Capture, Capture], bool]:
    """Hand a waiting process its secret (if any), supervise it to the end, clean up."""
    if phase.go >= 0:
        try:
            if secret is not None:
                data = memoryview(json.dumps(secret).encode())
                while data:
                    data = data[os.write(phase.go, data) :]
        except OSError:
            pass  # it died early; supervising it says how
        finally:
            os.close(phase.go)
            phase.go = -1
        mark("runner: secret sent")
    outcome = Outcome()
    captures = (Capture(OUTPUT_LIMIT), Capture(OUTPUT_LIMIT))
    pid: int | None = None
    sandbox, job_id, launched = phase.sandbox, phase.job_id, phase.launched
    try:
        pid = supervise(
            phase.job, job_id, phase.role, launched, phase.read_ends, captures, outcome,
            sandbox, on_event, cancel, folder=phase.folder,
        )  # fmt: skip
    finally:
        for r in phase.read_ends:
            with contextlib.suppress(OSError):
                os.close(r)
        if pid is None:
            pid = launched.pid
        if pid is not None:
            sandbox.kill_all(job_id, pid)
        launched.close()
        breach = sandbox.breached(job_id)
        if breach and outcome.killed is None:
            outcome.killed = breach
        sandbox.release(job_id)
    return outcome, captures, launched.warm


def abandon(phase: Phase) -> None:
    """Stop a waiting process that is no longer needed (the learner's code failed)."""
    with contextlib.suppress(OSError):
        os.close(phase.go)
    phase.go = -1
    finish(phase, None, CANCELLED)


def supervise(
    job: Job,
    job_id: str,
    role: Role,
    launched: Launched,
    read_ends: list[int],
    captures: tuple[Capture, Capture],
    outcome: Outcome,
    sandbox: Sandbox,
    on_event: EventHandler | None,
    cancel: threading.Event | None,
    *,
    folder: Path | None = None,
) -> int | None:
    """Watch one process until it ends or is stopped, filling ``outcome`` and ``captures``.

    Returns the process's pid once it was known (``finish`` kills its group with it).
    """
    out_r, err_r, ev_r, tr_r = read_ends
    next_disk = time.monotonic() + DISK_POLL
    next_breach = 0.0
    sel = selectors.DefaultSelector()
    for fd in read_ends:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    open_fds = set(read_ends)
    events = bytearray()
    pid: int | None = None
    launched_at = time.monotonic()
    term_at: float | None = None
    exited_at: float | None = None

    decode = protocol.decode_judge_event if role == "judge" else protocol.decode_learner_event

    def handle_event(line: bytes) -> None:
        """One line from the process, validated; a bad one stops the job."""
        try:
            event = decode(line)
        except protocol.ProtocolError as exc:
            outcome.protocol_error = exc.reason
            stop("protocol")
            return
        if isinstance(event, protocol.Started):
            # Only the start time: which process to watch and kill comes from the
            # worker (or the spawn), never from a pid the job itself reports.
            if outcome.started is None:
                outcome.started = time.monotonic()
                mark(f"runner: {role} started seen")
        elif isinstance(event, protocol.LearnerDone | protocol.Verdict):
            if outcome.result is None:
                mark(f"runner: {role} result seen")
                outcome.result = msgspec.structs.asdict(event)
                outcome.result["checks"] = [
                    msgspec.structs.asdict(c) for c in getattr(event, "checks", [])
                ]
        elif isinstance(event, protocol.ImageEvent):
            if len(outcome.images) < MAX_IMAGES:
                outcome.images.append(
                    Image(width=event.width, height=event.height, rgb=event.rgb,
                          title=event.title)
                )  # fmt: skip
                if on_event:
                    on_event({"type": "image", "index": len(outcome.images) - 1})
        elif on_event is not None:
            on_event({"type": "progress", **msgspec.structs.asdict(event)})

    def stop(reason: str) -> None:
        nonlocal term_at
        if outcome.killed is None:
            outcome.killed = reason
        if term_at is None and pid is not None:
            kill_group(pid, signal.SIGTERM)  # faulthandler dumps the stack on SIGTERM
            term_at = time.monotonic()

    while True:
        if open_fds:
            ready = sel.select(POLL)
        else:
            ready = []
            time.sleep(0.002)  # only the exit status is awaited now
        for key, _ in ready:
            fd = key.fd
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(fd)
                open_fds.discard(fd)
                continue
            if fd == out_r:
                captures[0].feed(data)
            elif fd == err_r:
                captures[1].feed(data)
            elif fd == tr_r:
                outcome.trace.feed(data)
            elif outcome.killed != "protocol":
                events += data
                while b"\n" in events and outcome.killed != "protocol":
                    line, _, rest = events.partition(b"\n")
                    events = bytearray(rest)
                    handle_event(bytes(line))
                if len(events) > protocol.MAX_EVENT_BYTES:
                    handle_event(bytes(events))  # refused as too long, whatever it holds
                    events.clear()
        now = time.monotonic()

        if outcome.status is None and not outcome.lost:
            outcome.status = launched.status()
            if outcome.status is None and launched.lost():
                outcome.lost = True
            if outcome.status is not None or outcome.lost:
                exited_at = now
        if outcome.result is not None:
            # The process wrote its output before its last event, so what is left is
            # already in the pipes: read it and go on. Waiting for the exit would wait
            # for a large process to tear its memory down (the kill does that).
            drain(captures, outcome, out_r, err_r, tr_r, open_fds)
            if role != "judge":
                # Whatever it reported, the learner must hear if its code killed the
                # worker that forked it. The judge runs none of that code: no need to ask.
                outcome.lost = outcome.lost or not launched.parent_alive()
            break
        done = outcome.status is not None or outcome.lost
        # Output may still be in flight from processes the job left behind.
        settled = not open_fds or (exited_at is not None and now - exited_at > 0.3)
        if done and (ev_r not in open_fds or outcome.result is not None) and settled:
            break
        if done and exited_at is not None and now - exited_at > 0.3 and pid is not None:
            sandbox.kill_all(job_id, pid)
            if now - exited_at > 1.0:
                break

        if pid is None:
            pid = launched.pid
        if term_at is not None and now - term_at > TERM_GRACE and pid is not None:
            sandbox.kill_all(job_id, pid)
        if outcome.killed is None:
            if cancel is not None and cancel.is_set():
                stop("cancelled")
            elif outcome.started is None:
                if now - launched_at > START_TIMEOUT:
                    outcome.killed = "start"
                    break
            elif now - outcome.started > job.limits.seconds:
                stop("timeout")
            elif folder is not None and now >= next_disk:
                next_disk = now + DISK_POLL
                if folder_too_big(folder):
                    stop("disk")
            elif pid is not None and now >= next_breach:
                # Rate-limited (cgroup statistics take a while to read); the kernel's own
                # limit, a little higher, stops a sudden allocation meanwhile.
                next_breach = now + BREACH_POLL
                breach = sandbox.breach(job_id, pid)
                if breach:
                    stop(breach)
        if outcome.killed and outcome.started is None and pid is None:
            break  # cancelled before the job even started
    outcome.ended = time.monotonic()
    sel.close()
    # A zygote that died during the job is replaced by Runner._zygote_died already.
    return pid


def drain(
    captures: tuple[Capture, Capture],
    outcome: Outcome,
    out_r: int,
    err_r: int,
    tr_r: int,
    open_fds: set[int],
) -> None:
    """Read what is already in the output pipes, without waiting for more."""
    sinks = {out_r: captures[0], err_r: captures[1], tr_r: outcome.trace}
    for fd in list(open_fds):
        sink = sinks.get(fd)
        if sink is None:
            continue
        for _ in range(64):  # 64 × 64 KiB at most: more is a flood, cut anyway
            try:
                data = os.read(fd, 65536)
            except (BlockingIOError, OSError):
                break
            if not data:
                break
            sink.feed(data)


def folder_too_big(folder: Path) -> bool:
    """Whether ``folder`` holds more than DISK_LIMIT bytes (allocated) or DISK_FILES entries."""
    used, entries = 0, 0
    stack = [str(folder)]
    while stack:
        try:
            with os.scandir(stack.pop()) as found:
                for entry in found:
                    entries += 1
                    if entries > DISK_FILES:
                        return True
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    used += info.st_blocks * 512
                    if used > DISK_LIMIT:
                        return True
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue
    return False
