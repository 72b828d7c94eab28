"""Every learner-facing text, in every language: one TOML file per language.

``quiz_tui/locales/<code>.toml`` holds, for one language, the messages of the app,
the command line, the runner and the checkers (tables keyed ``section.key``) and the
misconception catalogue (``[mistake.<id>]``). English (``en``) is the base: it has
every key, and any other file may lack some, which then fall back to English. Adding
a language is adding one file; ``languages()`` finds it, the app's language key
cycles to it, ``--lang`` and ``config.toml`` accept it.

Callers look a text up by meaning::

    say(lang, "workspace.saved", path=path)

Hand-written rather than gettext/Babel: the texts are keyed by meaning, not by
their English wording (two English phrases may translate differently), the
catalogue entries also carry error patterns, and the whole thing is a few dicts of
``tomllib`` tables read once per process; no compile step, no ``.mo`` files, no
dependency in the worker. Read with ``tomllib`` only, so the core, the UI and the
worker can all use it without importing Textual or torch.
"""

from __future__ import annotations

import functools
import string
import tomllib

# The worker says some texts in the learner's process after the learner's code ran,
# and that code may have replaced builtins (``builtins.isinstance = lambda *a: True``,
# a fault test): the ones a lookup uses are bound here, at import, so the learner
# still reads what happened instead of the process dying on a garbled lookup.
from builtins import dict, isinstance, str  # noqa: UP029
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).resolve().parent.parent / "locales"
"""The folder holding one ``<code>.toml`` per language."""
BASE = "en"
"""The language every key exists in, and the one others fall back to."""


class _Fields(dict[str, Any]):
    """Format fields where one the caller did not give stays visible as ``{name}``.

    A translation that names a placeholder the code does not pass then shows
    ``{name}`` instead of crashing the app; tests check placeholders agree.
    """

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@functools.cache
def table(lang: str) -> Mapping[str, Any]:
    """The parsed file of ``lang``; empty for a language without a (readable) file.

    The base file is part of the program: if it is missing or not valid TOML that is
    a broken installation, and raises. Any other file is a translator's: one that
    cannot be read is reported by ``problems()`` and falls back to English.
    """
    path = LOCALES / f"{lang}.toml"
    if lang == BASE:
        with path.open("rb") as f:
            return tomllib.load(f)
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError, ValueError):
        return {}


def problems() -> list[str]:
    """What is wrong with the language files other than English (for ``doctor``)."""
    found = []
    for path in sorted(LOCALES.glob("*.toml")):
        if path.stem == BASE:
            continue
        try:
            with path.open("rb") as f:
                tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError, ValueError) as e:
            found.append(f"{path}: {e}; its texts fall back to English")
    return found


@functools.cache
def languages() -> tuple[str, ...]:
    """Every language with a file, the base language first."""
    found = sorted(p.stem for p in LOCALES.glob("*.toml") if p.stem != BASE)
    return (BASE, *found)


def language_name(lang: str) -> str:
    """What the language calls itself (``中文``), or its code."""
    name = table(lang).get("language", {}).get("name")
    return name if isinstance(name, str) and name else lang


def known(lang: str) -> bool:
    return lang in languages()


def next_language(lang: str) -> str:
    """The language after ``lang`` in ``languages()``, wrapping round."""
    langs = languages()
    return langs[(langs.index(lang) + 1) % len(langs)] if lang in langs else BASE


def _lookup(lang: str, key: str) -> Any:
    section, _, name = key.partition(".")
    found = table(lang).get(section)
    if isinstance(found, dict):
        return found.get(name)
    return None


def template(lang: str, key: str) -> str:
    """The raw template for ``key`` (``section.name``) in ``lang``, else in English.

    A key English lacks is a bug in the caller, and raises ``KeyError``.
    """
    text = _lookup(lang, key) if lang != BASE else None
    if not isinstance(text, str):
        text = _lookup(BASE, key)
    if not isinstance(text, str):
        raise KeyError(f"no message {key!r} in {LOCALES / (BASE + '.toml')}")
    return text


def say(lang: str, key: str, /, **fields: Any) -> str:
    """The text for ``key`` in ``lang``, its ``{placeholders}`` filled from ``fields``."""
    return fill(template(lang, key), fields)


def fill(text: str, fields: Mapping[str, Any]) -> str:
    """``text`` with its ``{placeholders}`` filled; one not given stays ``{name}``."""
    return text.format_map(_Fields(fields)) if fields else text


def fields_of(text: str) -> set[str]:
    """The ``{placeholders}`` a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def keys(lang: str = BASE) -> dict[str, str]:
    """Every message of ``lang`` as ``{"section.key": template}`` (not the mistakes)."""
    out: dict[str, str] = {}
    for section, entries in table(lang).items():
        if section in ("mistake", "language") or not isinstance(entries, dict):
            continue
        for name, text in entries.items():
            if isinstance(text, str):
                out[f"{section}.{name}"] = text
    return out


def mistakes(lang: str = BASE) -> Mapping[str, Mapping[str, Any]]:
    """The misconception catalogue's entries in ``lang`` (``{id: {"text": ..., ...}}``)."""
    found = table(lang).get("mistake", {})
    return found if isinstance(found, dict) else {}
