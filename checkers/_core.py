"""The machinery under every check: outcomes, the checklist and bilingual text.

A check is a plain script. Each ``expect_*`` call adds one line to the
checklist the learner sees; the first failing one raises :class:`CheckFailed`,
which ends the check with its message.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

Lang = str
"""The learner's language code (``quiz_tui.core.messages.languages()``)."""


class CheckFailed(AssertionError):
    """The learner's answer is wrong; the message says what and why.

    ``mistake`` is the misconception catalogue's id when the message comes from it.
    """

    def __init__(self, message: object, mistake: str = "") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.mistake = mistake or str(getattr(message, "id", ""))


class NotAttempted(Exception):
    """The learner has not written an answer yet."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StopRun(BaseException):
    """Raised by a watcher (e.g. of a training loop) that has seen enough of the learner's
    code: the worker treats it as the code finishing (``except Exception`` does not catch it)."""


class LearnerRaised(Exception):
    """An object the learner made raised when the check used it: their error, not ours."""

    def __init__(self, original: BaseException, what: str) -> None:
        super().__init__(f"{type(original).__name__}: {original}")
        self.original = original
        self.what = what


LEARNER_FILE = "<your code>"


class LearnerError(Exception):
    """An exception the learner's code raised in its own process, carried to the judge as data.

    The judge re-raises it where the live exception would have been raised, and
    turns it into the learner's ``error`` result with their line number.
    """

    def __init__(self, type_name: str, message: str, line: int | None, traceback: str) -> None:
        super().__init__(message)
        self.type_name = type_name
        self.message = message
        self.line = line
        self.traceback = traceback

    @classmethod
    def from_exception(cls, exc: BaseException) -> LearnerError:
        import traceback as tb

        frames = [f for f in tb.extract_tb(exc.__traceback__) if f.filename == LEARNER_FILE]
        line = frames[-1].lineno if frames else None
        header = "Traceback (most recent call last):\n" if frames else ""
        text = header + "".join(tb.StackSummary.from_list(frames[-12:]).format())
        text += "".join(tb.format_exception_only(type(exc), exc))
        return cls(type(exc).__name__, str(exc), line, text.rstrip())

    def as_fact(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            "message": self.message,
            "line": self.line,
            "traceback": self.traceback,
        }

    @classmethod
    def from_fact(cls, fact: Any) -> LearnerError | None:
        if not isinstance(fact, dict):
            return None
        line = fact.get("line")
        return cls(
            str(fact.get("type", "Exception")),
            str(fact.get("message", "")),
            line if isinstance(line, int) else None,
            str(fact.get("traceback", "")),
        )

    def result(self, *, during: str = "code") -> dict[str, Any]:
        """The learner's ``error`` result for this exception, explained where the
        misconception catalogue knows the error."""
        from checkers._mistakes import explain_error

        found = explain_error(self.type_name, self.message.strip())
        message = error_headline(
            self.type_name, self.message, self.line, during=during, explained=found is not None
        )
        return {
            "status": "error",
            "message": with_explanation(message, str(found) if found else ""),
            "traceback": self.traceback,
            "line": self.line,
            "mistake": found.id if found else "",
        }


def first_line(text: str) -> str:
    """The first meaningful line of an error message.

    torch's messages may start with a blank line, wrap their details over several
    lines, or get notes appended; the first line names the problem. A first line
    that only announces what follows ("Error(s) in loading state_dict for Net:")
    keeps the line after it.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return ""
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[1]}"
    return lines[0]


def first_sentence(text: str) -> str:
    """The first sentence of a one-line message (torch's often go on with advice that
    does not fit the learner's case, such as ``retain_graph=True``)."""
    found = re.search(r"[.!?](?=\s+[A-Z])", text)
    return text[: found.end()] if found else text


