"""Images the learner's code showed, drawn with half-block characters.

Each terminal cell shows two pixels stacked: the upper half block "▀" in the
top pixel's colour on the bottom pixel's colour. It works in every terminal
with colours, over SSH and inside tmux; terminals with a graphics protocol can
also open the image at full resolution (see ``quiz_tui.graphics``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

if TYPE_CHECKING:
    from quiz_tui.core.model import Image


def scaled(image: Image, max_width: int) -> Image:
    """Shrink by an integer factor (box average) so the image fits ``max_width`` columns."""
    factor = max(1, -(-image.width // max(1, max_width)))
    if factor == 1:
        return image
    width, height = image.width // factor, image.height // factor
    out = bytearray()
    for y in range(height):
        for x in range(width):
            sums = [0, 0, 0]
            for dy in range(factor):
                for dx in range(factor):
                    r, g, b = image.pixel(x * factor + dx, y * factor + dy)
                    sums[0] += r
                    sums[1] += g
                    sums[2] += b
            n = factor * factor
            out += bytes(s // n for s in sums)
    return replace(image, width=width, height=height, rgb=bytes(out))


class HalfBlocks:
    """A Rich renderable of an image, two pixels per cell."""

    def __init__(self, image: Image) -> None:
        self.image = image

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        image = scaled(self.image, options.max_width)
        for y in range(0, image.height, 2):
            for x in range(image.width):
                top = image.pixel(x, y)
                bottom = image.pixel(x, y + 1) if y + 1 < image.height else top
                yield Segment(
                    "▀",
                    Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom)),
                )
            yield Segment.line()
