"""The code verifier: extraction, the value codec, each test form, rewards and statuses."""

from __future__ import annotations

import ast
import math
import pickle
import textwrap
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlvr.verdict import Verdict
from rlvr.verifiers.code import CodeVerifier, normalise_stdout
from rlvr.verifiers.code_extract import extract_code
from rlvr.verifiers.code_harness import Unencodable, decode, encode, plan_tests, typed_equal
from rlvr.verifiers.code_task import read_task, static_calls

VERIFIER = CodeVerifier(timeout_s=2.0)
PARTIAL = CodeVerifier(timeout_s=2.0, all_or_nothing=False)
"""Fractional credit, the opt-in: per-test outcomes are easier to see in the reward."""


def fenced(code: str, tag: str = "python") -> str:
    return f"Here you go:\n```{tag}\n{textwrap.dedent(code).strip()}\n```\n"


def io_problem(*pairs: tuple[list[Any], Any], entry_point: str = "f") -> dict[str, Any]:
    return {"entry_point": entry_point, "tests": [{"input": i, "output": o} for i, o in pairs]}


def statuses(verdict: Verdict) -> list[str]:
    return [test["status"] for test in verdict.info["tests"]]


# --- extraction ---------------------------------------------------------------------------------

EXTRACTION = [
    # (completion, language, entry point, expected code or None, a word of `how`)
    ("```python\ndef f():\n    return 1\n```", "python", "f", "def f():\n    return 1\n", "tagged"),
    ("```py\nx = 1\n```", "python", None, "x = 1\n", "tagged"),
    ("```\ndef f(): pass\n```", "python", "f", "def f(): pass\n", "untagged"),
    (
        "```python\nimport math\n```\nthen\n```python\ndef f():\n    return 2\n```\n"
        "Example:\n```python\nprint(f())\n```",
        "python",
        "f",
        "def f():\n    return 2\n",
        "defines f",
    ),
    (
        "First try:\n```python\ndef f():\n    return 1\n```\nFixed:\n```python\ndef f():\n"
        "    return 2\n```",
        "python",
        "f",
        "def f():\n    return 2\n",
        "block 2 of 2",
    ),
    ("```bash\npip install x\n```", "python", "f", None, "no python block"),
    ("```python\ndef f():\n    return 3\n", "python", "f", "def f():\n    return 3\n", "tagged"),
    ("~~~python\ndef f(): return 4\n~~~", "python", "f", "def f(): return 4\n", "tagged"),
    ("````python\n```\n````", "python", None, "```\n", "tagged"),
    (
        "<think>```python\ndef f(): return 0\n```</think>```python\ndef f(): return 5\n```",
        "python",
        "f",
        "def f(): return 5\n",
        "tagged",
    ),
    ("<think>still thinking ```python\ndef f(): pass", "python", "f", None, "never closed"),
    ("", "python", "f", None, "empty"),
    (
        "Sure! Here is the function:\n\ndef f(x):\n    return x * 2\n\nIt doubles x.",
        "python",
        "f",
        "def f(x):\n    return x * 2\n",
        "amid text",
    ),
    ("    return x + 1\n", "python", "f", "    return x + 1\n", "unfenced text"),
    (
        '```cpp\n#include <cstdio>\nint main(){puts("a");}\n```\n```c\nint x;\n```',
        "cpp",
        None,
        '#include <cstdio>\nint main(){puts("a");}\n',
        "has main",
    ),
    (
        "The program:\n#include <stdio.h>\nint main(){return 0;}",
        "c",
        None,
        "#include <stdio.h>\nint main(){return 0;}",
        "#include",
    ),
    (
        "```python\nprint(1)\n```\n"
        "```python\nimport sys\nprint(sum(map(int, sys.stdin.read().split())))\n```",
        "python",
        None,
        "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n",
        "reads or prints",
    ),
]


