"""Running untrusted programs: Linux namespaces through bubblewrap, plus resource limits.

Each run gets a fresh sandbox (`bwrap`): new user, PID, network, IPC, UTS and cgroup
namespaces; no network but a loopback of its own; a root filesystem with only the system
directories (`/usr` and its `/bin`, `/lib` links) and the sandbox's Python mounted read-only,
a private size-limited `/tmp` as the only writable place, a private `/proc` and a minimal
`/dev`; a cleared environment; no capabilities and no way to create user namespaces. Its
first process is rlvr's harness (`rlvr.verifiers.code_harness`), PID 1 of the namespace, which
sets per-process limits (CPU time, address space, tasks, file size, open files) before
anything untrusted runs; the harness is immune to signals sent from inside the namespace.
When the run ends, that PID 1 is killed: the kernel then kills everything else in the
namespace, and the run is only over once bubblewrap has seen all of it gone. Output is read
with a cap and the sandbox is killed past it.

As real root the sandbox is started as an unprivileged user (`nobody`), so that the per-user
task limit binds (the kernel exempts root) and root's files stay out of reach. As an
ordinary user it runs as that user; bubblewrap then needs unprivileged user namespaces.

Without bubblewrap, or where it cannot create its namespaces, nothing runs unless the user
opts into the weaker `rlimits` mode (`RLVR_SANDBOX=rlimits`, or `mode="rlimits"`): the same
harness and limits in a plain child process, which isolates neither the network, nor the
filesystem, nor other processes. docs/sandbox.md says what each mode does and does not do.

Everything that comes back is bytes and JSON lines of bounded size; nothing produced inside
is unpickled, imported or evaluated here.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import marshal
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rlvr.errors import UserError
from rlvr.verifiers.code_harness import MEMORY_MARKERS, MESSAGE_FACTOR, spread
from rlvr.verifiers.sandbox_cgroup import CGROUP_ENV, SandboxCgroup, cgroup_parent
from rlvr.verifiers.sandbox_seccomp import seccomp_program

MODES = ("bwrap", "rlimits")
SANDBOX_ENV = "RLVR_SANDBOX"
"""Environment variable choosing the mode when the caller does not: `bwrap` or `rlimits`."""
PYTHON_ENV = "RLVR_SANDBOX_PYTHON"
"""Environment variable naming the Python interpreter used inside the sandbox."""
SANDBOX_USER = 65534
"""The uid (`nobody`) that real root runs sandboxes as."""
SYSTEM_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
"""Top-level system directories, mounted (or linked, where they link into /usr) as on the host."""
DEVICES = ("null", "zero", "full", "random", "urandom")
"""The only devices inside: no terminal, no shared memory, no pseudo-terminals."""
START_TIMEOUT_S = 20.0
KILL_WAIT_S = 10.0
HARNESS = Path(__file__).with_name("code_harness.py")
INSTALL_HINT = (
    "install bubblewrap (`apt-get install bubblewrap`, `dnf install bubblewrap`), or opt into "
    f"the weaker mode with {SANDBOX_ENV}=rlimits (or sandbox='rlimits'), which isolates "
    "neither network nor filesystem nor other processes; see docs/sandbox.md"
)


class SandboxUnavailable(UserError):
    """The sandbox cannot run here (missing, too old, or its namespaces are not allowed): an
    infrastructure fault, never the fault of the code it was to run."""


@dataclass(frozen=True)
class Limits:
    """What one sandboxed run may use. CPU time, memory, file size and open files hold for each
    process; `processes` counts every task (process or thread) in the sandbox at once."""

    cpu_s: float = 10.0
    """CPU seconds per process (SIGXCPU, then SIGKILL a second later)."""
    memory_bytes: int = 512 << 20
    """Address space per process (RLIMIT_AS)."""
    processes: int = 16
    """Tasks at once (RLIMIT_NPROC, counted per sandbox in its own user namespace)."""
    file_bytes: int = 16 << 20
    """Largest file a process may write (RLIMIT_FSIZE)."""
    open_files: int = 64
    """Open file descriptors per process (RLIMIT_NOFILE)."""
    output_bytes: int = 1 << 20
    """stdout and stderr together; the run is killed past this."""
    scratch_bytes: int = 64 << 20
    """Size of the writable /tmp (a tmpfs; bwrap mode only)."""
    total_memory_bytes: int | None = None
    """Memory of the whole sandbox, every process, the tmpfs and kernel memory together
    (cgroup v2 only, where available: docs/sandbox.md); default `memory_bytes` +
    `scratch_bytes` + 64 MiB for the harness."""

    @property
    def sandbox_memory_bytes(self) -> int:
        if self.total_memory_bytes is not None:
            return self.total_memory_bytes
        return self.memory_bytes + self.scratch_bytes + (64 << 20)

    def for_harness(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SandboxResult:
    """How one run of `Sandbox.run` ended. `exit_code` is None when a signal ended it."""

    exit_code: int | None
    signal: int | None
    timed_out: bool
    memory_exceeded: bool
    output_exceeded: bool
    stdout: bytes
    stderr: bytes
    wall_s: float
    cpu_s: float = 0.0


class _Event:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


TIMEOUT = _Event("TIMEOUT")
"""`SandboxProcess.receive`: no message before the deadline."""
CLOSED = _Event("CLOSED")
"""`SandboxProcess.receive`: the sandbox ended (or was killed) without a further message."""


@dataclass(frozen=True)
class Sandbox:
    """How sandboxes are started: plain, picklable settings; the host is inspected lazily."""

    mode: str = "bwrap"
    python: str | None = None
    """The interpreter inside (default: this one's base install if the sandbox user can run
    it, else the system's `python3`)."""
    user: int = SANDBOX_USER

    @classmethod
    def configured(cls, mode: str | None = None, python: str | None = None) -> Sandbox:
        """The sandbox the caller or the environment asks for (`RLVR_SANDBOX`,
        `RLVR_SANDBOX_PYTHON`); bwrap unless one opts out. Raises `SandboxUnavailable` when
        bwrap mode is asked for and bubblewrap is not installed."""
        mode = mode or os.environ.get(SANDBOX_ENV) or "bwrap"
        if mode not in MODES:
            raise ValueError(f"sandbox mode must be one of {MODES}, got {mode!r}")
        sandbox = cls(mode=mode, python=python or os.environ.get(PYTHON_ENV) or None)
        if mode == "bwrap" and shutil.which("bwrap") is None:
            raise SandboxUnavailable(f"the code sandbox needs bubblewrap (bwrap): {INSTALL_HINT}")
        return sandbox

    @property
    def interpreter(self) -> str:
        return _interpreter(self.python, _drops_privileges())

    def start(
        self, config: dict[str, Any], limits: Limits, *, stdin: bytes | None = None
    ) -> SandboxProcess:
        """Start the harness with `config` (its mode and inputs) and wait for it to say it has
        set its limits. Raises `SandboxUnavailable` if it does not."""
        process = SandboxProcess(self, config, limits, stdin)
        reply = process.receive(START_TIMEOUT_S)
        if isinstance(reply, dict) and reply.get("started"):
            return process
        process.close()
        stderr = process.stderr.decode("utf-8", "replace").strip()[-2000:]
        why = "did not start in time" if reply is TIMEOUT else "could not start"
        hint = f" ({INSTALL_HINT})" if self.mode == "bwrap" else ""
        raise SandboxUnavailable(
            f"the {self.mode} sandbox {why}: {stderr or f'exit status {process.returncode}'}{hint}"
        )

    def run(
        self,
        argv: list[str],
        *,
        files: dict[str, str | bytes] | None = None,
        stdin: bytes = b"",
        limits: Limits | None = None,
        timeout_s: float = 10.0,
    ) -> SandboxResult:
        """Run `argv` in a fresh sandbox, `files` placed in its scratch directory (the working
        directory; bytes are made executable), with `stdin`; see `sandbox_run`."""
        limits = limits or Limits()
        encoded: dict[str, Any] = {}
        for name, content in (files or {}).items():
            parts = Path(name).parts
            if not parts or Path(name).is_absolute() or ".." in parts:
                raise ValueError(f"sandbox file names are relative and stay inside: {name!r}")
            encoded[name] = {"$bytes": content.hex()} if isinstance(content, bytes) else content
        started = time.monotonic()
        process = self.start(
            {"mode": "exec", "argv": list(argv), "files": encoded}, limits, stdin=stdin
        )
        try:
            reply = process.receive(max(0.0, started + timeout_s - time.monotonic()))
            if isinstance(reply, dict) and "exit" in reply:
                process.wait(max(0.0, started + timeout_s - time.monotonic()))
        finally:
            process.close()
        report = reply.get("exit", {}) if isinstance(reply, dict) else {}
        if not isinstance(report, dict):
            report = {}
        return SandboxResult(
            exit_code=report.get("exit_code") if report else None,
            signal=report.get("signal")
            if report
            else (signal.SIGKILL if reply is TIMEOUT else None),
            timed_out=reply is TIMEOUT,
            memory_exceeded=bool(report.get("memory"))
            or process.oom_killed
            or (report.get("exit_code") not in (0, None) and _says_out_of_memory(process.stderr)),
            output_exceeded=process.output_exceeded,
            stdout=bytes(process.stdout),
            stderr=bytes(process.stderr),
            wall_s=time.monotonic() - started,
            cpu_s=float(report.get("cpu_s") or 0.0),
        )


def _says_out_of_memory(stderr: bytearray) -> bool:
    text = stderr[-4096:].decode("utf-8", "replace")
    return any(marker in text for marker in MEMORY_MARKERS)


def sandbox_run(
    argv: list[str],
    *,
    files: dict[str, str | bytes] | None = None,
    stdin: bytes = b"",
    limits: Limits | None = None,
    timeout_s: float = 10.0,
    sandbox: Sandbox | None = None,
) -> SandboxResult:
    """Run one command in a fresh sandbox and say how it ended.

    `argv[0]` is looked up on the sandbox's PATH (`/usr/bin:/bin`); the working directory is
    the scratch directory holding `files`. Past `timeout_s` (wall clock) everything in the
    sandbox is killed and `timed_out` is set. Raises `SandboxUnavailable` if the sandbox
    cannot start: that is never the command's fault.
    """
    sandbox = sandbox or Sandbox.configured()
    return sandbox.run(argv, files=files, stdin=stdin, limits=limits, timeout_s=timeout_s)


class SandboxProcess:
    """One running sandbox and the judge's side of its channel: JSON lines to and from the
    harness, the sandbox's stdout and stderr read (and capped) meanwhile."""

    def __init__(
        self, sandbox: Sandbox, config: dict[str, Any], limits: Limits, stdin: bytes | None
    ) -> None:
        self.limits = limits
        self.message_bytes = MESSAGE_FACTOR * limits.output_bytes + (64 << 10)
        self.stdout, self.stderr = bytearray(), bytearray()
        self.output_exceeded = self.oom_killed = self._closed = False
        self.failure: str | None = None
        """Why the judge killed it, if it did (a reply too large or malformed)."""
        self.returncode: int | None = None
        self._messages: deque[Any] = deque()
        self._buffer, self._info = bytearray(), bytearray()
        self._pidfd = -1
        self._workdir: str | None = None
        self.mode = sandbox.mode
        self.cgroup = _sandbox_cgroup(limits)
        self._placed = self.cgroup is None
        """Whether the first process is in its cgroup: the configuration, and with it
        anything untrusted, waits until it is."""
        drop = _drops_privileges()
        python = _interpreter(sandbox.python, drop)
        pipes = _pipes(
            stdin=bool(stdin), info=sandbox.mode == "bwrap", owner=sandbox.user if drop else None
        )
        if sandbox.mode == "rlimits":
            self._workdir = tempfile.mkdtemp(prefix="rlvr-sandbox-")
            if drop:
                os.chown(self._workdir, sandbox.user, sandbox.user)
        workdir = self._workdir or "/tmp"
        popen_env = sandbox_environment(workdir) if self._workdir else None  # else bwrap's
        theirs = {name: pair[0] for name, pair in pipes.items()}
        uid = sandbox.user if drop else None
        code_fd = -1
        try:
            code_fd = _harness_fd(python)
            argv = _command(sandbox.mode, python, limits, pipes, code_fd)
            setpriv = _setpriv() if uid is not None else None
            if setpriv is not None:
                # The same change of user by a helper program: Python then starts the child
                # with vfork, not fork, which in a large process costs more than the helper.
                argv = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *argv]
                uid = None
            passed = [theirs[n] for n in ("request", "response", "info") if n in theirs]
            self.popen = subprocess.Popen(
                argv,
                stdin=theirs.get("stdin", subprocess.DEVNULL),
                stdout=theirs["stdout"],
                stderr=theirs["stderr"],
                pass_fds=[*passed, code_fd],
                env=popen_env,
                cwd=self._workdir,
                start_new_session=sandbox.mode == "rlimits",
                user=uid,
                group=uid,
                extra_groups=[] if uid is not None else None,
            )
        except (OSError, SandboxUnavailable) as exc:
            for fd in [*(fd for pair in pipes.values() for fd in pair), code_fd]:
                if fd >= 0:
                    os.close(fd)
            self._remove_workdir()
            if self.cgroup is not None:
                self.cgroup.remove()
            if isinstance(exc, SandboxUnavailable):
                raise
            raise SandboxUnavailable(f"cannot start the {sandbox.mode} sandbox: {exc}") from exc
        for fd in [*theirs.values(), code_fd]:
            os.close(fd)
        config = {
            **config,
            "workdir": workdir,
            "limits": limits.for_harness(),
            "message_bytes": self.message_bytes,
            "python": python,
            "count_user_tasks": sandbox.mode == "rlimits",
            "seccomp": _seccomp_hex(),
        }
        self._connect(config, pipes, stdin)

    def _connect(
        self, config: dict[str, Any], pipes: dict[str, tuple[int, int]], stdin: bytes | None
    ) -> None:
        """Our ends of the pipes, the configuration queued for the harness."""
        self._outgoing = bytearray(_dumps(config) + b"\n")
        self._request = pipes["request"][1]
        self._info_fd = pipes["info"][1] if "info" in pipes else -1
        self._stdin_data = bytearray(stdin or b"")
        self._fds: dict[int, str] = {pair[1]: name for name, pair in pipes.items()}
        for fd in self._fds:
            os.set_blocking(fd, False)
        if self.mode == "rlimits":
            self._place(self.popen.pid)  # the harness itself (setpriv execs it in place)

    # -- the channel ---------------------------------------------------------------------------

    def send(self, message: Any) -> None:
        """Queue a message; it is written while waiting for the reply."""
        if not self._closed and "request" in self._fds.values():
            self._outgoing += _dumps(message) + b"\n"

    def receive(self, timeout_s: float) -> Any:
        """The next message (a dict), or `TIMEOUT`, or `CLOSED` once the sandbox has ended.
        A malformed or oversized reply kills the sandbox (`failure` says why)."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self._messages:
                return self._messages.popleft()
            if self._closed or "response" not in self._fds.values():
                return CLOSED
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return TIMEOUT
            self._pump(remaining)

    def wait(self, timeout_s: float) -> bool:
        """Read on until the sandbox has ended and closed its output (True), or time is up."""
        deadline = time.monotonic() + timeout_s
        while any(name in ("stdout", "stderr", "response") for name in self._fds.values()):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closed:
                return False
            self._pump(remaining)
        return True

    def _pump(self, timeout_s: float) -> None:
        poller = select.poll()
        for fd, name in self._fds.items():
            if name == "request" and not (self._outgoing and self._placed):
                continue
            if name == "stdin" and not self._stdin_data:
                continue
            poller.register(fd, select.POLLOUT if name in ("request", "stdin") else select.POLLIN)
        for fd, _event in poller.poll(max(1, int(timeout_s * 1000))):
            which = self._fds.get(fd)
            if which is None:
                continue  # closed by an earlier event of this round
            if which in ("request", "stdin"):
                self._write(fd, which)
            else:
                self._read(fd, which)
            if self._closed:
                return

    def _write(self, fd: int, name: str) -> None:
        pending = self._outgoing if name == "request" else self._stdin_data
        try:
            written = os.write(fd, pending[: 1 << 16])
        except BlockingIOError:
            return
        except OSError:  # the reader is gone: the sandbox ended or closed its stdin
            written = len(pending)
        del pending[:written]
        if not pending and name == "stdin":
            self._forget(fd)  # end of input

    def _read(self, fd: int, name: str) -> None:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            self._forget(fd)
            if name == "response":
                self._forget(self._request)
            return
        if name == "info":
            self._info += chunk
            self._read_info()
        elif name == "response":
            self._buffer += chunk
            self._split_messages()
        else:
            target = self.stdout if name == "stdout" else self.stderr
            target += chunk
            excess = len(self.stdout) + len(self.stderr) - self.limits.output_bytes
            if excess > 0:
                self.output_exceeded = True
                del target[len(target) - excess :]
                self._read_pending_replies()
                self.close()

    def _read_pending_replies(self) -> None:
        """What the harness wrote before the sandbox is killed (its "started", say): output
        past the limit is the program's doing, never a sandbox that did not start."""
        for fd, name in list(self._fds.items()):
            if name == "response":
                while not self._closed and fd in self._fds:
                    before = len(self._buffer) + len(self._messages)
                    self._read(fd, name)
                    if len(self._buffer) + len(self._messages) == before:
                        return

    def _split_messages(self) -> None:
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            try:
                message = json.loads(line, object_pairs_hook=_json_object)
            except (ValueError, RecursionError):
                message = None
            if not isinstance(message, dict):
                self.failure = "the sandbox sent a malformed reply"
                self.close()
                return
            self._messages.append(message)
        if len(self._buffer) > self.message_bytes:
            self.failure = f"the sandbox sent a reply longer than {self.message_bytes} bytes"
            self.close()

    def _read_info(self) -> None:
        try:
            info = json.loads(self._info)
        except ValueError:
            return  # not all of it yet
        self._forget(self._info_fd)
        pid = info.get("child-pid") if isinstance(info, dict) else None
        if isinstance(pid, int) and pid > 1:
            try:
                self._pidfd = os.pidfd_open(pid)
            except (AttributeError, OSError):
                self._pidfd = -1
            self._place(pid)
        elif not self._placed:
            self.failure = "bubblewrap did not say which process is the sandbox's first"
            self.close()

    def _place(self, pid: int) -> None:
        """Move the sandbox's first process into its cgroup, before it has its configuration."""
        if self.cgroup is None or self._placed:
            return
        try:
            self.cgroup.add(pid)
        except OSError as exc:
            self.failure = f"cannot move the sandbox into its cgroup: {exc}"
            self.close()
            return
        self._placed = True

    def _forget(self, fd: int) -> None:
        if fd in self._fds:
            del self._fds[fd]
            os.close(fd)

    # -- the end -------------------------------------------------------------------------------

    def close(self) -> None:
        """Kill everything in the sandbox (if anything still runs) and wait until it is gone."""
        if self._closed:
            return
        self._closed = True
        if self.popen.poll() is None:
            self._kill()
            if not _exits_within(self.popen.pid, KILL_WAIT_S):
                self.popen.kill()
        self.returncode = self.popen.wait()
        for fd, name in list(self._fds.items()):
            if name in ("stdout", "stderr"):
                self._drain(fd, self.stdout if name == "stdout" else self.stderr)
            self._forget(fd)
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1
        self._remove_workdir()
        if self.cgroup is not None:
            self.oom_killed = self.cgroup.out_of_memory()
            self.cgroup.remove()

    def _kill(self) -> None:
        if self.mode == "rlimits":
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.popen.kill()
            return
        if self._pidfd < 0 and self._info_fd in self._fds:
            self._read(self._info_fd, "info")  # written right after the clone: likely there
        if self._pidfd >= 0:
            # PID 1 of the namespace: its death takes every other process in the namespace
            # with it, and bwrap, which waits for it, exits only once all of them are gone.
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
                return
            except ProcessLookupError:
                return
            except OSError:
                pass
        self.popen.kill()  # bwrap itself; --die-with-parent takes the namespace down after it

    def _drain(self, fd: int, target: bytearray) -> None:
        room = self.limits.output_bytes - len(self.stdout) - len(self.stderr)
        try:
            while room > 0 and (chunk := os.read(fd, 1 << 16)):
                target += chunk[:room]
                room -= len(chunk)
        except (BlockingIOError, OSError):
            pass

    def _remove_workdir(self) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _same_bytecode(python: str) -> bool:
    """Whether `python` runs this interpreter's bytecode: the magic number of a compiled module
    of its own library (`<prefix>/lib/python3.X/__pycache__/abc.cpython-3X.pyc`) is ours."""
    tag = sys.implementation.cache_tag  # e.g. cpython-311
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if not tag or not Path(python).name.startswith(version):
        return False
    compiled = Path(os.path.realpath(python)).parent.parent / "lib" / version / "__pycache__"
    try:
        with open(compiled / f"abc.{tag}.pyc", "rb") as handle:
            return handle.read(4) == importlib.util.MAGIC_NUMBER
    except OSError:
        return False