def error_headline(
    type_name: str,
    text: str,
    line: int | None,
    *,
    during: str = "code",
    what: str = "",
    explained: bool = False,
) -> str:
    """``TypeError on line 3: <first line of the message>``, in the learner's language.

    ``during="check"``: the check was using the learner's code (``what`` it was doing).
    ``explained``: an explanation follows, so only the message's first sentence is kept
    (the whole message stays in the traceback).
    """
    first = first_line(text)
    if explained:
        first = first_sentence(first)
    where_en = f" on line {line}" if line else ""
    where_zh = f"第 {line} 行" if line else ""
    if during == "check":
        if line:
            where_en += " (while the check was using your code)"
        where_zh = f"{where_zh}，检查在调用你的代码时" if line else "检查在调用你的代码时"
    if what:
        where_en = f" while {what}{where_en}"
        where_zh = f"{what}时" + (f"，{where_zh}" if where_zh else "")
    zh_frame = f"（{where_zh}）" if where_zh else ""
    return t(
        f"{type_name}{where_en}: {first}" if first else f"{type_name}{where_en}",
        f"{type_name}{zh_frame}：{first}" if first else f"{type_name}{zh_frame}",
    )


def with_explanation(message: str, explanation: str) -> str:
    """``message``, then ``explanation`` on a line of its own (if there is one).

    The break keeps Python's or torch's words apart from ours: the learner sees
    what the error said, then what it means and what to do.
    """
    explanation = explanation.strip()
    if not explanation:
        return message
    message = message.rstrip()
    if not message.endswith((".", "!", "?", "。", "！", "？", ":", "：")):
        message += "。" if _state.lang == "zh" else "."
    return f"{message}\n{explanation}"


