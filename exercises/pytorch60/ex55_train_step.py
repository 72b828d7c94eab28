from typing import Any

from checkers import detail, expect, t


def check(net2: Any, testloader: Any, device: Any) -> None:
    from pytorch60 import data, training

    w = training.current()
    training.expect_sound(w, type(net2)())
    fell, first, last = training.loss_fell(w)
    expect(
        fell,
        f"The loss did not fall (from {first:.3f} to {last:.3f}): the network is not learning.",
        f"损失没有下降（从 {first:.3f} 到 {last:.3f}）：网络没有在学习。",
        name=t("the loss falls", "损失在下降"),
    )
    accuracy = data.evaluate(net2, testloader, device)
    detail("accuracy", round(accuracy, 4))
    detail("loss_first", round(first, 4))
    detail("loss_last", round(last, 4))
    bar = data.accuracy_threshold()
    expect(
        accuracy >= bar,
        f"After training, net2 classifies {accuracy:.0%} of the test images correctly; a "
        f"correct loop reaches at least {bar:.0%} here (chance is 10%).",
        f"训练后，net2 在测试图像上的准确率为 {accuracy:.0%}；正确的训练循环在这里至少能达到 "
        f"{bar:.0%}（随机猜测为 10%）。",
        name=t(f"test accuracy ≥ {bar:.0%}", f"测试准确率 ≥ {bar:.0%}"),
    )


def instrument(net2: Any, criterion2: Any, optimizer2: Any, trainloader: Any) -> None:
    from pytorch60 import training

    training.watch(net2, criterion2, optimizer2, trainloader, total=2 * len(trainloader))
