"""Keeps a job inside its memory and process limits, and leaves nothing behind.

Three strategies, chosen once per runner (:func:`choose_sandbox`), best first:

* :class:`CgroupV2Sandbox` on a unified (v2) hierarchy where this process's own
  cgroup is delegated to it (``memory`` and ``pids`` available, the folder
  writable, as under ``systemd-run --user -p Delegate=yes`` or in a container
  with its own cgroup namespace). The no-internal-process rule may make this
  process move, alone, into a leaf beside the jobs; it never moves any other.
* :class:`CgroupSandbox` where the v1 ``memory`` and ``pids`` hierarchies are
  writable (as in many containers).
* :class:`WatchSandbox` everywhere else: the runner polls the job's session
  for resident memory and task count, and kills it when either goes over.

With a cgroup the kernel enforces the limits, and the cgroup lists every process
the job started, even ones that left its session or outlived the worker. Without
one, the job's pid namespace (``confine``) or the worker as subreaper stops what
is left (``quiz-tui doctor`` says which of these this machine has).

RLIMIT_AS is deliberately not used: ``import torch`` alone maps ~620 MB of
address space, and CUDA maps far more.
"""

from __future__ import annotations

import os

from quiz_tui.core.execution.cgroups import CgroupFs, CgroupSandbox, CgroupV2Sandbox
from quiz_tui.core.execution.limits import (
    Breach,
    JobLimits,
    Sandbox,
    WatchSandbox,
    anonymous_bytes,
    kill_group,
    kill_until_gone,
)

__all__ = [
    "Breach",
    "CgroupFs",
    "CgroupSandbox",
    "CgroupV2Sandbox",
    "JobLimits",
    "Sandbox",
    "WatchSandbox",
    "anonymous_bytes",
    "choose_sandbox",
    "kill_group",
    "kill_until_gone",
]


def choose_sandbox(owner: int, prefer: str = "auto") -> Sandbox:
    """A delegated v2 cgroup, else writable v1 cgroups, else the watcher.

    ``prefer="watch"`` (or ``QUIZ_TUI_SANDBOX=watch``) takes the watcher.
    """
    if prefer != "watch" and os.environ.get("QUIZ_TUI_SANDBOX", "auto") != "watch":
        found: Sandbox | None = CgroupV2Sandbox.detect(owner)
        if found is None:
            found = CgroupSandbox.detect(owner)
        if found is not None:
            return found
    return WatchSandbox()
