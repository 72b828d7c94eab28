"""The conventions a command line is expected to keep: colour variables, completion,
suggestions, --json, bounded input, safe scaffolding and a visible config."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quiz_tui.cli import MAX_CODE_BYTES, main
from quiz_tui.core.content.packs import Library
from quiz_tui.core.state.config import config_path, load_config

ROOT = Path(__file__).resolve().parents[2]
STARTER_4 = "x = ...\nprint(x)\n"
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;)")
"""An SGR sequence that sets a foreground colour (bold or dim alone are no colour)."""


def invoke(
    *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)
    return result.exit_code, result.output


def in_terminal(*args: str, env: dict[str, str]) -> str:
    """Run quiz-tui on a pseudo-terminal (so that colour is on unless told otherwise)."""
    master, slave = pty.openpty()
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", **env}
    for var in ("NO_COLOR", "FORCE_COLOR"):
        if var not in env:
            full_env.pop(var, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "quiz_tui", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=full_env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    proc.wait(60)
    return b"".join(chunks).decode("utf-8", "replace")


# -- colour ------------------------------------------------------------------------


def test_check_in_a_terminal_has_colour_and_none_under_no_color(tmp_path: Path) -> None:
    answer = tmp_path / "a.py"
    answer.write_text(STARTER_4)
    coloured = in_terminal("check", "4", str(answer), "--no-record", env={})
    assert "Not attempted" in coloured
    assert COLOUR.search(coloured)
    plain = in_terminal("check", "4", str(answer), "--no-record", env={"NO_COLOR": "1"})
    assert "Not attempted" in plain
    assert not COLOUR.search(plain)


def test_force_color_colours_a_pipe_and_no_color_wins() -> None:
    code, out = invoke("check", "4", "-", "--no-record", input=STARTER_4)
    assert code == 1 and "Not attempted" in out and "\x1b[" not in out
    code, out = invoke("check", "4", "-", "--no-record", input=STARTER_4, env={"FORCE_COLOR": "1"})
    assert COLOUR.search(out)
    code, out = invoke(
        "check", "4", "-", "--no-record", input=STARTER_4,
        env={"FORCE_COLOR": "1", "NO_COLOR": "1"},
    )  # fmt: skip
    assert "Not attempted" in out and not COLOUR.search(out)


def test_warnings_follow_no_color_too(tmp_path: Path) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('lang = "fr"\n')
    code, out = invoke("list", env={"FORCE_COLOR": "1"})
    assert code == 0 and COLOUR.search(out.split("\n")[0])
    code, out = invoke("list", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "warning:" in out and not COLOUR.search(out)


# -- completion and suggestions -------------------------------------------------------


def complete(words: str, shell: str = "bash") -> list[str]:
    env = {
        "_QUIZ_TUI_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = CliRunner().invoke(main, [], env=env, prog_name="quiz-tui")
    return result.output.splitlines()


def test_task_numbers_and_section_ids_complete() -> None:
    assert complete("quiz-tui check 1") == [f"plain,{n}" for n in (1, *range(10, 20))]
    assert "plain,60" in complete("quiz-tui watch ")
    assert complete("quiz-tui exam --section au") == ["plain,autograd"]
    zsh = complete("quiz-tui show 4", shell="zsh")
    assert zsh[:3] == ["plain", "4", "A 5×3 tensor of zeros with dtype long"]
    assert complete("quiz-tui lis") == ["plain,list"]


def test_a_mistyped_command_gets_a_suggestion_not_the_usage_of_open() -> None:
    code, out = invoke("lsit")
    assert code == 2
    assert "No such command 'lsit'. Did you mean 'list'?" in out
    assert "open" not in out
    code, out = invoke("foo")
    assert code == 2 and "No such command or task 'foo'" in out and "open" not in out
    code, out = invoke("999")
    assert code == 2 and "there is no task '999'" in out
    assert "Usage: main [OPTIONS] [TASK | COMMAND" in out  # quiz-tui, not open
    for group, typo, meant in (("progress", "exprt", "export"), ("config", "gte", "get")):
        code, out = invoke(group, typo)
        assert code == 2 and f"No such command {typo!r}. Did you mean {meant!r}?" in out


def test_a_task_named_like_a_command_still_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str | None] = []
    monkeypatch.setattr(
        "quiz_tui.cli._common._launch_app", lambda _s, task=None: opened.append(task)
    )
    code, _ = invoke("zeros-long")  # a task id, not a typo of a command
    assert code == 0 and opened == ["zeros-long"]


# -- hint, show, next, --json ------------------------------------------------------------


def test_hint_prints_the_nth_hint() -> None:
    hints = Library.load().resolve("4").exercise.hints
    code, out = invoke("hint", "4")
    assert code == 0
    assert f"Hint 1 of {len(hints)}" in out and hints[0].en in out
    assert "quiz-tui hint 4 2" in out
    code, out = invoke("hint", "4", "2", "--json")
    assert code == 0
    assert json.loads(out) == {
        "version": 1, "task": 4, "hint": 2, "of": len(hints), "text": hints[1].en,
    }  # fmt: skip
    code, out = invoke("hint", "4", "9")
    assert code == 2 and f"task 4 has {len(hints)} hints, not 9" in out
    code, out = invoke("hint", "4", "--lang", "zh")
    assert hints[0].zh in out


def test_show_json_has_the_prompt_setup_and_starter_but_never_the_solution() -> None:
    code, out = invoke("show", "7", "--json")
    assert code == 0
    data = json.loads(out)
    ex = Library.load().resolve("7").exercise
    assert data["version"] == 1
    assert (data["number"], data["id"], data["title"]) == (7, ex.id, ex.title.en)
    assert "torch.ones(5, 3, dtype=torch.double)" in data["setup"]
    assert data["starter"] == ex.starter.strip("\n") + "\n"
    assert "solution" not in data and ex.solution.strip() not in out


def test_next_is_the_first_unsolved_task_after_the_last_one() -> None:
    code, out = invoke("next", "--json")
    assert code == 0 and json.loads(out)["task"] == "1"
    for task in ("1", "2"):
        solution = Library.load().resolve(task).exercise.solution
        assert invoke("check", task, "-", input=solution)[0] == 0
    code, out = invoke("next")
    assert code == 0 and out.startswith("3. ")


def test_every_reporting_command_takes_json() -> None:
    code, out = invoke("exam", "report", "--json")
    assert code == 1 and "no finished exam yet" in out  # --json is accepted
    for args in (
        ["list"], ["show", "4"], ["hint", "4"], ["next"], ["progress"], ["exam", "history"],
        ["data", "status"], ["config"], ["config", "get", "lang"],
    ):  # fmt: skip
        code, out = invoke(*args, "--json")
        assert code == 0, (args, out)
        assert json.loads(out)["version" if args[0] != "data" else "kind"]


def test_upgrade_reports_in_json(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "lr"
    shutil.copytree(Path(__file__).parent / "data" / "linear-regression-format1", root)
    code, out = invoke("upgrade", "--dry-run", "--json", str(root))
    assert code == 0
    data = json.loads(out)
    assert data["dry_run"] is True
    first = data["exercises"][0]
    assert first["code"] == str(root / "ex01_linear_layer.py")
    assert first["functions"] == {"check": ["model"]}
    assert not (root / "ex01_linear_layer.py").exists()


def test_exam_report_json_is_the_format_json_report() -> None:
    from quiz_tui.core.state.exam import ExamBook, plan
    from quiz_tui.core.state.progress import ProgressStore

    with ProgressStore() as store:
        book = ExamBook(store)
        book.finish(book.start(plan(Library.load().packs[0], tasks="4-5")), "handed_in")
    code, as_json = invoke("exam", "report", "--json")
    assert code == 0
    assert json.loads(as_json) == json.loads(invoke("exam", "report", "--format", "json")[1])


# -- bounded input -------------------------------------------------------------------


def test_huge_or_endless_files_are_a_clear_error(tmp_path: Path) -> None:
    code, out = invoke("check", "4", "/dev/zero")
    assert code == 2 and "/dev/zero is larger than 1.0 MB" in out
    big = tmp_path / "big.py"
    big.write_text("#" * (MAX_CODE_BYTES + 1))
    code, out = invoke("run", "4", str(big))
    assert code == 2 and "is larger than" in out
    code, out = invoke("check", "4", "-", input="#" * (MAX_CODE_BYTES + 1))
    assert code == 2 and "stdin is larger than" in out


@pytest.mark.parametrize("args", [["exam", "--tasks"], ["verify", "--tasks"]])
def test_huge_ranges_are_a_clear_error(args: list[str]) -> None:
    code, out = invoke(*args, "1-100000000000")
    assert code == 2
    assert "'1-100000000000' names too many tasks" in out


def test_seeds_are_bounded() -> None:
    code, out = invoke("check", "4", "-", "--seed", str(2**80), input=STARTER_4)
    assert code == 2 and "--seed" in out


# -- new pack ------------------------------------------------------------------------------


def test_new_pack_refuses_a_non_empty_or_system_folder(tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    code, out = invoke("new", "pack", str(full))
    assert code == 2 and "is not empty (1 entries)" in out and "--force" in out
    assert sorted(p.name for p in full.iterdir()) == ["notes.txt"]
    for system in ("/etc", "/etc/my-course", "/usr/share/my-course", "/"):
        code, out = invoke("new", "pack", system)
        assert code == 2 and ("system folder" in out or "top-level" in out), system
    assert not Path("/etc/my-course").exists()
    code, out = invoke("new", "pack", str(full), "--force")
    assert code == 0, out
    assert (full / "pack.toml").is_file() and (full / "notes.txt").read_text() == "mine"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert invoke("new", "pack", str(empty))[0] == 0


# -- config -----------------------------------------------------------------------------------


def test_config_shows_the_paths_and_gets_and_sets_keeping_comments() -> None:
    code, out = invoke("config")
    assert code == 0 and str(config_path()) in out and "progress.db" in out
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('# my settings\nlang = "en"  # for now\n\n# device = "cuda"\n')
    code, out = invoke("config", "set", "lang", "zh")
    assert code == 0
    assert config_path().read_text() == (
        '# my settings\nlang = "zh"  # for now\n\n# device = "cuda"\n'
    )
    assert invoke("config", "get", "lang") == (0, "zh\n")
    data = json.loads(invoke("config", "get", "lang", "--json")[1])
    assert data["value"] == "zh" and data["from"] == f"lang in {config_path()}:2"
    assert invoke("config", "set", "device", "cpu")[0] == 0
    assert load_config().device == "cpu"
    code, out = invoke("config", "set", "device", "tpu")
    assert code == 2 and "'tpu' is not one of auto, cpu, cuda" in out
    code, out = invoke("config", "set", "langg", "zh")
    assert code == 2 and "'langg' is not one of" in out
    assert invoke("config", "unset", "device")[0] == 0
    assert config_path().read_text() == (
        '# my settings\nlang = "zh"  # for now\n\n# device = "cuda"\n'
    )
    assert invoke("config", "get", "data_dir") == (1, "")


def test_a_bad_config_is_reported_by_every_command_with_its_line(tmp_path: Path) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('lang = "en"\ndevice = \n')
    for args in (["list"], ["doctor", "--json"], ["new", "pack", str(tmp_path / "p")]):
        code, out = invoke(*args)
        assert f"warning: {config_path()}:2: ignored, it is not valid TOML" in out, args
    code, out = invoke("config", "set", "lang", "zh")
    assert code == 1 and f"{config_path()}:2: not valid TOML" in out
    assert config_path().read_text() == 'lang = "en"\ndevice = \n'  # nothing lost
    config_path().write_text('lang = "fr"\ncolour = "blue"\n[extra]\nkeep = 1\n')
    code, out = invoke("list")
    assert code == 0
    assert f"{config_path()}:1: lang 'fr' is not one of 'en', 'zh'" in out
    assert f"{config_path()}:2: unknown setting 'colour'" in out
    assert f"{config_path()}:3: unknown setting 'extra'" in out


def test_a_data_dir_that_is_a_file_names_data_dir_in_config_toml(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "cifar"
    not_a_folder.write_text("")
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text(f'lang = "en"\ndata_dir = "{not_a_folder}"\n')
    code, out = invoke("check", "4", "-", input="x = 1\n")
    assert code == 2
    assert f"data_dir in {config_path()}:2: {not_a_folder} is not a folder" in out
    assert "--data-dir" not in out
    code, out = invoke("data", "status", env={"QUIZ_TUI_DATA_DIR": str(not_a_folder)})
    assert code == 2 and f"QUIZ_TUI_DATA_DIR: {not_a_folder} is not a folder" in out
    code, out = invoke("data", "status", "--data-dir", str(tmp_path))
    assert code == 2 and "--data-dir:" in out


def test_next_unsolved_goes_on_after_a_task_and_wraps_around() -> None:
    from quiz_tui.core.model import Status
    from quiz_tui.core.state.progress import ProgressStore
    from quiz_tui.core.state.session import Session

    library = Library.load()
    refs = [library.resolve(str(n)) for n in range(1, 61)]
    with ProgressStore() as store:
        for ref in refs[:3] + refs[4:]:  # every task but 4
            store.record_attempt(ref.pack.id, ref.exercise.id, Status.PASS, 0.1, "")
        session = Session(library, store)
        for after in (refs[0], refs[10], None):  # None: from the last task opened (none)
            found = session.next_unsolved(after)
            assert found is not None and found.exercise.number == 4
        store.record_attempt(refs[3].pack.id, refs[3].exercise.id, Status.PASS, 0.1, "")
        assert session.next_unsolved(refs[3]) is None
