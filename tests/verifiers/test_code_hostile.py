"""Hostile programs against the code verifier: each is contained, and the host is unharmed.

Every attack runs in one batch inside an outer PID namespace (`unshare --pid --fork
--mount-proc`), so that a regression in the sandbox could at worst kill or flood that
namespace, not the machine running the tests; the batch ends by checking that nothing it
started is still running. Each case is built so that the attack, had it worked, would pass:
the expected output is what only a successful attack could produce (a secret, a connection,
a file written outside). The host-side effects (files, listener, disk, this process) are
checked here, outside.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

TIMEOUT_S = 1.0
"""Per-test wall time given to the verifier: hangs cost this much each."""

RUNNER = """
import json, os, sys, time
from concurrent.futures import ThreadPoolExecutor
from rlvr.verifiers.code import CodeVerifier

cases = json.load(open(sys.argv[1]))
verifier = CodeVerifier(timeout_s={timeout}, budget_s=20, memory_mb=256)

def run(case):
    started = time.monotonic()
    verdict = verifier.verify(case["problem"], case["completion"])
    return case["name"], {{
        "reward": verdict.reward,
        "info": verdict.info,
        "seconds": time.monotonic() - started,
    }}

with ThreadPoolExecutor(2) as pool:
    results = dict(pool.map(run, cases))
time.sleep(0.2)
# The batch runs as PID 1 of its own namespace: anything else still alive was left behind.
left = []
for name in os.listdir("/proc"):
    if name.isdigit() and int(name) != os.getpid():
        try:
            left.append(open(f"/proc/{{name}}/cmdline", "rb").read().replace(b"\\0", b" ").decode())
        except OSError:
            pass
