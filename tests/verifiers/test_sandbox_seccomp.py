"""Limits that bind (issue 18, class 6): the system-call filter and the undumpable harness,
seen from inside a sandbox, in Python and in C (the filter is installed by the harness before
anything runs, and inherited across fork and exec)."""

from __future__ import annotations

import errno
import json
import textwrap

import pytest

from rlvr.verifiers.code import CodeVerifier
from rlvr.verifiers.sandbox import Limits, sandbox_run
from rlvr.verifiers.sandbox_seccomp import DENIED, seccomp_program

PROBE = textwrap.dedent(
    """
    import ctypes, json, os
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    NUMBERS = {  # x86-64
        "ptrace": 101, "process_vm_readv": 310, "shmget": 29, "msgget": 68, "semget": 64,
        "keyctl": 250, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
        "io_uring_setup": 425, "unshare": 272, "setns": 308, "mount": 165, "pivot_root": 155,
        "memfd_create": 319, "pidfd_getfd": 438, "kcmp": 312, "clone3": 435,
    }
    ARGS = {
        "ptrace": (16, 1, 0, 0),  # PTRACE_ATTACH to PID 1, the harness
        "shmget": (0, 1 << 20, 0o1600),
        "unshare": (0x10000000,),
        "io_uring_setup": (8, 0),
        "memfd_create": (ctypes.c_char_p(b"x"), 0),
    }
    out = {}
    for name, number in NUMBERS.items():
        ctypes.set_errno(0)
        result = libc.syscall(number, *ARGS.get(name, (0, 0, 0, 0)))
        out[name] = 0 if result >= 0 else ctypes.get_errno()
    for path in ("/proc/1/mem", "/proc/1/fd/0", "/proc/1/fd/1", "/proc/1/fd/2"):
        try:
            os.close(os.open(path, os.O_WRONLY))
            out[path] = 0
        except OSError as exc:
            out[path] = exc.errno
    pid = os.fork()  # an ordinary fork and a thread still work
    if pid == 0:
        os._exit(7)
    out["fork"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    print(json.dumps(out))
    """
)


def test_the_filter_is_built_and_covers_the_issue_list() -> None:
    program = seccomp_program()
    assert program is not None
    assert len(program) % 8 == 0
    for name in ("ptrace", "process_vm_readv", "process_vm_writev", "shmget", "keyctl", "bpf"):
        assert name in DENIED
    for name in ("perf_event_open", "userfaultfd", "io_uring_setup", "mount", "unshare"):
        assert name in DENIED
    assert "setns" in DENIED
    assert "pivot_root" in DENIED


def test_denied_calls_fail_inside_and_ordinary_ones_work() -> None:
    done = sandbox_run(["python3", "-S", "-c", PROBE], timeout_s=20)
    assert done.exit_code == 0, done.stderr.decode()
    seen = json.loads(done.stdout)
    denied = {name: code for name, code in seen.items() if name != "fork"}
    assert seen["fork"] == 7
    assert denied["clone3"] == errno.ENOSYS  # so that the C library falls back to clone
    for name, code in denied.items():
        if name != "clone3":
            assert code in (errno.EPERM, errno.EACCES), (name, code)


C_PROBE = textwrap.dedent(
    r"""
    #include <stdio.h>
    #include <errno.h>
    #include <fcntl.h>
    #include <sys/ipc.h>
    #include <sys/shm.h>
    #include <sys/ptrace.h>
    #include <sys/syscall.h>
    #include <unistd.h>
    int main(void) {
        errno = 0; int shm = shmget(IPC_PRIVATE, 1 << 30, IPC_CREAT | 0600);
        printf("shmget %d %d\n", shm, errno);
        errno = 0; long traced = ptrace(PTRACE_ATTACH, 1, 0, 0);
        printf("ptrace %ld %d\n", traced, errno);
        errno = 0; int mem = open("/proc/1/mem", O_RDWR);
        printf("mem %d %d\n", mem, errno);
        errno = 0; long fd = syscall(SYS_memfd_create, "x", 0);
        printf("memfd %ld %d\n", fd, errno);
        return 0;
    }
    """
)


def test_compiled_programs_inherit_the_filter() -> None:
    done = sandbox_run(
        ["sh", "-c", "gcc -O0 -o probe probe.c && ./probe"],
        files={"probe.c": C_PROBE},
        limits=Limits(memory_bytes=2 << 30, cpu_s=30),
        timeout_s=60,
    )
    assert done.exit_code == 0, done.stderr.decode()
    lines = dict(line.split(" ", 1) for line in done.stdout.decode().splitlines())
    assert lines["shmget"] == f"-1 {errno.EPERM}"
    assert lines["ptrace"] == f"-1 {errno.EPERM}"
    assert lines["mem"] == f"-1 {errno.EACCES}"
    assert lines["memfd"] == f"-1 {errno.EPERM}"


SHM_HOG = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
def f():
    held = 0
    for _ in range(5):  # 1.25 GiB, past a 256 MiB limit, if shared memory were allowed
        key = libc.shmget(0, 256 << 20, 0o1600)
        if key < 0:
            break
        address = libc.shmat(key, None, 0)
        if address in (None, ctypes.c_void_p(-1).value):
            break
        ctypes.memset(address, 1, 256 << 20)
        held += 256
    return held
"""

PTRACE_FREEZE = """
import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
def f():
    # Stop PID 1 (the harness, which enforces the time limit), then overrun the limit.
    libc.ptrace(16, 1, 0, 0)
    os.kill(1, 19)
    time.sleep(3)
    return 1
"""


@pytest.mark.parametrize(("code", "expected"), [(SHM_HOG, 1280), (PTRACE_FREEZE, 1)])
def test_limits_outside_the_address_space_limit_bind(code: str, expected: int) -> None:
    verifier = CodeVerifier(timeout_s=1.0, memory_mb=256)
    problem = {"entry_point": "f", "tests": [{"input": [], "output": expected}]}
    verdict = verifier.verify(problem, f"```python\n{code}\n```")
    assert verdict.reward == 0.0, verdict.info
