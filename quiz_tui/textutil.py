"""Making untrusted text (learner output) safe to show in a terminal."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Show control characters (ESC, BEL, CR, ...) as escapes instead of obeying them.

    Learner output must never clear the screen, set the clipboard (OSC 52) or
    move the cursor; newlines and tabs are kept. Bidi overrides (which make text
    read differently from what it is) are shown as ``\\u202e`` and the like.
    Results the runner builds are already cleaned (``Result.cleaned``); this also
    covers text that never went through it (progress lines, stored results).
    """
    return _CONTROL.sub(_escape, text)


def one_line(text: str) -> str:
    """``visible`` for a field shown on one line: newlines and tabs become spaces."""
    return visible(text).replace("\n", " ").replace("\t", " ")


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"
