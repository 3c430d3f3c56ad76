"""Reward integrity, one class of attack at a time (issue 18): what a reward-maximising policy
would write to be paid for a wrong answer, or to have a wrong answer dropped from the update
(`reward: None`). Each completion here is wrong, so any reward above 0, or None, is a hole.
The other direction, a correct answer that must not score 0, is tested too."""

from __future__ import annotations

import math
import textwrap
from dataclasses import replace
from typing import Any

import pytest

from rlvr.verdict import Verdict
from rlvr.verifiers.code import CodeVerifier
from rlvr.verifiers.code_harness import typed_equal
from rlvr.verifiers.sandbox import Sandbox

VERIFIER = CodeVerifier(timeout_s=2.0)
PARTIAL = CodeVerifier(timeout_s=2.0, all_or_nothing=False)

DOUBLE_IO: dict[str, Any] = {
    "entry_point": "f",
    "tests": [{"input": [1], "output": 2}, {"input": [2], "output": 4}],
}
"""I/O tests: calls judged by the judge."""
DOUBLE_LITERAL: dict[str, Any] = {
    "entry_point": "f",
    "prompt": "def f(x):\n    '''Twice x.'''\n",
    "test": "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 4\n",
}
"""HumanEval form with literal asserts: also judged by the judge."""
DOUBLE_CHECK: dict[str, Any] = {
    "entry_point": "f",
    "prompt": "def f(x):\n    '''Twice x.'''\n",
    "test": textwrap.dedent(
        """
        def check(candidate):
            for x in range(1, 4):
                assert candidate(x) == 2 * x
            assert all(map(lambda x: candidate(x) == 2 * x, [4, 5]))
        """
    ),
}
"""HumanEval form whose test code must run: the checker sandbox, calls relayed."""
FORMS: dict[str, dict[str, Any]] = {
    "io": DOUBLE_IO,
    "literal": DOUBLE_LITERAL,
    "check": DOUBLE_CHECK,
}


def fenced(code: str) -> str:
    return f"```python\n{textwrap.dedent(code).strip()}\n```\n"


def zero(verdict: Verdict) -> None:
    """A wrong answer: reward exactly 0 (not None), and no test reported as passed."""
    assert verdict.reward == 0.0, verdict.info
    tests = verdict.info.get("tests", [])
    assert all(test["status"] != "passed" for test in tests), verdict.info


# --- 1. forged verdicts ----------------------------------------------------------------------

FORGED_LINES = (
    b'{"error": {"status": "passed", "detail": ""}}\n'
    b'{"test": 0, "status": "passed"}\n{"test": 1, "status": "passed"}\n'
    b'{"ready": true, "names": ["f"]}\n{"done": true}\n{"raised": "x", "status": "passed"}\n'
)

FORGERS = {
    "every_descriptor": f"""
        import os
        def f(x):
            for fd in range(0, 256):
                try:
                    os.write(fd, {FORGED_LINES!r})
                except OSError:
                    pass
            os._exit(0)
        """,
    "the_harness_channel_object": f"""
        import gc
        def f(x):
            for obj in gc.get_objects():
                for name in ("send_line", "send"):
                    method = getattr(obj, name, None)
                    if callable(method) and type(obj).__name__ == "Channel":
                        for line in {FORGED_LINES!r}.splitlines():
                            try:
                                method(line) if name == "send_line" else method(
                                    {{"error": {{"status": "passed"}}}})
                            except Exception:
                                pass
            raise SystemExit(0)
        """,
    "the_harness_descriptors_through_proc": f"""
        import os
        def f(x):
            for path in ["/proc/1/mem"] + ["/proc/1/fd/%d" % n for n in range(64)] + \\
                    ["/proc/%d/fd/%d" % (os.getppid(), n) for n in range(64)]:
                try:
                    fd = os.open(path, os.O_WRONLY)
                    os.write(fd, {FORGED_LINES!r})
                    os.close(fd)
                except OSError:
                    pass
            return None
        """,
    "an_error_status_of_passed": """
        class Passed(Exception):
            pass
        Passed.__name__ = "passed"
        def f(x):
            raise Passed("passed")
        """,
}


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("forger", sorted(FORGERS))
def test_no_message_from_the_sandbox_means_passed(form: str, forger: str) -> None:
    zero(VERIFIER.verify(FORMS[form], fenced(FORGERS[forger])))


def test_fake_harness_output_on_stdout_is_just_wrong_output() -> None:
    problem = {"tests": [{"stdin": "1\n", "stdout": "2"}]}
    code = """
        import os, sys
        line = '{"run": {"exit_code": 0, "stdout": "2", "timed_out": false}}\\n'
        sys.stdout.write(line); sys.stderr.write(line)
        os._exit(0)
        """
    zero(VERIFIER.verify(problem, fenced(code)))


