"""Reads pack and exercise files as text and validates them.

Nothing here runs exercise code: Python snippets are only compiled to find syntax
errors. Every problem is reported as ``file:line: what is wrong``, and a bad
exercise file never stops the others in its pack from loading.

One module past 500 lines on purpose: it is the single validator of one file
format, and its rules share the collector that turns each into a precise
``file:line`` message; split up, a rule and its line reporting would drift apart.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quiz_tui.core import messages
from quiz_tui.core.content import format2 as content
from quiz_tui.core.content.tomlmap import KeyLines, KeyPath
from quiz_tui.core.errors import ExerciseFileError, PackError, Problem
from quiz_tui.core.execution.codetext import clean_code
from quiz_tui.core.model import (
    LANGS,
    MAX_MEMORY_MB,
    MAX_SECONDS,
    BrokenExercise,
    CodeExample,
    Exercise,
    Explanation,
    Limits,
    Pack,
    Section,
    SetupPiece,
    Text,
    TextLang,
)

FORMAT_VERSION = 2
"""The newest exercise-file format this version reads (``format = 1`` or ``2``).

Format 1 keeps the check, probe and instrument as code in TOML strings; format 2
keeps them as functions in a Python file beside the TOML file (``exNN_slug.py``)."""
PACK_FILE = "pack.toml"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

PACK_KEYS = {"format", "id", "name", "description", "sections", "fixtures", "languages", "version"}
EXERCISE_KEYS = {
    "format", "id", "number", "section", "title", "prompt", "fixtures", "setup",
    "starter", "solution", "check", "hints", "names", "limits", "alternatives",
    "wrong", "data", "draft", "instrument", "probe", "explain",
}  # fmt: skip
FORMAT2_KEYS = (EXERCISE_KEYS - {"check", "probe", "instrument"}) | {"code"}
"""Format 2: the check, probe and instrument are functions in the code file."""
LIMIT_KEYS = {"seconds", "memory_mb", "tasks"}
WRONG_KEYS = {"code", "message", "status", "mistake", "note"}
ALTERNATIVE_KEYS = {"code", "note"}


class _Collector:
    """Gathers problems for one file, located through its key map."""

    def __init__(self, path: Path, lines: KeyLines | None) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, where: KeyPath | int, message: str) -> None:
        line = where if isinstance(where, int) else self.lines.line(where) if self.lines else 1
        self.problems.append(Problem(self.path, line, message))


def _read_toml(path: Path) -> tuple[dict[str, Any], KeyLines]:
    """Parse one file or raise ExerciseFileError with a located message."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ExerciseFileError(
            [Problem(path, 1, f"cannot read the file: {exc.strerror}")]
        ) from exc
    try:
        # utf-8-sig: some Windows editors start UTF-8 files with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ExerciseFileError(
            [Problem(path, line, "the file is not valid UTF-8 text (save it as UTF-8)")]
        ) from exc
    if not text.strip():
        raise ExerciseFileError([Problem(path, 1, "the file is empty")])
    lines = KeyLines(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        if match:
            line = int(match.group(1))
        else:  # "at end of document": usually a string that never closes
            line = lines.unclosed_string or text.count("\n") + 1
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        raise ExerciseFileError([Problem(path, line, f"TOML syntax error: {message}")]) from exc
    except (RecursionError, MemoryError) as exc:
        raise ExerciseFileError(
            [Problem(path, 1, "the file is nested too deeply to read")]
        ) from exc
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        message = str(exc).split(":", 1)[0]
        raise ExerciseFileError(
            [Problem(path, 1, f"a value in the file cannot be read: {message}")]
        ) from exc
    return data, lines


def _suggest(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_keys(c: _Collector, table: dict[str, Any], known: set[str], where: KeyPath) -> None:
    for key in table:
        if key not in known:
            c.add((*where, key), f"unknown key {key!r}{_suggest(key, known)}")


def _bilingual(
    c: _Collector, value: Any, where: KeyPath, what: str, langs: tuple[TextLang, ...] = LANGS
) -> Text | None:
    """A table of texts by language, located at ``where``.

    Each of the pack's ``langs`` must be a non-empty string; another known language may
    be given too (a translation under way). A language without a text gets the text of
    the pack's first language, so every ``Text`` has both.
    """
    wanted = " and ".join(repr(lang) for lang in langs)
    if not isinstance(value, dict):
        c.add(where, f"'{what}' must be a table with {wanted} texts")
        return None
    ok = True
    for lang in LANGS:
        item = value.get(lang)
        if lang not in langs and item is None:
            continue
        if not isinstance(item, str) or not item.strip():
            given = [g for g in langs if isinstance(value.get(g), str) and value[g].strip()]
            if len(langs) == 1:
                note = f" (pack.toml has languages = {_langs(langs)})"
            elif given:  # perhaps a pack in one language that does not say so yet
                note = f" (a pack in one language says so in pack.toml: languages = {_langs((given[0],))})"
            else:
                note = ""
            c.add((*where, lang), f"{what}.{lang} must be a non-empty string{note}")
            ok = False
    for extra in sorted(set(value) - set(LANGS)):
        c.add(
            (*where, extra),
            f"{what} has unknown language {extra!r} (use {' and '.join(map(repr, LANGS))})",
        )
    if not ok:
        return None
    first = value[langs[0]].strip()
    texts = {lang: value[lang].strip() if lang in value else first for lang in LANGS}
    return Text(en=texts["en"], zh=texts["zh"])


def _langs(langs: tuple[TextLang, ...]) -> str:
    return "[" + ", ".join(f'"{lang}"' for lang in langs) + "]"


def _languages(c: _Collector, data: dict[str, Any]) -> tuple[TextLang, ...]:
    """``languages = ["en"]`` in pack.toml: the languages every text is written in."""
    raw = data.get("languages")
    if raw is None:
        return LANGS
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(x, str) and x in LANGS for x in raw)
        or len(set(raw)) != len(raw)
    ):
        c.add(
            ("languages",),
            f"'languages' must list languages quiz-tui knows, each once, the first the "
            f'one others fall back to: {_langs(LANGS)}, ["en"] or ["zh"]',
        )
        return LANGS
    return tuple(raw)


