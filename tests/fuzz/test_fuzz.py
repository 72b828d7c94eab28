"""Property-based tests: no file or command line makes quiz-tui crash with a traceback.

The issue: Hypothesis-generated exercise files, pack files and CLI arguments never
crash the loader or the CLI with a traceback; the user always gets a message.

1. Exercise files as raw bytes, as TOML-ish lines and as edits of a valid file either
   load or become one ``Pack.broken`` entry whose problems point at a real line of it.
2. Exercise files written (by the small TOML emitter below) from dictionaries that mix
   valid and invalid values: the same, and a loaded exercise has well-typed fields
   holding the values written.
3. Pack files: ``load_pack`` raises only ``PackError``, located in ``pack.toml``, and
   ``validate_path`` never raises.
4. ``KeyLines`` never raises nor names a line outside the text, and finds the line of
   every key the emitter wrote.
5. The CLI, driven with real commands, their options and random tokens, exits with 0,
   1 or 2 and prints no traceback. Only commands that answer quickly and never start
   the app, the worker, a long job or the network are generated.
6. ``progress import`` of any JSON, and the commands that read progress afterwards.
7. ``new pack`` with any folder name writes a pack that validates, or writes nothing.

The ``@example`` inputs are the smallest cases that failed when these tests were
written. Each example writes its files to a fresh temporary folder (pytest's
``tmp_path`` is shared by all the examples of a test).
"""

from __future__ import annotations

import json
import re
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import chdir, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from quiz_tui.cli import main
from quiz_tui.core.content.loader import PACK_FILE, load_pack, validate_path
from quiz_tui.core.content.tomlmap import KeyLines, KeyPath
from quiz_tui.core.errors import PackError, Problem
from quiz_tui.core.model import (
    BrokenExercise,
    CodeExample,
    Exercise,
    Explanation,
    Limits,
    Pack,
    Section,
    SetupPiece,
    Text,
)

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- a valid pack to put fuzzed files in --------------------------------------------

PACK_TOML = """\
format = 1
id = "fuzz"
name.en = "Fuzz"
name.zh = "模糊测试"

[[sections]]
id = "basics"
title.en = "Basics"
title.zh = "基础"

[fixtures]
torch = '''
import torch
'''
"""

GOOD_EXERCISE = """\
format = 1
id = "good"
number = 1
section = "basics"
title.en = "A good neighbour"
title.zh = "好邻居"
fixtures = ["torch"]
names = ["x"]
prompt.en = "Make `x`."
prompt.zh = "创建 `x`。"

starter = '''
x = ...
'''

solution = '''
x = torch.zeros(2)
'''

check = '''
assert x.shape == (2,)
'''

[[hints]]
en = "Use torch.zeros."
zh = "用 torch.zeros。"
"""

GOOD_NAME = "00-good.toml"
FUZZ_NAME = "50-fuzz.toml"
SECTION_IDS = {"basics"}


def write_pack(root: Path, *, pack: bytes | None = None, exercise: bytes | None = None) -> Path:
    """A pack folder with the good exercise, and the fuzzed pack or exercise file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / PACK_FILE).write_bytes(PACK_TOML.encode() if pack is None else pack)
    (root / GOOD_NAME).write_text(GOOD_EXERCISE, "utf-8")
    if exercise is not None:
        (root / FUZZ_NAME).write_bytes(exercise)
    return root


@contextmanager
def fresh_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="quiz-fuzz-") as tmp:
        yield Path(tmp)


def line_count(raw: bytes) -> int:
    """Lines as an editor shows them (TOML ends lines only at \\n)."""
    if not raw:
        return 0
    return raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)


def assert_located(problem: Problem, path: Path, raw: bytes) -> None:
    """A problem an author can act on: this file, a real line, a plain message."""
    assert isinstance(problem, Problem)
    assert problem.path == path, f"{problem} is not about {path}"
    assert isinstance(problem.line, int) and not isinstance(problem.line, bool)
    assert 1 <= problem.line <= line_count(raw) + 1, (
        f"line {problem.line} is outside the file ({line_count(raw)} lines): {problem}"
    )
    assert isinstance(problem.message, str) and problem.message.strip()
    assert "Traceback" not in problem.message


def broken_entry(pack: Pack, path: Path) -> BrokenExercise:
    entries = [b for b in pack.broken if b.path == path]
    assert len(entries) == 1, f"{path.name} should be one broken entry, got {entries}"
    return entries[0]


# -- a tiny TOML emitter ---------------------------------------------------------------


class Raw(str):
    """A TOML value written exactly as it is: huge integers, dates, hex, inf..."""


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # TOML forbids these raw (tab is fine)


def basic_string(s: str) -> str:
    """A one-line basic string: JSON's escapes are TOML's, except for DEL."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_key(k: str) -> str:
    return k if _BARE_KEY.fullmatch(k) else basic_string(k)


def dotted(path: KeyPath) -> str:
    return ".".join(toml_key(p) for p in path if isinstance(p, str))


STRING_STYLES = ["basic", "literal", "ml-literal", "ml-basic", "ml-basic-escaped", "ml-basic-mixed"]


def ml_basic(s: str, newlines: str, opener_newline: bool) -> str:
    out: list[str] = []
    count = 0
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            count += 1
            escape = newlines == "all" or (newlines == "mixed" and count % 2 == 0)
            out.append("\\n" if escape else "\n")
        elif ch != "\t" and _CONTROL.match(ch):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    body = "".join(out)
    if opener_newline:
        return '"""\n' + body + '"""'
    if body.startswith("\n"):  # TOML would drop it: keep the value the same
        body = "\\n" + body[1:]
    return '"""' + body + '"""'


