"""Unit tests for the checkers library, called directly in the test process.

Each test starts from a fresh ``checkers._core`` state (English unless it says
otherwise). Printed output is simulated through ``_state.stdout`` and the
learner's namespace through ``_state.namespace``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

import checkers
from checkers import _core
from checkers._format import dtype_name, dtype_wanted, shape_str
from checkers.autograd import expect_grad, expect_grad_fn, grad_fn_kind
from checkers.images import MAX_SIDE, show_image, to_rgb8
from checkers.modules import count_parameters, expect_module
from checkers.output import contains_sequence, expect_printed, printed_numbers, was_printed
from checkers.tensors import (
    Mismatch,
    expect_close,
    expect_same_memory,
    expect_separate_memory,
    expect_tensor,
    expect_type,
    expect_values,
    shares_memory,
    value_mismatch,
)

INF = float("inf")
NAN = float("nan")


@pytest.fixture(autouse=True)
def _fresh_check() -> Iterator[None]:
    _core._reset(lang="en")
    yield
    _core._reset(lang="en")


def zh() -> None:
    """Switch the current check to Chinese."""
    _core._reset(lang="zh")


def items() -> list[dict[str, str]]:
    # _reset replaces the state object, so always look it up on the module.
    return _core._state.items


def names() -> list[str]:
    return [i["name"] for i in items()]


def statuses() -> list[str]:
    return [i["status"] for i in items()]


def set_printed(text: str) -> None:
    _core._state.stdout = lambda: text


def failure(fn: Any, *args: Any, **kwargs: Any) -> str:
    """Run a check that must fail; return its message."""
    with pytest.raises(checkers.CheckFailed) as info:
        fn(*args, **kwargs)
    assert info.value.message == str(info.value)
    return info.value.message


def assert_last_failed_with(message: str) -> None:
    last = items()[-1]
    assert last["status"] == "fail"
    assert last["message"] == message


# --------------------------------------------------------------------------- t() and friends


class TestLanguage:
    def test_t_picks_english(self) -> None:
        assert checkers.t("hello", "你好") == "hello"
        assert checkers.lang() == "en"

    def test_t_picks_chinese(self) -> None:
        zh()
        assert checkers.t("hello", "你好") == "你好"
        assert checkers.lang() == "zh"

    @pytest.mark.parametrize("missing", [None, ""])
    def test_t_falls_back_to_english_when_chinese_missing(self, missing: str | None) -> None:
        zh()
        assert checkers.t("hello", missing) == "hello"

    def test_fail_raises_in_the_learners_language(self) -> None:
        zh()
        with pytest.raises(checkers.CheckFailed, match=r"^错了$"):
            checkers.fail("wrong", "错了")
        assert items() == []

    def test_say_reads_the_catalogue_in_the_checks_language(self) -> None:
        assert _core.say("check.name-not-defined", name="y") == (
            "Your code does not define `y`. The task asks you to store the answer in `y`."
        )
        zh()
        assert _core.say("check.name-not-defined", name="y") == (
            "你的代码没有定义 `y`。题目要求把结果存到 `y` 中。"
        )
        _core._reset(lang="eo")
        assert _core.say("check.custom-check") == "custom check"

    def test_fail_and_step_take_the_catalogues_text(self) -> None:
        zh()
        label = _core.say("check.custom-check")
        with pytest.raises(checkers.CheckFailed, match=r"^自定义检查$"), checkers.step(label):
            checkers.fail(_core.say("check.custom-check"))
        assert items() == [{"name": "自定义检查", "status": "fail", "message": "自定义检查"}]

    def test_not_attempted_raises_not_attempted(self) -> None:
        with pytest.raises(checkers.NotAttempted) as info:
            checkers.not_attempted("write something first", "先写点代码")
        assert info.value.message == "write something first"

    def test_check_failed_is_an_assertion_error(self) -> None:
        assert issubclass(checkers.CheckFailed, AssertionError)
        assert not issubclass(checkers.NotAttempted, checkers.CheckFailed)

    def test_reset_clears_items_and_sets_language(self) -> None:
        checkers.expect(True, "x")
        assert len(items()) == 1
        state = _core._reset(lang="zh")
        assert state is _core._state
        assert items() == []
        assert checkers.lang() == "zh"


# --------------------------------------------------------------------------- expect()


class TestExpect:
    def test_pass_records_a_custom_check(self) -> None:
        checkers.expect(1 + 1 == 2, "maths is broken")
        assert items() == [{"name": "custom check", "status": "pass", "message": ""}]

    def test_pass_with_name(self) -> None:
        checkers.expect([1], "empty", name="the list is not empty")
        assert items() == [{"name": "the list is not empty", "status": "pass", "message": ""}]

    def test_fail_raises_and_records(self) -> None:
        message = failure(checkers.expect, 0, "The sum must be 6.", "和应为 6。", name="sum")
        assert message == "The sum must be 6."
        assert items() == [{"name": "sum", "status": "fail", "message": "The sum must be 6."}]

    def test_fail_in_chinese(self) -> None:
        zh()
        message = failure(checkers.expect, False, "The sum must be 6.", "和应为 6。")
        assert message == "和应为 6。"
        assert items() == [{"name": "自定义检查", "status": "fail", "message": "和应为 6。"}]

    def test_chinese_falls_back_to_english_message(self) -> None:
        zh()
        assert failure(checkers.expect, None, "only English") == "only English"


# --------------------------------------------------------------------------- learner()


class TestLearner:
    def test_returns_the_learners_value(self) -> None:
        value = torch.zeros(2)
        _core._state.namespace = {"x": value}
        assert checkers.learner("x") is value
        assert items() == []

    @pytest.mark.parametrize("falsy", [0, None, "", [], False])
    def test_falsy_values_are_answers(self, falsy: Any) -> None:
        _core._state.namespace = {"x": falsy}
        assert checkers.learner("x") is falsy

    def test_missing_name_fails(self) -> None:
        _core._state.namespace = {"y": 1}
        message = failure(checkers.learner, "x")
        assert message == (
            "Your code does not define `x`. The task asks you to store the answer in `x`."
        )

    def test_ellipsis_placeholder_counts_as_missing(self) -> None:
        _core._state.namespace = {"x": ...}
        message = failure(checkers.learner, "x")
        assert message.startswith("Your code does not define `x`.")

    def test_missing_name_in_chinese(self) -> None:
        zh()
        _core._state.namespace = {}
        message = failure(checkers.learner, "net")
        assert message == "你的代码没有定义 `net`。题目要求把结果存到 `net` 中。"


# --------------------------------------------------------------------------- step()


class TestStep:
    def test_passing_expectations_make_one_item(self) -> None:
        x = torch.zeros(2, 3)
        with checkers.step("x is a 2×3 float tensor of zeros", "x 是 2×3 的零张量"):
            expect_tensor(x, name="x", shape=(2, 3), dtype=torch.float32)
            expect_values(x, torch.zeros(2, 3), name="x")
            checkers.expect(True, "never")
        assert items() == [
            {"name": "x is a 2×3 float tensor of zeros", "status": "pass", "message": ""}
        ]
        assert _core._state.step_depth == 0

    def test_failing_expectation_fails_the_step_with_its_message(self) -> None:
        x = torch.zeros(2, 3)

        def check() -> None:
            with checkers.step("x is right", "x 正确"):
                expect_tensor(x, name="x", shape=(2, 3))
                expect_tensor(x, name="x", dtype=torch.long)
                checkers.expect(True, "not reached", name="after")

        message = failure(check)
        assert message == "`x` has dtype float32, the task asks for long (int64)."
        assert items() == [{"name": "x is right", "status": "fail", "message": message}]

    def test_items_after_a_step_are_recorded_again(self) -> None:
        with checkers.step("first"):
            checkers.expect(True, "no")
        checkers.expect(True, "no", name="second")
        assert names() == ["first", "second"]
        assert statuses() == ["pass", "pass"]

    def test_depth_is_restored_after_a_failed_step(self) -> None:
        with pytest.raises(checkers.CheckFailed), checkers.step("fails"):
            checkers.fail("no")
        assert _core._state.step_depth == 0
        checkers.expect(True, "no", name="later")
        assert names() == ["fails", "later"]

    def test_nested_steps_record_only_the_outer_one(self) -> None:
        with checkers.step("outer"), checkers.step("inner"):
            checkers.expect(True, "no")
        assert names() == ["outer"]

    def test_step_name_in_chinese(self) -> None:
        zh()
        with checkers.step("values are random", "数值是随机的"):
            pass
        assert items() == [{"name": "数值是随机的", "status": "pass", "message": ""}]

    def test_other_exception_inside_a_step_restores_depth(self) -> None:
        # A check may catch an error of the learner's code raised inside a step
        # (e.g. calling their model) and go on; later expectations must still show.
        with pytest.raises(RuntimeError), checkers.step("the model runs"):
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")
        assert _core._state.step_depth == 0
        checkers.expect(True, "no", name="later")
        assert "later" in names()


# --------------------------------------------------------------------------- formatting


class TestFormat:
    @pytest.mark.parametrize(
        ("dtype", "text"),
        [
            (torch.long, "long (int64)"),
            (torch.int64, "long (int64)"),
            (torch.float32, "float (float32)"),
            (torch.float, "float (float32)"),
            (torch.float64, "double (float64)"),
            (torch.int32, "int (int32)"),
            (torch.float16, "half (float16)"),
            (torch.bool, "bool"),
            (torch.uint8, "uint8"),
            (torch.bfloat16, "bfloat16"),
            (torch.complex64, "complex64"),
        ],
    )
    def test_dtype_wanted(self, dtype: torch.dtype, text: str) -> None:
        assert dtype_wanted(dtype) == text

    def test_dtype_name(self) -> None:
        assert dtype_name(torch.long) == "int64"
        assert dtype_name(torch.complex128) == "complex128"

    def test_shape_str(self) -> None:
        assert shape_str((5,)) == "(5,)"
        assert shape_str(torch.Size([5, 3])) == "(5, 3)"
        assert shape_str(()) == "()"


# --------------------------------------------------------------------------- expect_tensor


class TestExpectTensor:
    def test_all_properties_pass_and_are_listed_in_order(self) -> None:
        x = torch.tensor([[1, 2, 3], [4, 5, 6]])
        out = expect_tensor(
            x,
            name="x",
            shape=(2, 3),
            dtype=torch.long,
            device="cpu",
            requires_grad=False,
            values=[[1, 2, 3], [4, 5, 6]],
        )
        assert out is x
        assert names() == [
            "`x` is a tensor",
            "`x` has shape (2, 3)",
            "`x` has dtype long (int64)",
            "`x` is on cpu",
            "`x.requires_grad` is False",
            "`x` has the expected values",
        ]
        assert statuses() == ["pass"] * 6

    def test_only_asked_properties_are_checked(self) -> None:
        expect_tensor(torch.zeros(3), name="z")
        assert names() == ["`z` is a tensor"]

    def test_list_is_not_a_tensor(self) -> None:
        message = failure(expect_tensor, [1, 2, 3], name="x")
        assert message == "`x` is a list ([1, 2, 3]), the task asks for a torch tensor."
        assert_last_failed_with(message)

    def test_ndarray_is_not_a_tensor(self) -> None:
        message = failure(expect_tensor, np.zeros(3), name="x")
        assert message == "`x` is a NumPy array, the task asks for a torch tensor."

    def test_none_is_not_a_tensor(self) -> None:
        message = failure(expect_tensor, None, name="x")
        assert message == "`x` is a NoneType (None), the task asks for a torch tensor."

    def test_why_is_added_to_the_failing_property(self) -> None:
        why = {"type": "Use torch.from_numpy.", "dtype": "Indices must be integers."}
        message = failure(expect_tensor, np.zeros(3), name="x", why=why)
        assert message.endswith("torch tensor. Use torch.from_numpy.")
        message = failure(expect_tensor, torch.zeros(3), name="x", dtype=torch.long, why=why)
        assert message == (
            "`x` has dtype float32, the task asks for long (int64). Indices must be integers."
        )

    def test_wrong_shape(self) -> None:
        message = failure(expect_tensor, torch.zeros(3), name="x", shape=(5, 3))
        assert message == "`x` has shape (3,), the task asks for (5, 3)."
        assert names() == ["`x` is a tensor", "`x` has shape (5, 3)"]
        assert statuses() == ["pass", "fail"]

    def test_shape_is_checked_before_dtype(self) -> None:
        message = failure(expect_tensor, torch.zeros(3), shape=(4,), dtype=torch.long)
        assert message == "`x` has shape (3,), the task asks for (4,)."

    def test_wrong_dtype(self) -> None:
        x = torch.zeros(5, 3)
        message = failure(expect_tensor, x, name="x", shape=(5, 3), dtype=torch.long)
        assert message == "`x` has dtype float32, the task asks for long (int64)."
        assert_last_failed_with(message)

    def test_wrong_dtype_in_chinese(self) -> None:
        zh()
        message = failure(expect_tensor, torch.zeros(2), name="x", dtype=torch.long)
        assert message == "`x` 的 dtype 是 float32，题目要求 long (int64)。"
        assert names() == ["`x` 是张量", "`x` 的类型是 long (int64)"]

    def test_not_a_tensor_in_chinese(self) -> None:
        zh()
        message = failure(expect_tensor, np.ones(2), name="x")
        assert message == "`x` 是 NumPy 数组，题目要求的是 torch 张量。"

    def test_wrong_device(self) -> None:
        message = failure(expect_tensor, torch.zeros(2), name="x", device="cuda")
        assert message == "`x` is on cpu, the task asks for cuda."

    def test_device_with_index_compares_the_type(self) -> None:
        expect_tensor(torch.zeros(2), name="x", device="cpu:0")
        assert items()[-1] == {"name": "`x` is on cpu:0", "status": "pass", "message": ""}

    def test_requires_grad_missing(self) -> None:
        message = failure(expect_tensor, torch.zeros(2), name="w", requires_grad=True)
        assert message == (
            "`w.requires_grad` is False, the task needs True. Create it with requires_grad=True."
        )

    def test_requires_grad_unwanted(self) -> None:
        w = torch.zeros(2, requires_grad=True)
        message = failure(expect_tensor, w, name="w", requires_grad=False)
        assert message == "`w.requires_grad` is True, the task needs False."

    def test_requires_grad_passes(self) -> None:
        expect_tensor(torch.zeros(2, requires_grad=True), name="w", requires_grad=True)
        assert items()[-1]["name"] == "`w.requires_grad` is True"
        assert items()[-1]["status"] == "pass"

    def test_wrong_values_with_why(self) -> None:
        message = failure(
            expect_tensor,
            torch.tensor([1.0, 2.0]),
            name="y",
            values=[1.0, 3.0],
            why={"values": "Add 1 to every element."},
        )
        assert message.startswith("`y` has the wrong values: 1 of 2 values differ;")
        assert message.endswith("). Add 1 to every element.")

    def test_values_use_given_tolerance(self) -> None:
        expect_tensor(torch.tensor([1.0]), values=[1.05], atol=0.1)
        assert statuses() == ["pass", "pass"]
        failure(expect_tensor, torch.tensor([1.0]), values=[1.05], atol=0.01, rtol=0.0)


# --------------------------------------------------------------------------- expect_values


class TestExpectValues:
    def test_pass_within_tolerance(self) -> None:
        expect_values(torch.tensor([1.0, 2.0]) + 5e-7, [1.0, 2.0], name="x")
        assert items() == [{"name": "`x` has the expected values", "status": "pass", "message": ""}]

    def test_accepts_arrays_lists_and_numbers(self) -> None:
        expect_values(np.array([1.0, 2.0]), torch.tensor([1.0, 2.0]))
        expect_values([[1, 2]], np.array([[1, 2]]))
        expect_values(torch.tensor(3.0), 3)
        assert statuses() == ["pass", "pass", "pass"]

    def test_message_names_worst_element_and_errors(self) -> None:
        got = torch.tensor([[1.0, 2.0], [3.0, 4.5]])
        want = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        message = failure(expect_values, got, want, name="x")
        assert message == (
            "`x` has the wrong values: 1 of 4 values differ; the worst at index [1, 1] is "
            "4.5 where 4 was expected (max abs error 0.5, max rel error 0.125)."
        )
        assert_last_failed_with(message)

    def test_worst_element_is_the_largest_difference(self) -> None:
        got = torch.tensor([1.1, 2.0, 5.0, 4.0])
        want = torch.tensor([1.0, 2.0, 3.0, 4.0])
        message = failure(expect_values, got, want, name="v")
        assert "2 of 4 values differ; the worst at index [2] is 5 where 3 was expected" in message
        assert "max abs error 2," in message
        assert "max rel error 0.666667)" in message

    def test_max_rel_error_can_come_from_another_element(self) -> None:
        got = torch.tensor([0.2, 10.0])
        want = torch.tensor([0.1, 5.0])
        message = failure(expect_values, got, want)
        assert "the worst at index [1] is 10 where 5 was expected" in message
        assert "(max abs error 5, max rel error 1)" in message

    def test_scalar_mismatch_has_no_index(self) -> None:
        message = failure(expect_values, torch.tensor(2.0), torch.tensor(1.0), name="loss")
        assert message == (
            "`loss` has the wrong values: 1 of 1 values differ; the worst is 2 where 1 was "
            "expected (max abs error 1, max rel error 1)."
        )

    def test_integers_must_match_exactly_whatever_the_tolerance(self) -> None:
        got = torch.tensor([1, 2, 3])
        message = failure(expect_values, got, torch.tensor([1, 2, 4]), name="n", atol=10)
        assert "1 of 3 values differ; the worst at index [2] is 3 where 4 was expected" in message
        expect_values(got, [1, 2, 3], name="n")
        assert items()[-1]["status"] == "pass"

    def test_bools_must_match_exactly(self) -> None:
        got = torch.tensor([True, False])
        message = failure(expect_values, got, torch.tensor([True, True]), name="m", atol=5)
        assert "the worst at index [1] is 0 where 1 was expected" in message

    def test_int_against_float_expected_uses_tolerance(self) -> None:
        expect_values(torch.tensor([1, 2]), torch.tensor([1.0, 2.0000001]))
        assert statuses() == ["pass"]

    def test_large_int64_values_are_compared_exactly(self) -> None:
        # float64 cannot tell 2**53 from 2**53 + 1; integers must still be exact.
        got = torch.tensor([2**53 + 1], dtype=torch.int64)
        want = torch.tensor([2**53], dtype=torch.int64)
        failure(expect_values, got, want, name="n")

    def test_nan_in_both_at_the_same_place_matches(self) -> None:
        expect_values(torch.tensor([1.0, NAN]), torch.tensor([1.0, NAN]))
        assert statuses() == ["pass"]

    def test_nan_where_a_number_was_expected_fails(self) -> None:
        message = failure(expect_values, torch.tensor([1.0, NAN]), torch.tensor([1.0, 2.0]))
        assert "1 of 2 values differ; the worst at index [1] is nan where 2 was expected" in (
            message
        )
        assert "(max abs error inf, max rel error inf)" in message

    def test_number_where_nan_was_expected_fails(self) -> None:
        message = failure(expect_values, torch.tensor([0.0, 1.0]), torch.tensor([NAN, 1.0]))
        assert "the worst at index [0] is 0 where nan was expected" in message

    def test_other_value_where_inf_was_expected_fails(self) -> None:
        message = failure(expect_values, torch.tensor([1.0, 5.0]), torch.tensor([1.0, INF]))
        assert "the worst at index [1] is 5 where inf was expected" in message
        assert value_mismatch(torch.tensor([-INF]), torch.tensor([INF])) is not None

    def test_inf_where_inf_was_expected_matches(self) -> None:
        assert value_mismatch(torch.tensor([INF, -INF]), torch.tensor([INF, -INF])) is None

    def test_different_shapes(self) -> None:
        message = failure(expect_values, torch.zeros(3), torch.zeros(1, 3), name="x")
        assert message == "`x` has shape (3,), the expected values have shape (1, 3)."

    def test_values_on_a_tensor_that_requires_grad(self) -> None:
        w = torch.ones(2, requires_grad=True)
        expect_values(w * 2, [2.0, 2.0], name="w2")
        assert statuses() == ["pass"]

    def test_chinese_message(self) -> None:
        zh()
        message = failure(expect_values, torch.tensor([1.0, 3.0]), [1.0, 2.0], name="y")
        assert message == (
            "`y` 的值不对：2 个值中有 1 个不同；差得最多的（下标 [1]）是 3，期望 2"
            "（最大绝对误差 1，最大相对误差 0.5）。"
        )
        assert names() == ["`y` 的值正确"]


class TestValueMismatch:
    def test_none_when_equal(self) -> None:
        assert value_mismatch(torch.arange(6).reshape(2, 3), torch.arange(6).reshape(2, 3)) is None

    def test_empty_tensors_match(self) -> None:
        assert value_mismatch(torch.zeros(0), torch.zeros(0)) is None

    def test_fields(self) -> None:
        m = value_mismatch(torch.tensor([[0.0, 1.0], [2.0, 3.0]]), [[0.0, 1.0], [2.5, 3.0]])
        assert m == Mismatch(
            count=1, total=4, index=(1, 0), got=2.0, want=2.5, max_abs=0.5, max_rel=0.2
        )

    def test_tolerance_is_relative_to_expected(self) -> None:
        assert value_mismatch([1000.0], [1000.005], atol=0.0, rtol=1e-5) is None
        assert value_mismatch([1000.0], [1000.02], atol=0.0, rtol=1e-5) is not None


class TestMismatchDescribe:
    def test_english_with_index(self) -> None:
        m = Mismatch(count=3, total=10, index=(1, 2), got=0.5, want=0.25, max_abs=0.25, max_rel=1.0)
        assert m.describe() == (
            "3 of 10 values differ; the worst at index [1, 2] is 0.5 where 0.25 was expected "
            "(max abs error 0.25, max rel error 1)"
        )

    def test_english_without_index(self) -> None:
        m = Mismatch(count=1, total=1, index=(), got=1.0, want=2.0, max_abs=1.0, max_rel=0.5)
        assert m.describe().startswith("1 of 1 values differ; the worst is 1 where 2")

    def test_six_significant_digits(self) -> None:
        m = Mismatch(1, 2, (0,), 1.23456789, 1e-7, 1.2345677, 12345677.0)
        assert "the worst at index [0] is 1.23457 where 1e-07 was expected" in m.describe()
        assert "max rel error 1.23457e+07" in m.describe()

    def test_chinese(self) -> None:
        zh()
        m = Mismatch(count=3, total=10, index=(4,), got=0.5, want=0.25, max_abs=0.25, max_rel=1.0)
        assert m.describe() == (
            "10 个值中有 3 个不同；差得最多的（下标 [4]）是 0.5，期望 0.25"
            "（最大绝对误差 0.25，最大相对误差 1）"
        )


# --------------------------------------------------------------------------- memory


class TestMemory:
    @pytest.mark.parametrize(
        "make",
        [
            pytest.param(lambda t: t.view(2, 3), id="view"),
            pytest.param(lambda t: t[2:], id="slice"),
            pytest.param(lambda t: t[::2], id="strided-slice"),
            pytest.param(lambda t: t.reshape(3, 2).T, id="transpose"),
            pytest.param(lambda t: t.numpy(), id="numpy"),
            pytest.param(lambda t: t.numpy()[3:], id="numpy-slice"),
        ],
    )
    def test_same_memory_from_tensor(self, make: Any) -> None:
        t = torch.arange(6.0)
        other = make(t)
        expect_same_memory(t, other, names=("t", "u"))
        expect_same_memory(other, t, names=("u", "t"))
        assert items()[0] == {"name": "`t` and `u` share memory", "status": "pass", "message": ""}
        assert statuses() == ["pass", "pass"]

    def test_same_memory_from_numpy(self) -> None:
        a = np.arange(6.0)
        expect_same_memory(a, torch.from_numpy(a))
        expect_same_memory(a, torch.as_tensor(a))
        expect_same_memory(a[1:], torch.from_numpy(a[4:]))
        expect_same_memory(a.reshape(2, 3), a)
        assert statuses() == ["pass"] * 4

    @pytest.mark.parametrize(
        "make",
        [
            pytest.param(lambda t: t.clone(), id="clone"),
            pytest.param(lambda t: torch.tensor(t.numpy()), id="torch.tensor"),
            pytest.param(lambda t: np.array(t.numpy()), id="np.array"),
            pytest.param(lambda t: t.numpy().copy(), id="numpy-copy"),
            pytest.param(lambda t: t + 0, id="arith"),
            pytest.param(lambda t: t.tolist(), id="list"),
        ],
    )
    def test_copies_are_separate(self, make: Any) -> None:
        t = torch.arange(6.0)
        other = make(t)
        expect_separate_memory(t, other, names=("x", "y"))
        assert items() == [
            {"name": "`x` and `y` are separate copies", "status": "pass", "message": ""}
        ]
        message = failure(expect_same_memory, t, other, names=("x", "y"), why="Use .numpy().")
        assert message == (
            "`x` and `y` do not share memory, so a change to one is not seen in the other. "
            "Use .numpy()."
        )

    def test_separate_fails_for_a_view(self) -> None:
        t = torch.arange(6.0)
        message = failure(expect_separate_memory, t, t[1:], names=("x", "y"), why="Use .clone().")
        assert message == "`x` and `y` share memory: changing one changes the other. Use .clone()."
        assert_last_failed_with(message)

    def test_separate_fails_for_from_numpy(self) -> None:
        a = np.ones(3)
        failure(expect_separate_memory, torch.from_numpy(a), a)

    def test_shares_memory_edge_cases(self) -> None:
        assert not shares_memory(torch.zeros(0), torch.zeros(0))
        assert not shares_memory([1, 2], [1, 2])
        assert not shares_memory(torch.zeros(3), torch.zeros(3))
        assert shares_memory(torch.zeros(3), torch.zeros(3)) is False
        x = torch.zeros(3)
        assert shares_memory(x, x)

    def test_chinese(self) -> None:
        zh()
        t = torch.zeros(2)
        message = failure(expect_same_memory, t, t.clone(), names=("a", "b"))
        assert message == "`a` 和 `b` 不共享内存，修改其中一个，另一个看不到变化。"
        message = failure(expect_separate_memory, t, t, names=("a", "b"))
        assert message == "`a` 和 `b` 共享内存：修改一个会改变另一个。"


# --------------------------------------------------------------------------- expect_close / type


class TestExpectClose:
    @pytest.mark.parametrize(
        "value", [0.3, 0.1 + 0.2, torch.tensor(0.3), torch.tensor([0.3]), np.float64(0.3)]
    )
    def test_pass(self, value: Any) -> None:
        expect_close(value, 0.3, name="v")
        assert items() == [
            {"name": "`v` is a number", "status": "pass", "message": ""},
            {"name": "`v` is 0.3", "status": "pass", "message": ""},
        ]

    def test_int_value(self) -> None:
        expect_close(3, 3.0, name="n")
        assert statuses() == ["pass", "pass"]

    def test_wrong_number(self) -> None:
        message = failure(expect_close, torch.tensor(0.5), 0.25, name="loss", why="Average it.")
        assert message == "`loss` is 0.5, expected 0.25. Average it."
        assert_last_failed_with(message)

    def test_tolerance(self) -> None:
        expect_close(1.05, 1.0, atol=0.1)
        failure(expect_close, 1.05, 1.0, atol=0.01)

    def test_list_is_not_a_number(self) -> None:
        message = failure(expect_close, [1.0, 2.0], 1.0, name="loss")
        assert message == "`loss` is a list ([1.0, 2.0]), the task asks for a single number."

    def test_bool_is_not_a_number(self) -> None:
        message = failure(expect_close, True, 1.0, name="ok")
        assert message == "`ok` is a bool (True), the task asks for a single number."

    def test_multi_element_tensor_is_not_a_number(self) -> None:
        message = failure(expect_close, torch.zeros(2), 0.0, name="loss")
        assert message == (
            "`loss` is a tensor of shape (2,), dtype float32, the task asks for a single number."
        )

    def test_chinese(self) -> None:
        zh()
        assert failure(expect_close, 2.0, 1.0, name="v") == "`v` 是 2，期望 1。"


class TestExpectType:
    def test_ndarray(self) -> None:
        expect_type(np.zeros(2), np.ndarray, name="a")
        assert items() == [{"name": "`a` is a NumPy array", "status": "pass", "message": ""}]

    def test_ndarray_fails_for_a_tensor(self) -> None:
        message = failure(expect_type, torch.zeros(2), np.ndarray, name="a")
        assert message == (
            "`a` is a tensor of shape (2,), dtype float32, the task asks for a NumPy array."
        )

    def test_builtin_and_tuple_of_kinds(self) -> None:
        expect_type(1.5, (int, float), name="n")
        assert names() == ["`n` is a int or float"]
        message = failure(expect_type, "1.5", (int, float), name="n", why="Convert it.")
        assert message == "`n` is a str ('1.5'), the task asks for a int or float. Convert it."

    def test_torch_tensor_kind_is_qualified(self) -> None:
        message = failure(expect_type, [1, 2], torch.Tensor, name="x")
        assert message == "`x` is a list ([1, 2]), the task asks for a torch.Tensor."

    def test_long_values_are_shortened(self) -> None:
        message = failure(expect_type, list(range(100)), np.ndarray, name="x")
        assert "…)" in message
        assert len(message) < 120

    def test_chinese(self) -> None:
        zh()
        message = failure(expect_type, [1], np.ndarray, name="a")
        assert message == "`a` 是 list ([1])，题目要求的是 NumPy array。"


# --------------------------------------------------------------------------- autograd


class TestGradFn:
    def test_add_with_and_without_version_digit(self) -> None:
        x = torch.ones(2, requires_grad=True)
        y = x + 1
        expect_grad_fn(y, "AddBackward0", name="y")
        expect_grad_fn(y, "AddBackward", name="y")
        assert names() == [
            "`y` is a tensor",
            "`y.grad_fn` is AddBackward",
            "`y` is a tensor",
            "`y.grad_fn` is AddBackward",
        ]
        assert statuses() == ["pass"] * 4

    def test_kind_strips_only_the_trailing_digits(self) -> None:
        x = torch.ones(2, requires_grad=True)
        assert type(torch.log2(x).grad_fn).__name__ == "Log2Backward0"
        assert grad_fn_kind(torch.log2(x)) == "Log2Backward"
        assert grad_fn_kind(x**x) == "PowBackward"
        assert grad_fn_kind(x) is None
        expect_grad_fn(torch.log2(x), "Log2Backward0")
        message = failure(expect_grad_fn, torch.log(x), "Log2Backward0")
        assert message.startswith("`y.grad_fn` is LogBackward, expected Log2Backward:")

    def test_different_operation(self) -> None:
        x = torch.ones(2, requires_grad=True)
        message = failure(expect_grad_fn, x * 2, "AddBackward0", name="y", why="Use +.")
        assert message == (
            "`y.grad_fn` is MulBackward, expected AddBackward: `y` was made by a different "
            "operation than the task asks for. Use +."
        )
        assert_last_failed_with(message)

    def test_leaf_when_none_expected(self) -> None:
        expect_grad_fn(torch.ones(2, requires_grad=True), None, name="w")
        with torch.no_grad():
            y = torch.ones(2, requires_grad=True) * 2
        expect_grad_fn(y, None, name="y")
        expect_grad_fn((torch.ones(2, requires_grad=True) * 2).detach(), "", name="d")
        assert names()[1::2] == [
            "`w.grad_fn` is None",
            "`y.grad_fn` is None",
            "`d.grad_fn` is None",
        ]
        assert statuses() == ["pass"] * 6

    def test_history_when_none_expected(self) -> None:
        y = torch.ones(2, requires_grad=True) + 1
        message = failure(expect_grad_fn, y, None, name="y")
        assert message == (
            "`y.grad_fn` is AddBackward: `y` still records how it was computed, so gradients "
            "would flow through it."
        )

    def test_none_when_an_operation_expected(self) -> None:
        with torch.no_grad():
            y = torch.ones(2, requires_grad=True) + 1
        message = failure(expect_grad_fn, y, "AddBackward0", name="y")
        assert message == (
            "`y.grad_fn` is None, expected AddBackward: `y` was not computed from a tensor "
            "that requires grad (check requires_grad=True, and don't use no_grad here)."
        )

    def test_not_a_tensor(self) -> None:
        message = failure(expect_grad_fn, 3.0, "AddBackward0", name="y")
        assert message == "`y` is a float (3.0), the task asks for a torch tensor."

    def test_chinese(self) -> None:
        zh()
        x = torch.ones(2, requires_grad=True)
        message = failure(expect_grad_fn, x * 2, "AddBackward0", name="y")
        assert message == "`y.grad_fn` 是 MulBackward，期望 AddBackward：`y` 是由另一种运算得到的。"


class TestGrad:
    def test_pass(self) -> None:
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x**2).sum().backward()
        expect_grad(x, [2.0, 4.0, 6.0], name="x")
        assert names() == ["`x` is a tensor", "`x.grad` exists", "`x.grad` has the expected values"]
        assert statuses() == ["pass"] * 3

    def test_grad_none(self) -> None:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        message = failure(expect_grad, x, [1.0, 1.0], name="x")
        assert message == (
            "`x.grad` is None: no gradient has reached `x`. Call .backward() on a result "
            "computed from `x` (and make sure `x` has requires_grad=True)."
        )
        assert items()[-1] == {"name": "`x.grad` exists", "status": "fail", "message": message}

    def test_wrong_grad(self) -> None:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        message = failure(expect_grad, x, [2.0, 2.0], name="x", why="d(3x)/dx = 3.")
        assert message == (
            "`x.grad` has the wrong values: 2 of 2 values differ; the worst at index [0] is 3 "
            "where 2 was expected (max abs error 1, max rel error 0.5). d(3x)/dx = 3."
        )

    def test_not_a_tensor(self) -> None:
        message = failure(expect_grad, [1.0], [1.0], name="x")
        assert message.startswith("`x` is a list ([1.0]), the task asks for a torch tensor.")

    def test_chinese_none(self) -> None:
        zh()
        message = failure(expect_grad, torch.ones(1, requires_grad=True), [1.0], name="w")
        assert message.startswith("`w.grad` 是 None：梯度没有传到 `w`。")


# --------------------------------------------------------------------------- printed output


PRINT_VALUES = {
    "float": torch.tensor([[0.12345, -1.5], [2.0, 3.25]]),
    "scientific": torch.tensor([1e-5, 2000.0]),
    "large": torch.tensor([1.23456e10, -3.5e9]),
    "int": torch.tensor([1, -2, 30], dtype=torch.int32),
    "bool": torch.tensor([True, False, True]),
    "scalar": torch.tensor(2.5),
    "nan": torch.tensor([float("nan"), 1.0]),
}


def _print_forms(x: torch.Tensor) -> dict[str, str]:
    return {"tensor": str(x), "numpy": str(x.numpy()), "tolist": str(x.tolist())}


class TestPrintedNumbers:
    @pytest.mark.parametrize(
        ("text", "numbers"),
        [
            ("tensor([1., 2., 3.])", [1.0, 2.0, 3.0]),
            ("[1. 2. 3.]", [1.0, 2.0, 3.0]),
            ("[1.0, 2.0, 3.0]", [1.0, 2.0, 3.0]),
            ("tensor([1.0000e-05, 2.0000e+03])", [1e-5, 2000.0]),
            ("[1.e-05 2.e+03]", [1e-5, 2000.0]),
            ("tensor([-1.5000,  0.2500])", [-1.5, 0.25]),
            ("tensor([ True, False])", [1.0, 0.0]),
            ("[ True False]", [1.0, 0.0]),
            ("tensor([1, 2], dtype=torch.int32)", [1.0, 2.0]),
            ("torch.Size([2, 3])", [2.0, 3.0]),
            ("x1 = 5, y_2=.5", [5.0, 0.5]),
            ("loss: 1e5 +3", [1e5, 3.0]),
            ("no numbers here", []),
        ],
    )
    def test_formats(self, text: str, numbers: list[float]) -> None:
        assert printed_numbers(text) == numbers

    def test_nan_and_inf(self) -> None:
        got = printed_numbers("tensor([nan, inf, 1.])")
        assert np.isnan(got[0])
        assert got[1:] == [INF, 1.0]


class TestContainsSequence:
    def test_contiguous_run(self) -> None:
        assert contains_sequence([1.0, 2.0, 3.0, 4.0], [2.0, 3.0])
        assert not contains_sequence([1.0, 2.0, 3.0, 4.0], [3.0, 2.0])
        assert not contains_sequence([1.0, 2.0, 3.0, 4.0], [1.0, 3.0])
        assert not contains_sequence([1.0], [1.0, 2.0])
        assert contains_sequence([1.0], [])

    def test_printing_precision(self) -> None:
        assert contains_sequence([1.2346], [1.23456])
        assert not contains_sequence([1.2350], [1.23456])
        assert contains_sequence([1.2346e10], [1.23456e10])
        assert not contains_sequence([1.24e10], [1.23456e10])

    def test_nan_and_inf(self) -> None:
        assert contains_sequence([NAN, 1.0], [NAN])
        assert not contains_sequence([0.0], [NAN])
        assert not contains_sequence([NAN], [0.0])
        assert contains_sequence([INF], [INF])
        assert not contains_sequence([1e300], [INF])


class TestWasPrinted:
    @pytest.mark.parametrize("form", ["tensor", "numpy", "tolist"])
    @pytest.mark.parametrize("kind", sorted(PRINT_VALUES))
    def test_all_print_forms(self, kind: str, form: str) -> None:
        x = PRINT_VALUES[kind]
        text = "some text\n" + _print_forms(x)[form] + "\nmore text 99\n"
        set_printed(text)
        assert was_printed(x)
        assert was_printed(x, text)

    def test_negative_inf_is_recognised(self) -> None:
        x = torch.tensor([-INF, 1.0])
        for text in _print_forms(x).values():
            assert was_printed(x, text), text

    def test_other_values_are_not_recognised(self) -> None:
        text = str(torch.tensor([1.0, 2.0, 3.0]))
        assert not was_printed(torch.tensor([1.0, 2.0, 4.0]), text)
        assert not was_printed(torch.tensor([2.0, 1.0]), text)
        assert not was_printed(torch.tensor([1.2]), "tensor([1.3000])")
        assert not was_printed(torch.tensor([True]), "tensor([False])")

    def test_sizes_numbers_and_strings(self) -> None:
        assert was_printed(torch.Size([5, 3]), "torch.Size([5, 3])")
        assert was_printed((5, 3), "torch.Size([5, 3])")
        assert was_printed(7, "answer: 7")
        assert was_printed(True, "True")
        assert not was_printed(8, "answer: 7")
        assert was_printed("hello", "say hello!")
        assert not was_printed("Hello", "say hello!")

    def test_other_objects_use_str(self) -> None:
        assert was_printed({"a": 1}, "{'a': 1}\n")
        assert not was_printed({"a": 1}, "{'a': 2}\n")

    def test_reads_printed_output_by_default(self) -> None:
        set_printed("tensor([4., 5.])\n")
        assert checkers.printed() == "tensor([4., 5.])\n"
        assert was_printed(torch.tensor([4.0, 5.0]))
        assert not was_printed(torch.tensor([4.0, 6.0]))


class TestExpectPrinted:
    def test_pass(self) -> None:
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        set_printed(str(x) + "\n")
        expect_printed(x, what="x")
        assert items() == [{"name": "x is printed", "status": "pass", "message": ""}]

    @pytest.mark.parametrize("form", ["tensor", "numpy", "tolist"])
    def test_pass_for_each_print_form(self, form: str) -> None:
        x = torch.rand(3, 4)
        set_printed(_print_forms(x)[form] + "\n")
        expect_printed(x, what="x")
        assert statuses() == ["pass"]

    def test_nothing_printed(self) -> None:
        set_printed("  \n")
        message = failure(expect_printed, torch.zeros(2), what="x", why="Use print(x).")
        assert message == "Nothing was printed: the task asks you to print x. Use print(x)."
        assert items() == [{"name": "x is printed", "status": "fail", "message": message}]

    def test_something_else_printed(self) -> None:
        set_printed("tensor([0., 0.])\n")
        message = failure(expect_printed, torch.ones(2), what="x")
        assert message == (
            "The output does not show x (tensor of shape (2,), dtype float32). "
            "Print it with print(...)."
        )

    def test_string_value(self) -> None:
        set_printed("Hello\n")
        message = failure(expect_printed, "hello world", what="the greeting")
        assert message == (
            "The output does not show the greeting ('hello world'). Print it with print(...)."
        )
        set_printed("hello world\n")
        expect_printed("hello world", what="the greeting")
        assert items()[-1] == {"name": "the greeting is printed", "status": "pass", "message": ""}

    def test_default_what(self) -> None:
        message = failure(expect_printed, 3)
        assert message == "Nothing was printed: the task asks you to print the result."

    def test_chinese(self) -> None:
        zh()
        message = failure(expect_printed, torch.zeros(2), what="x")
        assert message == "什么也没有打印：题目要求打印 x。"
        set_printed("hi\n")
        message = failure(expect_printed, torch.zeros(2), what="x")
        assert (
            message
            == "输出里没有 x（tensor of shape (2,), dtype float32）。请用 print(...) 打印它。"
        )
        assert items()[-1]["name"] == "打印了 x"


# --------------------------------------------------------------------------- modules


class TestExpectModule:
    @pytest.mark.parametrize("kernel_size", [5, (5, 5), [5, 5]])
    def test_conv2d_kernel_int_or_tuple(self, kernel_size: Any) -> None:
        conv = nn.Conv2d(3, 6, 5)
        expect_module(
            conv, nn.Conv2d, name="conv1", in_channels=3, out_channels=6, kernel_size=kernel_size
        )
        assert names() == [
            "`conv1` is Conv2d",
            "`conv1.in_channels` is 3",
            "`conv1.out_channels` is 6",
            "`conv1.kernel_size` is 5",
        ]
        assert statuses() == ["pass"] * 4

    def test_conv2d_tuple_kernel_given_as_tuple(self) -> None:
        conv = nn.Conv2d(3, 6, (3, 5))
        expect_module(conv, nn.Conv2d, name="conv1", kernel_size=(3, 5))
        assert names()[-1] == "`conv1.kernel_size` is (3, 5)"
        message = failure(expect_module, conv, nn.Conv2d, name="conv1", kernel_size=3)
        assert message == "`conv1` has kernel_size=(3, 5), the task asks for kernel_size=3."

    def test_conv2d_wrong_kernel(self) -> None:
        conv = nn.Conv2d(3, 6, 3)
        message = failure(expect_module, conv, nn.Conv2d, name="conv1", kernel_size=5)
        assert message == "`conv1` has kernel_size=3, the task asks for kernel_size=5."
        message = failure(expect_module, conv, nn.Conv2d, name="conv1", kernel_size=(5, 5))
        assert message == "`conv1` has kernel_size=3, the task asks for kernel_size=5."

    def test_wrong_param_with_why(self) -> None:
        conv = nn.Conv2d(3, 16, 5)
        why = {"out_channels": "the next layer expects 6 input channels."}
        message = failure(
            expect_module, conv, nn.Conv2d, name="conv1", why=why, in_channels=3, out_channels=6
        )
        assert message == "`conv1` has out_channels=16; the next layer expects 6 input channels."
        assert statuses() == ["pass", "pass", "fail"]

    def test_stride_and_padding(self) -> None:
        conv = nn.Conv2d(1, 1, 3, stride=2, padding=1)
        expect_module(conv, nn.Conv2d, stride=2, padding=(1, 1))
        message = failure(expect_module, conv, nn.Conv2d, stride=1)
        assert message == "`layer` has stride=2, the task asks for stride=1."

    def test_wrong_type(self) -> None:
        message = failure(expect_module, nn.Linear(3, 6), nn.Conv2d, name="conv1", in_channels=3)
        assert message == "`conv1` is a Linear, the task asks for Conv2d."
        assert len(items()) == 1

    def test_wrong_type_with_why(self) -> None:
        why = {"type": "Images need a convolution."}
        message = failure(expect_module, nn.ReLU(), nn.Conv2d, name="conv1", why=why)
        assert message == "`conv1` is a ReLU, the task asks for Conv2d. Images need a convolution."

    def test_none(self) -> None:
        message = failure(expect_module, None, nn.Conv2d, name="conv1")
        assert message == "`conv1` is None: it was never set to a Conv2d."

    def test_linear(self) -> None:
        fc = nn.Linear(120, 84, bias=False)
        expect_module(fc, nn.Linear, name="fc2", in_features=120, out_features=84, bias=False)
        assert statuses() == ["pass"] * 4
        assert names()[-1] == "`fc2.bias` is False"
        message = failure(expect_module, fc, nn.Linear, name="fc2", bias=True)
        assert message == "`fc2` has bias=False, the task asks for bias=True."
        message = failure(expect_module, nn.Linear(120, 10), nn.Linear, name="fc3", out_features=84)
        assert message == "`fc3` has out_features=10, the task asks for out_features=84."

    def test_sgd(self) -> None:
        params = [nn.Parameter(torch.zeros(2))]
        opt = torch.optim.SGD(params, lr=0.001, momentum=0.9)
        expect_module(opt, torch.optim.SGD, name="optimizer", lr=1e-3, momentum=0.9)
        assert names() == [
            "`optimizer` is SGD",
            "`optimizer.lr` is 0.001",
            "`optimizer.momentum` is 0.9",
        ]
        assert statuses() == ["pass"] * 3

    def test_sgd_wrong_lr_and_missing_momentum(self) -> None:
        params = [nn.Parameter(torch.zeros(2))]
        opt = torch.optim.SGD(params, lr=0.1)
        message = failure(expect_module, opt, torch.optim.SGD, name="optimizer", lr=0.01)
        assert message == "`optimizer` has lr=0.1, the task asks for lr=0.01."
        opt = torch.optim.SGD(params, lr=0.01)
        message = failure(expect_module, opt, torch.optim.SGD, name="optimizer", momentum=0.9)
        assert message == "`optimizer` has momentum=0, the task asks for momentum=0.9."

    def test_adam_is_not_sgd(self) -> None:
        opt = torch.optim.Adam([nn.Parameter(torch.zeros(2))])
        message = failure(expect_module, opt, torch.optim.SGD, name="optimizer")
        assert message == "`optimizer` is an Adam, the task asks for SGD."

    def test_loss(self) -> None:
        expect_module(nn.CrossEntropyLoss(), nn.CrossEntropyLoss, name="criterion")
        assert items() == [
            {"name": "`criterion` is CrossEntropyLoss", "status": "pass", "message": ""}
        ]

    def test_chinese(self) -> None:
        zh()
        message = failure(expect_module, nn.Conv2d(3, 6, 3), nn.Conv2d, name="c", kernel_size=5)
        assert message == "`c` 的 kernel_size=3，题目要求 kernel_size=5。"
        assert names()[-1] == "`c.kernel_size` 为 5"

    def test_count_parameters(self) -> None:
        assert count_parameters(nn.Linear(3, 4)) == 16
        frozen = nn.Linear(3, 4)
        frozen.bias.requires_grad_(False)
        assert count_parameters(frozen) == 12


# --------------------------------------------------------------------------- images


class TestToRgb8:
    def test_chw_tensor(self) -> None:
        img = torch.zeros(3, 2, 4)
        img[0] = 1.0  # red everywhere
        img[2, 1, 3] = 0.5  # some blue at row 1, column 3
        rgb = to_rgb8(img)
        assert rgb.shape == (2, 4, 3)
        assert rgb.dtype == np.uint8
        assert rgb.flags["C_CONTIGUOUS"]
        assert rgb[0, 0].tolist() == [255, 0, 0]
        assert rgb[1, 3].tolist() == [255, 0, 128]

    def test_hwc_array_keeps_its_layout(self) -> None:
        img = np.zeros((2, 4, 3))
        img[1, 3] = [0.0, 1.0, 0.25]
        rgb = to_rgb8(img)
        assert rgb.shape == (2, 4, 3)
        assert rgb[1, 3].tolist() == [0, 255, 64]
        assert rgb[0, 0].tolist() == [0, 0, 0]

    def test_chw_and_hwc_give_the_same_picture(self) -> None:
        chw = torch.rand(3, 5, 7)
        np.testing.assert_array_equal(to_rgb8(chw), to_rgb8(chw.permute(1, 2, 0).numpy()))

    def test_values_are_clipped_and_rounded(self) -> None:
        img = np.array([[[-1.0, 0.0, 0.5], [1.0, 2.0, 0.999]]])
        assert to_rgb8(img).tolist() == [[[0, 0, 128], [255, 255, 255]]]

    def test_grayscale(self) -> None:
        gray = to_rgb8(torch.tensor([[0.0, 1.0]]))
        assert gray.tolist() == [[[0, 0, 0], [255, 255, 255]]]
        one_channel = to_rgb8(torch.full((1, 2, 2), 0.5))
        assert one_channel.shape == (2, 2, 3)
        assert (one_channel == 128).all()
        hw1 = to_rgb8(np.ones((2, 2, 1)))
        assert hw1.shape == (2, 2, 3)

    def test_requires_grad_tensor(self) -> None:
        assert to_rgb8(torch.ones(3, 2, 2, requires_grad=True)).shape == (2, 2, 3)

    def test_large_images_are_shrunk(self) -> None:
        rgb = to_rgb8(np.zeros((2 * MAX_SIDE, 600, 3)))
        assert rgb.shape == (MAX_SIDE, 300, 3)
        assert to_rgb8(np.zeros((MAX_SIDE, MAX_SIDE, 3))).shape == (MAX_SIDE, MAX_SIDE, 3)

    def test_bad_shapes(self) -> None:
        with pytest.raises(ValueError, match="2 or 3 dimensions"):
            to_rgb8(np.zeros((1, 3, 4, 4)))
        with pytest.raises(ValueError, match="1 or 3 colour channels"):
            to_rgb8(np.zeros((4, 4, 4)))

    def test_show_image_sends_an_event(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            _core._state.events_fd = write_fd
            img = torch.zeros(3, 2, 2)
            img[1] = 1.0
            show_image(img, title="green")
            os.close(write_fd)
            write_fd = -1
            data = b""
            while chunk := os.read(read_fd, 65536):
                data += chunk
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        event = json.loads(data.decode())
        assert event["type"] == "image"
        assert (event["width"], event["height"], event["title"]) == (2, 2, "green")
        assert base64.b64decode(event["rgb"]) == bytes([0, 255, 0] * 4)


# --------------------------------------------------------------------------- small helpers


class TestSmallHelpers:
    def test_detail_seed_device_source(self) -> None:
        _core._reset(lang="en", seed=42, device="cuda", code="x = 1\n")
        checkers.detail("accuracy", 0.5)
        assert _core._state.details == {"accuracy": 0.5}
        assert checkers.run_seed() == 42
        assert checkers.chosen_device() == "cuda"
        assert checkers.source() == "x = 1\n"

    def test_progress_is_clamped(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            _core._state.events_fd = write_fd
            checkers.progress(1.5, "training", loss=0.25)
            checkers.progress(-1.0)
        finally:
            os.close(write_fd)
        with os.fdopen(read_fd, "rb") as f:
            lines = f.read().decode().splitlines()
        assert [json.loads(line) for line in lines] == [
            {"type": "progress", "fraction": 1.0, "text": "training", "loss": 0.25},
            {"type": "progress", "fraction": 0.0, "text": ""},
        ]

    def test_emit_without_events_fd_does_nothing(self) -> None:
        assert _core._state.events_fd is None
        checkers.emit({"type": "progress"})
        assert items() == []