@pytest.mark.parametrize(("completion", "language", "entry", "code", "how"), EXTRACTION)
def test_extraction(
    completion: str, language: str, entry: str | None, code: str | None, how: str
) -> None:
    found = extract_code(completion, language, entry)
    assert found.code == code
    assert how in found.how


# --- the codec and typed equality -------------------------------------------------------------

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text()
    | st.binary(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        | st.dictionaries(st.integers() | st.text(max_size=3), inner, max_size=3)
        | st.frozensets(st.integers() | st.text(max_size=3), max_size=3)
    ),
    max_leaves=12,
)


@given(VALUES)
@settings(max_examples=200, deadline=None)
def test_the_codec_round_trips_with_types_kept(value: Any) -> None:
    assert typed_equal(value, decode(encode(value)))


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1, True),
        (1, True, False),
        (1, 1.0, False),
        (True, 1.0, False),
        (0, False, False),
        (None, 0, False),
        ([1, 2], (1, 2), False),
        ((1, 2), (1, 2), True),
        ({"a": 1}, {"a": 1}, True),
        ({1: "x"}, {True: "x"}, False),
        ({1, 2}, {2, 1}, True),
        ({1}, {1.0}, False),
        ({1}, frozenset({1}), False),
        (float("nan"), float("nan"), True),
        ("1", 1, False),
        (b"x", "x", False),
        ([[1, (2, 3)]], [[1, (2, 3)]], True),
        ([[1, (2, 3)]], [[1, [2, 3]]], False),
    ],
)
def test_typed_equality(a: Any, b: Any, equal: bool) -> None:
    assert typed_equal(a, b) is equal


def test_float_tolerance_is_relative_and_for_floats_only() -> None:
    assert typed_equal(0.1 + 0.2, 0.3, 1e-9)
    assert not typed_equal(0.1 + 0.2, 0.3)
    assert typed_equal(1e20, 1e20 * (1 + 1e-12), 1e-9)
    assert not typed_equal(1.0, 1.01, 1e-9)


def test_only_plain_values_cross_the_boundary() -> None:
    class Sneaky(int):
        def __eq__(self, other: object) -> bool:
            return True

        def __int__(self) -> int:
            return 99

        __hash__ = int.__hash__

    class Backwards(list):  # type: ignore[type-arg]
        def __iter__(self) -> Any:
            return iter([0])

    # A subclass crosses as the plain value it holds, read through the base type: nothing it
    # overrides decides what is sent, and the judge compares the plain value.
    assert encode(Sneaky(1)) == 1
    assert type(encode(Sneaky(1))) is int
    assert encode([1, Sneaky(2)]) == [1, 2]
    assert encode({"a": {1: Sneaky(3)}}) == {"a": {"$dict": [[1, 3]]}}
    assert encode(Backwards([1, 2])) == [1, 2]
    for value in (object(), len, range(3), {}.keys()):
        with pytest.raises(Unencodable):
            encode(value)
    # An iterator crosses as what it yields, and comes back as an iterator: equal to no list.
    assert encode(x for x in [1, (2,)]) == {"$iterator": [1, {"$tuple": [2]}]}
    assert list(decode({"$iterator": [1, 2]})) == [1, 2]
    assert not typed_equal([1, 2], decode({"$iterator": [1, 2]}))
    deep: list[Any] = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(Unencodable, match="deep"):
        encode(deep)


@pytest.mark.parametrize(
    "data",
    [{"$tuple": 1}, {"$nope": []}, {"$tuple": [], "x": 1}, {"$float": "1.5"}, {"$set": [[1]]}],
)
def test_malformed_tags_are_refused(data: Any) -> None:
    with pytest.raises(ValueError, match=r"\$|tag|hashable|float"):
        decode(data)


