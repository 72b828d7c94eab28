"""Where quiz-tui keeps its files: the user's data, cache and config folders.

``QUIZ_TUI_HOME`` puts all three under one folder (tests and the tmux test use
it to run against a throwaway home); otherwise platformdirs picks the
platform's usual places.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "quiz-tui"


def _home_override() -> Path | None:
    home = os.environ.get("QUIZ_TUI_HOME")
    return Path(home).expanduser() if home else None


def data_dir() -> Path:
    """Progress database and user packs."""
    home = _home_override()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Generated practice data and the worker log: safe to delete."""
    home = _home_override()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    home = _home_override()
    return (
        home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    )


def ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
