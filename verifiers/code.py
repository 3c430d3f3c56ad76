"""The `code` verifier: run the completion's program in the sandbox against the problem's tests.

Test forms (a record's `language` is `python`, the default, `c` or `cpp`):

- I/O tests on a function (Python): `entry_point` and `tests: [{"input": [args...],
  "output": value}]`. Values are JSON, with `{"$tuple": [...]}`, `{"$set": [...]}` and the other
  tags of `rlvr.verifiers.code_harness` for what JSON cannot say.
- stdio tests (any language): `tests: [{"stdin": "...", "stdout": "..."}]`. A test passes when
  the program exits with status 0 and prints the expected text, compared after dropping
  trailing whitespace on each line and trailing blank lines (and reading CRLF as LF).
- assert-style tests (Python), as in HumanEval (`test` defines `check(candidate)`) and MBPP
  (`test` is a module of asserts calling `entry_point`). Each statement holding an assert is
  one test.

The judge/harness boundary (docs/sandbox.md): the candidate's code runs only inside the
sandbox, in a `function` (or `stdio`) sandbox that never sees an expected value. Its return
values come back as type-tagged JSON; this process decodes them into plain built-in values
and compares them with `typed_equal`, so 1, 1.0 and True differ, a tuple is not a list, and no
object of the candidate's is ever compared. Assert-style tests are read here: when every test
is `assert candidate(<literals>) == <literal>` (or `!=`, `is None`, a bare truth test), the
calls go to the candidate and the comparisons happen here, as for I/O tests; otherwise the
problem's test code runs in a second sandbox (`check` mode) where the candidate's functions
are proxies whose calls this process relays to the candidate's sandbox: the test logic that
decides never shares a process with the candidate.

Reward: 1 only if every test passes (`all_or_nothing=False`: the fraction passed, for I/O and
stdio tests; assert-style tests are always all or nothing, as in their own harnesses). No
message from a sandbox that runs the candidate's code means "passed": a pass is only this
process's comparison of a value or an output it decoded itself, and whatever the candidate
caused, a value this process cannot decode or compare included, scores 0. `info` has
the per-test status (passed, wrong, timeout, crash, memory), counts, and a capped stderr
excerpt. A program that does not compile (or whose module fails to load) scores 0 with the
compiler's or interpreter's message. A sandbox that cannot start is an infrastructure fault:
`Verdict.error`, reward None.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from rlvr.text import REASONING_CLOSE
from rlvr.verdict import Verdict
from rlvr.verifiers.code_extract import extract_code, joined_with_prompt
from rlvr.verifiers.code_harness import DETAIL_CHARS, FAILURES, decode, encode, excerpt
from rlvr.verifiers.code_task import LANGUAGES, Task, TaskError, read_task
from rlvr.verifiers.sandbox import (
    CLOSED,
    TIMEOUT,
    Limits,
    Sandbox,
    SandboxProcess,
    SandboxUnavailable,
)

SOURCE_FILES = {"python": "main.py", "c": "main.c", "cpp": "main.cpp"}
COMPILERS = {
    "c": ["gcc", "-std=gnu17", "-O2", "-pipe", "-o", "main", "main.c", "-lm"],
    "cpp": ["g++", "-std=gnu++17", "-O2", "-pipe", "-o", "main", "main.cpp", "-lm"],
}
PYTHON_MAIN = (
    "import builtins as b, sys as s; b.exit = b.quit = s.exit; s.argv[0] = 'main.py'; del b, s; "
    "__file__ = 'main.py'; exec(compile(open('main.py', 'rb').read(), 'main.py', 'exec'))"
)
"""How a Python program is run: as `main.py` in `__main__`, with `exit()` and `quit()`, which
`site` adds to an interpreter and `-S` (no site: no installed packages, a faster start) leaves
out; a correct program that ends with `exit()` is not a crash."""
MAX_RESTARTS = 8
"""Sandboxes restarted for one row after the program died or hung, before giving up."""
INFO_TESTS = 50
"""Per-test entries kept in `info` (the counts cover all)."""
STDERR_CHARS = 1000
TEST_DETAIL_CHARS = 600
"""Longest reason kept per test in `info` (tracebacks are cut to their head and tail)."""


@dataclass(frozen=True)
class Outcome:
    """One test's status (passed, wrong, timeout, crash, memory) and why."""

    status: str
    detail: str | None = None

    def as_info(self) -> dict[str, str]:
        if not self.detail:
            return {"status": self.status}
        return {"status": self.status, "detail": excerpt(self.detail, TEST_DETAIL_CHARS)}