# --- reading records --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "field"),
    [
        ({}, "tests"),
        ({"tests": []}, "tests"),
        ({"tests": [{"in": 1}]}, "tests"),
        ({"language": "rust", "tests": [{"stdin": "", "stdout": ""}]}, "language"),
        ({"tests": [{"input": [1], "output": 1}]}, "entry_point"),
        ({"tests": [{"input": 1, "output": 1}], "entry_point": "f"}, "tests"),
        ({"language": "c", "entry_point": "f", "tests": [{"input": [1], "output": 1}]}, "language"),
        ({"test": "assert f(1) == 1"}, "entry_point"),
        ({"test": "def check(candidate):\n    pass(", "entry_point": "f"}, "test"),
        ({"test": "x = 1", "entry_point": "f"}, "test"),
        ({"entry_point": "not an identifier", "test": "assert 1"}, "entry_point"),
    ],
)
def test_an_unusable_record_is_an_infrastructure_fault_naming_the_field(
    problem: dict[str, Any], field: str
) -> None:
    verdict = VERIFIER.verify(problem, "def f(x): return x")
    assert verdict.is_error
    assert verdict.info["field"] == field


def test_static_tests_fold_arithmetic_on_literals_but_not_huge_values() -> None:
    def calls(test: str) -> Any:
        style, tree, tests = plan_tests(test)
        return static_calls(style, tree, tests, "f")

    (call,) = calls("assert f(3 * 19, 'ab' + 'c') == (3 + 4, [1] * 2)")
    assert call.args == [57, "abc"]
    assert call.expect.value == (7, [1, 1])
    assert calls("assert f(10 ** 10 ** 10) == 1") is None
    assert calls("assert f('x' * 10 ** 9) == 1") is None
    assert calls("assert f('%s' % 1) == 1") is None
    assert calls("assert f(1) == g(1)") is None
    (close,) = calls("def check(candidate):\n    assert abs(candidate(1.5) - 0.5) < 1e-6\n")
    assert (close.expect.kind, close.expect.value) == ("close", 0.5)


# --- function I/O tests -----------------------------------------------------------------------


def test_partial_credit_is_the_fraction_passed_with_a_status_per_test() -> None:
    problem = io_problem(([2], 4), ([3], 9), ([0], 0), ([-1], 1))
    verdict = PARTIAL.verify(problem, fenced("def f(x):\n    return x * 2"))
    assert verdict.reward == 0.5
    assert VERIFIER.verify(problem, fenced("def f(x):\n    return x * 2")).reward == 0.0
    assert statuses(verdict) == ["passed", "wrong", "passed", "wrong"]
    assert verdict.info["counts"] == {"passed": 2, "wrong": 2}
    assert verdict.info["tests"][1]["detail"] == "returned 6, expected == 9"


def test_all_or_nothing_is_the_default() -> None:
    strict = CodeVerifier()
    problem = io_problem(([2], 4), ([3], 9))
    assert strict.verify(problem, fenced("def f(x):\n    return x * 2")).reward == 0.0
    assert strict.verify(problem, fenced("def f(x):\n    return x * x")).reward == 1.0


@pytest.mark.parametrize(
    ("returned", "expected", "reward"),
    [
        ("1", 1, 1.0),
        ("True", 1, 0.0),
        ("1.0", 1, 0.0),
        ("1", True, 0.0),
        ("1", 1.0, 0.0),
        ("(1, 2)", [1, 2], 0.0),
        ("[1, 2]", [1, 2], 1.0),
        ("(1, 2)", {"$tuple": [1, 2]}, 1.0),
        ("{1, 2}", {"$set": [2, 1]}, 1.0),
        ("{'a': (1,)}", {"a": {"$tuple": [1]}}, 1.0),
        ("{1: 'a'}", {"$dict": [[1, "a"]]}, 1.0),
        ("None", None, 1.0),
        ("0.1 + 0.2", 0.3, 1.0),
        ("float('nan')", {"$float": "nan"}, 1.0),
        ("'1'", 1, 0.0),
    ],
)
def test_outputs_are_compared_type_strictly(returned: str, expected: Any, reward: float) -> None:
    verdict = VERIFIER.verify(
        io_problem(([], expected)), fenced(f"def f():\n    return {returned}")
    )
    assert verdict.reward == reward, verdict.info


