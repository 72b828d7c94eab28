"""The README's performance table, measured on this machine (issues #7 and #15).

    .venv/bin/python bench/perf_table.py > /tmp/table.md

Runs the other benchmarks in bench/ and prints one Markdown table with the
machine's details: time to the first screen, check latency (warm against
cold), the warm verdict beside a warm Jupyter kernel (``bench/versus.py``, with the
``bench`` extra), F5 → verdict in a terminal against the runner alone, verifying
the whole pack, the training check on the CPU (and a GPU
when torch sees one), and the memory of the UI and worker processes. Takes a
few minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        memory = "RAM unknown"
    torch_version = subprocess.run(
        [sys.executable, "-c", "import torch, torchvision; print(torch.__version__, torchvision.__version__)"],
        capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory}; Linux {platform.release()}; "
        f"Python {platform.python_version()}; torch {torch_version[0] if torch_version else '?'}, "
        f"torchvision {torch_version[1] if len(torch_version) > 1 else '?'}"
    )


def verify_times() -> tuple[float, float]:
    """`quiz-tui verify` of the whole pack: from a fresh home, then again."""
    home = tempfile.mkdtemp()
    env = {**os.environ, "QUIZ_TUI_HOME": home}
    times = []
    for _ in range(2):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "quiz_tui", "verify"], env=env,
                              capture_output=True, text=True)  # fmt: skip
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"verify failed:\n{done.stdout[-2000:]}")
    return times[0], times[1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    os.environ.setdefault("QUIZ_TUI_HOME", tempfile.mkdtemp())
    rows: list[tuple[str, str, str]] = []
    print("measuring: first paint ...", file=sys.stderr)
    ui = load("ui")
    paint = ui.first_paints(5)
    rows.append(("Time to the first screen (80×24, task 4)",
                 f"{ms(paint['quiz'])} ({paint['quiz'] / paint['bare']:.2f}× a bare Textual app "
                 f"with one code editor: {ms(paint['bare'])})", "≤ 1.1×"))  # fmt: skip
    print("measuring: check latency ...", file=sys.stderr)
    latency = load("check_latency").measure(50, 8, "4")
    ratio = latency["cold_p50"] / latency["warm_p50"]
    rows.append(("Check latency, warm (zygote), task 4",
                 f"p50 {ms(latency['warm_p50'])}, p95 {ms(latency['warm_p95'])}", "p50 ≤ 100 ms"))  # fmt: skip
    rows.append(("Check latency, cold (new interpreter)",
                 f"p50 {ms(latency['cold_p50'])}, p95 {ms(latency['cold_p95'])}", ""))  # fmt: skip
    rows.append(("Warm vs cold", f"{ratio:.0f}× faster", "≥ 40×"))
    print("measuring: side by side with a warm Jupyter kernel ...", file=sys.stderr)
    versus = load("versus")
    try:
        paths, _ = versus.measure(["4", "24", "39"], 30, 1)
    except ImportError as exc:  # the bench extra (ipykernel, jupyter_client) is missing
        rows.append(("Side by side with a warm Jupyter kernel", f"not measured: {exc}", ""))
    else:
        for task, times in paths.items():
            kernel = versus.percentile(times["kernel"], 50)
            paced = versus.percentile(times["quiz-tui paced"], 50)
            rows.append((f"Warm verdict p50, task {task}, judge included, one check every 0.3 s",
                         f"{ms(paced)} = {paced / kernel:.1f}× a warm Jupyter kernel "
                         f"({ms(kernel)}) in the same run", "≤ 1.5× the kernel"))  # fmt: skip
    print("measuring: F5 → verdict in a terminal ...", file=sys.stderr)
    in_terminal = statistics.median(ui.verdicts_in_a_terminal(12))
    alone = statistics.median(ui.runner_alone(12))
    rows.append(("F5 → verdict on screen in a pseudo-terminal, task 4, warm",
                 f"p50 {ms(in_terminal)} = {in_terminal / alone:.2f}× the runner alone "
                 f"({ms(alone)})", "≤ 1.2× the runner alone"))  # fmt: skip
    print("measuring: key → verdict, RSS ...", file=sys.stderr)
    through = asyncio.run(ui.through_the_ui(20))
    rows.append(("Key → verdict through the UI (F5, warm)",
                 f"p50 {ms(through['verdict_p50'])}, max {ms(through['verdict_max'])}", "≤ 250 ms"))  # fmt: skip
    print("measuring: verify ...", file=sys.stderr)
    fresh, warm = verify_times()
    rows.append(("`quiz-tui verify`, all 60 tasks (421 answers, 2 at a time)",
                 f"{fresh:.0f} s from a fresh home (builds the practice set, trains the reference "
                 f"net once); {warm:.0f} s after", "≤ 90 s"))  # fmt: skip
    print("measuring: training check ...", file=sys.stderr)
    with contextlib.redirect_stdout(sys.stderr):  # its per-seed lines are progress, not the table
        training = load("training_check").run_seeds("cpu", 5)
    rows.append(("Training check (task 55, 2 epochs), CPU",
                 f"{statistics.mean(training['times']):.1f} s mean over 5 seeds; accuracy "
                 f"{min(training['accuracies']):.0%}–{max(training['accuracies']):.0%}", "≤ 30 s"))  # fmt: skip
    rows.append(
        (
            "Training check, GPU",
            "measured by bench/cuda_smoke.sh on a GPU machine, not here",
            "a few s",
        )
    )
    rows.append(("UI process RSS", f"{through['ui_rss_mb']:.0f} MB", "≤ 60 MB"))
    rows.append(
        ("Worker (zygote) RSS", f"{through['worker_rss_mb']:.0f} MB (torch + torchvision)", "")
    )

    print(f"Measured on {time.strftime('%Y-%m-%d')}: {machine()}.\n")
    print("| What | Measured | Goal |")
    print("|---|---|---|")
    for what, value, goal in rows:
        print(f"| {what} | {value} | {goal} |")


if __name__ == "__main__":
    main()
