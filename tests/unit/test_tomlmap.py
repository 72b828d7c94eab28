"""KeyLines: the line where each key of a TOML text is defined.

The "Regressions" section at the end pins cases that were once wrong.
"""

from __future__ import annotations

import tomllib

import pytest

from quiz_tui.core.content.tomlmap import KeyLines

DOC = """\
format = 1
title.en = "Add one"
"quoted key".'single' = 2
title.zh = "加一"   # a comment

check = '''
number = 99
[limits]
seconds = 1
[[hints]]
en = "not a hint"
'''
number = 3
one_line = '''stays = on one line'''
basic = \"\"\"
fake = 1
''' is not the end of a basic string
\"\"\"
after_basic = 4

[limits]  # the real one
seconds = 5

[[hints]]
en = "first"
zh = "第一"

[[hints]]
en = "second"

[[wrong]]
code = '''y = (1,
2)'''
message = "m"

[ "sub" . table ]
key = 1
"""


@pytest.fixture(scope="module")
def lines() -> KeyLines:
    tomllib.loads(DOC)  # the document itself is valid TOML
    return KeyLines(DOC)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("format",), 1),
        (("title", "en"), 2),
        (("quoted key", "single"), 3),
        (("title", "zh"), 4),
        (("check",), 6),
        (("number",), 13),
        (("one_line",), 14),
        (("basic",), 15),
        (("after_basic",), 19),
        (("limits",), 21),
        (("limits", "seconds"), 22),
        (("hints", 0), 24),
        (("hints", 0, "en"), 25),
        (("hints", 0, "zh"), 26),
        (("hints", 1), 28),
        (("hints", 1, "en"), 29),
        (("wrong", 0), 31),
        (("wrong", 0, "code"), 32),
        (("wrong", 0, "message"), 34),
        (("sub", "table"), 36),
        (("sub", "table", "key"), 37),
    ],
)
def test_line_of_a_key(lines: KeyLines, path: tuple[str | int, ...], line: int) -> None:
    assert lines.line(path) == line


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("limits", "memory_mb"), 21),  # missing key: its table's header
        (("hints", 1, "zh"), 28),  # missing key in an array entry: that entry's header
        (("hints", 5), 1),  # an entry that does not exist, nor does its parent ("hints",)
        (("nowhere", "at", "all"), 1),
        ((), 1),
    ],
)
def test_a_missing_key_falls_back_to_its_nearest_parent(
    lines: KeyLines, path: tuple[str | int, ...], line: int
) -> None:
    assert lines.line(path) == line


def test_keys_inside_multi_line_strings_are_not_keys(lines: KeyLines) -> None:
    # Lines 7-11 sit inside check = '''...'''; they must not define or move anything.
    assert lines.line(("number",)) == 13
    assert lines.line(("check", "number")) == 6
    assert lines.line(("limits",)) == 21
    assert lines.line(("limits", "seconds")) == 22
    assert lines.line(("hints", 0)) == 24  # the fake [[hints]] did not take index 0
    assert lines.line(("hints", 0, "en")) == 25
    assert lines.line(("stays",)) == 1
    assert lines.line(("fake",)) == 1


def test_three_single_quotes_do_not_end_a_basic_string(lines: KeyLines) -> None:
    assert lines.line(("after_basic",)) == 19
    assert lines.line(("is",)) == 1


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("check",), 7),  # ''' then a newline: the string starts on the next line
        (("basic",), 16),  # the same for \"\"\"
        (("one_line",), 14),  # a one-line ''' string: on its key's line
        (("wrong", 0, "code"), 32),  # text right after ''': on the key's line
        (("format",), 1),  # not a string at all: the key's line
        (("limits", "tasks"), 21),  # missing: falls back like line()
    ],
)
def test_string_start(lines: KeyLines, path: tuple[str | int, ...], line: int) -> None:
    assert lines.string_start(path) == line


def test_string_start_matches_what_tomllib_reads() -> None:
    text = "a = 1\ncode = '''\nfirst\nsecond\n'''\n"
    value = tomllib.loads(text)["code"]
    start = KeyLines(text).string_start(("code",))
    assert text.splitlines()[start - 1] == value.splitlines()[0] == "first"


def test_repeated_arrays_of_tables_count_up() -> None:
    text = "".join(f'[[wrong]]\ncode = "c{i}"\n' for i in range(4))
    lines = KeyLines(text)
    assert [lines.line(("wrong", i)) for i in range(4)] == [1, 3, 5, 7]
    assert [lines.line(("wrong", i, "code")) for i in range(4)] == [2, 4, 6, 8]


def test_crlf_line_endings() -> None:
    text = "a = 1\r\ncheck = '''\r\nx = 1\r\n'''\r\n[limits]\r\nseconds = 2\r\n"
    tomllib.loads(text)
    lines = KeyLines(text)
    assert lines.line(("limits", "seconds")) == 6
    assert lines.string_start(("check",)) == 3


def test_first_definition_wins() -> None:
    # tomllib rejects a duplicate key; KeyLines must still point at the first one.
    lines = KeyLines("a = 1\nb = 2\na = 3\n")
    assert lines.line(("a",)) == 1


# --- Regressions ---------------------------------------------------------------------------


def test_a_dotted_key_defines_its_parent() -> None:
    """``title.en = ...`` defines the table ``title`` on that line too, so a problem with
    ``title`` as a whole (or a missing ``title.zh``) can point there instead of line 1."""
    lines = KeyLines('format = 1\n\ntitle.en = "x"\ntitle.zh = "y"\n')
    assert lines.line(("title",)) == 3
    assert lines.line(("title", "fr")) == 3


def test_whitespace_after_opening_quotes_stays_on_the_key_line() -> None:
    """TOML trims only a newline right after the opening quotes, so with trailing spaces
    the value's first line is the (blank) rest of the key's line."""
    text = "check = '''  \nx = (\n'''\n"
    assert tomllib.loads(text)["check"].splitlines()[0] == "  "
    assert KeyLines(text).string_start(("check",)) == 1


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"], ids=["LS", "PS", "NEL"])
def test_only_newlines_end_a_line(separator: str) -> None:
    """TOML (and tomllib's line numbers) count only \\n; str.splitlines also splits at
    U+2028, U+2029 and U+0085, which may appear inside strings."""
    text = f'a = "one{separator}two"\nb = 2\n'
    assert tomllib.loads(text)["b"] == 2
    assert KeyLines(text).line(("b",)) == 2


def test_escaped_quoted_keys_are_found_by_their_value() -> None:
    # Found by Hypothesis: a basic-string key written with an escape (\u007f, \").
    lines = KeyLines('a = 1\nen."\\u007f" = []\nen."x\\"y" = 2\n')
    assert lines.line(("en", "\x7f")) == 2
    assert lines.line(("en", 'x"y')) == 3
