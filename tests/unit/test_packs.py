"""Instructor packs: finding them, trusting them, scaffolding and validating them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from quiz_tui.cli import main
from quiz_tui.core.content.packs import Library, user_packs_root
from quiz_tui.core.content.scaffold import new_exercise, new_pack
from quiz_tui.core.state.progress import ProgressStore

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "linear-regression"


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def invoke_split(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr apart (JSON on stdout, warnings on stderr)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_broken_pack_never_stops_the_others(tmp_path: Path) -> None:
    good = tmp_path / "good"
    new_pack(good)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "pack.toml").write_text('format = 1\nid = "bad"\n')  # no name, no sections
    nothing = tmp_path / "nothing"
    nothing.mkdir()
    twin = tmp_path / "twin"
    shutil.copytree(good, twin)
    library = Library.load([bad, good, nothing, twin])
    assert [p.id for p in library.packs] == ["pytorch60", "good"]
    messages = [str(e) for e in library.errors]
    assert any(str(bad / "pack.toml") in m and "missing 'name'" in m for m in messages)
    assert any(f"{nothing}: no pack.toml here" in m for m in messages)
    assert any("pack id 'good' is already used" in m for m in messages)


def test_packs_are_found_in_the_data_folder_and_the_environment(tmp_path: Path) -> None:
    mine = user_packs_root() / "mine"
    new_pack(mine)
    env_pack = tmp_path / "from-env"
    new_pack(env_pack)
    os.environ["QUIZ_TUI_PACKS"] = str(env_pack)
    try:
        library = Library.load()
    finally:
        del os.environ["QUIZ_TUI_PACKS"]
    assert {p.id for p in library.packs} == {"pytorch60", "mine", "from-env"}


def test_trust_is_asked_through_the_allow_rule(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    new_pack(folder)
    asked: list[str] = []

    def allow(pack: object, origin: str) -> bool:
        asked.append(origin)
        return False

    library = Library.load([folder], allow=allow)
    assert asked == ["--pack"]
    assert [p.id for p in library.packs] == ["pytorch60"]


def test_the_cli_needs_trust_for_a_new_pack_and_remembers_it(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    new_pack(folder)

    def course_tasks(stdout: str) -> list[str]:
        return [t["id"] for t in json.loads(stdout)["tasks"] if t["pack"] == "course"]

    code, stdout, stderr = invoke_split("list", "--json", "--pack", str(folder))
    assert code == 0
    assert course_tasks(stdout) == []
    assert f"pack 'course' ({folder}, from --pack) is not trusted yet" in stderr
    assert "add --trust" in stderr
    code, stdout, _ = invoke_split("list", "--json", "--pack", str(folder), "--trust")
    assert course_tasks(stdout) == ["vector-of-ones"]
    with ProgressStore() as store:
        assert store.trust(folder) is True
    code, stdout, stderr = invoke_split("list", "--json", "--pack", str(folder))  # remembered
    assert course_tasks(stdout) == ["vector-of-ones"]
    assert "not trusted" not in stderr


@pytest.mark.slow
def test_a_scaffolded_pack_validates(tmp_path: Path) -> None:
    folder = tmp_path / "my-course"
    written = new_pack(folder)
    assert [p.name for p in written] == ["pack.toml", "01-vector-of-ones.toml"]
    added = new_exercise(folder / "02-another.toml")
    assert "number = 2" in added.read_text()
    code, out = invoke("validate", str(folder), "--json")
    data = json.loads(out)
    assert code == 0, out
    assert data["ok"] is True and data["problems"] == []
    assert [
        (e["number"], e["wrong_answers_caught"], e["alternatives_pass"]) for e in data["exercises"]
    ] == [
        (1, [2, 2], [1, 1]),
        (2, [2, 2], [1, 1]),
    ]


def test_scaffolding_refuses_to_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    new_pack(folder)
    code, out = invoke("new", "pack", str(folder))
    assert code == 2 and "already has a pack.toml" in out
    code, out = invoke("new", "exercise", str(folder / "01-vector-of-ones.toml"))
    assert code == 2 and "already exists" in out
    code, out = invoke("new", "exercise", str(tmp_path / "nowhere" / "x.toml"))
    assert code == 2 and "is not a pack" in out


@pytest.mark.slow
def test_validate_catches_checks_that_can_be_fooled(tmp_path: Path) -> None:
    folder = tmp_path / "weak"
    new_pack(folder)
    path = folder / "01-vector-of-ones.toml"
    text = path.read_text()
    # A solution that fails, and a check that lets a wrong answer through.
    text = text.replace("solution = '''\nv = torch.ones(", "solution = '''\nv = torch.zeros(")
    path.write_text(text)
    code_file = folder / "ex01_vector_of_ones.py"
    code_file.write_text(code_file.read_text().replace("values=torch.ones", "values=torch.zeros"))
    code, out = invoke("validate", str(folder))
    assert code == 1
    assert "01-vector-of-ones.toml" in out
    code, out = invoke("validate", str(folder), "--json")
    problems = json.loads(out)["exercises"][0]["problems"]
    assert any("alternative[0]" in p and "expected pass, got fail" in p for p in problems)
    assert any("wrong[1]" in p and "expected fail, got pass" in p for p in problems)


def test_validate_reports_format_problems_first(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    new_pack(folder)
    (folder / "02-broken.toml").write_text('format = 1\nid = "Broken"\n')
    code, out = invoke("validate", str(folder), "--format-only")
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{folder / '02-broken.toml'}:2: id 'Broken' must be lowercase")


@pytest.mark.slow
def test_the_example_pack_in_the_repository_validates() -> None:
    code, out = invoke("validate", str(EXAMPLE))
    assert code == 0, out
    assert "no problems found (3 exercises checked)" in out
