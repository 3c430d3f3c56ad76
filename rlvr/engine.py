"""The verification engine: a verifier runs on a row under a hard deadline in a child process.

Every path that scores completions — `rlvr verify`, `rlvr check`, `rlvr eval` and training —
goes through this module; nothing else starts a verifier process, arms its alarm or decides
what a death or an overrun means.

The one runner is `VerifierProcess`: a child process holding one or more verifiers under
keys, fed (key, problem, completion) items one at a time. Verifier code never runs in the
caller: a verifier that crashes, exhausts memory or hangs takes down only its child.

- The deadline: each item runs under an OS alarm (`score_row`). Past `item_timeout`, SIGALRM's
  default action ends the child even inside a C call that holds the GIL, where no Python-level
  timeout can reach; the parent waits `ALARM_GRACE_S` more before killing it itself (a
  verifier that blocked SIGALRM). The item scores 0 with `info.status = "timeout"`: the
  completion made the verifier run that long.
- A death (a segfault, the OOM killer, `os._exit`): the item is retried once in a fresh child
  (an OOM kill may have picked the wrong process); a second death is an infrastructure fault,
  `Verdict(None, {"error": ...})`, never a 0.
- A verdict whose `info` does not pickle cannot come back: an infrastructure fault too.
- The child is a fork of this process where that is sound (`fork_is_safe`: one thread, no
  torch or Ray loaded; `rlvr verify`, `rlvr check`), which starts in milliseconds with its
  modules loaded; otherwise a fresh interpreter (`python -c`): a parent with threads (a Ray
  worker, a trainer running torch) may be forked with their locks held. It dies with its
  parent (PR_SET_PDEATHSIG), and asks the kernel's OOM killer to pick it first. It receives
  its verifiers pickled (or as registry names) and, when exec'd, the sources of the plugin
  files they may come from, so it works on any node of a cluster.
- Verdicts come back in batches (every `FLUSH_S`), not one message per item, which would
  cost as much as a cheap verification; after a fault the rest of the chunk reruns with a
  message per item, so that the fault is pinned on its own item.

Two backends host runners and share one interface (`VerificationPool`): `LocalPool` here
(worker processes on this machine, for a laptop or a GPU box without Ray) and the Ray
`EnvironmentPool` (rlvr/pool.py: actors per environment, each holding a `VerifierProcess`,
replaced when lost). `rlvr.pool.open_pool` picks one.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import functools
import os
import pickle
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal, Protocol, Self, TypeVar

from rlvr.errors import PluginError, UserError
from rlvr.protocols import Verifier, declared_chunk_rows
from rlvr.scoring import completion_text, score
from rlvr.verdict import Verdict

ITEM_TIMEOUT_S = 60.0
"""Seconds one item's verification may take (`rlvr verify --timeout`, `verify_timeout`)."""
CHUNK_ITEMS = 32
"""Most items sent to a runner at once, unless the verifier asks for fewer (`chunk_rows`):
items that cost tens of milliseconds each (sandboxed code) need small chunks for the runners
to finish together; cheap ones need large chunks to keep the round trips negligible."""
CHUNKS_PER_WORKER = 4
"""A batch is cut into at least this many chunks per runner, so the runners finish together."""
ALARM_GRACE_S = 2.0
"""How long past an item's alarm the parent waits before killing the child itself."""
FLUSH_S = 0.02
"""How often a child reports the verdicts it has: rarely enough that a cheap verification is
not dominated by the round trip, often enough that the parent sees progress."""
PROCESS_START_TIMEOUT_S = 60.0
"""Seconds a child may take to start (import the verifiers' modules, unpickle them)."""
PR_SET_PDEATHSIG = 1  # linux/prctl.h
PROCESS_DIED = "the worker process died while verifying this item"
NOT_SENT_BACK = "its verdict could not be sent back from the worker"

Item = tuple[str, Mapping[str, Any], Any]
"""(key, problem record, completion): one unit of work. The key names the verifier that
scores it: an environment's name in training, a verifier's name in `rlvr verify`."""
VerifierSource = Verifier | str
"""A verifier instance (sent to the child pickled) or a registered name (built in the child,
as `rlvr.registry` builds it)."""
Backend = Literal["local", "ray"]
Tag = TypeVar("Tag")


