"""User settings: language, device, where real CIFAR-10 lives, the theme and who the learner is.

Read from ``config.toml`` in the config folder; environment variables
(``QUIZ_TUI_LANG``, ``QUIZ_TUI_DEVICE``, ``QUIZ_TUI_DATA_DIR``, ``QUIZ_TUI_LEARNER``)
override it, and
command-line options override both. A file that cannot be used is never
silently ignored: each problem names the file and line, and the defaults stand
in for what it got wrong. ``quiz-tui config set`` edits the file with tomlkit,
so the user's comments and layout survive.
"""

from __future__ import annotations

import locale
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from quiz_tui.core import messages
from quiz_tui.core.errors import QuizError
from quiz_tui.core.state import paths

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

    from quiz_tui.core.model import Lang

DEVICES = ("auto", "cpu", "cuda")
KEYS = ("lang", "device", "data_dir", "theme", "learner")
"""Every setting config.toml may hold."""
ENV = {
    "lang": "QUIZ_TUI_LANG",
    "device": "QUIZ_TUI_DEVICE",
    "data_dir": "QUIZ_TUI_DATA_DIR",
    "theme": "QUIZ_TUI_THEME",
    "learner": "QUIZ_TUI_LEARNER",
}


class ConfigError(QuizError):
    """config.toml cannot be edited (it is not valid TOML, or cannot be written)."""


@dataclass(frozen=True)
class Config:
    lang: Lang = "en"
    device: str = "auto"
    data_dir: Path | None = None
    """A folder holding real CIFAR-10 (``cifar-10-batches-py``), if the user has it."""
    theme: str | None = None
    """The Textual theme chosen last (Ctrl+P → Theme), saved by the app; None: the default."""
    learner: str = ""
    """The learner's name or id, written into exported exams (``QUIZ_TUI_LEARNER``)."""
    problems: tuple[str, ...] = ()
    """What was wrong with the config file, to show once; the defaults were used."""
    origins: Mapping[str, str] = field(default_factory=dict)
    """Where each setting came from: ``QUIZ_TUI_LANG``, ``data_dir in PATH:LINE``, ``default``."""


def config_path() -> Path:
    return paths.config_dir() / "config.toml"


def _system_lang() -> Lang:
    """The system's language (``zh_CN.UTF-8`` → ``zh``) if the app has it, else English."""
    code = ""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        code = os.environ.get(var, "")
        if code:
            break
    else:
        try:
            code = locale.getlocale()[0] or ""
        except ValueError:
            code = ""
    lang = re.split(r"[_.@-]", code.lower(), maxsplit=1)[0]
    return lang if lang and messages.known(lang) else messages.BASE


def _key_line(text: str, key: str) -> int | None:
    """The line that sets top-level ``key`` (or starts its table), 1-based, for messages."""
    name = rf"""(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')"""
    setting = re.compile(rf"^\s*{name}\s*[=.]")
    table = re.compile(rf"^\s*\[\[?\s*{name}\s*[].]")
    top = True
    for number, line in enumerate(text.splitlines(), start=1):
        if table.match(line):
            return number
        if line.lstrip().startswith("["):
            top = False  # past the top-level table
        elif top and setting.match(line):
            return number
    return None


