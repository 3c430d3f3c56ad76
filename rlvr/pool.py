"""The verification pools: `open_pool` picks a backend of the engine (rlvr/engine.py) —
local worker processes (`rlvr.engine.LocalPool`) or Ray actors (`EnvironmentPool`, here) —
and `backend_for` says which a caller gets by default.

The Ray backend: actors verify completions, every environment at once.

`EnvironmentPool({"math": ..., "code": ..., "if": ...})` starts, for each environment, a few
Ray actors that host its verifier. It offers the interface of every backend
(`rlvr.engine.VerificationPool`): `score(items)` takes (env, problem, completion) triples,
splits each environment's share into chunks across that environment's actors, and returns the
verdicts in input order; `ascore` is the same for async callers (TRL awaits async reward
functions on an event loop of its own). Environments never wait for each other: each has its
own actors, and one dispatcher thread hands each chunk to an actor of the right environment
with room for it (two chunks queued at most, so an actor never idles between chunks).

Where the code runs, and what each layer guards against:

- The driver (the training or `rlvr verify` process) only schedules. Each call to an actor
  has a deadline; an actor that dies (crash, OOM killer, lost node) or overruns it is killed
  and replaced, and its chunks are retried item by item, each alone on an actor. An
  item whose actor is lost twice is an infrastructure fault: `Verdict(None, {"error":
  ...})`, never a 0.
- The actor (`EnvironmentActor`) never runs verifier code itself: it holds the engine's one
  runner, `rlvr.engine.VerifierProcess`, the child process the local backend uses too, with
  the same deadline (an OS alarm), the same retry of an item whose child died, and the same
  verdicts. The actor stays responsive throughout, so the driver's deadlines only ever fire
  on a broken actor or node.

Ray itself: `start_ray` joins an initialised Ray, else `address` or `RAY_ADDRESS` (a
cluster), else starts a quiet local instance (no dashboard, actor output kept in Ray's log
files) with the cores this process may use; the pool shuts down only a Ray it started.
Actors declare their CPUs: by default every CPU Ray sees, shared evenly, so three
environments on two cores get 2/3 of a CPU each. An actor that cannot be placed within
`placement_timeout` seconds is an error, not a hang. docs/ray.md has the details.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import socket
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlvr.engine import (
    ALARM_GRACE_S,
    CHUNK_ITEMS,
    ITEM_TIMEOUT_S,
    PROCESS_START_TIMEOUT_S,
    Backend,
    Item,
    LocalPool,
    PoolBase,
    PoolClosed,
    PoolStats,
    VerificationPool,
    VerifierProcess,
    VerifierSource,
    check_pool_settings,
    chunk_limit,
    pickled,
    plan_chunks,
    plugin_sources,
    texts,
)
from rlvr.errors import UserError
from rlvr.protocols import Verifier
from rlvr.verdict import Verdict

__all__ = [
    "CHUNK_ITEMS",
    "ITEM_TIMEOUT_S",
    "EnvironmentPool",
    "Item",
    "NodeRay",
    "PoolClosed",
    "PoolStats",
    "backend_for",
    "cpu_share",
    "open_pool",
    "start_ray",
    "stop_ray",
]

PLACEMENT_TIMEOUT_S = 30.0
"""Seconds an actor may take to be placed and started before the pool gives up on it."""
LOCAL_START_TIMEOUT_S = 180.0
"""Seconds the actors of a Ray instance this process started may take to start when their
CPUs are certainly theirs (they fit its share): a loaded machine, never a placement failure."""
CALLS_PER_ACTOR = 2
"""Chunks queued on an actor at once: the next one starts as soon as the last ends, without
waiting for a round trip through the driver (which, on a loaded machine, costs a few process
wake-ups per chunk)."""
LOSSES_PER_ITEM = 2
"""An item whose actor is lost this many times is an infrastructure error."""
CALL_SLACK_S = 10.0
"""Added to each actor call's deadline for the round trip and Ray's own scheduling."""
POLL_S = 0.05
"""How often the dispatcher looks for new batches while actors are busy."""
ACTOR_LOST = "the Ray actor verifying this item was lost"

log = logging.getLogger(__name__)


# -- the actor -------------------------------------------------------------------------------


class EnvironmentActor:
    """The body of a Ray actor: one environment's verifier, in the engine's runner."""

    def __init__(
        self,
        env: str,
        verifier_bytes: bytes,
        plugin_sources: Sequence[tuple[str, str]],
        item_timeout: float,
    ) -> None:
        self.env = env
        self.process = VerifierProcess({env: verifier_bytes}, plugin_sources, item_timeout)
        self.process.start()  # a verifier that cannot load here fails the actor at once

    def ready(self) -> int:
        """This actor's process id, once it is placed and its verifier process is up."""
        return os.getpid()

    def verifier_pid(self) -> int | None:
        return self.process.pid

    def score(self, items: list[Item]) -> tuple[list[Verdict], int]:
        """The verdicts, and how many times the verifier process was restarted on the way."""
        before = self.process.restarts
        verdicts = self.process.score(items)
        return verdicts, self.process.restarts - before