class Emitter:
    """Writes a dict as TOML, choosing the style of every string and table with ``draw``.

    It records the line where each key path is defined (``expected``), for checking
    ``KeyLines`` on documents it can place exactly.
    """

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.chunks: list[str] = []
        self.next_line = 1
        self.expected: dict[KeyPath, int] = {}
        self.exact = True
        """False once a multi-line string sits inside an inline array or table."""

    def put(self, text: str) -> int:
        line = self.next_line
        self.chunks.append(text)
        self.next_line += text.count("\n") + 1
        return line

    def text(self) -> str:
        return "\n".join(self.chunks) + "\n"

    def string(self, s: str, *, inline: bool) -> str:
        style = self.draw(st.sampled_from(STRING_STYLES))
        opener_newline = self.draw(st.booleans())
        clean = not _CONTROL.search(s.replace("\n", ""))
        out = basic_string(s)
        if style == "literal" and clean and "'" not in s and "\n" not in s:
            out = f"'{s}'"
        elif style == "ml-literal" and clean and "'''" not in s:
            if opener_newline or s.startswith("\n"):
                out = "'''\n" + s + "'''"
            else:
                out = "'''" + s + "'''"
        elif style.startswith("ml-basic"):
            newlines = {"ml-basic": "none", "ml-basic-escaped": "all"}.get(style, "mixed")
            out = ml_basic(s, newlines, opener_newline)
        if inline and "\n" in out:
            self.exact = False
        return out

    def value(self, v: Any, *, inline: bool = True) -> str:
        if isinstance(v, Raw):
            return str(v)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            if v != v:
                return "nan"
            if v in (float("inf"), float("-inf")):
                return "inf" if v > 0 else "-inf"
            return repr(v)
        if isinstance(v, str):
            return self.string(v, inline=inline)
        if isinstance(v, list):
            return "[" + ", ".join(self.value(i) for i in v) + "]"
        if isinstance(v, dict):
            items = ", ".join(f"{toml_key(k)} = {self.value(x)}" for k, x in v.items())
            return "{ " + items + " }" if items else "{}"
        raise TypeError(f"cannot emit {v!r}")

    def table(self, path: KeyPath, table: dict[str, Any], header: str | None) -> None:
        if header is not None:
            self.expected.setdefault(path, self.put(header))
        deferred: list[tuple[str, KeyPath, Any]] = []
        for k, v in table.items():
            kp = (*path, k)
            if isinstance(v, dict) and v:
                style = self.draw(st.sampled_from(["inline", "dotted", "table"]))
                if style == "table":
                    deferred.append(("table", kp, v))
                elif style == "dotted":
                    for sk, sv in v.items():
                        line = self.put(f"{toml_key(k)}.{toml_key(sk)} = {self.value(sv)}")
                        self.expected.setdefault(kp, line)
                        self.expected.setdefault((*kp, sk), line)
                else:
                    self.expected[kp] = self.put(f"{toml_key(k)} = {self.value(v)}")
            elif isinstance(v, list) and v and all(isinstance(i, dict) for i in v):
                if self.draw(st.booleans()):
                    deferred.append(("array", kp, v))
                else:
                    self.expected[kp] = self.put(f"{toml_key(k)} = {self.value(v)}")
            else:
                self.expected[kp] = self.put(f"{toml_key(k)} = {self.value(v, inline=False)}")
            if self.draw(st.integers(0, 9)) == 0:
                self.put(self.draw(st.sampled_from(["", "# a comment", "   ", "# [[hints]]"])))
        for kind, kp, v in deferred:
            if kind == "table":
                self.table(kp, v, f"[{dotted(kp)}]")
            else:
                for i, item in enumerate(v):
                    self.table((*kp, i), item, f"[[{dotted(kp)}]]")


@dataclass(frozen=True)
class Doc:
    """A generated TOML text and the dictionary it was written from (None: hand-made)."""

    text: str
    spec: dict[str, Any] | None = None
    expected: dict[KeyPath, int] = field(default_factory=dict)
    exact: bool = False

    def raw(self) -> bytes:
        return self.text.encode("utf-8")


@st.composite
def documents(draw: Any, specs: st.SearchStrategy[dict[str, Any]]) -> Doc:
    spec = draw(specs)
    emitter = Emitter(draw)
    emitter.table((), spec, None)
    text = emitter.text()
    exact = emitter.exact
    if draw(st.integers(0, 5)) == 0:
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    return Doc(text, spec, emitter.expected, exact)


# -- values: valid, invalid and odd -------------------------------------------------------

