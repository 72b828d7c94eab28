from typing import Any

from checkers import expect_printed, t


def check(x: Any) -> None:
    expect_printed(x.grad, what=t("x.grad (four values of 4.5)", "x.grad（四个 4.5）"))