def _text(
    c: _Collector,
    data: dict[str, Any],
    key: str,
    where: KeyPath = (),
    langs: tuple[TextLang, ...] = LANGS,
) -> Text | None:
    """The required text field ``key`` of the table at ``where``, in the pack's languages."""
    value = data.get(key)
    if value is None:
        give = " and ".join(f"{key}.{lang}" for lang in langs)
        c.add(where, f"missing {key!r}: give it as {give}")
        return None
    return _bilingual(c, value, (*where, key), key, langs)


def _string(
    c: _Collector, data: dict[str, Any], key: str, where: KeyPath, *, required: bool = True
) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            c.add(where, f"missing {key!r}")
        return None
    if not isinstance(value, str):
        c.add((*where, key), f"{key!r} must be a string, not {type(value).__name__}")
        return None
    return value


def _compile(
    c: _Collector, code: str, label: str, start_line: int, *, multiline: bool = True
) -> None:
    """Report a syntax error in a Python snippet at its line in the file.

    The snippet is compiled behind blank lines so that Python's own numbers, in
    the position and in messages like "'(' on line 2", are file lines.
    """
    try:
        compile("\n" * (start_line - 1) + code, label, "exec", dont_inherit=True)
    except SyntaxError as exc:
        # In a one-line string, "\n" escapes make code lines that are not file lines.
        line = (exc.lineno or start_line) if multiline else start_line
        c.add(line, f"Python syntax error in {label}: {exc.msg}")
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        reason = (
            str(exc) if isinstance(exc, ValueError) else "it is nested too deeply or is too long"
        )
        c.add(start_line, f"{label} cannot be compiled: {reason}")


def _compile_at(c: _Collector, lines: KeyLines, code: str, label: str, where: KeyPath) -> None:
    span = lines.string_lines(where)
    # Code lines are file lines only when the string's newlines are real ones (not "\n").
    multiline = lines.is_multiline(where) and (span is None or code.count("\n") < span + 1)
    _compile(c, code, label, lines.string_start(where), multiline=multiline)


