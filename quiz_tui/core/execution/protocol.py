"""Every message between the app and the worker, in one place: typed, bounded, versioned.

The worker's job child writes one JSON object per line to its events pipe. Two kinds of
process write there, and they are not trusted alike:

* the **learner side** (the process running the learner's code) may send only
  ``started``, ``progress``, ``image`` and ``learner_done``. It runs code we do not
  control, which can write anything to the pipe, so everything it sends is checked, and a
  ``verdict`` (or the old ``result``) from it is a protocol violation: the learner's
  code must not be able to report its own pass;
* the **judge side** (the process running the exercise's check) sends the one
  ``verdict``, and may send ``progress`` and ``image`` too. It is ours, but a bug in a
  check must still become a clear message, not a crash, so it is checked the same way.

``decode_learner_event`` and ``decode_judge_event`` turn one line into an event or raise
``ProtocolError`` with an English reason the runner can show. ``encode`` is the writer's
side: it refuses (with the same reason) an event the app would refuse.

``clean_text`` removes terminal control and escape sequences from text the learner
controls, before it reaches a terminal.

This module is imported by the worker child and by the app: it must import neither
torch nor Textual.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Final, Literal, TypeAlias

import msgspec

from quiz_tui.core.errors import ProtocolError

__all__ = [
    "MAX_CHECKS",
    "MAX_DETAILS",
    "MAX_EVENT_BYTES",
    "MAX_IMAGE_SIDE",
    "MAX_SMALL_EVENT_BYTES",
    "PROTOCOL_VERSION",
    "CheckItemMsg",
    "Event",
    "ImageEvent",
    "JudgeEvent",
    "LearnerDone",
    "LearnerEvent",
    "LearnerStatus",
    "Progress",
    "ProtocolError",
    "Started",
    "Verdict",
    "VerdictStatus",
    "clean_text",
    "decode_judge_event",
    "decode_learner_event",
    "encode",
    "make_learner_done",
    "make_verdict",
]

PROTOCOL_VERSION: Final = 2
"""Bump on any incompatible change; a verdict of another version is refused."""

MAX_IMAGE_SIDE: Final = 512
"""Widest and tallest image the worker may send (``checkers.images`` shrinks to this)."""
MAX_EVENT_BYTES: Final = (1 << 20) + (16 << 10)
"""Longest line of all (images and verdicts). The base64 of the largest image
(512×512×3 bytes) is exactly 1 MiB on its own, so the line needs a little more."""
MAX_SMALL_EVENT_BYTES: Final = 64 << 10
"""Longest ``started``, ``progress`` or ``learner_done`` line."""

MAX_PROGRESS_TEXT: Final = 200
MAX_IMAGE_TITLE: Final = 120
MAX_MESSAGE: Final = 8000
MAX_TRACEBACK: Final = 32000
MAX_CHECKS: Final = 64
MAX_CHECK_NAME: Final = 200
MAX_CHECK_MESSAGE: Final = 1000
MAX_DETAILS: Final = 32
MAX_DETAIL_KEY: Final = 64
MAX_DETAIL_TEXT: Final = 500
MAX_DEVICE: Final = 40
# Worst case of a verdict with every field full of escaped control characters (6 bytes
# each): about 0.8 MB, so a verdict built by make_verdict always fits MAX_EVENT_BYTES.

_Fraction = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
_Side = Annotated[int, msgspec.Meta(ge=1, le=MAX_IMAGE_SIDE)]
_DetailValue: TypeAlias = (
    Annotated[str, msgspec.Meta(max_length=MAX_DETAIL_TEXT)] | bool | int | float | None
)


class _Event(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type"):
    """Base of every event: a JSON object whose ``type`` names its kind."""


class Started(_Event, tag="started", frozen=True):
    """The job's process is running (its pid is the group the runner kills)."""

    pid: Annotated[int, msgspec.Meta(ge=1, le=(1 << 31) - 1)]


class Progress(_Event, tag="progress", frozen=True):
    """How far a long run is, with an optional loss and accuracy to plot."""

    fraction: _Fraction
    text: Annotated[str, msgspec.Meta(max_length=MAX_PROGRESS_TEXT)] = ""
    loss: float | None = None
    accuracy: _Fraction | None = None


class ImageEvent(_Event, tag="image", frozen=True):
    """An image the code showed: ``width×height`` RGB pixels, base64 on the wire."""

    width: _Side
    height: _Side
    rgb: Annotated[bytes, msgspec.Meta(max_length=MAX_IMAGE_SIDE * MAX_IMAGE_SIDE * 3)]
    title: Annotated[str, msgspec.Meta(max_length=MAX_IMAGE_TITLE)] = ""

    def __post_init__(self) -> None:
        want = self.width * self.height * 3
        if len(self.rgb) != want:
            raise ValueError(
                f"rgb: {len(self.rgb)} bytes for a {self.width}×{self.height} image, "
                f"which needs {want}"
            )


