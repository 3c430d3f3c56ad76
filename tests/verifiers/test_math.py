"""The math verifier, table-driven by case family, plus property tests for the parser."""

from __future__ import annotations

import pickle
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlvr.verdict import Verdict
from rlvr.verifiers.math import MathVerifier

VERIFIER = MathVerifier()


def score(gold: str, completion: str, **problem: str) -> Verdict:
    return VERIFIER.verify({"answer": gold, **problem}, completion)


def boxed(answer: str) -> str:
    return f"Some reasoning first. The final answer is $\\boxed{{{answer}}}$."


# (gold, boxed answer, expected reward), grouped by the family they test
EQUIVALENCE = {
    "integers": [
        ("42", "42", 1),
        ("42", "41", 0),
        ("-3", "-3", 1),
        ("-3", "3", 0),
        ("10^{100}+1", "10^{100}", 0),
        ("10^{100}+1", "10^{100}+1", 1),
        ("1000000", "1,000,000", 1),
        ("1000000", "1{,}000{,}000", 1),
        ("1000", "1\\,000", 1),
    ],
    "rationals": [
        ("\\frac{1}{2}", "0.5", 1),
        ("\\frac{1}{2}", "\\dfrac{1}{2}", 1),
        ("\\frac{1}{2}", "\\tfrac12", 1),
        ("\\frac{1}{2}", "2/4", 0),  # not in lowest terms: the division is left undone
        ("\\frac{1}{2^{99}}", "\\frac{1}{2^{98}}", 0),
        ("\\frac{1}{2^{99}}", "2^{-99}", 1),
        ("\\frac{1}{3}", "0.333", 0),  # an approximation: only with numeric_precision
        ("\\frac{1}{3}", "0.33", 0),
        ("\\frac{1}{3}", "0.3", 0),
        ("0.25", "\\frac{1}{4}", 1),
        ("0.25", "0.250", 1),
        ("0.25", "0.26", 0),
    ],
    "irrationals": [
        ("\\pi", "3.14", 0),
        ("\\pi", "3.1", 0),
        ("\\sqrt{2}", "1.414", 0),
        ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", 1),
        ("2\\sqrt{2}", "\\sqrt{8}", 1),
        ("1-\\frac{1}{e}", "1-\\frac{1}{\\mathrm{e}}", 1),
        ("1-\\frac{1}{e}", "1", 0),
        ("e^{2}", "\\exp(2)", 1),
        ("\\log_2 8", "3", 1),
    ],
    "symbolic": [
        ("x^2+2x+1", "(x+1)^2", 1),
        ("x^2+2x+1", "(x+1)^3", 0),
        ("\\sin^2 x + \\cos^2 x", "1", 1),
        ("2\\pi r", "2r\\pi", 1),
        ("2\\pi r", "\\pi r", 0),
        ("\\frac{x}{2}", "0.5x", 1),
        ("ab", "ba", 1),
        ("a+b", "a-b", 0),
    ],
    "sets_and_tuples": [
        ("\\{1, 2\\}", "2, 1", 1),
        ("\\{1, 2\\}", "\\{2, 1\\}", 1),
        ("\\{1, 2\\}", "1, 3", 0),
        ("1, 2", "\\{1,2\\}", 1),
        ("(1, 2)", "(1, 2)", 1),
        ("(1, 2)", "(2, 1)", 0),
        ("(1, 2)", "\\{1, 2\\}", 0),
        ("3 \\pm \\sqrt{2}", "3-\\sqrt2, 3+\\sqrt2", 1),
        ("5", "\\{5\\}", 1),
        ("x=1, y=2", "(1, 2)", 1),
    ],
    "intervals_and_inequalities": [
        ("(3, \\infty)", "x > 3", 1),
        ("(3, \\infty)", "3 < x", 1),
        ("(3, \\infty)", "x \\ge 3", 0),
        ("x > 3", "(3, \\infty)", 1),
        ("x > 3", "x < 3", 0),
        ("[1, 2)", "1 \\le x < 2", 1),
        ("[1, 2)", "[1, 2]", 0),
        ("(-\\infty, 1) \\cup (2, \\infty)", "(-\\infty,1)\\cup(2,\\infty)", 1),
        ("x \\in [1,2]", "[1,2]", 1),
        ("2x > 6", "x > 3", 1),
        ("2x > 6", "x < 3", 0),
    ],
    "equations": [
        ("x = 4", "4", 1),
        ("4", "x = 4", 1),
        ("x = 4", "x=5", 0),
        ("y = 2x + 1", "y=2x+1", 1),
        ("y = 2x + 1", "y = 3x + 1", 0),
        ("y = 2x + 1", "2x - y + 1 = 0", 1),
        ("x^2 + y^2 = 1", "2x^2 + 2y^2 = 2", 1),
        ("x^2 + y^2 = 1", "x^2 + y^2 = 2", 0),
    ],
    "matrices": [
        ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}", 1),
        ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&2\\\\4&3\\end{pmatrix}", 0),
        ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "\\begin{pmatrix}1&2\\end{pmatrix}", 0),
    ],
    "percent_degrees_units": [
        ("50", "50\\%", 0),  # 50% is 1/2 unless the question asks for a number of percent
        ("0.5", "50\\%", 1),
        ("50\\%", "50", 1),
        ("50", "0.5", 0),
        ("\\frac{\\pi}{6}", "30^\\circ", 1),
        ("30^\\circ", "30", 1),
        ("30^{\\circ}", "60", 0),
        ("5 \\text{ km}", "5\\text{ km}", 1),
        ("5 km", "5 m", 0),
        ("5 \\text{ km}", "5", 1),
        ("12 \\text{ cm}^2", "12 \\text{ m}^2", 0),
        ("3 hours", "3 hrs", 1),
    ],
    "text_and_choices": [
        ("B", "\\text{(B)}", 1),
        ("B", "(B)", 1),
        ("B", "C", 0),
        ("\\text{Monday}", "Monday", 1),
        ("\\text{Monday}", "\\text{Tuesday}", 0),
        ("\\text{no}", "\\text{No}", 1),
    ],
    "named_values_and_chains": [
        ("4", "AB = 4", 1),
        ("(3, 2)", "(p, q) = (3, 2)", 1),
        ("1", "f(x) = 1", 1),
        ("11", "x = 5 + 5 + 1 = 11", 1),
        ("x = 11", "x = 5+5+1 = 7 = 11", 0),  # a chain that states 7 and 11: a hedge
        ("x = 11", "x = 5+5+1 = 11", 1),
        ("\\frac{1}{3}", "x = 1/3 \\approx 0.33", 1),
        ("11", "x \\approx 11", 1),
        ("7:32", "S_{ABC}:S = 7:32", 1),
        ("x = 1, y = 2", "x = 2, y = 1", 0),
        ("x_1 = 2, x_2 = 3", "x_2 = 3, x_1 = 2", 1),
        ("x \\ne 3", "x != 3", 1),
        ("f(2) < f(1) < f(4)", "f(2) < f(1) < f(4)", 1),
        ("(0, 1)", "0 < f(x) < 1", 1),
        ("y = 2x + 1", "2x + 1", 0),
    ],
    "separators_and_commas": [
        ("1000.99", "1000,99", 1),
        ("0.111", "0,111", 1),
        ("1000", "1 000", 1),
        ("11111111100", "11,\\!111,\\!111,\\!100", 1),
        ("32349", "32, 349", 0),
        ("\\{1, 2\\}", "1,2", 1),
        ("\\{1, 2, 3\\}", "1 and 2 and 3", 1),
        ("\\{19, 46, 82\\}", "19, 46, \\text{ and } 82", 1),
        ("\\{1, 2\\}", "1, 1, 2", 1),
        ("\\{-2021, 2021\\}", "\\pm 2021", 1),
        ("\\{1, 2, 3\\}", "{1, 2, 3}", 1),
    ],
    "notation": [
        ("6 \\times 10^{23}", "6e23", 1),
        ("0.0015", "1.5 \\times 10^{-3}", 1),
        ("\\left( 1, 2 \\right)", "(1,2)", 1),
        ("\\$5", "5", 1),
        ("5", "\\displaystyle 5", 1),
        ("$\\frac{3}{4}$", "\\frac34", 1),
        ("-\\frac{1}{2}", "\\frac{-1}{2}", 1),
        ("|x-1|", "|1-x|", 1),
    ],
}