def test_arguments_arrive_with_their_types_and_fresh_each_test() -> None:
    code = """
    seen = []
    def f(x):
        seen.append(x)
        return type(x).__name__, len(seen)
    """
    problem = io_problem(
        ([{"$tuple": [1]}], {"$tuple": ["tuple", 1]}), ([[1]], {"$tuple": ["list", 2]})
    )
    assert VERIFIER.verify(problem, fenced(code)).reward == 1.0


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("def f():\n    raise ValueError('no')", "crash"),
        ("def f():\n    return [0] * (1 << 40)", "memory"),
        ("def f():\n    while True: pass", "timeout"),
        ("def f():\n    return object()", "wrong"),
        ("def f():\n    return (lambda: 1)", "wrong"),
        ("import os\ndef f():\n    os._exit(0)", "crash"),
    ],
)
def test_test_statuses(code: str, status: str) -> None:
    verifier = CodeVerifier(timeout_s=0.5)
    verdict = verifier.verify(io_problem(([], 1), ([], 1)), fenced(code))
    assert verdict.reward == 0.0
    assert statuses(verdict) == [status, status], verdict.info


def test_a_program_that_does_not_load_scores_0_with_the_reason() -> None:
    problem = io_problem(([], 1))
    syntax = VERIFIER.verify(problem, fenced("def f(:\n    return 1"))
    assert (syntax.reward, syntax.info["status"]) == (0.0, "compile_error")
    assert "SyntaxError" in syntax.info["detail"]
    missing = VERIFIER.verify(problem, fenced("def g():\n    return 1"))
    assert (missing.reward, missing.info["status"]) == (0.0, "no_entry_point")
    raising = VERIFIER.verify(problem, fenced("import nonexistent_module\ndef f(): return 1"))
    assert raising.info["status"] == "crash"
    assert "ModuleNotFoundError" in raising.info["detail"]
    nothing = VERIFIER.verify(problem, "I don't know.")
    assert nothing.reward == 0.0


def test_no_code_at_all() -> None:
    verdict = VERIFIER.verify(io_problem(([], 1)), "```text\nhello\n```")
    assert (verdict.reward, verdict.info["status"]) == (0.0, "no_code")


def test_printed_output_does_not_disturb_the_results_and_stderr_is_kept() -> None:
    code = """
    import sys
    def f(x):
        print('{"ok": 99}')
        print("debugging", file=sys.stderr)
        if x < 0:
            raise ValueError("negative")
        return x
    """
    verdict = VERIFIER.verify(io_problem(([1], 1), ([-1], -1)), fenced(code))
    assert statuses(verdict) == ["passed", "crash"]
    assert "debugging" in verdict.info["stderr"]
    assert len(verdict.info["stderr"]) <= 1000


def test_a_reply_the_judge_cannot_read_fails_the_test() -> None:
    code = """
    import os
    def f():
        for fd in range(3, 64):
            try:
                os.write(fd, b"not json\\n")
            except OSError:
                pass
        return 1
    """
    verdict = VERIFIER.verify(io_problem(([], 1), ([], 1)), fenced(code))
    assert verdict.reward == 0.0
    assert "malformed" in str(verdict.info)


# --- stdio tests --------------------------------------------------------------------------------

STDIO = {"tests": [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "5 5\n", "stdout": "10"}]}
C_SUM = '#include <stdio.h>\nint main(){int a,b;scanf("%d %d",&a,&b);printf("%d  \\r\\n",a+b);}'
CPP_SUM = "#include <iostream>\nint main(){int a,b;std::cin>>a>>b;std::cout<<a+b<<std::endl;}"


@pytest.mark.parametrize(
    ("language", "code", "reward"),
    [
        ("python", "a, b = map(int, input().split())\nprint(a + b)", 1.0),
        ("python", "a, b = map(int, input().split())\nprint(a * b)", 0.0),
        ("python", "a, b = map(int, input().split())\nprint(a + b if a < 3 else 0)", 0.5),
        ("c", C_SUM, 1.0),
        ("cpp", CPP_SUM, 1.0),
    ],
)
def test_stdio_programs(language: str, code: str, reward: float) -> None:
    problem = {**STDIO, "language": language}
    verdict = PARTIAL.verify(problem, fenced(code, language))
    assert verdict.reward == reward, verdict.info
    assert verdict.info["form"] == "stdio"


