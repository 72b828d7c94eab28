"""Instructor packs in the app: asked once about trust, reloaded, broken files shown."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets import OptionList, Static

from quiz_tui.app import QuizApp
from quiz_tui.core.content.scaffold import new_pack
from quiz_tui.core.state.progress import ProgressStore
from quiz_tui.screens.confirm import Confirm
from tests.ui.conftest import started, wait_for


@pytest.fixture
def course(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "course"
    new_pack(folder)
    os.environ["QUIZ_TUI_PACKS"] = str(folder)
    yield folder
    del os.environ["QUIZ_TUI_PACKS"]


def option_ids(app: QuizApp) -> list[str]:
    options = app.task_list.query_one(OptionList)
    return [options.get_option_at_index(i).id or "" for i in range(options.option_count)]


async def test_a_new_pack_is_trusted_once(
    make_app: Callable[..., QuizApp], course: Path, tmp_path: Path
) -> None:
    app = make_app("4")
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        assert str(course) in app.screen.question  # type: ignore[attr-defined]
        assert "course:vector-of-ones" not in option_ids(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: "course:vector-of-ones" in option_ids(app))
    with ProgressStore(tmp_path / "progress.db") as store:
        assert store.trust(course) is True
    again = make_app("4")
    async with again.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.pause(0.3)
        assert not isinstance(again.screen, Confirm)  # asked only once
        assert "course:vector-of-ones" in option_ids(again)


async def test_a_declined_pack_stays_out(make_app: Callable[..., QuizApp], course: Path) -> None:
    app = make_app("4")
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")
        await pilot.pause(0.3)
        assert "course:vector-of-ones" not in option_ids(app)
        assert app.session is not None and app.session.library.pack("course") is None


async def test_reload_picks_up_edits_and_shows_broken_files(
    make_app: Callable[..., QuizApp], course: Path
) -> None:
    app = make_app("4", trust=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: "course:vector-of-ones" in option_ids(app))
        exercise = course / "01-vector-of-ones.toml"
        exercise.write_text(exercise.read_text().replace("A vector of ones", "Ones, renamed"))
        (course / "02-broken.toml").write_text('format = 1\nid = "x"\nnumber = "two"\n')
        await app.run_action("reload_packs")
        await wait_for(pilot, lambda: "broken:course:02-broken.toml" in option_ids(app))
        assert app.session is not None
        assert (
            app.session.library.resolve("course:vector-of-ones").exercise.title.en
            == "Ones, renamed"
        )
        assert app.current is not None and app.current.exercise.number == 4  # still where we were
        options = app.task_list.query_one(OptionList)
        index = option_ids(app).index("broken:course:02-broken.toml")
        options.highlighted = index
        options.focus()
        await pilot.press("enter")
        await pilot.pause(0.2)
        body = str(app.result_panel.query_one("#body", Static).render())
        assert f"{course / '02-broken.toml'}:3: 'number' must be a positive whole number" in body
        # Everything else keeps working: switch to the new pack from the palette.
        app.workspace.switch_pack("course")
        assert app.current.pack.id == "course"