CASES = [
    pytest.param(gold, answer, expected, id=f"{family}: {gold} vs {answer}")
    for family, rows in EQUIVALENCE.items()
    for gold, answer, expected in rows
]


@pytest.mark.parametrize(("gold", "answer", "expected"), CASES)
def test_equivalence(gold: str, answer: str, expected: int) -> None:
    verdict = score(gold, boxed(answer))
    assert verdict.reward == expected, verdict.info


@pytest.mark.parametrize(
    ("completion", "status"),
    [
        ("The answer is 42.", "no_answer"),
        ("\\boxed{}", "empty_box"),
        ("\\boxed{ }", "empty_box"),
        ("\\boxed{42} or maybe \\boxed{41}", "hedged"),
        ("\\boxed{41}", "wrong"),
        ("\\boxed{1-\\frac{1}{\\mathrm{e}}x)}", "unparseable"),
        ("<think>it is \\boxed{42}", "no_answer"),
        ("\\boxed{42", "no_answer"),
    ],
)
def test_strict_failures_say_why(completion: str, status: str) -> None:
    verdict = score("42", completion)
    assert verdict.reward == 0
    assert verdict.info["status"] == status


def test_repeated_equal_boxes_are_not_hedging() -> None:
    assert score("42", "\\boxed{42}. So again: \\boxed{42.0}").reward == 1