print(json.dumps({{"results": results, "left_running": left}}))
"""


def outer_namespace() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("util-linux `unshare` is needed to run the hostile tests contained")
    prefix = [unshare, "--pid", "--fork", "--mount-proc", "--kill-child"]
    if os.geteuid() != 0:
        prefix[1:1] = ["--user", "--map-root-user"]
    return prefix


def function(name: str, code: str, tests: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    problem = {"entry_point": "f", "tests": tests, **extra}
    completion = f"```python\n{textwrap.dedent(code).strip()}\n```"
    return {"name": name, "problem": problem, "completion": completion}


def program(name: str, language: str, code: str, stdout: str, stdin: str = "") -> dict[str, Any]:
    problem = {"language": language, "tests": [{"stdin": stdin, "stdout": stdout}]}
    completion = f"```{language}\n{textwrap.dedent(code).strip()}\n```"
    return {"name": name, "problem": problem, "completion": completion}


class Host:
    """What the attacks aim at, on the host: a listener, secrets, places to write."""

    def __init__(self, tmp_path: Path) -> None:
        self.secret = f"s3cret-{secrets.token_hex(8)}"
        self.token = f"tok-{secrets.token_hex(8)}"
        self.secret_file = tmp_path / "secret.txt"
        self.secret_file.write_text(self.secret, encoding="utf-8")
        self.secret_file.chmod(0o644)
        tmp_path.chmod(0o755)
        self.marker = tmp_path / "pwned"
        self.tmp_marker = Path("/tmp") / f"rlvr-pwned-{secrets.token_hex(4)}"
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()


def python_cases(host: Host) -> list[dict[str, Any]]:
    one = [{"input": [], "output": True}]
    return [
        function(
            "py_fork_bomb",
            """
            import os
            def f():
                while True:
                    try:
                        os.fork()
                    except OSError:
                        pass
            """,
            one,
        ),
        function("py_memory_hog", "def f():\n    return len(bytearray(8 << 30)) > 0", one),
        function(
            "py_memory_creep",
            """
            def f():
                hoard = []
                while True:
                    hoard.append(bytearray(1 << 20))
            """,
            one,
        ),
        function("py_infinite_loop", "def f():\n    while True:\n        pass", one),
        function(
            "py_loop_catching_timeouts",
            """
            import signal
            def f():
                for sig in (signal.SIGALRM, signal.SIGXCPU, signal.SIGTERM, signal.SIGINT,
                            signal.SIGHUP, signal.SIGUSR1):
                    signal.signal(sig, signal.SIG_IGN)
                while True:
                    try:
                        while True:
                            pass
                    except BaseException:
                        continue
            """,
            one,
        ),
        function(
            "py_network",
            f"""
            import socket
            def f():
                try:
                    socket.create_connection(("127.0.0.1", {host.port}), timeout=1).close()
                    return "connected"
                except OSError as exc:
                    return str(exc)
            """,
            [{"input": [], "output": "connected"}],
        ),
        function(
            "py_writes_outside",
            f"""
            def f():
                wrote = []
                for path in ({str(host.marker)!r}, {str(host.tmp_marker)!r}, "/root/pwned",
                             "/etc/pwned", "/usr/pwned", "/pwned", "/dev/pwned",
                             "/proc/sys/kernel/hostname", "/work/pwned", "/tmp/../pwned"):
                    try:
                        with open(path, "w") as handle:
                            handle.write("pwned")
                        wrote.append(path)
                    except OSError:
                        pass
                return [p for p in wrote if not p.startswith("/tmp/r")]
            """,
            [{"input": [], "output": ["/pwned"]}],
        ),
        function(
            "py_env_secret",
            """
            import os
            def f():
                return os.environ.get("RLVR_TEST_SECRET", "")
            """,
            [{"input": [], "output": host.secret}],
        ),
        function(
            "py_host_file_secret",
            f"""
            def f():
                for path in ({str(host.secret_file)!r}, "/etc/shadow", "/root/.bashrc"):
                    try:
                        return open(path).read()
                    except OSError:
                        pass
                return ""
            """,
            [{"input": [], "output": host.secret}],
        ),
        function(
            "py_kill_parent_and_all",
            """
            import os, signal
            def f(x):
                if x == "attack":
                    for target in (os.getppid(), -1, 0, 1):
                        try:
                            os.kill(target, signal.SIGKILL)
                        except OSError:
                            pass
                    os.killpg(0, signal.SIGKILL)
                return x
            """,
            [{"input": ["attack"], "output": "attack"}, {"input": ["ok"], "output": "ok"}],
        ),
        function(
            "py_huge_output",
            """
            import sys
            def f():
                chunk = "x" * (1 << 20)
                while True:
                    sys.stdout.write(chunk)
            """,
            one,
        ),
        function(
            "py_deep_recursion",
            """
            import sys
            sys.setrecursionlimit(10 ** 8)
            def f(n=0):  # through a C function, so that the C stack overflows
                return sorted([0], key=lambda _: f(n + 1))
            """,
            one,
        ),
        function(
            "py_disk_fill",
            """
            def f():
                written = 0
                block = b"x" * (1 << 20)
                try:
                    with open("fill.bin", "wb") as handle:
                        while written < (8 << 30):
                            handle.write(block)
                            written += len(block)
                except OSError:
                    pass
                n = 0
                try:
                    while True:
                        open(f"small{n}", "wb").write(block)
                        n += 1
                        written += len(block)
                except OSError:
                    pass
                return written >= (1 << 30)
            """,
            one,
        ),
        function(
            "py_orphan_grandchild",
            """
            import os, time
            def f():
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        os.execv("/bin/sleep", ["sleep", "4242"])
                    os._exit(0)
                time.sleep(0.2)
                return False
            """,
            one,
        ),
        function("py_sys_exit", "import sys\ndef f():\n    sys.exit(0)", one),
        function("py_os_exit", "import os\ndef f():\n    os._exit(0)", one),
        function("py_exit_on_import", "import os\nos._exit(0)\ndef f():\n    return True", one),
        function(
            "py_always_equal",
            """
            class Anything:
                def __eq__(self, other):
                    return True
                __hash__ = object.__hash__
            class Int(int):
                def __eq__(self, other):
                    return True
            def f(kind):
                return Anything() if kind == "object" else Int(7)
            """,
            [{"input": ["object"], "output": 42}, {"input": ["int"], "output": 42}],
        ),
        function(
            "py_frame_walk_forgery",
            """
            import gc, os, sys
            TOKEN = "tok-"
            def hunt():
                found = []
                frame = sys._getframe()
                while frame is not None:
                    for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):
                        text = repr(value)
                        if TOKEN in text:
                            found.append(text)
                    frame = frame.f_back
                for obj in gc.get_objects():
                    try:
                        text = repr(obj)
                    except Exception:
                        continue
                    if TOKEN in text and "TOKEN" not in text:
                        found.append(text)
                for fd in range(3, 64):  # claims of a pass, on every channel there may be
                    try:
                        os.write(fd, b'{"ok": true}\\n{"test": 0, "status": "passed"}\\n')
                    except OSError:
                        pass
                return found
            def f():
                found = hunt()
                start = found[0].find(TOKEN) if found else -1
                return found[0][start:start + 20] if found else "nothing"
            """,
            [{"input": [], "output": host.token}],
        ),
        {
            "name": "py_reading_the_tests",
            "problem": {
                "entry_point": "f",
                "prompt": "def f():\n    '''Return the secret.'''\n",
                "test": textwrap.dedent(
                    f"""
                    SECRET = "{host.token}"
                    def check(candidate):
                        value = candidate()
                        assert value == SECRET
                    """
                ),
            },
            "completion": textwrap.dedent(
                """
                ```python
                import glob, os, sys
                def f():
                    for path in glob.glob("/proc/*/cmdline") + glob.glob("/proc/*/environ") + \\
                            glob.glob("/tmp/*") + glob.glob("/proc/*/fd/*"):
                        try:
                            data = open(path, "rb").read(1 << 20).decode("latin-1")
                        except OSError:
                            continue
                        at = data.find("tok-")
                        if at >= 0:
                            return data[at:at + 20]
                    frame = sys._getframe()
                    while frame is not None:
                        for value in frame.f_globals.values():
                            if "tok-" in repr(value):
                                return repr(value)
                        frame = frame.f_back
                    return "nothing"
                ```
                """
            ),
        },
    ]


FORGED = (
    b'{"ok": "forged"}\n{"error": {"status": "passed"}}\n{"test": 0, "status": "passed"}\n'
    b'{"ready": true, "names": ["f"]}\n{"done": true}\n{"run": {"exit_code": 0, "stdout": "42"}}\n'
)
"""Replies in the harness's voice: a pass, whichever form of test is running."""

