from typing import Any

import torch

from checkers import before, expect_values, fail, mistake, source, t

LR = 0.01


def check(net: Any) -> None:
    from pytorch60 import optim_trace

    trace = optim_trace.current()
    start = before()  # the state your code started from (same seed, same weights)
    ref_net, ref_opt, criterion = start["net"], start["optimizer"], start["criterion"]
    old = {n: p.detach().clone() for n, p in ref_net.named_parameters()}
    ref_opt.zero_grad()
    ref_output = ref_net(start["input"])
    criterion(ref_output, start["target"]).backward()
    fresh = {
        n: p.grad.detach().clone() for n, p in ref_net.named_parameters() if p.grad is not None
    }

    new = {n: p.detach() for n, p in net.named_parameters()}
    moved = {n: new[n] - old[n] for n in old}
    steps = trace.count("step")
    backwards = [i for i, e in enumerate(trace.events) if e.startswith("backward")]
    first_step = trace.events.index("step") if steps else None

    if all(not bool(d.abs().sum()) for d in moved.values()):
        if not steps:
            named = optim_trace.uncalled(source(), "step")
            if named:
                fail(mistake("step-not-called", name=named[0]))
            if optim_trace.calls(source(), "step"):
                fail(
                    "The weights did not change: your code calls optimizer.step(), but that line "
                    "never ran. Is it inside a function that is never called, or a branch or "
                    "loop that never runs?",
                    "权重没有变化：你的代码里写了 optimizer.step()，但这一行从未执行。它是不是写在一个"
                    "从未被调用的函数里，或者一个从未执行的分支或循环里？",
                )
            fail(
                "The weights did not change: optimizer.step() applies the gradients, and it was "
                "not called.",
                "权重没有变化：optimizer.step() 负责用梯度更新权重，而它没有被调用。",
            )
        if not backwards:
            named = optim_trace.uncalled(source(), "backward")
            if named:
                fail(mistake("backward-not-called", name=named[0]))
            fail(
                "optimizer.step() ran, but no gradients had been computed: loss.backward() was "
                "not called, so step() had nothing to apply.",
                "optimizer.step() 运行了，但没有计算过梯度：没有调用 loss.backward()，step() 无从更新。",
            )
    if first_step is not None and (not backwards or first_step < backwards[0]):
        fail(
            "optimizer.step() ran before loss.backward(): it applied whatever .grad held then "
            "(the gradients left by task 45, or none). Clear, compute the loss, backpropagate, "
            "and only then call optimizer.step().",
            "optimizer.step() 在 loss.backward() 之前运行：它用的是当时 .grad 里的东西（第 45 题留下的"
            "梯度，或者没有梯度）。请先清空梯度、计算损失、反向传播，最后再调用 optimizer.step()。",
        )
    if first_step is not None and "zero_grad" in trace.events[backwards[-1] : first_step]:
        fail(
            "zero_grad() ran between loss.backward() and optimizer.step(): it cleared the "
            "gradients backward() had just computed, so step() had nothing to apply and the "
            "weights did not move. Clear the gradients first, before computing the loss: "
            "zero_grad(), output and loss, backward(), step().",
            "zero_grad() 在 loss.backward() 和 optimizer.step() 之间运行：它清掉了 backward() 刚算出的"
            "梯度，所以 step() 无从更新，权重没有变化。请先清空梯度，再计算损失：zero_grad()、"
            "output 和 loss、backward()、step()。",
        )
    if steps > 1:
        fail(
            t(
                f"optimizer.step() ran {steps} times; one training step calls it once.",
                f"optimizer.step() 运行了 {steps} 次；一次训练步骤只调用一次。",
            )
        )

    # The gradients the update used: what step() saw, else what .grad holds now.
    used: optim_trace.Grads = trace.steps[-1]["grads"] if trace.steps else optim_trace.grads_of(net)
    if not optim_trace.matches(used, fresh):
        k = optim_trace.scale(used, fresh)
        if k is not None and k > 1.5:
            named = optim_trace.uncalled(source(), "zero_grad")
            if named:
                fail(mistake("zero-grad-not-called", name=named[0]))
            raise optim_trace.accumulated(
                t("The gradients optimizer.step() used", "optimizer.step() 所用的梯度"), k, trace
            )
        with torch.no_grad():
            optim_trace.explain_loss(None, ref_output, start["target"], trace)
        fail(
            "The gradients optimizer.step() used are not those of a fresh loss, "
            "criterion(net(input), target): compute output and loss afresh after clearing, "
            "then call loss.backward().",
            "optimizer.step() 所用的梯度不是新损失 criterion(net(input), target) 的梯度："
            "清空梯度后重新计算 output 和 loss，再调用 loss.backward()。",
        )
    lr = optim_trace.learning_rate(moved, used)
    if lr is not None and not optim_trace.same_number(lr, LR):
        fail(
            mistake(
                "wrong-learning-rate", name=t("The update", "这次更新"), got=f"{lr:.3g}", want=LR
            )
        )
    for n in old:
        expect_values(
            moved[n],
            -LR * fresh[n],
            name=f"the change of {n}",
            atol=1e-6,
            rtol=1e-3,
            why=t(
                "It should be −0.01 × the gradient of a fresh loss.",
                "它应等于 −0.01 × 新损失的梯度。",
            ),
        )


def instrument(net: Any, optimizer: Any, criterion: Any) -> None:
    from pytorch60 import optim_trace

    optim_trace.guard_loss_classes()
    optim_trace.watch(net, optimizer, criterion)
