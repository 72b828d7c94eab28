"""`quiz-tui data ...`, `--data-dir` and `check --save-images`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from quiz_tui.cli import main
from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.state.data import REAL_FILES, REAL_FOLDER, resolve


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def fake_cifar(root: Path) -> Path:
    """A folder shaped like real CIFAR-10 (right names, wrong contents)."""
    folder = root / REAL_FOLDER
    folder.mkdir(parents=True)
    for name in REAL_FILES:
        (folder / name).write_bytes(b"not really cifar")
    return root


def test_status_defaults_to_the_practice_set() -> None:
    code, out = invoke("data", "status", "--json")
    assert code == 0
    info = json.loads(out)
    assert info["kind"] == "practice"
    assert info["configured_by"] == "default"


def test_data_dir_must_hold_cifar10(tmp_path: Path) -> None:
    code, out = invoke("data", "status", "--data-dir", str(tmp_path))
    assert code == 2
    assert f"{tmp_path} has no {REAL_FOLDER} folder" in out


def test_data_dir_pointing_inside_the_batches_folder_is_explained(tmp_path: Path) -> None:
    inner = fake_cifar(tmp_path) / REAL_FOLDER
    code, out = invoke("data", "status", "--data-dir", str(inner))
    assert code == 2
    assert "give the folder that contains cifar-10-batches-py" in out


def test_real_cifar_from_the_environment(tmp_path: Path) -> None:
    root = fake_cifar(tmp_path)
    code, out = invoke("data", "status", "--json", env={"QUIZ_TUI_DATA_DIR": str(root)})
    assert code == 0
    info = json.loads(out)
    assert (info["kind"], info["configured_by"]) == ("cifar10", "QUIZ_TUI_DATA_DIR")
    code, out = invoke("data", "status", "--verify", env={"QUIZ_TUI_DATA_DIR": str(root)})
    assert code == 1
    assert "is damaged (its checksum is not CIFAR-10's)" in out


def test_real_cifar_from_the_config_file(tmp_path: Path) -> None:
    root = fake_cifar(tmp_path)
    config = Path(os.environ["QUIZ_TUI_HOME"]) / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'data_dir = "{root}"\n')
    assert resolve(root).kind == "cifar10"
    code, out = invoke("data", "status", "--json")
    assert code == 0
    assert json.loads(out)["configured_by"] == f"data_dir in {config}:1"


def test_download_offline_says_so_and_keeps_the_practice_set(tmp_path: Path) -> None:
    env = {"QUIZ_TUI_CIFAR_URL": "http://127.0.0.1:9/cifar-10-python.tar.gz"}
    result = CliRunner().invoke(main, ["data", "download", str(tmp_path)], env=env)
    assert result.exit_code == 1
    assert "cannot download CIFAR-10 (is this machine offline?)" in result.output
    assert "The offline practice set keeps working" in result.output


@pytest.mark.slow
def test_check_saves_the_shown_images_as_png(tmp_path: Path) -> None:
    exercise = load_builtin().find("56")
    assert exercise is not None
    answer = tmp_path / "answer.py"
    answer.write_text(exercise.solution)
    out_dir = tmp_path / "images"
    code, out = invoke("check", "56", str(answer), "--save-images", str(out_dir))
    assert code == 0, out
    (png,) = sorted(out_dir.iterdir())
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    from PIL import Image

    with Image.open(png) as image:
        # make_grid of 4 images of 32×32 with 2-pixel padding: 138×36
        assert image.size == (138, 36)
        assert image.mode == "RGB"
