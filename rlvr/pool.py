"""The environment pool: Ray actors verify completions, every environment at once.

`EnvironmentPool({"math": ..., "code": ..., "if": ...})` starts, for each environment, a few
Ray actors that host its verifier. `score(items)` takes (env, problem, completion) triples,
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
- The actor (`EnvironmentActor`) never runs verifier code itself: it feeds items one at a
  time to a child process (`VerifierProcess`) and times each. A child that runs past the
  item's deadline — even inside a C call that holds the GIL, where nothing in its own process
  could interrupt it — is ended by the OS alarm `rlvr verify`'s workers use
  (`rlvr.verify.score_row`): the item scores 0 with `info.status = "timeout"` and a fresh
  child carries on with the next item. A child that dies otherwise gets its item retried once
  in a fresh child, then the item is an infrastructure fault. The actor stays responsive
  throughout, so the driver's deadlines only ever fire on a broken actor or node.

Ray itself: `start_ray` joins an initialised Ray, else `address` or `RAY_ADDRESS` (a
cluster), else starts a quiet local instance (no dashboard, actor output kept in Ray's log
files) with the cores this process may use; the pool shuts down only a Ray it started.
Actors declare their CPUs: by default every CPU Ray sees, shared evenly, so three
environments on two cores get 2/3 of a CPU each. An actor that cannot be placed within
`placement_timeout` seconds is an error, not a hang. docs/ray.md has the details.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import math
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from rlvr.errors import PluginError, UserError
from rlvr.protocols import Verifier
from rlvr.scoring import completion_text
from rlvr.verdict import Verdict

ITEM_TIMEOUT_S = 60.0
"""Seconds one item's verification may take (as `rlvr verify --timeout`)."""
PLACEMENT_TIMEOUT_S = 30.0
"""Seconds an actor may take to be placed and started before the pool gives up on it."""
CHUNK_ITEMS = 32
"""Most items sent to an actor at once, unless the verifier asks for fewer (`chunk_rows`)."""
CHUNKS_PER_ACTOR = 4
"""A batch is cut into at least this many chunks per actor, so the actors finish together."""
CALLS_PER_ACTOR = 2
"""Chunks queued on an actor at once: the next one starts as soon as the last ends, without
waiting for a round trip through the driver (which, on a loaded machine, costs a few process
wake-ups per chunk)."""
LOSSES_PER_ITEM = 2
"""An item whose actor is lost this many times is an infrastructure error."""
ALARM_GRACE_S = 2.0
"""How long past an item's alarm the actor waits before killing its verifier process itself."""
PROCESS_START_TIMEOUT_S = 60.0
"""Seconds a verifier process may take to start (import the verifier's modules, unpickle it)."""
CALL_SLACK_S = 10.0
"""Added to each actor call's deadline for the round trip and Ray's own scheduling."""
POLL_S = 0.05
"""How often the dispatcher looks for new batches while actors are busy."""
PR_SET_PDEATHSIG = 1  # linux/prctl.h
PROCESS_DIED = "the verifier process died while verifying this item"
ACTOR_LOST = "the Ray actor verifying this item was lost"

Item = tuple[str, Mapping[str, Any], Any]
"""(environment, problem record, completion): one unit of work for the pool."""
Tag = TypeVar("Tag")

log = logging.getLogger(__name__)


def timeout_verdict(seconds: float) -> Verdict:
    """An item that ran past its deadline: the completion's fault (it made the verifier run
    that long), so 0, with the reason."""
    return Verdict(
        0.0, {"status": "timeout", "reason": f"verification took longer than {seconds:g} s"}
    )


# -- the verifier process (inside an actor) ----------------------------------------------------


class VerifierProcessError(RuntimeError):
    """A verifier process that could not start (its plugin or module is missing, it does not
    unpickle, or it did not answer in time)."""


