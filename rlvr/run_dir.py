"""The files a run leaves, and their schemas: this module alone reads and writes them, and
writes them so that a crash at any moment leaves a usable directory.

    config.yaml         the resolved config
    metrics.jsonl       one row per step, with `step`; per-environment keys are
                        `env/<name>/<metric>` (`env_metric`, `parse_metric_key`)
    samples.jsonl       completions with their verdicts, with `step`
    checkpoint-<N>/     TRL/transformers' checkpoint (weights or adapter, tokenizer, optimizer,
                        scheduler, RNG, trainer state) plus rlvr_state.json (curricula) and,
                        written last, COMPLETE
    eval/eval.json      `rlvr eval --run`: one object of env blocks per policy ("base",
                        "checkpoint-<N>"); `rlvr eval --model --out DIR` writes the env blocks
                        at the top (`read_eval` reads both as {policy: blocks})

A checkpoint without COMPLETE was interrupted while being written: it is never resumed from.
On resume, metrics and samples after the checkpoint's step are cut, since those steps run again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rlvr.errors import UserError

COMPLETE = "COMPLETE"
STATE_FILE = "rlvr_state.json"
CONFIG_FILE = "config.yaml"
EVAL_DIR = "eval"
EVAL_FILE = "eval.json"
ENV_PREFIX = "env/"
BASE_POLICY = "base"
MODEL_POLICY = "model"
_CHECKPOINT = re.compile(r"checkpoint-(\d+)")
_PASSK = re.compile(r"pass@(\d+)")


# -- metric keys -----------------------------------------------------------------------------------


def env_metric(env: str, metric: str) -> str:
    """The metrics.jsonl key of an environment's metric: `env/<env>/<metric>`."""
    if "/" in env:
        raise ValueError(f"an environment name cannot hold '/': {env!r}")
    return f"{ENV_PREFIX}{env}/{metric}"


def parse_metric_key(key: str) -> tuple[str | None, str]:
    """(environment or None for a run-wide metric, metric name) of a metrics.jsonl key:
    `env/math/pass_rate` -> ("math", "pass_rate"), `env/math/curriculum/target` -> ("math",
    "curriculum/target"), `zero_variance_groups` -> (None, "zero_variance_groups")."""
    if key.startswith(ENV_PREFIX):
        env, slash, metric = key[len(ENV_PREFIX) :].partition("/")
        if env and slash and metric:
            return env, metric
    return None, key


def env_values(row: dict[str, Any], metric: str) -> dict[str, Any]:
    """{env: value} of one metric across a metrics row's environments."""
    found = {}
    for key, value in row.items():
        env, name = parse_metric_key(key)
        if env is not None and name == metric:
            found[env] = value
    return found


# -- eval.json keys -------------------------------------------------------------------------------


def passk_key(k: int) -> str:
    """An eval block's key of pass@k."""
    return f"pass@{k}"


def passk_ci_key(k: int) -> str:
    """An eval block's key of pass@k's 95% interval."""
    return f"pass@{k}_ci"


def block_ks(block: dict[str, Any]) -> list[int]:
    """The k values an eval block reports, ascending."""
    ks = set()
    for key in block:
        match = _PASSK.fullmatch(key)
        if match:
            ks.add(int(match.group(1)))
    return sorted(ks)


# -- eval.json policy labels -----------------------------------------------------------------------


def checkpoint_label(step: int) -> str:
    """The eval.json key of a checkpoint's block."""
    return f"checkpoint-{step}"


def policy_step(label: str) -> int | None:
    """The training step an eval.json policy key stands for ("base" is step 0; "model", a
    model outside a run, has none)."""
    if label == BASE_POLICY:
        return 0
    match = _CHECKPOINT.fullmatch(label)
    return int(match.group(1)) if match else None


# -- writing ---------------------------------------------------------------------------------------


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename: complete or absent, with
    the permissions a plain `open` would give (mkstemp's files are private to their owner; a
    run's files are meant to be shared)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would create it, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunDir:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.metrics = self.path / "metrics.jsonl"
        self.samples = self.path / "samples.jsonl"

    def create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)

    def has_run(self) -> bool:
        return self.metrics.exists() or bool(self.checkpoints(complete_only=False))

    def write_config(self, config: dict[str, Any]) -> None:
        import yaml

        write_atomic(self.path / CONFIG_FILE, yaml.safe_dump(config, sort_keys=False))

    @property
    def eval_file(self) -> Path:
        return self.path / EVAL_DIR / EVAL_FILE

    def read_config(self) -> dict[str, Any]:
        """config.yaml as written by `rlvr train`; a `UserError` naming the file otherwise."""
        import yaml

        config_file = self.path / CONFIG_FILE
        if not config_file.is_file():
            raise UserError(f"{self.path}: not a run directory (no {CONFIG_FILE})")
        try:
            config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise UserError(f"{config_file}: not valid YAML: {exc}") from None
        if not isinstance(config, dict):
            raise UserError(f"{config_file}: expected a mapping of settings")
        return config

    def read_metrics(self) -> Iterator[dict[str, Any]]:
        """metrics.jsonl's rows with an integer `step`, in order (a line torn by a crash
        mid-write is passed over)."""
        if not self.metrics.is_file():
            return
        for line in self.metrics.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and isinstance(row.get("step"), int):
                yield row

    def read_eval(self) -> dict[str, dict[str, Any]]:
        """eval/eval.json as {policy label: {env: block}} ({} when there is none)."""
        if not self.eval_file.is_file():
            return {}
        return read_eval(self.eval_file)

    def append(self, path: Path, rows: list[dict[str, Any]]) -> None:
        with path.open("a", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")

    def checkpoints(self, *, complete_only: bool = True) -> list[tuple[int, Path]]:
        """(step, path) of the checkpoints, oldest first."""
        found = []
        for child in self.path.glob("checkpoint-*"):
            match = _CHECKPOINT.fullmatch(child.name)
            if match and child.is_dir() and (not complete_only or (child / COMPLETE).exists()):
                found.append((int(match.group(1)), child))
        return sorted(found)

    def latest_checkpoint(self) -> tuple[int, Path] | None:
        complete = self.checkpoints()
        return complete[-1] if complete else None

    def mark_complete(self, checkpoint: Path, state: dict[str, Any]) -> None:
        """rlvr's own state, then the marker: the last two writes of a checkpoint."""
        write_atomic(checkpoint / STATE_FILE, json.dumps(state))
        write_atomic(checkpoint / COMPLETE, "")

    def read_state(self, checkpoint: Path) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((checkpoint / STATE_FILE).read_text())
        return result

    def drop_incomplete(self) -> list[Path]:
        """Remove checkpoints that a crash left half-written; returns what was removed."""
        complete = {path for _, path in self.checkpoints()}
        removed = [p for _, p in self.checkpoints(complete_only=False) if p not in complete]
        for path in removed:
            shutil.rmtree(path, ignore_errors=True)
        return removed

    def cut_after(self, step: int) -> None:
        """Keep only the metric and sample rows of steps up to `step` (a torn last line too
        is dropped)."""
        for path in (self.metrics, self.samples):
            if not path.exists():
                continue
            kept = []
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict) and row.get("step", 0) <= step:
                    kept.append(line + "\n")
            write_atomic(path, "".join(kept))


def read_eval(path: Path) -> dict[str, dict[str, Any]]:
    """An eval.json as {policy label: {env: block}}: `rlvr eval --model` writes the env blocks
    at the top (read as policy "model"), `--run` one object per policy."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a JSON object")
    if any(isinstance(v, dict) and "n_problems" in v for v in data.values()):
        return {MODEL_POLICY: data}
    return data