@dataclass(frozen=True)
class PackFile:
    """What ``pack.toml`` says: identity, sections and shared setup snippets."""

    id: str
    name: Text
    sections: tuple[Section, ...]
    fixtures: dict[str, str]
    path: Path
    languages: tuple[TextLang, ...] = LANGS
    """The languages every text of the pack is written in; the first is the fallback."""
    version: str = ""
    """The pack's own version (``version = "2025.1"``), recorded with exams and grades."""


def read_pack_file(path: Path) -> PackFile:
    """Parse and validate a ``pack.toml``; raise ExerciseFileError listing every problem."""
    data, lines = _read_toml(path)
    c = _Collector(path, lines)
    _check_keys(c, data, PACK_KEYS, ())
    _check_format(c, data)
    pack_id = _string(c, data, "id", ())
    if pack_id is not None and not _ID.match(pack_id):
        c.add(("id",), f"pack id {pack_id!r} must be lowercase letters, digits and '-'")
    langs = _languages(c, data)
    version = _string(c, data, "version", (), required=False) or ""
    name = _text(c, data, "name", (), langs)
    sections: list[Section] = []
    raw_sections = data.get("sections", [])
    if not isinstance(raw_sections, list) or not raw_sections:
        c.add(("sections",), "a pack needs at least one [[sections]] entry with id and title")
        raw_sections = []
    seen: set[str] = set()
    for i, sec in enumerate(raw_sections):
        if not isinstance(sec, dict):
            c.add(("sections",), "each [[sections]] entry must be a table")
            continue
        sid = _string(c, sec, "id", ("sections", i))
        title = _text(c, sec, "title", ("sections", i), langs)
        _check_keys(c, sec, {"id", "title"}, ("sections", i))
        if sid is None or title is None:
            continue
        if sid in seen:
            c.add(("sections", i, "id"), f"section id {sid!r} is used twice")
        seen.add(sid)
        sections.append(Section(sid, title))
    fixtures: dict[str, str] = {}
    raw_fixtures = data.get("fixtures", {})
    if not isinstance(raw_fixtures, dict):
        c.add(("fixtures",), "[fixtures] must be a table of name = '''python code'''")
        raw_fixtures = {}
    for fname, code in raw_fixtures.items():
        if not isinstance(code, str):
            c.add(("fixtures", fname), f"fixture {fname!r} must be a string of Python code")
            continue
        if not _NAME.match(fname):
            c.add(("fixtures", fname), f"fixture name {fname!r} must be a Python identifier")
        _compile_at(c, lines, code, f"fixture {fname!r}", ("fixtures", fname))
        fixtures[fname] = code
    if c.problems:
        raise ExerciseFileError(c.problems)
    assert pack_id is not None and name is not None
    return PackFile(pack_id, name, tuple(sections), fixtures, path, langs, version)


def _check_format(c: _Collector, data: dict[str, Any]) -> None:
    fmt = data.get("format")
    if fmt is None:
        c.add(1, f"missing 'format' (write format = {FORMAT_VERSION} at the top)")
    elif not isinstance(fmt, int) or isinstance(fmt, bool):
        c.add(("format",), "'format' must be an integer")
    elif fmt > FORMAT_VERSION:
        c.add(
            ("format",),
            f"format {fmt} is newer than this quiz-tui understands ({FORMAT_VERSION}); "
            "upgrade quiz-tui",
        )
    elif fmt < 1:
        c.add(("format",), f"format must be 1 or {FORMAT_VERSION}")