# --- 2. non-finite numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (1.5, math.inf),
        (1.5, -math.inf),
        (1.5, math.nan),
        (math.inf, 1e308),
        (math.nan, 1.0),
        (-math.inf, math.inf),
        ([1.0, 2.0], [math.inf, 2.0]),
        ((1.0,), (math.nan,)),
        (complex(1, 2), complex(math.inf, 2)),
        (complex(1, 2), complex(1, math.nan)),
        ({"a": 1.0}, {"a": math.inf}),
        (1e308, -1e308),  # the difference overflows to inf
    ],
)
def test_non_finite_numbers_are_never_within_a_tolerance(expected: Any, actual: Any) -> None:
    assert not typed_equal(expected, actual, 1e-9)
    assert not typed_equal(expected, actual, 0.5)


def test_non_finite_numbers_equal_only_themselves() -> None:
    assert typed_equal(math.inf, math.inf, 1e-9)
    assert typed_equal([math.nan], [math.nan], 1e-9)  # a record can expect NaN: {"$float": "nan"}
    assert typed_equal(1.0, 1.0 + 1e-12, 1e-9)


@pytest.mark.parametrize("value", ["float('inf')", "float('nan')", "[float('inf')]"])
def test_returning_infinity_or_nan_fails(value: str) -> None:
    problem = {"entry_point": "f", "tests": [{"input": [], "output": [1.5]}]}
    zero(VERIFIER.verify(problem, fenced(f"def f():\n    return {value}")))
    problem = {"entry_point": "f", "tests": [{"input": [], "output": 1.5}]}
    zero(VERIFIER.verify(problem, fenced(f"def f():\n    return {value}")))


# --- 3. shadowed built-ins -------------------------------------------------------------------

SHADOWING_PROMPT = textwrap.dedent(
    '''
    import math


    def poly(xs: list, x: float):
        """The polynomial with coefficients xs at x."""
        return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])


    def find_zero(xs: list):
        """A zero of the polynomial."""
    '''
)
SHADOWING_TEST = textwrap.dedent(
    """
    import math


    def check(candidate):
        for xs in ([1, 2], [-6, 11, -6, 1], [0, 1]):
            solution = candidate(xs)
            assert abs(poly(xs, solution)) < 1e-4
            assert len(sorted(range(3))) == 3
            assert all([x == x for x in range(2)])
    """
)


def test_names_the_candidate_defines_never_replace_the_built_ins_of_the_test_code() -> None:
    problem = {"entry_point": "find_zero", "prompt": SHADOWING_PROMPT, "test": SHADOWING_TEST}
    shadows = """
        def sum(*args, **kwargs):
            return 0
        def abs(*args, **kwargs):
            return 0
        def range(*args):
            return [0, 1, 2]
        def sorted(*args, **kwargs):
            return [0, 0, 0]
        def len(*args):
            return 3
        def all(*args):
            return True
        def enumerate(*args):
            return []
        def poly(*args):
            return 0
        def find_zero(xs):
            return 12345.0
        """
    verdict = VERIFIER.verify(problem, fenced(shadows))
    assert verdict.info["form"] == "check"
    zero(verdict)
    right = """
        def find_zero(xs):
            lo, hi = -100.0, 100.0
            while poly(xs, lo) * poly(xs, hi) > 0:
                lo, hi = lo * 2, hi * 2
            for _ in range(200):
                mid = (lo + hi) / 2
                if poly(xs, mid) * poly(xs, lo) > 0:
                    lo = mid
                else:
                    hi = mid
            return lo
        """
    assert VERIFIER.verify(problem, fenced(right)).reward == 1.0


# --- 4. control-flow exceptions --------------------------------------------------------------

CONTROL_FLOW = [
    "StopIteration",
    "GeneratorExit",
    "SystemExit",
    "KeyboardInterrupt",
    "BaseException",
]


@pytest.mark.parametrize("exception", CONTROL_FLOW)
@pytest.mark.parametrize("form", sorted(FORMS))
def test_control_flow_exceptions_from_the_candidate_fail_the_test(
    form: str, exception: str
) -> None:
    zero(VERIFIER.verify(FORMS[form], fenced(f"def f(x):\n    raise {exception}()")))


def test_test_code_that_swallows_a_candidate_failure_still_fails() -> None:
    problem = {
        "entry_point": "f",
        "test": textwrap.dedent(
            """
            def check(candidate):
                try:
                    result = candidate(1)
                except:
                    result = 2
                assert result == 2
                assert list(map(candidate, [1, 2])) == [] or True
            """
        ),
    }
    for raised in ("StopIteration", "SystemExit", "KeyboardInterrupt"):
        zero(VERIFIER.verify(problem, fenced(f"def f(x):\n    raise {raised}()")))
    hang = "import time\ndef f(x):\n    time.sleep(100)"
    zero(CodeVerifier(timeout_s=0.5).verify(problem, fenced(hang)))
    assert VERIFIER.verify(problem, fenced("def f(x):\n    return 2 * x")).reward == 1.0


