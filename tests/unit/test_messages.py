"""The message catalogue: every learner-facing text, one file per language.

Proves that each key the code asks for exists, that no key is dead, that every
language has the same placeholders as English, and that a third language is one
file: the app finds it, falls back to English for what it lacks, and accepts it in
config.toml.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz_tui.core import messages

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("app", "cli", "core", "runner", "worker", "check")
KEY = re.compile(rf"^(?:{'|'.join(SECTIONS)})\.[a-z0-9][a-z0-9-]*$")


LOOKUPS = {"say", "template", "_say"}
"""The functions that take a message key (``messages.say``, ``checkers``' ``say``)."""


def _trees() -> Iterator[tuple[Path, ast.AST]]:
    for folder in ("quiz_tui", "checkers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, ast.parse(path.read_text("utf-8"))


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_every_key_the_code_asks_for_exists_in_english() -> None:
    known = messages.keys()
    missing = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in LOOKUPS:
                for arg in node.args:
                    is_text = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    if is_text and KEY.match(arg.value) and arg.value not in known:
                        missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {arg.value}")
    assert missing == []


def test_no_message_is_dead() -> None:
    """Every key appears in the code as a literal (keys are never built from parts)."""
    used = {
        node.value
        for _, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert sorted(set(messages.keys()) - used) == []


def test_the_base_file_has_only_known_sections() -> None:
    extra = set(messages.table("en")) - {*SECTIONS, "language", "mistake"}
    assert extra == set()


@pytest.mark.parametrize("lang", messages.languages()[1:])
def test_every_language_has_every_message_with_the_same_placeholders(lang: str) -> None:
    base, other = messages.keys("en"), messages.keys(lang)
    assert sorted(set(base) - set(other)) == [], f"{lang} lacks these"
    assert sorted(set(other) - set(base)) == [], f"{lang} has keys English does not"
    for key, text in base.items():
        assert messages.fields_of(other[key]) == messages.fields_of(text), key


def test_say_fills_placeholders_and_keeps_unknown_ones_visible() -> None:
    for key, text in messages.keys().items():
        fields = {name: f"<{name}>" for name in messages.fields_of(text)}
        said = messages.say("en", key, **fields)
        assert all(f"<{name}>" in said for name in fields), key
    assert messages.fill("{a} and {b}", {"a": 1}) == "1 and {b}"


def test_a_text_reads_right_after_the_learners_code_replaced_builtins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker says texts in the learner's process after their code ran, and that
    code may have replaced ``builtins.isinstance`` (the zygote has read every file)."""
    for lang in messages.languages():
        messages.table(lang)
    monkeypatch.setattr(builtins, "isinstance", lambda *a: True)
    said = [messages.say(lang, "worker.ran-to-end") for lang in ("en", "zh")]
    monkeypatch.undo()
    assert said == ["Your code ran to the end.", "你的代码运行完毕。"]


def test_an_unknown_key_is_a_bug_in_the_caller() -> None:
    with pytest.raises(KeyError, match=r"no message 'app\.no-such-message'"):
        messages.say("en", "app.no-such-message")


@pytest.fixture
def three_languages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The real catalogue plus one more language file, ``eo`` (Esperanto)."""
    for path in messages.LOCALES.glob("*.toml"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    key, _ = next(iter(messages.keys().items()))
    section, name = key.split(".")
    (tmp_path / "eo.toml").write_text(
        f'[language]\nname = "Esperanto"\n\n[{section}]\n{name} = "Saluton"\n', "utf-8"
    )
    monkeypatch.setattr(messages, "LOCALES", tmp_path)
    for cached in (messages.table, messages.languages):
        cached.cache_clear()
    yield tmp_path
    for cached in (messages.table, messages.languages):
        cached.cache_clear()


def test_a_third_language_is_one_file(three_languages: Path) -> None:
    from quiz_tui.core.state.config import load_config

    assert messages.languages() == ("en", "eo", "zh")
    assert messages.language_name("eo") == "Esperanto"
    translated, untranslated = list(messages.keys())[:2]
    assert messages.say("eo", translated) == "Saluton"
    assert messages.say("eo", untranslated) == messages.say("en", untranslated)
    assert messages.next_language("en") == "eo"
    assert messages.next_language("zh") == "en"
    (three_languages / "config.toml").write_text('lang = "eo"\n', "utf-8")
    config = load_config(three_languages / "config.toml")
    assert config.lang == "eo" and config.problems == ()


def test_a_broken_translation_falls_back_to_english_and_is_reported(
    three_languages: Path,
) -> None:
    (three_languages / "eo.toml").write_text("[language\nname = ", "utf-8")
    messages.table.cache_clear()
    key = next(iter(messages.keys()))
    assert messages.say("eo", key) == messages.say("en", key)
    assert any("eo.toml" in p and "English" in p for p in messages.problems())
