"""A code record's tests: which form they take, what each test calls and what it expects.

Three forms (docs/code.md): I/O tests on a function, stdio tests, and assert-style test code.
Assert-style code is read here, in the judge, with `ast` (which runs nothing): when every
test is a call of the function with literal arguments checked against a literal, the tests
become plain calls whose results are compared outside the sandbox, like I/O tests; otherwise
the code is instrumented to run in a checker sandbox of its own (`instrumented_tests`).
"""

from __future__ import annotations

import ast
import builtins
import symtable
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from rlvr.verifiers.code_extract import defines
from rlvr.verifiers.code_harness import (
    check_function,
    count_tests,
    decode,
    encode,
    instrumented_tests,
    loosely_equal,
    plan_tests,
    typed_equal,
)

LANGUAGES = ("python", "c", "cpp")
LANGUAGE_ALIASES = {"py": "python", "python3": "python", "c++": "cpp", "cxx": "cpp", "cc": "cpp"}
MAX_TESTS = 10_000


class TaskError(ValueError):
    """A record the verifier cannot use: a fault of the data, reported as `Verdict.error`."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Expectation:
    """What one call's return value must be: `kind` is eq, ne, is, is_not, truthy, falsy, or
    close (`abs(value - target) < tolerance`)."""

    kind: str
    value: Any = None
    tolerance: float = 0.0

    def judge(self, actual: Any) -> bool:
        if self.kind == "eq":
            return typed_equal(self.value, actual, self.tolerance)
        if self.kind == "ne":  # both kinds of equality must deny it (`loosely_equal`)
            return not (
                typed_equal(self.value, actual, self.tolerance) or loosely_equal(self.value, actual)
            )
        if self.kind == "close":  # numbers only: a bool is not a number here
            if type(actual) not in (int, float):
                return False
            if type(actual) is int and actual.bit_length() > 1023:
                return False  # beyond any float: `actual - target` would overflow
            return abs(actual - self.value) < self.tolerance
        if self.kind in ("is", "is_not"):
            same = actual is None if self.value is None else actual is self.value
            return same if self.kind == "is" else not same
        return bool(actual) if self.kind == "truthy" else not bool(actual)

    def describe(self) -> str:
        names = {"eq": "==", "ne": "!=", "is": "is", "is_not": "is not", "close": "close to"}
        return names.get(self.kind, self.kind)


@dataclass(frozen=True)
class Call:
    """One test as a call of the candidate: encoded arguments and what must come back."""

    args: list[Any]
    kwargs: dict[str, Any]
    expect: Expectation


@dataclass(frozen=True)
class Task:
    """What a code record asks, read once: its language, the form of its tests, and the
    tests themselves (`calls`, `stdio` pairs, or the instrumented `plan`)."""

    language: str
    form: str
    """"function" (calls judged here), "stdio" or "check" (test code in its own sandbox)."""
    entry_point: str | None = None
    calls: tuple[Call, ...] = ()
    stdio: tuple[tuple[str, str], ...] = ()
    plan: dict[str, Any] | None = None
    """The instrumented test program, for the check form (`instrumented_tests`)."""
    prompt_code: str | None = None
    count: int = 0
    assert_style: bool = False
    """Tests given as assert-style code (HumanEval, MBPP): scored as their own harnesses do,
    1 only if every assert passes."""


def read_task(problem: Mapping[str, Any], default_language: str, tolerance: float) -> Task:
    """The record's language and tests; raises `TaskError` naming the field at fault."""
    language = problem.get("language") or default_language
    language = LANGUAGE_ALIASES.get(str(language).lower(), str(language).lower())
    if language not in LANGUAGES:
        raise TaskError(f"language must be one of {LANGUAGES}, got {language!r}", "language")
    entry_point = problem.get("entry_point")
    if entry_point is not None and not (
        isinstance(entry_point, str) and entry_point.isidentifier()
    ):
        raise TaskError("must be a Python identifier", "entry_point")
    tests = problem.get("tests")
    if tests is not None:
        if not isinstance(tests, list) or not tests or len(tests) > MAX_TESTS:
            raise TaskError(f"must be a non-empty list of at most {MAX_TESTS} tests", "tests")
        if all(isinstance(t, Mapping) and "stdin" in t and "stdout" in t for t in tests):
            pairs = tuple((str(t["stdin"]), str(t["stdout"])) for t in tests)
            return Task(language, "stdio", stdio=pairs, count=len(pairs))
        if all(isinstance(t, Mapping) and "input" in t and "output" in t for t in tests):
            task = _io_task(language, entry_point, tests, tolerance)
            prompt = problem.get("prompt")
            if isinstance(prompt, str) and _is_code_for(prompt, task.entry_point or ""):
                _refuse_a_class(prompt, task.entry_point or "")
                return replace(task, prompt_code=prompt)
            return task
        raise TaskError(
            'each test must be {"input": [...], "output": ...} or {"stdin": ..., "stdout": ...}',
            "tests",
        )
    test_code = problem.get("test")
    if not isinstance(test_code, str):
        raise TaskError("missing: a code row needs `tests`, or `test` and `entry_point`", "tests")
    if language != "python":
        raise TaskError("assert-style tests are Python only; give stdio `tests`", "language")
    if not entry_point:
        raise TaskError("missing: assert-style tests need the function's name", "entry_point")
    try:
        style, tree, tests_at = plan_tests(test_code)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise TaskError(f"cannot read the test code: {exc}", "test") from None
    count = count_tests(style, tests_at)
    prompt = problem.get("prompt")
    prompt_code = prompt if isinstance(prompt, str) and _is_code_for(prompt, entry_point) else None
    if prompt_code is not None:
        _refuse_a_class(prompt_code, entry_point)
    calls = static_calls(style, tree, tests_at, entry_point)
    if calls is not None:
        return Task(
            language,
            "function",
            entry_point,
            calls,
            prompt_code=prompt_code,
            count=count,
            assert_style=True,
        )
    foreign = _foreign_names(test_code, prompt_code or "", entry_point)
    if foreign:
        raise TaskError(
            f"the test code uses {', '.join(sorted(foreign)[:10])}, which neither it nor the "
            f"prompt defines: a test may call only the candidate's {entry_point}",
            "test",
        )
    plan = instrumented_tests(test_code)
    return Task(
        language,
        "check",
        entry_point,
        plan=plan,
        prompt_code=prompt_code,
        count=count,
        assert_style=True,
    )