class VerifierProcess:
    """One verifier in a child process, scoring one item at a time under a deadline.

    The child is a fresh interpreter (`python -c`), not a fork: a Ray worker has threads, and
    a fork of it may inherit their locks held. It receives the verifier pickled, and the
    sources of the plugin files it may come from, so it works on any node of a cluster.
    """

    def __init__(
        self,
        verifier_bytes: bytes,
        plugin_sources: Sequence[tuple[str, str]] = (),
        item_timeout: float = ITEM_TIMEOUT_S,
    ) -> None:
        self.verifier_bytes = verifier_bytes
        self.plugin_sources = list(plugin_sources)
        self.item_timeout = item_timeout
        self.restarts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the child and wait until it holds the verifier."""
        if self._process is not None:
            return
        parent_end, child_end = socket.socketpair()
        env = {
            **os.environ,
            # what this process imports, the child imports: rlvr may be on the path only
            # through a Ray working directory
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        }
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _CHILD_MAIN, str(child_end.fileno())],
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
            )
        finally:
            child_end.close()
        self._conn = Connection(parent_end.detach())
        self._conn.send((self.verifier_bytes, self.plugin_sources, self.item_timeout))
        try:
            if not self._conn.poll(PROCESS_START_TIMEOUT_S):
                raise VerifierProcessError(
                    f"the verifier process did not start within {PROCESS_START_TIMEOUT_S:g} s"
                )
            status, detail = self._conn.recv()
        except (EOFError, OSError):
            code = self._stop()
            raise VerifierProcessError(
                f"the verifier process exited ({_describe_exit(code)}) before it was ready"
            ) from None
        except BaseException:
            self._stop()
            raise
        if status != "ready":
            self._stop()
            raise VerifierProcessError(detail)

    def score(self, items: Sequence[tuple[Mapping[str, Any], str]]) -> list[Verdict]:
        """Verdicts for `items`, in order; see the module docstring for timeouts and deaths."""
        verdicts: list[Verdict] = []
        retried: set[int] = set()
        while len(verdicts) < len(items):
            self.start()
            assert self._conn is not None
            try:
                # as they are: a record repeated (a group's completions) pickles once
                self._conn.send(list(items[len(verdicts) :]))
                while len(verdicts) < len(items):
                    # The child's alarm ends it at `item_timeout`; the grace covers the case
                    # where it could not (a verifier that blocked SIGALRM).
                    if not self._conn.poll(self.item_timeout + ALARM_GRACE_S):
                        raise TimeoutError
                    reward, info = self._conn.recv()
                    verdicts.append(Verdict(reward, info))
            except (EOFError, OSError, TimeoutError) as exc:
                code = self._stop()
                self.restarts += 1
                index = len(verdicts)
                if isinstance(exc, TimeoutError) or code == -signal.SIGALRM:
                    verdicts.append(timeout_verdict(self.item_timeout))
                elif index in retried:
                    verdicts.append(
                        Verdict.error(
                            f"{PROCESS_DIED} ({_describe_exit(code)}), twice",
                            status="crashed",
                        )
                    )
                else:
                    retried.add(index)  # maybe not its doing (an OOM kill): once more, alone
        return verdicts

    def close(self) -> None:
        self._stop()

    def _stop(self) -> int | None:
        """Kill the child (a no-op if it is gone) and reap it; its exit code."""
        code = None
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            code = self._process.wait()
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        return code


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "exit status unknown"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


_CHILD_MAIN = "import sys; from rlvr.pool import verifier_process_main; verifier_process_main()"


def verifier_process_main() -> None:
    """The child's program: receive the verifier, then score items until the parent leaves."""
    conn = Connection(int(sys.argv[1]))
    _die_with_parent()
    # SIGALRM with its default action ends the process, even inside a C call holding the GIL.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    with contextlib.suppress(OSError):
        # If memory runs out, the kernel should pick this process, not its actor.
        Path("/proc/self/oom_score_adj").write_text("1000")
    verifier_bytes, plugin_sources, item_timeout = conn.recv()
    try:
        verifier = _load_verifier(verifier_bytes, plugin_sources)
    except Exception as exc:
        conn.send(("error", f"the verifier cannot be loaded here: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))

    from rlvr.verify import score_row

    while True:
        try:
            items = conn.recv()
        except EOFError:
            return
        for problem, completion in items:
            verdict = score_row(verifier, problem, completion, item_timeout)
            try:
                conn.send((verdict.reward, verdict.info))
            except Exception as exc:  # info that does not pickle
                conn.send((None, {"error": f"the verdict's info does not pickle: {exc}"}))


def _load_verifier(verifier_bytes: bytes, plugin_sources: Sequence[tuple[str, str]]) -> Any:
    if plugin_sources:
        from rlvr.registry import load_plugin

        # Plugin files may not exist on this node: write them out under their own names, so
        # their modules import as `rlvr_plugin_<stem>`, the name the verifier pickled under.
        folder = Path(tempfile.mkdtemp(prefix="rlvr-plugins-"))
        for stem, source in plugin_sources:
            path = folder / f"{stem}.py"
            path.write_text(source, encoding="utf-8")
            load_plugin(path)
    return pickle.loads(verifier_bytes)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies, so a hung one is never orphaned."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


# -- the actor -------------------------------------------------------------------------------


class EnvironmentActor:
    """The body of a Ray actor: one environment's verifier, in a `VerifierProcess`."""

    def __init__(
        self,
        env: str,
        verifier_bytes: bytes,
        plugin_sources: Sequence[tuple[str, str]],
        item_timeout: float,
    ) -> None:
        self.env = env
        self.process = VerifierProcess(verifier_bytes, plugin_sources, item_timeout)
        self.process.start()  # a verifier that cannot load here fails the actor at once

    def ready(self) -> int:
        """This actor's process id, once it is placed and its verifier process is up."""
        return os.getpid()

    def verifier_pid(self) -> int | None:
        return self.process.pid

    def score(self, items: list[tuple[Mapping[str, Any], str]]) -> tuple[list[Verdict], int]:
        """The verdicts, and how many times the verifier process was restarted on the way."""
        before = self.process.restarts
        verdicts = self.process.score(items)
        return verdicts, self.process.restarts - before


# -- Ray -------------------------------------------------------------------------------------


def start_ray(address: str | None = None, *, num_cpus: int | None = None) -> bool:
    """Make sure this process is connected to Ray; True when this call did it (the caller then
    owns the connection and shuts it down).

    An initialised Ray is used as it is. Otherwise `address`, or else `RAY_ADDRESS`, names a
    cluster to join; without either a new local instance is started: no dashboard, actor
    output in Ray's log files rather than on this terminal, `num_cpus` (default: the cores
    this process may use).
    """
    import ray

    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address is not None:
        _check_reachable(address)
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    else:
        ray.init(
            address="local",
            num_cpus=num_cpus or len(os.sched_getaffinity(0)),
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
    return True


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
class PoolStats:
    """Counts since the pool started."""

    items: int = 0
    errors: int = 0
    """Items with reward None: the verifier raised, or its process or actor was lost."""
    timeouts: int = 0
    actor_restarts: int = 0
    """Actors killed (hung) or found dead, and replaced."""
    process_restarts: int = 0
    """Verifier processes replaced inside actors (after a timeout or a crash)."""


class PoolClosed(RuntimeError):
    """The pool was closed while a batch was waiting for it."""


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
    items: list[tuple[Mapping[str, Any], str]]
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


class EnvironmentPool:
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
        if not verifiers_by_env:
            raise UserError("the environment pool needs at least one environment")
        if actors_per_env is not None and actors_per_env < 1:
            raise UserError(f"actors_per_env must be at least 1, got {actors_per_env}")
        if not item_timeout > 0:
            raise UserError(f"the verification timeout must be positive, got {item_timeout}")
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
                _pickled(name, verifier),
                max(1, int(getattr(verifier, "chunk_rows", CHUNK_ITEMS))),
            )
            for name, verifier in verifiers_by_env.items()
        }
        self._plugin_sources = _plugin_sources(plugin_files)
        self._thread: threading.Thread | None = None

        import ray

        self._owns_ray = start_ray(address)
        try:
            total_cpus = float(ray.cluster_resources().get("CPU", 0.0))
            self.actors_per_env = actors_per_env or max(1, int(total_cpus // len(self._envs)))
            actors = self.actors_per_env * len(self._envs)
            if cpus_per_actor is None:
                # Every CPU Ray sees, shared evenly; fractions let several environments share
                # a core (Ray counts CPUs to four decimals).
                cpus_per_actor = math.floor(min(1.0, total_cpus / actors) * 10_000) / 10_000
            self.cpus_per_actor = cpus_per_actor
            self._check_fits(ray)
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

    def score(self, items: Sequence[Item]) -> list[Verdict]:
        """The verdicts of a batch of (env, problem, completion), in input order."""
        return self.submit(items).result()

    async def ascore(self, items: Sequence[Item]) -> list[Verdict]:
        """`score` for async callers: awaits without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(items))

    def stream(
        self, batches: Iterable[tuple[Tag, Sequence[Item]]], *, in_flight: int | None = None
    ) -> Iterator[tuple[Tag, list[Verdict]]]:
        """Score (tag, items) batches with a bounded number queued; yields them in order."""
        window = in_flight or 2 * self.total_actors
        pending: deque[tuple[Tag, Future[list[Verdict]]]] = deque()
        for tag, items in batches:
            pending.append((tag, self.submit(items)))
            while len(pending) >= window:
                done_tag, future = pending.popleft()
                yield done_tag, future.result()
        while pending:
            done_tag, future = pending.popleft()
            yield done_tag, future.result()

    def stats(self) -> PoolStats:
        with self._lock:
            return PoolStats(**vars(self._stats))

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
                    ray.shutdown()
                    self._owns_ray = False

    def __enter__(self) -> EnvironmentPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        ready, waiting = ray.wait(
            [a.started for a in actors], num_returns=len(actors), timeout=self.placement_timeout
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
        if waiting:
            late = sorted({a.env for a in actors if not a.confirmed})
            raise UserError(
                f"{len(waiting)} of {len(actors)} environment actors ({', '.join(late)}) could "
                f"not be placed within {self.placement_timeout:g} s: each asks for "
                f"{self.cpus_per_actor:g} CPUs and Ray has {_cpu_summary(ray)}. Lower "
                "actors_per_env, or add nodes"
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
        by_env: dict[str, list[int]] = {}
        for position, item in enumerate(items):
            env = item[0]
            if env not in self._envs:
                raise UserError(
                    f"no environment {env!r} in the pool; it has {', '.join(self._envs)}"
                )
            by_env.setdefault(env, []).append(position)
        chunks = []
        for env, positions in by_env.items():
            limit = self._envs[env].chunk_items
            size = min(limit, -(-len(positions) // (self.actors_per_env * CHUNKS_PER_ACTOR)))
            for start in range(0, len(positions), size):
                part = positions[start : start + size]
                chunk_items = [(items[p][1], completion_text(items[p][2])) for p in part]
                chunks.append(_Chunk(batch, env, part, chunk_items))
        return chunks

    def _deliver(self, chunk: _Chunk, verdicts: Sequence[Verdict]) -> None:
        batch = chunk.batch
        with self._lock:
            for position, verdict in zip(chunk.positions, verdicts, strict=True):
                batch.verdicts[position] = verdict
                self._stats.items += 1
                self._stats.errors += verdict.reward is None
                self._stats.timeouts += verdict.info.get("status") == "timeout"
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
            budget += self.placement_timeout
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
                    f"placed within {self.placement_timeout:g} s (Ray has {_cpu_summary(ray)})"
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


def _pickled(env: str, verifier: Verifier) -> bytes:
    try:
        return pickle.dumps(verifier)
    except Exception as exc:
        raise PluginError(
            f"the verifier of environment {env!r} does not pickle ({exc}); Ray actors need a "
            "copy: keep locks, open files and lambdas out of its attributes"
        ) from exc


def _plugin_sources(plugin_files: Sequence[str | Path] | None) -> list[tuple[str, str]]:
    if plugin_files is None:
        from rlvr.registry import default_registry

        plugin_files = default_registry().plugin_files
    return [(Path(p).stem, Path(p).read_text(encoding="utf-8")) for p in plugin_files]


def _root_cause(exc: BaseException) -> str:
    """The last line of a Ray error: the exception that started it, not Ray's framing."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def _cpu_summary(ray: Any) -> str:
    total = ray.cluster_resources().get("CPU", 0.0)
    free = ray.available_resources().get("CPU", 0.0)
    return f"{total:g} CPUs, {free:g} free"
