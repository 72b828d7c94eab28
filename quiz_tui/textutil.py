"""Making untrusted text (learner output) safe to show in a terminal."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def visible(text: str) -> str:
    """Show control characters (ESC, BEL, CR, ...) as escapes instead of obeying them.

    Learner output must never clear the screen, set the clipboard (OSC 52) or
    move the cursor; newlines and tabs are kept.
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def pick(lang: str, en: str, zh: str) -> str:
    """The English or the Chinese text, for the learner's language."""
    return zh if lang == "zh" else en
