"""The misconception catalogue: one teacher's message per known mistake, in every language.

Each entry has a stable id (``softmax-before-cross-entropy``) and a message template
per language, in ``checkers/catalogue/<lang>.toml``: adding a language is adding one
file with the same ids. The English file is the index: an entry there may also name
the raw Python or torch error it explains (``error``, a regular expression matched
against ``"TypeName: message"``, whose named groups fill the template).

A check names a mistake with ``fail(mistake("id", name="x"))``; the verdict then
carries the id (``Result.mistake``), so golden tests and graders match the
diagnosis, not its wording in one language.

Hand-written rather than gettext: messages are keyed by meaning, not by their
English text, they carry error patterns, and the whole thing is a dict of
``tomllib`` tables read once per process.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkers import _core

CATALOGUE = Path(__file__).with_name("catalogue")
BASE_LANG = "en"


@dataclass(frozen=True)
class Mistake:
    """A catalogue entry, rendered in the learner's language."""

    id: str
    text: str

    def __str__(self) -> str:
        return self.text


@functools.cache
def entries(lang: str = BASE_LANG) -> dict[str, dict[str, Any]]:
    """The catalogue's entries for ``lang`` (empty when there is no such file)."""
    path = CATALOGUE / f"{lang}.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as f:
        return tomllib.load(f)


def languages() -> list[str]:
    """Every language the catalogue has a file for, the base language first."""
    found = sorted(p.stem for p in CATALOGUE.glob("*.toml"))
    return [BASE_LANG, *(lang for lang in found if lang != BASE_LANG)]


def fields_of(template: str) -> set[str]:
    """The ``{placeholders}`` a message template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def mistake(mistake_id: str, **fields: Any) -> Mistake:
    """The catalogue's message for ``mistake_id`` in the learner's language.

    Falls back to English where a language lacks the entry. An unknown id is a
    bug in the exercise, and raises ``KeyError``.
    """
    base = entries(BASE_LANG)
    if mistake_id not in base:
        raise KeyError(f"no mistake {mistake_id!r} in the catalogue ({CATALOGUE})")
    entry = entries(_core.lang()).get(mistake_id) or base[mistake_id]
    return Mistake(mistake_id, str(entry["text"]).strip().format_map(_Fields(fields)))


class _Fields(dict[str, Any]):
    """Format fields where one the caller did not give stays visible as ``{name}``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


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
