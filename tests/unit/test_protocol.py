"""The worker protocol: every event round-trips, every malformed line is refused with a
reason naming what is wrong, and clean_text leaves nothing a terminal would obey."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quiz_tui.core.errors import ProtocolError, RunnerError
from quiz_tui.core.execution.protocol import (
    MAX_EVENT_BYTES,
    MAX_SMALL_EVENT_BYTES,
    PROTOCOL_VERSION,
    CheckItemMsg,
    ImageEvent,
    LearnerDone,
    Progress,
    Started,
    Verdict,
    clean_text,
    decode_judge_event,
    decode_learner_event,
    encode,
    make_verdict,
)
from quiz_tui.core.model import CheckItem, Image, Result, Status

# ---------------------------------------------------------------------------
# Round trips

LEARNER_EVENTS = [
    Started(pid=4242),
    Progress(fraction=0.0),
    Progress(fraction=1.0, text="训练中：25/100 个小批次", loss=2.302, accuracy=0.1),
    Progress(fraction=0.5, text="x" * 200, loss=-1e300),
    ImageEvent(width=1, height=1, rgb=b"\x00\x7f\xff"),
    ImageEvent(width=3, height=2, rgb=bytes(range(18)), title="猫 ✓"),
    LearnerDone(status="ok"),
    LearnerDone(status="error", message="NameError on line 2", line=2, traceback="tb"),
]
JUDGE_EVENTS = [
    Verdict(version=PROTOCOL_VERSION, status="pass"),
    Verdict(
        version=PROTOCOL_VERSION,
        status="fail",
        message="x 的形状不对",
        checks=[CheckItemMsg("shape", "pass"), CheckItemMsg("dtype", "fail", "got float32")],
        details={"accuracy": 0.51, "epochs": 2, "note": "ok", "flag": True, "none": None},
        line=3,
        traceback='File "<your code>", line 3\nValueError: no',
        device="cuda",
    ),
    *(Verdict(version=PROTOCOL_VERSION, status=s) for s in ("error", "timeout", "ran")),
    *(Verdict(version=PROTOCOL_VERSION, status=s) for s in ("not_attempted", "checker_error")),
    Progress(fraction=0.25, text="training the reference network", loss=1.5),
    ImageEvent(width=2, height=2, rgb=b"\x01" * 12, title="t"),
]


@pytest.mark.parametrize("event", LEARNER_EVENTS, ids=repr)
def test_learner_events_round_trip(event: object) -> None:
    line = encode(event)  # type: ignore[arg-type]
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode_learner_event(line.rstrip(b"\n")) == event
    assert decode_learner_event(line) == event  # the newline is whitespace to JSON


@pytest.mark.parametrize("event", JUDGE_EVENTS, ids=repr)
def test_judge_events_round_trip(event: object) -> None:
    assert decode_judge_event(encode(event)) == event  # type: ignore[arg-type]


def test_the_largest_image_fits_in_one_line() -> None:
    event = ImageEvent(width=512, height=512, rgb=bytes(512 * 512 * 3), title="✓" * 120)
    line = encode(event)
    assert len(line) <= MAX_EVENT_BYTES
    assert decode_learner_event(line) == event


def test_the_wire_format_is_plain_json() -> None:
    line = encode(ImageEvent(width=1, height=1, rgb=b"abc", title="t"))
    assert json.loads(line) == {
        "type": "image",
        "width": 1,
        "height": 1,
        "rgb": "YWJj",
        "title": "t",
    }
    assert json.loads(encode(Started(pid=7))) == {"type": "started", "pid": 7}


def test_protocol_error_is_a_runner_error_with_a_reason() -> None:
    with pytest.raises(RunnerError) as info:
        decode_learner_event(b"nope")
    assert isinstance(info.value, ProtocolError)
    assert info.value.reason == str(info.value)


# ---------------------------------------------------------------------------
# Malformed lines


def _line(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def _b64(n: int) -> str:
    return base64.b64encode(bytes(n)).decode()


LEARNER_BAD: list[tuple[str, bytes, str]] = [
    (
        "loss as a string",
        _line(type="progress", fraction=0.5, loss="low"),
        "malformed progress event (loss: expected a number or null, got str)",
    ),
    ("fraction above 1", _line(type="progress", fraction=5.0), "fraction: expected a number <= 1"),
    ("fraction below 0", _line(type="progress", fraction=-0.1), "fraction"),
    ("fraction missing", _line(type="progress", text="x"), "fraction: missing"),
    ("text too long", _line(type="progress", fraction=0.1, text="x" * 201), "text"),
    ("unknown field", _line(type="progress", fraction=0.1, speed=3), "speed: not a field"),
    (
        "image with the wrong byte count",
        _line(type="image", width=4, height=4, rgb=_b64(47)),
        "rgb: 47 bytes for a 4×4 image, which needs 48",
    ),
    (
        "image 10000×10000",
        _line(type="image", width=10000, height=10000, rgb=""),
        "malformed image event (width: expected an integer <= 512)",
    ),
    ("image width 0", _line(type="image", width=0, height=1, rgb=""), "width"),
    (
        "image that is not base64",
        _line(type="image", width=1, height=1, rgb="!!!!"),
        "rgb: invalid base64",
    ),
    ("image title too long", _line(type="image", width=1, height=1, rgb=_b64(3), title="t" * 121), "title"),
    ("pid as a string", _line(type="started", pid="12"), "pid: expected an integer, got str"),
    ("pid zero", _line(type="started", pid=0), "pid"),
    ("a pass claimed by the learner", _line(type="learner_done", status="pass"), "status"),
    ("not JSON", b"hello world", "not valid JSON"),
    ("truncated JSON", b'{"type": "progress", "fraction": 0.', "not valid JSON"),
    ("a JSON array", b'["progress", 0.5]', "sent a list where an event object belongs"),
    ("a JSON string", b'"progress"', "sent a string where an event object belongs"),
    ("no type", _line(fraction=0.5), "without a type"),
    ("unknown type", _line(type="explode", now=True), "unknown type ('explode')"),
    ("type not a string", _line(type=3), "unknown type (not a string)"),
    ("a hostile type", _line(type="\x1b]52;c;aGk=\x07" * 40), "unknown type (a name of 480 characters)"),
    ("a result from the learner", _line(type="result", status="pass"), "only the checker may report"),
    (
        "a verdict from the learner",
        _line(type="verdict", version=PROTOCOL_VERSION, status="pass"),
        "only the checker may report",
    ),
    ("NaN literal", b'{"type": "progress", "fraction": NaN}', "not valid JSON"),
    ("Infinity literal", b'{"type": "progress", "fraction": 0.5, "loss": Infinity}', "not valid JSON"),
    ("a number that overflows to inf", b'{"type": "progress", "fraction": 0.5, "loss": 1e999}', "loss: number out of range"),
    ("a fraction that overflows to inf", b'{"type": "progress", "fraction": 1e999}', "fraction: number out of range"),
    ("deeply nested in a field", b'{"type": "progress", "fraction": 0.5, "loss": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "loss: expected a number or null, got array"),
    ("deeply nested unknown field", b'{"type": "started", "pid": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "x: not a field"),
    ("deeply nested top level", b"[" * 100_000 + b"]" * 100_000, "a list where an event object belongs"),
    ("deeply nested objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
    ("oversize line", b'{"type": "progress", "fraction": 0.5, "text": "' + b"x" * MAX_EVENT_BYTES + b'"}', "more than the limit"),
    ("oversize small event", _line(type="progress", fraction=0.5) + b" " * MAX_SMALL_EVENT_BYTES, f"bytes, more than the limit of {MAX_SMALL_EVENT_BYTES}"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "reason"), [c[1:] for c in LEARNER_BAD], ids=[c[0] for c in LEARNER_BAD]
)
def test_malformed_learner_events_are_refused_with_a_reason(line: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_learner_event(line)
    assert reason in info.value.reason
    assert info.value.reason.startswith("the worker sent ")
    assert len(info.value.reason) < 300


JUDGE_BAD: list[tuple[str, bytes, str]] = [
    ("unknown status", _line(type="verdict", version=2, status="great"), "status: invalid enum value 'great'"),
    ("hostile status", _line(type="verdict", version=2, status="\x1b[2J" * 1000), "status: invalid enum value '\\x1b[2J"),
    ("cancelled is the runner's word", _line(type="verdict", version=2, status="cancelled"), "status"),
    ("old version", _line(type="verdict", version=1, status="pass"), "protocol version 1"),
    ("check without a name", _line(type="verdict", version=2, status="pass", checks=[{"status": "pass"}]), "checks[0].name: missing"),
    ("check with a bad status", _line(type="verdict", version=2, status="pass", checks=[{"name": "a", "status": "ok"}]), "checks[0].status"),
    ("too many checks", _line(type="verdict", version=2, status="pass", checks=[{"name": "a", "status": "pass"}] * 65), "checks: expected a list of length <= 64"),
    ("a detail that is a list", _line(type="verdict", version=2, status="pass", details={"a": [1]}), "(details[...]: expected true or false, a number, a string or null, got array)"),
    ("a line that is text", _line(type="verdict", version=2, status="pass", line="3"), "line: expected an integer or null, got str"),
    ("a result (the old name)", _line(type="result", status="pass"), "unknown type ('result')"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "reason"), [c[1:] for c in JUDGE_BAD], ids=[c[0] for c in JUDGE_BAD]
)
def test_malformed_judge_events_are_refused_with_a_reason(line: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_judge_event(line)
    assert reason in info.value.reason
    assert info.value.reason.startswith("the checker ")
    assert clean_text(info.value.reason) == info.value.reason
    assert len(info.value.reason) <= 400


def test_encode_refuses_what_the_app_would_refuse() -> None:
    with pytest.raises(ProtocolError, match="fraction"):
        encode(Progress(fraction=5.0))
    with pytest.raises(ProtocolError, match="fraction"):
        encode(Progress(fraction=float("nan")))  # JSON has no NaN: msgspec writes null
    with pytest.raises(ValueError, match="needs 12"):
        ImageEvent(width=2, height=2, rgb=b"short")  # checked as soon as it is built


def test_make_verdict_always_fits() -> None:
    verdict = make_verdict(
        "error",
        "m" * 100_000,
        checks=[("n" * 1000, "fail", "\x1b" * 5000)] * 100,
        details={"nan": float("nan"), "obj": object(), "s": "v" * 10_000, "k" * 100: 1},
        line=0,
        traceback="t" * 100_000 + "ValueError: the end",
        device="d" * 100,
    )
    line = encode(verdict)
    assert len(line) <= MAX_EVENT_BYTES
    decoded = decode_judge_event(line)
    assert isinstance(decoded, Verdict)
    assert decoded.traceback.endswith("ValueError: the end")
    assert decoded.details["nan"] == "nan"
    assert decoded.line is None
    assert len(decoded.checks) == 64


# ---------------------------------------------------------------------------
# clean_text

CLEAN_CASES = [
    ("CSI colour", "\x1b[31mred\x1b[0m text", "red text"),
    ("CSI with intermediates", "a\x1b[?25lb\x1b[1 qc", "abc"),
    ("clear screen", "before\x1b[2J\x1b[Hafter", "beforeafter"),
    ("OSC 52 clipboard, BEL", "x\x1b]52;c;aGk=\x07y", "xy"),
    ("OSC title, ST", "x\x1b]0;pwned title\x1b\\y", "xy"),
    ("OSC hyperlink", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"),
    ("8-bit CSI", "a\x9b2Jb", "ab"),
    ("8-bit OSC with 8-bit ST", "a\x9d0;t\x9cb", "ab"),
    ("DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),
    ("APC (kitty graphics)", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"),
    ("single ESC sequences", "a\x1bcb\x1b7c\x1b(Bd", "abcd"),
    ("a lone ESC at the end", "abc\x1b", "abc"),
    ("an unfinished CSI", "abc\x1b[31", "abc"),
    ("an unterminated OSC keeps its text", "a\x1b]0;title", "a0;title"),
    ("bidi overrides", "safe\u202e}\u202d{\u2066x\u2069", "safe}{x"),
    ("BEL", "ding\x07!", "ding!"),
    ("backspace", "rm -rf /\x08\x08\x08\x08ls", "rm -rf /ls"),
    ("carriage return overwrite", "evil code\rsafe text", "evil codesafe text"),
    ("CRLF becomes LF", "one\r\ntwo\r\n", "one\ntwo\n"),
    ("C1 controls", "a\x85b\x8dc\x9fd", "abcd"),
    ("DEL and NUL", "a\x7fb\x00c", "abc"),
    (
        "Chinese, tabs, newlines, marks survive",
        "训练\t完成\n✓ ✗ ─│┌ 🚀\n",
        "训练\t完成\n✓ ✗ ─│┌ 🚀\n",
    ),
    ("brackets are not escapes", "[bold]x[/] a[1]", "[bold]x[/] a[1]"),
]


@pytest.mark.parametrize(
    ("text", "want"), [c[1:] for c in CLEAN_CASES], ids=[c[0] for c in CLEAN_CASES]
)
def test_clean_text(text: str, want: str) -> None:
    assert clean_text(text) == want


def test_clean_text_on_one_line() -> None:
    assert clean_text("a\nb\tc\r\nd", keep_newlines=False) == "a b c d"


FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What may never survive: C0 but newline and tab, ESC, DEL, C1, bidi overrides."""

