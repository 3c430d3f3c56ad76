"""The math verifier against a reward-maximising policy (issue 24): each class of attack, table
by table, then the same attacks generated on the math environment's own problems."""

from __future__ import annotations

import random
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlvr.environments.math import MathEnvironment
from rlvr.environments.math_problems import FAMILIES
from rlvr.verdict import Verdict
from rlvr.verifiers.math import MathVerifier

VERIFIER = MathVerifier()


def score(gold: str, completion: str, **problem: object) -> Verdict:
    return VERIFIER.verify({"answer": gold, **problem}, completion)


def boxed(answer: str) -> str:
    return f"Let me work it out. The final answer is $\\boxed{{{answer}}}$."


# 1. A written precision describes a literal that is itself the answer, never an expression
PRECISION_LENDING = [
    ("141", "\\pi + 0 \\cdot 1.00e99"),
    ("\\frac{3}{7}", "\\pi + 0 \\cdot 1.00e99"),
    ("-12", "\\pi + 0 \\cdot 1.00e99"),
    ("\\{1, 2\\}", "\\{\\pi + 0 \\cdot 1.00e99\\}"),
    ("(1, 2)", "(\\pi + 0 \\cdot 1.0e99, \\pi + 0 \\cdot 1.0e99)"),
    ("141", "1.00e2\\sqrt{2}"),
    ("141", "100.\\sqrt{2}"),
    ("100\\sqrt{2}", "1.41e2"),  # an approximation: by default no exact answer
    ("\\pi", "3.14"),  # an approximation, by default not an exact answer
    ("\\frac{1}{3}", "0.333"),
    ("\\pi", "3.14 + 0 \\cdot x"),
]


@pytest.mark.parametrize(("gold", "answer"), PRECISION_LENDING)
def test_a_written_precision_is_lent_to_nothing(gold: str, answer: str) -> None:
    assert score(gold, boxed(answer)).reward == 0


@pytest.mark.parametrize(
    ("gold", "answer", "option", "expected"),
    [
        ("\\pi", "3.14", True, 1),
        ("\\pi", "3.1", True, 0),  # two significant digits are not enough
        ("\\pi", "3.14", 4, 0),  # the row asks for four
        ("\\pi", "3.142", 4, 1),
        ("\\frac{1}{3}", "0.333", True, 1),
        ("\\pi", "\\pi + 0 \\cdot 1.00e99", True, 0),
        ("141", "1.00e2\\sqrt{2}", True, 0),
        ("\\sqrt{2}", "(1.414, 1)", True, 0),
        ("(\\sqrt{2}, 1)", "(1.414, 1)", True, 1),
    ],
)
def test_numeric_precision_opts_into_approximations_of_a_literal(
    gold: str, answer: str, option: object, expected: int
) -> None:
    assert score(gold, boxed(answer), numeric_precision=option).reward == expected
    tolerant = MathVerifier(numeric_precision=option)  # type: ignore[arg-type]
    assert tolerant.verify({"answer": gold}, boxed(answer)).reward == expected


def test_a_bad_numeric_precision_is_a_row_error() -> None:
    assert score("1", boxed("1"), numeric_precision="lots").reward is None
    with pytest.raises(ValueError, match="significant digits"):
        MathVerifier(numeric_precision=-1)