@functools.cache
def _setpriv() -> str | None:
    """util-linux's `setpriv`, if installed."""
    return shutil.which("setpriv")


def _command(
    mode: str, python: str, limits: Limits, pipes: dict[str, tuple[int, int]], code_fd: int
) -> list[str]:
    """The command line: bwrap and its options (bwrap mode), then the harness."""
    argv: list[str] = []
    if mode == "bwrap":
        argv += _bwrap_prefix(python, limits.scratch_bytes)
        argv += ["--info-fd", str(pipes["info"][0]), "--"]
    argv += [python, "-S", "-s", "-c", BOOTSTRAP.format(fd=code_fd)]
    return [*argv, str(pipes["request"][0]), str(pipes["response"][0])]


def _pipes(*, stdin: bool, info: bool, owner: int | None) -> dict[str, tuple[int, int]]:
    """Pipes by name, each as (the sandbox's end, ours). They belong to the sandbox user, so
    that inside, /dev/stdin and /proc/self/fd/N open again as for any program."""
    reads = ["request", *(["stdin"] if stdin else [])]  # the sandbox reads, we write
    writes = ["response", "stdout", "stderr", *(["info"] if info else [])]
    pipes = {name: os.pipe() for name in reads}
    pipes.update({name: os.pipe()[::-1] for name in writes})
    if owner is not None:
        for theirs, _ in pipes.values():
            os.fchown(theirs, owner, owner)
    return pipes