def _decode_error(exc: tomllib.TOMLDecodeError) -> tuple[int | None, str]:
    """The line and the reason of a TOML error (Python 3.14 has ``lineno``; before, the text)."""
    text = str(getattr(exc, "msg", None) or exc)
    line = getattr(exc, "lineno", None)
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", text)
    if found:
        line = line or int(found.group(1))
        text = text[: found.start()]
    elif (end := re.search(r"\s*\(at end of document\)$", text)) is not None:
        text = text[: end.start()] + " at the end of the file"
    return (int(line) if line else None), text


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    raw: dict[str, object] = {}
    text = ""
    problems: list[str] = []
    if path.exists() and not path.is_file():
        problems.append(f"{path}: ignored, it is not a file")
    elif path.is_file():
        try:
            text = path.read_text("utf-8")
            raw = tomllib.loads(text)
        except UnicodeDecodeError:
            problems.append(f"{path}: ignored, it is not UTF-8 text")
        except OSError as exc:
            problems.append(f"{path}: ignored, it cannot be read ({exc.strerror or exc})")
        except tomllib.TOMLDecodeError as exc:
            line, reason = _decode_error(exc)
            at = f"{path}:{line}" if line else str(path)
            problems.append(f"{at}: ignored, it is not valid TOML ({reason})")

    def where(key: str) -> str:
        line = _key_line(text, key)
        return f"{path}:{line}" if line else str(path)

    for key in raw:
        if key not in KEYS:
            problems.append(
                f"{where(key)}: unknown setting {key!r} ignored (settings: {', '.join(KEYS)})"
            )

    origins: dict[str, str] = {}

    def pick(key: str) -> tuple[object, str] | None:
        env = os.environ.get(ENV[key])
        if env:
            return env, ENV[key]
        if key in raw:
            return raw[key], f"{key} in {where(key)}"
        return None

    def blame(key: str) -> str:
        """Where a wrong value of ``key`` was set, to start a problem's message."""
        origin = origins[key]
        return origin if origin == ENV[key] else f"{where(key)}: {key}"

    lang: object = None
    if (found := pick("lang")) is not None:
        lang, origins["lang"] = found
        if not isinstance(lang, str) or not messages.known(lang):
            known = ", ".join(map(repr, messages.languages()))
            problems.append(f"{blame('lang')} {lang!r} is not one of {known}; using English")
            lang, origins["lang"] = "en", "default"
    if lang is None:
        lang, origins["lang"] = _system_lang(), "the system language"

    device: object = "auto"
    origins["device"] = "default"
    if (found := pick("device")) is not None:
        device, origins["device"] = found
        if device not in DEVICES:
            problems.append(
                f"{blame('device')} {device!r} is not one of {', '.join(DEVICES)}; using auto"
            )
            device, origins["device"] = "auto", "default"

    data_dir: Path | None = None
    if (found := pick("data_dir")) is not None:
        data, origins["data_dir"] = found
        if isinstance(data, str) and data.strip():
            data_dir = Path(data).expanduser()
        else:
            problems.append(f"{blame('data_dir')} must be a folder name (a string); ignored")
            del origins["data_dir"]
    theme: str | None = None
    if (found := pick("theme")) is not None:
        value, origins["theme"] = found
        if isinstance(value, str) and value.strip():
            theme = value.strip()
        else:
            problems.append(f"{blame('theme')} {value!r} is not a theme name; using the default")
            del origins["theme"]

    learner = ""
    if (found := pick("learner")) is not None:
        value, origins["learner"] = found
        learner = str(value).strip()

    return Config(
        lang=cast("Lang", lang),
        device=str(device),
        data_dir=data_dir,
        theme=theme,
        learner=learner,
        problems=tuple(problems),
        origins=origins,
    )


def _document(path: Path) -> TOMLDocument:
    """config.toml as a tomlkit document (empty when missing); ConfigError when unusable."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    if not path.exists():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text("utf-8"))
    except ParseError as exc:
        raise ConfigError(
            f"{path}:{exc.line}: not valid TOML ({exc}); fix or delete it, then try again"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc


def _write(path: Path, doc: TOMLDocument) -> None:
    import tomlkit

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(tomlkit.dumps(doc), "utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc


def save_config_value(key: str, value: str, path: Path | None = None) -> Path:
    """Set one top-level setting in ``config.toml``, keeping every other line and comment."""
    path = path or config_path()
    doc = _document(path)
    doc[key] = value
    _write(path, doc)
    return path


def remove_config_value(key: str, path: Path | None = None) -> bool:
    """Remove one top-level setting from ``config.toml``; False when it was not there."""
    path = path or config_path()
    if not path.exists():
        return False
    doc = _document(path)
    if key not in doc:
        return False
    del doc[key]
    _write(path, doc)
    return True
