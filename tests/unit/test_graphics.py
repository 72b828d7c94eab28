"""Images for terminals with a graphics protocol, and half-blocks for every other one."""

from __future__ import annotations

import base64
import random

from rich.console import Console

from quiz_tui import graphics
from quiz_tui.core.model import Image
from quiz_tui.core.png import png_bytes
from quiz_tui.widgets.image_view import HalfBlocks, scaled

RED, BLUE = (255, 0, 0), (0, 0, 255)


def stripes(width: int = 4, height: int = 4) -> Image:
    rgb = b"".join(bytes(RED if y % 2 == 0 else BLUE) for y in range(height) for _ in range(width))
    return Image(width=width, height=height, rgb=rgb)


def test_detection_follows_the_terminal() -> None:
    assert graphics.detect({"TERM": "xterm-kitty"}) == "kitty"
    assert graphics.detect({"TERM_PROGRAM": "iTerm.app"}) == "iterm2"
    assert graphics.detect({"TERM": "xterm-256color"}) is None
    assert graphics.detect({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}) is None


def test_kitty_sends_the_png_in_chunks() -> None:
    noise = random.Random(0).randbytes(64 * 64 * 3)  # noise does not compress: several chunks
    big = Image(width=64, height=64, rgb=noise)
    sequence = graphics.encode(big, "kitty")
    chunks = sequence.split("\x1b\\")[:-1]
    assert chunks[0].startswith("\x1b_Ga=T,f=100,c=60,m=1;")
    assert chunks[-1].startswith("\x1b_Gm=0;")
    payload = "".join(c.split(";", 1)[1] for c in chunks)
    assert base64.standard_b64decode(payload) == png_bytes(big)


def test_iterm2_inline_image() -> None:
    sequence = graphics.encode(stripes(), "iterm2")
    assert sequence.startswith("\x1b]1337;File=inline=1;width=60;preserveAspectRatio=1:")
    assert sequence.endswith("\x07")


def test_half_blocks_draw_two_pixels_per_cell() -> None:
    console = Console(width=20, color_system="truecolor", record=True)
    console.print(HalfBlocks(stripes()))
    segments = list(HalfBlocks(stripes()).__rich_console__(console, console.options))
    cells = [s for s in segments if s.text == "▀"]
    assert len(cells) == 4 * 2  # 4 columns, 4 rows of pixels → 2 rows of cells
    assert cells[0].style is not None
    assert cells[0].style.color is not None and cells[0].style.color.triplet == RED
    assert cells[0].style.bgcolor is not None and cells[0].style.bgcolor.triplet == BLUE


def test_wide_images_are_shrunk_to_fit() -> None:
    small = scaled(stripes(width=138, height=36), 80)
    assert small.width <= 80
    assert (small.width, small.height) == (69, 18)