class CodeVerifier:
    """Runs the completion's program in the sandbox against the problem's tests; see the
    module docstring and docs/sandbox.md."""

    name = "code"
    required_fields = ()
    """None statically: a row needs `tests`, or `test` and `entry_point` (checked per row)."""
    chunk_rows = 4
    """Rows per chunk in `rlvr verify`: each costs a sandbox, tens of milliseconds, so small
    chunks keep the workers evenly loaded to the end."""

    def __init__(
        self,
        *,
        sandbox: str | None = None,
        all_or_nothing: bool = True,
        timeout_s: float = 5.0,
        budget_s: float = 30.0,
        compile_timeout_s: float = 30.0,
        memory_mb: int = 512,
        processes: int = 16,
        output_kb: int = 1024,
        python: str | None = None,
        float_tolerance: float = 1e-9,
        default_language: str = "python",
        reasoning_close: Iterable[str] = REASONING_CLOSE,
    ) -> None:
        """`sandbox`: "bwrap" (the default; refuses to run without bubblewrap) or "rlimits"
        (an explicit opt-in to the weaker mode, docs/sandbox.md); also `RLVR_SANDBOX`.
        `timeout_s` is the wall time of one test (a call, a run), `budget_s` of a whole row.
        `float_tolerance` is relative, for I/O tests; assert-style tests compare exactly as
        written. `all_or_nothing=False` gives I/O and stdio tests fractional credit, the
        fraction of tests passed (docs/code.md says why it is not the default); assert-style
        tests (HumanEval, MBPP) always score as their own harnesses do, 1 only if all pass."""
        if default_language not in LANGUAGES:
            raise ValueError(f"default_language must be one of {LANGUAGES}")
        self.sandbox = Sandbox.configured(sandbox, python)
        self.all_or_nothing = all_or_nothing
        self.timeout_s = timeout_s
        self.budget_s = budget_s
        self.compile_timeout_s = compile_timeout_s
        self.float_tolerance = float_tolerance
        self.default_language = default_language
        self.reasoning_close = tuple(reasoning_close)
        self.limits = Limits(
            cpu_s=max(timeout_s, 1.0),
            memory_bytes=memory_mb << 20,
            processes=processes,
            output_bytes=output_kb << 10,
        )
        self.compile_limits = Limits(
            cpu_s=compile_timeout_s, memory_bytes=max(memory_mb, 2048) << 20, processes=processes
        )
        # The module's process serves every call of a row: its CPU time is the row's; each
        # call's wall time is kept here (`timeout_s`).
        self.module_limits = replace(self.limits, cpu_s=max(budget_s, 1.0))

    # -- the verdict ---------------------------------------------------------------------------

    def verify(self, problem: Mapping[str, Any], completion: str) -> Verdict:
        try:
            task = read_task(problem, self.default_language, self.float_tolerance)
        except TaskError as exc:
            return Verdict.error(f"unusable code problem: {exc}", field=exc.field)
        # A lone surrogate (half an emoji, possible in JSON input, never from a tokenizer) cannot
        # be written as a source file: it is the completion's text, so it becomes "?".
        completion = completion.encode("utf-8", "replace").decode("utf-8")
        extraction = extract_code(completion, task.language, task.entry_point, self.reasoning_close)
        info: dict[str, Any] = {"language": task.language, "form": task.form}
        info["extracted"] = extraction.how
        if extraction.code is None:
            return Verdict(0.0, {**info, "status": "no_code", "passed": 0, "total": task.count})
        program = extraction.code
        if task.language == "python" and task.prompt_code is not None and task.entry_point:
            program = joined_with_prompt(task.prompt_code, program, task.entry_point)
        run = _Run(self, time.monotonic() + self.budget_s)
        try:
            if task.form == "stdio":
                result = run.stdio(task, program)
            elif task.form == "function":
                result = run.calls(task, program)
            else:
                result = run.checked(task, program)
        except SandboxUnavailable as exc:
            return Verdict.error(str(exc), **info)
        finally:
            run.close()
        if isinstance(result, Verdict):
            return Verdict(result.reward, {**info, **result.info})
        failure, outcomes = result
        if run.stderr:
            info["stderr"] = run.stderr
        if failure is not None:
            info.update(status=failure.status, passed=0, total=task.count)
            if failure.detail:
                info["detail"] = failure.detail
            return Verdict(0.0, info)
        return self._scored(info, outcomes, self.all_or_nothing or task.assert_style)

    def _scored(self, info: dict[str, Any], outcomes: list[Outcome], binary: bool) -> Verdict:
        passed = sum(o.status == "passed" for o in outcomes)
        total = len(outcomes)
        info.update(status="passed" if passed == total else "failed", passed=passed, total=total)
        info["counts"] = dict(Counter(o.status for o in outcomes))
        info["tests"] = [o.as_info() for o in outcomes[:INFO_TESTS]]
        if binary:
            return Verdict(float(passed == total), info)
        return Verdict(passed / total, info)

    def examples(self) -> list[tuple[dict[str, Any], str, float]]:
        """(problem, completion, expected reward) for the conformance check."""
        add = {
            "entry_point": "add",
            "tests": [{"input": [1, 2], "output": 3}, {"input": [5, 0], "output": 5}],
        }
        stdio = {"tests": [{"stdin": "2 3\n", "stdout": "5\n"}, {"stdin": "1 1\n", "stdout": "2"}]}
        c_sum = '#include <stdio.h>\nint main(){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}'
        humaneval = {
            "prompt": 'def double(x: int) -> int:\n    """Twice x."""\n',
            "entry_point": "double",
            "test": "def check(candidate):\n"
            "    assert candidate(2) == 4\n"
            "    assert candidate(0) == 0\n",
        }
        return [
            (add, "```python\ndef add(a, b):\n    return a + b\n```", 1.0),
            (add, "```python\ndef add(a, b):\n    return a - b\n```", 0.0),
            (add, "<think>maybe a*b</think>\ndef add(a, b):\n    return float(a + b)\n", 0.0),
            (stdio, "```python\na, b = map(int, input().split())\nprint(a + b)\n```", 1.0),
            ({**stdio, "language": "c"}, f"```c\n{c_sum}\n```", 1.0),
            ({**stdio, "language": "c"}, "```c\nint main() { return 0 }\n```", 0.0),
            (humaneval, "    return 2 * x\n", 1.0),
            (humaneval, "```python\ndef double(x):\n    return x + 2\n```", 0.0),
        ]