def _exits_within(pid: int, timeout_s: float) -> bool:
    """Wait for a child to exit without reaping it; `Popen.wait(timeout)` would poll with
    sleeps, a millisecond or more of latency per sandbox."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return True  # gone already, or no pidfds: Popen.wait() blocks until it is
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        return bool(poller.poll(int(timeout_s * 1000)))
    finally:
        os.close(pidfd)


# --- the host, inspected once per process -----------------------------------------------------


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object from the sandbox, refused if its keys' hashes collide: string hashes are
    only randomised when PYTHONHASHSEED is not fixed, and a reply of colliding keys would
    otherwise take this process hours to read."""
    spread([key for key, _ in pairs])
    return dict(pairs)


def _sandbox_cgroup(limits: Limits) -> SandboxCgroup | None:
    """A cgroup of the sandbox's own, where the host delegates cgroup v2 (else None: the
    documented fallback to per-process limits)."""
    try:
        parent = cgroup_parent()
    except OSError as exc:
        raise SandboxUnavailable(f"{CGROUP_ENV} cannot be used: {exc}") from exc
    if parent is None:
        return None
    try:
        return SandboxCgroup(parent, limits.sandbox_memory_bytes, limits.processes + 2)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot make the sandbox's cgroup under {parent}: {exc}") from exc


