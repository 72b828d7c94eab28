"""The machinery under every check: outcomes, the checklist and the learner's language.

A check is a plain script. Each ``expect_*`` call adds one line to the
checklist the learner sees; the first failing one raises :class:`CheckFailed`,
which ends the check with its message.

The library's own texts live in the message catalogue (``[check]`` in
``quiz_tui/locales/<lang>.toml``), looked up with :func:`say`; an exercise pack's
texts travel with the pack, written with :func:`t`.
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

from quiz_tui.core import messages

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
    where = _where(line, during == "check", what)
    if not first:
        return f"{type_name}{where}"
    return say("check.error-headline", type=type_name, where=where, message=first)


def _where(line: int | None, in_check: bool, what: str) -> str:
    """Where an error happened, as ``error_headline`` puts it after the error's type."""
    if what:
        if line:
            if in_check:
                return say("check.error-where-what-line-check", what=what, line=line)
            return say("check.error-where-what-line", what=what, line=line)
        if in_check:
            return say("check.error-where-what-check", what=what)
        return say("check.error-where-what", what=what)
    if line:
        if in_check:
            return say("check.error-where-line-check", line=line)
        return say("check.error-where-line", line=line)
    return say("check.error-where-check") if in_check else ""


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
        message += say("check.full-stop")
    return f"{message}\n{explanation}"


def call(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call something the learner built (a transform, a model, ...).

    If it raises, the result is the learner's ``error`` with ``what`` in the
    message ("while applying your transform"), never a checker error.
    """
    from checkers._facts import Opaque

    if isinstance(fn, Opaque):
        fail(
            say(
                "check.cannot-use-opaque",
                kind=fn.kind,
                type=fn.type_name.removeprefix("__main__."),
                what=what,
            )
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
    """An exercise pack's own text in the learner's language: ``zh`` for a Chinese
    learner when given, else ``en``.

    A pack's texts travel with the pack, not in the app's message catalogue: an
    instructor's pack brings its words with it. A learner in a language other than
    these two sees the English. The checkers library's own texts use :func:`say`.
    """
    if _state.lang == "zh" and zh:
        return zh
    return en


def say(key: str, /, **fields: Any) -> str:
    """The catalogue's text ``key`` in the current check's language, its
    ``{placeholders}`` filled from ``fields`` (English where a language lacks it).

    For the library's own messages (``check.<name>``) and the worker's (``worker.<name>``);
    ``fail``, ``expect``, ``step`` ... take the text as they take ``t(...)``'s.
    """
    return messages.say(_state.lang, key, **fields)


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

    ``en`` is the English text (with ``zh`` its Chinese), a text already in the
    learner's language (``t(...)``, ``say(...)``), or a catalogue entry from
    ``mistake(...)``, whose id then travels with the verdict.
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
    label = name or say("check.custom-check")
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
        fail(say("check.name-not-defined", name=name))
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
