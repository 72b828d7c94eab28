"""The layering rules, proven at run time (ruff's banned-api enforces them at lint time).

The UI process never imports torch (a verdict in a blink depends on it), the
core never imports Textual, and the checkers library knows nothing of the app.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _core_modules() -> list[str]:
    """Every module of quiz_tui.core, found on disk so that a new one is covered too."""
    import pkgutil

    import quiz_tui.core

    return sorted(
        info.name
        for info in pkgutil.walk_packages(quiz_tui.core.__path__, "quiz_tui.core.")
        if not info.ispkg
    )


CORE_MODULES = _core_modules()


def loaded_after(*modules: str) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for m in {list(modules)!r}:\n"
        "    importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out))


def _top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def test_the_core_imports_neither_textual_nor_torch() -> None:
    top = _top(loaded_after(*CORE_MODULES))
    assert "textual" not in top
    assert "torch" not in top
    assert "numpy" not in top


def test_the_cli_does_not_import_torch() -> None:
    top = _top(loaded_after("quiz_tui.cli"))
    assert "torch" not in top
    assert "torchvision" not in top


SHARED_WITH_THE_WORKER = {
    "quiz_tui",
    "quiz_tui.core",
    "quiz_tui.core.errors",
    "quiz_tui.core.messages",
    "quiz_tui.core.execution",
    "quiz_tui.core.execution.protocol",
    "quiz_tui.core.execution.confine",
    "quiz_tui.core.execution.timing",
}
"""The torch-free modules both sides of the fork share: the protocol, the box and the
profile's timestamps."""


def test_checkers_know_nothing_of_the_app_but_the_shared_protocol() -> None:
    top = loaded_after("checkers", "checkers._worker")
    assert "textual" not in _top(top)
    assert {n for n in top if n.startswith("quiz_tui")} <= SHARED_WITH_THE_WORKER


@pytest.mark.parametrize("module", CORE_MODULES)
def test_every_core_module_has_a_docstring(module: str) -> None:
    imported = __import__(module, fromlist=["_"])
    assert (imported.__doc__ or "").strip(), f"{module} needs a one-line docstring"


def test_the_ui_never_imports_torch() -> None:
    top = _top(loaded_after("quiz_tui.app", "quiz_tui.cli"))
    assert "torch" not in top
    assert "torchvision" not in top
    assert "numpy" not in top


def test_the_first_frame_needs_no_engine() -> None:
    """Packs, progress and the runner load after the first paint (bench/ui.py)."""
    loaded = loaded_after("quiz_tui.app")
    for heavy in ("quiz_tui.core.execution.runner", "quiz_tui.core.state.progress", "quiz_tui.core.content.loader",
                  "sqlite3", "markdown_it", "pygments"):  # fmt: skip
        assert heavy not in loaded, heavy