def normalise_stdout(text: str) -> str:
    """Output as compared: LF line ends, no trailing whitespace per line, no trailing blank
    lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).rstrip("\n")


# --- running ----------------------------------------------------------------------------------

Result = tuple[Outcome | None, list[Outcome]] | Verdict
"""(failure of the whole program, or None; per-test outcomes), or a verdict of its own."""


class _Run:
    """The sandboxes of one verification and the deadline they share."""

    def __init__(self, verifier: CodeVerifier, deadline: float) -> None:
        self.verifier = verifier
        self.deadline = deadline
        self.stderr = ""
        self.limits = verifier.limits
        """The sandbox limits of this row (the output limit grows with its expected output)."""
        self.candidate: _Candidate | None = None
        self.checker: SandboxProcess | None = None

    def left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def close(self) -> None:
        for process in (self.candidate, self.checker):
            if process is not None:
                process.close()

    def keep_stderr(self, text: str) -> None:
        if text.strip() and not self.stderr:
            self.stderr = text[-STDERR_CHARS:]

    # function form: calls judged here

    def calls(self, task: Task, program: str) -> Result:
        candidate = self.candidate = _Candidate(self, program)
        failure = candidate.ready(task.entry_point, ((c.args, c.kwargs) for c in task.calls))
        if failure is not None:
            return failure, []
        outcomes = []
        for call in task.calls:
            status, value = candidate.call(task.entry_point or "", call.args, call.kwargs)
            if status != "ok":
                outcomes.append(Outcome(status, value))
                continue
            try:
                right = call.expect.judge(value)
            except Exception as exc:  # the value is the candidate's doing
                why = f"{type(exc).__name__}: {excerpt(str(exc), 200)}"
                outcomes.append(
                    Outcome("wrong", f"returned a value that cannot be compared ({why})")
                )
                continue
            if right:
                outcomes.append(Outcome("passed"))
            else:
                detail = f"returned {_short(value)}"
                if call.expect.kind in ("eq", "ne", "is", "is_not", "close"):
                    detail += f", expected {call.expect.describe()} {_short(call.expect.value)}"
                outcomes.append(Outcome("wrong", detail))
        return None, outcomes

    # check form: the test code in a sandbox of its own, calls relayed

    def checked(self, task: Task, program: str) -> Result:
        config = {
            "mode": "check",
            "context": task.prompt_code or "",
            "plan": task.plan,
            "entry_point": task.entry_point,
        }
        # The checker starts before anything of the candidate's runs: a sandbox that is slow to
        # start is an infrastructure fault (null), and a candidate whose module starts sixteen
        # busy processes must not be able to make it one.
        checker = self.checker = self.verifier.sandbox.start(config, self.verifier.module_limits)
        candidate = self.candidate = _Candidate(self, program)
        failure = candidate.ready(task.entry_point)
        if failure is not None:
            return failure, []
        outcomes: dict[int, Outcome] = {}
        stop: Outcome | None = None
        while stop is None:
            message = checker.receive(self.left())
            if message is TIMEOUT:
                stop = Outcome("timeout", "the tests ran out of time")
            elif message is CLOSED:
                why = checker.failure or _ended(checker.returncode)
                stop = Outcome("crash", f"the test code stopped: {why}")
            elif "call" in message:
                checker.send(candidate.relay(message))
            elif "test" in message:
                index, status = message.get("test"), message.get("status")
                if isinstance(index, int) and 0 <= index < task.count and status in _REPORTED:
                    outcomes[index] = Outcome(str(status), _text(message.get("detail")))
            elif "unsupported" in message:
                limit = _text(message["unsupported"])
                if any(o.status != "passed" for o in outcomes.values()):
                    # The row is 0 already (all or nothing): no limit of ours decides it.
                    stop = Outcome("crash", f"not run: {limit}")
                    break
                return Verdict.error(f"the test cannot run across the sandbox boundary: {limit}")
            elif "stopped" in message:
                status = message["stopped"] if message["stopped"] in FAILURES else "crash"
                stop = Outcome(status, _text(message.get("detail")))
            elif "done" in message:
                break
        missing = stop or Outcome("crash", "not reported")
        results = [outcomes.get(i, missing) for i in range(task.count)]
        if stop is not None and all(o.status == "passed" for o in results):
            # The test code failed, or hung, past its last assert (a helper's assert, a raise,
            # a call whose failure it swallowed): a test program that does not run to its end
            # did not pass, in the published harnesses as here.
            results[-1] = stop
        return None, results

    # stdio form: a program run once per test

    def stdio(self, task: Task, program: str) -> Result:
        verifier = self.verifier
        language = task.language
        python = verifier.sandbox.interpreter
        config = {
            "mode": "stdio",
            "source": program,
            "filename": SOURCE_FILES[language],
            "compile": COMPILERS.get(language),
            "compile_limits": verifier.compile_limits.for_harness(),
            "compile_timeout_s": verifier.compile_timeout_s,
            "run": [python, "-S", "-s", "-c", PYTHON_MAIN] if language == "python" else ["./main"],
            "timeout_s": verifier.timeout_s,
        }
        # The output limit holds on what a program prints beyond the longest expected output: a
        # test expecting 2 MB of numbers must not fail every correct answer at 1 MiB.
        longest = max(len(out.encode("utf-8", "surrogatepass")) for _, out in task.stdio)
        limits = self.limits = replace(
            verifier.limits, output_bytes=verifier.limits.output_bytes + longest
        )
        outcomes: list[Outcome] = []
        process: SandboxProcess | None = None
        restarts = 0
        try:
            for stdin, expected in task.stdio:
                if process is None:
                    if restarts > MAX_RESTARTS or not self.left():
                        outcomes.append(Outcome("crash", "not run: the program kept dying"))
                        continue
                    restarts += 1
                    process = verifier.sandbox.start(config, limits)
                    ready = process.receive(min(self.left(), verifier.compile_timeout_s + 5))
                    if not (isinstance(ready, dict) and ready.get("ready")):
                        failure = _not_ready(ready, process, "compiling")
                        process.close()
                        return failure, []
                process.send({"stdin": stdin})
                reply = process.receive(min(self.left(), verifier.timeout_s + 5))
                report = reply.get("run") if isinstance(reply, dict) else None
                if not isinstance(report, dict):
                    why = "timeout" if reply is TIMEOUT else "crash"
                    outcomes.append(Outcome(why, process.failure or "the sandbox stopped"))
                    process.close()
                    process = None
                    continue
                outcomes.append(self._judge_run(report, expected))
        finally:
            if process is not None:
                process.close()
        return None, outcomes

    def _judge_run(self, report: dict[str, Any], expected: str) -> Outcome:
        stderr = _text(report.get("stderr"))
        if report.get("timed_out"):
            return Outcome("timeout", f"ran longer than {self.verifier.timeout_s:g} s")
        if report.get("output_exceeded"):
            return Outcome("crash", f"printed more than {self.limits.output_bytes} bytes")
        if report.get("exit_code") != 0:
            self.keep_stderr(stderr or "")
            status = "memory" if report.get("memory") else "crash"
            sig = report.get("signal")
            if isinstance(sig, int) and sig == signal.SIGXCPU:
                return Outcome("timeout", "ran out of CPU time")
            how = f"killed by signal {sig}" if sig else f"exit status {report.get('exit_code')}"
            return Outcome(status, f"{how}: {(stderr or '')[-300:]}".rstrip(": "))
        stdout = report.get("stdout")
        if isinstance(stdout, str) and normalise_stdout(stdout) == normalise_stdout(expected):
            return Outcome("passed")
        return Outcome("wrong", f"printed {_short(stdout)}, expected {_short(expected)}")


_REPORTED = FAILURES | {"passed"}
"""Outcomes the checker sandbox reports. It runs only the problem's own test code (the candidate
reaches it as plain values decoded there), so its "passed" is the test code's verdict; no
sandbox that runs the candidate's code has a word for a pass."""


