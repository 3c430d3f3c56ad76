#!/usr/bin/env bash
# Show that it learns: train the embedded model with each curriculum on the same budget, evaluate
# the base model and every checkpoint on held-out problems, and draw the curves overlaid.
#
#     benchmarks/learning/run.sh            # or: make bench-learning
#
# Each training invocation is cut at BUDGET_MIN minutes (SIGINT: rlvr finishes the step, saves a
# checkpoint and exits 130); running the script again resumes every run where it stopped, and
# skips evaluations already written. Results: $OUT/<curriculum>/eval/eval.json, $OUT/curves/.
set -euo pipefail
cd "$(dirname "$0")/../.."
RLVR=${RLVR:-.venv/bin/rlvr}
OUT=${OUT:-runs/learning}
BUDGET_MIN=${BUDGET_MIN:-40}
CURRICULA=${CURRICULA:-pass_rate uniform}
EVAL_N=${EVAL_N:-4}          # samples per held-out problem
EVAL_LIMIT=${EVAL_LIMIT:-64} # held-out problems per environment
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

for curriculum in $CURRICULA; do
  run=$OUT/$curriculum
  status=0
  timeout --signal=INT --kill-after=15m "${BUDGET_MIN}m" \
    "$RLVR" train --config benchmarks/learning/run.yaml --curriculum "$curriculum" \
    --output-dir "$run" --resume || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 130 ] && [ "$status" -ne 124 ]; then
    exit "$status"
  fi
done

for curriculum in $CURRICULA; do
  run=$OUT/$curriculum
  [ -f "$run/eval/eval.json" ] && [ "$run/eval/eval.json" -nt "$run/metrics.jsonl" ] && continue
  "$RLVR" eval --run "$run" --n "$EVAL_N" --k 1,4 --limit "$EVAL_LIMIT" --seed 0
done

runs=()
for curriculum in $CURRICULA; do runs+=("$OUT/$curriculum"); done
"$RLVR" curves "${runs[@]}" --out "$OUT/curves"
