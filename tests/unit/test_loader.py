"""The exercise-file loader: every malformed file is reported as ``file:line: message``.

Each test writes a small pack to ``tmp_path``: a valid ``pack.toml`` and one valid
exercise (``PACK`` and ``EXERCISE`` below), then alters their text. The expected
line numbers refer to the lines listed next to those constants; a test at the top
checks that the constants still have those lines, so an edit to them shows up
there first rather than as a puzzle in every other test.

The "Regressions" section at the end pins locations and robustness that were once
wrong (dotted keys, hint keys, byte-order marks, absurdly nested files, ...).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz_tui.core.content.loader import (
    FORMAT_VERSION,
    exercise_files,
    load_pack,
    read_pack_file,
    validate_path,
)
from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.errors import PackError, Problem
from quiz_tui.core.model import LANGS, Limits, Section, SetupPiece, Text

# Lines:  1 format   2 id   3 number   4 section   5 title.en   6 title.zh
#         7 fixtures   8 names   9 (blank)   10 prompt.en   11 prompt.zh
#        13 starter = '''   14 its code      17 solution = '''   18 its code
#        21 check = '''     22-23 its code   26 [limits]   27 seconds   28 memory_mb
#        30 [[hints]]   31 en   32 zh        34 [[wrong]]   35 code = '''   36 its code
#        38 message
EXERCISE = """\
format = 1
id = "add-one"
number = 1
section = "basics"
title.en = "Add one"
title.zh = "加一"
fixtures = ["base"]
names = ["y"]

prompt.en = "Set `y` to `x` plus one."
prompt.zh = "把 `y` 设为 `x` 加一。"

starter = '''
y = ...
'''

solution = '''
y = x + 1
'''

check = '''
assert y == 2
assert isinstance(y, int)
'''

[limits]
seconds = 5
memory_mb = 1024

[[hints]]
en = "Use `+`."
zh = "用加号 `+`。"

[[wrong]]
code = '''
y = x
'''
message = "`y` should be 2"
"""

# Lines:  1 format   2 id   3 name.en   4 name.zh   5 (blank)
#         6 [[sections]]   7 id   8 title.en   9 title.zh   10 (blank)
#        11 [fixtures]   12 base = '''   13 its code   14 '''
PACK = """\
format = 1
id = "demo"
name.en = "Demo pack"
name.zh = "演示题集"

[[sections]]
id = "basics"
title.en = "Basics"
title.zh = "基础"

