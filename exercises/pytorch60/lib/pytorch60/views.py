"""Checks shared by the view tasks (11, 12): a ``resize_`` where a view was asked for."""

from __future__ import annotations

from typing import Any

from checkers import expect, mistake, shape_str
from checkers.code import method_calls, receiver, text


def expect_not_resized(shape: Any, fix: str, *, name: str) -> None:
    """Fail with ``resize-not-view`` when the code called ``x.resize_(...)``.

    ``shape`` is the shape ``x`` ended with; the caller has seen it differ from the
    one the setup gave. Without a ``resize_`` call this says nothing: the caller
    names the change itself.
    """
    resized = [c for c in method_calls("resize_") if receiver(c) == "x"]
    if resized:
        expect(
            False,
            mistake(
                "resize-not-view",
                call=text(resized[0]),
                tensor="x",
                shape=shape_str(shape),
                fix=fix,
            ),
            name=name,
        )