# 2. Boxing the question: arithmetic left undone where the gold is a number
UNDONE = [
    ("7154", "3146 + 4008"),
    ("38164", "812 \\times 47"),
    ("576", "40\\% \\cdot 1440"),
    ("576", "0.4 \\cdot 1440"),
    ("364", "\\binom{14}{3}"),
    ("3024", "9 \\cdot 8 \\cdot 7 \\cdot 6"),
    ("3024", "\\frac{9!}{5!}"),
    ("120", "5!"),
    ("17", "\\sqrt{289}"),
    ("3", "\\log_2 8"),
    ("1024", "2^{10}"),
    ("12", "\\frac{144}{12}"),
    ("12", "144 \\div 12"),
    ("\\frac{3}{4}", "\\frac{6}{8}"),
    ("\\frac{1}{2}", "2/4"),
    ("-\\frac{1}{12}", "\\frac{3}{4} - \\frac{5}{6}"),
    ("7154", "x = 3146 + 4008"),
    ("7154", "(3146 + 4008)"),
    ("7154", "7154 + 0"),
    ("7154", "7154 \\cdot 1"),
    ("7154", "7.154 \\cdot 1000"),
    ("300000", "3 \\cdot 100000"),
    ("4", "\\sqrt{2} \\cdot \\sqrt{8}"),  # a rational value is written as one
    ("2", "e^{\\ln 2}"),
    ("\\frac{1}{2}", "\\sin(\\pi/6)"),
    ("5", "\\pi - \\pi + 5"),
    ("7154", "3146 + x + 4008 - x"),  # a variable that cancels
    ("7154", "3146 + 4008 (\\sin^2 x + \\cos^2 x)"),  # a number is asked for
    ("7154", "\\frac{7154 x}{x}"),
    ("(2, -1)", "(\\frac{7 \\cdot 3 - 5}{8}, -1)"),  # Cramer's rule with the numbers in
    ("(x, y) = (2, -1)", "(x, y) = (4/2, -1)"),
    ("11", "|{-11}|"),  # sympy takes an absolute value at once: it must still count as undone
    ("5", "\\left|3 - 8\\right|"),
    ("5", "\\lvert -5 \\rvert"),
    ("5", "|3 + 4i|"),
    ("5", "-(-5)"),  # a negation of a negative number
    ("5", "--5"),
]


@pytest.mark.parametrize(("gold", "answer"), UNDONE)
def test_arithmetic_left_undone_is_not_an_answer(gold: str, answer: str) -> None:
    verdict = score(gold, boxed(answer))
    assert (verdict.reward, verdict.info["status"]) == (0, "not_computed"), verdict.info
    assert "undone" in verdict.info["reason"] or "variables" in verdict.info["reason"]


COMPUTED = [
    ("\\frac{3}{4}", "\\frac{3}{4}"),
    ("\\frac{3}{4}", "0.75"),
    ("2\\sqrt{3}", "2\\sqrt{3}"),
    ("2\\sqrt{3}", "\\sqrt{12}"),  # a root left unsimplified is still a computed value
    ("\\frac{\\pi}{2}", "\\pi/2"),
    ("-5", "-5"),
    ("-5", "-(5)"),
    ("|x - 1|", "|1 - x|"),
    ("300000", "3 \\cdot 10^5"),  # scientific notation of an exact value
    ("300000", "3 \\times 10^{5}"),
    ("0.0015", "1.5 \\times 10^{-3}"),
    ("0.0015", "1.5e-3"),
    ("1000000", "10^6"),
    ("e^{2}", "e^2"),
    ("\\frac{5}{2}", "2\\frac{1}{2}"),  # a mixed number
    ("-\\frac{5}{2}", "-2\\frac{1}{2}"),
    ("7154", "x = 3146 + 4008 = 7154"),  # the work, then the value
    ("\\frac{1}{2^{99}}", "2^{-99}"),  # too long to write out
    ("2^{10}", "4^5"),  # the gold itself is written as a power
    ("50\\%", "50\\%"),
    ("1 + \\sqrt{5}", "\\sqrt{5} + 1"),
    ("\\frac{1 + \\sqrt{5}}{2}", "\\frac{1}{2} + \\frac{\\sqrt{5}}{2}"),
    ("\\{4, 8\\}", "\\frac{12 \\pm \\sqrt{16}}{2}"),  # a set may be given by its formula
]


