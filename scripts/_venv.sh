# Shared by scripts/run and scripts/check: create .venv and install quiz-tui into it.
# The first install takes a few minutes: torch and torchvision are large.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_venv() {
    local extra="${1:-}"
    local stamp="$VENV/.installed${extra:+-$extra}"
    if [ ! -x "$VENV/bin/python" ]; then
        echo "quiz-tui: creating $VENV" >&2
        "${PYTHON:-python3}" -m venv "$VENV"
    fi
    if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
        echo "quiz-tui: installing into $VENV (the first time takes a few minutes)" >&2
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -e "$ROOT${extra:+[$extra]}"
        touch "$stamp"
    fi
}
