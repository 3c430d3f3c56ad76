"""The program that runs inside the code sandbox, and the value codec both sides share.

`rlvr.verifiers.sandbox` starts it as `python -I -S -c <this file> REQUEST_FD RESPONSE_FD`, PID 1
of the sandbox, with the standard library only: nothing of the host is mounted, rlvr
included. It reads one JSON configuration line from REQUEST_FD, sets its limits, says
`{"started": true}` on RESPONSE_FD before any untrusted code runs, then serves its mode:

- `exec`: write files, run an argv as a child, report its exit status and resource use.
- `function`: load the candidate's Python module in a child process (`Worker`), then answer
  each call request with the return value it claims, encoded (`encode`).
- `stdio`: write the program, compile it (C, C++), then run it once per test on its stdin.
- `check`: run a problem's assert-style tests with the candidate's entry point bound to a
  proxy that asks the judge, which relays each call to a `function` sandbox.

Trust: this process runs no untrusted code. It makes itself undumpable and installs the
seccomp filter (`harden`) before anything untrusted starts, then runs the candidate only in
children: the module in a `Worker`, which holds none of this process's descriptors and talks
over a private pipe; programs with stdin, stdout and stderr alone. Only this process writes
to the judge. What a child sends is parsed as untrusted data and passed on only as a value it
claims to return, or the name of what it raised; how a child failed comes from `wait4`. The
judge still reads every reply as a claim about the candidate's outputs and decides itself;
expected outputs never come in. `check` mode runs the problem's own test code and no
untrusted code: the candidate reaches it only as plain values decoded from JSON.
docs/sandbox.md has the whole security model.

The judge imports the codec (`encode`, `decode`, `typed_equal`) and the reading of
assert-style tests (`plan_tests`) from this module too, so both sides agree on them.
"""

from __future__ import annotations

import builtins
import math
import posix as os
import resource
import sys
import time

# Start-up time is most of a sandbox's cost, so this program imports only modules built into
# the interpreter: `posix`, `_signal` and `_json` rather than `os`, `signal` and `json` (which
# pull in collections.abc, enum and re), and typing only for the type checker.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

try:
    import _signal as signals
except ImportError:  # pragma: no cover - not CPython
    import signal as signals

MAX_DEPTH = 100
"""Deepest nesting of a value that crosses the boundary."""
DETAIL_CHARS = 2000
"""Longest error text (traceback, compiler message) sent back per item."""
TRACEBACK_FRAMES = 12
MEMORY_MARKERS = ("MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory")
TAGS = frozenset(
    {"$tuple", "$set", "$frozenset", "$dict", "$bytes", "$float", "$complex", "$iterator"}
)
FAILURES = frozenset({"wrong", "timeout", "crash", "memory"})
"""How a call of the candidate can fail. There is no status for a pass: a pass is only ever
the judge's own comparison of a value it decoded with the expected one."""
MESSAGE_FACTOR = 6
"""The most bytes JSON takes for one byte of a program's output: a control character becomes
`\\u00XX`. Channels carry `MESSAGE_FACTOR` times the output limit, so that the limit holds
on what the program printed or returned, not on its encoding."""


# --- the value codec ----------------------------------------------------------------------------
# Plain JSON means itself (array: list, object: dict with string keys, 1 vs 1.0 vs true kept
# apart); what JSON cannot say is an object with a single "$" key: {"$tuple": [...]},
# {"$set": [...]}, {"$frozenset": [...]}, {"$dict": [[key, value], ...]} (keys that are not
# strings, or start with "$"), {"$bytes": "hex"}, {"$float": "nan" | "inf" | "-inf"},
# {"$complex": [re, im]}, {"$iterator": [...]} (a generator, `map`, `zip`...: what it yields,
# as an iterator again). Problem records write expected values the same way.


class Unencodable(ValueError):
    """A value that cannot cross the boundary: not of a plain built-in type, or too deep."""


class TooDeep(Unencodable):
    """A value nested more than `MAX_DEPTH` deep: in the checker, possibly the candidate's
    own (a value it returned, which the test passes back wrapped), so its failure."""


def encode(value: Any, depth: int = 0) -> Any:
    """`value` as JSON data: plain built-in values by exact type (`type(x) is int`), a subclass
    of one by the plain value it holds (`PLAIN_CONTENT`), anything else refused; no method the
    value's own class defines decides what is sent."""
    if depth > MAX_DEPTH:
        raise TooDeep(f"a value nested more than {MAX_DEPTH} deep")
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is int:
        return value
    if kind is float:
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return value
    if kind is list:
        return [encode(item, depth + 1) for item in value]
    if kind is tuple:
        return {"$tuple": [encode(item, depth + 1) for item in value]}
    if kind is set or kind is frozenset:
        return {f"${kind.__name__}": [encode(item, depth + 1) for item in value]}
    if kind is dict:
        if all(type(key) is str and not key.startswith("$") for key in value):
            return {key: encode(item, depth + 1) for key, item in value.items()}
        return {
            "$dict": [
                [encode(key, depth + 1), encode(item, depth + 1)] for key, item in value.items()
            ]
        }
    if kind is bytes:
        return {"$bytes": value.hex()}
    if kind is complex:
        return {"$complex": [encode(value.real, depth + 1), encode(value.imag, depth + 1)]}
    for base, content in PLAIN_CONTENT:
        if isinstance(value, base):
            return encode(content(value), depth + 1)
    if hasattr(kind, "__next__") and hasattr(kind, "__iter__"):
        return {"$iterator": [encode(item, depth + 1) for item in _drained(value)]}
    raise Unencodable(f"a value of type {kind.__name__!s:.60}")


MAX_ITERATED = 1_000_000
"""Most items an iterator may yield to cross the boundary."""


def _drained(iterator: Any) -> list[Any]:
    """What an iterator yields (a generator, `map`, `filter`, `zip`), so that a test may take
    `list(f(x))` of a function that returns one, as in Python. One that never ends runs into
    the call's time limit, as `list()` of it would."""
    items: list[Any] = []
    for item in iterator:
        if len(items) >= MAX_ITERATED:
            raise Unencodable(f"an iterator of more than {MAX_ITERATED} items")
        items.append(item)
    return items


PLAIN_CONTENT: tuple[tuple[type, Any], ...] = (
    (int, int.__int__),
    (float, float.__float__),
    (str, str.__str__),
    (bytes, lambda value: bytes.__getitem__(value, slice(None))),
    (list, list.copy),
    (tuple, lambda value: tuple.__getitem__(value, slice(None))),
    (dict, lambda value: dict(dict.items(value))),
    (set, lambda value: set(set.__iter__(value))),
    (frozenset, lambda value: frozenset(frozenset.__iter__(value))),
)
"""A subclass of a plain type (`Counter`, `defaultdict`, `OrderedDict`, a named tuple, an
`IntEnum`) crosses as its content, read through the base type's own methods: Python's `==`
holds between a `Counter` and the dict it counts, so a correct answer built with one passes,
and whatever the subclass overrides (`__eq__`, `__iter__`, `__repr__`) is never consulted. No
object of the candidate's reaches the judge either way: only the plain value it holds."""


