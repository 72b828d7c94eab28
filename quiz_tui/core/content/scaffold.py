"""Starting points for instructors: a new pack, or a new exercise in one.

What these write passes ``quiz-tui validate`` as it is (a test proves it), so
an author starts from something that works and changes it step by step.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

from quiz_tui.core.content.format2 import module_name
from quiz_tui.core.content.loader import PACK_FILE, exercise_files, read_pack_file
from quiz_tui.core.errors import QuizError

PACK_TEMPLATE = """\
# A quiz-tui pack: this file, plus per exercise a .toml file and its .py file beside it.
# Format reference: AUTHORING.md. Check everything with: quiz-tui validate
format = 2
id = "{pack_id}"
name.en = {title}
name.zh = {title}

[[sections]]
id = "basics"
title.en = "Basics"
title.zh = "基础"

[fixtures]
# Named setup snippets; exercises list the ones they need in `fixtures = [...]`.
torch = '''
import torch
'''
"""

EXERCISE_TEMPLATE = """\
format = 2
id = "{exercise_id}"
number = {number}
section = "{section}"
title.en = "A vector of ones"
title.zh = "全 1 向量"
fixtures = ["torch"]
names = ["v"]

prompt.en = \"\"\"
Create `v`, a tensor of {size} ones with dtype float32.
\"\"\"
prompt.zh = \"\"\"
创建 `v`：一个含 {size} 个 1、dtype 为 float32 的张量。
\"\"\"

# The learner starts from the solution with each `# SOLUTION` line blanked: `v = ...`.
# The check is `def check(v)` in {module}.py, beside this file.
solution = '''
v = torch.ones({size})  # SOLUTION
'''

[limits]
seconds = 10

[[hints]]
en = "`torch.ones(n)` makes n ones."
zh = "`torch.ones(n)` 生成 n 个 1。"

# Other correct answers: each must pass.
[[alternatives]]
code = '''
v = torch.full(({size},), 1.0)
'''

# Typical mistakes: each must fail with a message containing `message`.
[[wrong]]
code = '''
v = torch.ones({size}, dtype=torch.long)
'''
message = "`v` has dtype int64, the task asks for float (float32)."

[[wrong]]
code = '''
v = torch.zeros({size})
'''
message = "`v` has the wrong values"
"""

CODE_TEMPLATE = '''\
"""Exercise {number}: the check (and, when needed, probe and instrument)."""

import torch

from checkers import expect_tensor


def check(v: torch.Tensor) -> None:
    """Runs in the judge after the learner's code: `v` is the learner's `v`."""
    expect_tensor(v, name="v", shape=({size},), dtype=torch.float32, values=torch.ones({size}))
'''

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:60] or "exercise"


def new_pack(folder: Path) -> list[Path]:
    """Create ``folder`` with a pack file and one example exercise (all or nothing)."""
    folder = Path(folder)
    if (folder / PACK_FILE).exists():
        raise QuizError(f"{folder} already has a {PACK_FILE}")
    name = folder.resolve().name
    title = name.replace("-", " ").replace("_", " ").strip().capitalize() or "My pack"
    # json.dumps escapes quotes and control characters the way TOML basic strings do;
    # ensure_ascii=False keeps other characters as they are (TOML has no surrogate pairs).
    text = PACK_TEMPLATE.format(pack_id=slug(name), title=json.dumps(title, ensure_ascii=False))
    try:
        tomllib.loads(text)
        encoded = text.encode("utf-8")
    except (tomllib.TOMLDecodeError, UnicodeEncodeError) as exc:
        raise QuizError(
            f"cannot make a pack name from the folder name {name!r}: rename it"
        ) from exc
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    pack_file = folder / PACK_FILE
    try:
        pack_file.write_bytes(encoded)
        return [pack_file, new_exercise(folder / "01-vector-of-ones.toml")]
    except BaseException:
        pack_file.unlink(missing_ok=True)
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def new_exercise(path: Path) -> Path:
    """Create an exercise file in a pack folder, numbered after the existing ones."""
    path = Path(path)
    if not path.name or path.name in (".", ".."):
        raise QuizError("give the new exercise a file name, e.g. mypack/02-matmul.toml")
    if path.suffix != ".toml":
        path = path.with_suffix(".toml")
    folder = path.parent
    pack_path = folder / PACK_FILE
    if not pack_path.is_file():
        raise QuizError(
            f"{folder} is not a pack (no {PACK_FILE}); create one with `quiz-tui new pack`"
        )
    if path.exists():
        raise QuizError(f"{path} already exists")
    code_path = folder / f"{module_name(path.stem)}.py"
    if code_path.exists():
        raise QuizError(f"{code_path} already exists")
    pack = read_pack_file(pack_path)
    numbers = []
    for other in exercise_files(folder):
        match = re.search(r"^number\s*=\s*(\d+)", other.read_text("utf-8", "replace"), re.M)
        if match:
            numbers.append(int(match.group(1)))
    number = max(numbers, default=0) + 1
    exercise_id = slug(re.sub(r"^\d+[-_]?", "", path.stem))
    section = pack.sections[0].id if pack.sections else "basics"
    if "torch" not in pack.fixtures:
        raise QuizError(
            f"{pack_path} has no `torch` fixture, which the template uses; add it or edit the new file"
        )
    size = number + 2
    code_path.write_text(CODE_TEMPLATE.format(number=number, size=size), "utf-8")
    try:
        path.write_text(
            EXERCISE_TEMPLATE.format(
                exercise_id=exercise_id,
                number=number,
                section=section,
                size=size,
                module=code_path.stem,
            ),
            "utf-8",
        )
    except BaseException:
        code_path.unlink(missing_ok=True)
        raise
    return path