WEIRD = [
    "", " ", "\t", "\n", "\r", "\r\n", "\x00", "\x7f", "\x1b[31m", "\u0085", "\u2028",
    "\u2029", "\ufeff", "\u202e", "\u200b", "a\u0301", "中文", "🐍", "\U0010ffff", "'",
    '"', "'''", '"""', "\\", "\\n", "#", "=", "[", "]]", "x = 1",
]  # fmt: skip
texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(WEIRD),
    st.lists(st.sampled_from([*WEIRD, "a", "b"]), max_size=6).map("".join),
)
nonblank = texts.filter(lambda s: bool(s.strip()))
# Big literals are built by ``map`` so that the strategies' reprs stay short.
HUGE_DIGITS = [18, 19, 20, 300, 4300, 4301, 6000]
huge_ints = st.one_of(
    st.sampled_from(HUGE_DIGITS).map(lambda n: Raw("7" * n)),
    st.sampled_from(HUGE_DIGITS).map(lambda n: Raw("-" + "1" * n)),
    st.sampled_from(["9223372036854775808", "-9223372036854775809", "1e400", "-1e400"]).map(Raw),
    st.just(100).map(lambda n: Raw("0x" + "f" * n)),
)
OTHER_LITERALS = [
    "1979-05-27", "1979-05-27T07:32:00Z", "1979-05-27 07:32:00.999999", "07:32:00",
    "0o777", "0b101", "1_000", "+inf", "-nan", "-0.0",
]  # fmt: skip
raw_literals = st.one_of(huge_ints, st.sampled_from(OTHER_LITERALS).map(Raw))
scalars = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    texts,
    raw_literals,
)
keys = st.one_of(
    st.sampled_from(["en", "zh", "fr", "code", "seconds", "id", "title", "hints", "x"]),
    st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True),
    texts,
)
any_value = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=6,
)


def mostly(valid: st.SearchStrategy[Any], *odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """About half valid values, half something else."""
    return st.one_of(valid, st.one_of(any_value, *odd))


CODE_LINES = [
    "x = torch.zeros(2)", "print(x)", "import torch", "x = ...", "def f(:", "x = (",
    "if True:", "    pass", "  bad_indent = 1", "return 1", "x = 1 +", "f(**)", "yield",
    "class A: pass", "for i in range(3): print(i)", "x = '''", 'x = """', "x = 'open",
    "print('中文')", "# a comment", "\tx = 1", "x = 1\x00", "lambda: (yield)", "@", "\\",
    "é = 1", "x = [", "]", "async def f(): await g()", "del", "global x", "nonlocal x",
]  # fmt: skip
big_code = st.sampled_from([30, 300, 5000]).flatmap(
    lambda n: st.sampled_from(
        ["x = " + "9" * n, "(" * n + ")" * n, "if 1:\n" * n + "  pass", "\n" * n + "x = ("]
    )
)
python_code = st.tuples(
    st.lists(st.one_of(st.sampled_from(CODE_LINES), st.text(max_size=12), big_code), max_size=6),
    st.booleans(),
    st.booleans(),
).map(lambda t: ("\n" if t[1] else "") + "\n".join(t[0]) + ("\n" if t[2] else ""))
REGEX_PIECES = [
    "a", ".*", "(", ")", "[", "]", "\\", "{", "}", "{4294967296}", "{1,2}", "?", "+", "*",
    "(?P<n>", "(?<=a+)", "\\N{BOGUS}", "|", "^", "$", "\\d", "(?i)", "\\1", "Error",
]  # fmt: skip
regexes = st.one_of(
    st.lists(st.sampled_from(REGEX_PIECES), max_size=6).map("".join),
    texts,
    st.sampled_from([10, 100, 400, 1000, 3000]).map(lambda n: "(" * n + ")" * n),
)
ids = mostly(
    st.one_of(
        st.from_regex(r"[a-z0-9][a-z0-9-]{0,62}", fullmatch=True),
        st.sampled_from(["good", "fuzz-ex", "-x", "A", "a" * 64]),
    ),
    texts,
)
numbers = mostly(st.integers(1, 100), st.integers(), huge_ints, st.sampled_from([0, 1, -1]))
limit_numbers = mostly(
    st.sampled_from([0, 0.5, 1, 10, 600, 600.0001, 255, 256, 32768, 32769, 15, 16, 4096, 4097]),
    st.integers(),
    st.floats(),
    huge_ints,
)
bilingual = st.one_of(
    st.fixed_dictionaries({"en": nonblank, "zh": nonblank}),
    st.dictionaries(st.sampled_from(["en", "zh", "fr", "EN", ""]), mostly(texts), max_size=3),
    any_value,
)


def example_tables(wrong: bool) -> st.SearchStrategy[Any]:
    optional = {"note": mostly(texts), "bogus": any_value}
    if wrong:
        optional["status"] = mostly(st.sampled_from(["fail", "error", "timeout", "pass", ""]))
    required = {"code": mostly(python_code)}
    if wrong:
        required["message"] = mostly(nonblank)
    return mostly(st.fixed_dictionaries(required, optional=optional))


explain_tables = st.fixed_dictionaries(
    {"error": mostly(regexes), "en": mostly(nonblank), "zh": mostly(nonblank)},
    optional={"extra": any_value},
)

EXERCISE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "format": mostly(st.just(1), st.integers(-2, 3), huge_ints),
    "id": ids,
    "number": numbers,
    "section": mostly(st.sampled_from(["basics", "basic", "", "BASICS", "nope"])),
    "title": bilingual,
    "prompt": bilingual,
    "fixtures": mostly(st.lists(st.sampled_from(["torch", "numpy", "", "tor ch"]), max_size=3)),
    "names": mostly(
        st.lists(st.one_of(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True), texts))
    ),
    "starter": mostly(python_code),
    "solution": mostly(python_code),
    "check": mostly(python_code),
    "setup": mostly(python_code),
    "instrument": mostly(python_code),
    "limits": mostly(
        st.fixed_dictionaries(
            {},
            optional={
                "seconds": limit_numbers,
                "memory_mb": limit_numbers,
                "tasks": limit_numbers,
                "cpu": any_value,
            },
        )
    ),
    "hints": mostly(st.lists(bilingual, max_size=3)),
    "alternatives": mostly(st.lists(example_tables(wrong=False), max_size=3)),
    "wrong": mostly(st.lists(example_tables(wrong=True), max_size=3)),
    "data": mostly(st.booleans()),
    "draft": ids,
    "explain": mostly(st.lists(explain_tables, max_size=2)),
}