def decode(data: Any, depth: int = 0) -> Any:
    """The value `encode` made `data` from. Raises ValueError on anything it cannot make."""
    if depth > MAX_DEPTH + 1:
        raise ValueError(f"a value nested more than {MAX_DEPTH} deep")
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is list:
        return [decode(item, depth + 1) for item in data]
    if kind is not dict:
        raise ValueError(f"not JSON data: {kind.__name__}")
    tags = [key for key in data if key.startswith("$")]
    if not tags:
        return {key: decode(item, depth + 1) for key, item in data.items()}
    if len(data) != 1 or tags[0] not in TAGS:
        raise ValueError(f"unknown or mixed tag {tags[0]!r}: keys starting with $ are reserved")
    tag, body = tags[0], data[tags[0]]
    try:
        if tag == "$float":
            if body not in ("nan", "inf", "-inf"):
                raise ValueError(f"$float must be nan, inf or -inf, got {body!r}")
            return float(body)
        if tag == "$bytes":
            return bytes.fromhex(body)
        if type(body) is not list:
            raise ValueError(f"{tag} needs a list")
        items = [decode(item, depth + 1) for item in body]
        if tag == "$tuple":
            return tuple(items)
        if tag == "$set":
            return set(spread(items))
        if tag == "$frozenset":
            return frozenset(spread(items))
        if tag == "$iterator":  # an iterator again: equal to no list, as in Python
            return iter(items)
        if tag == "$complex":
            real, imag = items
            if type(real) not in (int, float) or type(imag) not in (int, float):
                raise ValueError("$complex needs two numbers")
            try:
                return complex(real, imag)
            except OverflowError:  # an integer part beyond any float
                raise ValueError("$complex part out of range") from None
        pairs = [(pair[0], pair[1]) for pair in items if type(pair) is list and len(pair) == 2]
        if len(pairs) != len(items):
            raise ValueError("$dict needs [key, value] pairs")
        spread([key for key, _ in pairs])
        return dict(pairs)
    except TypeError as exc:  # an unhashable set member or dict key
        raise ValueError(f"{tag}: {exc}") from None


MAX_SHARED_HASH = 64
"""Most members of one set, or keys of one dict, that may share a hash. Integer and tuple
hashes are not randomised, so a set of a few hundred thousand integers that all hash alike
(`k * (2**61 - 1)`) would take hours to build: a judge made to hang, and a row lost."""


def spread(keys: list[Any]) -> list[Any]:
    """`keys`, if their hashes are spread; raises ValueError if too many collide."""
    counts: dict[int, int] = {}
    for key in keys:
        digest = hash(key)
        counts[digest] = counts.get(digest, 0) + 1
        if counts[digest] > MAX_SHARED_HASH:
            raise ValueError(f"more than {MAX_SHARED_HASH} members with the same hash")
    return keys


def typed_equal(expected: Any, actual: Any, tolerance: float = 0.0) -> bool:
    """Equality that keeps types apart: 1, 1.0 and True differ, so do a list and a tuple.

    Floats are equal when they are, when both are NaN (an expected NaN is written as such), or,
    both finite, within `tolerance` relative to the larger magnitude (at least 1, so also
    absolute near zero). An infinity or a NaN is never within a tolerance of anything: `inf`
    minus anything is `inf`, which a tolerance scaled by `inf` would accept. Set members and
    dict keys are matched exactly, by type and value.
    """
    kind = type(expected)
    if kind is not type(actual):
        return False
    if kind is float:
        if math.isnan(expected) or math.isnan(actual):
            return math.isnan(expected) and math.isnan(actual)
        if expected == actual:
            return True
        if tolerance <= 0 or not (math.isfinite(expected) and math.isfinite(actual)):
            return False
        scale = max(1.0, abs(expected), abs(actual))
        return abs(expected - actual) <= tolerance * scale
    if kind is complex:
        return typed_equal(expected.real, actual.real, tolerance) and typed_equal(
            expected.imag, actual.imag, tolerance
        )
    if kind is list or kind is tuple:
        return len(expected) == len(actual) and all(
            typed_equal(e, a, tolerance) for e, a in zip(expected, actual, strict=True)
        )
    if kind is dict:
        keys = {typed_key(key): key for key in expected}
        other = {typed_key(key): key for key in actual}
        return keys.keys() == other.keys() and all(
            typed_equal(expected[keys[k]], actual[other[k]], tolerance) for k in keys
        )
    if kind is set or kind is frozenset:
        return {typed_key(x) for x in expected} == {typed_key(x) for x in actual}
    return bool(expected == actual)


def loosely_equal(expected: Any, actual: Any) -> bool:
    """Python's own `==` between two plain values (decoded, so no object of the candidate's
    is asked), under which 1, 1.0 and True are equal; False where it cannot tell.

    `typed_equal` is stricter than Python's `==`, which is safe only where a test asks for
    equality: where it asks for a difference (`!=`, `not a == b`, `(a == b) == False`), a
    stricter equality is a more lenient test, and `1.0` or `True` would pass `f(x) != 1`
    although Python, and the published harnesses, say they equal 1. So a difference holds only
    where both say so."""
    try:
        return bool(expected == actual)
    except Exception:  # a comparison too deep, say: not shown to be equal
        return False


def typed_key(value: Any) -> Any:
    """A hashable stand-in for `value` under which only `typed_equal` values collide."""
    kind = type(value)
    if kind is tuple:
        return ("tuple", tuple(typed_key(x) for x in value))
    if kind is frozenset:
        return ("frozenset", frozenset(typed_key(x) for x in value))
    if kind is float and math.isnan(value):
        return ("float", "nan")
    return (kind.__name__, value)


def _refuse_default(value: Any) -> Any:
    raise TypeError(f"not JSON data: {type(value).__name__}")


