"""The files a run leaves, written so that a crash at any moment leaves a usable directory.

    config.yaml         the resolved config
    metrics.jsonl       one row per step, with `step`
    samples.jsonl       completions with their verdicts, with `step`
    checkpoint-<N>/     TRL/transformers' checkpoint (weights or adapter, tokenizer, optimizer,
                        scheduler, RNG, trainer state) plus rlvr_state.json (curricula) and,
                        written last, COMPLETE

A checkpoint without COMPLETE was interrupted while being written: it is never resumed from.
On resume, metrics and samples after the checkpoint's step are cut, since those steps run again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

COMPLETE = "COMPLETE"
STATE_FILE = "rlvr_state.json"
_CHECKPOINT = re.compile(r"checkpoint-(\d+)")


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename: complete or absent."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
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

        write_atomic(self.path / "config.yaml", yaml.safe_dump(config, sort_keys=False))

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