# -- Ray -------------------------------------------------------------------------------------


def start_ray(address: str | None = None, *, num_cpus: int | None = None) -> bool:
    """Make sure this process is connected to Ray; True when this call did it (the caller then
    owns the connection and ends it with `stop_ray`).

    An initialised Ray is used as it is. Otherwise `address`, or else `RAY_ADDRESS`, names a
    cluster to join as it is. Without either, one of a node's processes launched together
    (`torchrun`, `accelerate launch`: LOCAL_RANK and LOCAL_WORLD_SIZE set) starts a local
    instance and the others join it (`NodeRay`); a process on its own starts one for itself.
    A local instance is quiet: no dashboard, actor output in Ray's log files rather than on
    this terminal, `num_cpus` (default: the cores this process may use).
    """
    import ray

    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address is not None:
        _check_reachable(address)
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        _connection.node, _connection.cluster = None, True
        return True
    node = NodeRay.from_environment()
    if node is not None and node.local_rank > 0:
        node.join()
    else:
        _start_local_ray(num_cpus)
        if node is not None:
            node.publish()
    _connection.node, _connection.cluster = node, False
    return True


def _start_local_ray(num_cpus: int | None) -> None:
    import ray

    ray.init(
        address="local",
        num_cpus=num_cpus or len(os.sched_getaffinity(0)),
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
    )


def stop_ray() -> None:
    """End this process's connection to Ray, started by `start_ray`. A node's shared
    instance stays up until every process of the node that joined it has left: local rank 0
    waits for their leave marks (up to `NODE_RAY_WAIT_S`) before shutting it down."""
    import ray

    node, _connection.node = _connection.node, None
    if node is not None and node.local_rank == 0:
        node.wait_for_others_to_leave()
    ray.shutdown()
    if node is not None:
        node.leave()


def cpu_share() -> float:
    """The CPUs of the Ray this process is connected to that are its own to use: all of them,
    or, where several processes of one launch share it, an even share (the local world size's
    on a node's shared instance, the world size's on a cluster given by address)."""
    import ray

    total = float(ray.cluster_resources().get("CPU", 0.0))
    return total / max(1, _sharing_processes())


def _sharing_processes() -> int:
    if _connection.node is not None:
        return _connection.node.local_world_size
    if _connection.cluster:
        return _env_int("WORLD_SIZE") or 1
    return 1


@dataclass
class _Connection:
    """How `start_ray` connected this process: its part in its node's shared Ray, or a
    cluster given by address."""

    node: NodeRay | None = None
    cluster: bool = False


_connection = _Connection()


