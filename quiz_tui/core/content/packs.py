"""Finds packs: the built-in one, and folders the user points at."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from quiz_tui.core.content.loader import PACK_FILE, load_pack
from quiz_tui.core.errors import PackError, UnknownTaskError
from quiz_tui.core.model import Exercise, Pack
from quiz_tui.core.state import paths

if TYPE_CHECKING:
    from quiz_tui.core.state.progress import ProgressStore

BUILTIN_PACK = "pytorch60"


def builtin_packs_root() -> Path:
    """Where the built-in packs are: inside the installed package, or the source tree."""
    here = Path(__file__).resolve().parents[2]  # the quiz_tui package
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


def user_packs_root() -> Path:
    """Where a user's own packs live: one folder per pack."""
    return paths.data_dir() / "packs"


def user_pack_dirs() -> list[Path]:
    root = user_packs_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / PACK_FILE).is_file())


def pack_folders(extra: Iterable[Path] = (), *, user: bool = True) -> list[tuple[Path, str]]:
    """Every pack folder to load besides the built-in one, and where it was named.

    ``user=False`` leaves out ``QUIZ_TUI_PACKS`` and the user's packs folder.
    """
    found: list[tuple[Path, str]] = [(p, "--pack") for p in extra]
    if user:
        found += [(p, "QUIZ_TUI_PACKS") for p in env_pack_dirs()]
        found += [(p, "your packs folder") for p in user_pack_dirs()]
    return found


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
    def load(
        cls,
        extra: Iterable[Path] = (),
        *,
        builtin: bool = True,
        user: bool = True,
        allow: Callable[[Pack, str], bool] | None = None,
    ) -> Library:
        """The built-in pack, then ``extra`` folders, ``QUIZ_TUI_PACKS`` and the user's packs.

        ``allow(pack, origin)`` decides whether a pack from a folder may be used (trust);
        a broken pack becomes an error, and the others still load.
        """
        packs: list[Pack] = []
        errors: list[PackError] = []
        if builtin:
            packs.append(load_builtin())
        seen = {p.root.resolve() for p in packs}
        ids = {p.id for p in packs}
        for folder, origin in pack_folders(extra, user=user):
            if folder.resolve() in seen:
                continue
            seen.add(folder.resolve())
            try:
                pack = load_pack(folder)
            except PackError as exc:
                errors.append(exc)
                continue
            if pack.id in ids:
                errors.append(
                    PackError(f"{folder}: pack id {pack.id!r} is already used by another pack")
                )
                continue
            if allow is not None and not allow(pack, origin):
                continue
            ids.add(pack.id)
            packs.append(pack)
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


def trust_decision(pack: Pack, store: ProgressStore | None, *, force: bool) -> bool | None:
    """May a folder pack's checks run here? The learner's stored answer, None if never asked.

    ``force`` (``--trust``) answers yes and remembers it.
    """
    decision = store.trust(pack.root) if store is not None else None
    if force and decision is not True:
        if store is not None:
            store.set_trust(pack.root, pack.id, True)
        return True
    return decision