class _ScanContext:
    """The settings `_json.make_scanner` reads: strict JSON, no NaN or Infinity literals."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")


try:
    import _json

    _scan = _json.make_scanner(_ScanContext())  # type: ignore[arg-type]
    _encode = _json.make_encoder(
        None, _refuse_default, _json.encode_basestring, None, ":", ",", False, False, False
    )
    _encode_ascii = _json.make_encoder(
        None, _refuse_default, _json.encode_basestring_ascii, None, ":", ",", False, False, False
    )

    def dumps(message: Any) -> bytes:
        """One protocol line: compact JSON in UTF-8, no NaN literals. Text stays UTF-8 rather
        than `\\uXXXX` escapes (six bytes for one to three), so that a limit on the program's
        bytes is not a tighter limit on non-ASCII text; a lone surrogate, which UTF-8 cannot
        carry, makes the line ASCII with escapes."""
        try:
            return "".join(_encode(message, 0)).encode()
        except UnicodeEncodeError:
            return "".join(_encode_ascii(message, 0)).encode()

    def loads(line: bytes) -> Any:
        text = line.decode()
        try:
            value, end = _scan(text, 0)
        except StopIteration as exc:
            raise ValueError(f"not JSON at character {exc.value}") from None
        if end != len(text):
            raise ValueError(f"extra data at character {end}")
        return value

except (ImportError, AttributeError, TypeError):  # pragma: no cover - not CPython
    import json

    def dumps(message: Any) -> bytes:
        try:
            text = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            return text.encode()
        except UnicodeEncodeError:
            return json.dumps(message, allow_nan=False, separators=(",", ":")).encode()

    def loads(line: bytes) -> Any:
        return json.loads(line)


# --- reading assert-style tests -----------------------------------------------------------------
# A test is a statement holding an `assert` (outside nested functions) whose condition is not
# a true constant: a top-level statement of HumanEval's `check(candidate)`, or of an MBPP-style
# module of asserts. Other statements are setup. Both sides count tests the same way.


def plan_tests(test_code: str) -> tuple[str, Any, list[int]]:
    """(style, syntax tree, indices of the test statements) of assert-style test code.

    style is "module" (asserts at top level, MBPP) or "check" (a `check(candidate)`
    function, HumanEval). Raises SyntaxError or ValueError for code that is neither.
    """
    import ast

    tree = ast.parse(test_code)
    tests = [i for i, stmt in enumerate(tree.body) if is_test_statement(stmt)]
    if tests:
        return "module", tree, tests
    check = check_function(tree)
    if check is None:
        raise ValueError("the test code has no top-level assert and no check(candidate) function")
    return "check", tree, [i for i, stmt in enumerate(check.body) if is_test_statement(stmt)]


def count_tests(style: str, tests: list[int]) -> int:
    """How many tests the plan reports: a check function without asserts of its own is one."""
    return len(tests) if tests or style == "module" else 1


def check_function(tree: Any) -> Any:
    """The last top-level `def check(candidate, ...)`, or None."""
    import ast

    found = None
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "check" and stmt.args.args:
            found = stmt
    return found


def is_test_statement(stmt: Any) -> bool:
    import ast

    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return False  # a definition runs none of its asserts
    todo = [stmt]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Assert) and not (
            isinstance(node.test, ast.Constant) and node.test.value
        ):
            return True  # `assert True` tests nothing; `assert False` fails
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                todo.append(child)
    return False


# --- the channel and limits -------------------------------------------------------------------


class Channel:
    """JSON lines over two pipe ends."""

    def __init__(self, read_fd: int, write_fd: int, limit: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.limit = limit
        self.buffer = b""

    def send(self, message: Any) -> None:
        self.send_line(dumps(message))

    def send_line(self, line: bytes) -> None:
        data = line + b"\n"
        while data:
            data = data[os.write(self.write_fd, data) :]

    def receive(self) -> Any:
        """The next message, or None when the other side has closed."""
        while b"\n" not in self.buffer:
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
            if len(self.buffer) > self.limit:
                raise ValueError("message too large")
        line, _, self.buffer = self.buffer.partition(b"\n")
        return loads(line)


RLIMITS = {
    "cpu_s": resource.RLIMIT_CPU,
    "memory_bytes": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "file_bytes": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
}
SHARED_LIMITS = ("processes", "file_bytes", "open_files")
"""Set once on this process, inherited by everything it starts."""
OWN_LIMITS = ("memory_bytes", "cpu_s")
"""Set on whatever runs untrusted code: children in exec and stdio mode, this process in
function mode (and in check mode, which runs the problem's test code)."""


def apply_limits(limits: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Soft and hard limits at once: nothing started later can raise them again."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for key in keys:
        value = limits.get(key)
        if value is None:
            continue
        which = RLIMITS[key]
        soft = -(-int(value * 1000) // 1000) if key == "cpu_s" else int(value)
        hard = soft + 1 if key == "cpu_s" else soft  # SIGXCPU first, then SIGKILL
        if key == "processes":
            soft = hard = soft + limits.get("processes_base", 0)
        _set_limit(which, soft, hard)
        if key == "memory_bytes":
            stack = int(value) // STACK_SHARE
            _set_limit(resource.RLIMIT_STACK, stack, stack)


STACK_SHARE = 4
"""A program's stack may take this share of its memory limit (128 MiB of 512), as judges of
programming contests allow: a correct depth-first search a million calls deep crashed under
the host's usual 8 MiB. Not more: glibc reserves the stack limit for each new thread."""


def _set_limit(which: int, soft: int, hard: int) -> None:
    current = resource.getrlimit(which)[1]
    if current != resource.RLIM_INFINITY:
        hard = min(hard, current)
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2


def harden(seccomp_hex: str | None) -> None:
    """Before anything untrusted runs: make this process undumpable and install the
    system-call filter (`rlvr.verifiers.sandbox_seccomp`), which every later process inherits.

    Undumpable, the harness is out of reach of the processes it starts although they run as
    the same user: without it, a child could open `/proc/1/mem` to rewrite the harness or
    `/proc/1/fd/N` to write on the judge's channel (the kernel checks both like `ptrace`,
    which the filter also denies). Raises OSError if either cannot be done: the sandbox then
    does not start, an infrastructure fault, never a weaker sandbox by surprise."""
    prctl, keep = _prctl()
    if prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError("prctl(PR_SET_DUMPABLE) failed")
    if not seccomp_hex:
        return
    program = bytes.fromhex(seccomp_hex)
    import _ctypes

    class Bytes(_ctypes.Array):
        _type_ = keep["char"]
        _length_ = len(program)

    class Header(_ctypes.Array):
        _type_ = keep["char"]
        _length_ = 16

    filters = Bytes.from_buffer_copy(program)
    address = _ctypes.addressof(filters)
    # struct sock_fprog {unsigned short len; struct sock_filter *filter;}: 2 + 6 padding + 8
    header = Header.from_buffer_copy(
        (len(program) // 8).to_bytes(2, sys.byteorder)
        + bytes(6)
        + address.to_bytes(8, sys.byteorder)
    )
    if prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError("prctl(PR_SET_NO_NEW_PRIVS) failed")
    if prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, _ctypes.addressof(header), 0, 0) != 0:
        raise OSError(f"cannot install the seccomp filter (errno {_ctypes.get_errno()})")


def _prctl() -> tuple[Any, dict[str, Any]]:
    """libc's prctl(2), through `_ctypes` alone: the `ctypes` package would add 4 ms to the
    start of every sandbox, `_ctypes` adds under 1."""
    import _ctypes

    class Int(_ctypes._SimpleCData):
        _type_ = "i"

    class Ulong(_ctypes._SimpleCData):
        _type_ = "L"

    class Char(_ctypes._SimpleCData):
        _type_ = "c"

    class Prctl(_ctypes.CFuncPtr):
        _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
        _restype_ = Int
        _argtypes_ = (Int, Ulong, Ulong, Ulong, Ulong)

    libc = _ctypes.dlopen(None, 0x102)  # type: ignore[arg-type]  # this program's own symbols, libc's among them
    return Prctl(_ctypes.dlsym(libc, "prctl")), {"char": Char}


def fd_ceiling() -> int:
    """One past the highest descriptor this process can hold. Closing up to 65536 one by one
    costs a millisecond per child; after `main` closed everything inherited, no descriptor
    lies above the open-files limit."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return 1 << 16 if hard == resource.RLIM_INFINITY or hard > 1 << 16 else max(3, hard)


def user_task_count() -> int:
    """Tasks (processes and threads) of this uid on the machine: RLIMIT_NPROC counts them all
    when there is no user namespace of our own (the weaker mode)."""
    uid, count = os.getuid(), 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{name}/task"))
            except OSError:
                continue
    return count


def excerpt(text: str, limit: int = DETAIL_CHARS) -> str:
    """Head and tail of a long text: a compiler's first error and a traceback's last line."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - limit} characters left out ...]\n{text[-half:]}"


def describe(exc: BaseException) -> str:
    """A traceback excerpt without this program's own frames; the exception may be hostile,
    so nothing here may raise."""
    try:
        import traceback

        here = describe.__code__.co_filename
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == here:
            tb = tb.tb_next
        # The innermost frames only: a recursion a million deep must not take seconds here.
        lines = traceback.format_exception(type(exc), exc, tb, limit=-TRACEBACK_FRAMES)
        return excerpt("".join(lines))
    except BaseException:
        try:
            return excerpt(f"{type(exc).__name__}: {exc}")
        except BaseException:
            return type(exc).__name__


def status_of(exc: BaseException) -> str:
    return "memory" if isinstance(exc, MemoryError) else "crash"


# --- running a child ----------------------------------------------------------------------------


def spawn(
    argv: list[str],
    limits: dict[str, Any],
    *,
    cwd: str,
    stdin: str | None = None,
    capture: bool = True,
    timeout_s: float | None = None,
) -> dict[str, Any]:
    """Run `argv` in a session of its own under `limits`; report how it ended.

    With `capture`, its stdout (up to `limits["output_bytes"]`, killed beyond) and stderr are
    read back and its stdin is `stdin` (or empty); otherwise it shares this process's own.
    """
    cap = int(limits.get("output_bytes") or 1 << 20)
    pipes: dict[str, tuple[int, int]] = {}
    if stdin is not None:
        pipes["stdin"] = os.pipe()
    if capture:
        pipes["stdout"] = os.pipe()
        pipes["stderr"] = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: no return from here
        try:
            if SESSIONS[0]:
                os.setsid()
            if "stdin" in pipes:
                os.dup2(pipes["stdin"][0], 0)
            elif capture:
                os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
            if capture:
                os.dup2(pipes["stdout"][1], 1)
                os.dup2(pipes["stderr"][1], 2)
            os.closerange(3, fd_ceiling())
            os.chdir(cwd)
            apply_limits(limits, OWN_LIMITS)
            execvp(argv[0], argv)
        except BaseException as exc:
            os.write(2, f"cannot run {argv[0]}: {exc}\n".encode())
        os._exit(127)
    for name, (read_end, write_end) in pipes.items():
        os.close(read_end if name == "stdin" else write_end)  # keep this side's end only
    child = _Child(pid, {name: pair[1 if name == "stdin" else 0] for name, pair in pipes.items()})
    child.feed((stdin or "").encode("utf-8", "surrogateescape"))
    child.watch(cap, None if timeout_s is None else started + timeout_s)
    report = child.finish(cap)
    report["wall_s"] = round(time.monotonic() - started, 4)
    reap_orphans()
    return report


class _Child:
    """A started child's pipes and exit, watched with poll(2) until it ends or must be ended."""

    def __init__(self, pid: int, fds: dict[str, int]) -> None:
        import select

        self.pid = pid
        self.poller = select.poll()
        self.names = {fd: name for name, fd in fds.items()}
        self.output = {name: bytearray() for name in fds if name != "stdin"}
        self.pending = b""
        self.status: int | None = None
        self.usage: Any = None
        self.timed_out = self.output_exceeded = False
        for fd, name in self.names.items():
            os.set_blocking(fd, False)
            self.poller.register(fd, select.POLLOUT if name == "stdin" else select.POLLIN)
        try:  # readable once the child has exited
            self.exit_fd = os.pidfd_open(pid)
            self.poller.register(self.exit_fd, select.POLLIN)
        except (AttributeError, OSError):
            self.exit_fd = -1

    def feed(self, data: bytes) -> None:
        self.pending = data
        if not data:
            self._drop("stdin")

    def _drop(self, name: str) -> None:
        for fd, known in list(self.names.items()):
            if known == name:
                self.poller.unregister(fd)
                os.close(fd)
                del self.names[fd]

    def watch(self, cap: int, deadline: float | None) -> None:
        """Until the child exits, overruns its time, or prints more than `cap` bytes."""
        while not self._exited():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                self.timed_out = True
                return
            wait_ms = None if left is None else int(left * 1000) + 1
            if self.exit_fd < 0:  # no pidfd: poll for the exit now and then
                wait_ms = 20 if wait_ms is None else min(wait_ms, 20)
            for fd, _event in self.poller.poll(wait_ms):
                name = self.names.get(fd)
                if name == "stdin":
                    self._write(fd)
                elif name is not None:
                    self._read(fd, name)
            if sum(len(data) for data in self.output.values()) > cap:
                self.output_exceeded = True
                return

    def _exited(self) -> bool:
        if self.status is None:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid == 0:
                return False
            self.status, self.usage = status, usage
        return True

    def _write(self, fd: int) -> None:
        try:
            self.pending = self.pending[os.write(fd, self.pending[: 1 << 16]) :]
        except BlockingIOError:
            return
        except OSError:  # the program closed its stdin early
            self.pending = b""
        if not self.pending:
            self._drop("stdin")

    def _read(self, fd: int, name: str) -> None:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        if chunk:
            self.output[name] += chunk
        else:
            self._drop(name)

    def finish(self, cap: int) -> dict[str, Any]:
        """Kill what is left of the child's session, collect its status and output."""
        _kill_group(self.pid)
        for fd, name in list(self.names.items()):
            if name != "stdin":  # what is already buffered, without waiting for more
                while len(self.output[name]) <= cap:
                    before = len(self.output[name])
                    self._read(fd, name)
                    if len(self.output[name]) == before:
                        break
            if fd in self.names:
                self._drop(name)
        if self.exit_fd >= 0:
            os.close(self.exit_fd)
        if self.status is None:
            _, self.status, self.usage = os.wait4(self.pid, 0)
        status, usage = self.status, self.usage
        report: dict[str, Any] = {
            "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "timed_out": self.timed_out,
            "output_exceeded": self.output_exceeded,
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
            "max_rss": usage.ru_maxrss * 1024,
        }
        for name, data in self.output.items():
            report[name] = bytes(data[:cap]).decode("utf-8", "replace")
        return report


def execvp(program: str, argv: list[str]) -> None:
    """`os.execvp` without importing `os`: the program as given, or found on PATH."""
    if "/" in program:
        os.execv(program, argv)
    error: OSError = FileNotFoundError(2, "not found on PATH", program)
    for folder in os.environ.get(b"PATH", b"/usr/bin:/bin").decode().split(":"):
        try:
            os.execv(f"{folder}/{program}", argv)
        except OSError as exc:
            error = exc
    raise error


SESSIONS = [True]
"""Whether each child gets a session of its own, killed whole when it ends. Not in the weaker
mode (no namespace): there every child stays in this process's group, the one the judge
kills at the end, so that a child cannot outlive the run by being in another."""


def _kill_group(pid: int) -> None:
    try:
        if SESSIONS[0]:
            os.killpg(pid, signals.SIGKILL)
        else:
            os.kill(pid, signals.SIGKILL)
    except OSError:  # already gone
        return


def reap_orphans() -> None:
    """As PID 1 this process inherits every orphan; collect the dead ones."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def out_of_memory(report: dict[str, Any], limits: dict[str, Any]) -> bool:
    """Whether a failed run most likely hit its memory limit: a known message, or a peak
    resident size close to the address-space limit."""
    if report.get("exit_code") == 0:
        return False
    limit = limits.get("memory_bytes") or 0
    if limit and report.get("max_rss", 0) >= 0.8 * limit:
        return True
    return any(marker in report.get("stderr", "") for marker in MEMORY_MARKERS)


# --- modes -----------------------------------------------------------------------------------


def serve_exec(channel: Channel, config: dict[str, Any]) -> None:
    workdir = config["workdir"]
    channel.send({"started": True})  # before the files: one too large is the run's failure
    try:
        write_files(workdir, config.get("files") or {})
    except OSError as exc:
        os.write(2, f"cannot write the files: {exc}\n".encode())
        channel.send({"exit": {"exit_code": 126, "signal": None, "timed_out": False}})
        return
    report = spawn(config["argv"], config["limits"], cwd=workdir, capture=False)
    report["memory"] = out_of_memory(report, config["limits"])
    channel.send({"exit": report})


def _is_dir(path: str) -> bool:
    try:
        return bool(os.stat(path).st_mode & 0o040000)
    except OSError:
        return False


def write_files(workdir: str, files: dict[str, Any]) -> None:
    """Text files as given; files given as bytes ({"$bytes": hex}) are programs, made executable."""
    for name, content in files.items():
        path = f"{workdir}/{name}"
        folder = path.rpartition("/")[0]
        for depth in range(len(workdir), len(folder) + 1):
            if (depth == len(folder) or folder[depth] == "/") and not _is_dir(folder[:depth]):
                os.mkdir(folder[:depth])
        binary = isinstance(content, dict)
        with open(path, "wb") as handle:
            handle.write(bytes.fromhex(content["$bytes"]) if binary else content.encode())
        if binary:
            os.chmod(path, 0o755)


def write_source(channel: Channel, path: str, source: str) -> bool:
    """Write the candidate's program; if it cannot be (larger than the file size limit or the
    scratch space), say so as the program's failure."""
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(source)
    except OSError as exc:
        detail = f"the program cannot be written to the sandbox ({len(source)} characters): {exc}"
        channel.send({"ready": False, "status": "crash", "detail": detail})
        return False
    return True


def serve_function(channel: Channel, config: dict[str, Any]) -> None:
    """Serve the judge's calls of the candidate's functions. The candidate's module runs in a
    process of its own (`Worker`), which holds none of this process's descriptors: only this
    process writes to the judge, and what it relays from the candidate is a value or an
    exception's name, never a status of its choosing."""
    # "started" goes out before anything of the candidate's is written or run: whatever it
    # causes (a program too large for the scratch space, printing past the output limit) comes
    # after it, so that it is never taken for a sandbox that failed to start.
    channel.send({"started": True})
    if not write_source(channel, f"{config['workdir']}/solution.py", config["source"]):
        return  # the file is for tracebacks with source lines; one too large is the program's
    worker = Worker(config)
    ready = worker.start()
    channel.send(ready)
    if not ready["ready"]:
        return
    # The judge sends its calls ahead; they wait here, and the candidate sees each one only
    # when its turn comes, so that no later test's input is known while an earlier one runs.
    # A worker that died is not forked again from this process, whose memory now holds calls
    # still waiting their turn: the sandbox ends, and the judge starts a fresh one.
    while True:
        request = channel.receive()
        if request is None:
            worker.stop()
            return
        reply = worker.call(request)
        if worker.pid == 0:
            channel.send_line(reply[:-1] + b',"ended":true}')
            return
        channel.send_line(reply)


class Worker:
    """The candidate's module, loaded in a child process that serves calls over a pipe pair
    of its own. Everything it writes there is untrusted: read with a size limit, parsed here,
    and passed on only as the value it claims to return or the name of what it raised. When
    it dies, how it died (from `wait4`, not from anything it said) is the call's failure, and
    the sandbox ends (`serve_function`): the next call loads the module in a fresh sandbox."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.limit = int(config["message_bytes"])
        self.pid = 0
        self.to_fd = self.from_fd = -1
        self.buffer = bytearray()

    def start(self) -> dict[str, Any]:
        """Load the module in a fresh process: the harness's own ready message."""
        self.spawn()
        return self.ready()

    def spawn(self) -> None:
        """Fork the child, which loads the module."""
        to_read, to_write = os.pipe()
        from_read, from_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: no return from here
            code = 70
            try:
                if SESSIONS[0]:
                    os.setsid()  # its descendants die with it (killpg)
                keep = sorted({0, 1, 2, to_read, from_write})  # not the judge's channel
                for low, high in zip(keep, [*keep[1:], fd_ceiling()], strict=True):
                    os.closerange(low + 1, high)
                apply_limits(self.config["limits"], OWN_LIMITS)
                candidate_main(Channel(to_read, from_write, 1 << 30), self.config)
                code = 0
            finally:
                os._exit(code)
        os.close(to_read)
        os.close(from_write)
        self.pid, self.to_fd, self.from_fd = pid, to_write, from_read
        self.buffer = bytearray()

    def ready(self) -> dict[str, Any]:
        """Whether the module loaded: the harness's own ready message."""
        message = self.read()
        if not isinstance(message, dict):
            failure = self.ended(message)
            return {"ready": False, "status": failure["status"], "detail": failure["detail"]}
        if message.get("ready") is True:
            names = message.get("names")
            names = [n for n in names if type(n) is str][:1000] if type(names) is list else []
            return {"ready": True, "names": [n[:200] for n in names]}
        self.stop()
        status = "compile_error" if message.get("compile_error") is True else "crash"
        status = "memory" if message.get("raised") == "MemoryError" else status
        return {"ready": False, "status": status, "detail": text_of(message.get("detail"))}

    def write(self, line: bytes) -> bool:
        """Send the child one line; False if it closed its end."""
        try:
            Channel(-1, self.to_fd, 0).send_line(line)
        except OSError:
            return False
        return True

    @staticmethod
    def request_line(request: dict[str, Any]) -> bytes:
        call = {"call": request["call"], "args": request["args"], "kwargs": request["kwargs"]}
        if request.get("mutable") is True:
            call["mutable"] = True
        return dumps(call)

    def call(self, request: dict[str, Any]) -> bytes:
        """The reply line for one call: {"ok": value} or {"error": {status, detail}}."""
        self.write(self.request_line(request))  # if it closed its end, read() sees how it died
        message = self.read()
        if not isinstance(message, dict):
            failure = self.ended(message)
            return failure_line(failure["status"], failure["detail"])
        try:
            if "ok" in message:
                reply = {"ok": message["ok"]}
                if request.get("mutable") is True and type(message.get("after")) is list:
                    reply["after"] = message["after"]  # the arguments as the call left them
                return dumps(reply)
        except (ValueError, TypeError, RecursionError, MemoryError):
            return failure_line("wrong", "returned a value that cannot be compared")
        if "raised" in message:
            raised = message["raised"]
            error = {
                "status": "memory" if raised == "MemoryError" else "crash",
                "raised": raised[:100] if type(raised) is str else "",
                "detail": text_of(message.get("detail")),
            }
            if type(message.get("args")) is dict:  # the exception's arguments, as a value
                error["args"] = message["args"]
            try:
                return dumps({"error": error})
            except (ValueError, TypeError, RecursionError, MemoryError):
                del error["args"]
                return dumps({"error": error})
        if "unencodable" in message:
            return failure_line("wrong", f"returned {text_of(message['unencodable'])}")
        if "missing" in message:
            return failure_line("crash", f"no function {str(request['call'])[:100]!r}")
        self.stop()
        return failure_line("crash", "the program's process sent a malformed reply")

    def read(self) -> Any:
        """The child's next message (parsed), None when it ended, or a string saying why what
        it sent was refused (the child is then stopped)."""
        scanned = 0
        while (end := self.buffer.find(b"\n", scanned)) < 0:
            scanned = len(self.buffer)
            if scanned > self.limit:
                self.stop()
                return f"returned a value longer than {self.limit} bytes as JSON"
            try:
                chunk = os.read(self.from_fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                return None
            self.buffer += chunk
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
        try:
            message = loads(line)
        except (ValueError, RecursionError, MemoryError):
            message = None
        if type(message) is not dict:
            self.stop()
            return "a malformed reply"
        return message

    def ended(self, refused: str | None) -> dict[str, str]:
        """Why no value came back: what was refused, or how the child ended."""
        status, usage = self.stop()
        if refused is not None:
            return {
                "status": "wrong" if refused.startswith("returned") else "crash",
                "detail": refused,
            }
        if status is None:
            return {"status": "crash", "detail": "the process ended without returning"}
        cpu = usage.ru_utime + usage.ru_stime if usage is not None else 0.0
        limit = float(self.config["limits"].get("cpu_s") or 0)
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signals.SIGXCPU or (limit and cpu >= limit):
                return {"status": "timeout", "detail": "ran out of CPU time"}
            return {"status": "crash", "detail": f"killed by signal {sig} without returning"}
        code = os.WEXITSTATUS(status)
        return {
            "status": "crash",
            "detail": f"the process ended (exit status {code}) without returning",
        }

    def stop(self) -> tuple[int | None, Any]:
        """Kill the child and everything it started; its wait status and resource use."""
        if self.pid == 0:
            return None, None
        for fd in (self.to_fd, self.from_fd):
            os.close(fd)
        _kill_group(self.pid)
        _, status, usage = os.wait4(self.pid, 0)
        self.pid, self.to_fd, self.from_fd = 0, -1, -1
        reap_orphans()
        return status, usage


def failure_line(status: str, detail: str | None) -> bytes:
    return dumps({"error": {"status": status, "detail": detail or ""}})


def text_of(value: Any) -> str:
    """Something the candidate sent as text, bounded; anything else as nothing."""
    return excerpt(value[: DETAIL_CHARS * 4]) if type(value) is str else ""


def candidate_main(channel: Channel, config: dict[str, Any]) -> None:
    """The child's side: load the module, then answer each call with the value returned
    (encoded) or the exception raised. Runs the candidate's code: nothing it sends is trusted."""
    path = f"{config['workdir']}/solution.py"
    namespace: dict[str, Any] = {"__name__": "solution", "__file__": path, "__builtins__": builtins}
    builtins.exit = builtins.quit = sys.exit  # type: ignore[assignment]  # as `site` would
    try:
        code = compile(config["source"], path, "exec")
    except BaseException as exc:  # SyntaxError, ValueError (NUL bytes), RecursionError
        channel.send({"ready": False, "compile_error": True, "detail": describe(exc)})
        return
    try:
        exec(code, namespace)
    except BaseException as exc:
        channel.send({"ready": False, "raised": type(exc).__name__, "detail": describe(exc)})
        return
    names = [k for k, v in list(namespace.items()) if type(k) is str and callable(v)]
    channel.send({"ready": True, "names": [n for n in names if not n.startswith("__")][:1000]})
    while True:
        request = channel.receive()
        if request is None:
            return
        function = namespace.get(request["call"])
        if not callable(function):
            channel.send({"missing": True})
            continue
        args = [decode(arg) for arg in request.get("args", [])]
        kwargs = {key: decode(arg) for key, arg in request.get("kwargs", {}).items()}
        try:
            result = function(*args, **kwargs)
        except BaseException as exc:  # SystemExit, GeneratorExit, KeyboardInterrupt too
            report = {"raised": type(exc).__name__[:100], "detail": describe(exc)}
            try:  # its arguments, so that a test reading `str(e)` or `e.args` sees them
                report["args"] = encode(tuple(exc.args))
                channel.send(report)
            except BaseException:
                report.pop("args", None)
                channel.send(report)
            continue
        try:
            reply = {"ok": encode(result)}
            if request.get("mutable") is True and result is None:
                reply["after"] = changed(request, [*args, *kwargs.values()])
            line = dumps(reply)
        except (Unencodable, ValueError, RecursionError, MemoryError) as exc:
            detail = (
                f"{exc}, which cannot be compared" if isinstance(exc, Unencodable) else str(exc)
            )
            channel.send({"unencodable": detail[:DETAIL_CHARS]})
            continue
        channel.send_line(line)


def changed(request: dict[str, Any], values: list[Any]) -> list[Any]:
    """What a call left in its list, dict and set arguments, for a test that looks at what it
    changed in place (`Proxy.mutate`); None for an argument of another type or one the call
    left as it came, so that a reply carries only what changed."""
    sent = [*request.get("args", []), *request.get("kwargs", {}).values()]
    after: list[Any] = []
    for value, before in zip(values, sent, strict=False):
        now = encode(value) if type(value) in (list, dict, set) else None
        after.append(None if now == before else now)
    return after


def serve_stdio(channel: Channel, config: dict[str, Any]) -> None:
    workdir, source = config["workdir"], config["source"]
    path = f"{workdir}/{config['filename']}"
    channel.send({"started": True})  # before the program is written (see serve_function)
    if not write_source(channel, path, source):
        return
    compile_argv = config.get("compile")
    if compile_argv:
        report = spawn(
            compile_argv,
            config["compile_limits"],
            cwd=workdir,
            timeout_s=config["compile_timeout_s"],
        )
        if report["exit_code"] != 0:
            if report["timed_out"]:
                detail = "the compiler ran out of time"
            else:
                detail = report["stderr"] or report["stdout"]
            channel.send({"ready": False, "status": "compile_error", "detail": excerpt(detail)})
            return
    else:
        try:
            compile(source, path, "exec")
        except BaseException as exc:
            channel.send({"ready": False, "status": "compile_error", "detail": describe(exc)})
            return
    channel.send({"ready": True})
    limits = config["limits"]
    while True:
        request = channel.receive()
        if request is None:
            return
        report = spawn(
            config["run"],
            limits,
            cwd=workdir,
            stdin=request["stdin"],
            timeout_s=config["timeout_s"],
        )
        report["memory"] = out_of_memory(report, limits)
        report["stderr"] = excerpt(report.get("stderr", ""))
        channel.send({"run": report})


class CandidateFailure(BaseException):
    """The candidate did not return a value (it timed out, crashed, ran out of memory, or
    returned something that cannot cross the boundary). A BaseException, so that test code
    catching `Exception` around a call cannot turn it into a pass."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Unsupported(BaseException):
    """The test needs something that cannot cross the boundary (an argument of an unsupported
    type, an object of a class the candidate defines): the verifier's limit, not a fault of
    the candidate."""


class SetupFailed(BaseException):
    """A setup statement of the test code failed: the remaining tests cannot run."""


REPLAYED = frozenset(
    name
    for name in dir(builtins)
    if isinstance(getattr(builtins, name), type)
    and issubclass(getattr(builtins, name), Exception)
    and not issubclass(getattr(builtins, name), (StopIteration, StopAsyncIteration))
)
"""Built-in exceptions a candidate's call may raise inside the test code, so that a test
expecting one (`try: f(-1) except ValueError: ...`) still works. Not StopIteration (raised
through `map` or a generator in the test code, it would end an `all(...)` early and make it
true), nor anything outside `Exception` (SystemExit, KeyboardInterrupt, GeneratorExit): those
are a failure of the test, like a crash."""


class Proxy:
    """Stands for one of the candidate's functions inside the checker: a call is encoded,
    relayed by the judge to the candidate's sandbox, and its result decoded into plain values.
    """

    def __init__(self, name: str, checker: Checker) -> None:
        self.name = name
        self.checker = checker
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        passed = [*args, *kwargs.values()]
        try:
            request: dict[str, Any] = {
                "call": self.name,
                "args": [encode(arg) for arg in args],
                "kwargs": {key: encode(arg) for key, arg in kwargs.items()},
            }
            if any(type(arg) in MUTABLE for arg in passed):
                request["mutable"] = True
        except TooDeep as exc:
            raise self.checker.failure("wrong", f"the test passes {exc} to {self.name}()") from None
        except Unencodable as exc:
            if self.checker.built_from_returns([*args, *kwargs.values()]):
                # What the candidate returned, which the test cannot pass on in the form it
                # took (a dict's keys where a list was due): the answer's fault, not ours.
                why = f"the test passes on what {self.name}() returned as {exc}"
                raise self.checker.failure("wrong", why) from None
            raise Unsupported(f"the test passes {exc} to {self.name}()") from None
        reply = self.checker.call(request)
        if "ok" in reply:
            try:
                value = decode(reply["ok"])
            except Exception as exc:  # whatever the value does to the decoder is its fault
                raise self.checker.failure("wrong", f"returned a malformed value ({exc})") from None
            self.checker.returned(value)
            after = reply.get("after")
            if value is None and type(after) is list and len(after) == len(passed):
                self.mutate(passed, after)
            return value
        error = reply.get("error")
        error = error if type(error) is dict else {}
        status, detail = error.get("status"), str(error.get("detail", ""))
        raised = error.get("raised")
        if status == "crash" and type(raised) is str and raised in REPLAYED:
            # The same built-in exception type with the same arguments, so that a test
            # expecting it, or reading its message, still works.
            exception = rebuilt(getattr(builtins, raised), error.get("args"), detail)
            self.checker.raised.add(id(exception))
            self.checker.keep.append(exception)
            raise exception
        if type(raised) is str and raised:
            detail = f"raised {raised}: {detail}"
        raise self.checker.failure(status if status in FAILURES else "crash", detail)

    def mutate(self, passed: list[Any], after: list[Any]) -> None:
        """Give the test's own lists, dicts and sets the contents the call left in its copies:
        the arguments crossed as values, so a change in place is sent back as one. Like a
        return value, it is only what the candidate claims, decoded here into plain values.

        Only for a call that returned None, as procedures that work in place do (`list.sort`):
        the test then reads its argument, the call's only output. A call that returns a value
        leaves the test's objects as they were, so that it cannot rewrite what the test compares
        its value with (`assert f(xs) == sorted(xs)` passes for `xs[:] = [0]; return [0]` in
        a harness that shares objects with the candidate)."""
        for original, changed in zip(passed, after, strict=True):
            if type(original) not in MUTABLE:
                continue
            try:
                value = decode(changed)
            except Exception as exc:  # whatever the value does to the decoder is its fault
                raise self.checker.failure("wrong", f"changed an argument into ({exc})") from None
            if type(value) is not type(original):
                continue  # the same type or nothing: a list left a list, as in place
            if type(original) is list:
                original[:] = value
            else:
                original.clear()
                original.update(value)
            self.checker.returned(original)


MAX_SCANNED = 1000
"""Largest set or dict whose members `Checker.contains` compares one by one."""


MUTABLE = (list, dict, set)
"""Argument types a call may change in place: a test of an in-place sort looks at its list."""


def rebuilt(kind: type[BaseException], args: Any, detail: str) -> BaseException:
    """A built-in exception the candidate raised, made again here: of its type with its plain
    arguments, else with its message; a type that takes neither (`UnicodeDecodeError` needs
    five arguments of its own) as the nearest base class that does (`UnicodeError`), so that
    a test catching `ValueError` still catches it."""
    try:
        values = decode(args)
        if type(values) is tuple:
            return kind(*values)
    except Exception:  # no arguments sent, or none this type accepts
        pass
    for base in kind.__mro__:
        try:
            return base(detail)
        except Exception:
            continue
    return Exception(detail)


class Checker:
    """Runs the problem's test statements one by one and reports each outcome.

    A test the candidate failed in (a timeout, a crash, a control-flow exception, a value that
    cannot cross) fails even if the test code catches what was raised (`except:`): the
    failure is remembered here, outside the test code's reach, and the next outcome reported
    is that failure."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.raised: set[int] = set()
        self.keep: list[Any] = []
        """Objects whose ids are remembered, kept alive so that no id is reused."""
        self.pending: CandidateFailure | None = None
        self.containers: set[int] = set()
        """Ids of the containers the candidate's calls returned (`returned`)."""

    def returned(self, value: Any) -> None:
        """Remember the containers of a value a call returned, for `built_from_returns`."""
        todo, seen = [value], 0
        while todo and seen < 100_000:
            item = todo.pop()
            seen += 1
            if type(item) in (list, tuple, dict, set, frozenset):
                self.containers.add(id(item))
                self.keep.append(item)
                todo.extend(item.values() if type(item) is dict else item)

    def built_from_returns(self, values: list[Any]) -> bool:
        """Whether objects the test would pass to the candidate refer, a few references deep,
        to a container a call of the candidate returned (`d.keys()`, `map(str, xs)`,
        `iter(xs)` of a returned `d` or `xs`)."""
        import gc

        layer, seen = list(values), set[int]()
        for _ in range(4):
            following = []
            for item in layer:
                if id(item) in self.containers:
                    return True
                if id(item) not in seen and len(seen) < 10_000:
                    seen.add(id(item))
                    following.extend(gc.get_referents(item))
            layer = following
        return False

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        self.channel.send(request)
        reply = self.channel.receive()
        if reply is None:  # the judge is gone: nothing left to report to
            os._exit(0)
        return dict(reply)

    def failure(self, status: str, detail: str) -> CandidateFailure:
        failure = CandidateFailure(status, detail)
        if self.pending is None:
            self.pending = failure
        return failure

    def equal(self, left: Any, right: Any) -> bool:
        """`left == right` in a test statement: `typed_equal`. Two values that Python's `==`
        calls equal and `typed_equal` does not (1 against 1.0 or True) also fail the test they
        are compared in, whichever way the test reads the result: a test of `!=`, `not`, or
        `== False` would otherwise pass a value Python holds equal to the one it excludes."""
        same = typed_equal(left, right)
        if not same and loosely_equal(left, right):
            self.failure("wrong", _only_loosely(left, right))
        return same

    def contains(self, item: Any, container: Any) -> bool:
        """`item in container` in a test statement, with the members of a list, tuple, set,
        frozenset or dict keys compared as `equal` does. A set or dict over `MAX_SCANNED`
        members keeps Python's answer: scanning it on every test would turn a loop of lookups
        quadratic, and time a correct answer out."""
        found = item in container
        kind = type(container)
        plain = kind in (list, tuple) or (
            kind in (set, frozenset, dict) and len(container) <= MAX_SCANNED
        )
        if found and plain and not any(typed_equal(member, item) for member in container):
            self.failure("wrong", _only_loosely(item, container, "found in"))
            return False
        return bool(found)

    def passed(self, index: int) -> None:
        if self.pending is not None:
            self.failed(index, self.pending)
            return
        self.channel.send({"test": index, "status": "passed"})

    def failed(self, index: int, exc: BaseException) -> None:
        if isinstance(exc, Unsupported | SetupFailed):
            raise exc
        pending, self.pending = self.pending, None
        if pending is not None:
            exc = pending
        if isinstance(exc, CandidateFailure):
            status, detail = exc.status, exc.detail
        elif id(exc) in self.raised:
            status, detail = "crash", f"{type(exc).__name__}: {exc}"
        else:
            status, detail = "wrong", describe(exc)
        self.channel.send({"test": index, "status": status, "detail": excerpt(detail, 500)})

    def setup_failed(self, exc: BaseException) -> None:
        if isinstance(exc, Unsupported | SetupFailed):
            raise exc
        status = exc.status if isinstance(exc, CandidateFailure) else "crash"
        raise SetupFailed(status, excerpt(describe(exc), 500))


def _only_loosely(left: Any, right: Any, how: str = "compared with") -> str:
    return (
        f"a {type(left).__name__:.40} {how} a {type(right).__name__:.40} only as a value of"
        " another type that Python holds equal: 1, 1.0 and True differ here, in == and != alike"
    )


def instrument(body: list[Any], tests: list[int]) -> list[Any]:
    """Each test statement reports its own outcome; a failing setup statement stops the run.
    `==` and `!=` in tests become `typed_equal`, so True does not pass for 1."""
    import ast

    def report(call: str, *args: ast.expr) -> ast.stmt:
        hook = ast.Attribute(ast.Name("__rlvr_checker__", ast.Load()), call, ast.Load())
        return ast.Expr(ast.Call(hook, list(args), []))

    out: list[Any] = []
    exc = ast.Name("__rlvr_exc__", ast.Load())
    for i, original in enumerate(body):
        if isinstance(original, ast.Global | ast.Nonlocal):
            out.append(original)
            continue
        if i in tests:
            stmt = strict_equality(original)
            handler = ast.ExceptHandler(
                ast.Name("BaseException", ast.Load()),
                "__rlvr_exc__",
                [report("failed", ast.Constant(tests.index(i)), exc)],
            )
            out.append(
                ast.Try([stmt], [handler], [report("passed", ast.Constant(tests.index(i)))], [])
            )
        else:
            handler = ast.ExceptHandler(
                ast.Name("BaseException", ast.Load()), "__rlvr_exc__", [report("setup_failed", exc)]
            )
            out.append(ast.Try([original], [handler], [], []))
    return out


def strict_equality(node: Any) -> Any:
    """`node` with each single `a == b` turned into `Checker.equal(a, b)` (`!=` likewise), and
    `a in b` into `Checker.contains(a, b)` (`not in` likewise)."""
    import ast

    hooks = {ast.Eq: "equal", ast.NotEq: "equal", ast.In: "contains", ast.NotIn: "contains"}

    class StrictEquality(ast.NodeTransformer):
        def visit_Compare(self, node: ast.Compare) -> ast.expr:
            self.generic_visit(node)
            if len(node.ops) != 1 or type(node.ops[0]) not in hooks:
                return node
            name = hooks[type(node.ops[0])]
            hook = ast.Attribute(ast.Name("__rlvr_checker__", ast.Load()), name, ast.Load())
            call = ast.Call(hook, [node.left, node.comparators[0]], [])
            if isinstance(node.ops[0], ast.Eq | ast.In):
                return call
            return ast.UnaryOp(ast.Not(), call)

    return StrictEquality().visit(node)


def instrumented_tests(test_code: str) -> dict[str, Any]:
    """Assert-style test code rewritten so that each test reports its own outcome: the
    program a `check` sandbox runs. Done by the judge, so that the sandbox needs no `ast`."""
    import ast

    style, tree, tests = plan_tests(test_code)
    check = None
    if style == "module":
        tree.body = instrument(tree.body, tests)
    else:
        check = check_function(tree)
        check.body = instrument(check.body, tests) or [ast.Pass()]
    ast.fix_missing_locations(tree)
    return {
        "style": style,
        "source": ast.unparse(tree),
        "check": check.name if check is not None else None,
        "count": count_tests(style, tests),
        "whole": style == "check" and not tests,
    }


def serve_check(channel: Channel, config: dict[str, Any]) -> None:
    apply_limits(config["limits"], OWN_LIMITS)
    channel.send({"started": True})
    checker = Checker(channel)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    plan = config["plan"]
    try:
        exec(compile(config.get("context") or "", "prompt.py", "exec"), namespace)
        code = compile(plan["source"], "test.py", "exec")
    except BaseException as exc:
        channel.send({"unsupported": f"the problem's prompt or test code fails: {describe(exc)}"})
        return
    entry_point = config["entry_point"]
    # The entry point is the one name of the candidate's here (the judge refuses test code
    # that reads any other name it does not define): the prompt's helpers and the test code
    # run against pristine built-ins (`sum`, `range`, `abs`) and their own functions, never
    # the candidate's versions of them.
    namespace[entry_point] = Proxy(entry_point, checker)
    namespace["__rlvr_checker__"] = checker
    try:
        exec(code, namespace)
        if plan["whole"]:  # no assert of its own to split on: the whole check is one test
            try:
                namespace[plan["check"]](namespace[entry_point])
            except BaseException as exc:
                checker.failed(0, exc)
            else:
                checker.passed(0)
        elif plan["check"]:
            namespace[plan["check"]](namespace[entry_point])
    except Unsupported as exc:
        channel.send({"unsupported": str(exc)})
        return
    except SetupFailed as exc:
        status, detail = exc.args
        channel.send({"stopped": status, "detail": detail})
        return
    except BaseException as exc:  # the check function itself, outside any statement
        channel.send({"stopped": "crash", "detail": excerpt(describe(exc), 500)})
        return
    if checker.pending is not None:  # a failure of the candidate's after the last test
        channel.send({"stopped": checker.pending.status, "detail": checker.pending.detail})
        return
    channel.send({"done": True})


MODES = {"exec": serve_exec, "function": serve_function, "stdio": serve_stdio, "check": serve_check}


def main(argv: list[str]) -> None:
    # As PID 1 of its namespace, this process only receives signals it handles: with SIGINT
    # back to the default, nothing inside the sandbox can signal it at all.
    signals.signal(signals.SIGINT, signals.SIG_DFL)
    # Imports come from the interpreter's own library only, never from the scratch directory
    # that untrusted code can write to (PYTHONSAFEPATH does this from Python 3.11 on).
    sys.path[:] = [path for path in sys.path if path.startswith("/")]
    request_fd, response_fd = int(argv[1]), int(argv[2])
    keep = sorted({0, 1, 2, request_fd, response_fd})
    for low, high in zip(keep, [*keep[1:], 1 << 16], strict=True):
        os.closerange(low + 1, high)  # the sandbox's info pipe and anything else inherited
    channel = Channel(request_fd, response_fd, 1 << 30)
    config = channel.receive()
    if config is None:
        return
    # The kernel's first pick when memory runs out, with everything started here, rather than
    # the verifier process that started the sandbox (a dead verifier makes the row null).
    # Before `harden`: an undumpable process's /proc files belong to root.
    try:
        adjust = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        os.write(adjust, b"1000")
        os.close(adjust)
    except OSError:
        pass
    harden(config.get("seccomp"))
    if config.get("count_user_tasks"):  # the weaker mode: no namespace of its own
        config["limits"]["processes_base"] = user_task_count()
        SESSIONS[0] = False
    apply_limits(config["limits"], SHARED_LIMITS)
    os.chdir(config["workdir"])
    MODES[config["mode"]](channel, config)


if __name__ == "__main__":
    main(sys.argv)