[fixtures]
base = '''
x = 1
'''
"""

EXERCISE_NAME = "01-add-one.toml"
HINTS_BLOCK = '[[hints]]\nen = "Use `+`."\nzh = "用加号 `+`。"\n\n'
SECTION_BLOCK = '\n[[sections]]\nid = "basics"\ntitle.en = "Basics"\ntitle.zh = "基础"\n'


def edit(text: str, *changes: tuple[str, str]) -> str:
    """Apply ``(old, new)`` replacements; each ``old`` must occur exactly once."""
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def make_pack(
    tmp_path: Path,
    exercise: str | bytes = EXERCISE,
    *,
    pack: str = PACK,
    name: str = EXERCISE_NAME,
) -> Path:
    """A pack folder with ``pack.toml`` and one exercise file; returns the folder."""
    root = tmp_path / "demo"
    root.mkdir()
    write(root / "pack.toml", pack)
    write(root / name, exercise)
    return root


def assert_problems(
    problems: tuple[Problem, ...] | list[Problem], path: Path, expected: list[tuple[int, str]]
) -> None:
    """``problems`` are exactly ``expected`` (line, part of the message), in order, in ``path``."""
    got = [(p.line, p.message) for p in problems]
    assert len(got) == len(expected), got
    for problem, (line, fragment) in zip(problems, expected, strict=True):
        assert problem.path == path, got
        assert problem.line == line, got
        assert fragment in problem.message, got


def broken_problems(root: Path, name: str = EXERCISE_NAME) -> tuple[Problem, ...]:
    """Load the pack; the exercise ``name`` must be broken. Returns its problems."""
    pack = load_pack(root)
    assert [b.path.name for b in pack.broken] == [name]
    assert name not in [e.path.name for e in pack.exercises]
    return pack.broken[0].problems


# --- the fixtures themselves --------------------------------------------------------------


def test_the_line_map_in_the_comments_matches_the_constants() -> None:
    ex = EXERCISE.splitlines()
    assert ex[1 - 1] == "format = 1"
    assert ex[6 - 1] == 'title.zh = "加一"'
    assert ex[9 - 1] == ""
    assert ex[13 - 1] == "starter = '''"
    assert ex[18 - 1] == "y = x + 1"
    assert ex[21 - 1] == "check = '''"
    assert ex[23 - 1] == "assert isinstance(y, int)"
    assert ex[27 - 1] == "seconds = 5"
    assert ex[30 - 1] == "[[hints]]"
    assert ex[36 - 1] == "y = x"
    assert ex[38 - 1].startswith("message = ")
    assert len(ex) == 38
    pk = PACK.splitlines()
    assert pk[6 - 1] == "[[sections]]"
    assert pk[12 - 1] == "base = '''"
    assert pk[13 - 1] == "x = 1"


def test_the_valid_pack_loads_with_every_field(tmp_path: Path) -> None:
    root = make_pack(tmp_path)
    pack = load_pack(root)
    assert pack.broken == ()
    assert pack.id == "demo"
    assert pack.name == Text(en="Demo pack", zh="演示题集")
    assert pack.sections == (Section("basics", Text("Basics", "基础")),)
    assert pack.root == root
    assert pack.builtin is False
    (ex,) = pack.exercises
    assert ex.pack_id == "demo"
    assert (ex.id, ex.number, ex.key, ex.section) == ("add-one", 1, "1", "basics")
    assert ex.title == Text("Add one", "加一")
    assert ex.prompt.en == "Set `y` to `x` plus one."
    assert ex.setup == (SetupPiece("fixture:base", "x = 1\n"),)
    assert ex.starter == "y = ...\n"
    assert ex.solution == "y = x + 1\n"
    assert ex.check == "assert y == 2\nassert isinstance(y, int)\n"
    assert ex.hints == (Text("Use `+`.", "用加号 `+`。"),)
    assert ex.names == ("y",)
    assert ex.limits == Limits(seconds=5.0, memory_mb=1024, tasks=Limits().tasks)
    assert ex.alternatives == ()
    (wrong,) = ex.wrong
    assert (wrong.code, wrong.line, wrong.message, wrong.status) == (
        "y = x\n",
        36,
        "`y` should be 2",
        "fail",
    )
    assert ex.path == root / EXERCISE_NAME
    assert ex.uses_data is False


def test_the_helper_refuses_an_edit_that_does_not_apply() -> None:
    with pytest.raises(AssertionError, match="occurs 0 times"):
        edit(EXERCISE, ("no such text", ""))


# --- malformed exercise files -------------------------------------------------------------

EXERCISE_CASES = [
    # missing required fields: nothing to point at, so line 1
    pytest.param(
        [('id = "add-one"\n', "")],
        [(1, "missing 'id'")],
        id="missing-id",
    ),
    pytest.param(
        [("number = 1\n", "")],
        [(1, "missing 'number' (the task's number in the pack)")],
        id="missing-number",
    ),
    pytest.param(
        [('section = "basics"\n', "")],
        [(1, "missing 'section'")],
        id="missing-section",
    ),
    pytest.param(
        [('prompt.en = "Set `y` to `x` plus one."\nprompt.zh = "把 `y` 设为 `x` 加一。"\n', "")],
        [(1, "missing 'prompt': give it as prompt.en and prompt.zh")],
        id="missing-prompt",
    ),
    pytest.param(
        [("starter = '''\ny = ...\n'''\n", "")],
        [(1, "missing 'starter'")],
        id="missing-starter",
    ),
    pytest.param(
        [("solution = '''\ny = x + 1\n'''\n", "")],
        [(1, "missing 'solution'")],
        id="missing-solution",
    ),
    pytest.param(
        [("check = '''\nassert y == 2\nassert isinstance(y, int)\n'''\n", "")],
        [(1, "missing 'check'")],
        id="missing-check",
    ),
    pytest.param(
        [(HINTS_BLOCK, "")],
        [(1, "at least one [[hints]] entry (with en and zh) is required")],
        id="missing-hints",
    ),
    pytest.param(
        [("format = 1\n", "")],
        [(1, f"missing 'format' (write format = {FORMAT_VERSION} at the top)")],
        id="missing-format",
    ),
    # empty or wrongly typed values
    pytest.param(
        [('title.zh = "加一"', 'title.zh = "  "')],
        [(6, "title.zh must be a non-empty string")],
        id="blank-title-zh",
    ),
    pytest.param(
        [('title.en = "Add one"\ntitle.zh = "加一"\n', 'title = "Add one"\n\n')],
        [(5, "'title' must be a table with 'en' and 'zh' texts")],
        id="title-not-a-table",
    ),
    pytest.param(
        [('names = ["y"]\n\n', 'names = ["y"]\ntitle.fr = "Ajouter un"\n')],
        [(9, "title has unknown language 'fr' (use 'en' and 'zh')")],
        id="title-unknown-language",
    ),
    pytest.param(
        [("number = 1\n", 'number = "1"\n')],
        [(3, "'number' must be a positive whole number")],
        id="number-as-string",
    ),
    pytest.param(
        [("number = 1\n", "number = 0\n")],
        [(3, "'number' must be a positive whole number")],
        id="number-zero",
    ),
    pytest.param(
        [("number = 1\n", "number = true\n")],
        [(3, "'number' must be a positive whole number")],
        id="number-bool",
    ),
    pytest.param(
        [(HINTS_BLOCK, ""), ('names = ["y"]\n\n', 'names = ["y"]\nhints = "Use `+`."\n')],
        [(9, "at least one [[hints]] entry (with en and zh) is required")],
        id="hints-not-a-list",
    ),
    pytest.param(
        [('zh = "用加号 `+`。"\n', "")],
        [(30, "hints[0].zh must be a non-empty string")],
        id="hint-without-zh",
    ),
    pytest.param(
        [('names = ["y"]', 'names = ["1y"]')],
        [(8, "'names' must be a list of Python variable names")],
        id="names-not-identifiers",
    ),
    pytest.param(
        [('fixtures = ["base"]', 'fixtures = "base"')],
        [(7, "'fixtures' must be a list of fixture names from pack.toml")],
        id="fixtures-not-a-list",
    ),
    pytest.param(
        [('names = ["y"]\n\n', 'names = ["y"]\ndata = "yes"\n')],
        [(9, "'data' must be true or false")],
        id="data-not-bool",
    ),
    pytest.param(
        [("check = '''\nassert y == 2\nassert isinstance(y, int)\n'''", "check = '''\n\n\n'''")],
        [(21, "'check' is empty")],
        id="empty-check",
    ),
    # limits
    pytest.param(
        [("seconds = 5\n", 'seconds = "5"\n')],
        [(27, "limits.seconds must be a number")],
        id="seconds-as-string",
    ),
    pytest.param(
        [("seconds = 5\n", "seconds = 0\n")],
        [(27, "limits.seconds must be above 0 and at most 600")],
        id="seconds-zero",
    ),
    pytest.param(
        [("seconds = 5\n", "seconds = -2.5\n")],
        [(27, "limits.seconds must be above 0 and at most 600")],
        id="seconds-negative",
    ),
    pytest.param(
        [("seconds = 5\n", "seconds = 601\n")],
        [(27, "limits.seconds must be above 0 and at most 600")],
        id="seconds-above-cap",
    ),
    pytest.param(
        [("memory_mb = 1024\n", "memory_mb = 100\n")],
        [(28, "limits.memory_mb must be between 256 and 32768")],
        id="memory-too-small",
    ),
    pytest.param(
        [("memory_mb = 1024\n", "memory_mb = 1024.5\n")],
        [(28, "limits.memory_mb must be a whole number of megabytes")],
        id="memory-not-whole",
    ),
    pytest.param(
        [("memory_mb = 1024\n", "tasks = 8\n")],
        [(28, "limits.tasks must be a whole number between 16 and 4096")],
        id="tasks-too-few",
    ),
    # unknown keys, sections and fixtures
    pytest.param(
        [('names = ["y"]\n\n', 'names = ["y"]\nhint = "Use `+`."\n')],
        [(9, "unknown key 'hint' (did you mean 'hints'?)")],
        id="unknown-key-hint",
    ),
    pytest.param(
        [("seconds = 5\n", "second = 5\n")],
        [(27, "unknown key 'second' (did you mean 'seconds'?)")],
        id="unknown-key-in-limits",
    ),
    pytest.param(
        [("[limits]\n", "[limit]\n")],
        [(26, "unknown key 'limit' (did you mean 'limits'?)")],
        id="unknown-table",
    ),
    pytest.param(
        [('message = "`y` should be 2"', 'mesage = "`y` should be 2"')],
        [(38, "unknown key 'mesage' (did you mean 'message'?)"), (34, "missing 'message'")],
        id="unknown-key-in-wrong",
    ),
    pytest.param(
        [('section = "basics"', 'section = "basic"')],
        [(4, "unknown section 'basic' (did you mean 'basics'?)")],
        id="unknown-section",
    ),
    pytest.param(
        [('fixtures = ["base"]', 'fixtures = ["bse"]')],
        [(7, "unknown fixture 'bse' (did you mean 'base'?); pack.toml defines: base")],
        id="unknown-fixture",
    ),
    # Python syntax errors: the line inside the multi-line string, as a file line
    pytest.param(
        [("assert isinstance(y, int)\n", "assert isinstance(y, int\n")],
        [(23, "Python syntax error in check: '(' was never closed")],
        id="check-syntax-error",
    ),
    pytest.param(
        [
            (
                "check = '''\nassert y == 2\nassert isinstance(y, int)\n",
                "check = '''assert y == 2\n\nassert isinstance(y, int\n",
            )
        ],
        [(23, "Python syntax error in check: '(' was never closed")],
        id="check-syntax-error-code-on-the-key-line",
    ),
    pytest.param(
        [("y = x + 1\n", "y = x +\n")],
        [(18, "Python syntax error in solution")],
        id="solution-syntax-error",
    ),
    pytest.param(
        [("y = x\n", "y = x)\n")],
        [(36, "Python syntax error in wrong[0].code: unmatched ')'")],
        id="wrong-code-syntax-error",
    ),
    pytest.param(
        [("'''\n\n[limits]", "'''\nsetup = '''\nz = [x\n'''\n[limits]")],
        [(26, "Python syntax error in setup: '[' was never closed")],
        id="setup-syntax-error",
    ),
    pytest.param(
        [
            (
                'should be 2"\n',
                "should be 2\"\n\n[[alternatives]]\ncode = '''\ny = 1 + x\ny = = 2\n'''\n",
            )
        ],
        [(43, "Python syntax error in alternatives[0].code")],
        id="alternative-syntax-error",
    ),
    # [[wrong]] entries
    pytest.param(
        [('message = "`y` should be 2"\n', "")],
        [(34, "missing 'message'")],
        id="wrong-without-message",
    ),
    pytest.param(
        [('should be 2"\n', 'should be 2"\nstatus = "pass"\n')],
        [(39, "wrong.status must be 'fail', 'error' or 'timeout'")],
        id="wrong-bad-status",
    ),
    # identity and format
    pytest.param(
        [('id = "add-one"', 'id = "Add-One"')],
        [(2, "id 'Add-One' must be lowercase letters, digits and '-' (it never changes)")],
        id="uppercase-id",
    ),
    pytest.param(
        [('id = "add-one"', 'id = "add one"')],
        [(2, "id 'add one' must be lowercase letters, digits and '-'")],
        id="id-with-space",
    ),
    pytest.param(
        [("format = 1\n", "format = 3\n")],
        [(1, "format 3 is newer than this quiz-tui understands (2); upgrade quiz-tui")],
        id="format-newer",
    ),
    pytest.param(
        [("format = 1\n", "format = 0\n")],
        [(1, "format must be 1 or 2")],
        id="format-zero",
    ),
    pytest.param(
        [("format = 1\n", 'format = "1"\n')],
        [(1, "'format' must be an integer")],
        id="format-string",
    ),
    pytest.param(
        [("y = x + 1\n", "y = ...\n")],
        [(17, "the solution is the same as the starter")],
        id="solution-same-as-starter",
    ),
    # TOML syntax: the line comes from tomllib
    pytest.param(
        [("seconds = 5\n", "seconds = \n")],
        [(27, "TOML syntax error: Invalid value")],
        id="toml-syntax-error",
    ),
    pytest.param(
        [('zh = "用加号 `+`。"\n', 'zh = "用加号 `+`。\n')],
        [(32, "TOML syntax error: Illegal character")],
        id="toml-unterminated-string",
    ),
    pytest.param(
        [("[limits]\n", "[limits\n")],
        [(26, "TOML syntax error: Expected ']' at the end of a table declaration")],
        id="toml-bad-header",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), EXERCISE_CASES)
def test_a_malformed_exercise_is_reported_at_its_line(
    tmp_path: Path, changes: list[tuple[str, str]], expected: list[tuple[int, str]]
) -> None:
    root = make_pack(tmp_path, edit(EXERCISE, *changes))
    assert_problems(broken_problems(root), root / EXERCISE_NAME, expected)


def test_a_toml_error_message_has_no_second_location(tmp_path: Path) -> None:
    root = make_pack(tmp_path, edit(EXERCISE, ("seconds = 5\n", "seconds = \n")))
    (problem,) = broken_problems(root)
    assert str(problem) == f"{root / EXERCISE_NAME}:27: TOML syntax error: Invalid value"


def test_every_problem_of_a_file_is_reported_in_order(tmp_path: Path) -> None:
    text = edit(
        EXERCISE,
        ("number = 1\n", 'number = "1"\n'),
        ('section = "basics"', 'section = "basic"'),
        ("assert isinstance(y, int)\n", "assert isinstance(y, int\n"),
        ("memory_mb = 1024\n", "memory_mb = 100\n"),
    )
    root = make_pack(tmp_path, text)
    assert_problems(
        broken_problems(root),
        root / EXERCISE_NAME,
        [
            (3, "'number' must be a positive whole number"),
            (4, "unknown section 'basic'"),
            (23, "Python syntax error in check"),
            (28, "limits.memory_mb must be between 256"),
        ],
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            EXERCISE.encode("utf-8").replace("加一。".encode(), b"\xff\xfe"),
            [(11, "the file is not valid UTF-8 text (save it as UTF-8)")],
            id="bad-byte-on-line-11",
        ),
        pytest.param(
            EXERCISE.replace("`x` plus one", "`x` plus one, café").encode("latin-1", "replace"),
            [(10, "the file is not valid UTF-8 text")],
            id="latin-1-file",
        ),
        pytest.param(b"", [(1, "the file is empty")], id="empty"),
        pytest.param(b"\n   \n\t\n", [(1, "the file is empty")], id="only-whitespace"),
    ],
)
def test_an_unreadable_exercise_is_reported(
    tmp_path: Path, content: bytes, expected: list[tuple[int, str]]
) -> None:
    root = make_pack(tmp_path, content)
    assert_problems(broken_problems(root), root / EXERCISE_NAME, expected)


# --- malformed pack.toml ------------------------------------------------------------------

PACK_CASES = [
    pytest.param(
        [(SECTION_BLOCK, "")],
        [(1, "a pack needs at least one [[sections]] entry with id and title")],
        id="no-sections",
    ),
    pytest.param(
        [(SECTION_BLOCK, "sections = []\n")],
        [(5, "a pack needs at least one [[sections]] entry with id and title")],
        id="empty-sections-list",
    ),
    pytest.param(
        [
            (
                'title.zh = "基础"\n',
                'title.zh = "基础"\n\n[[sections]]\nid = "basics"\ntitle.en = "More"\ntitle.zh = "更多"\n',
            )
        ],
        [(12, "section id 'basics' is used twice")],
        id="duplicate-section-id",
    ),
    pytest.param(
        [('title.en = "Basics"\ntitle.zh = "基础"\n', "")],
        [(6, "missing 'title': give it as title.en and title.zh")],
        id="section-without-title",
    ),
    pytest.param(
        [('id = "basics"\n', 'id = "basics"\nname = "Basics"\n')],
        [(8, "unknown key 'name'")],
        id="unknown-key-in-section",
    ),
    pytest.param(
        [("x = 1\n", "x = (1\n")],
        [(13, "Python syntax error in fixture 'base': '(' was never closed")],
        id="fixture-syntax-error",
    ),
    pytest.param(
        [("base = '''", "base-2 = '''")],
        [(12, "fixture name 'base-2' must be a Python identifier")],
        id="fixture-name-not-identifier",
    ),
    pytest.param(
        [("base = '''\nx = 1\n'''\n", "base = 1\n")],
        [(12, "fixture 'base' must be a string of Python code")],
        id="fixture-not-a-string",
    ),
    pytest.param(
        [("[fixtures]\n", "[fixture]\n")],
        [(11, "unknown key 'fixture' (did you mean 'fixtures'?)")],
        id="unknown-table",
    ),
    pytest.param(
        [('id = "demo"', 'id = "Demo"')],
        [(2, "pack id 'Demo' must be lowercase letters, digits and '-'")],
        id="uppercase-pack-id",
    ),
    pytest.param(
        [("format = 1\n", "format = 3\n")],
        [(1, "format 3 is newer than this quiz-tui understands (2); upgrade quiz-tui")],
        id="format-newer",
    ),
    pytest.param(
        [('name.en = "Demo pack"\nname.zh = "演示题集"\n', "")],
        [(1, "missing 'name': give it as name.en and name.zh")],
        id="missing-name",
    ),
    pytest.param(
        [('id = "demo"\n', "id = demo\n")],
        [(2, "TOML syntax error: Invalid value")],
        id="toml-syntax-error",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), PACK_CASES)
def test_a_malformed_pack_file_is_a_pack_error_with_located_problems(
    tmp_path: Path, changes: list[tuple[str, str]], expected: list[tuple[int, str]]
) -> None:
    root = make_pack(tmp_path, pack=edit(PACK, *changes))
    with pytest.raises(PackError) as info:
        load_pack(root)
    assert_problems(info.value.problems, root / "pack.toml", expected)
    first_line, first_fragment = expected[0]
    assert f"{root / 'pack.toml'}:{first_line}: " in str(info.value)
    assert first_fragment in str(info.value)
    assert validate_path(root) == info.value.problems


def test_an_empty_pack_file_is_reported(tmp_path: Path) -> None:
    root = make_pack(tmp_path, pack="")
    with pytest.raises(PackError) as info:
        load_pack(root)
    assert info.value.problems == [Problem(root / "pack.toml", 1, "the file is empty")]


def test_read_pack_file_returns_sections_and_fixtures(tmp_path: Path) -> None:
    root = make_pack(tmp_path)
    pack_file = read_pack_file(root / "pack.toml")
    assert pack_file.id == "demo"
    assert [s.id for s in pack_file.sections] == ["basics"]
    assert pack_file.fixtures == {"base": "x = 1\n"}


# --- a pack with several files ------------------------------------------------------------


def other_exercise(ex_id: str, number: int) -> str:
    return edit(
        EXERCISE,
        ('id = "add-one"', f'id = "{ex_id}"'),
        ("number = 1\n", f"number = {number}\n"),
    )


def test_a_bad_file_never_stops_the_others_from_loading(tmp_path: Path) -> None:
    root = make_pack(tmp_path, other_exercise("first", 1), name="01-first.toml")
    bad = write(
        root / "02-bad.toml",
        edit(other_exercise("second", 2), ("assert isinstance(y, int)\n", "assert (\n")),
    )
    write(root / "03-third.toml", other_exercise("third", 3))
    write(root / "04-empty.toml", "")
    pack = load_pack(root)
    assert [e.id for e in pack.exercises] == ["first", "third"]
    assert [b.path for b in pack.broken] == [bad, root / "04-empty.toml"]
    assert pack.broken[0].problems == (
        Problem(bad, 23, "Python syntax error in check: '(' was never closed"),
    )
    assert pack.broken[1].problems == (Problem(root / "04-empty.toml", 1, "the file is empty"),)


def test_duplicate_ids_across_files_break_the_later_file(tmp_path: Path) -> None:
    root = make_pack(tmp_path)
    second = write(root / "02-copy.toml", other_exercise("add-one", 2))
    pack = load_pack(root)
    assert [e.path.name for e in pack.exercises] == [EXERCISE_NAME]
    (broken,) = pack.broken
    assert broken.problems == (
        Problem(second, 2, f"id 'add-one' is already used by {EXERCISE_NAME}"),
    )


def test_duplicate_numbers_across_files_break_the_later_file(tmp_path: Path) -> None:
    root = make_pack(tmp_path)
    second = write(root / "02-other.toml", other_exercise("other", 1))
    pack = load_pack(root)
    assert [e.id for e in pack.exercises] == ["add-one"]
    (broken,) = pack.broken
    assert broken.problems == (Problem(second, 3, f"number 1 is already used by {EXERCISE_NAME}"),)


def test_exercises_are_ordered_by_number_not_file_name(tmp_path: Path) -> None:
    root = make_pack(tmp_path, other_exercise("third", 3), name="a.toml")
    write(root / "b.toml", other_exercise("first", 1))
    write(root / "c.toml", other_exercise("second", 2))
    assert [e.id for e in load_pack(root)] == ["first", "second", "third"]


def test_exercise_files_skips_the_pack_file_other_files_and_folders(tmp_path: Path) -> None:
    root = make_pack(tmp_path, name="02-b.toml")
    write(root / "01-a.toml", "")
    write(root / "notes.txt", "not an exercise")
    (root / "folder.toml").mkdir()
    assert [p.name for p in exercise_files(root)] == ["01-a.toml", "02-b.toml"]


# --- load_pack and validate_path ----------------------------------------------------------


def test_load_pack_needs_a_pack_file(tmp_path: Path) -> None:
    folder = tmp_path / "no-pack"
    folder.mkdir()
    write(folder / EXERCISE_NAME, EXERCISE)
    with pytest.raises(PackError, match=r"no pack\.toml here, so this is not a quiz-tui pack"):
        load_pack(folder)


def test_load_pack_needs_a_folder(tmp_path: Path) -> None:
    path = write(tmp_path / "single.toml", EXERCISE)
    with pytest.raises(PackError, match="not a folder"):
        load_pack(path)


def test_validate_path_on_a_good_folder_finds_nothing(tmp_path: Path) -> None:
    assert validate_path(make_pack(tmp_path)) == []


def test_validate_path_on_a_folder_lists_the_problems_of_every_file(tmp_path: Path) -> None:
    root = make_pack(tmp_path, edit(EXERCISE, ("seconds = 5\n", "seconds = 0\n")))
    other = write(
        root / "02-other.toml",
        edit(other_exercise("other", 2), ('section = "basics"', 'section = "tensors"')),
    )
    write(root / "03-fine.toml", other_exercise("fine", 3))
    assert validate_path(root) == [
        Problem(root / EXERCISE_NAME, 27, "limits.seconds must be above 0 and at most 600"),
        Problem(other, 4, "unknown section 'tensors'"),
    ]


def test_validate_path_on_a_folder_without_pack_file(tmp_path: Path) -> None:
    folder = tmp_path / "no-pack"
    folder.mkdir()
    assert validate_path(folder) == [
        Problem(folder / "pack.toml", 1, "no pack.toml here, so this is not a quiz-tui pack")
    ]


def test_validate_path_on_a_single_file_uses_its_pack(tmp_path: Path) -> None:
    root = make_pack(tmp_path, edit(EXERCISE, ('section = "basics"', 'section = "basic"')))
    path = root / EXERCISE_NAME
    assert validate_path(path) == [
        Problem(path, 4, "unknown section 'basic' (did you mean 'basics'?)")
    ]
    write(path, EXERCISE)
    assert validate_path(path) == []


def test_validate_path_on_a_single_file_without_a_pack(tmp_path: Path) -> None:
    path = write(tmp_path / "lonely.toml", edit(EXERCISE, ('section = "basics"', 'section = "x"')))
    assert validate_path(path) == [
        Problem(path, 7, "unknown fixture 'base'; pack.toml defines: none")
    ]


def test_validate_path_on_a_single_file_reports_its_broken_pack(tmp_path: Path) -> None:
    root = make_pack(tmp_path, pack=edit(PACK, ("x = 1\n", "x = (1\n")))
    expected = [
        Problem(
            root / "pack.toml", 13, "Python syntax error in fixture 'base': '(' was never closed"
        )
    ]
    assert validate_path(root / EXERCISE_NAME) == expected
    assert validate_path(root / "pack.toml") == expected


def test_validate_path_on_a_good_pack_file(tmp_path: Path) -> None:
    assert validate_path(make_pack(tmp_path) / "pack.toml") == []


def test_validate_path_on_a_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    assert validate_path(path) == [Problem(path, 1, "no such file or folder")]


# --- the built-in pack --------------------------------------------------------------------

BUILTIN = load_builtin()


def test_the_builtin_pack_loads_without_broken_files() -> None:
    assert [str(p) for b in BUILTIN.broken for p in b.problems] == []
    assert BUILTIN.builtin is True
    assert len(BUILTIN) >= 25


def test_the_builtin_pack_has_unique_numbers_and_ids() -> None:
    numbers = [e.number for e in BUILTIN]
    ids = [e.id for e in BUILTIN]
    assert len(set(numbers)) == len(numbers)
    assert len(set(ids)) == len(ids)
    assert numbers == sorted(numbers)


def test_every_builtin_exercise_has_hints_in_both_languages() -> None:
    missing = [
        e.key
        for e in BUILTIN
        if not e.hints or any(not h.get(lang).strip() for h in e.hints for lang in LANGS)
    ]
    assert missing == []


def test_every_builtin_exercise_is_in_a_known_section() -> None:
    assert [e.key for e in BUILTIN if BUILTIN.section(e.section) is None] == []


# --- Regressions: locations and robustness that were once wrong ---------------------------


@pytest.mark.parametrize(
    ("pack_changes", "exercise_changes", "where", "expected"),
    [
        pytest.param(
            [],
            [('title.zh = "加一"\n', "")],
            EXERCISE_NAME,
            [(5, "title.zh must be a non-empty string")],
            id="missing-title-zh",
        ),
        pytest.param(
            [],
            [('names = ["y"]\n\n', 'names = ["y"]\nhint.en = "Use `+`."\n')],
            EXERCISE_NAME,
            [(9, "unknown key 'hint' (did you mean 'hints'?)")],
            id="unknown-dotted-key",
        ),
        pytest.param(
            [('name.zh = "演示题集"\n', "")],
            [],
            "pack.toml",
            [(3, "name.zh must be a non-empty string")],
            id="pack-missing-name-zh",
        ),
    ],
)
def test_a_problem_under_a_dotted_key_points_at_that_key(
    tmp_path: Path,
    pack_changes: list[tuple[str, str]],
    exercise_changes: list[tuple[str, str]],
    where: str,
    expected: list[tuple[int, str]],
) -> None:
    """``title.en = ...`` also locates ("title",) and its siblings, so a problem with
    the title table is reported at that line, not at line 1."""
    root = make_pack(tmp_path, edit(EXERCISE, *exercise_changes), pack=edit(PACK, *pack_changes))
    assert_problems(validate_path(root), root / where, expected)


def test_whitespace_after_the_opening_quotes_shifts_lines(tmp_path: Path) -> None:
    """``check = '''  `` keeps the spaces as the code's first line (TOML only trims a
    newline right after the quotes), so the code starts on the key's line."""
    text = edit(
        EXERCISE,
        ("check = '''\n", "check = '''  \n"),
        ("assert isinstance(y, int)\n", "assert isinstance(y, int\n"),
    )
    root = make_pack(tmp_path, text)
    assert_problems(
        broken_problems(root),
        root / EXERCISE_NAME,
        [(23, "Python syntax error in check: '(' was never closed")],
    )


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"], ids=["LS", "PS", "NEL"])
def test_unicode_line_separators_in_a_string_shift_lines(tmp_path: Path, separator: str) -> None:
    """Only newlines end lines: U+2028, U+2029 and U+0085 may sit inside TOML strings,
    and neither tomllib nor editors count them as line breaks."""
    text = edit(
        EXERCISE,
        ("Set `y` to", f"Set{separator} `y` to"),
        ("assert isinstance(y, int)\n", "assert isinstance(y, int\n"),
    )
    root = make_pack(tmp_path, text)
    assert_problems(
        broken_problems(root),
        root / EXERCISE_NAME,
        [(23, "Python syntax error in check: '(' was never closed")],
    )


def test_an_unterminated_string_at_the_end_is_not_line_1(tmp_path: Path) -> None:
    """tomllib says "(at end of document)" without a line; the loader points at the
    string that is never closed (line 35) or the last line (36)."""
    text = edit(EXERCISE, ("'''\nmessage = \"`y` should be 2\"\n", ""))
    root = make_pack(tmp_path, text)
    (problem,) = broken_problems(root)
    assert "TOML syntax error" in problem.message
    assert problem.line in {35, 36}, problem


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            [('zh = "用加号 `+`。"', 'zh = ""')],
            [(32, "hints[0].zh must be a non-empty string")],
            id="blank-hint-zh",
        ),
        pytest.param(
            [('zh = "用加号 `+`。"\n', 'zh = "用加号 `+`。"\nfr = "Utilisez +."\n')],
            [(33, "hints[0] has unknown language 'fr'")],
            id="hint-unknown-language",
        ),
    ],
)
def test_a_problem_in_a_hint_points_at_its_key(
    tmp_path: Path, changes: list[tuple[str, str]], expected: list[tuple[int, str]]
) -> None:
    """A problem inside a [[hints]] entry is reported at the key's own line, not at
    the [[hints]] header (line 30)."""
    root = make_pack(tmp_path, edit(EXERCISE, *changes))
    assert_problems(broken_problems(root), root / EXERCISE_NAME, expected)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(
            [('names = ["y"]\n\n', 'names = ["y"]\ndeep = ' + "[" * 5000 + "]" * 5000 + "\n")],
            id="deeply-nested-toml-array",
        ),
        pytest.param(
            [("assert y == 2\n", "assert y == 1" + " + 1" * 100_000 + "\n")],
            id="very-long-python-expression",
        ),
    ],
)
def test_a_recursion_error_does_not_stop_the_pack(
    tmp_path: Path, changes: list[tuple[str, str]]
) -> None:
    """tomllib and compile() raise RecursionError (not TOMLDecodeError / SyntaxError) on
    deeply nested input; that file becomes a broken exercise and the pack still loads."""
    root = make_pack(tmp_path, other_exercise("good", 1), name="01-good.toml")
    bad = write(root / "02-bad.toml", edit(other_exercise("bad", 2), *changes))
    pack = load_pack(root)
    assert [e.id for e in pack.exercises] == ["good"]
    assert [b.path for b in pack.broken] == [bad]
    assert pack.broken[0].problems and pack.broken[0].problems[0].path == bad


