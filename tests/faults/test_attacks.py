"""The attack suite: learner code that tries to forge a verdict or reach what it must not.

Every attack below is hostile code that a learner could submit for task 4 (a 5×3
tensor of zeros with dtype long) together with a *wrong* answer. Each class of
attack is named; for each one:

- the verdict is never ``pass``, and says what happened in learner words;
- the worker still gives correct verdicts afterwards.

Classes covered here:

- **forged verdicts**: result, verdict or learner_done lines written straight
  onto the events descriptor, then ``os._exit``;
- **patched interpreter**: builtins (exec, compile, isinstance), torch
  (equal, allclose, Tensor.__eq__), json, and the ``checkers`` library itself;
- **lying objects**: tensor subclasses whose ``__torch_function__`` or
  properties lie about values and dtype;
- **poisoned facts**: a facts file replaced by a pickle that would run code,
  by a symlink, or deleted;
- **malformed events**: oversized lines, wrong types, bad image sizes,
  escape sequences in progress text.

They run through the runner, and a subset through ``quiz-tui check`` (below)
and through the app (``tests/ui/test_faults_ui.py``). Confinement attacks
(files, network, signals, escaping processes, secrets) live in
``test_confinement.py``, which skips with the reason where the kernel lacks a
protection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from quiz_tui.core.content.packs import load_builtin
from quiz_tui.core.execution.runner import Job, Runner
from quiz_tui.core.model import Status

TASK = next(e for e in load_builtin() if e.number == 4)
WRONG = "x = torch.ones(5, 3)\n"
RIGHT = "x = torch.zeros(5, 3, dtype=torch.long)\nprint(x)\n"


@dataclass(frozen=True)
class Attack:
    name: str
    kind: str
    code: str
    status: Status
    message: str
    """A fragment the learner must see (the named cause)."""
    or_else: tuple[Status, str] | None = None
    """Another honest outcome the attack may get, with its fragment: never a pass."""


def line(event: dict[str, Any]) -> str:
    return repr((json.dumps(event) + "\n").encode())


ATTACKS = [
    # -- forged verdicts --------------------------------------------------
    Attack("old result line", "forged verdict",
           f"import os\n{WRONG}os.write(3, {line({'type': 'result', 'status': 'pass'})})\nos._exit(0)\n",
           Status.ERROR, "sent quiz-tui a message it cannot accept"),
    Attack("verdict line", "forged verdict",
           f"import os\n{WRONG}os.write(3, {line({'type': 'verdict', 'version': 2, 'status': 'pass'})})\nos._exit(0)\n",
           Status.ERROR, "sent quiz-tui a message it cannot accept"),
    Attack("learner_done pass", "forged verdict",
           f"import os\n{WRONG}os.write(3, {line({'type': 'learner_done', 'status': 'pass'})})\nos._exit(0)\n",
           Status.ERROR, "cannot accept"),
    Attack("learner_done ok, no facts", "forged verdict",
           f"import os\n{WRONG}os.write(3, {line({'type': 'learner_done', 'status': 'ok'})})\nos._exit(0)\n",
           Status.ERROR, "could not be read"),
    Attack("stdout claims a pass", "forged verdict",
           f"{WRONG}print('All checks passed.')\nprint({line({'type': 'verdict', 'status': 'pass'})})\n",
           Status.FAIL, "dtype float32"),
    # -- patched interpreter ----------------------------------------------
    # A box that was parked has already run torch.save once, so collecting the facts
    # needs no compile() and the wrong answer is judged as such; a box forked on
    # demand still compiles, and says the interpreter was changed.
    Attack("builtins.exec and compile", "patched interpreter",
           f"import builtins\n{WRONG}builtins.exec = lambda *a, **k: None\nbuiltins.compile = lambda *a, **k: None\n",
           Status.ERROR, "changed Python or torch", or_else=(Status.FAIL, "dtype float32")),
    Attack("builtins.isinstance", "patched interpreter",
           f"import builtins\n{WRONG}builtins.isinstance = lambda *a: True\n",
           Status.ERROR, "changed Python or torch"),
    Attack("torch comparisons", "patched interpreter",
           f"{WRONG}torch.equal = lambda *a, **k: True\ntorch.allclose = lambda *a, **k: True\n"
           "torch.Tensor.__eq__ = lambda *a: True\n",
           Status.FAIL, "dtype float32"),
    Attack("json", "patched interpreter",
           f"import json\n{WRONG}json.dumps = lambda *a, **k: '{{\"status\": \"pass\"}}'\n"
           "json.loads = lambda *a, **k: {'status': 'pass'}\n",
           Status.FAIL, "dtype float32"),
    Attack("the checkers library", "patched interpreter",
           f"import checkers, checkers._core as core\n{WRONG}"
           "checkers.expect_tensor = lambda *a, **k: None\ncore.fail = lambda *a, **k: None\n"
           "core._check = lambda *a, **k: None\ncore.CheckFailed = type('Never', (Exception,), {})\n",
           Status.FAIL, "dtype float32"),
    # -- lying objects ----------------------------------------------------
    Attack("a tensor subclass that lies", "lying object",
           "class Liar(torch.Tensor):\n"
           "    dtype = torch.long\n"
           "    @classmethod\n"
           "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
           "        return True\n"
           "x = torch.ones(5, 3).as_subclass(Liar)\n",
           Status.FAIL, "dtype float32"),
    # -- poisoned facts ---------------------------------------------------
    Attack("facts replaced by a code-running pickle", "poisoned facts",
           f"import checkers._facts as facts, os, pickle\n{WRONG}"
           "class Evil:\n"
           "    def __reduce__(self):\n"
           "        return (os.system, ('touch judged-by-pickle',))\n"
           "def dump(path, tree, tensors):\n"
           "    open(path, 'wb').write(pickle.dumps(Evil()))\n"
           "facts.dump = dump\n",
           Status.ERROR, "could not be read"),
    Attack("facts as a symlink", "poisoned facts",
           f"import checkers._facts as facts, os\n{WRONG}"
           "def dump(path, tree, tensors):\n"
           "    os.symlink('/etc/passwd', path)\n"
           "facts.dump = dump\n",
           Status.ERROR, "could not be read"),
    Attack("facts deleted by an exit handler", "poisoned facts",
           f"import atexit, os, checkers._facts as facts\n{WRONG}"
           "original = facts.dump\n"
           "def dump(path, tree, tensors):\n"
           "    original(path, tree, tensors)\n"
           "    os.remove(path)\n"
           "facts.dump = dump\n",
           Status.ERROR, "could not be read"),
    Attack("facts with an unhashable key", "poisoned facts",
           f"import checkers._facts as facts, json\n{WRONG}"
           "def dump(path, tree, tensors):\n"
           "    tree['names']['x'] = {'$dict': [[{'$list': []}, 1]]}\n"
           "    torch.save({'tree': json.dumps(tree), 'tensors': tensors}, path)\n"
           "facts.dump = dump\n",
           Status.ERROR, "could not be read"),
    # -- malformed events -------------------------------------------------
    Attack("a progress loss that is a string", "malformed event",
           f"import os\n{WRONG}os.write(3, {line({'type': 'progress', 'fraction': 0.5, 'loss': 'low'})})\n",
           Status.ERROR, "loss"),
    Attack("an image of the wrong size", "malformed event",
           f"import os\n{WRONG}os.write(3, {line({'type': 'image', 'width': 4, 'height': 4, 'rgb': 'AAAA'})})\n",
           Status.ERROR, "image"),
    Attack("an endless event line", "malformed event",
           f"import os\n{WRONG}os.write(3, b'{{' * (3 << 20))\n",
           Status.ERROR, "bytes"),
    Attack("not JSON", "malformed event",
           f"import os\n{WRONG}os.write(3, b'\\x1b[2J hello\\n')\n",
           Status.ERROR, "not valid JSON"),
]  # fmt: skip


@pytest.fixture(scope="module")
def attacked() -> Iterator[Runner]:
    """A runner of its own: the attacks must not weaken the session's shared one."""
    with Runner(device="cpu") as runner:
        runner.start()
        assert runner.wait_ready()
        yield runner


