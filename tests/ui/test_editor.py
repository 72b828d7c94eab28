"""The code editor: keys in arrival order.

The tests host the editor in a small app, so they need no worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input

from quiz_tui.messages import CodeSubmitted
from quiz_tui.widgets.editor import CodeEditor
from tests.ui.conftest import wait_for


class Host(App[None]):
    """The editor inside containers, as in the app, with an app binding of each kind."""

    CSS = "#editor { border: none; }"  # as app.tcss has it, to save room at 80×24

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "submit", priority=True),
        Binding("ctrl+o", "note"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[str] = []
        self.notes = 0

    def compose(self) -> ComposeResult:
        with Vertical(), Vertical():
            yield CodeEditor(id="editor")
        yield Input(id="other")

    @property
    def editor(self) -> CodeEditor:
        return self.query_one(CodeEditor)

    def on_mount(self) -> None:
        self.editor.focus()

    def action_submit(self) -> None:
        self.editor.submit("check")

    def action_note(self) -> None:
        self.notes += 1

    def on_code_submitted(self, message: CodeSubmitted) -> None:
        self.submitted.append(message.code)


def key_event(key: str) -> events.Key:
    """A Key as the terminal driver makes it: a character, or a key name such as `backspace`."""
    if len(key) == 1:
        return events.Key(_character_to_key(key), key)
    return events.Key(key, " " if key == "space" else None)


def burst(app: App[None], keys: Iterable[str]) -> None:
    """Queue every key at once, as a terminal delivers a paste or an SSH packet."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        driver.send_message(event)


async def settles_to(pilot: Pilot[None], editor: CodeEditor, text: str) -> None:
    """Wait for `text`; on a timeout, say what the editor holds instead."""
    try:
        await wait_for(pilot, lambda: editor.text == text, timeout=10)
    except AssertionError:
        raise AssertionError(f"expected {text!r}, the editor holds {editor.text!r}") from None
    await pilot.pause()
    assert editor.text == text


# -- keys in arrival order ---------------------------------------------------------------


async def test_fifty_bursts_with_backspace_in_the_middle_queued_at_once() -> None:
    app = Host()
    async with app.run_test() as pilot:
        burst(app, ["A", "backspace", "B", ")"] * 50)
        await settles_to(pilot, app.editor, "B)" * 50)


async def test_each_burst_is_applied_in_order() -> None:
    app = Host()
    async with app.run_test() as pilot:
        for _ in range(20):
            app.editor.load("")
            burst(app, ["A", "backspace", "B", ")"])
            await settles_to(pilot, app.editor, "B)")


@pytest.mark.parametrize(
    ("keys", "text"),
    [
        (["a", "b", "c", "left", "left", "X"], "aXbc"),
        (["a", "b", "home", "X", "end", "Y"], "XabY"),
        (["a", "b", "c", "left", "left", "delete", "Z"], "aZc"),
        (["x", "y", "enter", "z", "up", "end", "!"], "xy!\nz"),
        (["f", "o", "o", "space", "b", "a", "r", "ctrl+w", "q"], "foo q"),
        (["a", "b", "ctrl+a", "ctrl+k", "c"], "c"),
        (["a", "tab", "b", "shift+left", "C"], "a   C"),
    ],
)
async def test_bound_keys_keep_their_place_among_typed_ones(keys: list[str], text: str) -> None:
    app = Host()
    async with app.run_test() as pilot:
        burst(app, keys)
        await settles_to(pilot, app.editor, text)


async def test_pressed_keys_give_the_same_text() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await pilot.press("A", "backspace", "B", "right_parenthesis")
        assert app.editor.text == "B)"


async def test_app_bindings_still_run_in_a_burst_and_see_the_keys_before_them() -> None:
    app = Host()
    async with app.run_test() as pilot:
        burst(app, ["y", "X", "backspace", "=", "1", "f5", "ctrl+o", "2"])
        await settles_to(pilot, app.editor, "y=12")
        assert app.submitted == ["y=1"]
        assert app.notes == 1


async def test_a_read_only_editor_moves_but_does_not_edit() -> None:
    app = Host()
    async with app.run_test() as pilot:
        app.editor.load("abc")
        app.editor.read_only = True
        burst(app, ["home", "right", "backspace", "Z", "delete"])
        await wait_for(pilot, lambda: app.editor.cursor_location == (0, 1))
        await pilot.pause()
        assert app.editor.text == "abc"