# The notation read since issue 19, each with what a policy could do with it: the question's
# own arithmetic written in the new notation is still arithmetic left undone
MATRIX_1234 = "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}"
MATRIX_A_PLUS_B = MATRIX_1234 + " + \\begin{pmatrix}5 & 6 \\\\ 7 & 8\\end{pmatrix}"
NOTATION_UNDONE = [
    ("\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pmatrix}", MATRIX_A_PLUS_B),
    (
        "\\begin{pmatrix}7 & 10 \\\\ 15 & 22\\end{pmatrix}",
        MATRIX_1234 + MATRIX_1234,
    ),
    (
        "\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pmatrix}",
        "2\\begin{pmatrix}3 & 4 \\\\ 5 & 6\\end{pmatrix}",
    ),
    (
        "\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pmatrix}",
        "\\begin{pmatrix}1 + 5 & 8 \\\\ 10 & 12\\end{pmatrix}",
    ),
    (
        "\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}",
        "\\frac{1}{3}\\begin{pmatrix}3 \\\\ 6\\end{pmatrix}",
    ),
    ("55", "\\sum_{k=1}^{10} k"),
    ("55", "\\sum_{i=1}^{10} i"),
    ("3628800", "\\prod_{k=1}^{10} k"),
    ("385", "\\sum_{k=1}^{10} k^2"),
    ("\\frac{99}{100}", "\\sum_{k=1}^{99} \\frac{1}{k(k+1)}"),
    ("(55, 10)", "(\\sum_{k=1}^{10} k, 10)"),
    ("11", "11 6/6"),  # a fraction equal to one is no mixed number's part
    ("\\frac{77}{6}", "11 7/6"),  # read as the product it is
]


@pytest.mark.parametrize(("gold", "answer"), NOTATION_UNDONE)
def test_new_notation_does_not_hide_arithmetic_left_undone(gold: str, answer: str) -> None:
    verdict = score(gold, boxed(answer))
    assert (verdict.reward, verdict.info["status"]) == (0, "not_computed"), verdict.info


@pytest.mark.parametrize(
    ("gold", "answer"),
    [
        # the same notation where the gold is written that way, or has variables: answers
        (MATRIX_A_PLUS_B, "\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pmatrix}"),
        (
            "\\begin{pmatrix}2x & 4 \\\\ 6 & 8\\end{pmatrix}",
            "2\\begin{pmatrix}x & 2 \\\\ 3 & 4\\end{pmatrix}",
        ),
        ("\\sum_{k=1}^{10} k", "55"),
        ("\\sum_{k=1}^{99} \\frac{1}{k(k+1)}", "\\frac{99}{100}"),
        ("\\sum_{k=1}^{n} k", "\\sum_{j=1}^{n} j"),
        ("\\frac{5}{2}", "2 1/2"),
        ("-\\frac{5}{2}", "-2\\frac{1}{2}"),
    ],
)
def test_new_notation_in_its_computed_forms_is_an_answer(gold: str, answer: str) -> None:
    verdict = score(gold, boxed(answer))
    assert verdict.reward == 1, verdict.info


@pytest.mark.parametrize(
    ("gold", "answer", "prompt"),
    [
        # a definition states its right side, which is judged as a bare answer would be
        ("-3x^{2} + 17 x - 10", "f(x) = (3x - 2)(-x + 5)", "Expand $(3x-2)(-x+5)$."),
        ("-3x^{2} + 17 x - 10", "y = (3x - 2)(-x + 5)", "Expand $(3x-2)(-x+5)$."),
        ("(x - 6)(x + 3)", "y = x^2 - 3x - 18", "Factor $x^2 - 3x - 18$."),
        ("7154", "f(x) = 3146 + 4008(\\sin^2 x + \\cos^2 x)", "What is $3146 + 4008$?"),
        ("7154", "y = 3146 + 4008(\\sin^2 x + \\cos^2 x)", "What is $3146 + 4008$?"),
        ("7154", "y = 3146 + 4008", "What is $3146 + 4008$?"),
    ],
)
def test_a_named_answer_hides_nothing(gold: str, answer: str, prompt: str) -> None:
    verdict = score(gold, boxed(answer), prompt=prompt)
    assert (verdict.reward, verdict.info["status"]) == (0, "not_computed"), verdict.info
    name, _, right = answer.partition(" = ")  # the name outside the box: the same
    verdict = score(gold, f"So ${name} = \\boxed{{{right}}}$.", prompt=prompt)
    assert (verdict.reward, verdict.info["status"]) == (0, "not_computed"), verdict.info


