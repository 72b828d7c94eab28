"""The misconception catalogue: complete in every language, and every entry proven by a
golden wrong answer in the built-in pack."""

from __future__ import annotations

import re

import pytest

from checkers import CheckFailed, _core, explain_error, fail, mistake
from checkers._mistakes import entries, fields_of, languages
from quiz_tui.core.content.packs import load_builtin

BASE = entries("en")


def test_the_catalogue_is_not_empty_and_has_chinese() -> None:
    assert BASE
    assert "zh" in languages()


@pytest.mark.parametrize("lang", [lang for lang in languages() if lang != "en"])
def test_every_language_has_every_entry_with_the_same_placeholders(lang: str) -> None:
    other = entries(lang)
    assert sorted(other) == sorted(BASE)
    for key, entry in BASE.items():
        assert fields_of(other[key]["text"]) == fields_of(entry["text"]), key
        assert set(other[key]) == {"text"}, f"{lang}:{key}: only the base file holds patterns"


def test_every_error_pattern_compiles_and_fills_only_known_fields() -> None:
    for key, entry in BASE.items():
        if "error" in entry:
            groups = set(re.compile(entry["error"]).groupindex)
            assert groups <= fields_of(entry["text"]), key


def test_every_entry_has_a_golden_wrong_answer_and_every_named_entry_exists() -> None:
    named = {w.mistake for ex in load_builtin() for w in ex.wrong if w.mistake}
    assert sorted(set(BASE) - named) == [], "catalogue entries without a golden wrong answer"
    assert sorted(named - set(BASE)) == [], "wrong answers naming no catalogue entry"


def test_a_mistake_renders_in_the_learners_language_and_travels_with_the_failure() -> None:
    key = next(iter(BASE))
    _core._reset(lang="zh")
    try:
        zh = mistake(key)
        with pytest.raises(CheckFailed) as raised:
            fail(zh)
    finally:
        _core._reset()
    assert zh.text != mistake(key).text
    assert raised.value.mistake == key
    assert raised.value.message == zh.text


def test_an_unknown_mistake_is_a_bug_in_the_exercise() -> None:
    with pytest.raises(KeyError):
        mistake("no-such-mistake")


def test_explain_error_returns_none_for_an_error_nobody_described() -> None:
    assert explain_error("ZeroDivisionError", "quiz-tui test: nothing matches this") is None
