"""The JSON Schemas of pack files (schema/*.json) agree with the files and the loader.

Editors (taplo, Even Better TOML) check and complete pack files with these schemas,
so every built-in and example file must be valid against them, and they must know
exactly the keys the loader knows.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from quiz_tui.core.content import loader
from quiz_tui.core.content.packs import builtin_pack_dir

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schema"
PACKS = [builtin_pack_dir(), ROOT / "examples" / "linear-regression"]


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return schema


def _errors(name: str, data: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(_schema(name))
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


def _files() -> list[Path]:
    return [p for pack in PACKS for p in sorted(pack.glob("*.toml"))]


@pytest.mark.parametrize("path", _files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_builtin_and_example_file_is_valid(path: Path) -> None:
    data = tomllib.loads(path.read_text("utf-8"))
    kind = "pack" if path.name == loader.PACK_FILE else "exercise"
    assert _errors(kind, data) == []


def test_the_schemas_know_the_loaders_keys() -> None:
    pack = _schema("pack")
    exercise = _schema("exercise")
    props = exercise["properties"]
    assert set(pack["properties"]) == loader.PACK_KEYS
    assert set(props) == loader.EXERCISE_KEYS | {"code"}
    assert set(props["wrong"]["items"]["properties"]) == loader.WRONG_KEYS
    assert set(props["alternatives"]["items"]["properties"]) == loader.ALTERNATIVE_KEYS
    assert set(props["limits"]["properties"]) == loader.LIMIT_KEYS


def test_the_schema_rejects_what_the_loader_rejects() -> None:
    good = tomllib.loads((PACKS[1] / "02-mse.toml").read_text("utf-8"))
    assert _errors("exercise", good) == []
    assert _errors("exercise", {**good, "titel": good["title"]})  # a typo
    assert _errors("exercise", {**good, "check": "assert True"})  # format 2 keeps it in .py
    assert _errors("exercise", {k: v for k, v in good.items() if k != "hints"})
    assert _errors("exercise", {**good, "title": {"fr": "Erreur"}})
    assert _errors("exercise", {**good, "wrong": [{"code": "x = 1"}]})  # no message, no mistake
    assert _errors("exercise", {**good, "wrong": [{"code": "x = 1", "mistake": "any-id"}]}) == []
    assert _errors("exercise", {**good, "title": {"en": "English only"}}) == []
    pack = tomllib.loads((PACKS[1] / "pack.toml").read_text("utf-8"))
    assert _errors("pack", {**pack, "languages": ["en"], "version": "1.0"}) == []
    assert _errors("pack", {**pack, "languages": ["fr"]})
    assert _errors("pack", {**pack, "languages": []})


def test_taplo_maps_the_files_to_the_schemas() -> None:
    config = tomllib.loads((ROOT / ".taplo.toml").read_text("utf-8"))
    paths = {Path(rule["schema"]["path"]).name for rule in config["rule"]}
    assert paths == {"pack.schema.json", "exercise.schema.json"}
    for rule in config["rule"]:
        assert (ROOT / rule["schema"]["path"]).is_file()