def test_reasoning_section_is_skipped() -> None:
    completion = "<think>try \\boxed{41}, no, \\boxed{40}</think>So \\boxed{42}."
    verdict = score("42", completion)
    assert verdict.reward == 1
    assert verdict.info["extracted"] == "42"


def test_custom_reasoning_delimiter() -> None:
    verifier = MathVerifier(reasoning_close=["<|end_of_thought|>"])
    completion = "\\boxed{41} hmm <|end_of_thought|> \\boxed{42}"
    assert verifier.verify({"answer": "42"}, completion).reward == 1


@pytest.mark.parametrize(
    ("completion", "expected", "how"),
    [
        ("So the answer is 42.", 1, "answer is"),
        ("The answer is: $\\frac{1}{2}$", 0, "answer is"),
        ("Answer: 42", 1, "answer:"),
        ("We get 40, then 42", 1, "last number"),
        ("It costs $1,234.", 0, "last number"),
        ("\\boxed{42} even if the answer is 41", 1, "boxed"),
        ("no idea", 0, "none"),
    ],
)
def test_lenient_extraction(completion: str, expected: int, how: str) -> None:
    verdict = score("42", completion, mode="lenient")
    assert verdict.reward == expected
    assert verdict.info["how"] == how


@pytest.mark.parametrize(
    ("completion", "expected", "how"),
    [
        ("\\frac{84}{2}", 0, "whole text"),  # a division left undone
        ("\\frac{84}{1} - 42", 0, "whole text"),
        ("$(1, 4.5)$", 0, "whole text"),
        ("Final Answer: The largest $n$ is 42.", 1, "answer:"),
        ("we get $x = 40$ and then 42", 1, "last number"),
        ("we get 40 and then $42$", 1, "last math span"),
        ("so $x$ is \\(42\\)", 1, "last math span"),
        ("AZYUK42A", 0, "none"),
        ("\\boxed{40} and \\boxed{2}", 0, "boxed"),
    ],
)
def test_lenient_extraction_of_free_text(completion: str, expected: int, how: str) -> None:
    verdict = score("42", completion, mode="lenient")
    assert (verdict.reward, verdict.info["how"]) == (expected, how), verdict.info


def test_lenient_reads_several_boxes_as_one_list_and_strict_calls_it_hedging() -> None:
    completion = "The roots are \\boxed{1} and \\boxed{2}."
    assert score("\\{1, 2\\}", completion, mode="lenient").reward == 1
    assert score("\\{1, 2\\}", completion).info["status"] == "hedged"


def test_a_gold_given_as_a_worked_solution_is_read_from_its_box() -> None:
    gold = "Adding, we get $3 + 4 = \\boxed{7}$."
    assert score(gold, "\\boxed{7}").reward == 1
    assert score(gold, "\\boxed{3}").reward == 0


def test_row_mode_overrides_verifier_mode() -> None:
    lenient = MathVerifier(mode="lenient")
    assert lenient.verify({"answer": "42"}, "the answer is 42").reward == 1
    assert lenient.verify({"answer": "42", "mode": "strict"}, "the answer is 42").reward == 0


