"""checkers.code answers from the syntax tree: comments and strings never count."""

from __future__ import annotations

from checkers import _core, code


def given(text: str) -> None:
    _core._reset(code=text)


def teardown_function() -> None:
    _core._reset()


def test_a_comment_or_a_string_is_not_a_use() -> None:
    given('# nn.MSELoss would do it\nmsg = "MSELoss"\nloss = ((p - y) ** 2).mean()\n')
    assert not code.uses("MSELoss")
    given("loss = nn.MSELoss()(p, y)\n")
    assert code.uses("MSELoss")


def test_an_import_under_another_name_is_a_use() -> None:
    given("from torch.nn.functional import mse_loss as sq\nloss = sq(p, y)\n")
    assert code.uses("mse_loss")
    assert code.calls("sq")
    assert not code.calls("mse_loss")


def test_a_method_named_but_not_called_is_found_with_its_line() -> None:
    given("out = x.sum()\nout.backward\n# out.backward\nnet.zero_grad()\n")
    assert code.named_not_called("backward", "zero_grad") == [("out.backward", 2)]
    assert code.calls("zero_grad")


def test_a_bom_is_ignored_and_code_that_does_not_parse_answers_no() -> None:
    given("\ufeffloss = nn.MSELoss()(p, y)\n")
    assert code.uses("MSELoss")
    given("loss = nn.MSELoss(\n")
    assert code.tree() is None
    assert not code.uses("MSELoss")
    assert code.named_not_called() == []
