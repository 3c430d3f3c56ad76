"""A custom environment that is just a dataset and a verifier (`envs: {mytask: {data: ...,
verifier: my_checker}}` in a run config)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rlvr.protocols import Message, Split
from rlvr.records import Record, load_records, split_of


class DatasetEnvironment:
    """Problem records from a JSONL file, prompted as they are written."""

    def __init__(
        self, name: str, *, data: str | Path, verifier: str, heldout_fraction: float = 0.1
    ) -> None:
        self.name = name
        self.verifier = verifier
        self.records: list[Record] = [
            {**record, "env": name} for record in load_records(data, env=name)
        ]
        self.heldout_fraction = heldout_fraction

    def problems(self, split: Split = "train") -> list[Record]:
        return [r for r in self.records if split_of(str(r["id"]), self.heldout_fraction) == split]

    def prompt(self, problem: Mapping[str, Any]) -> list[Message]:
        return prompt_as_written(problem)


def prompt_as_written(problem: Mapping[str, Any]) -> list[Message]:
    """A record's own `prompt` as chat messages: a message list as is, text as one user turn."""
    prompt = problem["prompt"]
    if isinstance(prompt, list):
        return [dict(m) for m in prompt]
    return [{"role": "user", "content": str(prompt)}]