def test_an_exception_the_test_expects_still_reaches_it() -> None:
    problem = {
        "entry_point": "f",
        "test": textwrap.dedent(
            """
            def check(candidate):
                try:
                    candidate(-1)
                except ValueError:
                    pass
                else:
                    assert False, "no ValueError"
            """
        ),
    }
    raising = "def f(x):\n    if x < 0:\n        raise ValueError(x)\n    return x"
    assert VERIFIER.verify(problem, fenced(raising)).reward == 1.0
    zero(VERIFIER.verify(problem, fenced("def f(x):\n    return x")))


# --- 5. wrong answers are 0, never None ------------------------------------------------------


RAW_COMPLEX = """
import gc, os
def f(x):
    for obj in gc.get_objects():
        if type(obj).__name__ == "Channel":
            try:
                obj.send_line(b'{"ok": {"$complex": [1' + b"0" * 400 + b', 0]}}')
            except OSError:
                continue
            os._exit(0)
"""


@pytest.mark.parametrize(
    ("problem", "code"),
    [
        (  # the judge's comparison overflows: a 400-digit integer against a float
            {"entry_point": "f", "test": "assert abs(f() - 0.5) < 1e-6\n"},
            "def f():\n    return 10 ** 400",
        ),
        (
            {"entry_point": "f", "tests": [{"input": [], "output": 0.5}]},
            "def f():\n    return 10 ** 400",
        ),
        (  # an unencodable value through the prompt's helper the test code calls
            {
                "entry_point": "f",
                "prompt": "def helper():\n    return f()\n\n\ndef f():\n    'One.'\n",
                "test": "def check(candidate):\n"
                "    assert helper() == 1\n"
                "    assert candidate() == 1\n",
            },
            "def f():\n    return object()",
        ),
        (  # a forged "unencodable" report
            DOUBLE_CHECK,
            """
            import gc
            def f(x):
                for obj in gc.get_objects():
                    if type(obj).__name__ == "Channel":
                        obj.send({"unencodable": "a forged report"})
                        obj.send({"error": {"status": "unencodable"}})
                return object()
            """,
        ),
        (  # an integer too long to print or send
            DOUBLE_IO,
            "import sys\nsys.set_int_max_str_digits(0)\ndef f(x):\n    return 10 ** 5000",
        ),
        (DOUBLE_IO, "def f(x):\n    return {1: {2: [3] * 10}} if x else ()"),
        (DOUBLE_IO, RAW_COMPLEX),  # a complex number beyond any float, written raw
        (DOUBLE_CHECK, RAW_COMPLEX),
        (  # nested deeper than the codec carries
            DOUBLE_IO,
            "def f(x):\n    v = []\n    for _ in range(5000):\n        v = [v]\n    return v",
        ),
    ],
)
def test_what_the_candidate_caused_scores_0_not_none(problem: dict[str, Any], code: str) -> None:
    zero(VERIFIER.verify(problem, fenced(code)))


# --- 7. correct answers are not scored 0 for their encoding ----------------------------------