def test_bad_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="mode"):
        MathVerifier(mode="fuzzy")
    assert score("42", "\\boxed{42}", mode="fuzzy").reward is None


HOSTILE = [
    "2^{2^{2^{2^{2^2}}}}",
    "9^{9^{9^{9}}}",
    "100000!",
    "(10^{10000})^{10000}",
    "\\binom{10^{9}}{5}",
    "\\binom{100000}{50000}",
    "1000! \\cdot 1000!",
    "10^{-5000}",
    "+".join(["1"] * 20000),
    "{" * 5000 + "1" + "}" * 5000,
    "(" * 5000 + "1" + ")" * 5000,
    "-" * 5000 + "1",
    "\\sqrt{" * 500 + "2" + "}" * 500,
    "x^{10^{6}}",
    "10^{10^{10}}",
]


@pytest.mark.parametrize("answer", HOSTILE, ids=lambda a: a[:30])
def test_hostile_answers_score_zero_fast(answer: str) -> None:
    started = time.monotonic()
    verdict = score("2", f"\\boxed{{{answer}}}")
    assert verdict.reward == 0
    assert verdict.info["status"] in ("too_large", "unparseable", "wrong"), verdict.info
    assert time.monotonic() - started < 5  # a bound against hangs, not a speed claim


def test_gold_that_does_not_parse_is_compared_as_text() -> None:
    verdict = score("\\text{the empty set}\\$", "\\boxed{\\text{the empty set}\\$}")
    assert verdict.reward == 1


