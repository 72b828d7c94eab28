"""The misconception catalogue: one teacher's message per known mistake, in every language.

Each entry has a stable id (``softmax-before-cross-entropy``) and a message template
per language, in the ``[mistake.<id>]`` tables of the language files
(``quiz_tui/locales/<lang>.toml``, read by ``quiz_tui.core.messages``): adding a
language is adding one file, which holds these and every other learner-facing
text. The English file is the index: an entry there may also name the raw Python
or torch error it explains (``error``, a regular expression matched
against ``"TypeName: message"``, whose named groups fill the template).

A check names a mistake with ``fail(mistake("id", name="x"))``; the verdict then
carries the id (``Result.mistake``), so golden tests and graders match the
diagnosis, not its wording in one language.

Why hand-written rather than gettext: see ``quiz_tui.core.messages``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checkers import _core
from quiz_tui.core import messages
from quiz_tui.core.messages import fields_of

__all__ = ["Mistake", "entries", "explain_error", "fields_of", "languages", "mistake"]

BASE_LANG = messages.BASE


@dataclass(frozen=True)
class Mistake:
    """A catalogue entry, rendered in the learner's language."""

    id: str
    text: str

    def __str__(self) -> str:
        return self.text


def entries(lang: str = BASE_LANG) -> Mapping[str, Mapping[str, Any]]:
    """The catalogue's entries for ``lang`` (empty when there is no such file)."""
    return messages.mistakes(lang)


def languages() -> list[str]:
    """Every language with a file, the base language first."""
    return list(messages.languages())


def mistake(mistake_id: str, **fields: Any) -> Mistake:
    """The catalogue's message for ``mistake_id`` in the learner's language.

    Falls back to English where a language lacks the entry. An unknown id is a
    bug in the exercise, and raises ``KeyError``.
    """
    base = entries(BASE_LANG)
    if mistake_id not in base:
        raise KeyError(f"no mistake {mistake_id!r} in the catalogue ({messages.LOCALES}/en.toml)")
    entry = entries(_core.lang()).get(mistake_id) or base[mistake_id]
    return Mistake(mistake_id, messages.fill(str(entry["text"]).strip(), fields))


@functools.cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (key, re.compile(str(entry["error"]), re.DOTALL))
        for key, entry in entries(BASE_LANG).items()
        if "error" in entry
    ]


def explain_error(type_name: str, message: str, **context: Any) -> Mistake | None:
    """The catalogue entry that explains the error ``type_name: message``, if one does.

    The pattern's named groups, then ``context``, fill the message template. Entries
    are tried in file order, so a specific pattern must come before a general one.
    """
    text = f"{type_name}: {message}"
    for key, pattern in _patterns():
        found = pattern.search(text)
        if found is not None:
            groups = {k: v for k, v in found.groupdict().items() if v is not None}
            return mistake(key, **{**context, **groups})
    return None