NODE_RAY_WAIT_S = 120.0
"""How long a process waits for its node's Ray to be started by local rank 0 (and rank 0, at
the end, for the others to leave it). Override with RLVR_NODE_RAY_WAIT_S."""


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _process_start_time() -> float:
    """When this process started (wall clock), from /proc; now where /proc cannot say."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # starttime, field 22 of stat(5), after pid and comm
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return time.time()


@dataclass
class NodeRay:
    """One Ray per node for the processes a launcher started together on it.

    Local rank 0 starts a local instance and writes its address to `folder/head.json`; the
    other local ranks wait for that file (written after they started, so a previous launch's
    is never taken) and join the instance. The folder is node-local (the temporary
    directory), per user, and named after what the processes of one launch share: the
    rendezvous address and port, the run id and the node's rank, so that two launches on one
    node never meet. At the end each joined rank leaves a mark, and rank 0 shuts the instance
    down only when all have (or the wait runs out): no rank loses its actors to another
    finishing first.
    """

    local_rank: int
    local_world_size: int
    folder: Path
    wait_s: float = NODE_RAY_WAIT_S

    @classmethod
    def from_environment(cls) -> NodeRay | None:
        """The node's shared Ray for a process of a multi-process launch, else None."""
        local_rank = _env_int("LOCAL_RANK")
        local_world_size = _env_int("LOCAL_WORLD_SIZE")
        if local_world_size is None and local_rank is not None:
            # a launcher that sets no LOCAL_WORLD_SIZE: one node, so the world is the node
            local_world_size = _env_int("WORLD_SIZE") if _env_int("GROUP_RANK") in (None, 0) else 1
        if local_rank is None or local_world_size is None or local_world_size < 2:
            return None
        if local_rank >= local_world_size:
            raise UserError(
                f"LOCAL_RANK {local_rank} is not below LOCAL_WORLD_SIZE {local_world_size}"
            )
        launch = "|".join(
            os.environ.get(name, "")
            for name in ("MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID", "GROUP_RANK")
        )
        digest = hashlib.sha256(launch.encode()).hexdigest()[:16]
        base = Path(tempfile.gettempdir()) / f"rlvr-node-ray-{os.getuid()}"
        wait_s = float(os.environ.get("RLVR_NODE_RAY_WAIT_S") or NODE_RAY_WAIT_S)
        return cls(local_rank, local_world_size, base / digest, wait_s)

    @property
    def head_file(self) -> Path:
        return self.folder / "head.json"

    def _left_file(self, rank: int) -> Path:
        return self.folder / f"left-{rank}"

    def _make_folder(self) -> None:
        """The folder, private to this user: one that another user made (or may write to)
        could hand the ranks a Ray instance of theirs, so it is refused."""
        for folder in (self.folder.parent, self.folder):
            folder.mkdir(exist_ok=True, mode=0o700)
            status = folder.stat()
            if status.st_uid != os.getuid() or status.st_mode & 0o022:
                raise UserError(
                    f"{folder} is not private to this user (owner uid {status.st_uid}, mode "
                    f"{status.st_mode & 0o777:o}); remove it, or set TMPDIR elsewhere"
                )

    def publish(self) -> None:
        """Rank 0, once its instance is up: the address for the others, written atomically."""
        import ray

        self._make_folder()
        for rank in range(1, self.local_world_size):
            self._left_file(rank).unlink(missing_ok=True)
        record = {
            "address": ray.get_runtime_context().gcs_address,
            "pid": os.getpid(),
            # Ray 2.5x+ turns token authentication on for a new local instance; a process
            # joining it by address must be told to present the token (~/.ray/auth_token)
            "auth_mode": os.environ.get("RAY_AUTH_MODE"),
        }
        temporary = self.folder / f".head-{os.getpid()}.json"
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, self.head_file)

    def join(self) -> None:
        """Another rank: wait for rank 0's address, then connect to that instance."""
        import ray

        self._make_folder()
        started = _process_start_time() - 1.0  # the clock's granularity, not a launch's gap
        deadline = time.monotonic() + self.wait_s
        while True:
            address, auth_mode = self._published_address(since=started)
            if address is not None:
                try:
                    _check_reachable(address, timeout=5.0)
                except UserError:
                    address = None  # not up yet, or a dead instance's file being replaced
            if address is not None:
                break
            if time.monotonic() > deadline:
                raise UserError(
                    f"local rank {self.local_rank}: local rank 0 did not start this node's Ray "
                    f"within {self.wait_s:g} s (it writes {self.head_file}); did rank 0 fail? "
                    "Set RLVR_NODE_RAY_WAIT_S to wait longer, or RAY_ADDRESS to use a cluster"
                )
            time.sleep(0.2)
        if isinstance(auth_mode, str) and not os.environ.get("RAY_AUTH_MODE"):
            os.environ["RAY_AUTH_MODE"] = auth_mode
            with contextlib.suppress(Exception):  # Ray reads its config once, at import
                from ray._raylet import Config  # type: ignore[attr-defined]

                Config.initialize("")
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)

    def _published_address(self, *, since: float) -> tuple[str | None, Any]:
        """The address rank 0 published since `since`, and its authentication mode."""
        try:
            if self.head_file.stat().st_mtime < since:
                return None, None  # a previous launch's
            record = json.loads(self.head_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None, None
        if not isinstance(record, dict):
            return None, None
        address = record.get("address")
        valid = isinstance(address, str) and bool(address)
        return (address if valid else None), record.get("auth_mode")

    def leave(self) -> None:
        """A joined rank's mark that it no longer uses the instance; rank 0, once the
        instance is down, clears the folder."""
        with contextlib.suppress(OSError):
            if self.local_rank == 0:
                self.head_file.unlink(missing_ok=True)
                for rank in range(1, self.local_world_size):
                    self._left_file(rank).unlink(missing_ok=True)
                self.folder.rmdir()
            else:
                self._left_file(self.local_rank).touch()

    def wait_for_others_to_leave(self) -> None:
        """Rank 0 at the end: until every other local rank has left, or the wait runs out."""
        deadline = time.monotonic() + self.wait_s
        others = [self._left_file(rank) for rank in range(1, self.local_world_size)]
        while not all(path.exists() for path in others):
            if time.monotonic() > deadline:
                missing = [p.name for p in others if not p.exists()]
                log.warning(
                    "shutting this node's Ray down with ranks still on it (%s)", ", ".join(missing)
                )
                return
            time.sleep(0.2)


def _check_reachable(address: str, timeout: float = 10.0) -> None:
    """Fail in seconds on a cluster address nobody answers at (ray.init retries for minutes)."""
    if address in ("auto", "local") or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise UserError(
            f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); start it with "
            "`ray start --head` there, or drop --ray-address / RAY_ADDRESS for a local Ray"
        ) from None