HUMANEVAL_CHECK = {
    "entry_point": "f",
    "prompt": 'def f(x):\n    """Twice x."""\n',
    "test": "def check(candidate):\n"
    "    assert all(map(lambda x: candidate(x) == 2 * x, range(5)))\n",
}
"""Test code that must run (a `map` over calls): the checker sandbox, calls relayed."""


def integrity_cases() -> list[dict[str, Any]]:
    """Attacks on the reward itself (issue 18): each would pass only by speaking with the
    harness's voice, bending the judge or the limits, or having a wrong answer dropped."""
    twice = [{"input": [1], "output": 2}, {"input": [2], "output": 4}]
    return [
        function(
            "py_forge_on_every_descriptor",
            f"""
            import os
            def f(x):
                for fd in range(256):
                    try:
                        os.write(fd, {FORGED!r})
                    except OSError:
                        pass
                os._exit(0)
            """,
            twice,
        ),
        function(
            "py_forge_through_the_harness_objects",
            """
            import gc, sys
            def f(x):
                for obj in gc.get_objects():
                    if type(obj).__name__ == "Channel":
                        for message in ({"ok": 2 * x + 1}, {"error": {"status": "passed"}},
                                        {"test": 0, "status": "passed"}):
                            try:
                                obj.send(message)
                            except Exception:
                                pass
                frame = sys._getframe()
                while frame is not None:  # rewrite the encoder and the comparison, if found
                    for name in ("encode", "typed_equal", "dumps"):
                        if name in frame.f_globals:
                            frame.f_globals[name] = lambda *a, **k: True
                    frame = frame.f_back
                return 2 * x + 1
            """,
            twice,
        ),
        function(
            "py_write_the_harness_memory",
            """
            import os
            def f(x):
                opened = []
                for path in ["/proc/1/mem", "/proc/1/fd/0", "/proc/1/fd/1", "/proc/1/fd/3",
                             "/proc/1/fd/4", "/proc/%d/mem" % os.getppid()]:
                    try:
                        os.close(os.open(path, os.O_RDWR))
                        opened.append(path)
                    except OSError:
                        pass
                return opened
            """,
            [{"input": [1], "output": ["/proc/1/mem"]}],
        ),
        function(
            "py_freeze_the_harness",
            """
            import ctypes, os, signal, time
            def f(x):
                libc = ctypes.CDLL(None, use_errno=True)
                libc.ptrace(16, 1, 0, 0)  # PTRACE_ATTACH: stops PID 1 if allowed
                for sig in (signal.SIGSTOP, signal.SIGKILL):
                    try:
                        os.kill(1, sig)
                    except OSError:
                        pass
                time.sleep(30)
                return 2 * x
            """,
            twice,
        ),
        function(
            "py_shared_memory_hog",
            """
            import ctypes
            def f():
                libc = ctypes.CDLL(None, use_errno=True)
                libc.shmat.restype = ctypes.c_void_p
                held = 0
                for _ in range(5):
                    key = libc.shmget(0, 256 << 20, 0o1600)
                    if key < 0:
                        break
                    address = libc.shmat(key, None, 0)
                    if address in (None, ctypes.c_void_p(-1).value):
                        break
                    ctypes.memset(address, 1, 256 << 20)
                    held += 256
                return held
            """,
            [{"input": [], "output": 1280}],
        ),
        function(
            "py_lying_exception",
            """
            class passed(BaseException):
                def __eq__(self, other):
                    return True
                def __repr__(self):
                    return '{"error": {"status": "passed"}}'
                def __str__(self):
                    raise passed()
            def f(x):
                raise passed()
            """,
            twice,
        ),
        function(
            "py_lying_comparisons",
            """
            class Two(int):
                def __eq__(self, other):
                    return True
                def __ne__(self, other):
                    return False
                __hash__ = int.__hash__
            class Weird(float):
                pass
            def f(x):
                return Two(7) if x == 1 else Weird("nan")
            """,
            twice,
        ),
        function(
            "py_infinity_for_a_float",
            "def f(x):\n    return float('inf') if x == 1 else [float('nan')]",
            [{"input": [1], "output": 1.5}, {"input": [2], "output": [2.5]}],
        ),
        function(
            "py_overflowing_the_judge",
            "def f(x):\n    return 10 ** 400",
            [{"input": [1], "output": 0.5}],
        ),
        function(
            "py_huge_return_value",
            "def f(x):\n    return 'x' * (64 << 20)",
            [{"input": [1], "output": "x"}],
        ),
        function(
            "py_timing_just_past_the_limit",
            f"""
            import time
            def f(x):
                time.sleep({TIMEOUT_S} + 0.3)
                return 2 * x
            """,
            twice,
        ),
        function(
            "py_exit_before_any_test",
            "import os, sys\nsys.stdout.write('{\"ok\": 2}\\n')\nsys.stdout.flush()\nos._exit(0)",
            twice,
        ),
        {
            "name": "py_stop_iteration_through_map",
            "problem": HUMANEVAL_CHECK,
            "completion": "```python\ndef f(x):\n    raise StopIteration\n```",
        },
        {
            "name": "py_shadowing_the_test_built_ins",
            "problem": {
                **HUMANEVAL_CHECK,
                "test": "def check(candidate):\n"
                "    assert sum(candidate(x) for x in range(5)) == 20\n"
                "    assert all(candidate(x) == 2 * x for x in range(5))\n",
            },
            "completion": "```python\ndef sum(*a):\n    return 20\n"
            "def all(*a):\n    return True\ndef range(*a):\n    return []\n"
            "def f(x):\n    return 0\n```",
        },
        {
            "name": "py_monkeypatching_the_test_module",
            "problem": HUMANEVAL_CHECK,
            "completion": "```python\n"
            + textwrap.dedent(
                f"""
                import builtins, gc
                builtins.all = lambda *a: True
                builtins.map = lambda *a: []
                for obj in gc.get_objects():
                    if type(obj).__name__ in ("Checker", "Channel", "Proxy"):
                        try:
                            obj.send_line({FORGED!r}.splitlines()[2])
                        except Exception:
                            pass
                def f(x):
                    return -1
                """
            )
            + "```\n",
        },
    ]


