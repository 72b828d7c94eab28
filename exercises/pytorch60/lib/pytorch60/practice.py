"""The offline practice set: small, drawn images of CIFAR-10's ten classes.

CIFAR-10 cannot be downloaded everywhere (and not at all in CI), so quiz-tui
draws its own: planes in the sky, cars and trucks on roads, cats, dogs, deer,
horses, frogs, birds and ships, each with random pose, size, colours,
background and noise. They are written in CIFAR-10's own on-disk format
(``data_batch_1..5``, ``test_batch``, ``batches.meta``), so torchvision's real
``CIFAR10`` loader reads them unchanged.

Generation is deterministic and byte-identical everywhere (legacy NumPy
``RandomState`` streams, pickle protocol 3, arrays pickled as
``numpy.frombuffer`` calls), which is what lets ``PracticeCIFAR10`` keep
torchvision's MD5 integrity check with its own constant checksums.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FOLDER = "quiz-tui-practice-batches-py"
CLASSES = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]  # fmt: skip
TRAIN_BATCHES = 5
PER_TRAIN_BATCH = 400
TEST_IMAGES = 500
SEED = 20_240_601
SIZE = 32
_SS = 2  # supersampling factor: shapes are drawn at 64×64, then averaged down
_N = SIZE * _SS

Image = np.ndarray
Rng = np.random.RandomState


# -- drawing primitives (coordinates in [0, 1], y down) ---------------------------------

_GRID = np.mgrid[0:_N, 0:_N].astype(np.float64)
_Y: np.ndarray = (_GRID[0] + 0.5) / _N
_X: np.ndarray = (_GRID[1] + 0.5) / _N


def _ellipse(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    dx, dy = _X - cx, _Y - cy
    u = (dx * c + dy * s) / max(rx, 1e-3)
    v = (-dx * s + dy * c) / max(ry, 1e-3)
    return u * u + v * v <= 1.0


def _rect(cx: float, cy: float, w: float, h: float, angle: float = 0.0) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    dx, dy = _X - cx, _Y - cy
    u = dx * c + dy * s
    v = -dx * s + dy * c
    return (np.abs(u) <= w / 2) & (np.abs(v) <= h / 2)


def _triangle(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> np.ndarray:
    def side(p: tuple[float, float], q: tuple[float, float]) -> np.ndarray:
        return (q[0] - p[0]) * (_Y - p[1]) - (q[1] - p[1]) * (_X - p[0])

    s1, s2, s3 = side(a, b), side(b, c), side(c, a)
    return ((s1 >= 0) & (s2 >= 0) & (s3 >= 0)) | ((s1 <= 0) & (s2 <= 0) & (s3 <= 0))


def _paint(img: Image, mask: np.ndarray, colour: np.ndarray) -> None:
    img[mask] = colour


def _jitter(rng: Rng, colour: tuple[float, float, float], amount: float = 0.08) -> np.ndarray:
    return np.clip(np.array(colour) + rng.uniform(-amount, amount, 3), 0.0, 1.0)


def _gradient(top: np.ndarray, bottom: np.ndarray) -> Image:
    t = _Y[..., None]
    return np.asarray(top * (1 - t) + bottom * t)


def _sky(rng: Rng) -> Image:
    top = _jitter(rng, (0.35, 0.55, 0.85), 0.12)
    img = _gradient(top, np.clip(top + 0.25, 0, 1))
    for _ in range(rng.randint(0, 3)):
        _paint(img, _ellipse(rng.uniform(0, 1), rng.uniform(0, 0.6), rng.uniform(0.1, 0.25),
                             rng.uniform(0.04, 0.08)), _jitter(rng, (0.95, 0.95, 0.97), 0.04))  # fmt: skip
    return img


def _ground(rng: Rng, horizon: float, grass: tuple[float, float, float]) -> Image:
    img = (
        _sky(rng)
        if rng.rand() < 0.7
        else _gradient(_jitter(rng, (0.6, 0.65, 0.7)), _jitter(rng, (0.8, 0.8, 0.8)))
    )
    _paint(img, horizon < _Y, _jitter(rng, grass, 0.1))
    return img


def _road(rng: Rng) -> Image:
    horizon = rng.uniform(0.45, 0.65)
    img = _ground(rng, horizon, (0.35, 0.55, 0.3))
    _paint(img, horizon + 0.12 < _Y, _jitter(rng, (0.35, 0.35, 0.37), 0.06))
    return img


def _indoor(rng: Rng) -> Image:
    wall = _jitter(rng, (0.75, 0.68, 0.55), 0.15)
    img = _gradient(wall, wall * 0.85)
    _paint(img, rng.uniform(0.7, 0.85) < _Y, _jitter(rng, (0.45, 0.3, 0.2), 0.1))
    return img


def _fur(rng: Rng) -> np.ndarray:
    palette = [(0.55, 0.35, 0.2), (0.85, 0.55, 0.25), (0.3, 0.3, 0.3), (0.9, 0.88, 0.85),
               (0.15, 0.12, 0.1), (0.7, 0.6, 0.45)]  # fmt: skip
    return _jitter(rng, palette[rng.randint(len(palette))], 0.06)


# -- the ten classes ---------------------------------------------------------------------


def _airplane(rng: Rng) -> Image:
    img = _sky(rng)
    cx, cy, s = rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.6), rng.uniform(0.75, 1.15)
    a = rng.uniform(-0.35, 0.35)
    body = _jitter(rng, (0.82, 0.84, 0.88), 0.1)
    _paint(img, _ellipse(cx, cy, 0.36 * s, 0.06 * s, a), body)
    _paint(img, _rect(cx - 0.02, cy, 0.14 * s, 0.62 * s, a), body * 0.9)  # wings
    tail = (cx - 0.3 * s * np.cos(a), cy - 0.3 * s * np.sin(a))
    _paint(img, _rect(tail[0], tail[1] - 0.05 * s, 0.07 * s, 0.2 * s, a), body * 0.85)
    return img


def _automobile(rng: Rng) -> Image:
    img = _road(rng)
    cx, cy, s = rng.uniform(0.4, 0.6), rng.uniform(0.55, 0.7), rng.uniform(0.8, 1.1)
    paint = _jitter(rng, [(0.8, 0.1, 0.1), (0.1, 0.2, 0.7), (0.9, 0.8, 0.1), (0.9, 0.9, 0.9),
                          (0.1, 0.1, 0.1), (0.2, 0.6, 0.3)][rng.randint(6)], 0.05)  # fmt: skip
    _paint(img, _rect(cx, cy, 0.62 * s, 0.17 * s), paint)
    _paint(img, _rect(cx + 0.02 * s, cy - 0.13 * s, 0.34 * s, 0.12 * s), paint * 0.92)
    _paint(
        img, _rect(cx + 0.02 * s, cy - 0.13 * s, 0.28 * s, 0.08 * s), _jitter(rng, (0.6, 0.8, 0.95))
    )
    for dx in (-0.2, 0.2):
        _paint(
            img,
            _ellipse(cx + dx * s, cy + 0.09 * s, 0.07 * s, 0.07 * s),
            np.array([0.05, 0.05, 0.05]),
        )
    return img


def _bird(rng: Rng) -> Image:
    img = _sky(rng) if rng.rand() < 0.6 else _ground(rng, rng.uniform(0.5, 0.8), (0.3, 0.5, 0.25))
    cx, cy, s = rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.6), rng.uniform(0.7, 1.1)
    feathers = _jitter(rng, [(0.55, 0.35, 0.2), (0.8, 0.15, 0.1), (0.2, 0.35, 0.8),
                             (0.9, 0.8, 0.2), (0.25, 0.25, 0.25)][rng.randint(5)], 0.06)  # fmt: skip
    _paint(img, _ellipse(cx, cy, 0.16 * s, 0.1 * s, 0.2), feathers)
    _paint(img, _ellipse(cx + 0.15 * s, cy - 0.08 * s, 0.07 * s, 0.07 * s), feathers)
    _paint(img, _triangle((cx + 0.21 * s, cy - 0.1 * s), (cx + 0.21 * s, cy - 0.05 * s),
                          (cx + 0.3 * s, cy - 0.07 * s)), np.array([0.95, 0.6, 0.1]))  # fmt: skip
    _paint(img, _ellipse(cx - 0.03 * s, cy - 0.02 * s, 0.11 * s, 0.05 * s, -0.4), feathers * 0.7)
    _paint(img, _ellipse(cx + 0.17 * s, cy - 0.09 * s, 0.015, 0.015), np.zeros(3))
    return img


def _cat(rng: Rng) -> Image:
    img = _indoor(rng) if rng.rand() < 0.7 else _ground(rng, 0.6, (0.35, 0.55, 0.3))
    cx, cy, s = rng.uniform(0.4, 0.6), rng.uniform(0.45, 0.6), rng.uniform(0.8, 1.1)
    fur = _fur(rng)
    _paint(img, _ellipse(cx, cy, 0.25 * s, 0.22 * s), fur)
    for side in (-1, 1):
        _paint(img, _triangle((cx + side * 0.24 * s, cy - 0.05 * s), (cx + side * 0.06 * s, cy - 0.17 * s),
                              (cx + side * 0.2 * s, cy - 0.38 * s)), fur)  # fmt: skip
        _paint(img, _ellipse(cx + side * 0.1 * s, cy - 0.04 * s, 0.045 * s, 0.035 * s),
               _jitter(rng, (0.5, 0.8, 0.2), 0.1))  # fmt: skip
        _paint(img, _ellipse(cx + side * 0.1 * s, cy - 0.04 * s, 0.012, 0.03 * s), np.zeros(3))
    _paint(img, _triangle((cx - 0.03 * s, cy + 0.05 * s), (cx + 0.03 * s, cy + 0.05 * s),
                          (cx, cy + 0.09 * s)), np.array([0.9, 0.55, 0.6]))  # fmt: skip
    return img


def _quadruped(
    rng: Rng, fur: np.ndarray, s: float, neck: float, legs: float
) -> tuple[Image, float, float]:
    img = _ground(rng, rng.uniform(0.45, 0.6), (0.35, 0.55, 0.25))
    cx, cy = rng.uniform(0.4, 0.6), rng.uniform(0.5, 0.6)
    flip = 1 if rng.rand() < 0.5 else -1
    _paint(img, _ellipse(cx, cy, 0.24 * s, 0.1 * s), fur)
    for dx in (-0.17, -0.1, 0.1, 0.17):
        _paint(img, _rect(cx + dx * s, cy + (0.08 + legs / 2) * s, 0.04 * s, legs * s), fur * 0.9)
    hx, hy = cx + flip * 0.25 * s, cy - neck * s
    _paint(
        img,
        _rect(
            (cx + hx) / 2 + flip * 0.02 * s, (cy + hy) / 2, 0.08 * s, neck * s + 0.05, flip * 0.5
        ),
        fur,
    )
    return img, hx, hy


def _deer(rng: Rng) -> Image:
    s = rng.uniform(0.8, 1.05)
    fur = _jitter(rng, (0.6, 0.42, 0.25), 0.06)
    img, hx, hy = _quadruped(rng, fur, s, 0.2, 0.22)
    _paint(img, _ellipse(hx, hy, 0.07 * s, 0.05 * s), fur)
    antler = _jitter(rng, (0.85, 0.78, 0.6), 0.05)
    for side in (-1, 1):
        _paint(
            img, _rect(hx + side * 0.05 * s, hy - 0.1 * s, 0.02 * s, 0.16 * s, side * 0.4), antler
        )
        _paint(
            img, _rect(hx + side * 0.09 * s, hy - 0.15 * s, 0.1 * s, 0.02 * s, -side * 0.3), antler
        )
    return img


def _horse(rng: Rng) -> Image:
    s = rng.uniform(0.85, 1.1)
    fur = _jitter(rng, [(0.35, 0.2, 0.12), (0.1, 0.08, 0.07), (0.85, 0.82, 0.78),
                        (0.55, 0.35, 0.2)][rng.randint(4)], 0.05)  # fmt: skip
    img, hx, hy = _quadruped(rng, fur, s, 0.24, 0.26)
    _paint(img, _ellipse(hx, hy + 0.02 * s, 0.1 * s, 0.045 * s, 0.6), fur)
    _paint(img, _rect(hx, hy - 0.06 * s, 0.035 * s, 0.1 * s), fur * 0.5)  # mane
    return img


def _dog(rng: Rng) -> Image:
    img = (
        _ground(rng, rng.uniform(0.55, 0.7), (0.35, 0.55, 0.3))
        if rng.rand() < 0.6
        else _indoor(rng)
    )
    cx, cy, s = rng.uniform(0.4, 0.6), rng.uniform(0.45, 0.6), rng.uniform(0.8, 1.1)
    fur = _fur(rng)
    _paint(img, _ellipse(cx, cy, 0.22 * s, 0.22 * s), fur)
    for side in (-1, 1):
        _paint(
            img,
            _ellipse(cx + side * 0.23 * s, cy + 0.05 * s, 0.07 * s, 0.18 * s, side * 0.2),
            fur * 0.7,
        )
        _paint(
            img,
            _ellipse(cx + side * 0.08 * s, cy - 0.05 * s, 0.03 * s, 0.03 * s),
            np.zeros(3) + 0.05,
        )
    _paint(img, _ellipse(cx, cy + 0.1 * s, 0.11 * s, 0.08 * s), np.clip(fur + 0.15, 0, 1))
    _paint(img, _ellipse(cx, cy + 0.06 * s, 0.045 * s, 0.03 * s), np.zeros(3) + 0.05)
    return img


def _frog(rng: Rng) -> Image:
    ground = _jitter(
        rng, [(0.45, 0.35, 0.2), (0.3, 0.45, 0.25), (0.3, 0.4, 0.55)][rng.randint(3)], 0.08
    )
    img = _gradient(ground * 1.1, ground * 0.8)
    cx, cy, s = rng.uniform(0.4, 0.6), rng.uniform(0.5, 0.65), rng.uniform(0.8, 1.15)
    skin = _jitter(
        rng, [(0.3, 0.65, 0.2), (0.5, 0.6, 0.2), (0.45, 0.4, 0.25)][rng.randint(3)], 0.06
    )
    _paint(img, _ellipse(cx, cy, 0.3 * s, 0.17 * s), skin)
    for side in (-1, 1):
        _paint(img, _ellipse(cx + side * 0.27 * s, cy + 0.12 * s, 0.1 * s, 0.05 * s), skin * 0.85)
        _paint(img, _ellipse(cx + side * 0.13 * s, cy - 0.15 * s, 0.07 * s, 0.07 * s), skin)
        _paint(
            img,
            _ellipse(cx + side * 0.13 * s, cy - 0.16 * s, 0.035 * s, 0.035 * s),
            np.zeros(3) + 0.05,
        )
    return img


def _ship(rng: Rng) -> Image:
    img = _sky(rng)
    horizon = rng.uniform(0.5, 0.65)
    _paint(img, horizon < _Y, _jitter(rng, (0.1, 0.3, 0.55), 0.08))
    cx, s = rng.uniform(0.4, 0.6), rng.uniform(0.8, 1.1)
    hull = _jitter(
        rng, [(0.15, 0.15, 0.18), (0.6, 0.1, 0.1), (0.85, 0.85, 0.85)][rng.randint(3)], 0.05
    )
    top = horizon + 0.02
    _paint(img, _triangle((cx - 0.38 * s, top - 0.08 * s), (cx + 0.38 * s, top - 0.08 * s),
                          (cx + 0.28 * s, top + 0.06 * s)) | _rect(cx - 0.05 * s, top - 0.01 * s,
                          0.66 * s, 0.14 * s), hull)  # fmt: skip
    _paint(
        img,
        _rect(cx - 0.05 * s, top - 0.15 * s, 0.3 * s, 0.12 * s),
        _jitter(rng, (0.92, 0.92, 0.9), 0.04),
    )
    _paint(
        img,
        _rect(cx + 0.02 * s, top - 0.26 * s, 0.06 * s, 0.12 * s),
        _jitter(rng, (0.7, 0.2, 0.1), 0.1),
    )
    return img


def _truck(rng: Rng) -> Image:
    img = _road(rng)
    cx, cy, s = rng.uniform(0.4, 0.6), rng.uniform(0.5, 0.62), rng.uniform(0.8, 1.05)
    flip = 1 if rng.rand() < 0.5 else -1
    box = _jitter(
        rng,
        [(0.9, 0.9, 0.9), (0.8, 0.1, 0.1), (0.2, 0.3, 0.7), (0.9, 0.6, 0.1)][rng.randint(4)],
        0.05,
    )
    _paint(img, _rect(cx - flip * 0.1 * s, cy - 0.06 * s, 0.5 * s, 0.32 * s), box)
    cab = _jitter(rng, (0.3, 0.3, 0.35), 0.2)
    _paint(img, _rect(cx + flip * 0.24 * s, cy + 0.01 * s, 0.18 * s, 0.2 * s), cab)
    _paint(
        img,
        _rect(cx + flip * 0.27 * s, cy - 0.04 * s, 0.1 * s, 0.07 * s),
        _jitter(rng, (0.6, 0.8, 0.95)),
    )
    for dx in (-0.28, -0.08, 0.24):
        _paint(
            img,
            _ellipse(cx + flip * dx * s, cy + 0.13 * s, 0.065 * s, 0.065 * s),
            np.zeros(3) + 0.05,
        )
    return img


_DRAW: list[Callable[[Rng], Image]] = [
    _airplane, _automobile, _bird, _cat, _deer, _dog, _frog, _horse, _ship, _truck,
]  # fmt: skip


def draw(label: int, rng: Rng) -> np.ndarray:
    """One 32×32×3 uint8 image of class ``label``."""
    img = _DRAW[label](rng)
    if rng.rand() < 0.5:
        img = img[:, ::-1]
    # Camera: brightness, contrast and sensor noise, so no two images are alike.
    img = (img - 0.5) * rng.uniform(0.7, 1.2) + 0.5 + rng.uniform(-0.12, 0.12)
    img = img + rng.normal(0.0, 0.06, img.shape)
    small = img.reshape(SIZE, _SS, SIZE, _SS, 3).mean(axis=(1, 3))
    return np.asarray(np.clip(np.round(small * 255.0), 0, 255), dtype=np.uint8)


# -- the CIFAR-10 files -------------------------------------------------------------------


class _Flat:
    """Pickles as ``numpy.frombuffer(raw, "uint8")``: the same bytes under any NumPy."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def __reduce__(self) -> tuple[Any, tuple[bytes, str]]:
        return (np.frombuffer, (self.raw, "uint8"))