@pytest.mark.parametrize(
    "completion",
    [
        "$x = \\boxed{5}$ and $x = \\boxed{6}$",  # a named box still hedges with another
        "$x = \\boxed{6}$, that is $\\boxed{5}$",
        "So \\boxed{50} and \\boxed{50\\%}",  # two readings of one number, not one answer
    ],
)
def test_named_boxes_do_not_make_disagreeing_boxes_agree(completion: str) -> None:
    gold = "0.5" if "%" in completion else "5"
    verdict = score(gold, completion)
    assert (verdict.reward, verdict.info["status"]) == (0, "hedged"), verdict.info


@pytest.mark.parametrize(
    ("gold", "completion", "mode"),
    [
        ("\\frac{n(n+1)}{2}", boxed("\\sum_{k=1}^{n} k"), "strict"),  # a sum is not its closed form
        ("1", boxed("2\\frac{1}{2}"), "strict"),  # a mixed number, never a product
        ("1", boxed("2 1/2"), "strict"),
        ("\\frac{5}{2}", boxed("2\\frac{2}{4}"), "strict"),
        (
            "\\frac{10}{9}",
            "Answer $ \\frac{1}{2} \\$ = \\frac{10}{9} $",
            "lenient",
        ),  # a false equation
        ("\\frac{10}{9}", "Answer $\\frac{10}{9} \\$ or \\$ \\frac{1}{2}$", "lenient"),
        ("916", "The final answer is $14 {, }916$.", "lenient"),  # no partial read
    ],
)
def test_new_notation_pays_nothing_else(gold: str, completion: str, mode: str) -> None:
    assert score(gold, completion, mode=mode).reward == 0


@pytest.mark.parametrize(
    "answer",
    [
        "\\sum_{k=1}^{1000} k^{10000}",  # sized before it is computed
        "\\prod_{k=1}^{1000} k^{10}",
        "\\prod_{k=1}^{1000} (10^{3999} + k)",
        "\\sum_{k=10^{3990}}^{10^{3990} + 999} k^{1000}",
        "\\sum_{k=1}^{1000} \\frac{1}{k^{1000}}",  # its denominators outgrow the bound
        "\\sum_{k=1}^{1000} \\frac{1}{k^{1000} + 7}",
    ],
)
def test_big_operators_are_refused_or_kept_as_forms_before_they_are_built(answer: str) -> None:
    started = time.monotonic()
    verdict = score("1", boxed(answer))
    assert verdict.reward == 0
    assert verdict.info["status"] in ("too_large", "wrong"), verdict.info
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(("gold", "answer"), COMPUTED)
def test_exact_forms_of_a_computed_answer_are_answers(gold: str, answer: str) -> None:
    assert score(gold, boxed(answer)).reward == 1


@pytest.mark.parametrize(
    ("prompt", "gold"),
    [
        ("Expand $\\left(3 x - 2\\right) \\left(- x + 5\\right)$.", "-3x^2 + 17x - 10"),
        ("Factor $x^{2} - 3 x - 18$ completely.", "\\left(x - 6\\right) \\left(x + 3\\right)"),
    ],
)
def test_restating_the_question_is_not_an_answer(prompt: str, gold: str) -> None:
    expression = re.search(r"\$(.+?)\$", prompt)
    assert expression
    question = expression.group(1)
    reordered = {
        "Expand": [
            "(-x + 5)(3x - 2)",
            "-(3x - 2)(x - 5)",
            "(2 - 3x)(x - 5)",
            "(3x - 2)(-x + 5) + (x + 1)^2 - x^2 - 2x - 1",
        ],
        "Factor": ["-18 - 3x + x^2", "x^2 - 18 - 3x", "x(x - 3) - 18", "(x - 3)^2 + 3x - 27"],
    }[prompt.split(maxsplit=1)[0]]
    for restated in [question, *reordered]:
        verdict = score(gold, boxed(restated), prompt=prompt)
        assert verdict.info["status"] == "not_computed", (restated, verdict.info)
        assert verdict.reward == 0
        assert score(gold, boxed(restated)).reward == 1  # without the question: its value
    assert score(gold, boxed(gold), prompt=prompt).reward == 1


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 10**6), st.integers(2, 10**6), st.sampled_from(["+", "-", "\\times"]))
def test_any_sum_or_product_of_two_numbers_is_undone(a: int, b: int, op: str) -> None:
    value = {"+": a + b, "-": a - b, "\\times": a * b}[op]
    assert score(str(value), boxed(f"{a} {op} {b}")).reward == 0
    assert score(str(value), boxed(str(value))).reward == 1