def timeout_verdict(seconds: float) -> Verdict:
    """An item that ran past its deadline: the completion's fault, so 0, with the reason."""
    return Verdict(
        0.0, {"status": "timeout", "reason": f"verification took longer than {seconds:g} s"}
    )


def chunk_limit(verifier: Any) -> int:
    """How many of this verifier's items one chunk may hold (its `chunk_rows`)."""
    return declared_chunk_rows(verifier) or CHUNK_ITEMS


# -- the child ---------------------------------------------------------------------------------


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies, so a hung one is never orphaned."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the parent still kills its children when it closes


def score_row(
    verifier: Verifier, problem: Mapping[str, Any], completion: str, alarm_s: float
) -> Verdict:
    """One item under an OS alarm: past `alarm_s` seconds SIGALRM's default action ends the
    process, even inside a C call holding the GIL. The process must have SIGALRM at its
    default action (`verifier_process_main` sets it); 0: no alarm."""
    if alarm_s:
        signal.setitimer(signal.ITIMER_REAL, alarm_s)
    try:
        return score(verifier, problem, completion)
    finally:
        if alarm_s:
            signal.setitimer(signal.ITIMER_REAL, 0)


_CHILD_MAIN = "from rlvr.engine import verifier_process_main; verifier_process_main()"


def verifier_process_main() -> None:
    """The program of an exec'd child: serve the parent on the descriptor it was given."""
    _serve(Connection(int(sys.argv[1])))


