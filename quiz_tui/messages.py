"""Messages the app's widgets post upwards, named as past events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from quiz_tui.core.content.packs import TaskRef
    from quiz_tui.core.model import BrokenExercise, Result


class TaskChosen(Message):
    """The learner picked a task (list, palette or keys)."""

    def __init__(self, ref: TaskRef) -> None:
        super().__init__()
        self.ref = ref


class TaskListDismissed(Message):
    """The learner pressed Escape in the task list: close it and go back to the code."""


class CodeSubmitted(Message):
    """The editor's text, taken after every key and paste that came before the request."""

    def __init__(self, mode: str, code: str) -> None:
        super().__init__()
        self.mode = mode
        self.code = code


class BrokenTaskChosen(Message):
    """The learner picked an exercise file that failed to load."""

    def __init__(self, pack_id: str, broken: BrokenExercise) -> None:
        super().__init__()
        self.pack_id = pack_id
        self.broken = broken


class DraftEdited(Message):
    """The editor's text changed; the app saves it after a short pause."""


class CheckFinished(Message):
    """A check or run ended with a result (never raised: every outcome is a result)."""

    def __init__(self, ref: TaskRef, code: str, result: Result, mode: str) -> None:
        super().__init__()
        self.ref = ref
        self.code = code
        self.result = result
        self.mode = mode


class CheckProgressed(Message):
    """A long check reported how far it is (training)."""

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__()
        self.event = event


class WorkerReady(Message):
    """The warm worker answered: checks are fast from now on."""

    def __init__(self, device: str) -> None:
        super().__init__()
        self.device = device
