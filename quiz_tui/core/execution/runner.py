"""Runs a learner's code in the worker and turns what happened into a Result.

The app's process never imports torch. It keeps one warm *zygote* (see
``checkers._worker``) and asks it to fork a fresh child per check; while the
child runs, the runner drains its output pipes, enforces the wall-time limit,
watches memory and task counts through a sandbox, and afterwards makes sure
nothing the learner started is still running.

If the zygote cannot start, checks fall back to a cold interpreter per run.

:class:`Runner` is the entry point, and orders a check's two processes (the
learner's, then the judge's). The parts it uses live beside it, the way httpx keeps
its transports apart from its client: the :class:`~.job.Job` (:mod:`.job`), the
processes (:mod:`.worker`), watching one of them run (:mod:`.supervise`) and
wording what happened (:mod:`.results`), tidying after a check (:mod:`.tidy`).

It is a little over 500 lines because :class:`Runner` owns every piece of state a
check shares with the next (the warm worker, the reserved cgroups, the prepared data)
and the order of a check's two processes; splitting it would spread that state.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from quiz_tui.core.errors import RunnerError
from quiz_tui.core.execution.codetext import clean_code
from quiz_tui.core.execution.job import EventHandler, Job, Mode, Role, is_untouched
from quiz_tui.core.execution.results import (
    LEARNER_STATUSES,
    explained,
    forged,
    judged,
    result_of,
)
from quiz_tui.core.execution.sandbox import (
    JobLimits,
    Sandbox,
    WatchSandbox,
    choose_sandbox,
    kill_group,
)
from quiz_tui.core.execution.supervise import (
    CANCELLED,
    START_TIMEOUT,
    Capture,
    Outcome,
    Phase,
    abandon,
    finish,
)
from quiz_tui.core.execution.tidy import Tidy
from quiz_tui.core.execution.timing import mark, open_marks
from quiz_tui.core.execution.worker import Launched, Spawned, Zygote, worker_env
from quiz_tui.core.messages import say
from quiz_tui.core.model import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TASKS,
    Result,
    Status,
    code_hash,
)
from quiz_tui.core.state import paths
from quiz_tui.core.state.data import DataSource, practice_source

__all__ = ["Device", "EventHandler", "Job", "Mode", "Runner", "is_untouched"]
"""What callers import from here; the job's vocabulary lives in :mod:`.job`."""

PING_TIMEOUT = 2.0
"""How long the warm worker may take to answer before it counts as stuck."""

Device = Literal["auto", "cpu", "cuda"]
JUDGE_SECONDS = 30.0
"""The least time the judge gets (replaying the setup, evaluating a trained net)."""
PREPARE_SECONDS = 600.0
"""Limit for building the practice data and training the reference network once."""


_RESERVED_LIMITS = JobLimits(memory_bytes=DEFAULT_MEMORY_MB << 20, tasks=DEFAULT_TASKS)
"""Limits of cgroups made ahead of a check (:meth:`Runner._reserve`); the check sets its own."""


