"""Full-resolution images for terminals with a graphics protocol (kitty, iTerm2).

Textual draws cells, not pixels, so the app shows images with half-blocks.
Where the terminal speaks a graphics protocol, "View image" suspends the app,
writes the image as a PNG through that protocol, waits for Enter, and comes
back. Inside tmux or over a plain terminal, there is no such protocol.
"""

from __future__ import annotations

import base64
import os
from typing import Literal

from quiz_tui.core.model import Image
from quiz_tui.core.png import png_bytes

Protocol = Literal["kitty", "iterm2"]


def detect(environ: dict[str, str] | None = None) -> Protocol | None:
    env = dict(os.environ if environ is None else environ)
    if env.get("TMUX") or env.get("TERM", "").startswith("screen"):
        return None  # multiplexers do not pass these sequences through by default
    if (
        env.get("KITTY_WINDOW_ID")
        or env.get("TERM") == "xterm-kitty"
        or env.get("TERM_PROGRAM") == "ghostty"
    ):
        return "kitty"
    if env.get("TERM_PROGRAM") in ("iTerm.app", "WezTerm") or env.get("LC_TERMINAL") == "iTerm2":
        return "iterm2"
    return None


def encode(image: Image, protocol: Protocol, columns: int = 60) -> str:
    """The escape sequence that draws ``image`` about ``columns`` cells wide."""
    data = base64.standard_b64encode(png_bytes(image)).decode("ascii")
    if protocol == "iterm2":
        return f"\x1b]1337;File=inline=1;width={columns};preserveAspectRatio=1:{data}\x07"
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)] or [""]
    out = []
    for index, chunk in enumerate(chunks):
        more = 1 if index < len(chunks) - 1 else 0
        head = f"a=T,f=100,c={columns}," if index == 0 else ""
        out.append(f"\x1b_G{head}m={more};{chunk}\x1b\\")
    return "".join(out)
