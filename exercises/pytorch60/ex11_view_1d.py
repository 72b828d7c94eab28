from typing import Any

from checkers import expect_tensor, t


def check(x: Any, y: Any) -> None:
    expect_tensor(x, name="x", shape=(4, 4))
    expect_tensor(
        y,
        name="y",
        shape=(16,),
        values=x.reshape(-1),
        why={
            "values": t("y must hold x's numbers in the same order.", "y 应按原顺序装着 x 的数。")
        },
    )