class Runner:
    """Runs jobs in the worker; safe to share between threads.

    ``warm=False`` runs every job in a fresh interpreter (the cold path).
    """

    def __init__(
        self,
        *,
        device: Device = "auto",
        warm: bool = True,
        sandbox: str = "auto",
        python: str | None = None,
        data: DataSource | None = None,
        log_path: Path | None = None,
        threads: int | None = None,
        box: bool = True,
        prefork: bool = True,
    ) -> None:
        self.device = device
        self.prefork = prefork
        """Let the worker fork each check's judge ahead of time, warm up the processes it
        parks, and move a parked box into its cgroups while it replays the setup; False
        only to measure what that saves (``bench/check_latency.py``)."""
        self.box = box
        """Run learner code in namespaces and a Landlock box (``quiz-tui doctor`` says
        which protections this kernel gives); False only for tests of the fallbacks."""
        self.warm = warm
        self.data = data or practice_source()
        self._prepared: set[str] = set()
        self._prepare_lock = threading.Lock()
        self._python = python or sys.executable
        self._log_path = log_path
        # Exercise tensors are tiny: more threads mostly add OpenMP overhead, and several
        # jobs at once (verify) must not oversubscribe the cores, where OpenMP's spinning
        # threads slow everything down many times over.
        self._threads = threads or max(1, min(2, (os.cpu_count() or 1) // 2))
        self._sandbox = choose_sandbox(os.getpid(), sandbox)
        self._zygote: Zygote | None = None
        self._zygote_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._probe: dict[str, Any] | None = None
        self._env = worker_env(os.environ)
        self._env.setdefault("PYTHONUNBUFFERED", "1")
        self._env["PYTHONDONTWRITEBYTECODE"] = "1"
        self._env.pop("PYTHONSTARTUP", None)
        self.worker_exit_listeners: list[Callable[[], None]] = []
        """Called (from a background thread) when the warm worker dies unexpectedly."""
        self._closed = False
        self._reserved: str | None = None
        """A job id whose learner cgroups exist already, for the next check to take."""
        self._reserve_lock = threading.Lock()
        self._tidy = Tidy()
        open_marks()

    @property
    def sandbox_name(self) -> str:
        return self._sandbox.name

    # -- the warm worker -------------------------------------------------

    def start(self) -> None:
        """Start the warm worker in the background; returns at once."""
        if self.warm:
            self._ensure_zygote()

    def _ensure_zygote(self) -> Zygote:
        with self._zygote_lock:
            if self._zygote is None or self._zygote.dead:
                if self._zygote is not None:
                    self._zygote.close()
                zygote = Zygote(self._python, self._log_path, self._env, self._zygote_died)
                zygote.start()
                self._zygote = zygote
            return self._zygote

    def _zygote_died(self, zygote: Zygote) -> None:
        """The warm worker exited on its own: start another, and tell whoever listens."""
        if self._closed or zygote is not self._zygote:
            return
        for listener in list(self.worker_exit_listeners):
            listener()
        threading.Thread(target=self._ensure_zygote, name="quiz-tui-restart", daemon=True).start()

    def _replace_stuck(self, zygote: Zygote) -> None:
        """Kill a warm worker that no longer answers, so that the next one takes over."""
        with self._zygote_lock:
            if self._zygote is zygote:
                self._zygote = None
        zygote.closing = True
        if zygote.proc is not None:
            kill_group(zygote.proc.pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(zygote.proc.pid, signal.SIGKILL)
        zygote.close()
        for listener in list(self.worker_exit_listeners):
            listener()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Block until the warm worker can take jobs (True), or it failed (False)."""
        if not self.warm:
            return False
        return self._ensure_zygote().wait_ready(timeout)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until the tidying after the last check is done (its folder removed, the
        next check's cgroups made); False on timeout. For benchmarks and tests."""
        return self._tidy.wait(timeout)

    @property
    def worker_pid(self) -> int | None:
        z = self._zygote
        return z.proc.pid if z and z.proc and not z.dead else None

    def close(self) -> None:
        self._closed = True
        self._tidy.close()
        with self._zygote_lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None
        self._sandbox.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running ---------------------------------------------------------

    def probe(self) -> dict[str, Any]:
        """Versions and devices, as the worker sees them (cached)."""
        if self._probe is None:
            result = self.run(Job(task="probe", code="", mode="probe"))
            if result.status is not Status.RAN:
                raise RunnerError(f"the worker could not start: {result.message}")
            self._probe = dict(result.details)
        return self._probe

    def run(
        self,
        job: Job,
        *,
        on_event: EventHandler | None = None,
        cancel: threading.Event | None = None,
    ) -> Result:
        """Run ``job`` and judge it. Never raises for anything the learner's code does.

        The code is cleaned first (:func:`~quiz_tui.core.execution.codetext.clean_code`: a
        byte-order mark, CRLF line endings, mixed tabs), once, so that both of the
        job's processes and every message read the same text, line for line.
        """
        mark("runner: run called")
        job = replace(job, code=clean_code(job.code))
        if job.mode == "check" and job.starter is not None and is_untouched(job.code, job.starter):
            return Result(
                task=job.task,
                status=Status.NOT_ATTEMPTED,
                message=say(job.lang, "runner.untouched-starter"),
                device="",
            )
        if job.uses_data and job.mode in ("check", "run"):
            failed = self._prepare(job, on_event, cancel)
            if failed is not None:
                return failed
        return explained(self._run_once(job, on_event, cancel), job).cleaned()

    def _run_once(
        self, job: Job, on_event: EventHandler | None, cancel: threading.Event | None
    ) -> Result:
        checking = job.mode == "check"  # a learner's process and a judge, as reserved
        job_id = (self._take_reserved() if checking else None) or f"job-{next(self._ids)}"
        workdir = Path(tempfile.mkdtemp(prefix="quiz-tui-"))
        mark("runner: folder made")
        try:
            return self._run_in(job, job_id, workdir, on_event, cancel)
        finally:
            # Neither is the verdict's business: done after it is back.
            self._tidy.later(lambda: shutil.rmtree(workdir, ignore_errors=True))
            if checking:
                self._tidy.later(self._reserve)

    def _take_reserved(self) -> str | None:
        with self._reserve_lock:
            job_id, self._reserved = self._reserved, None
            return job_id

    def _reserve(self) -> None:
        """Make the next check's cgroups now (its learner's and its judge's), and have the
        worker's parked box and judge join them while it is idle: moving a process between
        cgroups waits on the kernel (7-12 ms here, and it holds up every fork meanwhile),
        which would otherwise be on the check's critical path."""
        zygote = self._zygote
        if not (self.warm and self.prefork and self.box) or zygote is None or self._closed:
            return
        if isinstance(self._sandbox, WatchSandbox):
            return  # no cgroups to join
        with self._reserve_lock:
            if self._reserved is not None:
                return
            job_id = f"job-{next(self._ids)}"
            ids = (job_id, f"{job_id}-judge")  # as _run_in names the judge's
            try:
                learner, judge = (self._sandbox.prepare(i, _RESERVED_LIMITS) for i in ids)
            except OSError:
                for i in ids:
                    self._sandbox.release(i)
                return
            if zygote.reserve(learner, judge):
                self._reserved = job_id
            else:
                for i in ids:
                    self._sandbox.release(i)

    def _prepare(
        self, job: Job, on_event: EventHandler | None, cancel: threading.Event | None
    ) -> Result | None:
        """Run the task's setup alone, once, with a long limit (first-time data and training).

        Returns a result to show instead of the check when that fails.
        """
        key = code_hash("\n".join(p.code for p in job.setup) + str(self.data))
        with self._prepare_lock:
            if key in self._prepared:
                return None
            if on_event is not None:
                on_event(
                    {
                        "type": "progress",
                        "fraction": 0.0,
                        "text": say(job.lang, "runner.preparing-data"),
                    }
                )
            prepare = replace(
                job,
                mode="prepare",
                code="",
                check="",
                instrument="",
                starter=None,
                limits=replace(job.limits, seconds=PREPARE_SECONDS),
            )
            result = self._run_once(prepare, on_event, cancel)
            if result.status is Status.RAN:
                self._prepared.add(key)
                return None
        if result.status is Status.CANCELLED:
            return result
        return replace(
            result,
            status=Status.CHECKER_ERROR,
            message=say(job.lang, "runner.prepare-failed", message=result.message),
        )

    def _payload(
        self, job: Job, job_id: str, workdir: Path, cgroups: list[str], role: Role
    ) -> dict[str, Any]:
        """What one process of the job receives.

        The learner's process gets the setup, the hidden instrument and probe, and
        the learner's code; never the check or the solution. The judge gets the
        check, the solution and the learner's code as text, which it never runs.
        """
        learner_cwd = workdir / "work"
        learner_cwd.mkdir(exist_ok=True)
        trusted = role == "judge"
        # The judge replays the setup beside the learner's process: in a folder of its
        # own, so that files the setup writes (task 60 saves a net) do not collide.
        cwd = workdir / "judge" if trusted else learner_cwd
        cwd.mkdir(exist_ok=True)
        return {
            "id": job_id,
            "role": role,
            "task": job.task,
            "mode": job.mode,
            "code": job.code,
            "check": job.check if trusted else "",
            "solution": job.solution if trusted else "",
            "probe": "" if trusted else job.probe,
            "setup": [[p.name, p.code] for p in job.setup],
            "instrument": "" if trusted else job.instrument,
            "names": list(job.names),
            "explain": [e.pattern for e in job.explain],
            "format": job.format,
            "hooks": "" if trusted else job.hooks,
            "code_file": job.code_file,
            "seed": job.seed,
            "lang": job.lang,
            "device": self.device,
            "threads": self._threads,
            "cwd": str(cwd),
            "learner_cwd": str(learner_cwd),
            "cgroups": cgroups,
            "tasks": job.limits.tasks,
            "data": self.data.for_job(),
            "lib": job.lib,
            "box": self._box(job) if role == "learner" and self.box else None,
            "prefork": self.prefork,
        }

    def _box(self, job: Job) -> dict[str, list[str]]:
        """What the learner's box may read (the data, the pack's helpers) and must not reach."""
        data = self.data.for_job()
        return {
            "read": [data["root"], data["cache"], *([job.lib] if job.lib else [])],
            "protect": [str(paths.data_dir()), str(paths.config_dir())],
        }

    def _launch(
        self, job_path: Path, job_id: str, fds: list[int], *, ping: bool = True
    ) -> Launched:
        if self.warm:
            for _ in range(2):  # a worker that died since the last job gets replaced once
                zygote = self._ensure_zygote()
                if zygote.wait_ready(START_TIMEOUT):
                    if ping and not zygote.ping(PING_TIMEOUT):
                        # Stopped (SIGSTOP) or stuck: it would never fork this job. Replace
                        # it now rather than let the check wait out its whole limit.
                        self._replace_stuck(zygote)
                        continue
                    if ping:
                        mark("runner: worker answered a ping")
                    with contextlib.suppress(RunnerError):
                        return zygote.launch(job_id, job_path, fds)
                elif not zygote.dead:
                    break  # alive but never ready: a second wait would be on the same worker
        return Spawned(self._python, job_path, fds, self._env)

    def _run_in(
        self,
        job: Job,
        job_id: str,
        workdir: Path,
        on_event: EventHandler | None,
        cancel: threading.Event | None,
    ) -> Result:
        """Run the learner's process, then (for a check) the judge's, and make the result.

        The verdict comes from the judge alone. What the learner's process reports
        can only say that its code did *not* get as far as a verdict (an error, a
        failure its watcher saw, names not defined yet); a "pass" from it is a
        forgery and is reported as such.
        """
        role: Role = "judge" if job.mode in ("prepare", "probe") else "learner"
        if role == "judge" or job.mode != "check":
            outcome, captures, warm = self._phase(job, job_id, workdir, role, on_event, cancel)
            return result_of(job, outcome, captures, warm, self.device)
        # The judge starts beside the learner's process and replays the trusted setup
        # meanwhile; it learns the check only once that process is gone.
        learner = self._begin(job, job_id, workdir, role)
        try:
            judge = self._begin(job, f"{job_id}-judge", workdir, "judge", waits=True)
        except BaseException:
            finish(learner, None, CANCELLED)
            raise
        try:
            outcome, captures, warm = finish(learner, on_event, cancel)
        except BaseException:
            abandon(judge)
            raise
        raw = outcome.result
        if raw is not None and raw.get("status") not in LEARNER_STATUSES:
            outcome.result = forged(job, raw)
        if (
            outcome.killed is not None
            or outcome.lost
            or outcome.result is None
            or outcome.result.get("status") != "ok"
        ):
            abandon(judge)
            return result_of(job, outcome, captures, warm, self.device)
        secret = {"check": job.check, "solution": job.solution, "code": job.code}
        verdict, _, _ = finish(judge, on_event, cancel, secret=secret)
        return judged(job, outcome, verdict, captures, warm, self.device)

    def _phase(
        self,
        job: Job,
        job_id: str,
        workdir: Path,
        role: Role,
        on_event: EventHandler | None,
        cancel: threading.Event | None,
    ) -> tuple[Outcome, tuple[Capture, Capture], bool]:
        """Run one process of the job (the learner's or the judge's) and supervise it."""
        return finish(self._begin(job, job_id, workdir, role), on_event, cancel)

    def _begin(
        self, job: Job, job_id: str, workdir: Path, role: Role, *, waits: bool = False
    ) -> Phase:
        """Start one process of the job. With ``waits``, it gets a pipe and waits there
        for the secret part of its job (the judge: the check, the solution, the code)."""
        if role == "judge" and job.mode == "check":
            job = replace(
                job, limits=replace(job.limits, seconds=max(JUDGE_SECONDS, job.limits.seconds))
            )
        limits = JobLimits(
            memory_bytes=(job.limits.memory_mb or DEFAULT_MEMORY_MB) << 20, tasks=job.limits.tasks
        )
        sandbox: Sandbox = self._sandbox
        try:
            cgroups = sandbox.prepare(job_id, limits)
        except OSError:
            sandbox = WatchSandbox()
            cgroups = sandbox.prepare(job_id, limits)
        if isinstance(sandbox, WatchSandbox) and self._zygote is not None:
            sandbox.set_baseline(self._zygote.anonymous_bytes)
        mark(f"runner: {role} cgroups made")
        payload = self._payload(job, job_id, workdir, cgroups, role)
        if waits:
            # Nothing secret is on disk while the learner's process runs: the judge
            # gets it through its pipe once that process is gone.
            for key in ("check", "solution", "code"):
                payload[key] = ""
        job_path = workdir / f"{role}.json"
        job_path.write_text(json.dumps(payload), "utf-8")
        mark(f"runner: {role} job written")

        pipes = [os.pipe() for _ in range(4)]
        read_ends = [r for r, _ in pipes]
        give = [w for _, w in pipes]
        go_read, go_write = os.pipe() if waits else (-1, -1)
        if waits:
            give.append(go_read)
        try:
            # One ping a check is enough to find a stuck worker: the judge starts right
            # after the learner's process, while the worker may still be handing it over.
            launched = self._launch(job_path, job_id, give, ping=role != "judge")
        except BaseException:
            for fd in (*read_ends, go_write):
                with contextlib.suppress(OSError):
                    os.close(fd)
            sandbox.release(job_id)
            raise
        finally:
            for w in give:
                os.close(w)
        mark(f"runner: {role} sent to the worker")
        folder = workdir / "work" if role == "learner" else None
        return Phase(job, job_id, role, sandbox, launched, read_ends, go_write, folder)
