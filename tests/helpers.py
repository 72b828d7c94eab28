"""Small helpers several test modules share."""

from __future__ import annotations


def alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (exited, not yet reaped) counts as gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in (b"Z", b"X")


REPORT_PID = (
    "def _report_pid():\n"
    "    # /proc belongs to the outer pid namespace: its numbers are the ones a test sees.\n"
    "    stat = open('/proc/self/stat').read()\n"
    "    pid, rest = stat.split(' ', 1)\n"
    "    session = rest.rsplit(')', 1)[1].split()[3]\n"
    "    print('QUIZ-PID', pid, session, flush=True)\n"
    "_report_pid()\n"
    "del _report_pid\n"
)
"""Setup code that prints the learner's process id and session as seen from outside its box."""


def reported_pid(stdout: str, tag: str = "QUIZ-PID") -> tuple[int, int]:
    """(pid, session) from a line that ``REPORT_PID`` (or a grandchild) printed."""
    for line in stdout.splitlines():
        if line.startswith(tag + " "):
            fields = line.split()
            return int(fields[1]), int(fields[2])
    raise AssertionError(f"no {tag} line in the output: {stdout[:200]!r}")
