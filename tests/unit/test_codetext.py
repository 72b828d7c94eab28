"""Input hygiene: what editors and copy-paste add to code is read as the learner sees it."""

from __future__ import annotations

import pytest

from checkers._core import first_line
from quiz_tui.core.execution.codetext import clean_code


def test_a_byte_order_mark_is_dropped() -> None:
    assert clean_code("\ufeffx = 1\n") == "x = 1\n"


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_windows_and_old_mac_line_endings_keep_every_line(ending: str) -> None:
    code = ending.join(["x = 1", "", "y = (", "  2)", ""])
    cleaned = clean_code(code)
    assert cleaned == "x = 1\n\ny = (\n  2)\n"
    assert cleaned.count("\n") == code.count(ending)


def test_tabs_python_refuses_are_read_as_the_editor_shows_them() -> None:
    code = "if True:\n\tx = 1\n    y = 2\n"
    with pytest.raises(IndentationError):
        compile(code, "<t>", "exec")
    cleaned = clean_code(code)
    assert cleaned == "if True:\n    x = 1\n    y = 2\n"
    compile(cleaned, "<t>", "exec")


def test_code_python_accepts_keeps_its_tabs() -> None:
    code = "def f():\n\treturn '\t'\n"
    assert clean_code(code) == code


def test_indentation_that_is_wrong_however_tabs_are_read_stays_as_written() -> None:
    code = "if True:\n\tx = 1\n          y = 2\n"
    assert clean_code(code) == code


def test_non_ascii_names_are_untouched() -> None:
    code = "张量 = 1\nx = 张量\n"
    assert clean_code(code) == code


@pytest.mark.parametrize(
    ("message", "first"),
    [
        ("\nmat1 and mat2 shapes cannot be multiplied (4x400 and 16x120)\n\nmore", "mat1 and"),
        ("Given groups=1, weight of size [6, 3, 5, 5], expected input", "Given groups=1"),
        ("Error(s) in loading state_dict for Net:\n\tMissing key(s): fc1.weight", "Error(s)"),
        ("", ""),
    ],
)
def test_an_error_message_keeps_its_first_meaningful_line(message: str, first: str) -> None:
    line = first_line(message)
    assert line.startswith(first)
    assert "\n" not in line
    if message.startswith("Error(s)"):
        assert line.endswith("Missing key(s): fc1.weight")
