#!/usr/bin/env bash
# Show that it learns: train the embedded model with each curriculum on the same budget, evaluate
# the base model and every checkpoint on held-out problems, and draw the curves overlaid.
#
#     benchmarks/learning/run.sh            # or: make bench-learning
#     SEED=1 OUT=runs/learning-seed1 benchmarks/learning/run.sh   # a second seed
#
# The curricula train one after the other on every core (PARALLEL=1 runs them side by side, one
# core each: on the 2-core development machine that made a step 5.5x slower, not 2x). Each training
# invocation is cut at BUDGET_MIN minutes (SIGINT: rlvr finishes the step, saves a checkpoint and
# exits 130); running the script again resumes every run where it stopped, and skips evaluations
# already written. Results: $OUT/<curriculum>/eval/eval.json, $OUT/curves/.
set -euo pipefail
cd "$(dirname "$0")/../.."
RLVR=${RLVR:-.venv/bin/rlvr}
OUT=${OUT:-runs/learning}
BUDGET_MIN=${BUDGET_MIN:-40}
CURRICULA=${CURRICULA:-pass_rate uniform}
PARALLEL=${PARALLEL:-0}
EVAL_N=${EVAL_N:-4}          # samples per held-out problem
EVAL_LIMIT=${EVAL_LIMIT:-64} # held-out problems per environment
EVAL_BATCH=${EVAL_BATCH:-8}  # problems per generate call (see `rlvr eval --help`)
EVAL_STEPS=${EVAL_STEPS:-}   # e.g. 50: only that checkpoint (and the base model); default all
SEED=${SEED:-0}              # the training seed (problem draws, sampling, LoRA init)
if [ "$PARALLEL" = 1 ]; then export OMP_NUM_THREADS=1; else export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}; fi

train() {
  local status=0
  timeout --signal=INT --kill-after=15m "${BUDGET_MIN}m" \
    "$RLVR" train --config benchmarks/learning/run.yaml --curriculum "$1" \
    --seed "$SEED" --output-dir "$OUT/$1" --resume || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 130 ] && [ "$status" -ne 124 ]; then
    echo "run.sh: training with $1 failed (exit $status)" >&2
    return "$status"
  fi
}

evaluate() {
  local run=$OUT/$1
  [ -f "$run/eval/eval.json" ] && [ "$run/eval/eval.json" -nt "$run/metrics.jsonl" ] && return 0
  "$RLVR" eval --run "$run" --n "$EVAL_N" --k 1,4 --limit "$EVAL_LIMIT" --batch "$EVAL_BATCH" \
    --seed 0 ${EVAL_STEPS:+--steps "$EVAL_STEPS"}
}

for stage in train evaluate; do
  pids=()
  for curriculum in $CURRICULA; do
    mkdir -p "$OUT"
    if [ "$PARALLEL" = 1 ]; then
      "$stage" "$curriculum" >"$OUT/$stage-$curriculum.log" 2>&1 &
      pids+=($!)
    else
      "$stage" "$curriculum"
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
done

runs=()
for curriculum in $CURRICULA; do runs+=("$OUT/$curriculum"); done
"$RLVR" curves "${runs[@]}" --out "$OUT/curves"
"${PYTHON:-.venv/bin/python}" benchmarks/learning/report.py "${runs[@]}" | tee "$OUT/report.md"