def _limits(c: _Collector, data: dict[str, Any]) -> Limits:
    raw = data.get("limits", {})
    if not isinstance(raw, dict):
        c.add(("limits",), "[limits] must be a table (seconds, memory_mb, tasks)")
        return Limits()
    _check_keys(c, raw, LIMIT_KEYS, ("limits",))
    limits = Limits()
    seconds = raw.get("seconds", limits.seconds)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        c.add(("limits", "seconds"), "limits.seconds must be a number")
        seconds = limits.seconds
    elif not 0 < seconds <= MAX_SECONDS:
        c.add(("limits", "seconds"), f"limits.seconds must be above 0 and at most {MAX_SECONDS:g}")
        seconds = limits.seconds
    memory = raw.get("memory_mb", limits.memory_mb)
    if isinstance(memory, bool) or not isinstance(memory, int):
        c.add(("limits", "memory_mb"), "limits.memory_mb must be a whole number of megabytes")
        memory = limits.memory_mb
    elif not 256 <= memory <= MAX_MEMORY_MB:
        c.add(("limits", "memory_mb"), f"limits.memory_mb must be between 256 and {MAX_MEMORY_MB}")
        memory = limits.memory_mb
    tasks = raw.get("tasks", limits.tasks)
    if isinstance(tasks, bool) or not isinstance(tasks, int) or not 16 <= tasks <= 4096:
        c.add(("limits", "tasks"), "limits.tasks must be a whole number between 16 and 4096")
        tasks = limits.tasks
    return Limits(seconds=float(seconds), memory_mb=memory, tasks=tasks)


def _examples(
    c: _Collector, lines: KeyLines, data: dict[str, Any], key: str, known: set[str]
) -> tuple[CodeExample, ...]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        c.add((key,), f"{key!r} must be written as [[{key}]] tables")
        return ()
    out: list[CodeExample] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            c.add((key,), f"each [[{key}]] entry must be a table")
            continue
        _check_keys(c, item, known, (key, i))
        code = _string(c, item, "code", (key, i))
        if code is None:
            continue
        start = lines.string_start((key, i, "code"))
        # Examples are learner code: compiled as the runner will hand it over. A wrong
        # answer expected to end in an error may be one Python cannot even compile.
        if key != "wrong" or item.get("status") != "error":
            _compile_at(c, lines, clean_code(code), f"{key}[{i}].code", (key, i, "code"))
        message = mistake = ""
        status = "fail"
        if key == "wrong":
            mistake = _string(c, item, "mistake", (key, i), required=False) or ""
            known_mistakes = catalogue_ids()
            if mistake and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", mistake):
                c.add(
                    (key, i, "mistake"),
                    "wrong.mistake must be a catalogue id like 'step-before-backward'",
                )
            elif mistake and known_mistakes is not None and mistake not in known_mistakes:
                c.add(
                    (key, i, "mistake"),
                    f"wrong.mistake {mistake!r} is not in the misconception catalogue "
                    f"(quiz_tui/locales/en.toml){_suggest(mistake, known_mistakes)}",
                )
            message = _string(c, item, "message", (key, i), required=not mistake) or ""
            status = _string(c, item, "status", (key, i), required=False) or "fail"
            if status not in {"fail", "error", "timeout"}:
                c.add((key, i, "status"), "wrong.status must be 'fail', 'error' or 'timeout'")
        note = _string(c, item, "note", (key, i), required=False) or ""
        out.append(
            CodeExample(
                code=code, line=start, message=message, status=status, mistake=mistake, note=note
            )
        )
    return tuple(out)


def catalogue_ids() -> frozenset[str] | None:
    """The ids of the misconception catalogue (``[mistake.<id>]`` in ``locales/en.toml``).

    Read as a file (``quiz_tui.core.messages``), not through ``checkers``, which
    would import torch. None when the catalogue cannot be read (ids are then not
    checked).
    """
    try:
        return frozenset(messages.mistakes(messages.BASE))
    except (OSError, ValueError):
        return None


