"""The sandbox itself: what a run sees, what it may use, how it ends; the weaker mode; faults.

These run harmless programs directly; the hostile ones are in test_code_hostile.py, inside
an outer PID namespace.
"""

from __future__ import annotations

import os
import pickle
import signal
import time

import pytest

from rlvr.verifiers import sandbox as sandbox_module
from rlvr.verifiers.sandbox import Limits, Sandbox, SandboxUnavailable, sandbox_run

PY = "python3"


def run_python(code: str, **options: object) -> sandbox_module.SandboxResult:
    return sandbox_run([PY, "-c", code], **options)  # type: ignore[arg-type]


def test_exit_status_output_stdin_and_files() -> None:
    result = sandbox_run(
        ["sh", "-c", "cat in.txt; cat; ./tool; echo oops >&2; exit 3"],
        files={"in.txt": "from a file\n", "tool": b"#!/bin/sh\necho tool ran\n"},
        stdin=b"from stdin\n",
    )
    assert result.exit_code == 3
    assert result.signal is None
    assert result.stdout == b"from a file\nfrom stdin\ntool ran\n"
    assert result.stderr == b"oops\n"
    assert not result.timed_out
    assert not result.output_exceeded
    assert not result.memory_exceeded


def test_a_signal_is_reported_not_an_exit_status() -> None:
    result = sandbox_run(["sh", "-c", "kill -SEGV $$"])
    assert (result.exit_code, result.signal) == (None, signal.SIGSEGV)


