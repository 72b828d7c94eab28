from typing import Any

import numpy as np
import torch

from checkers import call, expect, expect_tensor, expect_values, fail, t


def check(transform: Any) -> None:
    from PIL import Image

    if isinstance(transform, list | tuple):
        fail(
            "`transform` is a plain list of steps; a list cannot be applied to an image. Wrap "
            "it in transforms.Compose([...]), which runs the steps in order.",
            "`transform` 只是一个由步骤组成的普通列表，列表不能作用于图像。请用 "
            "transforms.Compose([...]) 把它包起来，它会按顺序执行这些步骤。",
        )
    expect(
        callable(transform),
        "`transform` must be a transform (something you can call on an image).",
        "`transform` 必须是可以作用于图像的变换。",
        name=t("`transform` is callable", "`transform` 可调用"),
    )
    pixels = np.random.RandomState(0).randint(0, 256, size=(32, 32, 3), dtype=np.uint8)
    result = call(
        t("applying your transform to an image", "把你的 transform 用于一张图像"),
        transform,
        Image.fromarray(pixels),
    )
    expect_tensor(result, name="transform(image)", shape=(3, 32, 32), dtype=torch.float32)
    want = (torch.from_numpy(pixels).permute(2, 0, 1).float() / 255 - 0.5) / 0.5
    low, high = result.min().item(), result.max().item()
    if high <= 1.0 and low >= 0.0:
        fail(
            f"The values lie in [{low:.2f}, {high:.2f}], i.e. still in [0, 1]: after ToTensor, add "
            "Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)) to map them to [−1, 1].",
            f"数值范围是 [{low:.2f}, {high:.2f}]，仍在 [0, 1] 内：在 ToTensor 之后加上 "
            "Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))，把它们变到 [−1, 1]。",
        )
    expect_values(result, want, name="transform(image)", atol=1e-5,
                  why=t("Each channel should be (x − 0.5) / 0.5 of ToTensor's [0, 1] values.",
                        "每个通道应是 ToTensor 得到的 [0, 1] 值的 (x − 0.5) / 0.5。"))  # fmt: skip
