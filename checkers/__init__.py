"""The vocabulary exercise checks are written in.

A check is a short script that runs in the worker child after the learner's
code, with the learner's variables in scope. Each ``expect_*`` call adds a line
to the checklist the learner sees; the first one that fails ends the check with
a message that names the mistake::

    expect_tensor(x, name="x", shape=(5, 3), dtype=torch.long)
    expect_printed(x, what="x")

Messages come in the learner's language. The library's own live in the message
catalogue (``quiz_tui/locales/<lang>.toml``); a pack writes its own with
``t(en, zh)``, which travel with the pack, or names a misconception catalogue
entry: ``fail(mistake("softmax-before-cross-entropy"))``.
"""

from checkers._core import (
    CheckFailed,
    LearnerError,
    LearnerRaised,
    NotAttempted,
    before,
    call,
    chosen_device,
    detail,
    emit,
    expect,
    fail,
    lang,
    learner,
    not_attempted,
    printed,
    progress,
    record,
    recorded,
    run_seed,
    source,
    step,
    t,
)
from checkers._format import dtype_name, dtype_wanted, shape_str
from checkers._mistakes import Mistake, explain_error, mistake
from checkers.autograd import expect_grad, expect_grad_fn, grad_fn_kind
from checkers.images import show_image
from checkers.modules import count_parameters, expect_module
from checkers.output import expect_printed, was_printed
from checkers.tensors import (
    Mismatch,
    as_cpu,
    expect_close,
    expect_same_memory,
    expect_separate_memory,
    expect_tensor,
    expect_type,
    expect_values,
    shares_memory,
    value_mismatch,
)

__all__ = [
    "CheckFailed",
    "LearnerError",
    "LearnerRaised",
    "Mismatch",
    "Mistake",
    "NotAttempted",
    "as_cpu",
    "before",
    "call",
    "chosen_device",
    "count_parameters",
    "detail",
    "dtype_name",
    "dtype_wanted",
    "emit",
    "expect",
    "expect_close",
    "expect_grad",
    "expect_grad_fn",
    "expect_module",
    "expect_printed",
    "expect_same_memory",
    "expect_separate_memory",
    "expect_tensor",
    "expect_type",
    "expect_values",
    "explain_error",
    "fail",
    "grad_fn_kind",
    "lang",
    "learner",
    "mistake",
    "not_attempted",
    "printed",
    "progress",
    "record",
    "recorded",
    "run_seed",
    "shape_str",
    "shares_memory",
    "show_image",
    "source",
    "step",
    "t",
    "value_mismatch",
    "was_printed",
]