def _serve(conn: Connection) -> None:
    """The child: receive the verifiers, then score items until the parent leaves."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one item at a time: no thread pools
    die_with_parent()
    # SIGALRM with its default action ends the process, even inside a C call holding the GIL.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    with contextlib.suppress(OSError):
        # If memory runs out, the kernel should pick this process, not its parent, and a code
        # sandbox (1000, set by its harness) before this one: else a candidate that spreads its
        # memory over many small processes gets the verifier killed twice, a null row.
        Path("/proc/self/oom_score_adj").write_text("500")
    sources, plugin_sources, item_timeout = conn.recv()
    try:
        verifiers = _load_verifiers(sources, plugin_sources)
    except Exception as exc:
        conn.send(("error", f"the verifier cannot be loaded here: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            items, each = conn.recv()
        except EOFError:
            return
        done: list[bytes] = []
        flushed = time.monotonic()
        for key, problem, completion in items:
            started = time.perf_counter()
            try:
                verifier = verifiers[key]
            except Exception as exc:  # a named verifier that cannot be built here
                why = f"{type(exc).__name__}: {exc}"
                verdict = Verdict.error(f"the verifier {key!r} cannot be built here: {why}")
            else:
                verdict = score_row(verifier, problem, completion, item_timeout)
            done.append(_wire(verdict, time.perf_counter() - started))
            if each or time.monotonic() - flushed >= FLUSH_S:
                conn.send(done)
                done, flushed = [], time.monotonic()
        if done:
            conn.send(done)


def _wire(verdict: Verdict, seconds: float) -> bytes:
    """A verdict as the parent receives it; one whose info does not pickle is an error."""
    try:
        return pickle.dumps((verdict.reward, verdict.info, seconds))
    except Exception as exc:
        why = f"{type(exc).__name__}: {exc}"
        error = f"{NOT_SENT_BACK} ({why}); keep Verdict.info to plain data"
        return pickle.dumps((None, {"error": error}, seconds))


def _load_verifiers(
    sources: Mapping[str, bytes | str], plugin_sources: Sequence[tuple[str, str]]
) -> _Verifiers:
    from rlvr.registry import default_registry, load_plugin

    if plugin_sources:
        # Plugin files may not exist on this node: write them out under their own names, so
        # their modules import as `rlvr_plugin_<stem>`, the name the verifier pickled under.
        # Once imported they are not read again; the folder goes at once, since a child may
        # later be killed (deadline, death) with no chance to clean up.
        with tempfile.TemporaryDirectory(prefix="rlvr-plugins-") as folder:
            for stem, source in plugin_sources:
                path = Path(folder) / f"{stem}.py"
                path.write_text(source, encoding="utf-8")
                load_plugin(path)
    return _Verifiers(
        {key: pickle.loads(source) for key, source in sources.items() if isinstance(source, bytes)},
        {key: source for key, source in sources.items() if isinstance(source, str)},
        default_registry(),
    )


class _Verifiers(dict[str, Verifier]):
    """A child's verifiers: the pickled ones loaded at start (one that cannot load here
    fails the start), the named ones built from the registry when first asked for (a pool
    may offer every registered verifier and build only those its rows use)."""

    def __init__(self, loaded: dict[str, Verifier], named: dict[str, str], registry: Any) -> None:
        super().__init__(loaded)
        self.named = named
        self.registry = registry

    def __missing__(self, key: str) -> Verifier:
        verifier: Verifier = self.registry.create("verifiers", self.named[key])
        self[key] = verifier
        return verifier


# -- the runner --------------------------------------------------------------------------------


class VerifierProcessError(RuntimeError):
    """A child that could not start (its plugin or module is missing, a verifier does not
    unpickle, or it did not answer in time)."""


@dataclass(frozen=True)
class Run:
    """What one item's run in a child gave: the verdict, its time in the child, and whether
    the engine had to step in (`timeout`: the deadline passed; `died`: the child died twice)."""

    verdict: Verdict
    seconds: float
    fault: Literal["timeout", "died"] | None = None


class VerifierProcess:
    """Verifiers in a child process, scoring one item at a time under a deadline (see the
    module docstring)."""

    def __init__(
        self,
        sources: Mapping[str, bytes | str],
        plugin_sources: Sequence[tuple[str, str]] = (),
        item_timeout: float = ITEM_TIMEOUT_S,
        *,
        fork: bool | None = None,
    ) -> None:
        self.fork = fork
        """Start the child as a fork of this process (milliseconds, its modules already
        loaded) or as a fresh interpreter; None: a fork when `fork_is_safe()`."""
        self.sources = dict(sources)
        self.plugin_sources = list(plugin_sources)
        self.item_timeout = item_timeout
        self.restarts = 0
        self._process: subprocess.Popen[bytes] | _Forked | None = None
        self._conn: Connection | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the child and wait until it holds its verifiers."""
        if self._process is not None:
            return
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        """Start the child and send it its verifiers, without waiting for it (`wait_ready`).

        The child dies with the *thread* that spawns it (PR_SET_PDEATHSIG follows the
        creating thread, not the process): spawn from a thread that lives as long as the
        runner, never from a short-lived helper thread."""
        if self._process is not None:
            return
        parent_end, child_end = socket.socketpair()
        forked = self.fork if self.fork is not None else fork_is_safe()
        try:
            if forked:
                self._process = _fork_child(parent_end, child_end)
            else:
                env = {
                    **os.environ,
                    # what this process imports, the child imports: rlvr may be on the path
                    # only through a Ray working directory
                    "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
                }
                self._process = subprocess.Popen(
                    [sys.executable, "-c", _CHILD_MAIN, str(child_end.fileno())],
                    pass_fds=(child_end.fileno(),),
                    stdin=subprocess.DEVNULL,
                    env=env,
                )
        finally:
            child_end.close()
        self._conn = Connection(parent_end.detach())
        # a fork has the plugin modules this process loaded already
        plugins = [] if forked else self.plugin_sources
        self._conn.send((self.sources, plugins, self.item_timeout))

    def wait_ready(self) -> None:
        """Wait until the spawned child holds its verifiers (`VerifierProcessError` if it
        fails to, or takes longer than `PROCESS_START_TIMEOUT_S`)."""
        assert self._conn is not None, "spawn() first"
        try:
            if not self._conn.poll(PROCESS_START_TIMEOUT_S):
                raise VerifierProcessError(
                    f"the verifier process did not start within {PROCESS_START_TIMEOUT_S:g} s"
                )
            status, detail = self._conn.recv()
        except (EOFError, OSError):
            code = self._stop()
            raise VerifierProcessError(
                f"the verifier process exited ({describe_exit(code)}) before it was ready"
            ) from None
        except BaseException:
            self._stop()
            raise
        if status != "ready":
            self._stop()
            raise VerifierProcessError(detail)

    def run(self, items: Sequence[Item]) -> list[Run]:
        """Each item's run, in order. `items` hold completion texts.

        The child reports its verdicts in batches (every `FLUSH_S`): a message per item costs
        two process wake-ups, as much as a cheap verification. So when a child dies, the
        items since its last report are not known to be innocent: they run again, the child
        now reporting each item as it ends, and only a death or an overrun in that mode is
        an item's own (a hanging item costs two deadlines, a crashing one three starts)."""
        runs: list[Run] = []
        retried: set[int] = set()
        each = len(items) == 1
        while len(runs) < len(items):
            self.start()
            assert self._conn is not None
            try:
                # as they are: a record repeated (a group's completions) pickles once
                self._conn.send((list(items[len(runs) :]), each))
                while len(runs) < len(items):
                    if not self._conn.poll(self.item_timeout + ALARM_GRACE_S + FLUSH_S):
                        raise TimeoutError
                    for blob in self._conn.recv():
                        reward, info, seconds = pickle.loads(blob)
                        runs.append(Run(Verdict(reward, info), seconds))
            except (EOFError, OSError, TimeoutError) as exc:
                code = self._stop()
                self.restarts += 1
                index = len(runs)
                if not each:
                    each = True  # whose fault it was is found item by item
                    continue
                if isinstance(exc, TimeoutError) or code == -signal.SIGALRM:
                    runs.append(
                        Run(timeout_verdict(self.item_timeout), self.item_timeout, "timeout")
                    )
                elif index in retried:
                    error = f"{PROCESS_DIED} ({describe_exit(code)}), twice"
                    runs.append(Run(Verdict.error(error, status="crashed"), 0.0, "died"))
                else:
                    retried.add(index)  # maybe not its doing (an OOM kill): once more
        return runs

    def score(self, items: Sequence[Item]) -> list[Verdict]:
        """The verdicts of `items`, in order."""
        return [run.verdict for run in self.run(items)]

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


