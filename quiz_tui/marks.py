"""The symbol and colour of each verdict, shared by the app and the CLI.

Every verdict has a symbol, so colour is never the only signal. Keyed by the
value of :class:`quiz_tui.core.model.Status`, so that importing this costs the
first frame nothing; the colours are names that both Rich and click know.
"""

from __future__ import annotations

VERDICT_MARKS: dict[str, tuple[str, str]] = {
    "pass": ("✓", "green"),
    "fail": ("✗", "red"),
    "error": ("!", "red"),
    "timeout": ("⏱", "yellow"),
    "not_attempted": ("○", "blue"),
    "checker_error": ("⚠", "magenta"),
    "ran": ("▶", "cyan"),
    "cancelled": ("■", "yellow"),
}