MistakeId: TypeAlias = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
"""A catalogue entry's id, e.g. ``softmax-before-cross-entropy``."""

LearnerStatus: TypeAlias = Literal["ok", "ran", "error", "fail", "not_attempted", "checker_error"]
"""What the learner's process may report. ``ok`` means "the facts are written, ask the
judge"; there is deliberately no way to say "pass" on this side."""


class LearnerDone(_Event, tag="learner_done", frozen=True):
    """The learner's code, and the collection of facts about it, have finished."""

    status: LearnerStatus
    message: Annotated[str, msgspec.Meta(max_length=MAX_MESSAGE)] = ""
    line: Annotated[int, msgspec.Meta(ge=1)] | None = None
    traceback: Annotated[str, msgspec.Meta(max_length=MAX_TRACEBACK)] = ""
    device: Annotated[str, msgspec.Meta(max_length=MAX_DEVICE)] = "cpu"
    mistake: MistakeId | None = None
    """The misconception catalogue's entry for this error (``checkers.mistakes``)."""


class CheckItemMsg(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One line of a verdict's checklist."""

    name: Annotated[str, msgspec.Meta(max_length=MAX_CHECK_NAME)]
    status: Literal["pass", "fail"]
    message: Annotated[str, msgspec.Meta(max_length=MAX_CHECK_MESSAGE)] = ""


VerdictStatus: TypeAlias = Literal[
    "pass", "fail", "error", "timeout", "not_attempted", "checker_error", "ran"
]


class Verdict(_Event, tag="verdict", frozen=True):
    """The judge's conclusion: sent once, last, by the judge side only."""

    version: int
    status: VerdictStatus
    message: Annotated[str, msgspec.Meta(max_length=MAX_MESSAGE)] = ""
    checks: Annotated[list[CheckItemMsg], msgspec.Meta(max_length=MAX_CHECKS)] = []
    details: Annotated[
        dict[Annotated[str, msgspec.Meta(max_length=MAX_DETAIL_KEY)], _DetailValue],
        msgspec.Meta(max_length=MAX_DETAILS),
    ] = {}
    line: Annotated[int, msgspec.Meta(ge=1)] | None = None
    traceback: Annotated[str, msgspec.Meta(max_length=MAX_TRACEBACK)] = ""
    device: Annotated[str, msgspec.Meta(max_length=MAX_DEVICE)] = "cpu"
    mistake: MistakeId | None = None
    """The misconception catalogue's entry the message comes from, when it does."""


LearnerEvent: TypeAlias = Started | Progress | ImageEvent | LearnerDone
JudgeEvent: TypeAlias = Started | Verdict | Progress | ImageEvent
Event: TypeAlias = Started | Progress | ImageEvent | LearnerDone | Verdict

_LEARNER_DECODER = msgspec.json.Decoder(LearnerEvent)
_JUDGE_DECODER = msgspec.json.Decoder(JudgeEvent)
_ANY_DECODER = msgspec.json.Decoder(Event)
_ENCODER = msgspec.json.Encoder()

_NAMES = {
    "started": "start",
    "progress": "progress",
    "image": "image",
    "learner_done": "learner-done",
    "verdict": "verdict",
}
_SMALL = (Started, Progress)


class _Head(msgspec.Struct):
    """Just the ``type`` of an event, to name it in an error message."""

    type: Any = None


# ---------------------------------------------------------------------------
# Reading


def decode_learner_event(line: bytes) -> LearnerEvent:
    """One line from the learner side, or ``ProtocolError`` saying what is wrong with it."""
    event = _decode(line, _LEARNER_DECODER, "the worker", _LEARNER_KINDS)
    assert isinstance(event, Started | Progress | ImageEvent | LearnerDone)
    return event


def decode_judge_event(line: bytes) -> JudgeEvent:
    """One line from the judge side, or ``ProtocolError`` saying what is wrong with it."""
    event = _decode(line, _JUDGE_DECODER, "the checker", _JUDGE_KINDS)
    assert isinstance(event, Started | Verdict | Progress | ImageEvent)
    if isinstance(event, Verdict) and event.version != PROTOCOL_VERSION:
        raise ProtocolError(
            f"the checker speaks protocol version {event.version}, but this app speaks "
            f"version {PROTOCOL_VERSION} (reinstall quiz-tui so both match)"
        )
    return event


_LEARNER_KINDS = frozenset({"started", "progress", "image", "learner_done"})
_JUDGE_KINDS = frozenset({"started", "verdict", "progress", "image"})


def _decode(
    line: bytes | bytearray | memoryview, decoder: Any, who: str, kinds: frozenset[str]
) -> Any:
    size = len(line)
    if size > MAX_EVENT_BYTES:
        raise ProtocolError(
            f"{who} sent an event of {size} bytes, more than the limit of {MAX_EVENT_BYTES}"
        )
    try:
        event = decoder.decode(line)
    except msgspec.ValidationError as exc:
        # msgspec quotes values it refuses: keep the reason short and safe to print.
        reason = clean_text(_explain(line, str(exc), who, kinds), keep_newlines=False)
        raise ProtocolError(_clip(reason, 400)) from None
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"{who} sent a line that is not valid JSON ({exc})") from None
    except RecursionError:
        raise ProtocolError(f"{who} sent an event nested too deeply to read") from None
    if isinstance(event, _SMALL) and size > MAX_SMALL_EVENT_BYTES:
        raise ProtocolError(
            f"{who} sent a {_NAMES[_tag(event)]} event of {size} bytes, more than the "
            f"limit of {MAX_SMALL_EVENT_BYTES}"
        )
    return event