# 3. Hedges that look like one value
HEDGES = [
    ("3", "\\boxed{x = 2 = 3}", "strict"),
    ("3", "\\boxed{2 = 3}", "strict"),
    ("7154", "\\boxed{3146 + 4008 = 3146 + 4008}", "strict"),
    ("5", "\\boxed{5 \\text{ or 6}}", "strict"),
    ("5", "\\boxed{5 \\text{ or } 6}", "strict"),
    ("0.5", "\\boxed{0.5\\%}", "strict"),
    ("50", "\\boxed{5000\\%^\\circ}", "strict"),
    ("30^\\circ", "\\boxed{30 \\text{ rad}}", "strict"),
    ("42", "either 41 or 42", "lenient"),
    ("42", "$41$ or $42$", "lenient"),
    ("42", "It is 41, or maybe 42", "lenient"),
    ("42", "1. 40\n2. 41\n3. 42", "lenient"),
    ("42", "- $40$\n- $41$\n- $42$", "lenient"),
    ("42", "The answer is 41 or 42.", "lenient"),
    ("42", "The answer is 41. Hmm, no: the answer is 42.", "lenient"),
    ("42", "Answer: 40\nAnswer: 42", "lenient"),
]


@pytest.mark.parametrize(("gold", "completion", "mode"), HEDGES)
def test_hedges_score_zero(gold: str, completion: str, mode: str) -> None:
    assert score(gold, completion, mode=mode).reward == 0


@pytest.mark.parametrize(
    ("gold", "completion", "prompt", "expected"),
    [
        ("12.5", "\\boxed{12.5\\%}", "What percent of $200$ is $25$?", 1),
        ("12.5", "\\boxed{12.5\\%}", "What is $25$ out of $200$ as a fraction?", 0),
        ("51", "\\boxed{51\\%}", "What is $15\\%$ of $340$?", 0),
        ("\\frac{1}{2}", "\\boxed{50\\%}", "", 1),
        ("50\\%", "\\boxed{0.5}", "", 1),
        ("50\\%", "\\boxed{50}", "", 1),
        ("\\frac{\\pi}{6}", "\\boxed{30^\\circ}", "", 1),
        ("30", "\\boxed{30^\\circ}", "", 1),
        ("30", "\\boxed{30 \\text{ degrees}}", "", 1),
        ("\\frac{\\pi}{6}", "\\boxed{\\frac{\\pi}{6} \\text{ rad}}", "", 1),
    ],
)
def test_a_mark_has_the_one_reading_the_question_gives_it(
    gold: str, completion: str, prompt: str, expected: int
) -> None:
    assert score(gold, completion, prompt=prompt).reward == expected


@pytest.mark.parametrize(
    "completion",
    [
        "1. First, 6 x 7 = 42\n2. So the total is 42",
        "We get 40 + 2 = 42",
        "so $x = 42$",
        "The answer is 42. Indeed, the answer is 42.0.",
        "\\boxed{40} and \\boxed{2} add up. Final Answer: The final answer is $42$.",
    ],
)
def test_lenient_answers_that_are_not_hedges(completion: str) -> None:
    assert score("42", completion, mode="lenient").reward == 1


def test_unboxed_credit_does_not_pay_a_hedge() -> None:
    shaping = MathVerifier(unboxed_credit=0.5)
    assert shaping.verify({"answer": "42"}, "either 41 or 42").reward == 0
    assert shaping.verify({"answer": "42"}, "It is 42.").reward == 0.5