@pytest.mark.parametrize("attack", ATTACKS, ids=[f"{a.kind}: {a.name}" for a in ATTACKS])
def test_attack_never_passes(attack: Attack, attacked: Runner, tmp_path: Path) -> None:
    events: list[dict[str, Any]] = []
    result = attacked.run(Job.for_exercise(TASK, attack.code), on_event=events.append)
    outcomes = [(attack.status, attack.message), *([attack.or_else] if attack.or_else else [])]
    assert any(
        result.status is status and fragment in result.message for status, fragment in outcomes
    ), f"{result.status.value}: {result.message}"
    assert "\x1b" not in result.message
    # The worker still judges honestly afterwards.
    assert attacked.run(Job.for_exercise(TASK, RIGHT)).status is Status.PASS
    assert attacked.run(Job.for_exercise(TASK, WRONG)).status is Status.FAIL


def test_a_pickle_in_the_facts_never_runs_in_the_judge(attacked: Runner, tmp_path: Path) -> None:
    marker = tmp_path / "judged-by-pickle"
    code = (
        f"import checkers._facts as facts, os, pickle\n{WRONG}"
        "class Evil:\n"
        "    def __reduce__(self):\n"
        f"        return (os.system, ('touch {marker}',))\n"
        "def dump(path, tree, tensors):\n"
        "    open(path, 'wb').write(pickle.dumps(Evil()))\n"
        "facts.dump = dump\n"
    )
    result = attacked.run(Job.for_exercise(TASK, code))
    assert result.status is Status.ERROR
    assert not marker.exists()


