"""The offline practice set: byte-identical everywhere, and read by torchvision itself."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np
import pytest
import torchvision
from pytorch60 import data, practice


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("practice")
    practice.write(root)
    return root


def test_generation_is_byte_identical_across_runs(generated: Path) -> None:
    again = practice.files()
    folder = generated / practice.FOLDER
    assert sorted(again) == sorted(p.name for p in folder.iterdir())
    for name, content in again.items():
        assert (folder / name).read_bytes() == content, name


def test_the_checksum_constants_match_what_is_generated(generated: Path) -> None:
    assert practice.md5s(generated / practice.FOLDER) == data.PRACTICE_MD5


def test_the_files_are_in_cifar10_format(generated: Path) -> None:
    folder = generated / practice.FOLDER
    with open(folder / "data_batch_1", "rb") as f:
        batch = pickle.load(f, encoding="latin1")
    assert set(batch) == {"batch_label", "labels", "data", "filenames"}
    assert len(batch["labels"]) == practice.PER_TRAIN_BATCH
    assert batch["data"].dtype == np.uint8
    assert batch["data"].size == practice.PER_TRAIN_BATCH * 3072
    with open(folder / "batches.meta", "rb") as f:
        meta = pickle.load(f, encoding="latin1")
    assert meta["label_names"] == [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]  # fmt: skip


def test_torchvisions_cifar10_loader_reads_it(generated: Path) -> None:
    train = data.PracticeCIFAR10(root=str(generated), train=True)
    test = data.PracticeCIFAR10(root=str(generated), train=False)
    assert isinstance(train, torchvision.datasets.CIFAR10)
    assert len(train) == practice.TRAIN_BATCHES * practice.PER_TRAIN_BATCH
    assert len(test) == practice.TEST_IMAGES
    image, label = train[0]
    assert image.size == (32, 32)
    assert 0 <= label < 10
    assert train.classes[label] in practice.CLASSES
    # Balanced classes: every class appears equally often in each batch.
    counts = np.bincount(train.targets, minlength=10)
    assert counts.min() == counts.max()


def test_torchvision_rejects_a_damaged_file(generated: Path, tmp_path: Path) -> None:
    copy = tmp_path / practice.FOLDER
    copy.mkdir()
    for p in (generated / practice.FOLDER).iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    (copy / "test_batch").write_bytes(b"not cifar")
    with pytest.raises(RuntimeError, match="not found or corrupted"):
        data.PracticeCIFAR10(root=str(tmp_path), train=False)


def test_the_images_are_drawn_not_noise() -> None:
    rng = np.random.RandomState(0)
    # Images of one class resemble each other more than images of different classes.
    planes = np.stack([practice.draw(0, rng) for _ in range(20)]).astype(float)
    frogs = np.stack([practice.draw(6, rng) for _ in range(20)]).astype(float)
    within = np.abs(planes.mean(0) - planes[:10].mean(0)).mean()
    between = np.abs(planes.mean(0) - frogs.mean(0)).mean()
    assert between > 3 * within


def test_real_cifar10_checksums_are_torchvisions() -> None:
    from quiz_tui.core.state.data import REAL_FILES

    listed = dict(torchvision.datasets.CIFAR10.train_list + torchvision.datasets.CIFAR10.test_list)
    listed[torchvision.datasets.CIFAR10.meta["filename"]] = torchvision.datasets.CIFAR10.meta["md5"]
    assert listed == REAL_FILES


def test_ensure_practice_generates_once(tmp_path: Path) -> None:
    folder = data.ensure_practice(tmp_path)
    stamp = (folder / "test_batch").stat().st_mtime_ns
    assert data.ensure_practice(tmp_path) == folder
    assert (folder / "test_batch").stat().st_mtime_ns == stamp
    assert (
        hashlib.md5((folder / "test_batch").read_bytes()).hexdigest()
        == data.PRACTICE_MD5["test_batch"]
    )
