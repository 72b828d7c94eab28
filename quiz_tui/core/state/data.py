"""Which CIFAR-10 the training tasks use: the offline practice set or the real one.

Real CIFAR-10 is used when the user points at it (``--data-dir``,
``QUIZ_TUI_DATA_DIR`` or ``data_dir`` in the config file); otherwise the
practice set, generated on first use into the cache folder. This module only
looks at files: the worker builds and loads the data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from quiz_tui.core.errors import QuizError
from quiz_tui.core.messages import say
from quiz_tui.core.model import Lang
from quiz_tui.core.state import paths

REAL_FOLDER = "cifar-10-batches-py"
REAL_FILES = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
    "batches.meta": "5ff9c542aee3614f3951f8cda6e48888",
}
"""torchvision's checksums for real CIFAR-10 (``torchvision/datasets/cifar.py``)."""
PRACTICE_FOLDER = "quiz-tui-practice-batches-py"


class DataError(QuizError):
    """The folder given for real CIFAR-10 does not hold it."""


@dataclass(frozen=True)
class DataSource:
    kind: Literal["practice", "cifar10"]
    root: Path
    """The folder that holds ``cifar-10-batches-py`` (or the practice folder)."""
    cache: Path = field(default_factory=paths.cache_dir)
    """Where the worker keeps what it builds once (the trained reference network)."""

    @property
    def ready(self) -> bool:
        folder = REAL_FOLDER if self.kind == "cifar10" else PRACTICE_FOLDER
        return (self.root / folder).is_dir()

    def describe(self, lang: Lang = "en") -> str:
        if self.kind == "cifar10":
            return say(lang, "core.data-cifar10", root=self.root)
        return say(lang, "core.data-practice", root=self.root)

    def short(self, lang: Lang = "en") -> str:
        if self.kind == "cifar10":
            return "CIFAR-10"
        return say(lang, "core.data-practice-short")

    def for_job(self) -> dict[str, str]:
        return {"kind": self.kind, "root": str(self.root), "cache": str(self.cache)}


def practice_source() -> DataSource:
    return DataSource("practice", paths.cache_dir() / "data")


def real_cifar_problem(root: Path, *, verify: bool = False) -> str | None:
    """Why ``root`` does not hold real CIFAR-10 in torchvision's format, or None."""
    if not root.is_dir():
        return f"{root} is not a folder"
    folder = root / REAL_FOLDER
    if not folder.is_dir():
        if root.name == REAL_FOLDER:
            return f"give the folder that contains {REAL_FOLDER}, i.e. {root.parent}"
        return f"{root} has no {REAL_FOLDER} folder (use `quiz-tui data download`)"
    missing = [name for name in REAL_FILES if not (folder / name).is_file()]
    if missing:
        return f"{folder} is missing {', '.join(missing)}"
    if verify:
        for name, md5 in REAL_FILES.items():
            digest = hashlib.md5((folder / name).read_bytes()).hexdigest()
            if digest != md5:
                return f"{folder / name} is damaged (its checksum is not CIFAR-10's)"
    return None


def resolve(data_dir: Path | None, *, origin: str = "--data-dir") -> DataSource:
    """Real CIFAR-10 from ``data_dir`` when given (it must hold it), else the practice set.

    ``origin`` says where ``data_dir`` was set (``--data-dir``, ``QUIZ_TUI_DATA_DIR``,
    ``data_dir in config.toml:3``), so that an error names what the user must fix.
    """
    if data_dir is None:
        return practice_source()
    root = Path(data_dir).expanduser()
    problem = real_cifar_problem(root)
    if problem:
        raise DataError(f"{origin}: {problem}")
    return DataSource("cifar10", root)