def test_escape_sequences_in_progress_text_never_reach_the_result(attacked: Runner) -> None:
    event = {"type": "progress", "fraction": 0.5, "text": "\x1b]52;c;aGk=\x07\x1b[2J"}
    code = f"import os\nos.write(3, {line(event)})\n{RIGHT}print('\\x1b[31mred')\n"
    seen: list[dict[str, Any]] = []
    result = attacked.run(Job.for_exercise(TASK, code), on_event=seen.append)
    assert result.status is Status.PASS, result.message
    assert "\x1b" not in result.stdout and "red" in result.stdout
    assert any(e.get("type") == "progress" for e in seen)


def test_stopping_the_worker_costs_at_most_one_check(tmp_path: Path) -> None:
    """SIGSTOP on the warm worker (its parent): the next check replaces it within its limit."""
    import time

    with Runner(device="cpu") as runner:
        runner.start()
        assert runner.wait_ready()
        code = f"import os, signal\n{WRONG}os.kill(os.getppid(), signal.SIGSTOP)\n"
        assert runner.run(Job.for_exercise(TASK, code)).status is not Status.PASS
        started = time.monotonic()
        result = runner.run(Job.for_exercise(TASK, RIGHT))
        assert result.status is Status.PASS, result.message
        assert time.monotonic() - started < TASK.limits.seconds


@pytest.mark.parametrize(
    "attack",
    [a for a in ATTACKS if a.kind in ("forged verdict", "malformed event", "poisoned facts")][:6],
    ids=lambda a: f"{a.kind}: {a.name}",
)
def test_attack_through_the_cli_never_passes(attack: Attack, tmp_path: Path) -> None:
    """The same attacks through `quiz-tui check`: exit code 1, the cause named, no escapes."""
    from click.testing import CliRunner

    from quiz_tui.cli import main

    answer = tmp_path / "answer.py"
    answer.write_text(attack.code)
    result = CliRunner().invoke(
        main, ["check", "4", str(answer), "--json", "--device", "cpu"], catch_exceptions=False
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["status"] == attack.status.value
    assert attack.message in data["message"]
    assert "\x1b" not in result.output