def read_exercise(path: Path, pack: PackFile) -> Exercise:
    """Parse and validate one exercise file against its pack."""
    data, lines = _read_toml(path)
    c = _Collector(path, lines)
    fmt = data.get("format")
    version = 2 if fmt == 2 else 1
    if version == 2:
        for key in ("check", "probe", "instrument"):
            if key in data:
                c.add(
                    (key,),
                    f"format 2 keeps {key!r} in the code file: write `def {key}(...)` there",
                )
        _check_keys(c, {k: v for k, v in data.items() if k not in HOOK_KEYS}, FORMAT2_KEYS, ())
    else:
        _check_keys(c, data, EXERCISE_KEYS, ())
    _check_format(c, data)

    ex_id = _string(c, data, "id", ())
    if ex_id is not None and not _ID.match(ex_id):
        c.add(("id",), f"id {ex_id!r} must be lowercase letters, digits and '-' (it never changes)")
    number = data.get("number")
    if number is None:
        c.add((), "missing 'number' (the task's number in the pack)")
    elif isinstance(number, bool) or not isinstance(number, int) or number < 1:
        c.add(("number",), "'number' must be a positive whole number")
        number = None
    section = _string(c, data, "section", ())
    if section is not None and pack.sections and section not in {s.id for s in pack.sections}:
        known = {s.id for s in pack.sections}
        c.add(("section",), f"unknown section {section!r}{_suggest(section, known)}")
    langs = pack.languages
    title = _text(c, data, "title", (), langs)
    prompt = _text(c, data, "prompt", (), langs)

    codes: dict[str, str] = {}
    module: content.CodeModule | None = None
    code_path: Path | None = None
    code_keys = ("starter", "solution", "check") if version == 1 else ("solution",)
    for key in code_keys:
        value = _string(c, data, key, ())
        if value is not None:
            if not value.strip() and key != "starter":
                c.add((key,), f"{key!r} is empty")
            _compile_at(c, lines, value, key, (key,))
            codes[key] = value
    if version == 2:
        starter = _string(c, data, "starter", (), required=False)
        if starter is not None:
            _compile_at(c, lines, starter, "starter", ("starter",))
        if "solution" in codes:
            marked = codes["solution"]
            try:
                codes["solution"] = content.clean_solution(marked)
                if starter is None:
                    starter = content.derive_starter(marked)
            except content.MarkerError as exc:
                c.add(lines.string_start(("solution",)) + exc.line - 1, exc.message)
        if starter is not None:
            codes["starter"] = starter
        module, code_path = _code_module(c, data, path)
    setup_code = _string(c, data, "setup", (), required=False) or ""
    _compile_at(c, lines, setup_code, "setup", ("setup",))

    setup: list[SetupPiece] = []
    raw_fixtures = data.get("fixtures", [])
    if not isinstance(raw_fixtures, list) or not all(isinstance(f, str) for f in raw_fixtures):
        c.add(("fixtures",), "'fixtures' must be a list of fixture names from pack.toml")
        raw_fixtures = []
    for name in raw_fixtures:
        if name not in pack.fixtures:
            c.add(
                ("fixtures",),
                f"unknown fixture {name!r}{_suggest(name, pack.fixtures)}; "
                f"pack.toml defines: {', '.join(sorted(pack.fixtures)) or 'none'}",
            )
        else:
            setup.append(SetupPiece(f"fixture:{name}", pack.fixtures[name]))
    if setup_code.strip():
        setup.append(SetupPiece("setup", setup_code))

    hints: list[Text] = []
    raw_hints = data.get("hints")
    if not isinstance(raw_hints, list) or not raw_hints:
        c.add(("hints",), f"at least one [[hints]] entry (with {' and '.join(langs)}) is required")
    else:
        for i, hint in enumerate(raw_hints):
            if not isinstance(hint, dict):
                c.add(
                    ("hints",), f"each [[hints]] entry must be a table with {' and '.join(langs)}"
                )
                continue
            got = _bilingual(c, hint, ("hints", i), f"hints[{i}]", langs)
            if got is not None:
                hints.append(got)

    names = data.get("names", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and _NAME.match(n) for n in names):
        c.add(("names",), "'names' must be a list of Python variable names")
        names = []

    limits = _limits(c, data)
    alternatives = _examples(c, lines, data, "alternatives", ALTERNATIVE_KEYS)
    wrong = _examples(c, lines, data, "wrong", WRONG_KEYS)
    uses_data = data.get("data", False)
    if not isinstance(uses_data, bool):
        c.add(("data",), "'data' must be true or false")
        uses_data = False
    draft = _string(c, data, "draft", (), required=False) or ""
    if draft and not _ID.match(draft):
        c.add(("draft",), f"draft group {draft!r} must be lowercase letters, digits and '-'")
    instrument = probe = ""
    if version == 1:
        instrument = _string(c, data, "instrument", (), required=False) or ""
        _compile_at(c, lines, instrument, "instrument", ("instrument",))
        probe = _string(c, data, "probe", (), required=False) or ""
        _compile_at(c, lines, probe, "probe", ("probe",))
    explain = _explanations(c, data, langs)

    if (
        "starter" in codes
        and "solution" in codes
        and codes["starter"].strip() == codes["solution"].strip()
    ):
        c.add(("solution",), "the solution is the same as the starter")

    if c.problems:
        raise ExerciseFileError(c.problems)
    assert ex_id and isinstance(number, int) and section and title and prompt
    if module is not None:
        codes["check"] = module.text
    return Exercise(
        pack_id=pack.id,
        id=ex_id,
        number=number,
        section=section,
        title=title,
        prompt=prompt,
        setup=tuple(setup),
        starter=codes["starter"],
        solution=codes["solution"],
        check=codes["check"],
        hints=tuple(hints),
        names=tuple(names),
        limits=limits,
        alternatives=alternatives,
        wrong=wrong,
        path=path,
        uses_data=uses_data,
        instrument=instrument,
        probe=probe,
        explain=explain,
        draft_group=draft,
        format=version,
        code_path=code_path,
        hooks=module.learner_text if module is not None else "",
        check_names=module.required_names if module is not None else (),
    )


