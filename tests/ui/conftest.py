"""Helpers for driving the app with the Pilot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from quiz_tui.app import QuizApp
from quiz_tui.core.execution.runner import Runner
from quiz_tui.core.model import Status
from tests.ui.fake_runner import FakeRunner


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 60) -> None:
    """Let the app run until ``condition()`` holds (checks and loading happen in threads)."""
    steps = int(timeout / 0.05)
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the app did not reach the expected state in time")


def notified(app: QuizApp, text: str) -> bool:
    """Whether a notification on screen now contains ``text`` (Textual keeps no public list)."""
    return any(text in str(n.message) for n in app._notifications)


def panel_text(app: QuizApp) -> str:
    """Everything the result panel shows, as plain text."""
    from rich.text import Text
    from textual.widgets import Static

    parts = []
    for widget in app.result_panel.query(Static):
        content = widget.render()
        parts.append(content.plain if isinstance(content, Text) else str(content))
    return "\n".join(parts)


def hint_texts(app: QuizApp) -> list[str]:
    """The hints the prompt shows, each as the plain text a learner reads (Markdown rendered)."""
    from rich.console import Console
    from textual.widgets import Static

    console = Console(width=200, color_system=None)
    texts = []
    for widget in app.prompt.query(".hint").results(Static):
        with console.capture() as capture:
            console.print(widget.content)
        texts.append(" ".join(capture.get().split()))
    return texts


def screen_text(app: QuizApp) -> str:
    """The characters on the terminal now, one line per row (what a tmux capture shows)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def started(pilot: Pilot[None]) -> QuizApp:
    """Wait until the task is open and the warm worker has reported the device."""
    app = pilot.app
    assert isinstance(app, QuizApp)
    await wait_for(pilot, lambda: app.current is not None and app.header.device != "…")
    await pilot.pause()
    return app


async def checked(pilot: Pilot[None], key: str = "f5") -> Status:
    app = pilot.app
    assert isinstance(app, QuizApp)
    await pilot.press(key)
    await wait_for(pilot, lambda: not app.checking and app.last_result is not None)
    assert app.last_result is not None
    return app.last_result.status


@pytest.fixture
def fake_runner() -> FakeRunner:
    """The runner of this test's app, unless it is marked ``real_worker``: script it."""
    return FakeRunner()


@pytest.fixture
def make_app(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., QuizApp]:
    """A QuizApp with its own progress database, on the fake runner, or, for tests
    marked ``real_worker``, on the shared warm worker."""
    runner: Runner | FakeRunner
    if request.node.get_closest_marker("real_worker"):
        runner = request.getfixturevalue("runner")
    else:
        runner = request.getfixturevalue("fake_runner")

    def make(start_task: str | None = "4", **kwargs: object) -> QuizApp:
        kwargs.setdefault("lang", "en")
        return QuizApp(
            start_task=start_task,
            runner=runner,  # type: ignore[arg-type]
            store_path=tmp_path / "progress.db",
            **kwargs,  # type: ignore[arg-type]
        )

    return make


RunBefore = Callable[[Pilot[None]], Awaitable[None]]