BIG_TEXT = "字" * (400_000 // 3)
"""400 KB of UTF-8, under the 1 MiB output limit, but 800 KB as \\uXXXX escapes."""


def test_a_large_non_ascii_return_value_under_the_limit_passes() -> None:
    problem = {"entry_point": "f", "tests": [{"input": [], "output": BIG_TEXT}]}
    code = f"def f():\n    return {'字'!r} * {len(BIG_TEXT)}"
    assert VERIFIER.verify(problem, fenced(code)).reward == 1.0, "non-ASCII"
    controls = "\x01" * 150_000  # 150 KB, 900 KB escaped
    problem = {"entry_point": "f", "tests": [{"input": [], "output": controls}]}
    assert VERIFIER.verify(problem, fenced("def f():\n    return '\\x01' * 150000")).reward == 1.0


def test_a_large_non_ascii_output_under_the_limit_passes() -> None:
    problem = {"tests": [{"stdin": "", "stdout": BIG_TEXT}]}
    code = f"import sys\nsys.stdout.write({'字'!r} * {len(BIG_TEXT)})"
    assert VERIFIER.verify(problem, fenced(code)).reward == 1.0


def test_a_return_value_over_the_limit_is_wrong_not_an_error() -> None:
    small = CodeVerifier(timeout_s=2.0, output_kb=64)
    problem = {"entry_point": "f", "tests": [{"input": [], "output": "x"}]}
    zero(small.verify(problem, fenced("def f():\n    return 'x' * (1 << 20)")))


# --- published formats score like their harnesses --------------------------------------------


def test_assert_style_rows_pass_only_if_every_assert_passes_even_with_partial_credit() -> None:
    stub = "    return None\n"
    problem = {
        "entry_point": "f",
        "prompt": "def f(x):\n    '''None for odd x, else x.'''\n",
        "test": "def check(candidate):\n"
        "    assert candidate(1) is None\n"
        "    assert candidate(2) == 2\n",
    }
    verdict = PARTIAL.verify(problem, stub)
    assert (verdict.reward, verdict.info["passed"], verdict.info["total"]) == (0.0, 1, 2)
    io_problem = {
        "entry_point": "f",
        "tests": [{"input": [1], "output": None}, {"input": [2], "output": 2}],
    }
    assert PARTIAL.verify(io_problem, fenced("def f(x):\n    return None")).reward == 0.5
    assert VERIFIER.verify(io_problem, fenced("def f(x):\n    return None")).reward == 0.0


# --- a judge made to hang would drop the row -------------------------------------------------

COLLIDING_SET = """
import gc, os
def f(x):
    members = ",".join(str(k * (2**61 - 1)) for k in range(100_000))  # every hash is 0
    for obj in gc.get_objects():
        if type(obj).__name__ == "Channel":
            try:
                obj.send_line(('{"ok": {"$set": [' + members + ']}}').encode())
            except OSError:  # the harness's own channel, closed in this process
                continue
            os._exit(0)
"""


def test_a_set_whose_members_all_hash_alike_is_refused_not_built() -> None:
    problem = {"entry_point": "f", "tests": [{"input": [1], "output": {"$set": [1]}}]}
    verdict = VERIFIER.verify(problem, fenced(COLLIDING_SET))
    zero(verdict)
    assert "same hash" in str(verdict.info)


def test_mbpp_rows_pass_only_if_every_assert_passes() -> None:
    problem = {
        "entry_point": "first",
        "test": "assert first([1, 2]) == 1\nassert first([]) is None\nassert first([3]) == 3\n",
    }
    verdict = PARTIAL.verify(problem, fenced("def first(xs):\n    return xs[0]"))
    assert (verdict.reward, verdict.info["passed"], verdict.info["total"]) == (0.0, 2, 3)
    right = "def first(xs):\n    return xs[0] if xs else None"
    assert PARTIAL.verify(problem, fenced(right)).reward == 1.0


def test_a_returned_value_the_test_passes_back_too_deep_is_the_candidates_failure() -> None:
    problem = {
        "entry_point": "f",
        "test": "def check(candidate):\n    assert candidate([candidate(0)]) == 1\n",
    }
    deep = "def f(x):\n    v = 0\n    for _ in range(100):\n        v = [v]\n    return v"
    zero(VERIFIER.verify(problem, fenced(deep)))


@pytest.mark.parametrize("form", sorted(FORMS))
def test_printing_past_the_limit_at_once_is_the_programs_fault_not_the_sandboxes(
    form: str,
) -> None:
    verifier = CodeVerifier(timeout_s=2.0, output_kb=16)
    code = "import os\nos.write(1, b'x' * (1 << 20))\ndef f(x):\n    return 2 * x"
    for _ in range(5):  # a race between "started" and the flood, if there were one
        zero(verifier.verify(FORMS[form], fenced(code)))


PEEK = """
import gc, select
def f(x):
    for obj in gc.get_objects():
        if type(obj).__name__ == "Channel":
            try:
                waiting = select.select([obj.read_fd], [], [], 0.2)[0]
            except (OSError, ValueError):  # the harness's own, closed here
                continue
            if waiting or b"\\n" in obj.buffer:
                return "peeked"
    return "alone"
"""


def test_the_candidate_sees_no_later_input_while_an_earlier_test_runs() -> None:
    tests = [{"input": [n], "output": "alone"} for n in range(4)]
    verdict = VERIFIER.verify({"entry_point": "f", "tests": tests}, fenced(PEEK))
    assert verdict.reward == 1.0, verdict.info


# --- 8. equality that is stricter than Python's must not make a test of difference lenient ----

LOOP = "def check(candidate):\n    for x in [1]:\n        assert "
LOOSE_EQUALITY_TESTS = {
    "literal_ne": "def check(candidate):\n    assert candidate(1) != 1\n",
    "module_ne": "assert f(1) != 1\n",
    "check_ne": LOOP + "candidate(x) != x\n",
    "check_not_eq": LOOP + "not candidate(x) == x\n",
    "check_eq_false": LOOP + "(candidate(x) == x) == False\n",
    "check_nested_ne": LOOP + "[candidate(x)] != [x]\n",
    "check_in": LOOP + "candidate(x) in (x, 5)\n",
    "check_not_in": LOOP + "not (candidate(x) not in {x})\n",
}


@pytest.mark.parametrize("value", ["1.0", "True"])
@pytest.mark.parametrize("test", sorted(LOOSE_EQUALITY_TESTS))
def test_a_value_equal_only_as_another_type_fails_whichever_way_it_is_compared(
    test: str, value: str
) -> None:
    """`typed_equal` says 1.0 and True differ from 1; Python's `==` (and the published
    harnesses) say they equal it. Under `!=`, `not`, `== False` or `in`, the stricter equality
    made the test more lenient: `f(1) != 1` passed for 1.0, a value every reference harness
    holds equal to the one the test excludes."""
    problem = {"entry_point": "f", "test": LOOSE_EQUALITY_TESTS[test]}
    verdict = VERIFIER.verify(problem, fenced(f"def f(x):\n    return {value}"))
    zero(verdict)
    static = test.startswith(("literal", "module"))
    assert verdict.info["form"] == ("function" if static else "check")


def test_the_tests_still_pass_a_value_of_the_right_type() -> None:
    for name, test in LOOSE_EQUALITY_TESTS.items():
        answer = "x" if name in ("check_in", "check_not_in") else "x + 1"  # these ask for x
        problem = {"entry_point": "f", "test": test}
        verdict = VERIFIER.verify(problem, fenced(f"def f(x):\n    return {answer}"))
        assert verdict.reward == 1.0, (name, verdict.info)


# --- 9. a correct answer in an ordinary form is not scored 0 ---------------------------------

COUNTS = {"entry_point": "f", "tests": [{"input": ["a b a"], "output": {"a": 2, "b": 1}}]}
PAIRS = {"entry_point": "f", "tests": [{"input": [1], "output": {"$tuple": [1, 2]}}]}
ONE = {"entry_point": "f", "tests": [{"input": [], "output": 1}]}


@pytest.mark.parametrize(
    ("problem", "code"),
    [
        (COUNTS, "from collections import Counter\ndef f(s):\n    return Counter(s.split())"),
        (
            COUNTS,
            "from collections import defaultdict\ndef f(s):\n    d = defaultdict(int)\n"
            "    for w in s.split():\n        d[w] += 1\n    return d",
        ),
        (
            COUNTS,
            "from collections import OrderedDict\ndef f(s):\n"
            "    return OrderedDict([('a', 2), ('b', 1)])",
        ),
        (
            PAIRS,
            "from collections import namedtuple\nP = namedtuple('P', 'a b')\n"
            "def f(x):\n    return P(x, x + 1)",
        ),
        (ONE, "import enum\nclass E(enum.IntEnum):\n    A = 1\ndef f():\n    return E.A"),
        (
            {
                "entry_point": "f",
                "test": "def check(candidate):\n    for x in [1, 2]:\n"
                "        assert list(candidate(x)) == [2 * x]\n",
            },
            "def f(x):\n    yield 2 * x",
        ),
        (
            {
                "entry_point": "f",
                "test": "def check(candidate):\n    for x in [3]:\n"
                "        assert sorted(candidate(x)) == [x, 2 * x]\n",
            },
            "def f(x):\n    return map(lambda k: k * x, [2, 1])",
        ),
    ],
)
def test_a_subclass_of_a_plain_type_crosses_as_the_value_it_holds(
    problem: dict[str, Any], code: str
) -> None:
    assert VERIFIER.verify(problem, fenced(code)).reward == 1.0


def test_an_iterator_is_equal_to_no_list_and_an_endless_one_fails() -> None:
    """A generator crosses as what it yields, as an iterator again: `list(f(x))` of it works in
    test code, and a test comparing it with a list fails, as in Python."""
    for problem in (DOUBLE_IO, DOUBLE_LITERAL):
        zero(VERIFIER.verify(problem, fenced("def f(x):\n    yield 2 * x")))
    endless = "import itertools\ndef f(x):\n    return itertools.count(2 * x, 0)"
    zero(VERIFIER.verify(DOUBLE_CHECK, fenced(endless)))


def test_a_subclass_crosses_as_its_value_never_as_what_it_claims() -> None:
    code = """
        class Liar(int):
            def __eq__(self, other):
                return True
            def __int__(self):
                return 1
            __hash__ = int.__hash__
        class Claims(dict):
            def items(self):
                return [("a", 2), ("b", 1)]
            def __iter__(self):
                return iter(["a", "b"])
        def f(*args):
            return Liar(7) if not args else Claims(z=0)
        """
    zero(VERIFIER.verify(ONE, fenced(code)))
    zero(VERIFIER.verify(COUNTS, fenced(code)))


@pytest.mark.parametrize(
    "completion",
    [
        fenced("from __future__ import annotations\ndef f(x: int) -> int:\n    return 2 * x"),
        fenced("from __future__ import (annotations,\n    division)\ndef f(x):\n    return 2 * x"),
        "1. The function:\n\n    ```python\n    def f(x):\n        return 2 * x\n    ```\n",
        "```python:solution.py\ndef f(x):\n    return 2 * x\n```\n",
        "```{python}\ndef f(x):\n    return 2 * x\n```\n",
        '```python title="f.py"\ndef f(x):\n    return 2 * x\n```\n',
        "```python\u200b\ndef f(x):\n    return 2 * x\n```\n",
        "\uff40\uff40\uff40python\ndef f(x):\n    return 2 * x\n\uff40\uff40\uff40\n",
        fenced("def f(x):\n    return 2 * x") + "The stub:\n" + fenced("def f(x):\n    'Twice.'"),
        'def f(x):\n    """Twice x.\n\n    ```\n    >>> f(1)\n    2\n    ```\n    """\n'
        "    return 2 * x\n",
        '"""Use:\n```\nf(1)\n```\n"""\n\n\ndef f(x):\n    return 2 * x\n',
    ],
)
@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_correct_answer_in_an_ordinary_form_passes(form: str, completion: str) -> None:
    """A `from __future__` import that the prompt's code, put first, pushed off the top of the
    module (a syntax error); a fenced block indented inside a list item; a fence tag with a file
    name or attributes, or an invisible character; fullwidth backticks; the answer followed by
    the prompt's stub repeated; bare code whose docstring holds an indented fence (which is
    Markdown of the docstring, not a block)."""
    assert VERIFIER.verify(FORMS[form], completion).reward == 1.0


def test_a_program_too_large_for_the_sandbox_is_its_own_failure_not_an_error() -> None:
    small = CodeVerifier(timeout_s=2.0)
    small.limits = replace(small.limits, file_bytes=1 << 16)
    small.module_limits = replace(small.module_limits, file_bytes=1 << 16)
    padding = "#" * (1 << 17)
    for problem, code in (
        (DOUBLE_IO, f"def f(x):\n    return 2 * x\n{padding}"),
        (DOUBLE_CHECK, f"def f(x):\n    return 2 * x\n{padding}"),
        ({"tests": [{"stdin": "1\n", "stdout": "2"}]}, f"print(2 * int(input()))\n{padding}"),
    ):
        verdict = small.verify(problem, fenced(code))
        zero(verdict)
        assert "cannot be written" in verdict.info["detail"]


# --- 10. what the test code trusts is the problem's, and what it cannot pass on ----------------


def test_test_code_reading_a_name_it_does_not_define_is_refused_for_every_completion() -> None:
    """A test that calls `isclose` without importing it would run the candidate's `isclose`,
    which can say True to anything. The row is refused before anything runs, the same for
    every completion (so no completion turns it into a pass, or a wrong answer into a null)."""
    problem = {
        "entry_point": "f",
        "test": "def check(candidate):\n    for x in [1, 2]:\n"
        "        assert isclose(candidate(x), 2 * x)\n",
    }
    liar = "def isclose(a, b):\n    return True\ndef f(x):\n    return 0"
    right = "from math import isclose\ndef f(x):\n    return 2 * x"
    verdicts = [VERIFIER.verify(problem, fenced(code)) for code in (liar, right, "def f(x): ...")]
    assert [v.reward for v in verdicts] == [None, None, None]
    assert len({v.info["error"] for v in verdicts}) == 1
    assert "isclose" in verdicts[0].info["error"]


UNPASSABLE = {
    "entry_point": "f",
    "test": textwrap.dedent(
        """
        def check(candidate):
            for x in [1]:
                r = candidate(x)
                assert candidate(r.keys() if isinstance(r, dict) else r) == 4
        """
    ),
}


def test_a_value_the_test_cannot_pass_on_is_the_candidates_failure_when_it_shaped_it() -> None:
    """The test passes on what the candidate returned; a dict (where a number was due) becomes
    its `dict_keys`, which cannot cross the boundary: the answer's fault, 0, not a null."""
    zero(VERIFIER.verify(UNPASSABLE, fenced("def f(x):\n    return {1: 2} if x == 1 else 0")))
    assert VERIFIER.verify(UNPASSABLE, fenced("def f(x):\n    return 2 * x")).reward == 1.0


def test_a_test_that_cannot_cross_the_boundary_is_null_unless_the_answer_already_failed() -> None:
    problem = {
        "entry_point": "f",
        "test": "def check(candidate):\n    for x in [1]:\n        assert candidate(x) == 2\n"
        "        assert candidate(lambda: x) == 2\n",
    }
    assert VERIFIER.verify(problem, fenced("def f(x):\n    return 2")).reward is None
    zero(VERIFIER.verify(problem, fenced("def f(x):\n    return 3")))


EXCEPTION_MESSAGES = {
    "entry_point": "f",
    "test": textwrap.dedent(
        """
        def check(candidate):
            for x in [-1]:
                try:
                    candidate(x)
                except ValueError as e:
                    assert str(e) == "negative"
                else:
                    assert False
            for k in ["a"]:
                try:
                    candidate(k)
                except KeyError as e:
                    assert e.args == (k,)
        """
    ),
}


def test_an_exception_reaches_the_test_code_with_its_arguments() -> None:
    right = (
        "def f(x):\n    if x == 'a':\n        raise KeyError(x)\n    raise ValueError('negative')\n"
    )
    assert VERIFIER.verify(EXCEPTION_MESSAGES, fenced(right)).reward == 1.0
    for wrong in ("raise ValueError('positive')", "raise ValueError(object())", "raise KeyError"):
        zero(VERIFIER.verify(EXCEPTION_MESSAGES, fenced(f"def f(x):\n    {wrong}")))


TRAILING_FAILURES = {
    "a_helpers_assert": "def check(candidate):\n    assert candidate(0) == 0\n"
    "    def h(x):\n        assert candidate(x) == 2 * x\n    h(1)\n",
    "a_raise_after_the_asserts": "assert f(0) == 0\nr = f(1)\nif r != 2:\n    raise ValueError()\n",
    "a_swallowed_hang": "def check(candidate):\n    assert candidate(0) == 0\n"
    "    try:\n        candidate(5)\n    except:\n        pass\n",
}


@pytest.mark.parametrize("test", sorted(TRAILING_FAILURES))
def test_test_code_that_fails_after_its_last_assert_fails(test: str) -> None:
    """A test program that does not run to its end did not pass, as in the published harnesses:
    the failure of a statement after the last assert has no later test to carry it."""
    problem = {"entry_point": "f", "test": TRAILING_FAILURES[test]}
    wrong = "import time\ndef f(x):\n    if x == 5:\n        time.sleep(10)\n    return 0"
    zero(CodeVerifier(timeout_s=1.0).verify(problem, fenced(wrong)))
    assert VERIFIER.verify(problem, fenced("def f(x):\n    return 2 * x")).reward == 1.0


@pytest.mark.parametrize(
    ("problem", "code"),
    [
        ({"tests": [{"stdin": "1\n", "stdout": "2"}]}, "x = int(input())\nprint(2 * x)\nexit()"),
        ({"tests": [{"stdin": "1\n", "stdout": "2"}]}, "print(2 * int(input()))\nquit(0)"),
        (DOUBLE_IO, "def f(x):\n    return 2 * x\nif __name__ == '__main__':\n    exit()"),
    ],
)
def test_a_program_that_ends_with_exit_is_not_a_crash(problem: dict[str, Any], code: str) -> None:
    """`exit()` and `quit()` come from `site`, which the sandbox's Python skips (`-S`)."""
    assert VERIFIER.verify(problem, fenced(code)).reward == 1.0


SLOW_TO_COMPILE = """
constexpr long long g() {
    long long s = 0;
    for (int i = 0; i < 200000; ++i)
        for (int j = 0; j < 200000; ++j) s += (i ^ j) % 7;
    return s;
}
constexpr long long v = g();
int main() { return (int)v; }
"""


@pytest.mark.parametrize(
    "verifier",
    [
        CodeVerifier(timeout_s=1.0, compile_timeout_s=1.5),  # the compiler's own limit
        CodeVerifier(timeout_s=1.0, budget_s=1.5),  # the row's budget, while compiling
    ],
    ids=["compile_timeout", "budget"],
)
def test_a_compiler_bomb_is_the_programs_0_not_an_error(verifier: CodeVerifier) -> None:
    problem = {"language": "cpp", "tests": [{"stdin": "", "stdout": "0"}]}
    verdict = verifier.verify(problem, fenced(SLOW_TO_COMPILE).replace("python", "cpp"))
    zero(verdict)
    assert verdict.info["status"] in ("compile_error", "timeout")


IN_PLACE = {
    "entry_point": "f",
    "test": textwrap.dedent(
        """
        def check(candidate):
            for xs in ([3, 1, 2], [2, 1]):
                a = list(xs)
                candidate(a)
                assert a == sorted(xs)
            d = {"a": 1}
            candidate(d)
            assert d == {"a": 1, "seen": True}
        """
    ),
}


def test_a_change_in_place_reaches_the_test_code_as_a_value() -> None:
    """Arguments cross as copies; what the call left in them comes back, decoded like a return
    value, into the test's own list or dict: a correct in-place sort passes, a function that
    changes nothing, or only rebinds its parameter, does not."""
    right = (
        "def f(a):\n    if type(a) is dict:\n        a['seen'] = True\n    else:\n"
        + "        a.sort()"
    )
    assert VERIFIER.verify(IN_PLACE, fenced(right)).reward == 1.0
    for wrong in ("pass", "a = sorted(a)", "return sorted(a)"):
        zero(VERIFIER.verify(IN_PLACE, fenced(f"def f(a):\n    {wrong}")))


def test_a_call_that_returns_a_value_cannot_rewrite_what_the_test_compares_it_with() -> None:
    """Changes in place come back only from a call that returned None: otherwise a candidate
    could set the test's list to its own answer, and `f(xs) == sorted(xs)` would hold."""
    problem = {
        "entry_point": "f",
        "test": "def check(candidate):\n    for xs in ([3, 1, 2], [5, 4]):\n"
        "        assert candidate(xs) == sorted(xs)\n",
    }
    zero(VERIFIER.verify(problem, fenced("def f(a):\n    a[:] = [0]\n    return [0]")))
    assert VERIFIER.verify(problem, fenced("def f(a):\n    return sorted(a)")).reward == 1.0


DEEP_C = r"""
#include <stdio.h>
__attribute__((noinline)) int depth(int n, volatile char *up) {
    volatile char pad[64];
    pad[0] = up ? up[0] : 0;
    if (n == 0) return 0;
    int below = depth(n - 1, pad);
    return below + 1 + pad[1] * 0;
}
int main() { int n; scanf("%d", &n); printf("%d\n", depth(n, 0)); return 0; }
"""


def test_a_correct_program_a_million_calls_deep_has_the_stack_a_contest_judge_gives() -> None:
    """About 100 MB of stack: the host's usual 8 MiB limit crashed it (signal 11)."""
    problem = {"language": "c", "tests": [{"stdin": "1000000\n", "stdout": "1000000"}]}
    completion = "```c\n" + DEEP_C + "```\n"
    assert VERIFIER.verify(problem, completion).reward == 1.0


def test_the_checker_starts_before_anything_of_the_candidates_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sandbox slow to start is an infrastructure fault (null): the candidate's module, which
    may start sixteen busy processes, must not run while the checker is starting."""
    modes: list[str] = []
    start = Sandbox.start

    def recording(self: Sandbox, config: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        modes.append(config["mode"])
        return start(self, config, *args, **kwargs)

    monkeypatch.setattr(Sandbox, "start", recording)
    assert VERIFIER.verify(DOUBLE_CHECK, fenced("def f(x):\n    return 2 * x")).reward == 1.0
    assert modes == ["check", "function"]


@pytest.mark.parametrize("separator", ["\u2028", "\x85", "\x1c", "\x0c"])
def test_a_string_literal_holding_a_unicode_line_separator_is_not_split(separator: str) -> None:
    """Python reads lines at LF, CRLF and CR only; `str.splitlines` also splits at these, and
    taking the block apart there broke a correct answer into a syntax error."""
    text = f"a{separator}b"
    problem = {"entry_point": "f", "tests": [{"input": [], "output": text}]}
    code = f"def f():\n    return '{text}'"
    assert VERIFIER.verify(problem, f"```python\n{code}\n```\n").reward == 1.0


PEEK_AFTER_A_CRASH = """
import gc, os
def f(x):
    if x == 0:
        os._exit(3)  # on purpose: the module is loaded again for the next call
    for obj in gc.get_objects():
        if type(obj).__name__ == "Channel" and b"[3]" in bytes(obj.buffer).replace(b" ", b""):
            return "peeked"
    return "alone"
"""


def test_a_module_loaded_again_after_a_crash_sees_no_later_input() -> None:
    """A worker forked again from the harness inherited its memory, which held the calls still
    waiting their turn: a crash on purpose bought a look at every later input."""
    tests = [{"input": [n], "output": "alone"} for n in range(4)]
    verdict = PARTIAL.verify({"entry_point": "f", "tests": tests}, fenced(PEEK_AFTER_A_CRASH))
    assert [t["status"] for t in verdict.info["tests"]] == ["crash", "passed", "passed", "passed"]


def test_a_class_as_the_entry_point_is_refused_not_scored_0() -> None:
    """`class Solution` with methods the test calls asks for objects, which cannot cross the
    boundary: the correct answer scored 0 like every other. The row is refused (null)."""
    prompt = "class Solution:\n    def twice(self, x: int) -> int:\n        '''Twice x.'''\n"
    right = fenced("class Solution:\n    def twice(self, x):\n        return 2 * x")
    for tests in (
        {"test": "def check(candidate):\n    assert candidate().twice(2) == 4\n"},
        {"tests": [{"input": [], "output": 4}]},
    ):
        verdict = VERIFIER.verify({"entry_point": "Solution", "prompt": prompt, **tests}, right)
        assert verdict.reward is None
        assert "is a class" in verdict.info["error"]


def test_an_exception_of_a_type_with_arguments_of_its_own_still_reaches_the_test() -> None:
    problem = {
        "entry_point": "f",
        "test": "def check(candidate):\n    for x in [1]:\n        try:\n            candidate(x)\n"
        "        except ValueError:\n            pass\n        else:\n            assert False\n",
    }
    for raised in ("b'\\xff'.decode()", "raise UnicodeDecodeError('utf-8', b'', 0, 1, 'no')"):
        assert VERIFIER.verify(problem, fenced(f"def f(x):\n    {raised}")).reward == 1.0
    zero(VERIFIER.verify(problem, fenced("def f(x):\n    return 1")))


def test_the_output_limit_holds_beyond_the_expected_output() -> None:
    """A test expecting more than the output limit (2e5 numbers are over a MiB) failed every
    correct answer; the limit now holds on what a program prints beyond the expected output."""
    small = CodeVerifier(timeout_s=2.0, output_kb=16)
    expected = "\n".join(str(i) for i in range(10_000)) + "\n"  # 49 KB
    problem = {"tests": [{"stdin": "10000\n", "stdout": expected}]}
    right = "n = int(input())\nprint('\\n'.join(map(str, range(n))))"
    assert small.verify(problem, fenced(right)).reward == 1.0
    verdict = small.verify(problem, fenced("print('x' * 200_000)"))
    zero(verdict)
    assert "printed more than" in str(verdict.info)