HOOK_KEYS = ("check", "probe", "instrument")


def code_path_for(path: Path, data: dict[str, Any]) -> Path:
    """The code file of a format-2 exercise: ``code = "..."``, else ``exNN_slug.py``."""
    named = data.get("code")
    if isinstance(named, str) and named:
        return path.parent / named
    return path.parent / f"{content.module_name(path.stem)}.py"


def _code_module(
    c: _Collector, data: dict[str, Any], path: Path
) -> tuple[content.CodeModule | None, Path | None]:
    """Read and check the code file; its problems are reported at its own lines."""
    named = data.get("code")
    if named is not None and (
        not isinstance(named, str) or not named.endswith(".py") or "/" in named or "\\" in named
    ):
        c.add(("code",), "'code' must name a .py file beside the exercise file")
        return None, None
    code_path = code_path_for(path, data)
    try:
        raw = code_path.read_bytes()
    except OSError:
        where: KeyPath | int = ("code",) if named is not None else ("format",)
        c.add(
            where,
            f"no code file {code_path.name} beside this file (format 2 keeps `def check` there)",
        )
        return None, code_path
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        c.problems.append(
            Problem(code_path, 1, "the file is not valid UTF-8 text (save it as UTF-8)")
        )
        return None, code_path
    try:
        return content.parse_module(text, code_path.name), code_path
    except content.ModuleProblem as exc:
        c.problems.append(Problem(code_path, exc.line, exc.message))
        return None, code_path


def _explanations(
    c: _Collector, data: dict[str, Any], langs: tuple[TextLang, ...]
) -> tuple[Explanation, ...]:
    raw = data.get("explain", [])
    if not isinstance(raw, list):
        c.add(("explain",), "'explain' must be written as [[explain]] tables")
        return ()
    out: list[Explanation] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            c.add(("explain",), "each [[explain]] entry must be a table")
            continue
        _check_keys(c, item, {"error", "en", "zh"}, ("explain", i))
        pattern = _string(c, item, "error", ("explain", i))
        texts = {k: item[k] for k in LANGS if k in item}
        text = _bilingual(c, texts, ("explain", i), f"explain[{i}]", langs)
        if pattern is None or text is None:
            continue
        try:
            re.compile(pattern)
        except re.error as exc:
            c.add(
                ("explain", i, "error"),
                f"explain[{i}].error is not a valid regular expression: {exc}",
            )
            continue
        except (OverflowError, RecursionError):
            c.add(("explain", i, "error"), f"explain[{i}].error is too large or too deeply nested")
            continue
        out.append(Explanation(pattern, text))
    return tuple(out)


