#!/usr/bin/env bash
# The GPU path, run on a real accelerator (issue 26): a random-initialised model in the shape of
# Qwen2.5-1.5B (benchmarks/gpu/qwen2.5-1.5b.json; no weights needed), `rlvr train --envs
# math,code,if` with the GPU defaults for a few steps, the last checkpoint evaluated, and one
# report: peak GPU memory (nvidia-smi, sampled every 500 ms), seconds per step, generated
# tokens per second, the metrics and the evaluation.
#
# For a GPU machine with torch, transformers, accelerate and peft but no network, no TRL, Ray,
# datasets or vLLM: `benchmarks/gpu/wheels.sh` (run where pip reaches PyPI) puts what rlvr needs
# besides into .whl/ (a few MB: Ray does not travel, so verification runs on the engine's local
# backend), and this script installs them into /tmp/site. Sized to finish in under 8 minutes
# on one H100 (STEPS=3, HF generation).
#
#   OUT=/tmp/gpu-check benchmarks/gpu/gpu_check.sh            # on the GPU machine
#   SCALE_DOWN=1 STEPS=2 benchmarks/gpu/gpu_check.sh           # a CPU rehearsal of the script
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/gpu-check}
STEPS=${STEPS:-3}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"

# The wheels are for a machine without TRL (a machine with rlvr installed needs none of them).
if ! "$PYTHON" -c "import trl" 2>/dev/null && compgen -G ".whl/*.whl" >/dev/null; then
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
    # bubblewrap for the code sandbox, unpacked from its Debian package beside the wheels.
    if ! command -v bwrap >/dev/null && compgen -G ".whl/bubblewrap_*.deb" >/dev/null; then
        dpkg -x .whl/bubblewrap_*.deb /tmp/bwrap && export PATH=/tmp/bwrap/usr/bin:$PATH
    fi
fi
export PATH=/tmp/site/bin:$PATH RLVR_CACHE=$OUT/cache PYTHONUNBUFFERED=1

MODEL=$OUT/model
EXTRA=()
if [[ -n "${SCALE_DOWN:-}" ]]; then
    "$PYTHON" benchmarks/gpu/build_model.py --config benchmarks/gpu/qwen2.5-1.5b.json \
        --out "$MODEL" --scale-down
    EXTRA=(--max-completion-length 32 --problems-per-step 3 --group-size 4)
else
    "$PYTHON" benchmarks/gpu/build_model.py --config benchmarks/gpu/qwen2.5-1.5b.json --out "$MODEL"
fi

MEMORY=$OUT/memory.csv
: >"$MEMORY"
if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=memory.used,memory.total --format=csv,noheader,nounits -lms 500 \
        >"$MEMORY" &
    SAMPLER=$!
    trap 'kill $SAMPLER 2>/dev/null || true' EXIT
fi

RUN=$OUT/run
"$PYTHON" -m rlvr train --envs math,code,if --model "$MODEL" --max-steps "$STEPS" \
    --save-steps "$STEPS" --output-dir "$RUN" "${EXTRA[@]}" 2>&1 | tee "$OUT/train.log"
"$PYTHON" -m rlvr eval --run "$RUN" --steps "$STEPS" --envs math,code,if --n 2 --k 1 \
    --limit 8 --out "$RUN/eval" 2>&1 | tee "$OUT/eval.log"
"$PYTHON" benchmarks/gpu/report.py "$RUN" --memory "$MEMORY" --out "$OUT/report.md" \
    --json "$OUT/report.json"
