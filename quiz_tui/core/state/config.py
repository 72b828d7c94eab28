"""User settings: language, device, where real CIFAR-10 lives, and who the learner is.

Read from ``config.toml`` in the config folder; environment variables
(``QUIZ_TUI_LANG``, ``QUIZ_TUI_DEVICE``, ``QUIZ_TUI_DATA_DIR``, ``QUIZ_TUI_LEARNER``)
override it, and command-line options override both.
"""

from __future__ import annotations

import json
import locale
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from quiz_tui.core.state import paths

if TYPE_CHECKING:
    from quiz_tui.core.model import Lang

DEVICES = ("auto", "cpu", "cuda")


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


def config_path() -> Path:
    return paths.config_dir() / "config.toml"


def _system_lang() -> Lang:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        code = locale.getlocale()[0] or ""
    except ValueError:
        code = ""
    return "zh" if code.lower().startswith("zh") else "en"


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    raw: dict[str, object] = {}
    problems: list[str] = []
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{path}: ignored, it cannot be read ({exc})")
    lang = os.environ.get("QUIZ_TUI_LANG") or raw.get("lang") or _system_lang()
    if lang not in ("en", "zh"):
        problems.append(f"language {lang!r} is not 'en' or 'zh'; using English")
        lang = "en"
    device = os.environ.get("QUIZ_TUI_DEVICE") or raw.get("device") or "auto"
    if device not in DEVICES:
        problems.append(f"device {device!r} is not one of {', '.join(DEVICES)}; using auto")
        device = "auto"
    data = os.environ.get("QUIZ_TUI_DATA_DIR") or raw.get("data_dir")
    data_dir = Path(str(data)).expanduser() if data else None
    theme = raw.get("theme")
    if theme is not None and not isinstance(theme, str):
        problems.append(f"theme {theme!r} is not a theme name; using the default")
        theme = None
    learner = os.environ.get("QUIZ_TUI_LEARNER") or raw.get("learner") or ""
    return Config(
        lang=cast("Lang", lang),
        device=str(device),
        data_dir=data_dir,
        theme=theme,
        learner=str(learner).strip(),
        problems=tuple(problems),
    )


def save_config_value(key: str, value: str, path: Path | None = None) -> Path:
    """Set one top-level string setting in ``config.toml``, keeping the other lines."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = path.read_text("utf-8").splitlines() if path.is_file() else []
    entry = f"{key} = {json.dumps(value, ensure_ascii=False)}"
    for i, line in enumerate(lines):
        if line.split("=", 1)[0].strip() == key:
            lines[i] = entry
            break
    else:
        lines.insert(0, entry)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", "utf-8")
    tmp.replace(path)
    return path