def c_cases(host: Host) -> list[dict[str, Any]]:
    includes = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n"
    includes += "#include <signal.h>\n#include <sys/socket.h>\n#include <netinet/in.h>\n"
    includes += "#include <arpa/inet.h>\n"
    return [
        program("c_fork_bomb", "c", includes + "int main(){for(;;) fork();}", "done"),
        program(
            "c_memory_hog",
            "c",
            includes + "int main(){for(;;){char*p=malloc(1<<20);memset(p,1,1<<20);}}",
            "done",
        ),
        program("c_infinite_loop", "c", "int main(){volatile int x=0;for(;;) x++;}", "done"),
        program(
            "c_loop_ignoring_signals",
            "c",
            includes + "int main(){for(int s=1;s<32;s++) signal(s,SIG_IGN);"
            "volatile int x=0;for(;;) x++;}",
            "done",
        ),
        program(
            "c_network",
            "c",
            includes + "int main(){int s=socket(AF_INET,SOCK_STREAM,0);"
            "struct sockaddr_in a={0};a.sin_family=AF_INET;"
            f'a.sin_port=htons({host.port});a.sin_addr.s_addr=inet_addr("127.0.0.1");'
            'puts(connect(s,(struct sockaddr*)&a,sizeof a)==0?"connected":"refused");}',
            "connected",
        ),
        program(
            "c_writes_outside",
            "c",
            includes + "int main(){const char*p[]={"
            f'"{host.marker}","{host.tmp_marker}c","/root/pwned","/etc/pwned","/pwned",'
            '"/usr/pwned"};int n=0;for(int i=0;i<6;i++){FILE*f=fopen(p[i],"w");'
            'if(f){fputs("pwned",f);fclose(f);n++;}}printf("%d\\n",n);}',
            "6",
        ),
        program(
            "c_secrets",
            "c",
            includes + 'int main(){const char*e=getenv("RLVR_TEST_SECRET");char b[256]={0};'
            f'FILE*f=fopen("{host.secret_file}","r");if(f){{fgets(b,255,f);}}'
            'printf("%s%s\\n",e?e:"",b);}',
            host.secret,
        ),
        program(
            "c_kill_parent_and_all",
            "c",
            includes
            + 'int main(){kill(getppid(),SIGKILL);kill(-1,SIGKILL);kill(1,SIGKILL);puts("alive");}',
            "alive",
        ),
        program("c_huge_output", "c", includes + "int main(){for(;;) putchar('x');}", "x"),
        program(
            "c_deep_recursion",
            "c",
            "int r(int n){volatile char pad[512];pad[n%512]=n;return r(n+1)+pad[0];}"
            "int main(){return r(0);}",
            "0",
        ),
        program(
            "c_disk_fill",
            "c",
            includes + 'int main(){FILE*f=fopen("fill.bin","w");static char b[1<<20];long n=0;'
            "while(f&&fwrite(b,1,sizeof b,f)==sizeof b) n+=sizeof b;"
            'char name[32];for(int i=0;;i++){sprintf(name,"s%d",i);FILE*g=fopen(name,"w");'
            "if(!g||fwrite(b,1,sizeof b,g)!=sizeof b) break;fclose(g);n+=sizeof b;}"
            'printf("%ld\\n", n >> 30);}',
            "8",
        ),
        program(
            "c_orphan_grandchild",
            "c",
            includes + 'int main(){if(fork()==0){setsid();if(fork()==0){execl("/bin/sleep",'
            '"sleep","4243",(char*)0);}_exit(0);}usleep(200000);puts("parent done");}',
            "something else",
        ),
        program("c_exit_zero_early", "c", includes + "int main(){exit(0);}", "42"),
        program(
            "c_forge_on_every_descriptor",
            "c",
            includes + f"int main(){{const char*m={json.dumps(FORGED.decode())};"
            "for(int fd=0;fd<256;fd++) write(fd,m,strlen(m));_exit(0);}",
            "42",
        ),
        program(
            "c_shared_memory_and_ptrace",
            "c",
            includes + "#include <sys/shm.h>\n#include <sys/ptrace.h>\n#include <fcntl.h>\n"
            "int main(){int k=shmget(IPC_PRIVATE,1<<30,IPC_CREAT|0600);"
            "char*p=k>=0?shmat(k,0,0):(char*)-1;if(p!=(char*)-1)memset(p,1,1<<30);"
            "long t=ptrace(PTRACE_ATTACH,1,0,0);kill(1,SIGSTOP);"
            'int m=open("/proc/1/mem",O_RDWR);'
            'printf("%d %ld %d\\n",p!=(char*)-1,t,m>=0);fflush(stdout);sleep(30);}',
            "1 0 1",
        ),
        program(
            "cpp_memory",
            "cpp",
            "#include <vector>\n#include <cstdio>\nint main(){std::vector<char*> v;"
            "for(;;) v.push_back(new char[1<<24]());}",
            "done",
        ),
    ]


