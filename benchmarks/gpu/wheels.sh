#!/usr/bin/env bash
# What the GPU check needs besides what the GPU machine has (torch, transformers, accelerate,
# peft, sympy, pyarrow, matplotlib, typer, rich, pyyaml), as wheels for its Python 3.12, into
# .whl/ (git-ignored via .git/info/exclude): rlvr itself, TRL and datasets with the pieces of
# theirs the machine lacks, langdetect (an sdist, built here), gguf, pyseccomp, and bubblewrap's
# Debian package for the code sandbox. Ray (~70 MB) does not fit the 64 MiB that travels, and is
# not needed: verification runs on the local backend.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >>.git/info/exclude
rm -rf .whl && mkdir .whl
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d .whl \
    "trl==$("$PYTHON" -c 'import trl; print(trl.__version__)')" \
    "datasets==$("$PYTHON" -c 'import datasets; print(datasets.__version__)')" \
    dill multiprocess gguf pyseccomp
"$PYTHON" -m pip wheel -q --no-deps -w .whl langdetect .
rm -rf build  # what building the rlvr wheel leaves
(cd .whl && apt-get download bubblewrap >/dev/null)
du -sh .whl && ls .whl