def _io_task(
    language: str, entry_point: Any, tests: list[Mapping[str, Any]], tolerance: float
) -> Task:
    if language != "python":
        raise TaskError("I/O tests on a function are Python only; give stdio tests", "language")
    if not entry_point:
        raise TaskError("missing: I/O tests need the function's name", "entry_point")
    calls = []
    for i, test in enumerate(tests):
        try:
            args, expected = decode(test["input"]), decode(test["output"])
        except (ValueError, RecursionError) as exc:
            raise TaskError(f"test {i}: {exc}", "tests") from None
        if not isinstance(args, list):
            raise TaskError(f"test {i}: input must be the list of arguments", "tests")
        calls.append(Call(list(test["input"]), {}, Expectation("eq", expected, tolerance)))
    return Task(language, "function", entry_point, tuple(calls), count=len(calls))


def _is_code_for(prompt: str, entry_point: str) -> bool:
    """A HumanEval prompt: Python that declares the entry point (imports, helpers, stub)."""
    if not defines(prompt, entry_point):
        return False
    try:
        ast.parse(prompt)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _refuse_a_class(prompt_code: str, entry_point: str) -> None:
    """A prompt whose entry point is a class (`class Solution:` with methods the tests call)
    asks for objects, which cannot cross the boundary: every answer, a correct one included,
    would fail, so the row is refused (null), never a 0."""
    for node in ast.parse(prompt_code).body:
        if isinstance(node, ast.ClassDef) and node.name == entry_point:
            raise TaskError(
                f"the entry point {entry_point!r} is a class: its objects cannot cross the "
                "sandbox boundary; give I/O tests of a function, or stdio tests",
                "entry_point",
            )


