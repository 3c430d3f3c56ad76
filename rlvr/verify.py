"""`rlvr verify`: score given completions, streamed through local worker processes.

Rows are read, validated and resolved to a verifier in this process, so a bad row stops the
run at once with its file, line and field, before anything is written. Scoring happens in a
pool of worker processes, a bounded number of chunks in flight, so memory stays flat on files
of any length and the output keeps the input order. The output goes to a temporary file
beside the target and is renamed into place only when every row is scored.

Scoring never runs in this process. A worker that dies (a verifier that segfaults or is
OOM-killed) breaks the pool, and so does one whose row runs past `row_timeout`: each row runs
under an OS alarm that ends its worker, even in the middle of a C call holding the GIL. Every
chunk in flight fails with the pool, guilty or not: the pool is rebuilt and the failed chunks
are retried, split into single rows on a second failure, and on a third each row runs alone
in a worker of its own, timed from here. Only a row that kills a worker by itself ends as an
infrastructure error (`reward: null`), and only one that runs past `row_timeout` by itself
scores 0 with `info.status = "timeout"`. Workers die with this process (PR_SET_PDEATHSIG).

Given a Ray cluster (`ray_address`, RAY_ADDRESS) or asked to (`use_ray`), the rows go to an
`EnvironmentPool` (rlvr/pool.py) instead: Ray actors per verifier, whose verifier processes
run the same per-row code (`score_row`, under the same alarm).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlvr.errors import RecordError
from rlvr.records import normalise, read_jsonl
from rlvr.registry import Registry, default_registry, load_plugin
from rlvr.scoring import completion_text, score
from rlvr.verdict import Verdict

CHUNK_ROWS = 32
"""Rows sent to a worker at once, unless a verifier asks for fewer (`chunk_rows`): rows that
cost tens of milliseconds each (sandboxed code) need small chunks for the workers to finish
together; cheap ones need large chunks to keep the round trips negligible."""
CHUNKS_IN_FLIGHT_PER_WORKER = 4
ROW_TIMEOUT_S = 60.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h
WORKER_DIED = "the worker process died while verifying this row (crash or out of memory)"

Item = tuple[str, dict[str, Any], str]
"""(verifier name, problem record, completion text): one unit of work for a worker."""


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


class VerifierResolver:
    """Which verifier scores a row, and whether the row has the fields it needs.

    A row's own `verifier` wins; otherwise the verifier its environment declares; otherwise a
    verifier registered under the env's name (a custom env that is just a dataset).
    """

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._by_env: dict[str, str] = {}
        self._required: dict[str, tuple[str, ...]] = {}
        self._chunk_rows: dict[str, int] = {}

    def verifier_for(self, record: dict[str, Any]) -> str:
        name = record.get("verifier")
        if name is None:
            name = self._env_verifier(record["env"])
        if name not in self._required:
            factory = self.registry.factory("verifiers", name)
            self._required[name] = tuple(getattr(factory, "required_fields", ()))
            self._chunk_rows[name] = max(1, int(getattr(factory, "chunk_rows", CHUNK_ROWS)))
        for required in self._required[name]:
            if required not in record:
                raise RecordError(f"missing; verifier {name!r} needs it", field=required)
        return name

    def chunk_rows(self, name: str) -> int:
        """How many rows of this (resolved) verifier a chunk may hold."""
        return self._chunk_rows.get(name, CHUNK_ROWS)

    def _env_verifier(self, env: str) -> str:
        if env not in self._by_env:
            if env in self.registry.names("environments"):
                factory = self.registry.factory("environments", env)
                self._by_env[env] = getattr(factory, "verifier", env)
            elif env in self.registry.names("verifiers"):
                self._by_env[env] = env
            else:
                known = sorted(
                    set(self.registry.names("environments")) | set(self.registry.names("verifiers"))
                )
                raise RecordError(
                    f"unknown environment {env!r}; installed: {', '.join(known) or 'none'}. "
                    'Name one, or give the row a "verifier"',
                    field="env",
                )
        return self._by_env[env]


# -- worker side -------------------------------------------------------------------------------

_worker_verifiers: dict[str, Any] = {}
_worker_row_alarm_s = 0.0


def _init_worker(plugin_files: Sequence[str], row_alarm_s: float) -> None:
    global _worker_row_alarm_s  # noqa: PLW0603 - per-process setting, set once at start
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _die_with_parent()
    # SIGALRM with its default action ends the process at the OS level, even in the middle of
    # a C call that holds the GIL, where no Python-level timeout can reach.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    _worker_row_alarm_s = row_alarm_s
    for path in plugin_files:
        load_plugin(path)


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the driver dies, so a hung one is never orphaned."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the driver's own cleanup still kills its workers


def score_items(items: Sequence[Item]) -> list[Verdict]:
    """Score a chunk; verifiers are built once per process and reused. Each row runs under an
    alarm: a row that hangs ends this worker, and the driver retries around it."""
    verdicts = []
    for name, problem, completion in items:
        verifier = _worker_verifiers.get(name)
        if verifier is None:
            verifier = _worker_verifiers[name] = default_registry().create("verifiers", name)
        verdicts.append(score_row(verifier, problem, completion, _worker_row_alarm_s))
    return verdicts


def score_row(verifier: Any, problem: Any, completion: str, alarm_s: float) -> Verdict:
    """One row in a worker process (here, or a Ray actor's verifier process), under an OS
    alarm: past `alarm_s` seconds SIGALRM's default action ends the process, even inside a C
    call holding the GIL. The process must have SIGALRM at its default action; 0: no alarm."""
    if alarm_s:
        signal.setitimer(signal.ITIMER_REAL, alarm_s)
    try:
        return score(verifier, problem, completion)
    finally:
        if alarm_s:
            signal.setitimer(signal.ITIMER_REAL, 0)


# -- driver ------------------------------------------------------------------------------------


@dataclass
class _Job:
    rows: list[tuple[dict[str, Any], str]]  # (input row, env) — what is written back
    items: list[Item]
    future: Future[list[Verdict]]
    attempt: int = 0


class WorkerPool:
    """Worker processes that can be killed and rebuilt, and a spare one to run a row alone.

    Scoring never runs in the driver process: a verifier that crashes, exhausts memory or
    hangs (in C code holding the GIL, where nothing in the process can interrupt it) takes
    down only a worker, which is killed and replaced.
    """

    def __init__(self, workers: int, plugin_files: Sequence[str], row_timeout: float) -> None:
        self.workers = workers
        self.plugin_files = list(plugin_files)
        self.row_timeout = row_timeout
        self.executor = self._executor(workers)
        self.solo: ProcessPoolExecutor | None = None

    def _executor(self, workers: int, *, row_alarm: bool = True) -> ProcessPoolExecutor:
        # fork: the parent has imported no threads or torch; workers start in milliseconds
        # with the registry and plugin modules already in memory.
        return ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_init_worker,
            initargs=(self.plugin_files, self.row_timeout if row_alarm else 0.0),
        )

    def restart(self) -> None:
        """Kill every worker (a hung one included) and start afresh."""
        _kill(self.executor)
        self.executor = self._executor(self.workers)

    def submit(self, items: list[Item]) -> Future[list[Verdict]]:
        try:
            return self.executor.submit(score_items, items)
        except BrokenProcessPool as exc:
            # Broken since the last result was read: this job fails with those in flight and
            # is retried with them.
            failed: Future[list[Verdict]] = Future()
            failed.set_exception(exc)
            return failed

    def run_alone(self, items: list[Item]) -> list[Verdict]:
        """Score one row in a worker running nothing else: a death or a timeout is its own.
        The timeout is kept here, not by the worker's alarm, to tell the two apart."""
        if self.solo is None:
            self.solo = self._executor(1, row_alarm=False)
        try:
            return self.solo.submit(score_items, items).result(timeout=self.row_timeout)
        except BrokenProcessPool:
            verdicts = [Verdict.error(WORKER_DIED) for _ in items]
        except TimeoutError:
            verdicts = [
                Verdict(
                    0.0,
                    {
                        "status": "timeout",
                        "reason": f"verification took longer than {self.row_timeout:g} s",
                    },
                )
                for _ in items
            ]
        _kill(self.solo)
        self.solo = None
        return verdicts

    def close(self) -> None:
        for executor in (self.executor, self.solo):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)