def test_right_output_with_a_failing_exit_status_is_a_crash() -> None:
    verdict = VERIFIER.verify(STDIO, fenced("import sys\nprint(3)\nsys.exit(1)"))
    assert statuses(verdict)[0] == "crash"


def test_a_compile_error_scores_0_with_the_compilers_message() -> None:
    verdict = VERIFIER.verify({**STDIO, "language": "c"}, fenced("int main() { return x; }", "c"))
    assert (verdict.reward, verdict.info["status"]) == (0.0, "compile_error")
    assert "undeclared" in verdict.info["detail"]


@pytest.mark.parametrize(
    ("printed", "expected", "same"),
    [
        ("3\n", "3", True),
        ("3  \r\n\n\n", "3\n", True),
        ("1 2 \n3\n", "1 2\n3", True),
        ("1  2\n", "1 2\n", False),
        ("\n3\n", "3\n", False),
        ("3.0\n", "3\n", False),
    ],
)
def test_stdout_comparison(printed: str, expected: str, same: bool) -> None:
    assert (normalise_stdout(printed) == normalise_stdout(expected)) is same


# --- assert-style tests -------------------------------------------------------------------------

HUMANEVAL = {
    "prompt": 'from typing import List\n\n\ndef head(xs: List[int]) -> int:\n    """First."""\n',
    "entry_point": "head",
    "test": textwrap.dedent(
        """
        METADATA = {}


        def check(candidate):
            assert candidate([1, 2]) == 1
            assert candidate([5]) == 5
            assert True
        """
    ),
}


def test_humaneval_style_raw_continuation_and_full_definitions() -> None:
    assert VERIFIER.verify(HUMANEVAL, "    return xs[0]\n").reward == 1.0
    full = fenced("def head(xs):\n    return xs[-1]")
    verdict = PARTIAL.verify(HUMANEVAL, full)
    assert verdict.reward == 0.0  # 1 of 2 asserts: assert-style tests are all or nothing
    assert verdict.info["passed"] == 1
    assert verdict.info["form"] == "function"  # literal asserts: judged here
    assert verdict.info["total"] == 2  # `assert True` tests nothing


def test_type_strictness_holds_for_asserts_too() -> None:
    verdict = VERIFIER.verify(
        {**HUMANEVAL, "test": "def check(candidate):\n    assert candidate([1]) == True\n"},
        "    return 1\n",
    )
    assert verdict.reward == 0.0


LOOPING = {
    "prompt": "def helper(x):\n    return x * 10\n\n\ndef scale(x):\n    '''Ten times x.'''\n",
    "entry_point": "scale",
    "test": textwrap.dedent(
        """
        import random


        def check(candidate):
            rng = random.Random(1)
            for _ in range(20):
                x = rng.randint(0, 100)
                assert candidate(x) == helper(x)
            assert candidate(1) != 11
            assert candidate(0) == 0
            try:
                candidate(-1)
            except ValueError:
                pass
            else:
                assert False, "no ValueError"
        """
    ),
}
GOOD_SCALE = "    if x < 0:\n        raise ValueError(x)\n    return helper(x)\n"


def test_test_code_that_needs_python_runs_in_a_checker_sandbox() -> None:
    verdict = VERIFIER.verify(LOOPING, GOOD_SCALE)
    assert verdict.info["form"] == "check"
    assert verdict.reward == 1.0, verdict.info
    assert verdict.info["total"] == 4
    partial = VERIFIER.verify(LOOPING, "    return x * 10\n")
    assert statuses(partial) == ["passed", "passed", "passed", "wrong"]