def _foreign_names(test_code: str, prompt_code: str, entry_point: str) -> set[str]:
    """Global names the test code or the prompt's code reads that neither defines, nor
    Python's built-ins: names only the candidate's code could supply.

    The checker gives the test code one name of the candidate's, the entry point. Any other
    name the candidate defined would be a function the test trusts without checking it: a
    test reading `isclose(f(x), y)` without importing it would run the candidate's
    `isclose`, which can say True to anything. Such a row is refused up front, for every
    completion alike (a correct one included), so no completion can turn it into a pass, nor
    a wrong answer into a row left out of the update."""
    used: set[str] = set()
    bound: set[str] = set()
    for source in (test_code, prompt_code):
        if any(
            isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names)
            for node in ast.walk(ast.parse(source))
        ):
            return set()  # `from m import *` binds names no reading can list
        try:
            table = symtable.symtable(source, "test.py", "exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return set()  # the checker reports the code that does not compile
        _global_names(table, True, used, bound)
    builtin_names = set(dir(builtins))
    return {
        name
        for name in used - bound - builtin_names - {entry_point}
        if not (name.startswith("__") and name.endswith("__"))
    }


def _global_names(
    table: symtable.SymbolTable, module: bool, used: set[str], bound: set[str]
) -> None:
    for symbol in table.get_symbols():
        name = symbol.get_name()
        if module:
            if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace():
                bound.add(name)
            if symbol.is_referenced():
                used.add(name)
        elif symbol.is_global():
            if symbol.is_referenced():
                used.add(name)
            if symbol.is_declared_global() and symbol.is_assigned():
                bound.add(name)
    for child in table.get_children():
        _global_names(child, False, used, bound)


_INERT = (ast.Import, ast.ImportFrom, ast.Pass, ast.FunctionDef, ast.ClassDef)


def static_calls(
    style: str, tree: ast.Module, tests: list[int], entry_point: str
) -> tuple[Call, ...] | None:
    """The tests as plain calls with literal arguments and literal expectations, when every
    test is one (`assert f(1, [2]) == (3, 4)`, `!=`, `is None`, a bare truth test) and nothing
    else could matter; else None, and the test code runs in its own sandbox."""
    if style == "check":
        check = check_function(tree)
        if check is None or not tests:
            return None
        body, name = check.body, check.args.args[0].arg
        outside = [s for s in tree.body if s is not check]
        if not all(isinstance(s, _INERT) or _literal_statement(s) for s in outside):
            return None
    else:
        body, name = tree.body, entry_point
    calls: list[Call] = []
    for i, stmt in enumerate(body):
        if i in tests:
            call = _static_call(stmt, name)
            if call is None:
                return None
            calls.append(call)
        elif not (isinstance(stmt, ast.Import | ast.ImportFrom | ast.Pass) or _noop(stmt)):
            return None
    return tuple(calls)


def _literal_statement(stmt: ast.stmt) -> bool:
    """`NAME = <literal>` or a bare constant (a docstring)."""
    if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
        return _literal(stmt.value) is not _NOT_LITERAL
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _noop(stmt: ast.stmt) -> bool:
    """A statement with no effect: a bare name (`print`), a constant, `assert True`."""
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, ast.Constant | ast.Name)
    return (
        isinstance(stmt, ast.Assert)
        and isinstance(stmt.test, ast.Constant)
        and bool(stmt.test.value)
    )


_NOT_LITERAL = object()
_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a**b,
}
MAX_FOLDED = 10_000
"""Largest string, list or tuple (in items) or integer (in digits) folded from a test's
arithmetic on literals (`3 * 19`, `'ab' + 'c'`); anything larger is left to the test code."""


