"""`rlvr export RUN_DIR`: the trained policy as a plain Hugging Face model directory.

A LoRA adapter is merged into the base weights, so transformers and vLLM load the result as
they load any model. Written to a temporary directory and renamed: complete or absent.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import yaml

from rlvr.errors import UserError
from rlvr.run_dir import RunDir


def export(run_path: str | Path, out: str | Path, *, step: int | None = None) -> Path:
    run = RunDir(run_path)
    config_file = run.path / "config.yaml"
    if not config_file.is_file():
        raise UserError(f"{run.path}: not a run directory (no config.yaml)")
    checkpoints = dict(run.checkpoints())
    if not checkpoints:
        raise UserError(f"{run.path}: no complete checkpoint to export")
    if step is not None and step not in checkpoints:
        raise UserError(f"{run.path}: no complete checkpoint-{step}; have {sorted(checkpoints)}")
    checkpoint = checkpoints[step if step is not None else max(checkpoints)]
    out = Path(out)
    if out.exists():
        raise UserError(f"{out} already exists; choose another output directory")

    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = yaml.safe_load(config_file.read_text())
    if (checkpoint / "adapter_config.json").is_file():
        from peft import PeftModel

        base = AutoModelForCausalLM.from_pretrained(config["model_path"])
        model = PeftModel.from_pretrained(base, checkpoint).merge_and_unload()
    else:
        model = AutoModelForCausalLM.from_pretrained(checkpoint)
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out
