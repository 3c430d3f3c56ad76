"""The system-call filter every sandboxed process runs under, built with libseccomp.

The filter is compiled once per process, here in the judge, by libseccomp (through its ctypes
binding `pyseccomp`), and exported as a classic BPF program. The harness installs it on itself
before anything untrusted runs (`code_harness.harden`), so that every process of the sandbox
(the candidate's Python module, its compiled C and C++ programs, their children, the compiler)
inherits it across fork and exec; nothing inside can remove it.

It is a deny list on top of the namespaces: everything else a normal program needs stays
allowed. What each group stops (docs/sandbox.md has the whole threat model):

- tracing and reading other processes (`ptrace`, `process_vm_readv/writev`, `pidfd_getfd`,
  `kcmp`, `process_madvise`): a child freezing or rewriting PID 1, the harness that enforces
  its time limit and owns the judge's channel;
- memory held outside the per-process address-space limit (System V shared memory, message
  queues and semaphores, POSIX message queues, `memfd_create`): one process held 1.25 GiB of
  SysV shared memory under a 512 MiB RLIMIT_AS;
- kernel interfaces an unprivileged program has no use for and that have carried exploits
  (`bpf`, `perf_event_open`, `userfaultfd`, `io_uring_*`, `keyctl`/`add_key`/`request_key`,
  NUMA policy calls);
- namespaces and mounts (`unshare`, `setns`, `clone` with any `CLONE_NEW*` flag, `clone3`, the
  mount API): bubblewrap already forbids new user namespaces; this closes the calls outright;
- administration calls that need privileges the sandbox never has (modules, reboot, swap,
  clocks, `acct`, ...), denied so that a kernel bug in a permission check is not reachable.

Denied calls fail with EPERM (`clone3` with ENOSYS, so that the C library falls back to
`clone`, whose flags the filter can read). Calls from other architectures' system-call tables
(`int 0x80`, x32) kill the process: libseccomp's default for a foreign architecture.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import tempfile

log = logging.getLogger(__name__)

DENIED = (
    # tracing other processes
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    "process_madvise",
    "process_mrelease",
    # memory outside RLIMIT_AS
    "shmget",
    "shmat",
    "shmctl",
    "shmdt",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
    "mq_open",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
    "mq_unlink",
    "memfd_create",
    "memfd_secret",
    # kernel interfaces with a record of exploits
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "mbind",
    "set_mempolicy",
    "set_mempolicy_home_node",
    "migrate_pages",
    "move_pages",
    "fanotify_init",
    "lookup_dcookie",
    "open_by_handle_at",
    "name_to_handle_at",
    "personality",
    # namespaces and mounts
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    # administration
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "syslog",
    "acct",
    "quotactl",
    "quotactl_fd",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "iopl",
    "ioperm",
    "vhangup",
    "sethostname",
    "setdomainname",
)
"""System calls that fail with EPERM inside the sandbox."""

CLONE_NEW_FLAGS = (
    0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
    | 0x00000080  # CLONE_NEWTIME
)


@functools.cache
def seccomp_program() -> bytes | None:
    """The filter as a BPF program (`struct sock_filter` array), or None where libseccomp
    cannot be loaded; then the sandbox runs without it (docs/sandbox.md says what stays open)
    and says so once in the log."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError) as exc:  # pyseccomp raises OSError without libseccomp.so.2
        log.warning(
            "the code sandbox runs without its seccomp filter: libseccomp cannot be loaded "
            "(%s); install libseccomp2 (apt) and pyseccomp (pip); see docs/sandbox.md",
            exc,
        )
        return None
    denied = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in DENIED:
        try:
            rules.add_rule(denied, name)
        except (ValueError, OSError):  # a call this kernel's architecture does not have
            continue
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")  # flags in memory: unreadable here
    for flag in _bits(CLONE_NEW_FLAGS):  # one rule a flag: any of them set is denied
        rules.add_rule(denied, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    with tempfile.TemporaryFile() as handle:
        rules.export_bpf(handle)
        handle.flush()
        os.lseek(handle.fileno(), 0, os.SEEK_SET)
        program = handle.read()
    if not program or len(program) % 8:
        log.warning("libseccomp exported no filter: the code sandbox runs without one")
        return None
    return program


def _bits(mask: int) -> list[int]:
    return [1 << i for i in range(mask.bit_length()) if mask >> i & 1]