def _literal(node: ast.expr) -> Any:
    """The value of a literal, or of arithmetic on literals; `_NOT_LITERAL` otherwise."""
    try:
        value = _fold(node)
        encode(value)
    except (ValueError, TypeError, SyntaxError, ArithmeticError, RecursionError, MemoryError):
        return _NOT_LITERAL
    return value


def _fold(node: ast.expr) -> Any:
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _fold(node.left), _fold(node.right)
        numbers = type(left) in (int, float) and type(right) in (int, float)
        if isinstance(node.op, ast.Pow) and not (numbers and abs(right) <= 64):
            raise ValueError("too large a power")
        if isinstance(node.op, ast.Add) and not (numbers or type(left) is type(right)):
            raise ValueError("not a sum of alike values")
        if isinstance(node.op, ast.Mult) and not numbers:
            if type(left) not in (str, list, tuple) or type(right) is not int:
                raise ValueError("not a product of numbers, or a repetition")
            if len(left) * right > MAX_FOLDED:
                raise ValueError("too large a repetition")
        if isinstance(node.op, ast.Sub | ast.Div | ast.FloorDiv | ast.Mod) and not numbers:
            raise ValueError("arithmetic on numbers only")  # no `"%s" % x` formatting
        value = _ARITHMETIC[type(node.op)](left, right)
        if isinstance(value, int) and value.bit_length() > MAX_FOLDED * 3:
            raise ValueError("too large an integer")
        return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _fold(node.operand)
        if type(operand) not in (int, float, complex):
            raise ValueError("not a number")
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.List | ast.Tuple):
        items = [_fold(item) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    return ast.literal_eval(node)


def _static_call(stmt: ast.stmt, name: str) -> Call | None:
    if not isinstance(stmt, ast.Assert):
        return None
    test = stmt.test
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _call_of(test.operand, name, Expectation("falsy"))
    if not isinstance(test, ast.Compare):
        return _call_of(test, name, Expectation("truthy"))
    if len(test.ops) != 1:
        return None
    op, left, right = test.ops[0], test.left, test.comparators[0]
    difference = _abs_difference(left) if isinstance(op, ast.Lt) else None
    if difference is not None:
        # abs(f(x) - target) < tolerance: a number within tolerance of the target
        target, tolerance = _literal(difference.right), _literal(right)
        if type(target) in (int, float) and type(tolerance) in (int, float):
            return _call_of(difference.left, name, Expectation("close", target, tolerance))
        return None
    if isinstance(op, ast.Eq | ast.NotEq):
        kind = "eq" if isinstance(op, ast.Eq) else "ne"
        for call, other in ((left, right), (right, left)):
            value = _literal(other)
            if value is not _NOT_LITERAL:
                found = _call_of(call, name, Expectation(kind, value))
                if found is not None:
                    return found
        return None
    singleton = isinstance(right, ast.Constant) and (
        right.value is None or isinstance(right.value, bool)
    )
    if isinstance(op, ast.Is | ast.IsNot) and singleton:
        kind = "is" if isinstance(op, ast.Is) else "is_not"
        return _call_of(left, name, Expectation(kind, right.value))  # type: ignore[attr-defined]
    return None


def _abs_difference(node: ast.expr) -> ast.BinOp | None:
    """`a - b` of `abs(a - b)`, or None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    if node.func.id != "abs" or len(node.args) != 1 or node.keywords:
        return None
    inner = node.args[0]
    return inner if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Sub) else None


def _call_of(node: ast.expr, name: str, expect: Expectation) -> Call | None:
    """`name(<literals>)` as a `Call`, or None."""
    if not (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ):
        return None
    args, kwargs = [], {}
    for arg in node.args:
        value = _literal(arg)
        if isinstance(arg, ast.Starred) or value is _NOT_LITERAL:
            return None
        args.append(encode(value))
    for keyword in node.keywords:
        value = _literal(keyword.value)
        if keyword.arg is None or value is _NOT_LITERAL:
            return None
        kwargs[keyword.arg] = encode(value)
    return Call(args, kwargs, expect)
