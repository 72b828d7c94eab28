"""The symbol, colour and words of each verdict, shared by the app and the CLI.

Every verdict has a symbol, so colour is never the only signal. Keyed by the
value of :class:`quiz_tui.core.model.Status`, so that importing this costs the
first frame nothing; the colours are names that both Rich and click know.
"""

from __future__ import annotations

from quiz_tui.core.messages import say

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


VERDICT_WORDS: dict[str, str] = {
    "pass": "app.verdict-pass",
    "fail": "app.verdict-fail",
    "error": "app.verdict-error",
    "timeout": "app.verdict-timeout",
    "not_attempted": "app.verdict-not-attempted",
    "checker_error": "app.verdict-checker-error",
    "ran": "app.verdict-ran",
    "cancelled": "app.verdict-cancelled",
}
"""Each verdict's words in the message catalogue: the app's banner and the CLI say the same."""


def verdict_words(status: str, lang: str) -> str:
    """The words for the verdict ``status`` (a Status value) in ``lang``."""
    return say(lang, VERDICT_WORDS[status])


def checklist(checks: list[tuple[bool, str]], status: str, message: str) -> list[tuple[bool, str]]:
    """The checks to list, failing ones first (they are what the learner reads next).

    When the verdict is a failure that the message diagnoses but no listed check
    failed (the diagnosis stopped the checks), the list names it too, so the
    checklist never reads all green under a red banner.
    """
    failing = [item for item in checks if not item[0]]
    if not failing and status == "fail" and message.strip():
        failing = [(False, _headline(message))]
    return failing + [item for item in checks if item[0]]


def _headline(message: str, limit: int = 72) -> str:
    """The diagnosis in a few words: its first clause."""
    first = message.strip().splitlines()[0]
    for stop in (": ", ". ", "; "):
        if stop in first:
            first = first.split(stop, 1)[0]
            break
    first = first.rstrip(".")
    return first if len(first) <= limit else first[: limit - 1] + "…"