def fork_is_safe() -> bool:
    """Whether a fork of this process is sound: a fork copies only the calling thread, so a
    lock another thread held stays held in the child forever. Safe while this is the only
    thread and no library that runs threads of its own (torch, Ray) is loaded."""
    return threading.active_count() == 1 and not ({"torch", "ray"} & set(sys.modules))


class _Forked:
    """A forked child, answering as much of `subprocess.Popen` as the runner uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._code: int | None = None

    def kill(self) -> None:
        if self._code is None:
            os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        if self._code is None:
            _, status = os.waitpid(self.pid, 0)
            self._code = os.waitstatus_to_exitcode(status)
        return self._code


def _fork_child(parent_end: socket.socket, child_end: socket.socket) -> _Forked:
    pid = os.fork()
    if pid:
        return _Forked(pid)
    code = 0
    try:  # the child: it never returns into the parent's code
        parent_end.close()
        _serve(Connection(child_end.detach()))
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def describe_exit(code: int | None) -> str:
    if code is None:
        return "exit status unknown"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def pickled(key: str, verifier: Verifier) -> bytes:
    """The verifier as its child receives it; a `PluginError` naming the fix when it cannot."""
    try:
        return pickle.dumps(verifier)
    except Exception as exc:
        raise PluginError(
            f"the verifier of {key!r} does not pickle ({exc}); worker processes and Ray actors "
            "need a copy: keep locks, open files and lambdas out of its attributes"
        ) from exc


def plugin_sources(plugin_files: Sequence[str | Path] | None) -> list[tuple[str, str]]:
    """(stem, source) of the plugin files a child must load (None: those loaded here)."""
    if plugin_files is None:
        from rlvr.registry import default_registry

        plugin_files = default_registry().plugin_files
    return [(Path(p).stem, Path(p).read_text(encoding="utf-8")) for p in plugin_files]


# -- what both backends share ------------------------------------------------------------------


@dataclass
class PoolStats:
    """Counts since the pool started."""

    items: int = 0
    errors: int = 0
    """Items with reward None: the verifier raised, or its process or actor was lost."""
    timeouts: int = 0
    actor_restarts: int = 0
    """Ray actors killed (hung) or found dead, and replaced (none on the local backend)."""
    process_restarts: int = 0
    """Verifier processes replaced (after a timeout or a crash)."""

    def count(self, verdicts: Iterable[Verdict]) -> None:
        for verdict in verdicts:
            self.items += 1
            self.errors += verdict.reward is None
            self.timeouts += verdict.info.get("status") == "timeout"


class PoolClosed(RuntimeError):
    """The pool was closed while a batch was waiting for it."""


class VerificationPool(Protocol):
    """What a backend offers: batches of (key, problem, completion) items in, verdicts out in
    input order, every key's items on runners holding its verifier."""

    @property
    def envs(self) -> list[str]: ...

    @property
    def total_actors(self) -> int: ...

    def submit(self, items: Sequence[Item]) -> Future[list[Verdict]]: ...

    def score(self, items: Sequence[Item]) -> list[Verdict]: ...

    async def ascore(self, items: Sequence[Item]) -> list[Verdict]: ...

    def stream(
        self, batches: Iterable[tuple[Tag, Sequence[Item]]], *, in_flight: int | None = None
    ) -> Iterator[tuple[Tag, list[Verdict]]]: ...

    def stats(self) -> PoolStats: ...

    def close(self) -> None: ...

    def __enter__(self) -> VerificationPool: ...

    def __exit__(self, *exc: object) -> None: ...