def _tag(event: Event) -> str:
    return str(type(event).__struct_config__.tag)


def _explain(
    line: bytes | bytearray | memoryview, error: str, who: str, kinds: frozenset[str]
) -> str:
    """An English reason from a msgspec validation message."""
    try:
        kind = msgspec.json.decode(line, type=_Head).type
    except msgspec.DecodeError:
        kind = None  # not an object at all (an array, a string...)
    except RecursionError:
        # Too deep to skip over; the typed decoder got past the type, so find it by eye.
        found = _TYPE_KEY.search(bytes(line[:4096]))
        kind = found[1].decode() if found else None
    if error.startswith("Expected `object`, got"):
        got = error.rsplit("`", 2)[-2]
        return f"{who} sent {_ARTICLE.get(got, got)} where an event object belongs"
    if kind is None and "missing required field `type`" in error:
        return f"{who} sent an event without a type"
    if not isinstance(kind, str) or kind not in kinds:
        if isinstance(kind, str):
            shown = repr(kind) if len(kind) <= 40 else f"a name of {len(kind)} characters"
        else:
            shown = "not a string"
        if kind in ("verdict", "result") and "verdict" not in kinds:
            return (
                f"{who} sent a {kind} event from the learner's side, where only the "
                "checker may report a verdict"
            )
        return f"{who} sent an event of an unknown type ({shown})"
    return f"{who} sent a malformed {_NAMES.get(kind, kind)} event ({_field_reason(error)})"


