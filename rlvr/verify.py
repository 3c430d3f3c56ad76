"""`rlvr verify`: score given completions, streamed through the verification engine.

Rows are read, validated and resolved to a verifier in this process (`rlvr.resolve`: a row's
own `verifier`, else its environment's, with the verifier's required fields checked), so a
bad row stops the run at once with its file, line and field, before anything is written.
The rows stream in chunks through the engine's pool (`rlvr.engine`), a bounded number in
flight, so memory stays flat on files of any length and the output keeps the input order (on
Ray, a first pass finds the verifiers the file needs: actors are per verifier). The output
goes to a temporary file beside the target and is renamed into place only when every row is
scored.

Scoring never runs in this process: local worker processes by default, or Ray actors given a
cluster (`ray_address`, RAY_ADDRESS) or asked to (`use_ray`). Both backends run the same
runner with the same deadline and fault rules (see rlvr/engine.py): a row past `row_timeout`
scores 0 with `info.status = "timeout"`; a row whose process dies twice is an infrastructure
error (`reward: null`).
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlvr.data_formats import row_error
from rlvr.engine import CHUNK_ITEMS, CHUNKS_PER_WORKER, ITEM_TIMEOUT_S, Item, VerifierSource
from rlvr.errors import RecordError
from rlvr.pool import backend_for, open_pool
from rlvr.records import normalise, read_rows
from rlvr.registry import default_registry
from rlvr.resolve import VerifierResolver
from rlvr.scoring import completion_text
from rlvr.verdict import Verdict

Rows = list[tuple[dict[str, Any], str]]
"""(input row, env) of a chunk: what is written back."""


@dataclass
class EnvTally:
    rows: int = 0
    scored: int = 0
    reward_sum: float = 0.0
    errors: int = 0

    @property
    def mean_reward(self) -> float | None:
        return self.reward_sum / self.scored if self.scored else None


@dataclass
class Summary:
    """What `rlvr verify` reports on stderr."""

    rows: int = 0
    errors: int = 0
    seconds: float = 0.0
    workers: int = 1
    on_ray: bool = False
    by_env: dict[str, EnvTally] = field(default_factory=dict)

    def add(self, env: str, verdict: Verdict) -> None:
        tally = self.by_env.setdefault(env, EnvTally())
        self.rows += 1
        tally.rows += 1
        if verdict.reward is None:
            self.errors += 1
            tally.errors += 1
        else:
            tally.scored += 1
            tally.reward_sum += verdict.reward

    def lines(self) -> list[str]:
        rate = self.rows / self.seconds if self.seconds > 0 else float("inf")
        out = [
            f"rlvr verify: {self.rows} rows in {self.seconds:.1f} s ({rate:,.0f} rows/s, "
            f"{self.workers} {'Ray actor' if self.on_ray else 'worker'}"
            f"{'s' * (self.workers != 1)}), {self.errors} errors"
        ]
        for env, tally in sorted(self.by_env.items()):
            mean = "n/a" if tally.mean_reward is None else f"{tally.mean_reward:.3f}"
            out.append(f"  {env}: {tally.rows} rows, mean reward {mean}, {tally.errors} errors")
        return out


def _chunks(
    path: Path, resolver: VerifierResolver, chunks_per_batch: int = 1
) -> Iterator[tuple[Rows, list[Item]]]:
    """(rows, items) batches of the file, each at most `chunks_per_batch` times as long as
    its verifiers allow one chunk to be (the pool cuts a batch into chunks for its workers)."""
    rows: Rows = []
    items: list[Item] = []
    limit = CHUNK_ITEMS * chunks_per_batch
    for line_no, row in read_rows(path):
        try:
            record = normalise(row)
            if "completion" not in row:
                raise RecordError(
                    "missing; each row is a problem record plus the completion to score",
                    field="completion",
                )
            try:
                text = completion_text(row["completion"])
            except TypeError as exc:
                raise RecordError(str(exc), field="completion") from None
            verifier = resolver.verifier_for(record)
        except RecordError as exc:
            raise row_error(exc, path, line_no) from None
        record.pop("completion", None)
        rows.append((row, record["env"]))
        items.append((verifier, record, text))
        limit = min(limit, resolver.chunk_rows(verifier) * chunks_per_batch)
        if len(items) >= limit:
            yield rows, items
            rows, items, limit = [], [], CHUNK_ITEMS * chunks_per_batch
    if items:
        yield rows, items


def verify_file(
    in_path: str | Path,
    out_path: str | Path,
    *,
    workers: int | None = None,
    plugin_files: Sequence[str | Path] = (),
    row_timeout: float = ITEM_TIMEOUT_S,
    ray_address: str | None = None,
    use_ray: bool = False,
) -> Summary:
    """Score every row of `in_path` into `out_path` (atomically); see the module docstring.
    `workers`: worker processes, or on Ray actors per verifier."""
    in_path, out_path = Path(in_path), Path(out_path)
    registry = default_registry()
    for plugin in plugin_files:
        registry.load_file(plugin)
    backend = backend_for(ray_address, ray=True if use_ray else None)
    started = time.perf_counter()
    out_dir = out_path.parent if str(out_path.parent) else Path(".")
    if not out_dir.is_dir():
        raise RecordError("the output directory does not exist", path=out_dir)
    if out_path.resolve() == in_path.resolve():
        raise RecordError("--out must differ from --in", path=out_path)
    # A batch is a chunk for every worker's every slot: the pool cuts it into chunks of the
    # verifiers' size, and two batches in flight keep every worker busy while the last one
    # is written.
    slots = CHUNKS_PER_WORKER * (workers or len(os.sched_getaffinity(0)))
    batches: Iterator[tuple[Rows, list[Item]]]
    verifiers: dict[str, VerifierSource]
    if backend == "ray":
        # Actors are per verifier: a first pass finds those the file needs, and a bad row
        # stops the run before Ray starts.
        chunks = _chunks(in_path, VerifierResolver(registry))
        needed = {name for _, items in chunks for name, _, _ in items}
        verifiers = {name: registry.create("verifiers", name) for name in sorted(needed)}
        batches = _chunks(in_path, VerifierResolver(registry), slots)
    else:
        # Every worker offers every registered verifier and builds one when a row first
        # needs it: the file is read once. The first batch is read before the workers fork,
        # so they inherit the modules of the verifiers it needs instead of importing them
        # each (sympy alone takes a second).
        verifiers = {name: name for name in registry.names("verifiers")}
        rest = _chunks(in_path, VerifierResolver(registry), slots)
        first = next(rest, None)
        batches = itertools.chain([first] if first is not None else [], rest)
    summary = Summary(workers=0, on_ray=backend == "ray")
    fd, tmp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{out_path.name}.", suffix=".tmp")
    try:
        # A lone surrogate (legal in JSON: "\ud83d") only occurs inside a JSON string, where
        # backslashreplace writes it as that same JSON escape: the row round-trips unchanged.
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as out:
            if verifiers:
                with open_pool(
                    verifiers,
                    backend=backend,
                    workers=workers,
                    item_timeout=row_timeout,
                    address=ray_address,
                    plugin_files=registry.plugin_files,
                ) as pool:
                    summary.workers = pool.total_actors
                    for rows, verdicts in pool.stream(batches, in_flight=2):
                        _write(out, rows, verdicts, summary)
        os.replace(tmp_name, out_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    summary.workers = summary.workers or max(1, workers or len(os.sched_getaffinity(0)))
    summary.seconds = time.perf_counter() - started
    return summary


def _write(out: Any, rows: Rows, verdicts: Sequence[Verdict], summary: Summary) -> None:
    for (row, env), verdict in zip(rows, verdicts, strict=True):
        summary.add(env, verdict)
        out.write(
            json.dumps(
                {**row, "reward": verdict.reward, "info": verdict.info},
                ensure_ascii=False,
                default=str,
            )
        )
        out.write("\n")


def print_summary(summary: Summary) -> None:
    for line in summary.lines():
        print(line, file=sys.stderr)