_NASTY = st.sampled_from(
    ["\x1b", "\x1b[", "\x1b]", "\x9b", "\x9d", "\x9c", "\x07", "\r", "\r\n", "\\", "[", "]", ";",
     "\u202e", "\u2066", "2J", "m", "P", "_", "\x1b\\"]
)  # fmt: skip


@given(st.lists(st.one_of(st.text(max_size=8), _NASTY), max_size=40).map("".join))
def test_clean_text_leaves_no_control(text: str) -> None:
    out = clean_text(text)
    assert not FORBIDDEN.search(out.replace("\n", ""))
    one = clean_text(text, keep_newlines=False)
    assert not FORBIDDEN.search(one) and "\t" not in one
    assert clean_text(out) == out  # cleaning twice changes nothing


def test_clean_text_is_linear_on_hostile_input() -> None:
    # Unterminated string introducers must not make the regex rescan the rest each time.
    for text in ("\x9d" + "a" * 5) * 13_000, "\x1b]" + "a" * 65_000, "\x1b[" * 30_000:
        assert not FORBIDDEN.search(clean_text(text))


def test_result_cleaned_cleans_every_learner_text() -> None:
    bad = "\x1b]52;c;aGk=\x07ok\x1b[2J\u202e"
    result = Result(
        task="1",
        status=Status.FAIL,
        message=bad,
        checks=(CheckItem(name=bad + "\nname", status="fail", message=bad),),
        stdout=bad + "\r\n",
        stderr=bad,
        device="cuda" + bad,
        traceback=bad,
        images=(Image(width=1, height=1, rgb=b"abc", title=bad),),
        details={"k" + bad: bad, "accuracy": 0.5},
    )
    clean = result.cleaned()
    assert clean.message == clean.traceback == clean.stderr == "ok"
    assert clean.stdout == "ok\n"
    assert clean.device == "cudaok"
    assert clean.checks == (CheckItem(name="ok name", status="fail", message="ok"),)
    assert clean.images[0].title == "ok" and clean.images[0].rgb == b"abc"
    assert clean.details == {"kok": "ok", "accuracy": 0.5}
    assert clean.status is Status.FAIL and clean.task == "1"