BASE_EXERCISE: dict[str, Any] = {
    "format": 1,
    "id": "fuzz-ex",
    "number": 2,
    "section": "basics",
    "title": {"en": "Fuzzed", "zh": "模糊"},
    "prompt": {"en": "Make `x`.\n\nIt is a tensor.", "zh": "创建 `x`。"},
    "fixtures": ["torch"],
    "names": ["x"],
    "starter": "\nx = ...\n",
    "solution": "\nx = torch.zeros(2)\n",
    "check": "\nassert x.shape == (2,)\n",
    "limits": {"seconds": 10},
    "hints": [{"en": "Use torch.zeros.", "zh": "用 torch.zeros。"}],
    "alternatives": [{"code": "\nx = torch.zeros(2) + 0\n"}],
    "wrong": [{"code": "\nx = torch.ones(2)\n", "message": "wrong values"}],
    "explain": [{"error": "NameError", "en": "Define it.", "zh": "先定义。"}],
}


@st.composite
def mutated(
    draw: Any, base: dict[str, Any], fields: dict[str, st.SearchStrategy[Any]]
) -> dict[str, Any]:
    """``base`` with 0-4 changes: a field replaced, dropped, or an unknown key added."""
    spec = dict(base)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["set", "set", "drop", "extra"]))
        if kind == "set":
            key = draw(st.sampled_from(sorted(fields)))
            spec[key] = draw(fields[key])
        elif kind == "drop" and spec:
            spec.pop(draw(st.sampled_from(sorted(spec))))
        else:
            spec.setdefault(draw(keys), draw(any_value))
    order = draw(st.permutations(list(spec)))
    return {k: spec[k] for k in order}


exercise_docs = documents(mutated(BASE_EXERCISE, EXERCISE_FIELDS))

PACK_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "format": EXERCISE_FIELDS["format"],
    "id": ids,
    "name": bilingual,
    "description": mostly(texts),
    "sections": mostly(
        st.lists(
            mostly(
                st.fixed_dictionaries(
                    {"id": mostly(st.sampled_from(["basics", "more", ""])), "title": bilingual},
                    optional={"bogus": any_value},
                )
            ),
            max_size=3,
        )
    ),
    "fixtures": mostly(
        st.dictionaries(
            st.one_of(st.sampled_from(["torch", "numpy", "1bad", "with space"]), keys),
            mostly(python_code),
            max_size=3,
        )
    ),
}
BASE_PACK: dict[str, Any] = {
    "format": 1,
    "id": "fuzz",
    "name": {"en": "Fuzz", "zh": "模糊测试"},
    "description": "A pack for fuzzing.",
    "sections": [{"id": "basics", "title": {"en": "Basics", "zh": "基础"}}],
    "fixtures": {"torch": "\nimport torch\n"},
}
pack_docs = documents(mutated(BASE_PACK, PACK_FIELDS))

# -- unstructured text: raw bytes, TOML-ish lines, edits of a valid file ----------------

TOML_LINES = [
    "format = 1", 'id = "x"', "number = 3", '[limits', "[limits]", "[[hints]]", "[[wrong]]",
    "[[alternatives]]", 'en = "e"', 'zh = "z"', "code = '''", "'''", '"""', "a = [", "]",
    "title.en = 'T'", "title.zh = 'T'", "= 1", "x.y.z = {", "}", "seconds = inf",
    "'quoted'.\"key\" = 1", "[a.\"b.c\"]", "key = \"\\u0000\"", "check = '''x = (",
    "\ufeffformat = 1", "# comment", "", "\r", "\t",
]  # fmt: skip
toml_ish = st.lists(
    st.one_of(
        st.sampled_from(TOML_LINES),
        st.text(max_size=12),
        huge_ints.map(lambda n: f"number = {n}"),
    ),
    max_size=30,
).map("\n".join)