def check_pool_settings(
    verifiers: Mapping[str, Any],
    workers: int | None,
    item_timeout: float,
    workers_name: str = "the number of workers",
) -> None:
    if not verifiers:
        raise UserError("the verification pool needs at least one verifier")
    if workers is not None and workers < 1:
        raise UserError(f"{workers_name} must be at least 1, got {workers}")
    if not item_timeout > 0:
        raise UserError(f"the verification timeout must be positive, got {item_timeout}")


def plan_chunks(
    items: Sequence[Item], limits: Mapping[str, int], runners_per_key: int
) -> list[tuple[str, list[int]]]:
    """(key, positions) chunks of a batch: each key's items cut into at least
    `CHUNKS_PER_WORKER` chunks per runner, none over the verifier's limit."""
    by_key: dict[str, list[int]] = {}
    for position, (key, _, _) in enumerate(items):
        if key not in limits:
            raise UserError(f"no environment {key!r} in the pool; it has {', '.join(limits)}")
        by_key.setdefault(key, []).append(position)
    chunks = []
    for key, positions in by_key.items():
        size = min(limits[key], -(-len(positions) // (runners_per_key * CHUNKS_PER_WORKER)))
        chunks += [(key, positions[i : i + size]) for i in range(0, len(positions), size)]
    return chunks


def texts(items: Sequence[Item], positions: Sequence[int]) -> list[Item]:
    """The items at `positions` with their completions as the text to judge."""
    return [(items[p][0], items[p][1], completion_text(items[p][2])) for p in positions]


def stream_batches(
    submit: Callable[[Sequence[Item]], Future[list[Verdict]]],
    batches: Iterable[tuple[Tag, Sequence[Item]]],
    window: int,
) -> Iterator[tuple[Tag, list[Verdict]]]:
    """Score (tag, items) batches with at most `window` queued; yields them in order."""
    pending: deque[tuple[Tag, Future[list[Verdict]]]] = deque()
    for tag, items in batches:
        pending.append((tag, submit(items)))
        while len(pending) >= window:
            done_tag, future = pending.popleft()
            yield done_tag, future.result()
    while pending:
        done_tag, future = pending.popleft()
        yield done_tag, future.result()


class PoolBase:
    """What every backend offers on top of its own `submit`: blocking and async scoring, a
    bounded stream of batches, counts, and a context manager."""

    _lock: Any  # a Lock or a Condition: what guards `_stats`
    _stats: PoolStats

    @property
    def total_actors(self) -> int:
        raise NotImplementedError

    def submit(self, items: Sequence[Item]) -> Future[list[Verdict]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def score(self, items: Sequence[Item]) -> list[Verdict]:
        """The verdicts of a batch of (key, problem, completion), in input order."""
        return self.submit(items).result()

    async def ascore(self, items: Sequence[Item]) -> list[Verdict]:
        """`score` for async callers: awaits without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(items))

    def stream(
        self, batches: Iterable[tuple[Tag, Sequence[Item]]], *, in_flight: int | None = None
    ) -> Iterator[tuple[Tag, list[Verdict]]]:
        """Score (tag, items) batches with a bounded number queued; yields them in order."""
        return stream_batches(self.submit, batches, in_flight or 2 * self.total_actors)

    def stats(self) -> PoolStats:
        with self._lock:
            return PoolStats(**vars(self._stats))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the local backend -------------------------------------------------------------------------


class LocalPool(PoolBase):
    """`workers` runners on this machine, each driven by a thread of this process, every
    runner holding every verifier. Use it as a context manager, or call `close()`."""

    def __init__(
        self,
        verifiers: Mapping[str, VerifierSource],
        *,
        workers: int | None = None,
        item_timeout: float = ITEM_TIMEOUT_S,
        plugin_files: Sequence[str | Path] | None = None,
    ) -> None:
        check_pool_settings(verifiers, workers, item_timeout)
        self.workers = workers or len(os.sched_getaffinity(0))
        self.item_timeout = item_timeout
        sources: dict[str, bytes | str] = {}
        self._limits: dict[str, int] = {}
        self._named: dict[str, str] = {}
        for key, verifier in verifiers.items():
            if isinstance(verifier, str):
                sources[key] = self._named[key] = verifier  # looked up when first used
            else:
                sources[key] = pickled(key, verifier)
                self._limits[key] = chunk_limit(verifier)
        self._stats = PoolStats()
        self._lock = threading.Lock()
        self._closed = False
        self._runners: queue.SimpleQueue[VerifierProcess] = queue.SimpleQueue()
        self._all = [
            VerifierProcess(sources, plugin_sources(plugin_files), item_timeout)
            for _ in range(self.workers)
        ]
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="rlvr-verify")
        try:
            # Forks start in milliseconds, from this thread before any other runs; fresh
            # interpreters take a second each, so they are all spawned first and start side
            # by side. Both from this thread: a child dies with the thread that spawned it
            # (PR_SET_PDEATHSIG), and a helper thread would end at once, taking it along.
            if fork_is_safe():
                failures = [_start(runner) for runner in self._all]
            else:
                for runner in self._all:
                    runner.spawn()
                failures = [_start(runner) for runner in self._all]
            for failure in failures:
                if failure is not None:
                    raise PluginError(f"a verification worker could not start: {failure}")
        except BaseException:
            self.close()
            raise
        for runner in self._all:
            self._runners.put(runner)

    @property
    def envs(self) -> list[str]:
        return [*self._limits, *(k for k in self._named if k not in self._limits)]

    @property
    def total_actors(self) -> int:
        return self.workers

    def submit(self, items: Sequence[Item]) -> Future[list[Verdict]]:
        """Queue a batch; a future of its verdicts, in input order."""
        batch: Future[list[Verdict]] = Future()
        verdicts: list[Verdict | None] = [None] * len(items)
        chunks = plan_chunks(items, self._chunk_limits(items), self.workers)
        remaining = [len(chunks)]
        if not chunks:
            batch.set_result([])
            return batch
        if self._closed:
            raise PoolClosed("the verification pool is closed")

        def done(positions: list[int], future: Future[list[Verdict]]) -> None:
            if future.cancelled():
                error: BaseException | None = PoolClosed("the verification pool was closed")
            else:
                error = future.exception()
            with self._lock:
                if error is None:
                    for position, verdict in zip(positions, future.result(), strict=True):
                        verdicts[position] = verdict
                remaining[0] -= 1
                last = remaining[0] == 0
            if batch.done():
                return
            if error is not None:
                batch.set_exception(error)
            elif last:
                batch.set_result([v for v in verdicts if v is not None])

        for _, positions in chunks:
            future = self._executor.submit(self._score, texts(items, positions))
            future.add_done_callback(functools.partial(done, positions))
        return batch

    def close(self) -> None:
        """Cancel what waits, wait for what runs, and end every child."""
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
        for runner in self._all:
            runner.close()

    def _chunk_limits(self, items: Sequence[Item]) -> Mapping[str, int]:
        """Each verifier's `chunk_rows`; a named one's read from its factory when first used."""
        from rlvr.registry import default_registry

        for key in {item[0] for item in items} - set(self._limits):
            if key not in self._named:
                raise UserError(
                    f"no environment {key!r} in the pool; it has {', '.join(self.envs)}"
                )
            factory = default_registry().factory("verifiers", self._named[key])
            self._limits[key] = chunk_limit(factory)
        return self._limits

    def _score(self, items: list[Item]) -> list[Verdict]:
        runner = self._runners.get()
        try:
            before = runner.restarts
            verdicts = runner.score(items)
        finally:
            self._runners.put(runner)
        with self._lock:
            self._stats.process_restarts += runner.restarts - before
            self._stats.count(verdicts)
        return verdicts


def _start(runner: VerifierProcess) -> str | None:
    try:
        runner.start() if runner.pid is None else runner.wait_ready()
    except VerifierProcessError as exc:
        return str(exc)
    return None