@pytest.fixture(scope="module")
def battery(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("hostile")
    host = Host(tmp_path)
    cases = python_cases(host) + integrity_cases() + c_cases(host)
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(cases), encoding="utf-8")
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER.format(timeout=TIMEOUT_S), encoding="utf-8")
    env = {**os.environ, "RLVR_TEST_SECRET": host.secret}
    disk_before = shutil.disk_usage("/tmp").free
    try:
        done = subprocess.run(
            [*outer_namespace(), sys.executable, str(runner), str(cases_file)],
            capture_output=True,
            text=True,
            env=env,
            timeout=240,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        )
    finally:
        host.close()
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "results": out["results"],
        "left_running": out["left_running"],
        "host": host,
        "disk_lost": disk_before - shutil.disk_usage("/tmp").free,
    }


def result(battery: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = battery["results"][name]
    assert found["reward"] is not None, found["info"]  # contained, not an infrastructure fault
    return found


def statuses(found: dict[str, Any]) -> list[str]:
    return [test["status"] for test in found["info"].get("tests", [])] or [found["info"]["status"]]


def returned(found: dict[str, Any]) -> str:
    """What the program returned or printed, per the info (the expected value cut off)."""
    details = [test.get("detail", "") for test in found["info"].get("tests", [])]
    return " ".join(detail.split(", expected")[0] for detail in details)


HANG_LIMIT_S = TIMEOUT_S + 4.0
"""A hang ends within the test's time plus killing and restarting slack."""


@pytest.mark.parametrize("name", ["py_fork_bomb", "c_fork_bomb"])
def test_fork_bomb_is_contained(battery: dict[str, Any], name: str) -> None:
    found = result(battery, name)
    assert found["reward"] == 0.0
    assert set(statuses(found)) <= {"timeout", "crash"}
    assert found["seconds"] < HANG_LIMIT_S


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("py_memory_hog", {"memory"}),
        ("py_memory_creep", {"memory"}),
        ("c_memory_hog", {"memory", "crash"}),
        ("cpp_memory", {"memory"}),
    ],
)
def test_memory_hog_is_stopped(battery: dict[str, Any], name: str, expected: set[str]) -> None:
    found = result(battery, name)
    assert found["reward"] == 0.0
    assert set(statuses(found)) <= expected, found["info"]


