"""Writes images as PNG files with the standard library alone."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from quiz_tui.core.model import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bytes(image: Image) -> bytes:
    """An 8-bit RGB PNG of ``image``."""
    stride = image.width * 3
    rows = b"".join(b"\x00" + image.rgb[y * stride : (y + 1) * stride] for y in range(image.height))
    header = struct.pack(">IIBBBBB", image.width, image.height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def write_png(path: Path, image: Image) -> None:
    path.write_bytes(png_bytes(image))
