"""The quiz-tui command line: exit codes, JSON shapes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quiz_tui.cli import main

ZEROS_LONG = "x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n"
ZEROS_FLOAT = "x = torch.zeros(5, 3)\n"


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.output


def test_list_json_has_every_task_with_its_status() -> None:
    code, out = invoke("list", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["version"] == 1
    numbers = [t["number"] for t in data["tasks"] if t["pack"] == "pytorch60"]
    assert numbers == sorted(numbers)
    assert numbers[:3] == [1, 2, 3]
    assert {t["status"] for t in data["tasks"]} == {"untouched"}


def test_list_in_chinese() -> None:
    code, out = invoke("list", "--lang", "zh")
    assert code == 0
    assert "导入 PyTorch" in out


def test_show_prints_prompt_setup_and_starter() -> None:
    code, out = invoke("show", "7")
    assert code == 0
    assert "randn_like" in out
    assert "torch.ones(5, 3, dtype=torch.double)" in out  # the setup, read-only context
    assert "Starter" in out


def test_unknown_task_is_a_usage_error() -> None:
    code, out = invoke("show", "999")
    assert code == 2
    assert "there is no task '999'" in out


def test_unreadable_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "answer.py"
    bad.write_bytes(b"\xff\xfe not utf-8")
    code, out = invoke("check", "4", str(bad))
    assert code == 2
    assert "cannot read" in out
    code, out = invoke("check", "4", str(tmp_path / "missing.py"))
    assert code == 2


def test_bad_option_is_a_usage_error() -> None:
    code, out = invoke("check", "4", "-", "--device", "tpu")
    assert code == 2
    assert "'tpu' is not one of" in out


def test_check_pass_and_fail_exit_codes_and_json(tmp_path: Path) -> None:
    answer = tmp_path / "a.py"
    answer.write_text(ZEROS_LONG)
    code, out = invoke("check", "4", str(answer), "--json", "--device", "cpu")
    assert code == 0
    data = json.loads(out)
    expected_keys = {
        "version", "task", "status", "message", "checks", "stdout", "stderr",
        "truncated", "seconds", "device",
    }  # fmt: skip
    assert expected_keys <= set(data)
    assert data["version"] == 1
    assert data["task"] == "4"
    assert data["status"] == "pass"
    assert data["device"] == "cpu"
    assert all(c["status"] == "pass" for c in data["checks"])

    answer.write_text(ZEROS_FLOAT)
    code, out = invoke("check", "4", str(answer), "--json")
    assert code == 1
    data = json.loads(out)
    assert data["status"] == "fail"
    assert data["message"].startswith("`x` has dtype float32, the task asks for long (int64).")


def test_check_from_stdin_records_the_attempt() -> None:
    code, _ = invoke("check", "4", "-", "--json", input=ZEROS_FLOAT)
    assert code == 1
    code, out = invoke("list", "--json")
    task4 = next(t for t in json.loads(out)["tasks"] if t["number"] == 4)
    assert task4["status"] == "failed"


def test_check_message_in_chinese(tmp_path: Path) -> None:
    code, out = invoke("check", "4", "-", "--lang", "zh", input=ZEROS_FLOAT)
    assert code == 1
    assert "题目要求 long (int64)" in out


def test_not_attempted_starter() -> None:
    code, out = invoke("check", "4", "-", "--json", input="x = ...\nprint(x)\n")
    assert code == 1
    assert json.loads(out)["status"] == "not_attempted"


def test_validate_reports_file_and_line(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.toml").write_text(
        'format = 1\nid = "mini"\nname.en = "Mini"\nname.zh = "迷你"\n'
        '[[sections]]\nid = "s"\ntitle.en = "S"\ntitle.zh = "S"\n'
    )
    (pack / "01-x.toml").write_text('format = 1\nid = "x"\nnumber = "one"\n')
    code, out = invoke("validate", str(pack))
    assert code == 1
    assert f"{pack / '01-x.toml'}:3: 'number' must be a positive whole number" in out
    code, out = invoke("validate", str(pack), "--json")
    problems = json.loads(out)["problems"]
    assert {"file": str(pack / "01-x.toml"), "line": 3,
            "message": "'number' must be a positive whole number"} in problems  # fmt: skip


def test_validate_the_builtin_pack_is_clean() -> None:
    from quiz_tui.core.content.packs import builtin_pack_dir

    code, out = invoke("validate", str(builtin_pack_dir()), "--format-only")
    assert code == 0, out


def test_verify_a_few_tasks_prints_a_summary() -> None:
    code, out = invoke("verify", "--tasks", "4-5", "--jobs", "2")
    assert code == 0, out
    assert "2 exercises" in out
    assert "0 failed" in out


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"]])
def test_the_console_script_runs(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "quiz_tui", *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert done.stdout.strip()


def test_progress_summary_export_import_and_reset(tmp_path: Path) -> None:
    code, _ = invoke("check", "4", "-", input="x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n")
    assert code == 0
    code, out = invoke("progress", "--json")
    data = json.loads(out)["packs"][0]
    assert (data["passed"], data["total"]) == (1, 60)
    assert data["tasks"]["4"]["status"] == "passed"
    export = tmp_path / "progress.json"
    code, out = invoke("progress", "export", str(export))
    assert code == 0 and "exported 1 records" in out
    code, out = invoke("progress", "reset", "4", input="n\n")
    assert code == 1 and "nothing changed" in out
    code, out = invoke("progress", "reset", "4", input="y\n")
    assert code == 0 and "forgot 1 records" in out
    assert json.loads(invoke("progress", "--json")[1])["packs"][0]["passed"] == 0
    code, out = invoke("progress", "import", str(export))
    assert code == 0 and "imported 1 new records" in out
    assert json.loads(invoke("progress", "--json")[1])["packs"][0]["passed"] == 1
    code, out = invoke("progress", "import", str(export))
    assert "imported 0 new records" in out


def test_progress_import_rejects_a_foreign_file(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    code, out = invoke("progress", "import", str(other))
    assert code == 1
    assert "not a quiz-tui progress export" in out


def test_an_exam_with_pack_is_set_on_that_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `quiz-tui --pack my-course exam --tasks 1-2` ran the built-in tasks 1 and 2.
    from quiz_tui.cli import _common as cli

    launched: list[object] = []
    monkeypatch.setattr(cli, "_launch_app", lambda settings, **kw: launched.append(kw))
    monkeypatch.setenv("QUIZ_TUI_HOME", str(tmp_path / "home"))
    pack = Path(__file__).resolve().parents[2] / "examples" / "linear-regression"
    result = CliRunner().invoke(
        main, ["--pack", str(pack), "--trust", "exam", "--tasks", "1-2"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    plan = launched[0]["exam_plan"]  # type: ignore[index]
    assert plan.pack.id == "linear-regression"
    assert [e.number for e in plan.exercises] == [1, 2]
