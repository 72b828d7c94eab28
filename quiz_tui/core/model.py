"""The data quiz-tui works with: packs, exercises and check results.

Everything here is plain data (frozen dataclasses) so it can cross threads, be
compared in tests and be written as JSON. Nothing here runs code.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from quiz_tui.core.errors import Problem
from quiz_tui.core.execution.protocol import clean_text

Lang = str
"""The learner's language: the code of a file in ``quiz_tui/locales`` (``en``, ``zh``...).

Adding a language to the app is adding that one file (``quiz_tui.core.messages``).
"""
TextLang = Literal["en", "zh"]
"""A language exercise files can be written in; a learner's other language sees English."""
LANGS: tuple[TextLang, ...] = ("en", "zh")

RESULT_VERSION = 1
"""Version of the result JSON (``quiz-tui check --json``); bump on incompatible change."""

DEFAULT_SECONDS = 10.0
"""Wall-time limit of a check when the exercise sets none."""
MAX_SECONDS = 600.0
"""Hard cap: no exercise may ask for more wall time than this."""
DEFAULT_MEMORY_MB = 3072
"""Memory limit of a check when the exercise sets none (the worker alone is ~0.9 GB)."""
MAX_MEMORY_MB = 32768
DEFAULT_TASKS = 128
"""Processes plus threads a check may have at once (torch itself starts a few)."""


@dataclass(frozen=True)
class Text:
    """A learner-facing text in both languages.

    A pack written in one language (``languages = ["en"]``) gives its text for both:
    the loader fills a missing language with the pack's first one.
    """

    en: str
    zh: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Limits:
    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB
    tasks: int = DEFAULT_TASKS
    """Processes plus threads alive at once."""


@dataclass(frozen=True)
class CodeExample:
    """An answer listed in an exercise file for the golden tests and ``verify``."""

    code: str
    line: int
    """Line of the exercise file where this example starts (for error reports)."""
    message: str = ""
    """For a wrong answer: text the English result message must contain."""
    status: str = "fail"
    """For a wrong answer: the status it must get (``fail`` or ``error``)."""
    mistake: str = ""
    """For a wrong answer: the misconception catalogue entry it must be diagnosed as."""
    note: str = ""


@dataclass(frozen=True)
class Explanation:
    """Extra words for an error the article's own code leads to."""

    pattern: str
    """A regular expression searched in the error message and traceback."""
    text: Text


@dataclass(frozen=True)
class SetupPiece:
    """A named piece of setup code; the name becomes its traceback file name."""

    name: str
    code: str


@dataclass(frozen=True)
class Section:
    id: str
    title: Text


@dataclass(frozen=True)
class Exercise:
    pack_id: str
    id: str
    """Stable id, unique in its pack; progress is keyed by it."""
    number: int
    """The article's task number (1-60 in the built-in pack)."""
    section: str
    title: Text
    prompt: Text
    setup: tuple[SetupPiece, ...]
    """Fixtures named by the exercise, then its own setup; shown read-only."""
    starter: str
    solution: str
    check: str
    hints: tuple[Text, ...]
    names: tuple[str, ...]
    """Names the learner's code must define (the article's variable names)."""
    limits: Limits
    alternatives: tuple[CodeExample, ...]
    wrong: tuple[CodeExample, ...]
    path: Path
    uses_data: bool = False
    """True when the setup needs the CIFAR-10 data (built on first use)."""
    instrument: str = ""
    """Hidden code run after the setup and before the learner's code, to watch it
    (e.g. wrap the optimiser); never shown to the learner."""
    probe: str = ""
    """Code run in the learner's process after their code, to record facts the
    judge cannot compute itself (``record(name, value)``), e.g. the learner's
    own ``forward`` on a fixed batch. It never sees the check or the solution."""
    explain: tuple[Explanation, ...] = ()
    draft_group: str = ""
    """Exercises with the same group share one draft (tasks 26-36 edit one class)."""
    format: int = 1
    """The file's format. In format 2, ``check`` is the text of the exercise's code
    module (``def check(...)``, maybe ``probe``/``instrument``), and ``probe`` and
    ``instrument`` are empty: the learner's process gets ``hooks`` instead."""
    code_path: Path | None = None
    """Format 2: the ``.py`` file holding the check (named in tracebacks and errors)."""
    hooks: str = ""
    """Format 2: the code module with only its imports and ``probe``/``instrument``
    kept (line numbers unchanged); the learner's process never sees ``check``."""
    check_names: tuple[str, ...] = ()
    """Format 2: the parameters of ``check`` without a default (less ``ns``/``facts``)."""

    @property
    def draft_key(self) -> str:
        """Whose draft this exercise edits: its group's, or its own."""
        return self.draft_group or self.id

    @property
    def required_names(self) -> tuple[str, ...]:
        """``names`` and then the names ``check`` takes: a run that leaves one of them
        undefined is told so instead of being judged."""
        return self.names + tuple(n for n in self.check_names if n not in self.names)

    @property
    def code_file(self) -> str:
        """The name tracebacks give the check (format 2: its ``.py`` file)."""
        return self.code_path.name if self.code_path is not None else ""

    @property
    def lib(self) -> str:
        """The pack's own helper modules (its ``lib`` folder), or "" when it ships none.

        Both processes of a check import from it, and the learner's box may read it:
        put shared code there (the built-in pack's LeNet and training helpers), never
        answers.
        """
        folder = self.path.parent / "lib"
        # Absolute: the processes of a check run in folders of their own.
        return str(folder.absolute()) if folder.is_dir() else ""

    @property
    def key(self) -> str:
        """The number as a string: how users name a task (``quiz-tui check 4``)."""
        return str(self.number)

    @property
    def setup_code(self) -> str:
        """All setup pieces, as the learner sees them."""
        return "\n".join(p.code.rstrip("\n") for p in self.setup if p.code.strip())


