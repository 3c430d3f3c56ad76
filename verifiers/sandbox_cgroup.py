"""A cgroup v2 per sandbox, where the host delegates one: limits on the sandbox as a whole.

Per-process limits (RLIMIT_AS, RLIMIT_CPU) leave gaps a cgroup closes: memory that is not in
any one process's address space (page cache of the scratch tmpfs, pipe buffers, kernel
memory), the sum over the sandbox's processes, and CPU shared across them. Where it can, the
judge makes a child cgroup for each sandbox under a parent it may write, with

- `memory.max` = `Limits.total_memory_bytes` and `memory.swap.max` = 0, `memory.oom.group` = 1
  (the whole sandbox dies together when it is reached);
- `pids.max` = `Limits.processes` + 2 (the harness and its worker);
- `cpu.max` = one CPU (`100000 100000`);

and moves the sandbox's first process into it before that process has read its
configuration, so before anything untrusted runs; everything started later is born inside.

The parent is `RLVR_SANDBOX_CGROUP` (a cgroup v2 directory, e.g. one systemd delegates with
`Delegate=yes`) or, as root on a host whose `/sys/fs/cgroup` is cgroup v2, `rlvr-sandbox`
made under the root of the hierarchy. It must offer the memory, pids and cpu controllers
(`cgroup.controllers`), and rlvr enables them for its children (`cgroup.subtree_control`).
Anything else (cgroup v1 or a hybrid layout, a container without a delegated cgroup, no
permission) is the documented fallback: per-process limits and the seccomp filter only,
said once in the log; docs/sandbox.md lists what that leaves open.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

CGROUP_ENV = "RLVR_SANDBOX_CGROUP"
"""A cgroup v2 directory the judge may make sandbox cgroups under."""
CGROUP_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpu")
CPU_MAX = "100000 100000"
"""One CPU's worth of time per 100 ms period."""

_counter = itertools.count()


@functools.cache
def cgroup_parent() -> Path | None:
    """The parent of sandbox cgroups, ready for use, or None (the fallback). A parent named
    in `RLVR_SANDBOX_CGROUP` that cannot be used raises OSError: asked for, it is not
    silently dropped."""
    configured = os.environ.get(CGROUP_ENV)
    if configured:
        prepare_parent(Path(configured))
        return Path(configured)
    if os.geteuid() == 0 and _is_cgroup2(CGROUP_ROOT):
        parent = CGROUP_ROOT / "rlvr-sandbox"
    else:
        log.info("code sandbox: no cgroup v2 to use; per-process limits only (docs/sandbox.md)")
        return None
    try:
        prepare_parent(parent)
    except OSError as exc:
        log.warning(
            "code sandbox: cannot use cgroup %s (%s); per-process limits only (docs/sandbox.md)",
            parent,
            exc,
        )
        return None
    return parent


def prepare_parent(parent: Path) -> None:
    """Make `parent` (if need be) and enable the controllers for its children; raises OSError
    naming what is missing."""
    parent.mkdir(exist_ok=True)
    offered = (parent / "cgroup.controllers").read_text().split()
    missing = [name for name in CONTROLLERS if name not in offered]
    if missing:
        raise OSError(f"controllers {', '.join(missing)} are not delegated to {parent}")
    enabled = (parent / "cgroup.subtree_control").read_text().split()
    wanted = " ".join(f"+{name}" for name in CONTROLLERS if name not in enabled)
    if wanted:
        (parent / "cgroup.subtree_control").write_text(wanted)


def _is_cgroup2(path: Path) -> bool:
    """Whether `path` is the mount point of a cgroup v2 hierarchy."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return False
    return any(
        fields[1] == str(path) and fields[2] == "cgroup2"
        for fields in (line.split() for line in mounts)
        if len(fields) > 2
    )


class SandboxCgroup:
    """The cgroup of one sandbox: made with its limits, joined by its first process, removed
    once the sandbox has ended."""

    def __init__(self, parent: Path, memory_bytes: int, processes: int) -> None:
        self.path = parent / f"sandbox-{os.getpid()}-{next(_counter)}"
        self.path.mkdir()
        try:
            for name, value in (
                ("memory.max", str(memory_bytes)),
                ("memory.swap.max", "0"),
                ("memory.oom.group", "1"),
                ("pids.max", str(processes)),
                ("cpu.max", CPU_MAX),
            ):
                (self.path / name).write_text(value)
        except OSError:
            self.remove()
            raise

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def out_of_memory(self) -> bool:
        """Whether the kernel killed anything here for want of memory."""
        try:
            events = (self.path / "memory.events").read_text().split()
        except OSError:
            return False
        counts = dict(zip(events[::2], events[1::2], strict=False))
        return counts.get("oom_kill", "0") != "0"

    def remove(self) -> None:
        # Every process has exited by now (the sandbox has ended); the kernel may take a
        # moment to let go of the last one.
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                with contextlib.suppress(OSError):
                    (self.path / "cgroup.kill").write_text("1")
                os.sched_yield()
        log.warning("code sandbox: could not remove cgroup %s", self.path)