@st.composite
def edited(draw: Any, base: str) -> str:
    """``base`` with a few spans deleted, replaced or duplicated."""
    text = base
    for _ in range(draw(st.integers(1, 5))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        piece = draw(st.one_of(st.sampled_from(TOML_LINES), texts, st.just(text[start:end] * 2)))
        text = text[:start] + piece + text[end:]
    return text


def utf8(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    return strategy.map(lambda s: s.encode("utf-8", "surrogatepass"))


exercise_bytes = st.one_of(
    st.binary(max_size=400),
    utf8(st.text(max_size=400)),
    utf8(toml_ish),
    utf8(edited(GOOD_EXERCISE.replace('id = "good"', 'id = "fuzz-ex"'))),
)

# Minimal inputs that crashed the loader when these tests were written.
HUGE_NUMBER = b"number = " + b"9" * 4301 + b"\n"
REPEAT_OVERFLOW = GOOD_EXERCISE.replace('id = "good"', 'id = "huge-repeat"').replace(
    "number = 1", "number = 2"
) + ('\n[[explain]]\nerror = "a{4294967296}"\nen = "e"\nzh = "z"\n')
DEEP_REGEX = REPEAT_OVERFLOW.replace("a{4294967296}", "(" * 3000 + ")" * 3000)
ESCAPED_NEWLINES = (
    GOOD_EXERCISE.replace('id = "good"', 'id = "escaped"')
    .replace("number = 1", "number = 2")
    .replace("starter = '''\nx = ...\n'''", 'starter = """x = 1' + "\\n" * 60 + '("""')
)
ESCAPED_FIXTURE = PACK_TOML.replace(
    "torch = '''\nimport torch\n'''", 'torch = """x = 1' + "\\n" * 30 + '("""'
)


# -- 1. any bytes as an exercise file --------------------------------------------------


@settings(FUZZ, max_examples=200)
@given(raw=exercise_bytes)
@example(raw=HUGE_NUMBER)
@example(raw=REPEAT_OVERFLOW.encode())
@example(raw=DEEP_REGEX.encode())
@example(raw=ESCAPED_NEWLINES.encode())
def test_any_bytes_as_an_exercise_file_load_or_become_a_located_broken_entry(raw: bytes) -> None:
    with fresh_folder() as tmp:
        root = write_pack(tmp / "pack", exercise=raw)
        pack = load_pack(root)  # a valid pack file: nothing may escape, not even PackError
        check_exercise_outcome(pack, root / FUZZ_NAME, raw, None)


# -- 2. exercise files written from dictionaries -------------------------------------------


def assert_well_typed(ex: Exercise, spec: dict[str, Any] | None, path: Path, raw: bytes) -> None:
    """An accepted exercise has every field of the right type, and the values written."""
    assert ex.pack_id == "fuzz"
    assert ex.path == path
    assert isinstance(ex.id, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", ex.id)
    assert type(ex.number) is int and ex.number >= 1
    assert isinstance(ex.section, str) and ex.section in SECTION_IDS
    for text in (ex.title, ex.prompt, *ex.hints):
        assert isinstance(text, Text)
        assert isinstance(text.en, str) and text.en.strip() == text.en and text.en
        assert isinstance(text.zh, str) and text.zh.strip() == text.zh and text.zh
    assert isinstance(ex.hints, tuple) and ex.hints
    for code in (ex.starter, ex.solution, ex.check, ex.instrument):
        assert isinstance(code, str)
    assert ex.solution.strip() and ex.check.strip()
    assert isinstance(ex.setup, tuple)
    assert all(isinstance(p, SetupPiece) and isinstance(p.code, str) for p in ex.setup)
    assert isinstance(ex.names, tuple) and all(isinstance(n, str) for n in ex.names)
    assert isinstance(ex.limits, Limits)
    assert type(ex.limits.seconds) is float and 0 < ex.limits.seconds <= 600
    assert type(ex.limits.memory_mb) is int and 256 <= ex.limits.memory_mb <= 32768
    assert type(ex.limits.tasks) is int and 16 <= ex.limits.tasks <= 4096
    for sample in (*ex.alternatives, *ex.wrong):
        assert isinstance(sample, CodeExample) and isinstance(sample.code, str)
        assert 1 <= sample.line <= line_count(raw) + 1
        assert sample.status in {"fail", "error", "timeout"}
    assert type(ex.uses_data) is bool
    assert all(isinstance(e, Explanation) and isinstance(e.pattern, str) for e in ex.explain)
    assert isinstance(ex.draft_group, str)
    if spec is None:
        return
    # What was written is what was read (this also checks the emitter above).
    assert ex.id == spec["id"]
    number = spec["number"]
    assert ex.number == (tomllib.loads(f"n = {number}")["n"] if isinstance(number, Raw) else number)
    assert (ex.starter, ex.solution, ex.check) == (
        spec["starter"],
        spec["solution"],
        spec["check"],
    )
    assert len(ex.hints) == len(spec["hints"])
    assert ex.title == Text(spec["title"]["en"].strip(), spec["title"]["zh"].strip())
    assert ex.names == tuple(spec.get("names", ()))
    assert ex.uses_data is spec.get("data", False)
    assert len(ex.wrong) == len(spec.get("wrong", ()))
    assert len(ex.alternatives) == len(spec.get("alternatives", ()))


def check_exercise_outcome(pack: Pack, fuzz: Path, raw: bytes, spec: dict[str, Any] | None) -> None:
    """The fuzzed file loaded with the right types, or is one located broken entry."""
    assert pack.exercises and pack.exercises[0].id == "good", "the good neighbour must load"
    loaded = [e for e in pack.exercises if e.path == fuzz]
    alone = validate_path(fuzz)  # the file on its own, as `quiz-tui validate FILE` sees it
    assert isinstance(alone, list)
    for problem in alone:
        assert_located(problem, fuzz, raw)
    event("exercise loaded" if loaded else "exercise broken")
    if loaded:
        assert not [b for b in pack.broken if b.path == fuzz]
        assert_well_typed(loaded[0], spec, fuzz, raw)
        assert alone == []
        return
    entry = broken_entry(pack, fuzz)
    assert entry.problems
    for problem in entry.problems:
        assert_located(problem, fuzz, raw)
    if alone:  # else it only clashes with the good neighbour's id or number
        assert alone == list(entry.problems)


@settings(FUZZ, max_examples=200)
@given(doc=exercise_docs)
@example(doc=Doc(ESCAPED_NEWLINES))
def test_generated_exercise_files_load_well_typed_or_are_located(doc: Doc) -> None:
    raw = doc.raw()
    with fresh_folder() as tmp:
        root = write_pack(tmp / "pack", exercise=raw)
        check_exercise_outcome(load_pack(root), root / FUZZ_NAME, raw, doc.spec)


# -- 3. pack files ---------------------------------------------------------------------------


def check_pack_folder(root: Path, raw: bytes) -> None:
    pack_path = root / PACK_FILE
    problems = validate_path(root)
    assert isinstance(problems, list) and all(isinstance(p, Problem) for p in problems)
    for path in (pack_path, root / GOOD_NAME):
        found = validate_path(path)
        assert isinstance(found, list) and all(isinstance(p, Problem) for p in found)
    pack: Pack | None = None
    error: PackError | None = None
    try:
        pack = load_pack(root)
    except PackError as exc:  # the only exception load_pack may raise
        error = exc
    event("pack error" if error else "pack loaded")
    if error is not None:
        assert error.problems, f"a PackError about {pack_path} must list its problems"
        for problem in error.problems:
            assert_located(problem, pack_path, raw)
        assert problems == error.problems
        assert validate_path(pack_path) == error.problems
        return
    assert pack is not None
    assert isinstance(pack.id, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", pack.id)
    assert isinstance(pack.name, Text) and pack.name.en and pack.name.zh
    assert pack.sections and all(isinstance(s, Section) for s in pack.sections)
    assert len({s.id for s in pack.sections}) == len(pack.sections)
    assert validate_path(pack_path) == []
    assert problems == [p for b in pack.broken for p in b.problems]
    assert len(pack.exercises) + len(pack.broken) == 1
    for b in pack.broken:
        for problem in b.problems:
            assert_located(problem, root / GOOD_NAME, GOOD_EXERCISE.encode())


@settings(FUZZ, max_examples=150)
@given(raw=st.one_of(exercise_bytes, utf8(edited(PACK_TOML))))
@example(raw=b"format = 1\nid = " + b"9" * 4301 + b"\n")
@example(raw=ESCAPED_FIXTURE.encode())
def test_any_bytes_as_a_pack_file_are_a_located_pack_error(raw: bytes) -> None:
    with fresh_folder() as tmp:
        check_pack_folder(write_pack(tmp / "pack", pack=raw), raw)


@settings(FUZZ, max_examples=150)
@given(doc=pack_docs)
@example(doc=Doc('format = 1\nid = "fuzz"\nnumber = ' + "9" * 4301 + "\n"))
def test_generated_pack_files_load_or_are_a_located_pack_error(doc: Doc) -> None:
    raw = doc.raw()
    with fresh_folder() as tmp:
        check_pack_folder(write_pack(tmp / "pack", pack=raw), raw)


# -- 4. KeyLines -----------------------------------------------------------------------------

key_paths = st.lists(
    st.one_of(st.sampled_from(["hints", "wrong", "limits", "title", "en", "code"]), texts),
    max_size=4,
).flatmap(lambda parts: st.tuples(*[st.one_of(st.just(p), st.integers(-1, 3)) for p in parts]))


# A table inside an array-of-tables entry, and a quoted "]" in a table header.
SUBTABLE_IN_ARRAY = '[[sections]]\nid = "basics"\n[sections.title]\nen = ""\nzh = "z"\n'
SUBTABLE_IN_ARRAY_LINES: dict[KeyPath, int] = {
    ("sections", 0): 1,
    ("sections", 0, "id"): 2,
    ("sections", 0, "title"): 3,
    ("sections", 0, "title", "en"): 4,
    ("sections", 0, "title", "zh"): 5,
}
BRACKET_IN_HEADER = '[limits]\nseconds = 1\n["]"]\nen = "x"\n'
BRACKET_IN_HEADER_LINES: dict[KeyPath, int] = {
    ("limits",): 1,
    ("limits", "seconds"): 2,
    ("]",): 3,
    ("]", "en"): 4,
}


def assert_lines_in_range(lines: KeyLines, text: str, paths: list[KeyPath]) -> None:
    last = text.count("\n") + 1  # KeyLines numbers the lines of text.split("\n")
    for path in paths:
        assert 1 <= lines.line(path) <= last
        assert 1 <= lines.string_start(path) <= last + 1
        assert isinstance(lines.is_multiline(path), bool)
    assert lines.unclosed_string is None or 1 <= lines.unclosed_string <= last


@settings(FUZZ, max_examples=200)
@given(
    text=st.one_of(st.text(), toml_ish, edited(GOOD_EXERCISE), edited(PACK_TOML)),
    paths=st.lists(key_paths, max_size=8),
)
def test_keylines_never_raises_and_stays_in_the_text(text: str, paths: list[KeyPath]) -> None:
    lines = KeyLines(text)
    words = re.findall(r"[A-Za-z0-9_-]+", text)[:20]
    assert_lines_in_range(lines, text, [*paths, *((w,) for w in words), ()])


@settings(FUZZ, max_examples=150)
@given(doc=st.one_of(exercise_docs, pack_docs))
@example(doc=Doc(SUBTABLE_IN_ARRAY, expected=SUBTABLE_IN_ARRAY_LINES, exact=True))
@example(doc=Doc(BRACKET_IN_HEADER, expected=BRACKET_IN_HEADER_LINES, exact=True))
def test_keylines_finds_where_each_generated_key_is_written(doc: Doc) -> None:
    text = doc.text.removeprefix("\ufeff")
    lines = KeyLines(text)
    assert_lines_in_range(lines, text, list(doc.expected))
    # Keys that need no escapes, outside any inline multi-line string, are found exactly.
    simple = all(
        json.dumps(k, ensure_ascii=False) == f'"{k}"'
        for path in doc.expected
        for k in path
        if isinstance(k, str)
    )
    if doc.exact and simple:
        for path, line in doc.expected.items():
            assert lines.line(path) == line, f"{path} is on line {line}"


# -- 5. the command line ---------------------------------------------------------------------

SAFE_PREFIXES = [
    ["list"],
    ["show"],
    ["validate", "--format-only"],  # first, so that no random token can swallow it
    ["progress"],
    ["progress", "export"],
    ["progress", "import"],
    ["progress", "reset", "--yes"],
    ["data", "status"],
    ["exam", "report"],
    ["exam", "history"],
    ["new", "pack"],
    ["new", "exercise"],
]
PATHS = [
    "pack", "pack/00-good.toml", "pack/02-broken.toml", "pack/pack.toml", "pack/nope.toml",
    "empty", "bad.bin", "bad.bin/x", "junk.json", "export.json", "missing.py", "nope/deeper",
    ".", "", "new-pack", "new-pack/03-x", "out.json", "empty/x.toml", "x" * 300,
    "pack/" + "x" * 300, 'my"pack', "pack/a'b\\c.toml",
]  # fmt: skip
WORDS = [
    "--lang", "en", "zh", "zz", "--device", "cpu", "cuda", "auto", "tpu", "--pack",
    "--data-dir", "--trust", "--json", "--yes", "--format", "md", "json", "--format-only",
    "--jobs", "-j", "--verify", "--tasks", "1-3", "--seed", "--random", "--minutes", "-x",
    "--", "-", "", " ", "--help", "-h", "--version", "0", "1", "4", "60", "61", "-1", "1.5",
    "99999999999999999999", "pytorch60:4", "pytorch60:", ":4", "nope:1", "zeros-long",
    "export", "import", "reset", "status", "history", "report", "list", "中文", "🐍",
    "--lang=zh", "--device=tpu", "--pack=nope", "-jx",
]  # fmt: skip
# Random text never names a path outside the example's folder: no separators, no ~.
safe_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/\\~"),
    max_size=12,
).filter(lambda s: s not in ("..",))
tokens = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(PATHS),
    safe_text,
    st.integers().map(str),
)
CHECK_TASKS = ["4", "60", "0", "999", "zeros-long", "pytorch60:4", "nope:1", "", "abc", "1e3"]
UNREADABLE = ["missing.py", "empty", "bad.bin", "nope/deeper/x.py", "pack"]
CHECK_OPTIONS = [
    ["--json"], ["--seed", "5"], ["--seed", "x"], ["--no-record"], ["--lang", "zh"],
    ["--device", "cpu"], ["--device", "cuda"], ["--cold"], ["--save-images", "imgs"],
    ["--trust"], ["--pack", "pack"], ["-x"], ["extra"],
]  # fmt: skip

TASK_REFS = [
    "4", "60", "0", "61", "-1", "999", "99999999999999999999", "zeros-long", " 4 ",
    "pytorch60:4", "pytorch60:", ":4", "nope:1", "fuzz:1", "good", "", "中文",
]  # fmt: skip
task_refs = st.one_of(
    st.integers(1, 60).map(str), st.sampled_from(TASK_REFS), safe_text, st.integers().map(str)
)
paths = st.one_of(st.sampled_from(PATHS), safe_text)
folders = st.one_of(st.sampled_from(["pack", "empty", ".", "nope"]), paths)
numbers_text = st.one_of(
    st.integers(0, 5).map(str), st.integers().map(str), st.sampled_from(["", "x", "1.5", "0x10"])
)
Options = dict[str, st.SearchStrategy[str] | None]
COMMON: Options = {
    "--lang": st.sampled_from(["en", "zh", "en", "zh", "zz", "", "EN"]),
    "--device": st.sampled_from(["cpu", "cuda", "auto", "cpu", "cuda", "auto", "tpu", ""]),
    "--pack": folders,
    "--data-dir": folders,
    "--trust": None,
}
JSON: Options = {"--json": None}
# Each command: its prefix (from SAFE_PREFIXES), its options, and its positional arguments.
COMMANDS: list[tuple[list[str], Options, list[st.SearchStrategy[str]]]] = [
    (["list"], {**COMMON, **JSON}, []),
    (["show"], COMMON, [task_refs]),
    (["validate", "--format-only"], {**COMMON, **JSON, "--jobs": numbers_text}, [paths]),
    (["progress"], {**COMMON, **JSON}, []),
    (["progress", "export"], {}, [paths]),
    (["progress", "import"], {}, [st.one_of(st.sampled_from(["export.json", "junk.json"]), paths)]),
    (["progress", "reset", "--yes"], COMMON, [task_refs]),
    (["data", "status"], {**COMMON, **JSON, "--verify": None}, []),
    (
        ["exam", "report"],
        {**COMMON, "--format": st.sampled_from(["md", "json", "x"])},
        [numbers_text],
    ),
    (["exam", "history"], {**COMMON, **JSON}, []),
    (["new", "pack"], {}, [paths]),
    (["new", "exercise"], {}, [paths]),
]
assert [c[0] for c in COMMANDS] == SAFE_PREFIXES


@st.composite
def command_lines(draw: Any) -> list[str]:
    """A safe prefix, then its options and arguments (mostly well formed) in any order."""
    prefix, options, positionals = draw(st.sampled_from(COMMANDS))
    pieces: list[list[str]] = []
    for _ in range(draw(st.integers(0, 3)) if options else 0):
        name = draw(st.sampled_from(sorted(options)))
        values = options[name]
        if values is None:
            pieces.append([name])
        elif draw(st.booleans()):
            pieces.append([name, draw(values)])
        else:
            pieces.append([f"{name}={draw(values)}"])
    count = draw(st.sampled_from([len(positionals)] * 4 + [0, len(positionals) + 1]))
    for i in range(count):
        pieces.append([draw(positionals[i] if i < len(positionals) else tokens)])
    if draw(st.integers(0, 5)) == 0:
        pieces.append([draw(tokens)])
    return prefix + [arg for piece in draw(st.permutations(pieces)) for arg in piece]


# `check` with a file that cannot be read: answered before any worker starts.
check_lines = st.tuples(
    st.sampled_from(CHECK_TASKS),
    st.sampled_from(UNREADABLE),
    st.lists(st.sampled_from(CHECK_OPTIONS), max_size=3),
).map(lambda t: ["check", t[0], t[1], *(arg for option in t[2] for arg in option)])
commands = st.one_of(command_lines(), command_lines(), command_lines(), check_lines)

EXPORT = {"format": "quiz-tui-progress", "version": 1, "attempts": [], "state": []}


def prepare_cli_folder(folder: Path) -> None:
    """The files the command tokens name, relative to the example's working folder."""
    write_pack(folder / "pack")
    (folder / "pack" / "02-broken.toml").write_text("format = 1\nnumber = (\n", "utf-8")
    (folder / "empty").mkdir()
    (folder / "bad.bin").write_bytes(b"\xff\xfe\x00not utf-8\x80")
    (folder / "junk.json").write_text("{not json", "utf-8")
    (folder / "export.json").write_text(json.dumps(EXPORT), "utf-8")


def invoke(args: list[str], folder: Path, home: Path) -> Any:
    work = Path(tempfile.mkdtemp(dir=folder))
    prepare_cli_folder(work)
    with chdir(work):  # relative paths in the tokens land in this example's folder
        return CliRunner(env={"QUIZ_TUI_HOME": str(home)}).invoke(
            main, args, input="", catch_exceptions=True
        )


def assert_clean_exit(result: Any, args: list[str]) -> None:
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (
        f"quiz-tui {args!r} crashed: {exc!r}\n{result.output}"
    )
    assert result.exit_code in (0, 1, 2), f"quiz-tui {args!r} exited {result.exit_code}"
    assert "Traceback" not in result.output, f"quiz-tui {args!r} printed a traceback"


def _assert_is_safe(args: list[str]) -> None:
    """The generator itself: never the app, the worker, a long job or the network."""
    assert any(args[: len(p)] == p for p in SAFE_PREFIXES) or (
        args[0] == "check" and args[2] in UNREADABLE and not args[1].startswith("-")
    )


@settings(FUZZ, max_examples=150)
@given(args=commands)
@example(args=["progress", "export", ""])
@example(args=["new", "exercise", ""])
@example(args=["exam", "report", "99999999999999999999"])
@example(args=["new", "pack", "bad.bin/x"])
@example(args=["new", "exercise", "pack/" + "x" * 300])
def test_the_cli_always_answers_with_a_message(args: list[str]) -> None:
    _assert_is_safe(args)
    with fresh_folder() as tmp:
        home = tmp / "home"
        result = invoke(args, tmp, home)
        event(f"exit {result.exit_code}")
        assert_clean_exit(result, args)


# -- 6. progress import of fuzzed export files --------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
COLUMNS = [
    "id", "pack", "exercise", "at", "status", "seconds", "code_hash", "code", "source",
    "exam", "scope", "updated", "key", "value", "bogus", "a) VALUES (1); --", "",
]  # fmt: skip
rows = st.dictionaries(
    st.sampled_from(COLUMNS),
    st.one_of(
        st.sampled_from(["pytorch60", "zeros-long", "pass", "fail", "passed", "x"]),
        st.integers(),
        json_values,
    ),
    max_size=6,
)
export_files = st.fixed_dictionaries(
    {"format": mostly(st.just("quiz-tui-progress"))},
    optional={
        table: st.one_of(st.lists(st.one_of(rows, json_values), max_size=3), json_values)
        for table in ("version", "attempts", "drafts", "solutions_shown", "state")
    },
)


@settings(FUZZ, max_examples=30)
@given(export=export_files)
@example(export={"format": "quiz-tui-progress", "attempts": 0})
@example(export={"format": "quiz-tui-progress", "state": [{"key": "k", "value": 2**70}]})
def test_progress_import_of_any_export_answers_with_a_message(export: dict[str, Any]) -> None:
    with fresh_folder() as tmp:
        home = tmp / "home"
        (tmp / "in.json").write_text(json.dumps(export), "utf-8")
        # Whatever was imported, the commands that read progress still answer.
        for args in (["progress", "import", str(tmp / "in.json")], ["progress"], ["list"]):
            assert_clean_exit(invoke(args, tmp, home), args)


# -- 7. `new pack` with any folder name --------------------------------------------------------


@settings(FUZZ, max_examples=40)
@given(name=safe_text.filter(lambda s: s.strip(". ") != ""))
@example(name='my"pack')
def test_new_pack_with_any_folder_name_writes_a_pack_that_validates(name: str) -> None:
    """The scaffold promises files that pass `validate`; else it must write nothing."""
    with fresh_folder() as tmp:
        folder = tmp / name
        result = invoke(["new", "pack", str(folder)], tmp, tmp / "home")
        assert_clean_exit(result, ["new", "pack", str(folder)])
        if result.exit_code == 0:
            assert validate_path(folder) == []
            assert [e.number for e in load_pack(folder)] == [1]
        else:
            assert not (folder / PACK_FILE).exists(), (
                f"`new pack` failed but left {folder / PACK_FILE} behind:\n{result.output}"
            )