@dataclass(frozen=True)
class BrokenExercise:
    """An exercise file that failed to load: shown as a broken task, never fatal."""

    path: Path
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Pack:
    id: str
    name: Text
    root: Path
    sections: tuple[Section, ...]
    exercises: tuple[Exercise, ...]
    broken: tuple[BrokenExercise, ...] = ()
    builtin: bool = False
    languages: tuple[TextLang, ...] = LANGS
    """The languages the pack is written in (``languages`` in pack.toml); the first is
    what its texts fall back to."""
    version: str = ""
    """The pack's own version (``version`` in pack.toml), if it gives one."""

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises)

    def __len__(self) -> int:
        return len(self.exercises)

    def find(self, ref: str) -> Exercise | None:
        """An exercise by number (``"4"``) or id (``"zeros-long"``)."""
        ref = ref.strip()
        for ex in self.exercises:
            if ex.key == ref or ex.id == ref:
                return ex
        return None

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


class Status(enum.StrEnum):
    """How a run ended. The learner is never blamed for ``CHECKER_ERROR``."""

    PASS = "pass"
    FAIL = "fail"
    """The code ran; the answer is wrong."""
    ERROR = "error"
    """The learner's code raised or ended the process."""
    TIMEOUT = "timeout"
    NOT_ATTEMPTED = "not_attempted"
    CHECKER_ERROR = "checker_error"
    """The exercise's own setup or check broke: not the learner's fault."""
    RAN = "ran"
    """``Run`` (not ``Check``): the code ran and was not judged."""
    CANCELLED = "cancelled"
    """The learner stopped the run; not a verdict."""

    @property
    def passed(self) -> bool:
        return self is Status.PASS


@dataclass(frozen=True)
class CheckItem:
    name: str
    status: Literal["pass", "fail"]
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.message}


@dataclass(frozen=True)
class Image:
    """An image the learner's code showed (``imshow``), as 8-bit RGB rows."""

    width: int
    height: int
    rgb: bytes
    title: str = ""

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        i = (y * self.width + x) * 3
        return self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]


@dataclass(frozen=True)
class Result:
    task: str
    status: Status
    message: str
    checks: tuple[CheckItem, ...] = ()
    stdout: str = ""
    stderr: str = ""
    truncated: bool = False
    """True when stdout or stderr was cut (see ``stdout_cut``/``stderr_cut``)."""
    seconds: float = 0.0
    device: str = "cpu"
    traceback: str = ""
    """The learner-relevant part of a traceback; line numbers match the editor."""
    line: int | None = None
    """Editor line the error or timeout points at, when known."""
    stdout_cut: int = 0
    """Bytes of stdout not shown."""
    stderr_cut: int = 0
    images: tuple[Image, ...] = ()
    warm: bool = True
    """False when the check ran in a freshly started interpreter."""
    details: dict[str, Any] = field(default_factory=dict)
    """Extra facts from the check (e.g. accuracy), shown to the learner as they are."""
    mistake: str = ""
    """The misconception catalogue's id for the message (``checkers/mistakes/``), if any."""

    def cleaned(self) -> Result:
        """This result with every text the learner's code could have set made safe to print.

        Terminal escape sequences, control characters and bidi overrides are removed
        (``protocol.clean_text``) from the message, traceback, output, checklist, detail
        texts, image titles and device. The runner calls this once on each result it builds.
        """

        def one_line(text: str) -> str:
            return clean_text(text, keep_newlines=False)

        return replace(
            self,
            message=clean_text(self.message),
            traceback=clean_text(self.traceback),
            stdout=clean_text(self.stdout),
            stderr=clean_text(self.stderr),
            device=one_line(self.device),
            checks=tuple(
                replace(c, name=one_line(c.name), message=clean_text(c.message))
                for c in self.checks
            ),
            details={
                one_line(str(k)): clean_text(v) if isinstance(v, str) else v
                for k, v in self.details.items()
            },
            images=tuple(replace(i, title=one_line(i.title)) for i in self.images),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": RESULT_VERSION,
            "task": self.task,
            "status": self.status.value,
            "message": self.message,
            "checks": [c.to_json() for c in self.checks],
            "stdout": self.stdout,
            "stderr": self.stderr,
            "truncated": self.truncated,
            "seconds": round(self.seconds, 4),
            "device": self.device,
            "traceback": self.traceback,
            "line": self.line,
            "stdout_cut": self.stdout_cut,
            "stderr_cut": self.stderr_cut,
            "images": [
                {"width": i.width, "height": i.height, "title": i.title} for i in self.images
            ],
            "warm": self.warm,
            "details": self.details,
            "mistake": self.mistake,
        }


def code_hash(code: str) -> str:
    """A short, stable fingerprint of a submission (stored with each attempt)."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()[:16]
