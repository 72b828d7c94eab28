from typing import Any

import torch

from checkers import expect_printed, expect_tensor, fail, t


def check(
    testloader: Any,
    images: Any,
    labels: Any,
    net2: Any,
    device: Any,
    outputs: Any,
    predicted: Any,
    classes: Any,
) -> None:
    first_images, first_labels = next(iter(testloader))
    expect_tensor(
        images,
        name="images",
        shape=tuple(first_images.shape),
        values=first_images,
        why={
            "values": t(
                "Take the first batch: next(iter(testloader)).",
                "取第一批：next(iter(testloader))。",
            )
        },
    )
    expect_tensor(labels, name="labels", values=first_labels)
    with torch.no_grad():
        scores = net2(first_images.to(device))
    expect_tensor(
        outputs,
        name="outputs",
        shape=(4, 10),
        values=scores,
        atol=1e-4,
        why={
            "values": t(
                "They are not the trained net2's scores for these images: outputs = net2(images) "
                "(a new Net() would have random weights).",
                "它们不是训练好的 net2 对这些图像给出的分数：outputs = net2(images)"
                "（新建的 Net() 权重是随机的）。",
            )
        },
    )
    if isinstance(predicted, torch.Tensor) and tuple(predicted.shape) == (10,):
        fail(
            "`predicted` has 10 values, one per class: torch.max(outputs, 0) compares the 4 "
            "images for each class. Take the max along dimension 1 to get one class per image.",
            "`predicted` 有 10 个值，每个类别一个：torch.max(outputs, 0) 比较的是每个类别在 4 张图像间的分数。"
            "请沿第 1 维取最大值，得到每张图像一个类别。",
        )
    expect_tensor(predicted, name="predicted", shape=(4,), values=scores.argmax(1).cpu())
    # Matched word by word: '%5s', f'{name:5s}', a list of names all show them.
    names = " ".join(classes[int(k)] for k in scores.argmax(1))
    expect_printed(names, what=t("the predicted class names", "预测的类别名称"))
