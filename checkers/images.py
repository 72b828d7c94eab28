"""Images the learner's code shows (the article's ``imshow``), sent to the app."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import torch

from checkers._core import emit

MAX_SIDE = 512
"""Larger images are shrunk (by striding) before they travel to the app."""


def to_rgb8(image: Any) -> np.ndarray:
    """An ``H×W×3`` uint8 array from a CHW/HWC tensor or array with values in [0, 1]."""
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu().float().numpy()
    arr = np.asarray(image, dtype=np.float64)
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    elif arr.ndim == 3 and arr.shape[0] in (1, 3) and arr.shape[-1] not in (1, 3):
        arr = np.transpose(arr, (1, 2, 0))
    elif arr.ndim != 3:
        raise ValueError(f"an image needs 2 or 3 dimensions, got shape {arr.shape}")
    if arr.shape[-1] == 1:
        arr = np.repeat(arr, 3, axis=-1)
    if arr.shape[-1] != 3:
        raise ValueError(f"an image needs 1 or 3 colour channels, got shape {arr.shape}")
    step = max(1, -(-max(arr.shape[0], arr.shape[1]) // MAX_SIDE))
    arr = arr[::step, ::step]
    return np.ascontiguousarray((np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))


def show_image(image: Any, title: str = "") -> None:
    """Send an image (values in [0, 1]) to the app, which draws it in the terminal."""
    rgb = to_rgb8(image)
    emit(
        {
            "type": "image",
            "width": int(rgb.shape[1]),
            "height": int(rgb.shape[0]),
            "title": title,
            "rgb": base64.b64encode(rgb.tobytes()).decode("ascii"),
        }
    )