# 4. Crashes and hangs are a quick 0
CRASHES = [
    ("(2, 4)", "\\boxed{3 < x < 1}"),  # an empty set raised in sympy (reward null)
    ("1", "\\boxed{(x_}"),  # a subscript at the end read past the tokens (reward null)
    ("1", "\\boxed{\\sum_{k=1}^{5}x_}"),
    ("(2, 4)", "\\boxed{1 < |x - 3| < 1}"),
    ("(2, 4) \\cup (5, 6)", "\\boxed{x > 3, 3 < x < 1}"),
    ("(3, 4)", "\\boxed{(1, 2) = (3, 4)}"),
    ("(3, 4)", "\\boxed{(3, 4)} \\boxed{(1, 2) = (3, 4)}"),
    ("(1, 2) = (3, 4)", "\\boxed{(1, 2)}"),
    (
        "\\begin{pmatrix}1\\\\2\\end{pmatrix}",
        "\\boxed{\\begin{pmatrix}1\\\\2\\end{pmatrix} = (1,2)}",
    ),
    ("1", "\\boxed{\\sin(e^{e^{20}})}"),
    ("1", "\\boxed{\\cos(10^{3000})}"),
    ("1", "\\boxed{e^{e^{e^{e^{2}}}}}"),
    ("1", "\\boxed{\\exp(\\exp(\\exp(9)))}"),
    ("x", "\\boxed{\\sin(x e^{e^{20}})}"),
    ("1", "\\boxed{2^{2^{2^{2^{2^{2}}}}} - 2^{2^{2^{2^{2^{2}}}}} + 1}"),
    ("1", "\\boxed{\\begin{pmatrix}1\\end{pmatrix} + (1, 2)}"),
    ("1", "\\boxed{\\sum_{k=1}^{10^{100}} k}"),
    ("1", "\\boxed{" + "(" * 400 + "1" + ")" * 400 + "}"),
]


@pytest.mark.parametrize(("gold", "completion"), CRASHES)
def test_crashes_and_hangs_are_a_quick_zero(gold: str, completion: str) -> None:
    started = time.monotonic()
    verdict = score(gold, completion)
    assert verdict.reward == 0, verdict.info
    assert time.monotonic() - started < 10  # the row timeout is 60 s; the budget is 2 s


# 5. Expressions built to vanish at the sample points
def _vanishing(gold_points: list[str]) -> str:
    return "x^2 + " + "".join(f"(x - {p})" for p in gold_points)


@pytest.mark.parametrize(
    "answer",
    [
        _vanishing(["17/13", "-23/29", "41/37", "7/53", "-61/43", "89/31"]),
        "x^2 + (x - 17/13)(x + 23/29)(x - 41/37)(x - 7/53)(x + 61/43)(x - 89/31)"
        "(x + 17/13)(x - 23/29)",
        "x^2 + 10^{-30} x",
        "x^2 + 10^{-25}",
    ],
)
def test_an_expression_that_vanishes_at_fixed_points_is_wrong(answer: str) -> None:
    assert score("x^2", boxed(answer)).reward == 0


def test_polynomials_are_compared_exactly() -> None:
    assert score("(x+1)^{20}", boxed("(1+x)^{20}")).reward == 1
    assert score("(x+1)^{20}", boxed("(1+x)^{20} + 10^{-50}")).reward == 0
    assert score("(x+y)^2", boxed("x^2 + 2xy + y^2")).reward == 1


# The false negatives of issue 24
@pytest.mark.parametrize(
    ("gold", "answer"),
    [
        ("3x^2", "f'(x) = 3x^2"),
        ("3x^2", "y' = 3x^2"),
        ("\\{1, 2\\}", "\\{1\\} \\cup \\{2\\}"),
        ("\\{4, 8\\}", "\\frac{12 \\pm \\sqrt{16}}{2}"),
        ("2", "2 \\pm 0"),
        ("\\{5\\}", "5"),
    ],
)
def test_issue_24_false_negatives(gold: str, answer: str) -> None:
    assert score(gold, boxed(answer)).reward == 1