def test_examples_are_honoured_and_verifier_pickles() -> None:
    verifier = pickle.loads(pickle.dumps(VERIFIER))
    for problem, completion, expected in verifier.examples():
        assert verifier.verify(problem, completion).reward == expected, (problem, completion)


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A rational gold and the same number written another way, in lowest terms (an answer
    that is not is arithmetic left undone)."""
    numerator = draw(st.integers(-(10**12), 10**12))
    denominator = draw(st.integers(2, 10**6))
    gold = f"\\frac{{{numerator}}}{{{denominator}}}"
    value = Fraction(numerator, denominator)
    if value.denominator == 1:
        return gold, str(value.numerator)
    style = draw(st.sampled_from(["frac", "slash", "dfrac", "paren"]))
    sign = "-" if value < 0 else ""
    magnitude, lowest = abs(value.numerator), value.denominator
    written = {
        "frac": f"{sign}\\frac{{{magnitude}}}{{{lowest}}}",
        "slash": f"{value.numerator}/{lowest}",
        "dfrac": f"{sign}\\dfrac{{{magnitude}}}{{{lowest}}}",
        "paren": f"\\left({value.numerator}\\right)/\\left({lowest}\\right)",
    }[style]
    return gold, written


@settings(max_examples=150, deadline=None)
@given(written_numbers())
def test_rationals_written_many_ways_are_equal(pair: tuple[str, str]) -> None:
    gold, written = pair
    assert score(gold, boxed(written)).reward == 1


@settings(max_examples=150, deadline=None)
@given(st.integers(-(10**30), 10**30), st.integers(1, 10**6))
def test_an_integer_off_by_a_little_is_wrong(value: int, delta: int) -> None:
    assert score(str(value), boxed(str(value + delta))).reward == 0


PIECES = [
    *"0123456789+-*/^_{}()[]\\,.=<>|!%$ xyzeπ√°&",
    "\\frac",
    "\\sqrt",
    "\\pi",
    "\\left",
    "\\right",
    "\\boxed",
    "\\text",
    "\\begin{pmatrix}",
    "\\end{pmatrix}",
    "\\\\",
    "\\infty",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_no_input_crashes_the_verifier(answer: str) -> None:
    for mode in ("strict", "lenient"):
        verdict = VERIFIER.verify({"answer": "1", "mode": mode}, boxed(answer))
        assert verdict.reward in (0.0, 1.0)
        verdict = VERIFIER.verify({"answer": answer or "0", "mode": mode}, "\\boxed{1}")
        assert verdict.reward in (0.0, 1.0)


INEQUALITY_TERMS = ["x", "|x|", "|x - 1|", "2x + 1", "x^2", "3", "-2", "\\frac{1}{2}", "\\infty"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(INEQUALITY_TERMS), min_size=2, max_size=4),
    st.lists(st.sampled_from(["<", "\\le", ">", "\\ge", "=", "\\ne"]), min_size=3, max_size=3),
)
def test_no_inequality_chain_crashes_the_verifier(terms: list[str], ops: list[str]) -> None:
    chain = terms[0] + "".join(f" {op} {term}" for op, term in zip(ops, terms[1:], strict=False))
    for gold in ("(2, 4)", "(-\\infty, 0] \\cup [1, 2)"):
        assert score(gold, boxed(chain)).reward in (0.0, 1.0)


# Notation Math-Verify's own test cases use that rlvr did not read before (issue 19)
@pytest.mark.parametrize(
    ("gold", "completion", "expected"),
    [
        (
            "F_n = \\sum_{k=0}^{n-1} F_k F_{n-k-1}",
            "$F_n = \\sum_{k=0}^{n-1} F_{n-k-1} F_k$",
            1,
        ),
        ("F_n = \\sum_{k=0}^{n-1} F_k", "$F_n = \\sum_{k=1}^{n-1} F_k$", 0),
        ("1\\leq|z|\\leq \\frac{3}{2}", "$z \\in [-\\frac{3}{2}, -1] \\cup [1, \\frac{3}{2}]$", 1),
        ("1\\leq|z|\\leq \\frac{3}{2}", "$z \\in [1, \\frac{3}{2}]$", 0),
        ("p=5,q=2;p=7,q=2", "$(5,2),(7,2)$", 1),
        ("p=5,q=2;p=7,q=2", "$(5,2),(2,7)$", 0),
        ("p=5,q=2;p=7,q=2", "$p=5, q=2 \\text{ or } p=7, q=2$", 1),  # "or" between solutions
        ("p=5,q=2;p=7,q=2", "$p=5, q=2 \\text{ or } p=2, q=7$", 0),
        ("p=5,q=2", "$p=5, q=2 \\text{ or } p=7, q=2$", 0),
        ("p=5,q=2;p=7,q=2", "$(p, q) \\in \\{(5,2),(7,2)\\}$", 1),
        ("p=5,q=2;p=7,q=2", "$(p, q) \\in \\{(5,2)\\}$", 0),
        # an inequality in a linear expression of one variable, or of its size, is a set
        ("[-1, 3]", "$|x - 1| \\le 2$", 1),
        ("(-1, 3)", "$|x - 1| \\le 2$", 0),
        ("(-\\infty, -1) \\cup (3, \\infty)", "$|x - 1| > 2$", 1),
        ("(1, 2) \\cup (4, 5)", "$1 < |x - 3| < 2$", 1),
        ("(3, \\infty)", "$2x + 1 > 7$", 1),
        ("x > 3", "$x^2 > 9$", 0),  # not the same set
        # a quantity's name before its expression: the expression answers
        ("\\pi r^2", "$A = \\pi r^2$", 1),
        ("2x + 1", "$y = 2x + 1$", 1),
        ("2x + 1", "$x = 2x + 1$", 0),  # an equation in x, not a name for 2x + 1
        ("y = 2x + 1", "$2x + 1$", 0),  # an expression does not answer an equation
        # the name written before a box belongs to its answer
        ("y = 2x + 1", "So $y = \\boxed{2x + 1}$.", 1),
        ("2x + 1", "So $y = \\boxed{2x + 1}$. Again: $\\boxed{2x + 1}$.", 1),
        (
            "y_{1}=-2 x^{2}+4 x+3, y_{2}=3 x^{2}+12 x+10",
            "\\(y_1 = \\boxed{-2(x - 1)^2 + 5}\\) and \\(y_2 = \\boxed{3(x + 2)^2 - 2}\\)",
            1,
        ),
        (
            "y_{1}=-2 x^{2}+4 x+3, y_{2}=3 x^{2}+12 x+10",
            "\\(y_1 = \\boxed{-2(x - 1)^2 + 6}\\) and \\(y_2 = \\boxed{3(x + 2)^2 - 2}\\)",
            0,
        ),
        ("y_{1}=-2 x^{2}+4 x+3", "\\(y_2 = \\boxed{-2(x - 1)^2 + 5}\\)", 0),  # another name
        ("2-2p", "Thus $x-p=\\boxed{2-2p}$.", 1),  # the box holds x - p's value, not p's
        ("2-2p", "Thus $x - p = \\boxed{2 - 2p}$.", 1),
        # matrix arithmetic is read; of numbers, it is left undone (test_math_adversarial.py)
        (
            "\\begin{pmatrix}2x & 4 \\\\ 6 & 8\\end{pmatrix}",
            "$2\\begin{pmatrix}x & 2 \\\\ 3 & 4\\end{pmatrix}$",
            1,
        ),
        ("18.90", "So the total is $\\$18.90$.", 1),
        ("\\frac{5}{2}", "$2\\frac{1}{2}$", 1),
        ("(2, 12) \\cup (12, 102)", "$x \\in (2,12) \\cup (12,102)$", 1),
        ("10455", "\\boxed{200} then \\boxed{255}. Final Answer: The final answer is $10,455$.", 1),
        # sums: the index is a bound name, a finite sum of a polynomial has its value
        ("\\sum_{k=1}^{n} k^2", "$\\sum_{j=1}^{n} j^2$", 1),
        ("\\sum_{k=1}^{n} k^2", "$\\sum_{i=1}^{n} i^2$", 1),  # `i` is the index, not sqrt(-1)
        ("\\sum_{k=1}^{n} k^2", "$\\sum_{j=0}^{n} j^3$", 0),
        ("\\sum_{i=1}^{n}\\sum_{j=1}^{i} j", "$\\sum_{a=1}^{n}\\sum_{b=1}^{a} b$", 1),
        ("\\sum_{i=1}^{n}\\sum_{j=1}^{i} j", "$\\sum_{a=1}^{n}\\sum_{b=1}^{a} a$", 0),
        ("\\sum_{k=1}^{10} k", "$55$", 1),  # the gold's own sum, computed
        ("\\sum_{k=1}^{10} k", "$56$", 0),
        ("\\prod_{k=1}^{5} k", "$120$", 1),
        # `\\$` in a math span is a dollar sign, also at its end
        ("10/9", "Answer $ \\frac{10}{9} \\$ $", 1),
        ("18.90", "The total is $18.90\\$$.", 1),
        # mixed numbers in plain text, as Math-Verify's newer tests write them
        ("\\frac{40}{9}", "The answer is 4 4/9.", 1),
        ("-\\frac{40}{9}", "$-4 4/9$", 1),
        ("\\frac{9004}{9}", "$1 000 4/9$", 1),
        ("4", "The answer is 4 4/9.", 0),  # not its whole part
        ("\\frac{40}{900}", "$4 4/9\\%$", 1),  # the percent applies to the whole number
        ("\\frac{16}{900}", "$4\\frac{4}{9}\\%$", 0),
        ("\\frac{103}{9}", "$11.0 4/9$", 0),  # no mixed number after a decimal
        ("\\frac{103}{9}", "$(11) 4/9$", 0),
        ("\\frac{139}{90}", "$11/10 4/9$", 0),
        ("\\frac{71}{6}", "11\n5/6", 0),  # nor across a line break
        ("\\frac{73}{6}", "$11 7/6$", 0),  # an improper fraction is no mixed number
        ("\\frac{4}{9}", "$0 4/9$", 0),
        ("4", "$4 0/9$", 0),
        # TeX braces do not print: `{1,3}` is the list 1, 3; a bare list is no interval
        ("(1,3)", "${1,3}$", 1),
        ("(1,3)", "${3,1}$", 0),
        ("\\{1,3\\}", "${3,1}$", 1),
        ("[1,3]", "$1, 3$", 0),
        ("[1,3)", "$1, 3$", 0),
        ("4", "$4 4/0$", 0),
        # thousands set apart by `{, }`, read whole (not as their last group)
        ("14916", "Final Answer: The final answer is $14 {, }916$. I hope it is correct.", 1),
        ("916", "Final Answer: The final answer is $14 {, }916$. I hope it is correct.", 0),
        # a gold given as a worked solution without a box: its stated final answer
        (
            "Adding, $10 + 18 = 28$. Final Answer: The final answer is $28$. I hope it is correct.",
            "\\boxed{28}",
            1,
        ),
        (
            "Adding, $10 + 18 = 28$. Final Answer: The final answer is $28$. I hope it is correct.",
            "\\boxed{18}",
            0,
        ),
    ],
)
def test_notation_gaps_of_issue_19(gold: str, completion: str, expected: int) -> None:
    assert score(gold, completion, mode="lenient").reward == expected