def _kill(executor: ProcessPoolExecutor) -> None:
    kill_workers = getattr(executor, "kill_workers", None)  # Python 3.14+
    if kill_workers is not None:
        kill_workers()
    else:
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.kill()
    executor.shutdown(wait=False, cancel_futures=True)


def _finished(job: _Job) -> bool:
    future = job.future
    return future.done() and not future.cancelled() and future.exception() is None


def _retry(pool: WorkerPool, job: _Job) -> list[_Job]:
    """Jobs to replace one that was in flight when a worker died or hung (not necessarily its
    own): whole once, then row by row, then each row alone, where a death or a timeout is
    the row's own."""
    if job.attempt == 0:
        return [_Job(job.rows, job.items, pool.submit(job.items), 1)]
    if len(job.items) > 1:
        return [
            _Job([row], [item], pool.submit([item]), 2)
            for row, item in zip(job.rows, job.items, strict=True)
        ]
    done: Future[list[Verdict]] = Future()
    done.set_result(pool.run_alone(job.items))
    return [_Job(job.rows, job.items, done, 3)]


def _chunks(
    path: Path, resolver: VerifierResolver
) -> Iterator[tuple[list[tuple[dict[str, Any], str]], list[Item]]]:
    rows: list[tuple[dict[str, Any], str]] = []
    items: list[Item] = []
    limit = CHUNK_ROWS
    for line_no, row in read_jsonl(path):
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
            raise exc.at(path, line_no) from None
        record.pop("completion", None)
        rows.append((row, record["env"]))
        items.append((verifier, record, text))
        limit = min(limit, resolver.chunk_rows(verifier))
        if len(items) >= limit:
            yield rows, items
            rows, items, limit = [], [], CHUNK_ROWS
    if items:
        yield rows, items


