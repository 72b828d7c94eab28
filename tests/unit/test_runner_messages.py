"""What the learner reads when their code goes wrong: in their language, with the first
useful line of the error, an explanation and the mistake's id; and the check's own bugs
kept apart from wrong answers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Lang, Limits, SetupPiece, Status

TORCH = (SetupPiece("fixture:torch", "import torch\n"),)
CHECK_X = "expect_tensor(x, name='x', shape=(2,))"


def job(code: str, *, lang: Lang = "en", check: str = CHECK_X, seconds: float = 5.0) -> Job:
    return Job(
        task="t",
        code=code,
        check=check,
        setup=TORCH,
        names=("x",),
        lang=lang,
        limits=Limits(seconds=seconds, memory_mb=3072),
    )


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_syntax_error_in_chinese(runner: Runner) -> None:
    result = runner.run(job("x = 1\ny = (\n", lang="zh"))
    assert result.status is Status.ERROR
    assert result.message.startswith("第 2 行有语法错误（SyntaxError）")
    assert result.line == 2


def test_an_indentation_error_is_named_as_such(runner: Runner) -> None:
    result = runner.run(job("if True:\nx = torch.zeros(2)\n"))
    assert result.message.startswith("IndentationError on line 2: expected an indented block")
    zh = runner.run(job("if True:\nx = torch.zeros(2)\n", lang="zh"))
    assert zh.message.startswith("第 2 行有缩进错误（IndentationError）")


@pytest.mark.parametrize(
    ("code", "english", "chinese"),
    [
        ("import sys\nsys.exit()\n", "called sys.exit() or exit()", "调用了 sys.exit() 或 exit()"),
        ("import os\nos._exit(0)\n", "ended the process (exit code 0", "结束了进程（退出码 0"),
    ],
)
def test_ending_the_process_is_explained_in_both_languages(
    runner: Runner, code: str, english: str, chinese: str
) -> None:
    en = runner.run(job(code))
    zh = runner.run(job(code, lang="zh"))
    assert en.status is zh.status is Status.ERROR
    assert english in en.message
    assert chinese in zh.message and has_chinese(zh.message)


def test_a_timeout_in_chinese_names_the_line(runner: Runner) -> None:
    result = runner.run(job("import time\ntime.sleep(60)\n", lang="zh", seconds=1.0))
    assert result.status is Status.TIMEOUT
    assert "你的代码运行超过 1 s" in result.message
    assert "（第 2 行：`time.sleep(60)`）" in result.message


def test_code_with_a_byte_order_mark_and_crlf_runs_with_the_editors_lines(runner: Runner) -> None:
    ok = runner.run(job("\ufeffx = torch.zeros(2)\r\nprint(x)\r\n"))
    assert ok.status is Status.PASS, ok.message
    bad = runner.run(job("\ufeffx = torch.zeros(2)\r\n\r\ny = x.view(3)\r\n"))
    assert bad.status is Status.ERROR
    assert bad.line == 3
    assert "y = x.view(3)" in bad.traceback


def test_the_check_reads_the_cleaned_source(runner: Runner) -> None:
    check = "import ast\nexpect(ast.parse(source()), 'unparsable')\nexpect_tensor(x, name='x')"
    result = runner.run(job("\ufeffx = torch.zeros(2)\r\n", check=check))
    assert result.status is Status.PASS, result.message


def test_a_multi_line_error_keeps_its_first_meaningful_line(runner: Runner) -> None:
    code = (
        "raise RuntimeError('\\nmat1 and mat2 shapes cannot be multiplied (4x400 and 16x120)"
        "\\nwhile running something else')\n"
    )
    result = runner.run(job(code))
    assert result.status is Status.ERROR
    assert result.message.startswith(
        "RuntimeError on line 1: mat1 and mat2 shapes cannot be multiplied (4x400 and 16x120)."
    )
    assert "while running something else" not in result.message
    assert "each input row has 400 numbers where the layer expects 16" in result.message
    assert result.mistake == "shape-mismatch-matmul"


def test_an_explained_error_in_chinese(runner: Runner) -> None:
    result = runner.run(job("x = torch.zeros(2)\nn = x.size[0]\n", lang="zh"))
    assert result.message.startswith("TypeError（第 2 行）：")
    assert "请先调用它" in result.message
    assert result.mistake == "method-not-subscriptable"


def test_a_name_error_on_the_tasks_name_is_explained(runner: Runner) -> None:
    result = runner.run(job("print(x)\nx = torch.zeros(2)\n"))
    assert result.mistake == "name-not-defined-task"
    assert "This task asks you to define `x`" in result.message


def test_a_name_error_on_another_name_gets_no_task_text(runner: Runner) -> None:
    result = runner.run(job("x = torch.zeros(2)\nprint(y)\n"))
    assert result.status is Status.ERROR
    assert result.mistake == ""
    assert result.message == "NameError on line 2: name 'y' is not defined"


def test_a_missing_import_names_the_line_to_add(runner: Runner) -> None:
    result = runner.run(job("x = torch.zeros(2)\ny = nn.Linear(2, 2)\n", lang="zh"))
    assert result.mistake == "missing-import"
    assert "`import torch.nn as nn`" in result.message


def test_a_value_of_the_wrong_type_is_the_learners_fail(runner: Runner) -> None:
    # The check asks the learner's list for a tensor's attribute: their mistake, not a bug.
    result = runner.run(job("x = [0.0, 0.0]\n", check="x.shape"))
    assert result.status is Status.FAIL
    assert "`x` is a list, and a list has no `.shape`" in result.message


def test_a_bug_in_the_check_stays_a_checker_error(runner: Runner) -> None:
    for check in ("undefined_helper(x)", "torch.no_such_function(x)", "x.no_such_attribute"):
        result = runner.run(job("x = torch.zeros(2)\n", check=check))
        assert result.status is Status.CHECKER_ERROR, (check, result.message)


def test_a_checker_error_in_chinese(runner: Runner) -> None:
    result = runner.run(job("x = torch.zeros(2)\n", check="1 / 0", lang="zh"))
    assert result.status is Status.CHECKER_ERROR
    assert "这是题目的问题，不是你的代码的问题" in result.message


def test_a_method_replaced_by_assignment_is_named(runner: Runner) -> None:
    setup = (*TORCH, SetupPiece("fixture:nn", "import torch.nn as nn\n"))
    check = "expect(False, 'the weights are wrong')"
    code = "net = nn.Linear(2, 2)\nnet.state_dict = {'weight': torch.zeros(2, 2)}\n"
    j = replace(job(code, check=check), setup=setup, names=("net",))
    result = runner.run(j)
    assert result.status is Status.FAIL
    assert result.mistake == "method-replaced"
    assert result.message.startswith("Your code assigned a value to `net.state_dict`")
    assert "`net.load_state_dict(weights)`" in result.message
    assert result.message.endswith("the weights are wrong")


def test_an_explained_error_drops_torchs_own_advice(runner: Runner) -> None:
    code = "w = torch.ones(2, requires_grad=True)\nx = (w * 2).sum()\nx.backward()\nx.backward()\n"
    result = runner.run(job(code, check=""))
    assert result.mistake == "backward-twice"
    assert "Trying to backward through the graph a second time" in result.message
    assert "retain_graph" not in result.message
    assert "retain_graph" in result.traceback  # torch's whole message is still there
