"""Finds packs: the built-in one, and folders the user points at."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from quiz_tui.core.errors import PackError, UnknownTaskError
from quiz_tui.core.loader import load_pack
from quiz_tui.core.model import Exercise, Pack

BUILTIN_PACK = "pytorch60"


def builtin_packs_root() -> Path:
    """Where the built-in packs are: inside the installed package, or the source tree."""
    here = Path(__file__).resolve().parent.parent
    installed = here / "packs"
    if installed.is_dir():
        return installed
    return here.parent / "exercises"


def builtin_pack_dir() -> Path:
    return builtin_packs_root() / BUILTIN_PACK


def load_builtin() -> Pack:
    return load_pack(builtin_pack_dir(), builtin=True)


def env_pack_dirs() -> list[Path]:
    """Folders listed in ``QUIZ_TUI_PACKS`` (separated like PATH)."""
    raw = os.environ.get("QUIZ_TUI_PACKS", "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


@dataclass(frozen=True)
class TaskRef:
    pack: Pack
    exercise: Exercise


class Library:
    """All loaded packs; resolves what users type (``4``, ``zeros-long``, ``pytorch60:4``)."""

    def __init__(self, packs: Sequence[Pack], errors: Sequence[PackError] = ()) -> None:
        self.packs = list(packs)
        self.errors = list(errors)

    @classmethod
    def load(cls, extra: Iterable[Path] = (), *, builtin: bool = True) -> Library:
        packs: list[Pack] = []
        errors: list[PackError] = []
        if builtin:
            packs.append(load_builtin())
        seen = {p.root.resolve() for p in packs}
        for folder in [*extra, *env_pack_dirs()]:
            if folder.resolve() in seen:
                continue
            seen.add(folder.resolve())
            try:
                packs.append(load_pack(folder))
            except PackError as exc:
                errors.append(exc)
        return cls(packs, errors)

    def pack(self, pack_id: str) -> Pack | None:
        return next((p for p in self.packs if p.id == pack_id), None)

    def resolve(self, ref: str, *, default_pack: str | None = None) -> TaskRef:
        """A task by number, id, or ``pack:number``; raises UnknownTaskError."""
        ref = ref.strip()
        pack_id, sep, rest = ref.partition(":")
        if sep:
            pack = self.pack(pack_id)
            if pack is None:
                known = ", ".join(p.id for p in self.packs)
                raise UnknownTaskError(f"no pack called {pack_id!r} (loaded: {known})")
            ex = pack.find(rest)
            if ex is None:
                raise UnknownTaskError(f"pack {pack_id!r} has no task {rest!r}")
            return TaskRef(pack, ex)
        ordered = sorted(self.packs, key=lambda p: p.id != (default_pack or BUILTIN_PACK))
        for pack in ordered:
            ex = pack.find(ref)
            if ex is not None:
                return TaskRef(pack, ex)
        numbers = [e.number for p in self.packs for e in p]
        span = f" (tasks are {min(numbers)}–{max(numbers)})" if numbers else ""
        raise UnknownTaskError(f"there is no task {ref!r}{span}")