# Unicode: what a rule judges is what a reader sees
@pytest.mark.parametrize(
    ("gold", "completion", "expected"),
    [
        ("42", "＼ｂｏｘｅｄ{４２}", 1),
        ("42", "\\boxed{4\u200b2}", 1),
        ("x^2", "\\boxed{x²}", 1),
        ("x", "\\boxed{х}", 1),  # Cyrillic х is drawn as x
        ("7154", "\\boxed{3146 ＋ 4008}", 0),
        ("7154", "\\boxed{3146\u2060+\u20604008}", 0),
    ],
)
def test_unicode_is_normalised_before_any_rule(gold: str, completion: str, expected: int) -> None:
    assert score(gold, completion).reward == expected


# The same attacks on the environment's own problems
def _problems(per_family: int = 12) -> list[dict]:
    environment = MathEnvironment(seed=11, size=600, heldout_fraction=0.0)
    by_family: dict[str, list[dict]] = {}
    for problem in environment.problems("train"):
        by_family.setdefault(problem["meta"]["family"], []).append(problem)
    return [p for family in FAMILIES for p in by_family.get(family, [])[:per_family]]


PROBLEMS = _problems()


def _attacks(problem: dict) -> list[str]:
    """What a policy would box instead of computing: the question's own expression, an
    expression with e-notation precision, hedges around the gold."""
    gold = problem["answer"]
    attacks = [
        "\\pi + 0 \\cdot 1.00e99",
        f"x = {gold} + 1 = {gold}",
        f"{gold} \\text{{ or }} {gold} + 1",
    ]
    if not re.search(r"[a-z]\b|\\\{|\(", gold.replace("\\frac", "").replace("\\left", "")):
        attacks += [f"{gold} + 0", f"1 \\cdot {gold}"]  # a number: computed, then undone
    spans = re.findall(r"\$([^$]+)\$", problem["prompt"])
    attacks += [s for s in spans if "=" not in s and "\\int" not in s and "\\{" not in s]
    numbers = re.findall(r"\d+", problem["prompt"])
    if problem["meta"]["family"] == "counting" and len(numbers) >= 2:
        k, n = numbers[0], numbers[1]
        attacks += [f"\\binom{{{n}}}{{{k}}}", f"\\frac{{{n}!}}{{({n} - {k})!}}"]
    if problem["meta"]["family"] == "word_problem" and len(numbers) >= 3:
        attacks += [f"{numbers[0]} \\cdot {numbers[1]} - {numbers[2]}"]
        attacks += [f"{numbers[1]} \\cdot {numbers[0]} + {numbers[2]}"]
    return attacks


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: f"{p['meta']['family']}-{p['id']}")
def test_the_environment_pays_its_gold_and_no_attack(problem: dict) -> None:
    assert VERIFIER.verify(problem, boxed(problem["answer"])).reward == 1
    paid = [
        attack
        for attack in _attacks(problem)
        if VERIFIER.verify(problem, boxed(attack)).reward != 0
    ]
    assert not paid, (problem["prompt"], problem["answer"], paid)


def test_generated_attacks_are_many_and_varied() -> None:
    """The generated attacks cover every family and include the question's own arithmetic."""
    families = {p["meta"]["family"] for p in PROBLEMS}
    assert families == set(FAMILIES)
    rng = random.Random(0)
    sample = rng.sample(PROBLEMS, 5)
    assert sum(len(_attacks(p)) for p in sample) >= 15


def test_a_rational_is_never_an_irrational() -> None:
    """A fraction close to pi within the 30-digit comparison is still an approximation."""
    assert score("\\pi", boxed("\\frac{5706674932067741}{1816491048114374}")).reward == 0
    assert score("\\pi", boxed("\\frac{355}{113}")).reward == 0
    assert score("\\sqrt{2}", boxed("\\frac{2}{\\sqrt{2}}")).reward == 1