def call(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call something the learner built (a transform, a model, ...).

    If it raises, the result is the learner's ``error`` with ``what`` in the
    message ("while applying your transform"), never a checker error.
    """
    from checkers._facts import Opaque

    if isinstance(fn, Opaque):
        fail(
            f"The checker cannot use your {fn.kind} `{fn.type_name.removeprefix('__main__.')}` "
            f"for {what}: it runs none of your code itself. Build it from the library's own "
            "classes (torch.nn, torchvision.transforms).",
            f"检查器无法用你写的 {fn.kind} `{fn.type_name.removeprefix('__main__.')}` 来{what}："
            "它自己不运行你的任何代码。请用库自带的类（torch.nn、torchvision.transforms）来构造它。",
        )
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        raise LearnerRaised(exc, what) from exc


@dataclass
class _State:
    lang: Lang = "en"
    items: list[dict[str, str]] = field(default_factory=list)
    step_depth: int = 0
    namespace: dict[str, Any] = field(default_factory=dict)
    stdout: Callable[[], str] = lambda: ""
    events_fd: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    device: str = "cpu"
    data_root: str = ""
    data_kind: str = "practice"
    cache_dir: str = ""
    code: str = ""
    replay: Callable[[], dict[str, Any]] = dict
    collectors: list[Callable[[], dict[str, Any]]] = field(default_factory=list)
    """Called in the learner's process before its facts are written: more facts to send
    (a watcher's record of what the code did)."""
    trusted: bool = False
    """True in the judge (and when preparing data): it may rebuild damaged caches."""
    records: dict[str, Any] = field(default_factory=dict)
    """Facts the exercise's probe recorded in the learner's process, as the judge reads them."""


_state = _State()


def _reset(**kwargs: Any) -> _State:
    """Start a fresh check (called by the worker in each child)."""
    global _state
    _state = _State(**kwargs)
    return _state


def t(en: str, zh: str | None = None) -> str:
    """Pick the learner's language; Chinese falls back to English when missing."""
    if _state.lang == "zh" and zh:
        return zh
    return en


def lang() -> Lang:
    return _state.lang


def _record(name: str, ok: bool, message: str = "") -> None:
    if _state.step_depth:
        return
    _state.items.append({"name": name, "status": "pass" if ok else "fail", "message": message})


def _text(en: object, zh: str | None) -> str:
    """``t(en, zh)``, or a catalogue ``Mistake`` (already in the learner's language)."""
    return t(en, zh) if isinstance(en, str) else str(en)


def fail(en: object, zh: str | None = None) -> NoReturn:
    """End the check: the answer is wrong, for the reason given.

    ``en`` is the English text (with ``zh`` its Chinese), or a catalogue entry
    from ``mistake(...)``, whose id then travels with the verdict.
    """
    raise CheckFailed(en if not isinstance(en, str) else t(en, zh))


def not_attempted(en: str, zh: str | None = None) -> NoReturn:
    """End the check: there is no answer to judge yet."""
    raise NotAttempted(t(en, zh))


def expect(
    condition: object, en: object, zh: str | None = None, *, name: str | None = None
) -> None:
    """A custom check: ``condition`` must be true, else fail with the message.

    The message is ``en``/``zh``, or a catalogue entry from ``mistake(...)``.
    """
    label = name or t("custom check", "自定义检查")
    if condition:
        _record(label, True)
        return
    _record(label, False, _text(en, zh))
    raise CheckFailed(en if not isinstance(en, str) else t(en, zh))


def suffix(why: str | None) -> str:
    """An explanation appended to a message: one space, then the sentence."""
    why = (why or "").strip()
    return " " + why if why else ""


def _check(ok: bool, name: str, message: str) -> None:
    """Record a named check item and raise when it failed."""
    _record(name, ok, "" if ok else message)
    if not ok:
        raise CheckFailed(message)


@contextlib.contextmanager
def step(en: str, zh: str | None = None) -> Iterator[None]:
    """Group several expectations into one checklist line named ``en``/``zh``."""
    name = t(en, zh)
    _state.step_depth += 1
    failure: CheckFailed | None = None
    try:
        yield
    except CheckFailed as exc:
        failure = exc
        raise
    finally:
        _state.step_depth -= 1
        if failure is not None:
            _record(name, False, failure.message)
        elif sys.exc_info()[0] is None:
            _record(name, True)


def learner(name: str) -> Any:
    """The value the learner's code bound to ``name``; fails clearly if missing."""
    ns = _state.namespace
    if name not in ns or ns[name] is Ellipsis:
        fail(
            f"Your code does not define `{name}`. The task asks you to store the answer in `{name}`.",
            f"你的代码没有定义 `{name}`。题目要求把结果存到 `{name}` 中。",
        )
    return ns[name]


def record(name: str, value: Any) -> None:
    """In the exercise's probe: send ``value`` to the judge as the fact ``name``."""
    _state.records[name] = value


def on_collect(collect: Callable[[], dict[str, Any]]) -> None:
    """In the learner's process: call ``collect`` for more facts when the code has run."""
    _state.collectors.append(collect)


def recorded(name: str) -> Any:
    """In a check: the fact the probe recorded as ``name`` (fails clearly if missing)."""
    if name not in _state.records:
        raise RuntimeError(f"the exercise's probe did not record the fact {name!r}")
    return _state.records[name]


def printed() -> str:
    """Everything the learner's code printed with ``print`` so far."""
    return _state.stdout()


def source() -> str:
    """The learner's code as they wrote it (for checks on how, not just what)."""
    return _state.code


def before() -> dict[str, Any]:
    """The names the setup made, freshly re-run with the same seed.

    The learner's code may have changed them in place; this is how they were
    when it started.
    """
    return _state.replay()


def detail(key: str, value: Any) -> None:
    """Attach a fact to the result (e.g. accuracy) for the learner and for tests."""
    _state.details[key] = value


def emit(event: dict[str, Any]) -> None:
    """Send an event (progress, image) to the app while the check runs."""
    if _state.events_fd is not None:
        write_event(_state.events_fd, event)


def write_event(fd: int, event: dict[str, Any]) -> None:
    """Write one event to the app as a line of JSON (all of it, however large)."""
    data = memoryview((json.dumps(event, ensure_ascii=True, default=str) + "\n").encode())
    while data:
        data = data[os.write(fd, data) :]


def progress(fraction: float, text: str = "", **values: float) -> None:
    """Report how far a long check is (0..1), with optional figures such as loss."""
    emit({"type": "progress", "fraction": max(0.0, min(1.0, fraction)), "text": text, **values})


def run_seed() -> int:
    """The seed this run started from (torch, NumPy and random were seeded with it)."""
    return _state.seed


def chosen_device() -> str:
    """The device the learner's code was asked to use: ``"cpu"`` or ``"cuda"``."""
    return _state.device