@pytest.mark.parametrize(
    "name",
    ["py_infinite_loop", "py_loop_catching_timeouts", "c_infinite_loop", "c_loop_ignoring_signals"],
)
def test_endless_loops_time_out(battery: dict[str, Any], name: str) -> None:
    found = result(battery, name)
    assert found["reward"] == 0.0
    assert statuses(found) == ["timeout"], found["info"]
    assert found["seconds"] < HANG_LIMIT_S


@pytest.mark.parametrize("name", ["py_network", "c_network"])
def test_no_network_even_to_a_loopback_listener(battery: dict[str, Any], name: str) -> None:
    assert result(battery, name)["reward"] == 0.0
    assert battery["host"].connections == 0


@pytest.mark.parametrize("name", ["py_writes_outside", "c_writes_outside"])
def test_nothing_is_written_outside_the_scratch_area(battery: dict[str, Any], name: str) -> None:
    assert result(battery, name)["reward"] == 0.0
    host = battery["host"]
    for path in (host.marker, host.tmp_marker, Path(f"{host.tmp_marker}c"), Path("/pwned")):
        assert not path.exists(), path


@pytest.mark.parametrize("name", ["py_env_secret", "py_host_file_secret", "c_secrets"])
def test_secrets_of_the_host_stay_out(battery: dict[str, Any], name: str) -> None:
    found = result(battery, name)
    assert found["reward"] == 0.0
    assert battery["host"].secret not in returned(found)