def verify_file(
    in_path: str | Path,
    out_path: str | Path,
    *,
    workers: int | None = None,
    plugin_files: Sequence[str | Path] = (),
    row_timeout: float = ROW_TIMEOUT_S,
    ray_address: str | None = None,
    use_ray: bool = False,
) -> Summary:
    """Score every row of `in_path` into `out_path` (atomically); see the module docstring.
    `workers`: worker processes, or on Ray actors per verifier."""
    in_path, out_path = Path(in_path), Path(out_path)
    registry = default_registry()
    for plugin in plugin_files:
        registry.load_file(plugin)
    on_ray = use_ray or bool(ray_address or os.environ.get("RAY_ADDRESS"))
    actors_per_verifier = workers
    workers = max(1, workers or len(os.sched_getaffinity(0)))
    summary = Summary(workers=workers, on_ray=on_ray)
    started = time.perf_counter()
    out_dir = out_path.parent if str(out_path.parent) else Path(".")
    if not out_dir.is_dir():
        raise RecordError("the output directory does not exist", path=out_dir)
    if out_path.resolve() == in_path.resolve():
        raise RecordError("--out must differ from --in", path=out_path)
    fd, tmp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{out_path.name}.", suffix=".tmp")
    pool = (
        None
        if on_ray
        else WorkerPool(workers, [str(p) for p in registry.plugin_files], row_timeout)
    )
    try:
        # A lone surrogate (legal in JSON: "\ud83d") only occurs inside a JSON string, where
        # backslashreplace writes it as that same JSON escape: the row round-trips unchanged.
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as out:
            chunks = _chunks(in_path, VerifierResolver(registry))
            if pool is None:
                scored = _scored_on_ray(
                    chunks,
                    _verifier_names(in_path, registry),
                    summary,
                    actors_per_verifier=actors_per_verifier,
                    row_timeout=row_timeout,
                    address=ray_address,
                )
            else:
                scored = _scored_locally(pool, chunks, workers * CHUNKS_IN_FLIGHT_PER_WORKER)
            with contextlib.closing(scored):
                for rows, verdicts in scored:
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
        os.replace(tmp_name, out_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    finally:
        if pool is not None:
            pool.close()
    summary.seconds = time.perf_counter() - started
    return summary


Scored = Generator[tuple[list[tuple[dict[str, Any], str]], list[Verdict]], None, None]
"""(rows, their verdicts) in input order: what a scoring path yields to the writer."""


def _scored_locally(
    pool: WorkerPool,
    chunks: Iterator[tuple[list[tuple[dict[str, Any], str]], list[Item]]],
    window: int,
) -> Scored:
    pending: deque[_Job] = deque()
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < window:
            chunk = next(chunks, None)
            if chunk is None:
                exhausted = True
            else:
                pending.append(_Job(chunk[0], chunk[1], pool.submit(chunk[1])))
        if not pending:
            break
        job = pending.popleft()
        try:
            verdicts = job.future.result()
        except BrokenProcessPool:
            # A worker died (crashed, or its row ran past the alarm): every chunk in flight
            # failed with it. Those that finished first keep their verdicts.
            jobs = [(old, _finished(old)) for old in (job, *pending)]
            pool.restart()
            pending = deque(new for old, ok in jobs for new in ([old] if ok else _retry(pool, old)))
            continue
        yield job.rows, verdicts


def _verifier_names(path: Path, registry: Registry) -> list[str]:
    """Every verifier the file needs: a first pass, which also stops a bad row before Ray
    starts."""
    resolver = VerifierResolver(registry)
    return sorted({name for _, items in _chunks(path, resolver) for name, _, _ in items})


def _scored_on_ray(
    chunks: Iterator[tuple[list[tuple[dict[str, Any], str]], list[Item]]],
    names: Sequence[str],
    summary: Summary,
    *,
    actors_per_verifier: int | None,
    row_timeout: float,
    address: str | None,
) -> Scored:
    from rlvr.pool import EnvironmentPool

    registry = default_registry()
    verifiers = {name: registry.create("verifiers", name) for name in names}
    if not verifiers:
        return
    with EnvironmentPool(
        verifiers,
        actors_per_env=actors_per_verifier,
        item_timeout=row_timeout,
        address=address,
        plugin_files=registry.plugin_files,
    ) as pool:
        summary.workers = pool.total_actors
        yield from pool.stream(chunks)


def print_summary(summary: Summary) -> None:
    for line in summary.lines():
        print(line, file=sys.stderr)