@functools.cache
def _seccomp_hex() -> str | None:
    program = seccomp_program()
    return program.hex() if program is not None else None


def _dumps(message: Any) -> bytes:
    return json.dumps(message, ensure_ascii=True, separators=(",", ":")).encode()


BOOTSTRAP = "import marshal,posix;exec(marshal.loads(posix.read({fd},1<<24)))"
"""The harness arrives compiled, on a file descriptor: compiling its source, or importing
`json` and `typing`, would double the start-up time of every sandbox."""


def _harness_fd(python: str) -> int:
    """A fresh read-only descriptor (its own offset) on the harness's compiled code."""
    return os.open(f"/proc/self/fd/{_harness_memfd(python)}", os.O_RDONLY)


@functools.cache
def _harness_memfd(python: str) -> int:
    """The harness compiled by the sandbox's own interpreter (marshal data is specific to
    a Python version), in an anonymous in-memory file, once per process."""
    source = HARNESS.read_text(encoding="utf-8")
    if os.path.realpath(sys.executable) == python or _same_bytecode(python):
        code = marshal.dumps(compile(source, HARNESS.name, "exec"))
    else:
        compiler = (
            "import marshal,sys;"
            "sys.stdout.buffer.write(marshal.dumps(compile(sys.stdin.read(),sys.argv[1],'exec')))"
        )
        try:
            done = subprocess.run(
                [python, "-S", "-s", "-c", compiler, HARNESS.name],
                input=source.encode(),
                capture_output=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SandboxUnavailable(f"the sandbox's Python ({python}) cannot run: {exc}") from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()[-1000:]
            raise SandboxUnavailable(f"the sandbox's Python ({python}) cannot run: {message}")
        code = done.stdout
    fd = os.memfd_create("rlvr-code-harness", os.MFD_CLOEXEC)
    os.write(fd, code)
    return fd


def sandbox_environment(home: str) -> dict[str, str]:
    """The whole environment of a sandboxed process."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",  # set iteration order, and so printed output, is reproducible
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONSAFEPATH": "1",
    }


@functools.cache
def _drops_privileges() -> bool:
    """Real root (uid 0 of the initial user namespace) runs sandboxes as `SANDBOX_USER`."""
    if os.geteuid() != 0:
        return False
    try:
        first = Path("/proc/self/uid_map").read_text().split()
    except OSError:
        return True
    return first[:3] == ["0", "0", "4294967295"]


@functools.cache
def _interpreter(configured: str | None, dropped: bool) -> str:
    """The Python run inside: the configured one, else this interpreter's base install if the
    sandbox user can reach it, else the system's python3."""
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            raise SandboxUnavailable(f"the sandbox's Python {configured!r} is not an executable")
        return configured
    base = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    for candidate in (base, "/usr/bin/python3", "/usr/local/bin/python3"):
        real = os.path.realpath(candidate)
        if os.path.isfile(real) and _reachable(real, dropped):
            return real
    raise SandboxUnavailable(
        f"no Python interpreter the sandbox user can run ({base} is not reachable for uid "
        f"{SANDBOX_USER}); name one with {PYTHON_ENV}=/path/to/python3"
    )


def _reachable(path: str, dropped: bool) -> bool:
    """Whether the sandbox user can execute `path` (every directory on the way searchable)."""
    if not dropped:
        return os.access(path, os.X_OK)
    current = Path(path)
    for part in [current, *current.parents]:
        try:
            mode = part.stat().st_mode
        except OSError:
            return False
        needed = stat.S_IXOTH if part.is_dir() else stat.S_IXOTH | stat.S_IROTH
        if mode & needed != needed:
            return False
    return True


def _python_prefix(python: str) -> str | None:
    """The install a Python outside the system directories lives in (`<prefix>/bin/python`)."""
    real = Path(os.path.realpath(python))
    prefix = real.parent.parent
    system = {Path("/usr"), Path("/")} | {Path("/", d) for d in SYSTEM_DIRS}
    if prefix in system or Path("/usr") in prefix.parents:
        return None
    return str(prefix)


@functools.cache
def _bwrap_features() -> frozenset[str]:
    try:
        text = subprocess.run(
            ["bwrap", "--help"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"cannot run bwrap: {exc}; {INSTALL_HINT}") from exc
    return frozenset(word for word in text.split() if word.startswith("--"))


@functools.cache
def _bwrap_prefix(python: str, scratch_bytes: int) -> tuple[str, ...]:
    features = _bwrap_features()
    if "--size" not in features:
        raise SandboxUnavailable(
            "bubblewrap is too old: the sandbox needs --size (bubblewrap 0.6 or later) to "
            f"bound its scratch space; {INSTALL_HINT}"
        )
    argv = ["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"]
    argv += ["--as-pid-1", "--cap-drop", "ALL", "--hostname", "sandbox"]
    if "--disable-userns" in features:
        argv.append("--disable-userns")
    argv += ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_DIRS:
        path = f"/{name}"
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    prefix = _python_prefix(python)
    if prefix is not None:
        argv += ["--ro-bind", prefix, prefix]
    argv += ["--ro-bind-try", "/etc/alternatives", "/etc/alternatives"]
    argv += ["--proc", "/proc", "--tmpfs", "/dev"]  # bwrap's --dev adds ptys, shm: not needed
    for device in DEVICES:
        argv += ["--dev-bind", f"/dev/{device}", f"/dev/{device}"]
    for number, name in enumerate(("stdin", "stdout", "stderr")):
        argv += ["--symlink", f"/proc/self/fd/{number}", f"/dev/{name}"]
    argv += ["--symlink", "/proc/self/fd", "/dev/fd"]
    argv += ["--size", str(scratch_bytes), "--tmpfs", "/tmp"]
    argv += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp", "--clearenv"]
    for key, value in sandbox_environment("/tmp").items():
        argv += ["--setenv", key, value]
    return tuple(argv)