_ARTICLE = {
    "array": "a list",
    "str": "a string",
    "int": "a number",
    "float": "a number",
    "bool": "true or false",
    "null": "null",
}
_TYPE_WORDS = {
    "float": "a number",
    "int": "an integer",
    "str": "a string",
    "bool": "true or false",
    "null": "null",
    "array": "a list",
    "object": "an object",
    "bytes": "base64 text",
}
_TYPE_KEY = re.compile(rb'"type"\s*:\s*"([a-z_]{1,40})"')
_AT = re.compile(r"^(?P<text>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_EXPECTED = re.compile(r"Expected `([^`]+)`")
_GOT = re.compile(r"got `([^`]+)`")
_FIELD = re.compile(r"(?:missing required|contains unknown) field `([^`]+)`")


def _one_of(types: list[str]) -> str:
    if "float" in types and "int" in types:
        types.remove("int")  # "a number" covers both
    words = [_TYPE_WORDS.get(t, t) for t in types]
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 2 else " or ".join(words)


def _field_reason(error: str) -> str:
    """``loss: expected a number or null, got str`` from msgspec's wording."""
    match = _AT.match(error)
    assert match is not None
    text, path = match["text"], (match["path"] or "").lstrip(".")
    field = _FIELD.search(text)
    if field:
        name = f"{path}.{field[1]}" if path else field[1]
        if "missing" in text:
            return f"{name}: missing"
        return f"{name}: not a field of this event"
    text = _EXPECTED.sub(lambda m: "expected " + _one_of(m[1].split(" | ")), text)
    text = _GOT.sub(r"got \1", text).replace("`", "")
    text = text.replace("Number out of range", "number out of range")
    text = text.replace("Invalid ", "invalid ")
    return f"{path}: {text}" if path else text


# ---------------------------------------------------------------------------
# Writing


def encode(event: Event) -> bytes:
    """One JSON line (with its newline) for the events pipe.

    Raises ``ProtocolError`` when the app would refuse the event (a fraction above 1,
    a title too long, a NaN where a number must be): msgspec does not check limits when
    a struct is built, so this reads the line back to find out at the source.
    """
    data = _ENCODER.encode(event)
    _decode(data, _ANY_DECODER, "this worker", frozenset(_NAMES))
    return data + b"\n"


def make_verdict(
    status: VerdictStatus,
    message: str = "",
    *,
    checks: list[tuple[str, Literal["pass", "fail"], str]] | None = None,
    details: dict[str, Any] | None = None,
    line: int | None = None,
    traceback: str = "",
    device: str = "cpu",
    mistake: str | None = None,
) -> Verdict:
    """A verdict that always fits the limits: long texts clipped, odd values as text.

    For the judge side, whose messages and tracebacks quote the learner's code and values.
    """
    items = [
        CheckItemMsg(name=_clip(n, MAX_CHECK_NAME), status=s, message=_clip(m, MAX_CHECK_MESSAGE))
        for n, s, m in (checks or [])[:MAX_CHECKS]
    ]
    facts: dict[str, Any] = {}
    for key, value in list((details or {}).items())[:MAX_DETAILS]:
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)  # JSON has no NaN or infinity
        elif type(value) not in (str, bool, int, float, type(None)):
            value = str(value)  # a subclass (torch's version string, NumPy's bool) as text
        if isinstance(value, str):
            value = _clip(value, MAX_DETAIL_TEXT)
        facts[_clip(str(key), MAX_DETAIL_KEY)] = value
    return Verdict(
        version=PROTOCOL_VERSION,
        status=status,
        message=_clip(message, MAX_MESSAGE),
        checks=items,
        details=facts,
        line=line if line is None or line >= 1 else None,
        traceback=_clip(traceback, MAX_TRACEBACK, keep="end"),
        device=_clip(device, MAX_DEVICE),
        mistake=mistake or None,
    )


def make_learner_done(
    status: LearnerStatus,
    message: str = "",
    *,
    line: int | None = None,
    traceback: str = "",
    device: str = "cpu",
    mistake: str | None = None,
) -> LearnerDone:
    """The learner side's last event, clipped to the limits like a verdict."""
    return LearnerDone(
        status=status,
        message=_clip(message, MAX_MESSAGE),
        line=line if line is None or line >= 1 else None,
        traceback=_clip(traceback, MAX_TRACEBACK, keep="end"),
        device=_clip(device, MAX_DEVICE),
        mistake=mistake or None,
    )


def _clip(text: str, limit: int, *, keep: Literal["start", "end"] = "start") -> str:
    if len(text) <= limit:
        return text
    if keep == "end":  # a traceback's last lines name the error
        return "…" + text[len(text) - limit + 1 :]
    return text[: limit - 1] + "…"


# ---------------------------------------------------------------------------
# Cleaning text for a terminal

_STRING_END = r"(?:\x07|\x1b\\|\x9c)"
_CLEAN = re.compile(
    # OSC, DCS, SOS, PM, APC strings (7-bit and 8-bit introducers) with their terminator.
    # The body stops at any ESC or C1 control, so scanning stays linear in the worst case;
    # an unterminated one loses only its introducer (the rest is then plain text).
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x80-\x9f]*"
    + _STRING_END
    # CSI, 7-bit and 8-bit: parameters, intermediates, final byte (missing at the end).
    + r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    # Any other escape sequence: ESC, intermediates, one final byte.
    + r"|\x1b[ -/]*[0-~]?"
    # Single controls: C0 but tab and newline, DEL, C1, bidi overrides and isolates.
    + r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
_ANY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ONE_LINE = str.maketrans({"\n": " ", "\t": " "})


def clean_text(s: str, *, keep_newlines: bool = True) -> str:
    """``s`` without anything a terminal would obey instead of print.

    Removes CSI, OSC, DCS/SOS/PM/APC and other escape sequences whole, every C0 control
    except newline and tab, DEL, the C1 controls (U+0080-U+009F, among them the 8-bit
    CSI U+009B) and the bidi overrides that can make text read differently from what it
    is. ``\\r\\n`` becomes ``\\n``; any other ``\\r`` is dropped, so a line cannot hide
    its start by overwriting it. Ordinary Unicode (Chinese, box drawing, ✓) is kept.

    With ``keep_newlines=False`` newlines and tabs become spaces (for one-line fields:
    check names, titles, the device).
    """
    if _ANY_CONTROL.search(s):  # most text has none: one quick scan, no rewrite
        if "\r\n" in s:
            s = s.replace("\r\n", "\n")
        s = _CLEAN.sub("", s)
    if not keep_newlines:
        s = s.translate(_ONE_LINE)
    return s