def running(marker: str) -> list[str]:
    """Command lines of the processes on this machine that mention `marker`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline:
            found.append(cmdline)
    return found


def test_wall_time_limit_kills_everything() -> None:
    started = time.monotonic()
    command = "sleep 60.1 & (setsid sleep 60.1 &) ; sleep 60.1"
    result = sandbox_run(["sh", "-c", command], timeout_s=0.5)
    assert result.timed_out
    assert time.monotonic() - started < 5
    assert running("sleep 60.1") == []


def test_output_is_capped_and_the_run_killed() -> None:
    result = sandbox_run(["sh", "-c", "yes"], limits=Limits(output_bytes=10_000))
    assert result.output_exceeded
    assert len(result.stdout) + len(result.stderr) <= 10_000


def test_the_environment_is_cleared_and_the_user_unprivileged() -> None:
    os.environ["RLVR_SANDBOX_TEST_SECRET"] = "leak"
    try:
        result = run_python(
            "import os, socket; print(sorted(os.environ)); print(os.getuid(), os.getgid());"
            "print(socket.gethostname())"
        )
    finally:
        del os.environ["RLVR_SANDBOX_TEST_SECRET"]
    env_line, ids, host = result.stdout.decode().splitlines()
    assert "RLVR_SANDBOX_TEST_SECRET" not in env_line
    assert set(eval(env_line)) <= {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "PYTHONHASHSEED",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONSAFEPATH",
        "PWD",
    }
    assert "0" not in ids.split()
    assert host == "sandbox"


def test_the_filesystem_is_the_system_read_only_plus_a_private_scratch() -> None:
    result = run_python(
        "import os\n"
        "print(sorted(os.listdir('/')))\n"
        "print(sorted(os.listdir('/dev')))\n"
        "print(os.getcwd())\n"
        "open('scratch.txt', 'w').write('ok')\n"
        "for path in ('/usr/x', '/x', '/dev/x', '/proc/x'):\n"
        "    try:\n"
        "        open(path, 'w')\n"
        "        print('WROTE', path)\n"
        "    except OSError:\n"
        "        pass\n"
        "print(os.path.exists('/root'), os.path.exists('/home'), os.path.exists('/work'))\n"
        "print(os.listdir('/etc'))\n"
    )
    top, devices, cwd, missing, etc = result.stdout.decode().splitlines()
    assert "WROTE" not in result.stdout.decode()
    assert not ({"root", "home", "work", "var", "run", "mnt", "opt"} & set(eval(top)))
    assert eval(etc) in ([], ["alternatives"])
    assert set(eval(devices)) == {
        "null", "zero", "full", "random", "urandom", "fd", "stdin", "stdout", "stderr"
    }  # fmt: skip
    assert cwd == "/tmp"
    assert missing == "False False False"


def test_the_scratch_area_is_small_and_gone_after() -> None:
    code = (
        "import os\n"
        "n = 0\n"
        "try:\n"
        "    while True:\n"
        "        open(f'f{n}', 'wb').write(b'x' * (1 << 20)); n += 1\n"
        "except OSError as exc:\n"
        "    print(n, exc.errno)\n"
    )
    result = run_python(code, limits=Limits(scratch_bytes=8 << 20))
    megabytes, errno = result.stdout.split()
    assert int(megabytes) <= 8
    assert int(errno) == 28  # ENOSPC
    again = run_python("import os; print(os.listdir('.'))")
    assert again.stdout.strip() == b"[]"


def test_no_network_but_a_loopback_of_its_own() -> None:
    result = sandbox_run(["cat", "/proc/net/dev"])
    interfaces = [line.split(":")[0].strip() for line in result.stdout.decode().splitlines()[2:]]
    assert interfaces == ["lo"]


def test_its_own_process_space() -> None:
    result = run_python("import os; print(os.getpid(), sorted(os.listdir('/proc'))[:0])")
    pid = int(result.stdout.split()[0])
    assert pid == 2  # the harness is PID 1, the command its only child
    listing = sandbox_run(["ls", "/proc"]).stdout.decode().split()
    assert sorted(int(p) for p in listing if p.isdigit()) == [1, 2]


def test_file_size_limit() -> None:
    result = run_python(
        "try:\n    open('big', 'wb').write(b'x' * (4 << 20))\n"
        "except OSError as e:\n    print(e.errno)",
        limits=Limits(file_bytes=1 << 20),
    )
    assert result.stdout.strip() == b"27"  # EFBIG


def test_open_files_limit() -> None:
    result = run_python(
        "import os\nfds = []\ntry:\n    while True:\n        fds.append(os.open('/dev/null', 0))\n"
        "except OSError as e:\n    print(len(fds), e.errno)",
        limits=Limits(open_files=32),
    )
    count, errno = result.stdout.split()
    assert int(count) < 32
    assert int(errno) == 24  # EMFILE


def test_process_limit_counts_this_sandbox_only() -> None:
    code = (
        "import os, time\n"
        "n = 0\n"
        "for _ in range(50):\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(1); os._exit(0)\n"
        "        n += 1\n"
        "    except OSError:\n"
        "        break\n"
        "print(n)\n"
    )
    result = run_python(code, limits=Limits(processes=8))
    assert 0 < int(result.stdout) < 8


def test_cpu_time_limit() -> None:
    started = time.monotonic()
    result = run_python("while True: pass", limits=Limits(cpu_s=1), timeout_s=20)
    assert not result.timed_out
    assert result.signal in (signal.SIGXCPU, signal.SIGKILL)
    assert time.monotonic() - started < 10


def test_memory_limit() -> None:
    result = run_python(
        "try:\n    x = bytearray(1 << 30)\nexcept MemoryError:\n    print('refused')",
        limits=Limits(memory_bytes=256 << 20),
    )
    assert result.stdout.strip() == b"refused"
    hog = run_python("x = bytearray(1 << 30)", limits=Limits(memory_bytes=256 << 20))
    assert hog.exit_code == 1
    assert hog.memory_exceeded


def test_bwrap_is_the_default_and_the_weaker_mode_is_opt_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RLVR_SANDBOX", raising=False)
    assert Sandbox.configured().mode == "bwrap"
    monkeypatch.setenv("RLVR_SANDBOX", "rlimits")
    assert Sandbox.configured().mode == "rlimits"
    monkeypatch.setenv("RLVR_SANDBOX", "none")
    with pytest.raises(ValueError, match="bwrap"):
        Sandbox.configured()


def test_without_bubblewrap_it_refuses_and_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RLVR_SANDBOX", raising=False)
    monkeypatch.setattr(sandbox_module.shutil, "which", lambda name: None)
    with pytest.raises(
        SandboxUnavailable, match=r"apt-get install bubblewrap.*RLVR_SANDBOX=rlimits"
    ):
        Sandbox.configured()
    assert Sandbox.configured("rlimits").mode == "rlimits"  # an explicit opt-in still works


def test_a_sandbox_that_cannot_start_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SandboxUnavailable, match="not an executable"):
        Sandbox(python="/nonexistent/python3").run(["true"])
    with pytest.raises(SandboxUnavailable, match="cannot run"):
        Sandbox(python="/bin/false").run(["true"])
    broken = (*sandbox_module._bwrap_prefix(Sandbox().interpreter, 1 << 20), "--no-such-option")
    monkeypatch.setattr(sandbox_module, "_bwrap_prefix", lambda *_: broken)
    with pytest.raises(SandboxUnavailable, match=r"could not start.*no-such-option"):
        Sandbox().run(["true"])


def test_settings_pickle() -> None:
    sandbox = Sandbox.configured()
    assert pickle.loads(pickle.dumps(sandbox)) == sandbox


class TestWeakerMode:
    """`rlimits`: the same harness and limits in a plain child process."""

    sandbox = Sandbox(mode="rlimits")

    def test_runs_with_limits_in_a_scratch_directory_removed_after(self) -> None:
        result = self.sandbox.run(
            [PY, "-c", "import os; print(os.getcwd()); print(open('in.txt').read())"],
            files={"in.txt": "hello"},
            limits=Limits(file_bytes=1 << 20),
        )
        cwd, text = result.stdout.decode().splitlines()
        assert text == "hello"
        assert cwd.startswith("/tmp/rlvr-sandbox-") or "rlvr-sandbox-" in cwd
        assert not os.path.exists(cwd)

    def test_timeout_kills_the_process_group(self) -> None:
        started = time.monotonic()
        result = self.sandbox.run(["sh", "-c", "sleep 60.2 & sleep 60.2"], timeout_s=0.5)
        assert result.timed_out
        assert time.monotonic() - started < 5
        time.sleep(0.1)
        assert running("sleep 60.2") == []  # (one that calls setsid would survive: this mode)

    def test_process_limit_is_relative_to_what_the_user_runs(self) -> None:
        code = (
            "import os, time\nn = 0\nfor _ in range(40):\n    try:\n"
            "        if os.fork() == 0:\n            time.sleep(1); os._exit(0)\n        n += 1\n"
            "    except OSError:\n        break\nprint(n)\n"
        )
        result = self.sandbox.run([PY, "-c", code], limits=Limits(processes=6))
        assert 0 < int(result.stdout) < 40


def test_a_sandbox_is_the_out_of_memory_killers_first_pick_before_the_verifier() -> None:
    """Everything in a sandbox has the highest `oom_score_adj` (1000), above the engine's
    verifier process (500): when a candidate runs the host out of memory, its own processes
    die first, not the verifier (whose second death would make the row null)."""
    result = sandbox_run(["cat", "/proc/self/oom_score_adj"])
    assert result.stdout.decode().strip() == "1000"
