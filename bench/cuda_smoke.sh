#!/usr/bin/env bash
# The GPU checks in one short script, for a machine with a CUDA GPU (issue #7):
#   1. quiz-tui verify --device cuda: every exercise's answers on the GPU;
#   2. the training check (task 55) on CUDA, with its time and accuracy;
#   3. the fault suite on the GPU machine, plus the CUDA tests (CUDA out of memory).
# It prints a summary at the end. Usage: bench/cuda_smoke.sh   (PYTHON=... to pick another interpreter)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export QUIZ_TUI_HOME="${QUIZ_TUI_HOME:-$(mktemp -d)}"

echo "== machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "nvidia-smi: not found"
"$PY" -c "import torch; print('torch', torch.__version__, '| CUDA', torch.version.cuda, '| available:', torch.cuda.is_available())"

echo "== 1. verify --device cuda"
start=$SECONDS
"$PY" -m quiz_tui verify --device cuda
verify=$?
verify_s=$((SECONDS - start))

echo "== 2. training check on CUDA"
"$PY" bench/training_check.py --device cuda --seeds 3
training=$?

echo "== 3. fault suite and CUDA tests"
"$PY" -m pytest tests/gpu tests/faults -q -p no:cacheprovider
faults=$?

echo
echo "== summary"
printf 'verify --device cuda : %s (%d s)\n' "$([ $verify = 0 ] && echo ok || echo FAILED)" "$verify_s"
printf 'training check (CUDA): %s\n' "$([ $training = 0 ] && echo ok || echo FAILED)"
printf 'faults + CUDA tests  : %s\n' "$([ $faults = 0 ] && echo ok || echo FAILED)"
exit $(( verify || training || faults ))