# -- the pool --------------------------------------------------------------------------------


@dataclass
class _Batch:
    verdicts: list[Verdict | None]
    remaining: int
    future: Future[list[Verdict]]


@dataclass
class _Chunk:
    batch: _Batch
    env: str
    positions: list[int]
    items: list[Item]
    losses: int = 0


@dataclass
class _Actor:
    env: str
    handle: Any
    started: Any  # the ObjectRef of its ready()
    confirmed: bool = False  # ready() has answered
    busy_until: float = 0.0  # the deadline of its last queued call


@dataclass
class _Call:
    actor: _Actor
    chunk: _Chunk
    deadline: float
    slots: int  # of the actor's CALLS_PER_ACTOR: all of them for a retry, which runs alone


@dataclass
class _Env:
    name: str
    verifier_bytes: bytes
    chunk_items: int
    actors: list[_Actor] = field(default_factory=list)
    idle: list[_Actor] = field(default_factory=list)  # one entry per call an actor can take
    queue: deque[_Chunk] = field(default_factory=deque)


class EnvironmentPool(PoolBase):
    """Ray actors per environment verifying (env, problem, completion) items; see the module
    docstring. Use it as a context manager, or call `close()`."""

    def __init__(
        self,
        verifiers_by_env: Mapping[str, Verifier],
        *,
        actors_per_env: int | None = None,
        cpus_per_actor: float | None = None,
        item_timeout: float = ITEM_TIMEOUT_S,
        address: str | None = None,
        plugin_files: Sequence[str | Path] | None = None,
        placement_timeout: float = PLACEMENT_TIMEOUT_S,
    ) -> None:
        check_pool_settings(verifiers_by_env, actors_per_env, item_timeout, "actors_per_env")
        if cpus_per_actor is not None and cpus_per_actor < 0:
            raise UserError(f"cpus_per_actor must not be negative, got {cpus_per_actor}")
        self.item_timeout = item_timeout
        self.placement_timeout = placement_timeout
        self._stats = PoolStats()
        self._lock = threading.Condition()
        self._stopping = False
        self._broken: BaseException | None = None
        self._in_flight: dict[Any, _Call] = {}
        self._envs = {
            name: _Env(
                name,
                pickled(name, verifier),
                chunk_limit(verifier),
            )
            for name, verifier in verifiers_by_env.items()
        }
        self._plugin_sources = plugin_sources(plugin_files)
        self._thread: threading.Thread | None = None

        import ray

        self._owns_ray = start_ray(address)
        try:
            total_cpus = cpu_share()  # this process's share where a launch's ranks share Ray
            self.actors_per_env = actors_per_env or max(1, int(total_cpus // len(self._envs)))
            actors = self.actors_per_env * len(self._envs)
            if cpus_per_actor is None:
                # Every CPU Ray sees, shared evenly; fractions let several environments share
                # a core (Ray counts CPUs to four decimals).
                cpus_per_actor = math.floor(min(1.0, total_cpus / actors) * 10_000) / 10_000
            self.cpus_per_actor = cpus_per_actor
            self._check_fits(ray)
            # How long an actor may take to start: longer where its CPUs are certainly its own
            # (starting on a busy machine, never a placement failure); for the first actors
            # and for replacements alike.
            self.start_timeout = (
                max(self.placement_timeout, LOCAL_START_TIMEOUT_S)
                if self._fits_own_instance()
                else self.placement_timeout
            )
            for env in self._envs.values():
                env.actors = [self._start_actor(env.name) for _ in range(self.actors_per_env)]
                env.idle = env.actors * CALLS_PER_ACTOR
            self._wait_placed()
        except BaseException:
            self.close()
            raise
        self._thread = threading.Thread(target=self._run, name="rlvr-pool", daemon=True)
        self._thread.start()

    # -- public ------------------------------------------------------------------------------

    @property
    def envs(self) -> list[str]:
        return list(self._envs)

    def submit(self, items: Sequence[Item]) -> Future[list[Verdict]]:
        """Queue a batch; a future of its verdicts, in input order."""
        batch = _Batch([None] * len(items), len(items), Future())
        chunks = self._chunks(batch, items)
        if not items:
            batch.future.set_result([])
            return batch.future
        with self._lock:
            if self._broken is not None:
                raise RuntimeError(f"the environment pool failed: {self._broken}")
            if self._stopping:
                raise PoolClosed("the environment pool is closed")
            for chunk in chunks:
                self._envs[chunk.env].queue.append(chunk)
            self._lock.notify_all()
        return batch.future

    @property
    def total_actors(self) -> int:
        return self.actors_per_env * len(self._envs)

    def actor_pids(self, env: str) -> list[int]:
        """The process ids of an environment's actors (for tests and debugging)."""
        import ray

        return list(ray.get([a.handle.ready.remote() for a in self._envs[env].actors]))

    def close(self) -> None:
        """Stop the dispatcher, kill the actors, and shut Ray down if this pool started it.
        Batches still waiting fail with `PoolClosed`."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._fail_waiting(PoolClosed("the environment pool was closed"))
        if "ray" in sys.modules:
            import ray

            if ray.is_initialized():
                for env in self._envs.values():
                    for actor in env.actors:
                        with contextlib.suppress(Exception):
                            ray.kill(actor.handle)
                    env.actors, env.idle = [], []
                if self._owns_ray:
                    stop_ray()
                    self._owns_ray = False

    # -- actors ------------------------------------------------------------------------------

    def _check_fits(self, ray: Any) -> None:
        largest = max(
            (float(n.get("Resources", {}).get("CPU", 0.0)) for n in ray.nodes() if n.get("Alive")),
            default=0.0,
        )
        if self.cpus_per_actor > largest:
            raise UserError(
                f"an environment actor asks for {self.cpus_per_actor:g} CPUs but the largest "
                f"Ray node has {largest:g}; ask for fewer"
            )

    def _start_actor(self, env: str) -> _Actor:
        import ray

        handle: Any = (
            ray.remote(EnvironmentActor)
            .options(
                num_cpus=self.cpus_per_actor,
                max_restarts=0,  # replaced by the pool, which knows which items to retry
                max_concurrency=1,
                scheduling_strategy="SPREAD",
            )
            .remote(env, self._envs[env].verifier_bytes, self._plugin_sources, self.item_timeout)
        )
        return _Actor(env, handle, handle.ready.remote())

    def _wait_placed(self) -> None:
        """Every actor up within the placement timeout, or a clear error."""
        import ray

        actors = [a for env in self._envs.values() for a in env.actors]
        started = [a.started for a in actors]
        ready, waiting = ray.wait(started, num_returns=len(actors), timeout=self.placement_timeout)
        slow_start = self.start_timeout > self.placement_timeout
        if waiting and slow_start:  # placed, as they fit a Ray nobody else uses: a busy machine
            log.warning(
                "environment actors are slow to start; waiting up to %g s", self.start_timeout
            )
            ready, waiting = ray.wait(
                started,
                num_returns=len(actors),
                timeout=self.start_timeout - self.placement_timeout,
            )
        for actor in actors:
            if actor.started in ready:
                try:
                    ray.get(actor.started)
                except ray.exceptions.RayError as exc:
                    raise UserError(
                        f"the actor for environment {actor.env!r} failed to start: "
                        f"{_root_cause(exc)}"
                    ) from None
                actor.confirmed = True
        if not waiting:
            return
        late = f"{len(waiting)} of {len(actors)} environment actors "
        late += f"({', '.join(sorted({a.env for a in actors if not a.confirmed}))})"
        if slow_start:
            raise UserError(
                f"{late} had their CPUs but did not start within {self.start_timeout:g} s: the "
                "machine is too busy (other trainings or tests?), or a verifier is slow to load"
            )
        raise UserError(
            f"{late} could not be placed within {self.placement_timeout:g} s: each asks for "
            f"{self.cpus_per_actor:g} CPUs and Ray has {_cpu_summary(ray)}. Lower "
            "actors_per_env, or add nodes"
        )

    def _fits_own_instance(self) -> bool:
        """Whether every actor certainly holds its CPUs: this process started the local Ray
        (alone or as a node's shared instance) and the actors fit its share of it."""
        return (
            self._owns_ray
            and not _connection.cluster
            and self.total_actors * self.cpus_per_actor <= cpu_share() + 1e-9
        )

    def _replace(self, actor: _Actor) -> None:
        """Kill an actor and start another in its place (once: its other calls fail too)."""
        import ray

        env = self._envs[actor.env]
        if actor not in env.actors:
            return
        with contextlib.suppress(Exception):
            ray.kill(actor.handle)
        fresh = self._start_actor(actor.env)
        env.actors[env.actors.index(actor)] = fresh
        with self._lock:
            env.idle = [a for a in env.idle if a is not actor] + [fresh] * CALLS_PER_ACTOR
            self._stats.actor_restarts += 1

    # -- batches -----------------------------------------------------------------------------

    def _chunks(self, batch: _Batch, items: Sequence[Item]) -> list[_Chunk]:
        limits = {name: env.chunk_items for name, env in self._envs.items()}
        return [
            _Chunk(batch, env, positions, texts(items, positions))
            for env, positions in plan_chunks(items, limits, self.actors_per_env)
        ]

    def _deliver(self, chunk: _Chunk, verdicts: Sequence[Verdict]) -> None:
        batch = chunk.batch
        with self._lock:
            for position, verdict in zip(chunk.positions, verdicts, strict=True):
                batch.verdicts[position] = verdict
            self._stats.count(verdicts)
            batch.remaining -= len(chunk.positions)
        if batch.remaining == 0 and not batch.future.done():
            batch.future.set_result([v for v in batch.verdicts if v is not None])

    def _requeue(self, chunk: _Chunk, reason: str) -> None:
        """A chunk whose actor was lost: retried item by item, each alone on an actor (see
        `_place`); an item lost `LOSSES_PER_ITEM` times is an error."""
        losses = chunk.losses + 1
        if len(chunk.items) > 1:
            retries = [
                _Chunk(chunk.batch, chunk.env, [p], [item], losses)
                for p, item in zip(chunk.positions, chunk.items, strict=True)
            ]
        elif losses >= LOSSES_PER_ITEM:
            message = f"{ACTOR_LOST} {losses} times ({reason})"
            self._deliver(chunk, [Verdict.error(message, status="actor_lost")])
            return
        else:
            retries = [_Chunk(chunk.batch, chunk.env, chunk.positions, chunk.items, losses)]
        with self._lock:
            self._envs[chunk.env].queue.extendleft(reversed(retries))

    # -- the dispatcher thread ---------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    while not (
                        self._stopping
                        or self._in_flight
                        or any(_placeable(e) for e in self._envs.values())
                    ):
                        self._lock.wait()
                    if self._stopping:
                        return
                    calls = [call for env in self._envs.values() for call in _place(env)]
                for actor, chunk, slots in calls:
                    self._send(actor, chunk, slots)
                self._collect()
        except BaseException as exc:  # a bug or a broken cluster: fail loudly, never hang
            log.exception("the environment pool's dispatcher failed")
            with self._lock:
                self._broken = exc
            self._fail_waiting(exc)

    def _send(self, actor: _Actor, chunk: _Chunk, slots: int) -> None:
        budget = len(chunk.items) * (self.item_timeout + ALARM_GRACE_S + PROCESS_START_TIMEOUT_S)
        if not actor.confirmed:
            budget += self.start_timeout
        # a call queued behind another on the same actor starts when that one ends
        actor.busy_until = max(time.monotonic(), actor.busy_until) + budget + CALL_SLACK_S
        ref = actor.handle.score.remote(chunk.items)
        self._in_flight[ref] = _Call(actor, chunk, actor.busy_until, slots)

    def _collect(self) -> None:
        import ray

        if not self._in_flight:
            return
        now = time.monotonic()
        earliest = min(call.deadline for call in self._in_flight.values())
        refs = list(self._in_flight)
        ready, _ = ray.wait(refs, num_returns=1, timeout=max(0.0, min(POLL_S, earliest - now)))
        if ready:
            ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        for ref in ready:
            call = self._in_flight.pop(ref)
            try:
                verdicts, process_restarts = ray.get(ref)
            except ray.exceptions.RayError as exc:
                self._replace(call.actor)
                self._requeue(call.chunk, _root_cause(exc))
                continue
            call.actor.confirmed = True
            env = self._envs[call.actor.env]
            with self._lock:
                self._stats.process_restarts += process_restarts
                if call.actor in env.actors:
                    env.idle.extend([call.actor] * call.slots)
            self._deliver(call.chunk, verdicts)
        now = time.monotonic()
        for ref, call in list(self._in_flight.items()):
            if call.deadline > now:
                continue
            del self._in_flight[ref]
            if not call.actor.confirmed and not ray.wait([call.actor.started], timeout=0)[0]:
                raise UserError(
                    f"a replacement actor for environment {call.actor.env!r} could not be "
                    f"placed within {self.start_timeout:g} s (Ray has {_cpu_summary(ray)})"
                )
            log.warning("an actor of %r overran its deadline; replacing it", call.actor.env)
            self._replace(call.actor)
            self._requeue(call.chunk, "it stopped answering")

    def _fail_waiting(self, exc: BaseException) -> None:
        with self._lock:
            batches = {id(c.batch): c.batch for e in self._envs.values() for c in e.queue}
            batches.update({id(c.chunk.batch): c.chunk.batch for c in self._in_flight.values()})
            for env in self._envs.values():
                env.queue.clear()
            self._in_flight.clear()
        for batch in batches.values():
            if not batch.future.done():
                batch.future.set_exception(exc)


def _place(env: _Env) -> Iterator[tuple[_Actor, _Chunk, int]]:
    """Take chunks off the head of `env`'s queue while an actor has room: (actor, chunk,
    slots taken). A retried chunk (its actor was lost) takes a whole idle actor, with nothing
    queued before or after it there: an item sharing an actor with one that kills it would be
    lost with it, and after two such losses an innocent item would end as an error. So a loss
    on a retry is the item's own doing (or the infrastructure's, twice). Called with the
    pool's lock held."""
    while _placeable(env):
        chunk = env.queue.popleft()
        if chunk.losses == 0:
            yield env.idle.pop(), chunk, 1
            continue
        actor = next(a for a in env.actors if env.idle.count(a) == CALLS_PER_ACTOR)
        env.idle = [a for a in env.idle if a is not actor]
        yield actor, chunk, CALLS_PER_ACTOR


def _placeable(env: _Env) -> bool:
    """Whether the chunk at the head of `env`'s queue can be sent now (the queue keeps its
    order: a retry waiting for a whole actor holds back the chunks behind it)."""
    if not env.queue or not env.idle:
        return False
    if env.queue[0].losses == 0:
        return True
    return any(env.idle.count(a) == CALLS_PER_ACTOR for a in env.actors)


def _root_cause(exc: BaseException) -> str:
    """The last line of a Ray error: the exception that started it, not Ray's framing."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def _cpu_summary(ray: Any) -> str:
    total = ray.cluster_resources().get("CPU", 0.0)
    free = ray.available_resources().get("CPU", 0.0)
    return f"{total:g} CPUs, {free:g} free"


# -- choosing a backend ------------------------------------------------------------------------


def backend_for(address: str | None = None, *, ray: bool | None = None) -> Backend:
    """Ray when asked (`ray=True`) or given a cluster (`address`, RAY_ADDRESS) unless told
    not to (`ray=False`); otherwise local worker processes, which start in a fraction of the
    ~4 s a local Ray takes and need no Ray installed."""
    if ray is None:
        ray = bool(address or os.environ.get("RAY_ADDRESS"))
    return "ray" if ray else "local"


def open_pool(
    verifiers: Mapping[str, VerifierSource],
    *,
    backend: Backend,
    workers: int | None = None,
    item_timeout: float = ITEM_TIMEOUT_S,
    address: str | None = None,
    plugin_files: Sequence[str | Path] | None = None,
) -> VerificationPool:
    """The pool of `backend` hosting `verifiers` (by key: instances, or registered names,
    which the local backend builds in a worker only when a row first needs one). `workers`:
    local worker processes, or Ray actors per key (default: the cores there are)."""
    if backend == "ray":
        from rlvr.registry import default_registry

        instances = {
            key: default_registry().create("verifiers", v) if isinstance(v, str) else v
            for key, v in verifiers.items()
        }
        return EnvironmentPool(
            instances,
            actors_per_env=workers,
            item_timeout=item_timeout,
            address=address,
            plugin_files=plugin_files,
        )
    return LocalPool(
        verifiers, workers=workers, item_timeout=item_timeout, plugin_files=plugin_files
    )