def test_the_checker_uses_the_problems_helpers_not_the_candidates() -> None:
    cheat = fenced("def helper(x):\n    return 0\n\ndef scale(x):\n    return 0")
    verdict = VERIFIER.verify(LOOPING, cheat)
    assert statuses(verdict)[0] == "wrong"


def test_candidate_failures_in_the_checker_keep_their_status() -> None:
    verifier = CodeVerifier(timeout_s=0.5)
    hang = verifier.verify(LOOPING, "    while True:\n        pass\n")
    assert set(statuses(hang)) == {"timeout"}
    typed = verifier.verify(LOOPING, "    return True\n")
    assert statuses(typed)[0] == "wrong"


def test_a_failing_setup_statement_stops_the_remaining_tests() -> None:
    problem = {
        "entry_point": "f",
        "test": "def check(candidate):\n    assert candidate(1) == 1\n"
        "    value = candidate(0)\n    assert value == 0\n",
    }
    verdict = VERIFIER.verify(problem, fenced("def f(x):\n    return 1 // x"))
    assert statuses(verdict) == ["passed", "crash"]


def test_mbpp_style_module_of_asserts() -> None:
    problem = {
        "entry_point": "add",
        "test": "import math\nassert add(1, 2) == 3\nassert math.isclose(add(0.1, 0.2), 0.3)\n",
    }
    verdict = VERIFIER.verify(problem, fenced("def add(a, b):\n    return a + b"))
    assert verdict.reward == 1.0, verdict.info
    assert verdict.info["form"] == "check"


def test_a_test_the_boundary_cannot_carry_is_an_infrastructure_fault() -> None:
    problem = {"entry_point": "apply", "test": "assert apply(lambda x: x, 1) == 1\n"}
    verdict = VERIFIER.verify(problem, fenced("def apply(g, x):\n    return g(x)"))
    assert verdict.is_error
    assert "function" in verdict.info["error"]


def test_instrumented_tests_count_only_real_asserts() -> None:
    style, _, tests = plan_tests("def check(candidate):\n    x = 1\n    assert True\n")
    assert (style, tests) == ("check", [])
    style, tree, tests = plan_tests("assert f(1)\nfor i in range(3):\n    assert f(i)\n")
    assert (style, tests) == ("module", [0, 1])
    assert isinstance(tree, ast.Module)


# --- the verifier as a plugin ---------------------------------------------------------------


def test_own_examples() -> None:
    for problem, completion, expected in VERIFIER.examples():
        verdict = VERIFIER.verify(problem, completion)
        assert verdict.reward == expected, (problem, completion, verdict.info)


def test_it_pickles_and_checks_rows_itself() -> None:
    copy = pickle.loads(pickle.dumps(VERIFIER))
    assert copy.verify(io_problem(([2], 4)), fenced("def f(x): return 2 * x")).reward == 1.0
    assert CodeVerifier.required_fields == ()


def test_a_lone_surrogate_in_the_completion_is_judged_not_an_infrastructure_fault() -> None:
    # JSON input can carry half an emoji; it must not look like a sandbox that cannot start
    verdict = VERIFIER.verify(io_problem(([2], 4)), fenced("def f(x): return 2 * x  # \ud83d"))
    assert verdict.reward == 1.0, verdict.info


def test_a_sandbox_that_cannot_start_is_an_infrastructure_fault() -> None:
    verifier = CodeVerifier()
    verifier.sandbox = type(verifier.sandbox)(python="/bin/false")
    verdict = verifier.verify(io_problem(([], 1)), fenced("def f(): return 1"))
    assert verdict.is_error
    assert "cannot run" in verdict.info["error"]


def test_read_task_sees_the_forms() -> None:
    assert read_task(STDIO, "python", 0.0).form == "stdio"
    assert read_task(io_problem(([1], 1)), "python", 0.0).form == "function"
    assert read_task(LOOPING, "python", 0.0).form == "check"
    assert math.isclose(
        read_task(io_problem(([1], 1.0)), "python", 1e-6).calls[0].expect.tolerance, 1e-6
    )