class _Candidate:
    """The candidate's module in a `function` sandbox, restarted after a death or a hang (each
    restart loads the module afresh)."""

    def __init__(self, run: _Run, program: str) -> None:
        self.run = run
        self.program = program
        self.process: SandboxProcess | None = None
        self.names: list[str] = []
        self.restarts = 0
        self.fatal: Outcome | None = None
        self.queued: deque[dict[str, Any]] = deque()
        """Requests sent ahead whose replies have not been read yet, oldest first."""

    def close(self) -> None:
        self.queued.clear()
        if self.process is not None:
            self.process.close()
            self.run.keep_stderr(self.process.stderr.decode("utf-8", "replace"))
            self.process = None

    def send_ahead(self, name: str, calls: Iterable[tuple[list[Any], dict[str, Any]]]) -> None:
        """Queue every call at once: the harness holds them and passes each to the candidate's
        process in its turn, without waiting for this process to judge the previous reply and
        send the next request. Each reply still has its own time limit; after a restart the
        rest go one at a time."""
        if self.process is None:
            return
        for args, kwargs in calls:
            request = {"call": name, "args": args, "kwargs": kwargs}
            self.process.send(request)
            self.queued.append(request)

    def ready(
        self, entry_point: str | None, ahead: Iterable[tuple[list[Any], dict[str, Any]]] = ()
    ) -> Outcome | None:
        """Start the sandbox and load the module; the failure, if it does not load. The calls
        `ahead` are queued meanwhile (`send_ahead`), so that they wait in the harness's pipe."""
        verifier = self.run.verifier
        config = {"mode": "function", "source": self.program}
        self.process = verifier.sandbox.start(config, verifier.module_limits)
        if entry_point:
            self.send_ahead(entry_point, ahead)
        reply = self.process.receive(min(self.run.left(), verifier.timeout_s))
        if not (isinstance(reply, dict) and reply.get("ready")):
            failure = _not_ready(reply, self.process, "loading the module")
            self.run.keep_stderr(self.process.stderr.decode("utf-8", "replace"))
            self.close()
            return failure
        names = reply.get("names")
        self.names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
        if entry_point and entry_point not in self.names:
            self.close()
            return Outcome("no_entry_point", f"the code defines no function {entry_point!r}")
        return None

    def relay(self, request: dict[str, Any]) -> dict[str, Any]:
        """A call from the checker, answered with the value claimed or a failure whose status
        is one of `FAILURES`: rebuilt here, so that nothing the candidate's sandbox wrote
        reaches the checker but a value and an exception's name."""
        name, args, kwargs = request.get("call"), request.get("args"), request.get("kwargs")
        if not (isinstance(name, str) and isinstance(args, list) and isinstance(kwargs, dict)):
            return {"error": {"status": "crash", "detail": "malformed call"}}
        mutable = request.get("mutable") is True
        reply = self._call(name, args, kwargs, mutable)
        if "ok" in reply:
            if mutable and isinstance(reply.get("after"), list):  # the checker decodes both
                return {"ok": reply["ok"], "after": reply["after"]}
            return {"ok": reply["ok"]}
        status, detail, raised = _failure(reply)
        error = {"status": status, "detail": detail or "", "raised": raised}
        args = reply["error"].get("args") if isinstance(reply.get("error"), dict) else None
        if raised and isinstance(args, dict):  # rebuilt here: a value, or nothing
            with contextlib.suppress(Exception):  # a malformed value: the message only
                error["args"] = encode(decode(args))
        return {"error": error}

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> tuple[str, Any]:
        """("ok", the decoded return value) or (a status of `FAILURES`, detail)."""
        reply = self._call(name, args, kwargs)
        if "ok" in reply:
            try:
                return "ok", decode(reply["ok"])
            except Exception as exc:  # the value is the candidate's doing
                return "wrong", f"returned a malformed value ({type(exc).__name__}: {exc})"[:500]
        status, detail, raised = _failure(reply)
        if raised:
            detail = f"raised {raised}: {detail or ''}"
        return status, detail

    def _call(
        self, name: str, args: list[Any], kwargs: dict[str, Any], mutable: bool = False
    ) -> dict[str, Any]:
        verifier = self.run.verifier
        if self.fatal is None and self.process is None:
            if self.restarts >= MAX_RESTARTS:
                self.fatal = Outcome("crash", "not run: the program kept dying")
            elif not self.run.left():
                self.fatal = Outcome("timeout", "not run: the time budget ran out")
            else:
                self.restarts += 1
                failure = self.ready(None)
                if failure is not None:
                    self.fatal = failure
        if self.fatal is not None:
            return {"error": {"status": self.fatal.status, "detail": self.fatal.detail}}
        process = self.process
        assert process is not None
        request: dict[str, Any] = {"call": name, "args": args, "kwargs": kwargs}
        if mutable:
            request["mutable"] = True
        if self.queued and self.queued[0] == request:
            self.queued.popleft()  # sent ahead by `send_ahead`
        else:
            self.queued.clear()
            process.send(request)
        reply = process.receive(min(self.run.left(), verifier.timeout_s))
        if isinstance(reply, dict) and ("ok" in reply or isinstance(reply.get("error"), dict)):
            if reply.get("ended") is True:  # the module's process died: a fresh sandbox next
                self.close()
            return reply
        if reply is TIMEOUT:
            status, detail = "timeout", f"no return within {verifier.timeout_s:g} s"
        elif process.output_exceeded:
            status, detail = "crash", f"printed more than {verifier.limits.output_bytes} bytes"
        else:
            process.close()
            status, detail = _died(process)
        self.run.keep_stderr(process.stderr.decode("utf-8", "replace"))
        self.close()
        return {"error": {"status": status, "detail": detail}}


