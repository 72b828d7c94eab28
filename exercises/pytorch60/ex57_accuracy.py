from typing import Any

import torch

from checkers import detail, expect, expect_close, expect_printed, fail, mistake, t, was_printed


def check(
    testset: Any, testloader: Any, total: Any, net2: Any, device: Any, correct: Any, grad_modes: Any
) -> None:
    from pytorch60 import data as cifar_data

    n_images = len(testset)
    n_batches = len(testloader)
    if int(total) == n_batches and n_batches != n_images:
        fail(
            f"`total` is {int(total)}, the number of batches: count images instead, "
            f"total += labels.size(0) (the test set has {n_images} images).",
            f"`total` 是 {int(total)}，这是批次的数量：应统计图像数，total += labels.size(0)"
            f"（测试集共 {n_images} 张图像）。",
        )
    batch = getattr(testloader, "batch_size", None)
    if isinstance(batch, int) and 0 < int(total) <= batch < n_images:
        # One batch's worth: either the counting starts again in every iteration, or the
        # loop stopped after its first batch; the numbers cannot tell which.
        fail(
            f"`total` is {int(total)}, the size of one batch, where the test set has {n_images} "
            "images: the counters are set back to 0 inside the loop, or the loop stops after "
            "one batch. Set `correct = 0` and `total = 0` once, before the loop, and let it "
            "run over the whole testloader.",
            f"`total` 是 {int(total)}，只是一个批次的大小，而测试集有 {n_images} 张图像："
            "计数器在循环内被重新设为 0，或者循环只跑了一个批次就停了。请在循环之前把 "
            "`correct = 0` 和 `total = 0` 设好一次，并让循环遍历整个 testloader。",
        )
    expect_close(int(total), n_images, name="total",
                 why=t("Every test image must be counted once.", "每张测试图像都应被统计一次。"))  # fmt: skip
    accuracy = cifar_data.evaluate(net2, testloader, device)
    expect_close(int(correct), round(accuracy * n_images), name="correct",
                 why=t("Count the images whose predicted class equals the label.", "统计预测类别等于标签的图像数。"))  # fmt: skip
    expect(
        not any(grad_modes),
        "The test loop tracks gradients: wrap it in `with torch.no_grad():` (evaluation never "
        "calls backward, so tracking only costs memory and time).",
        "测试循环在追踪梯度：请把它放进 `with torch.no_grad():`（评估不会调用 backward，追踪只会浪费内存和时间）。",
        name=t("evaluation runs without gradients", "评估时不追踪梯度"),
    )
    # Any format shows the percentage: '%d %%' (truncated), f'{p:.1f}%', f'{c / t:.1%}'.
    percent = 100 * int(correct) / int(total)
    what = t("the accuracy in percent", "百分比形式的准确率")
    if not was_printed(percent, resolution=1.0) and was_printed(percent / 100, resolution=0.01):
        expect(
            False,
            mistake(
                "fraction-not-percent", fraction=f"{percent / 100:.3g}", percent=f"{percent:.3g} %"
            ),
            name=t(f"{what} is printed", f"打印了 {what}"),
        )
    expect_printed(percent, what=what, resolution=1.0)
    detail("accuracy", round(accuracy, 4))
    bar = cifar_data.accuracy_threshold()
    expect(accuracy >= bar,
           f"The trained net2 scores {accuracy:.0%}, below the {bar:.0%} a trained LeNet reaches here.",
           f"训练后的 net2 准确率为 {accuracy:.0%}，低于训练好的 LeNet 在这里能达到的 {bar:.0%}。",
           name=t(f"the trained model scores ≥ {bar:.0%}", f"训练好的模型准确率 ≥ {bar:.0%}"))  # fmt: skip


def instrument(net2: Any) -> dict[str, Any]:
    grad_modes = []
    net2.register_forward_hook(lambda module, args, out: grad_modes.append(torch.is_grad_enabled()))
    return {"grad_modes": grad_modes}