def test_killing_the_parent_and_everything_reaches_nothing_outside(
    battery: dict[str, Any],
) -> None:
    found = result(battery, "py_kill_parent_and_all")
    # The attacking call crashed at most itself; the next test ran (in a fresh sandbox).
    assert statuses(found)[1] == "passed", found["info"]
    assert result(battery, "c_kill_parent_and_all")["reward"] == 1.0  # and printed on
    os.kill(os.getpid(), 0)  # this process, outside, is alive


@pytest.mark.parametrize("name", ["py_huge_output", "c_huge_output"])
def test_huge_output_is_cut_short(battery: dict[str, Any], name: str) -> None:
    found = result(battery, name)
    assert found["reward"] == 0.0
    assert statuses(found) == ["crash"], found["info"]
    assert "printed more than" in json.dumps(found["info"])
    assert len(json.dumps(found["info"])) < 20_000
    assert found["seconds"] < HANG_LIMIT_S


@pytest.mark.parametrize("name", ["py_deep_recursion", "c_deep_recursion"])
def test_deep_recursion_crashes_only_itself(battery: dict[str, Any], name: str) -> None:
    found = result(battery, name)
    assert found["reward"] == 0.0
    assert statuses(found) in (["crash"], ["memory"]), found["info"]
    assert found["seconds"] < HANG_LIMIT_S


@pytest.mark.parametrize("name", ["py_disk_fill", "c_disk_fill"])
def test_disk_fill_stays_in_the_small_scratch_area(battery: dict[str, Any], name: str) -> None:
    assert result(battery, name)["reward"] == 0.0
    # Both try to write 8 GiB; landing on a host disk would show as gigabytes gone (the margin
    # leaves room for whatever else runs on the machine meanwhile).
    assert battery["disk_lost"] < 1 << 30


def test_nothing_is_left_running(battery: dict[str, Any]) -> None:
    assert result(battery, "py_orphan_grandchild")["reward"] == 0.0
    assert result(battery, "c_orphan_grandchild")["reward"] == 0.0
    assert battery["left_running"] == []


@pytest.mark.parametrize(
    "name", ["py_sys_exit", "py_os_exit", "py_exit_on_import", "c_exit_zero_early"]
)
def test_exiting_early_with_status_0_is_not_passing(battery: dict[str, Any], name: str) -> None:
    found = result(battery, name)
    assert found["reward"] == 0.0
    assert "passed" not in statuses(found)


def test_an_always_equal_object_does_not_pass(battery: dict[str, Any]) -> None:
    found = result(battery, "py_always_equal")
    assert found["reward"] == 0.0
    assert statuses(found) == ["wrong", "wrong"]
    assert "cannot be compared" in json.dumps(found["info"])


@pytest.mark.parametrize("name", ["py_frame_walk_forgery", "py_reading_the_tests"])
def test_forging_results_or_reading_the_tests_fails(battery: dict[str, Any], name: str) -> None:
    found = result(battery, name)
    assert found["reward"] == 0.0
    assert battery["host"].token not in returned(found)


INTEGRITY = [
    "py_forge_on_every_descriptor",
    "py_forge_through_the_harness_objects",
    "py_write_the_harness_memory",
    "py_freeze_the_harness",
    "py_shared_memory_hog",
    "py_lying_exception",
    "py_lying_comparisons",
    "py_infinity_for_a_float",
    "py_overflowing_the_judge",
    "py_huge_return_value",
    "py_timing_just_past_the_limit",
    "py_exit_before_any_test",
    "py_stop_iteration_through_map",
    "py_shadowing_the_test_built_ins",
    "py_monkeypatching_the_test_module",
    "c_forge_on_every_descriptor",
    "c_shared_memory_and_ptrace",
]


@pytest.mark.parametrize("name", INTEGRITY)
def test_attacks_on_the_reward_score_0_never_none(battery: dict[str, Any], name: str) -> None:
    found = result(battery, name)  # None would drop a wrong answer from the update
    assert found["reward"] == 0.0, found["info"]
    assert "passed" not in statuses(found), found["info"]


@pytest.mark.parametrize("name", ["py_freeze_the_harness", "c_shared_memory_and_ptrace"])
def test_a_frozen_harness_would_not_stop_the_clock(battery: dict[str, Any], name: str) -> None:
    found = result(battery, name)
    assert found["seconds"] < HANG_LIMIT_S, found
    assert set(statuses(found)) <= {"timeout", "crash"}, found["info"]
