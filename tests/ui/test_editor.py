"""The code editor: keys in arrival order, blanks, error lines, document keys, focus.

Most tests host the editor in a small app, so they need no worker; the last ones
drive the real app on the shared warm worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Region
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input

from quiz_tui.app import QuizApp
from quiz_tui.core.model import Status
from quiz_tui.messages import CodeSubmitted
from quiz_tui.screens.confirm import Confirm
from quiz_tui.widgets.editor import CodeEditor, first_blank
from tests.ui.conftest import started, wait_for

STARTER = "x = ...\nprint(x)\n"


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
        (["(", "1", ")", "ctrl+home", "t", "ctrl+end", "."], "t(1)."),
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


# -- blanks ----------------------------------------------------------------------------


def test_the_first_blank_is_an_ellipsis_not_a_comment_or_string() -> None:
    code = '# fill in the ... below\nname = "..."\ny = f(...)\nz = ...\n'
    assert first_blank(code) == ((2, 6), (2, 9))
    assert first_blank("x = 1\n") is None
    assert first_blank("x = ...\ny = (1,\n") == ((0, 4), (0, 7))  # unfinished code


async def test_loading_selects_the_first_blank_so_typing_replaces_it() -> None:
    app = Host()
    async with app.run_test() as pilot:
        app.editor.load(STARTER)
        assert app.editor.selection == ((0, 4), (0, 7))
        burst(app, "torch.zeros(5, 3)")
        await settles_to(pilot, app.editor, "x = torch.zeros(5, 3)\nprint(x)\n")


async def test_without_a_blank_the_cursor_goes_to_the_end() -> None:
    app = Host()
    async with app.run_test():
        app.editor.load("x = 1\nprint(x)")
        assert app.editor.selection == ((1, 8), (1, 8))


async def test_replacing_all_selects_the_blank_and_undo_brings_back_the_code() -> None:
    app = Host()
    async with app.run_test() as pilot:
        app.editor.load("x = 1\n")
        app.editor.replace_all(STARTER)
        assert app.editor.selection == ((0, 4), (0, 7))
        await pilot.press("ctrl+z")
        assert app.editor.text == "x = 1\n"


# -- error lines -----------------------------------------------------------------------


async def test_an_error_line_gets_the_cursor_and_backspace_keeps_the_line() -> None:
    app = Host()
    async with app.run_test() as pilot:
        app.editor.load("y = 1\n    x = y.view(4, 4)\n")
        app.editor.show_line(2)
        assert app.editor.selection == ((1, 4), (1, 4))  # first non-blank, nothing selected
        await pilot.press("backspace")
        assert app.editor.text == "y = 1\n   x = y.view(4, 4)\n"


async def test_an_error_line_past_the_end_goes_to_the_last_line() -> None:
    app = Host()
    async with app.run_test():
        app.editor.load("a = 1\nb = 2")
        app.editor.show_line(99)
        assert app.editor.selection == ((1, 0), (1, 0))


# -- document keys and focus -------------------------------------------------------------


async def test_ctrl_home_and_ctrl_end_go_to_the_start_and_end_of_the_code() -> None:
    app = Host()
    async with app.run_test() as pilot:
        app.editor.load("a = 1\nb = 2\nc = 3")
        await pilot.press("ctrl+home")
        assert app.editor.selection == ((0, 0), (0, 0))
        await pilot.press("ctrl+end")
        assert app.editor.selection == ((2, 5), (2, 5))
        await pilot.press("ctrl+shift+home")
        assert app.editor.selected_text == "a = 1\nb = 2\nc = 3"


def left_edge(editor: CodeEditor) -> str:
    """The editor's first column as drawn, top to bottom."""
    width, height = editor.outer_size
    return "".join(line.text[:1] for line in editor.render_lines(Region(0, 0, width, height)))


async def test_focus_shows_as_a_bar_on_the_left_edge() -> None:
    app = Host()
    async with app.run_test(size=(40, 12)) as pilot:
        app.editor.load(STARTER)
        await pilot.pause()
        assert app.focused is app.editor
        assert set(left_edge(app.editor)) == {"▊"}
        await pilot.press("shift+tab")
        assert app.focused is not app.editor
        assert set(left_edge(app.editor)) == {" "}


# -- in the app --------------------------------------------------------------------------


async def test_a_burst_ending_in_f5_checks_the_code_it_typed(
    make_app: Callable[..., QuizApp],
) -> None:
    app = make_app("4")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert app.focused is app.editor
        burst(app, [*"torch.zeros(5, 3, dtype=torch.longg", "backspace", ")", "f5"])
        await wait_for(pilot, lambda: not app.checking and app.last_result is not None)
        assert app.last_result is not None and app.last_result.status is Status.PASS
        assert app.editor.text == "x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n"
        assert set(left_edge(app.editor)) == {"▊"}


async def test_reset_to_starter_selects_the_blank(make_app: Callable[..., QuizApp]) -> None:
    app = make_app("4")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        app.editor.load("x = torch.ones(2)\nprint(x)\n")
        await app.workspace.run_action("reset")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.editor.text == STARTER and app.focused is app.editor)
        assert app.editor.selection == ((0, 4), (0, 7))
        await pilot.press("1")
        assert app.editor.text == "x = 1\nprint(x)\n"