def exercise_files(root: Path) -> list[Path]:
    """The exercise files of a pack folder, in name order."""
    return sorted(p for p in root.glob("*.toml") if p.name != PACK_FILE and p.is_file())


def load_pack(root: Path, *, builtin: bool = False) -> Pack:
    """Load a pack folder. Bad exercise files become ``Pack.broken`` entries.

    Raises PackError when the folder has no usable ``pack.toml``.
    """
    root = Path(root)
    pack_path = root / PACK_FILE
    if not root.is_dir():
        raise PackError(f"{root}: not a folder")
    if not pack_path.is_file():
        raise PackError(f"{root}: no {PACK_FILE} here, so this is not a quiz-tui pack")
    try:
        pack_file = read_pack_file(pack_path)
    except ExerciseFileError as exc:
        raise PackError(str(exc), exc.problems) from exc

    exercises: list[Exercise] = []
    broken: list[BrokenExercise] = []
    for path in exercise_files(root):
        try:
            exercises.append(read_exercise(path, pack_file))
        except ExerciseFileError as exc:
            broken.append(BrokenExercise(path, tuple(exc.problems)))
    _cross_check(exercises, broken)
    exercises.sort(key=lambda e: (e.number, e.id))
    return Pack(
        id=pack_file.id,
        name=pack_file.name,
        languages=pack_file.languages,
        version=pack_file.version,
        root=root,
        sections=pack_file.sections,
        exercises=tuple(exercises),
        broken=tuple(broken),
        builtin=builtin,
    )


def _cross_check(exercises: list[Exercise], broken: list[BrokenExercise]) -> None:
    """Duplicate ids or numbers: every file after the first one becomes broken."""
    _demote_duplicates(exercises, broken, lambda e: e.id, "id")
    _demote_duplicates(exercises, broken, lambda e: e.number, "number")


def _demote_duplicates(
    exercises: list[Exercise],
    broken: list[BrokenExercise],
    key: Callable[[Exercise], object],
    what: str,
) -> None:
    first: dict[object, Exercise] = {}
    for ex in list(exercises):
        k = key(ex)
        if k in first:
            exercises.remove(ex)
            message = f"{what} {k!r} is already used by {first[k].path.name}"
            problem = Problem(ex.path, _line_of(ex.path, what), message)
            broken.append(BrokenExercise(ex.path, (problem,)))
        else:
            first[k] = ex


def _line_of(path: Path, key: str) -> int:
    try:
        return KeyLines(path.read_text("utf-8")).line((key,))
    except (OSError, UnicodeDecodeError):
        return 1


def exercise_for_code(code: Path) -> Path | None:
    """The exercise file whose code file is ``code`` (format 2), if any."""
    for path in exercise_files(code.parent):
        try:
            data = tomllib.loads(path.read_text("utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if code_path_for(path, data).resolve() == code.resolve():
            return path
    return None


def validate_path(path: Path) -> list[Problem]:
    """Format-only validation of a pack folder or a single exercise file."""
    path = Path(path)
    if path.is_dir():
        try:
            pack = load_pack(path)
        except PackError as exc:
            return exc.problems or [Problem(path / PACK_FILE, 1, str(exc).split(": ", 1)[-1])]
        return [p for b in pack.broken for p in b.problems]
    if not path.exists():
        return [Problem(path, 1, "no such file or folder")]
    if path.suffix == ".py":  # a format-2 code file: validate the exercise it belongs to
        owner = exercise_for_code(path)
        if owner is None:
            return [Problem(path, 1, "no exercise file beside it uses this code file")]
        path = owner
    pack_path = path.parent / PACK_FILE
    try:
        pack_file = (
            read_pack_file(pack_path)
            if pack_path.is_file()
            else PackFile("standalone", Text("", ""), (), {}, pack_path)
        )
        if path.name == PACK_FILE:
            return []
        read_exercise(path, pack_file)
    except ExerciseFileError as exc:
        return exc.problems
    return []
