"""Printed output matched by value at any print precision, words whatever the spacing, and
the general "a method was never called" diagnosis (in the judge, from facts and syntax)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from checkers import CheckFailed, _core, expect_close, expect_tensor, expect_type, expect_values
from checkers._facts import Opaque, OpaqueFunction
from checkers.output import (
    Printed,
    expect_printed,
    printed_tokens,
    shows,
    was_printed,
    without_containers,
)

BUILTIN = "builtins.builtin_function_or_method"


@pytest.fixture(autouse=True)
def _fresh_check() -> Iterator[None]:
    _core._reset(lang="en")
    yield
    _core._reset(lang="en")


def judge(code: str = "", printed: str = "", **namespace: Any) -> None:
    """A fresh check whose learner wrote ``code``, printed ``printed`` and bound ``namespace``."""
    state = _core._reset(lang="en", code=code, namespace=dict(namespace))
    state.stdout = lambda: printed


def failure(fn: Any, *args: Any, **kwargs: Any) -> CheckFailed:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return info.value


class TestPrintedTokens:
    @pytest.mark.parametrize(
        ("text", "value", "step"),
        [
            ("0.1235", 0.1235, 1e-4),
            ("55", 55.0, 1.0),
            ("55.", 55.0, 1.0),
            ("-1.5", -1.5, 0.1),
            ("1.2346e-05", 1.2346e-05, 1e-9),
            ("2e3", 2000.0, 1000.0),
            ("True", 1.0, 0.0),
        ],
    )
    def test_value_and_step(self, text: str, value: float, step: float) -> None:
        [token] = printed_tokens(text)
        assert token.value == pytest.approx(value)
        assert token.step == pytest.approx(step)


class TestShows:
    def test_rounded_to_the_printed_precision(self) -> None:
        assert shows(Printed(0.1235, 1e-4), 0.123456)
        assert shows(Printed(0.12, 1e-2), 0.123456)
        assert not shows(Printed(0.13, 1e-2), 0.123456)

    def test_truncated_as_percent_d_does(self) -> None:
        assert shows(Printed(55.0, 1.0), 55.9, resolution=1.0)
        assert shows(Printed(-3.0, 1.0), -3.7, resolution=10.0)
        assert not shows(Printed(54.0, 1.0), 55.9, resolution=1.0)
        assert not shows(Printed(56.0, 1.0), 55.2, resolution=1.0)

    def test_a_print_coarser_than_the_resolution_does_not_count(self) -> None:
        assert not shows(Printed(0.0, 1.0), 0.3)
        assert not shows(Printed(55.0, 1.0), 55.2)  # default: 1% of 55.2
        assert shows(Printed(55.2, 0.1), 55.2)

    def test_whole_numbers_are_exact(self) -> None:
        assert shows(Printed(10.0, 1.0), 10.0, exact=True)
        assert not shows(Printed(10.0, 1.0), 10.4, exact=True)


class TestWasPrintedAnyFormat:
    def test_formatted_item(self) -> None:
        value = torch.randn(1, generator=torch.Generator().manual_seed(0)).item()
        for text in (f"{value:.4f}", f"{value:.2f}", f"{value:e}", repr(value), f"{value:.10g}"):
            assert was_printed(value, text), text
        assert not was_printed(value, f"{value + 0.02:.2f}")

    def test_the_same_tensor_as_tensor_list_and_array(self) -> None:
        x = torch.tensor([0.123456, -2.5, 3.0])
        for text in (str(x), str(x.tolist()), str(x.numpy()), " ".join(f"{v:.3f}" for v in x)):
            assert was_printed(x, text), text
        assert not was_printed(x, str(x.flip(0)))

    def test_a_percentage_in_any_format(self) -> None:
        percent = 55.23
        for text in ("55.2 %", "Accuracy: 55%", "Accuracy of the network: 55 %", "55.23%"):
            assert was_printed(percent, text, resolution=1.0), text
        assert not was_printed(percent, "Accuracy: 56 %", resolution=1.0)
        assert not was_printed(percent, "0.5523", resolution=1.0)
        assert was_printed(percent / 100, "0.552", resolution=0.01)

    def test_sizes_are_whole_numbers(self) -> None:
        assert was_printed(torch.Size([5, 3]), "torch.Size([5, 3])")
        assert was_printed(torch.Size([5, 3]), "(5, 3)")
        assert not was_printed(torch.Size([5, 3]), "torch.Size([5.4, 3])")


class TestWasPrintedWords:
    NAMES = "cat ship ship plane"

    @pytest.mark.parametrize(
        "text",
        [
            # The article's own print: right-aligned in five characters.
            "Predicted:    cat  ship  ship plane\n",
            "Predicted:  cat   ship  ship  plane\n",
            "Predicted: ['cat', 'ship', 'ship', 'plane']\n",
            "cat,ship,ship,plane",
        ],
    )
    def test_any_spacing_and_punctuation(self, text: str) -> None:
        assert was_printed(self.NAMES, text)

    def test_other_words_or_order_do_not_count(self) -> None:
        assert not was_printed(self.NAMES, "cat ship plane ship")
        assert not was_printed(self.NAMES, "cat ship ship airplane")
        assert not was_printed("cat", "Cat")


class TestWithoutContainers:
    def test_drops_tensors_arrays_and_lists(self) -> None:
        text = "tensor([0.3000])\n0.30000001192092896\n[0.3]\narray([1, 2])\n"
        kept = without_containers(text)
        assert "0.30000001192092896" in kept
        assert "0.3000" not in kept.replace("0.30000001192092896", "")
        assert "1, 2" not in kept

    def test_nested_and_unclosed(self) -> None:
        assert (
            without_containers("a tensor([[1., 2.], [3., 4.]], dtype=torch.float64) b") == "a   b"
        )
        assert without_containers("x [1, 2") == "x  "


class TestPrintedMethod:
    def test_a_printed_method_is_named(self) -> None:
        judge(printed="<built-in method size of Tensor object at 0x7f0>\n")
        failed = failure(expect_printed, torch.Size([5, 3]), what="the size of x")
        assert failed.mistake == "print-method-not-called"
        assert "`.size()`" in failed.message

    def test_a_bound_method(self) -> None:
        judge(printed="<bound method Module.parameters of Net(\n  (fc): Linear()\n)>\n")
        failed = failure(expect_printed, 10)
        assert failed.mistake == "print-method-not-called"
        assert "`.parameters()`" in failed.message

    def test_only_when_the_value_is_missing(self) -> None:
        judge(printed="<built-in method size of Tensor object at 0x7f0>\ntorch.Size([5, 3])\n")
        expect_printed(torch.Size([5, 3]))


class TestMethodNotCalled:
    def test_a_tensor_method(self) -> None:
        judge("x = torch.ones(2)\ns = x.size\n", x=torch.ones(2), torch=torch)
        failed = failure(expect_tensor, OpaqueFunction("function", BUILTIN), name="s")
        assert failed.mistake == "method-not-called"
        assert failed.message.startswith("`s` is the method `x.size` itself, not its result")
        assert failed.message.endswith("Call it: `x.size()`.")
        assert _core._state.items[-1]["status"] == "fail"

    def test_a_module_function(self) -> None:
        judge("x = torch.rand\n", torch=torch)
        failed = failure(expect_tensor, OpaqueFunction("function", BUILTIN), name="x")
        assert "the function `torch.rand`" in failed.message
        assert "Call it: `torch.rand(...)`" in failed.message

    def test_without_a_plain_assignment_the_message_stays_general(self) -> None:
        judge("a, b = t.size, 1\n")
        failed = failure(expect_tensor, OpaqueFunction("function", "builtins.method"), name="a")
        assert failed.mistake == "method-not-called"
        assert "a method (or function)" in failed.message

    def test_comments_and_strings_do_not_count(self) -> None:
        judge("# s = x.size\ns = get()  # 's = x.size'\n")
        failed = failure(expect_tensor, OpaqueFunction("function", BUILTIN), name="s")
        assert "a method (or function)" in failed.message

    def test_in_expect_type_and_expect_close(self) -> None:
        judge("b = a.numpy\nm = a.mean\n")
        method = OpaqueFunction("function", BUILTIN)
        assert failure(expect_type, method, np.ndarray, name="b").mistake == "method-not-called"
        assert "`a.mean()`" in failure(expect_close, method, 1.0, name="m").message

    def test_chinese(self) -> None:
        judge("s = x.size\n")
        _core._state.lang = "zh"
        failed = failure(expect_tensor, OpaqueFunction("function", BUILTIN), name="s")
        assert failed.message.startswith("`s` 是方法 `x.size` 本身")

    def test_other_opaque_values_keep_their_message(self) -> None:
        judge("s = Thing()\n")
        failed = failure(expect_tensor, Opaque("object", "__main__.Thing"), name="s")
        assert failed.mistake == ""
        assert failed.message == "`s` is a Thing, the task asks for a torch tensor."


class TestExpectValuesOnSomethingElse:
    def test_a_method(self) -> None:
        judge("b = a.numpy\n")
        method = OpaqueFunction("function", BUILTIN)
        assert failure(expect_values, method, np.ones(5), name="b").mistake == "method-not-called"

    def test_an_object_is_the_learners_mistake_not_a_checker_error(self) -> None:
        judge("b = Thing()\n")
        failed = failure(expect_values, Opaque("object", "__main__.Thing"), np.ones(5), name="b")
        assert failed.message == "`b` is a Thing, the task asks for numbers."


def test_a_string_with_punctuation_is_matched_exactly() -> None:
    assert was_printed("torch.Size([6])", "torch.Size([6])")
    assert not was_printed("torch.Size([6])", "torch.Size([6, 1, 5, 5])")
