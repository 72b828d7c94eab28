"""Packs in one language: ``languages = ["en"]`` (or ``["zh"]``) in pack.toml.

Each of the pack's languages is required in every text; a language the pack does
not declare falls back to its first one. Wrong answers may name a catalogue entry,
whose id the loader checks against ``quiz_tui/locales/en.toml``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from quiz_tui.cli import main
from quiz_tui.core.content.loader import catalogue_ids, load_pack, validate_path
from quiz_tui.core.model import LANGS

TEXTS = {
    "en": {
        "name": "Ones",
        "section": "Basics",
        "title": "A vector of ones",
        "prompt": "Create `v`, a tensor of three ones (float32).",
        "hint": "`torch.ones(n)` makes n ones.",
        "fail": "Use torch.ones.",
    },
    "zh": {
        "name": "全 1",
        "section": "基础",
        "title": "全 1 向量",
        "prompt": "创建 `v`：含 3 个 1 的张量（float32）。",
        "hint": "`torch.ones(n)` 生成 n 个 1。",
        "fail": "请使用 torch.ones。",
    },
}


def write_pack(root: Path, lang: str, *, declare: str | None = None, extra: str = "") -> Path:
    """A format-2 pack of one exercise, written only in ``lang``."""
    t = TEXTS[lang]
    declared = declare if declare is not None else f'languages = ["{lang}"]\n'
    root.mkdir()
    (root / "pack.toml").write_text(
        f'format = 2\nid = "ones-{lang}"\nversion = "1.0"\n{declared}'
        f'name.{lang} = "{t["name"]}"\n\n'
        f'[[sections]]\nid = "basics"\ntitle.{lang} = "{t["section"]}"\n\n'
        "[fixtures]\ntorch = '''\nimport torch\n'''\n",
        "utf-8",
    )
    (root / "01-ones.toml").write_text(
        'format = 2\nid = "ones"\nnumber = 1\nsection = "basics"\n'
        f'title.{lang} = "{t["title"]}"\n'
        f'fixtures = ["torch"]\nprompt.{lang} = "{t["prompt"]}"\n'
        "solution = '''\nv = torch.ones(3)  # SOLUTION\n'''\n\n"
        f'[[hints]]\n{lang} = "{t["hint"]}"\n\n'
        "[[wrong]]\ncode = '''\nv = torch.zeros(3)\n'''\n"
        f'message = "{t["fail"]}"\n{extra}',
        "utf-8",
    )
    (root / "ex01_ones.py").write_text(
        "import torch\n\nfrom checkers import expect\n\n\n"
        "def check(v: torch.Tensor) -> None:\n"
        f'    expect(bool((v == 1).all()) and v.shape == (3,), "{t["fail"]}", "{t["fail"]}")\n',
        "utf-8",
    )
    return root


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_one_language_pack_loads_and_falls_back_to_its_language(
    tmp_path: Path, lang: str
) -> None:
    pack = load_pack(write_pack(tmp_path / "p", lang))
    assert pack.broken == ()
    assert pack.languages == (lang,)
    assert pack.version == "1.0"
    ex = pack.exercises[0]
    t = TEXTS[lang]
    for shown in LANGS:  # a learner in the other language sees the pack's own
        assert pack.name.get(shown) == t["name"]
        assert pack.sections[0].title.get(shown) == t["section"]
        assert ex.title.get(shown) == t["title"]
        assert ex.prompt.get(shown) == t["prompt"]
        assert ex.hints[0].get(shown) == t["hint"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_quiz_tui_validate_runs_a_one_language_pack(tmp_path: Path, lang: str) -> None:
    root = write_pack(tmp_path / "p", lang)
    result = CliRunner().invoke(
        main, ["validate", str(root), "--json", "-j", "1"], catch_exceptions=False
    )
    data = json.loads(result.output)
    assert result.exit_code == 0, data
    assert data["ok"] is True
    [ex] = data["exercises"]
    assert ex["solution_passes"] and ex["starter_does_not_pass"]
    assert ex["wrong_answers_caught"] == [1, 1]


def test_a_declared_language_is_required_everywhere(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "p", "en", declare='languages = ["en", "zh"]\n')
    problems = [(p.path.name, p.message) for p in validate_path(root)]
    hint = '(a pack in one language says so in pack.toml: languages = ["en"])'
    assert ("pack.toml", f"name.zh must be a non-empty string {hint}") in problems
    assert len(problems) == 2  # name and the section's title; the exercise waits for the pack


def test_without_languages_a_pack_needs_both_as_before(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "p", "en", declare="")
    messages = [p.message for p in validate_path(root)]
    assert any(m.startswith("name.zh must be a non-empty string") for m in messages)
    assert 'languages = ["en"]' in messages[0]  # and says how to make a pack in one language


def test_a_translation_under_way_is_used_where_given(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "p", "en")
    path = root / "01-ones.toml"
    path.write_text(path.read_text("utf-8").replace('title.en = "A vector of ones"', 'title.en = "A vector of ones"\ntitle.zh = "全 1 向量"'), "utf-8")  # fmt: skip
    ex = load_pack(root).exercises[0]
    assert (ex.title.en, ex.title.zh) == ("A vector of ones", "全 1 向量")
    assert ex.prompt.zh == ex.prompt.en


@pytest.mark.parametrize(
    ("declare", "fragment"),
    [
        ('languages = ["fr"]\n', "'languages' must list languages quiz-tui knows"),
        ("languages = []\n", "'languages' must list"),
        ('languages = ["en", "en"]\n', "each once"),
        ('languages = "en"\n', "'languages' must list"),
    ],
)
def test_bad_languages_are_reported_at_their_line(
    tmp_path: Path, declare: str, fragment: str
) -> None:
    root = write_pack(tmp_path / "p", "en", declare=declare)
    problems = validate_path(root)
    assert any(fragment in p.message and p.line == 4 for p in problems), problems


def test_a_wrong_answer_must_name_a_catalogue_entry_that_exists(tmp_path: Path) -> None:
    ids = catalogue_ids()
    assert ids is not None and "training-step-missing" in ids
    root = write_pack(tmp_path / "p", "en", extra='mistake = "training-step-mising"\n')
    [problem] = validate_path(root)
    assert problem.path.name == "01-ones.toml"
    assert "'training-step-mising' is not in the misconception catalogue" in problem.message
    assert "did you mean 'training-step-missing'" in problem.message
    assert (
        problem.line
        == (root / "01-ones.toml")
        .read_text()
        .splitlines()
        .index('mistake = "training-step-mising"')
        + 1
    )
    path = root / "01-ones.toml"
    path.write_text(path.read_text("utf-8").replace("mising", "missing"), "utf-8")
    assert validate_path(root) == []


def test_the_catalogue_is_read_without_importing_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from quiz_tui.core.content.loader import catalogue_ids\n"
        "assert catalogue_ids(), 'no catalogue found'\n"
        "assert 'torch' not in sys.modules and 'checkers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