def _failure(reply: dict[str, Any]) -> tuple[str, str | None, str]:
    """(status, detail, name of the exception raised) of an error reply, each checked: the
    status one of `FAILURES` (anything else is a crash), the name a short identifier."""
    error = reply.get("error")
    if not isinstance(error, dict):
        error = {}
    status = error.get("status")
    raised = error.get("raised")
    raised = raised if isinstance(raised, str) and raised.isidentifier() else ""
    return (status if status in FAILURES else "crash"), _text(error.get("detail")), raised[:100]


def _not_ready(reply: Any, process: SandboxProcess, doing: str) -> Outcome:
    """Why a program did not get ready: its own report, or how its sandbox ended."""
    if isinstance(reply, dict) and reply.get("ready") is False:
        status = str(reply.get("status"))
        status = status if status in (*FAILURES, "compile_error") else "crash"
        return Outcome(status, _text(reply.get("detail")))
    if reply is TIMEOUT:
        return Outcome("timeout", f"{doing} took too long")
    if process.output_exceeded:
        return Outcome("crash", f"printed more than {process.limits.output_bytes} bytes")
    process.close()
    status, detail = _died(process)
    return Outcome(status, f"{detail} while {doing}")


def _died(process: SandboxProcess) -> tuple[str, str]:
    if process.failure:
        return "crash", process.failure
    code = process.returncode
    if code is not None and code - 128 == signal.SIGXCPU:
        return "timeout", "ran out of CPU time"
    return "crash", f"the process ended ({_ended(code)}) without returning"


def _ended(code: int | None) -> str:
    if code is None:
        return "killed"
    if code > 128:
        try:
            return f"signal {signal.Signals(code - 128).name}"
        except ValueError:
            pass
    return f"exit status {code}"


def _text(value: Any) -> str | None:
    return None if value is None else excerpt(str(value)[: DETAIL_CHARS * 4])


def _short(value: Any, limit: int = 200) -> str:
    try:
        text = repr(value)
    except Exception:  # an integer too long to print, say
        return f"a {type(value).__name__} that cannot be shown"
    return text if len(text) <= limit else text[: limit - 3] + "..."
