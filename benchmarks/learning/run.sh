#!/usr/bin/env bash
# Show that it learns: train the embedded model with each curriculum on the same budget, for
# each of three seeds, evaluate the base model and every checkpoint on held-out problems, count
# the held-out math completions that restate the problem (base vs last checkpoint), and draw
# the curves overlaid.
#
#     benchmarks/learning/run.sh            # or: make bench-learning (3 seeds x 2 curricula)
#     SEEDS=1 benchmarks/learning/run.sh    # one seed only
#     CONFIG=my.yaml CURRICULA=pass_rate OUT=runs/learning-variant benchmarks/learning/run.sh
#                                           # a variant (e.g. curriculum_options) of run.yaml
#
# Runs land in $OUT/seed<S>/<curriculum>. Budget: six trainings of at most BUDGET_MIN minutes
# each (about 35 on the 2-core development machine), then about 10 minutes of evaluation per
# run (three policies: base, step 25, step 50); the restatement count reads eval's samples
# files (--log-samples): about 5 hours in all.
#
# The curricula train one after the other on every core (PARALLEL=1 runs them side by side, one
# core each: on the 2-core development machine that made a step 5.5x slower, not 2x). Each training
# invocation is cut at BUDGET_MIN minutes (SIGINT: rlvr finishes the step, saves a checkpoint and
# exits 130); running the script again resumes every run where it stopped, and skips evaluations
# already written. Results: $OUT/seed<S>/<curriculum>/eval/{eval.json,restatements.json},
# $OUT/seed<S>/curves/, $OUT/report.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
RLVR=${RLVR:-.venv/bin/rlvr}
OUT=${OUT:-runs/learning}
CONFIG=${CONFIG:-benchmarks/learning/run.yaml}
BUDGET_MIN=${BUDGET_MIN:-40}
CURRICULA=${CURRICULA:-pass_rate uniform}
PARALLEL=${PARALLEL:-0}
EVAL_N=${EVAL_N:-4}          # samples per held-out problem
EVAL_LIMIT=${EVAL_LIMIT:-64} # held-out problems per environment
EVAL_BATCH=${EVAL_BATCH:-8}  # problems per generate call (see `rlvr eval --help`)
EVAL_STEPS=${EVAL_STEPS:-}   # e.g. 50: only that checkpoint (and the base model); default all
SEEDS=${SEEDS:-${SEED:-0 1 2}} # training seeds (problem draws, sampling, LoRA init, env pools)
if [ "$PARALLEL" = 1 ]; then export OMP_NUM_THREADS=1; else export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}; fi

train() {
  local status=0
  timeout --signal=INT --kill-after=15m "${BUDGET_MIN}m" \
    "$RLVR" train --config "$CONFIG" --curriculum "$1" \
    --seed "$SEED" --output-dir "$RUNS/$1" --resume || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 130 ] && [ "$status" -ne 124 ]; then
    echo "run.sh: training with $1 failed (exit $status)" >&2
    return "$status"
  fi
}

evaluate() {
  local run=$RUNS/$1
  if ! { [ -f "$run/eval/eval.json" ] && [ "$run/eval/eval.json" -nt "$run/metrics.jsonl" ]; }; then
    "$RLVR" eval --run "$run" --n "$EVAL_N" --k 1,4 --limit "$EVAL_LIMIT" --batch "$EVAL_BATCH" \
      --seed 0 --log-samples ${EVAL_STEPS:+--steps "$EVAL_STEPS"}
  fi
  # eval's held-out math completions (its samples files), base vs last checkpoint
  local counted=$run/eval/restatements.json
  [ -f "$counted" ] && [ "$counted" -nt "$run/metrics.jsonl" ] && return 0
  "$PYTHON" benchmarks/learning/restatements.py "$run" --n "$EVAL_N" --limit "$EVAL_LIMIT" \
    --batch "$EVAL_BATCH" --seed 0
}

PYTHON=${PYTHON:-.venv/bin/python}
all_runs=()
for SEED in $SEEDS; do
  RUNS=$OUT/seed$SEED
  mkdir -p "$RUNS"
  for stage in train evaluate; do
    pids=()
    for curriculum in $CURRICULA; do
      if [ "$PARALLEL" = 1 ]; then
        "$stage" "$curriculum" >"$RUNS/$stage-$curriculum.log" 2>&1 &
        pids+=($!)
      else
        "$stage" "$curriculum"
      fi
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
  done
  runs=()
  for curriculum in $CURRICULA; do runs+=("$RUNS/$curriculum"); done
  "$RLVR" curves "${runs[@]}" --out "$RUNS/curves"
  all_runs+=("${runs[@]}")
done
"$PYTHON" benchmarks/learning/report.py "${all_runs[@]}" | tee "$OUT/report.md"
