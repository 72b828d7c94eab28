from checkers import fail, printed, step


def check() -> None:
    from checkers.output import contains_sequence, printed_numbers

    flags = [v for v in printed_numbers(printed()) if v in (0.0, 1.0)]
    with step("the output is True, True, False", "输出依次为 True、True、False"):
        if flags[-3:] == [1.0, 1.0, 1.0]:
            fail(
                "The last line printed True: the result was still tracked. Compute it inside "
                "`with torch.no_grad():` so that nothing is recorded.",
                "最后一行打印的是 True：结果仍被追踪。请在 `with torch.no_grad():` 中计算，这样就不会记录运算。",
            )
        if not contains_sequence(flags, [1.0, 1.0, 0.0]):
            fail(
                "Print x.requires_grad, (x ** 2).requires_grad, and then (x ** 2).requires_grad "
                "inside torch.no_grad(): the output should read True, True, False.",
                "请依次打印 x.requires_grad、(x ** 2).requires_grad，以及在 torch.no_grad() 中的 "
                "(x ** 2).requires_grad：输出应为 True、True、False。",
            )
