"""Shared fixtures: a warm runner for the whole session and a throwaway home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz_tui.core.execution.runner import Runner


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own data/cache/config folders; nothing touches the real ones."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("QUIZ_TUI_HOME", str(home))
    for var in ("QUIZ_TUI_LANG", "QUIZ_TUI_DEVICE", "QUIZ_TUI_DATA_DIR", "QUIZ_TUI_PACKS"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def runner() -> Iterator[Runner]:
    """One warm worker shared by the tests that only need verdicts."""
    with Runner(device="cpu") as r:
        r.start()
        assert r.wait_ready(), "the warm worker did not start"
        yield r