def test_a_syntax_error_message_names_file_lines(tmp_path: Path) -> None:
    """Some CPython messages name a second line ("... opening parenthesis '(' on line N");
    N is a file line, like the reported position."""
    text = edit(EXERCISE, ("assert isinstance(y, int)\n", "assert isinstance(y, (int,\nfloat])\n"))
    root = make_pack(tmp_path, text)
    assert_problems(
        broken_problems(root),
        root / EXERCISE_NAME,
        [(24, "closing parenthesis ']' does not match opening parenthesis '(' on line 23")],
    )


def test_a_syntax_error_in_a_one_line_string_is_reported_at_its_key(tmp_path: Path) -> None:
    """In ``check = "a\\nb("`` the code's line 2 is still file line 21: a one-line string
    is reported at its key, not past it."""
    text = edit(
        EXERCISE,
        (
            "check = '''\nassert y == 2\nassert isinstance(y, int)\n'''",
            'check = "assert y == 2\\nassert isinstance(y, int"\n\n\n',
        ),
    )
    root = make_pack(tmp_path, text)
    assert_problems(
        broken_problems(root),
        root / EXERCISE_NAME,
        [(21, "Python syntax error in check: '(' was never closed")],
    )


def test_a_utf8_byte_order_mark_is_not_a_toml_syntax_error(tmp_path: Path) -> None:
    """Editors on Windows save UTF-8 with a BOM; tomllib alone rejects it with
    "Invalid statement", so the loader reads the file as utf-8-sig (or names the BOM)."""
    root = make_pack(tmp_path, b"\xef\xbb\xbf" + EXERCISE.encode("utf-8"))
    problems = validate_path(root)
    assert problems == [] or any(
        "BOM" in p.message or "byte order mark" in p.message for p in problems
    ), problems