def _batch(name: str, count: int, rng: Rng) -> bytes:
    labels = [int(v) for v in rng.permutation(np.arange(count) % len(CLASSES))]
    images = np.stack([draw(label, rng) for label in labels])  # N×32×32×3
    rows = images.transpose(0, 3, 1, 2).reshape(count, -1)  # CIFAR stores R, G, B planes
    entry = {
        "batch_label": name,
        "labels": labels,
        "data": _Flat(rows.tobytes()),
        "filenames": [f"practice_{CLASSES[lab]}_{i:05d}.png" for i, lab in enumerate(labels)],
    }
    return pickle.dumps(entry, protocol=3)


def files() -> dict[str, bytes]:
    """Every file of the practice set, by name (deterministic)."""
    rng = np.random.RandomState(SEED)
    out: dict[str, bytes] = {}
    for i in range(1, TRAIN_BATCHES + 1):
        out[f"data_batch_{i}"] = _batch(f"practice training batch {i} of {TRAIN_BATCHES}",
                                        PER_TRAIN_BATCH, rng)  # fmt: skip
    out["test_batch"] = _batch("practice testing batch 1 of 1", TEST_IMAGES, rng)
    meta = {
        "num_cases_per_batch": PER_TRAIN_BATCH,
        "label_names": CLASSES,
        "num_vis": SIZE * SIZE * 3,
    }
    out["batches.meta"] = pickle.dumps(meta, protocol=3)
    return out


def write(root: Path) -> Path:
    """Generate the set under ``root/FOLDER`` (atomically: readers never see half a set)."""
    folder = Path(root) / FOLDER
    tmp = Path(root) / f".{FOLDER}.{os.getpid()}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    for name, data in files().items():
        (tmp / name).write_bytes(data)
    try:
        tmp.rename(folder)
    except OSError:
        # Someone else finished first; theirs is byte-identical.
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()
    return folder


def md5s(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}
