"""A labelled set of math answer pairs for comparing answer checkers.

Each `Case` is a gold answer with forms that mean the same (label 1) and forms that do not
(label 0), grouped by kind. Labels are by construction: every "same" form was written as an
exact rewriting of the gold, every "different" form differs in value, order, bracket, unit or
relation. `rows()` wraps each form in a completion that boxes it, so a checker sees what a
model would write. The last groups hold the failure modes answer checkers are known for:
absolute tolerances, partial parses, hedging, equations that both rearrange to 0, and the
attacks of a reward-maximising policy (issue 24): boxing the question's own arithmetic, a
written precision lent to a whole expression, hedges that look like one value.

Conventions (docs/math.md): an answer to a numeric question is computed (`3!`, `\\binom{4}{2}`,
`\\sqrt{289}`, `\\frac{6}{8}` are not answers); a decimal approximates an exact gold only in a
row that opts in with `numeric_precision` (the `approximation` rows, once each way); an
answer's own percent is p/100 unless the question asks for a number of percent.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    kind: str
    gold: str
    same: tuple[str, ...]
    different: tuple[str, ...]
    prompt: str = "(benchmark row)"
    numeric_precision: bool = False


def c(
    kind: str,
    gold: str,
    same: list[str],
    different: list[str],
    *,
    prompt: str = "(benchmark row)",
    numeric_precision: bool = False,
) -> Case:
    return Case(kind, gold, tuple(same), tuple(different), prompt, numeric_precision)


# (gold, decimal approximations): wrong by default, right where the row opts in
APPROXIMATIONS = [
    ("\\frac{1}{3}", ["0.3333"], ["0.3"]),
    ("\\frac{2}{3}", ["0.667", "0.6667"], ["0.6"]),
    ("\\frac{22}{7}", ["3.142857"], ["3.15"]),
    ("\\sqrt{2}", ["1.414"], ["1.4"]),
    ("2\\sqrt{3}", ["3.464"], []),
    ("\\frac{\\sqrt{3}}{2}", ["0.866"], []),
    ("\\pi", ["3.1416", "3.14159"], ["3.15"]),
    ("2\\pi", ["6.283"], []),
    ("e", ["2.718"], []),
    ("\\ln 2", ["0.693"], []),
    ("1 + \\sqrt{5}", ["3.236"], []),
    ("\\frac{\\pi}{4}", ["0.7854"], []),
    ("3 - 2\\sqrt{2}", ["0.1716"], []),
]


CASES = [
    # --- integers and arithmetic ---------------------------------------------------------------
    c("integer", "42", ["42", "42.0", "+42", "\\text{42}"], ["43", "-42", "4.2"]),
    c("integer", "-7", ["-7", "- 7", "(-7)"], ["7", "-6"]),
    c("integer", "1000000", ["1,000,000", "1000000", "10^6", "1{,}000{,}000"], ["100000", "10^7"]),
    c("integer", "0", ["0", "0.0", "-0"], ["1", "0.01"]),
    c("integer", "2024", ["2024", "2,024"], ["2023", "2042"]),
    c("integer", "123456789", ["123456789", "123,456,789"], ["123456788", "123456780"]),
    c("integer", "6", ["6"], ["5", "7"]),
    c("integer", "120", ["120"], ["24", "720"]),
    c("integer", "81", ["81"], ["27", "243"]),
    c("integer", "17", ["17"], ["\\sqrt{17}", "18"]),
    # --- answers that leave the arithmetic undone: not answers to a numeric question --------
    c("computed", "6", ["6"], ["3!", "\\binom{4}{2}", "2 \\cdot 3"]),
    c("computed", "120", ["120", "1.2 \\times 10^2"], ["5!", "\\frac{720}{6}"]),
    c("computed", "81", ["81"], ["3^4", "9^2"]),
    c("computed", "17", ["17"], ["\\sqrt{289}", "\\frac{34}{2}"]),
    c("computed", "\\frac{1}{2}", ["\\frac{1}{2}", "0.5"], ["2/4", "\\frac{3}{6}"]),
    c(
        "computed",
        "\\frac{3}{4}",
        ["\\frac{3}{4}"],
        ["\\frac{6}{8}", "\\frac{1}{2} + \\frac{1}{4}"],
    ),
    c(
        "computed",
        "7154",
        ["7154", "x = 3146 + 4008 = 7154"],
        ["3146 + 4008", "7154 + 0", "3146 + 4008 = 3146 + 4008"],
        prompt="What is $3146 + 4008$?",
    ),
    c(
        "computed",
        "38164",
        ["38164", "38,164"],
        ["812 \\times 47"],
        prompt="What is $812 \\times 47$?",
    ),
    c("computed", "576", ["576"], ["40\\% \\cdot 1440", "0.4 \\cdot 1440"]),
    c("computed", "364", ["364"], ["\\binom{14}{3}", "\\frac{14 \\cdot 13 \\cdot 12}{6}"]),
    c("computed", "3024", ["3024"], ["9 \\cdot 8 \\cdot 7 \\cdot 6", "\\frac{9!}{5!}"]),
    c("computed", "2^{10}", ["1024", "2^{10}", "4^5"], ["2^{11}"]),
    c(
        "computed",
        "-3x^{2} + 17 x - 10",
        ["-3x^2 + 17x - 10", "17x - 3x^2 - 10"],
        ["(3x - 2)(-x + 5)", "(-x + 5)(3x - 2)", "-(3x - 2)(x - 5)"],
        prompt="Expand $\\left(3 x - 2\\right) \\left(- x + 5\\right)$.",
    ),
    c(
        "computed",
        "\\left(x - 6\\right) \\left(x + 3\\right)",
        ["(x+3)(x-6)", "(x - 6)(x + 3)"],
        ["x^2 - 3x - 18", "-18 - 3x + x^2"],
        prompt="Factor $x^{2} - 3 x - 18$ completely.",
    ),
    # --- a written precision lent to the whole answer: one answer for every number ----------
    c("precision_lending", "141", ["141"], ["1.00e2\\sqrt{2}", "100.\\sqrt{2}"]),
    c("precision_lending", "\\frac{3}{7}", ["\\frac{3}{7}"], ["\\pi + 0 \\cdot 1.00e99"]),
    c("precision_lending", "-12", ["-12"], ["\\pi + 0 \\cdot 1.00e99", "1.00e1 \\cdot 0 - 12.0"]),
    c(
        "precision_lending",
        "(2, 3)",
        ["(2, 3)"],
        ["(\\pi + 0 \\cdot 1.0e99, \\pi + 0 \\cdot 1.0e99)"],
    ),
    # --- hedges that look like one value ----------------------------------------------------
    c("hedge_value", "3", ["3", "x = 3"], ["x = 2 = 3", "2 = 3"]),
    c("hedge_value", "5", ["5"], ["5 \\text{ or 6}", "5 \\text{ or } 6"]),
    c("hedge_value", "0.5", ["0.5", "50\\%"], ["0.5\\%"]),
    c("hedge_value", "50", ["50"], ["5000\\%^\\circ"]),
    c(
        "hedge_value",
        "30^\\circ",
        ["30^\\circ", "\\frac{\\pi}{6}", "30 \\text{ degrees}"],
        ["30 \\text{ rad}"],
    ),
    # --- rationals and decimals ----------------------------------------------------------------
    c(
        "rational",
        "\\frac{1}{2}",
        ["0.5", "1/2", "\\dfrac{1}{2}", "\\tfrac12"],
        ["0.05", "\\frac{1}{3}", "2"],
    ),
    c("rational", "\\frac{3}{4}", ["0.75", "3/4"], ["\\frac{4}{3}", "0.7"]),
    c("rational", "-\\frac{5}{2}", ["-2.5", "\\frac{-5}{2}", "-5/2"], ["2.5", "\\frac{5}{2}"]),
    c("rational", "\\frac{1}{3}", ["1/3"], ["0.3", "\\frac{1}{4}", "0.3333"]),
    c("rational", "\\frac{2}{3}", ["\\frac{2}{3}"], ["0.6", "\\frac{3}{2}", "0.667"]),
    c("rational", "\\frac{7}{8}", ["0.875", "\\frac{7}{8}"], ["0.87", "\\frac{8}{7}"]),
    c("rational", "0.125", ["\\frac{1}{8}", "0.125", "1/8"], ["0.12", "\\frac{1}{9}"]),
    c("rational", "2.5", ["\\frac{5}{2}", "2.50", "5/2"], ["2.05", "25"]),
    c("rational", "\\frac{22}{7}", ["22/7"], ["\\pi", "3.15", "3.142857"]),
    c("rational", "\\frac{1}{1000}", ["0.001", "10^{-3}"], ["0.01", "0.0001"]),
    # --- irrationals and constants ------------------------------------------------------------
    c(
        "irrational",
        "\\sqrt{2}",
        ["\\sqrt2", "2^{1/2}", "\\frac{2}{\\sqrt{2}}"],
        ["1.4", "2", "\\sqrt{3}", "1.414"],
    ),
    c(
        "irrational",
        "2\\sqrt{3}",
        ["\\sqrt{12}", "2 \\sqrt 3"],
        ["3\\sqrt{2}", "\\sqrt{6}"],
    ),
    c(
        "irrational",
        "\\frac{\\sqrt{3}}{2}",
        ["\\frac{1}{2}\\sqrt{3}", "\\sqrt{3}/2"],
        ["\\frac{\\sqrt{2}}{2}", "\\frac{1}{2}"],
    ),
    c("irrational", "\\pi", ["\\pi"], ["3", "2\\pi", "3.14"]),
    c("irrational", "2\\pi", ["2\\pi", "\\pi \\cdot 2"], ["\\pi", "4\\pi"]),
    c("irrational", "e", ["e", "\\exp(1)"], ["2", "e^2", "2.718"]),
    c("irrational", "\\ln 2", ["\\ln(2)", "\\log_e 2"], ["\\ln 3", "2"]),
    c("irrational", "1 + \\sqrt{5}", ["\\sqrt{5} + 1"], ["1 - \\sqrt{5}", "\\sqrt{6}"]),
    c("irrational", "\\frac{\\pi}{4}", ["0.25\\pi", "\\pi/4"], ["\\frac{\\pi}{2}", "45"]),
    c("irrational", "3 - 2\\sqrt{2}", ["(\\sqrt{2}-1)^2"], ["3 + 2\\sqrt{2}", "1"]),
    # --- symbolic expressions ----------------------------------------------------------------
    c("symbolic", "x^2 + 2x + 1", ["(x+1)^2", "x^2+2x+1", "1 + 2x + x^2"], ["(x+1)^3", "x^2+1"]),
    c("symbolic", "(x-2)(x+3)", ["x^2 + x - 6", "(x+3)(x-2)"], ["(x+2)(x-3)", "x^2 - x - 6"]),
    c("symbolic", "2x", ["x + x", "2 x", "x \\cdot 2"], ["x^2", "2 + x"]),
    c("symbolic", "\\frac{x}{2}", ["0.5x", "x/2", "\\frac{1}{2}x"], ["2x", "\\frac{2}{x}"]),
    c("symbolic", "3x^2 - 4x", ["x(3x-4)", "-4x + 3x^2"], ["3x^2 + 4x", "6x - 4"]),
    c("symbolic", "\\frac{1}{x+1}", ["(x+1)^{-1}", "1/(x+1)"], ["\\frac{1}{x}+1", "x+1"]),
    c("symbolic", "2\\pi r", ["2 r \\pi", "\\pi r \\cdot 2"], ["\\pi r^2", "2\\pi"]),
    c("symbolic", "a^2 - b^2", ["(a-b)(a+b)", "(a+b)(a-b)"], ["(a-b)^2", "a^2 + b^2"]),
    c("symbolic", "\\sin^2 x + \\cos^2 x", ["1"], ["0", "2"]),
    c("symbolic", "2\\sin x \\cos x", ["\\sin(2x)", "\\sin 2x"], ["\\cos(2x)", "2\\sin x"]),
    c("symbolic", "e^{2x}", ["(e^x)^2", "\\exp(2x)"], ["2e^x", "e^{x^2}"]),
    c("symbolic", "\\frac{x^2-1}{x-1}", ["x + 1", "1 + x"], ["x - 1", "x^2"]),
    c("symbolic", "6x^2 + 2", ["2 + 6x^2", "2(3x^2+1)"], ["6x + 2", "12x"]),
    c(
        "symbolic",
        "\\cos x - x \\sin x",
        ["-x\\sin x + \\cos x", "\\cos(x) - x\\sin(x)"],
        ["\\cos x + x \\sin x", "-\\sin x"],
    ),
    c("symbolic", "\\sqrt{x^2}", ["|x|", "\\left| x \\right|"], ["x", "-x"]),
    c("symbolic", "\\log_2 x", ["\\frac{\\ln x}{\\ln 2}"], ["\\ln x", "2\\ln x"]),
    c("symbolic", "xy + x", ["x(y+1)", "yx + x"], ["y(x+1)", "xy"]),
    c(
        "symbolic",
        "\\frac{a+b}{2}",
        ["\\frac{a}{2} + \\frac{b}{2}", "(a+b)/2"],
        ["a + b/2", "ab/2"],
    ),
    # --- sets and solution lists ---------------------------------------------------------------
    c(
        "set",
        "\\{1, 2\\}",
        ["\\{2, 1\\}", "1, 2", "2, 1", "\\left\\{1,2\\right\\}"],
        ["\\{1, 3\\}", "\\{1\\}", "\\{1, 2, 3\\}"],
    ),
    c(
        "set",
        "\\{-2, 2\\}",
        ["\\pm 2", "2, -2", "\\{2, -2\\}"],
        ["2", "\\{-2\\}", "\\{-2, 0, 2\\}"],
    ),
    c(
        "set",
        "3 \\pm \\sqrt{2}",
        ["3 - \\sqrt{2}, 3 + \\sqrt{2}", "\\{3+\\sqrt2, 3-\\sqrt2\\}"],
        ["3 + \\sqrt{2}", "\\{3 \\pm 2\\}"],
    ),
    c("set", "\\{0, 9\\}", ["0, 9", "9, 0", "\\{9,0\\}"], ["9", "\\{0, -9\\}"]),
    c(
        "set",
        "\\{\\frac{1}{2}, -3\\}",
        ["-3, 0.5", "\\{-3, \\frac12\\}"],
        ["\\{3, -\\frac12\\}", "-3"],
    ),
    c("set", "1, 2, 3", ["\\{3, 2, 1\\}", "1,2,3", "2, 3, 1"], ["1, 2", "1, 2, 4"]),
    c("set", "\\{a, b\\}", ["\\{b, a\\}", "b, a"], ["\\{a\\}", "\\{a, c\\}"]),
    c(
        "set",
        "\\{-1, 0, 1\\}",
        ["\\{0, \\pm 1\\}", "\\{1, 0, -1\\}", "-1, 0, 1"],
        ["\\{-1, 1\\}", "\\{0, 1, 2\\}"],
    ),
    # --- tuples, points, vectors --------------------------------------------------------------
    c("tuple", "(1, 2)", ["(1,2)", "\\left( 1, 2 \\right)", "(1.0, 2.0)"], ["(2, 1)", "(1, 3)"]),
    c("tuple", "(3, -4)", ["(3,-4)", "(3.0, -4)"], ["(-4, 3)", "(3, 4)"]),
    c("computed", "(3, -4)", ["(3, -4)"], ["(\\frac{6}{2}, -4)", "(1 + 2, -4)"]),
    c(
        "tuple",
        "(\\frac{1}{2}, \\frac{3}{2})",
        ["(0.5, 1.5)", "(1/2, 3/2)"],
        ["(1.5, 0.5)", "(1, 3)"],
    ),
    c("tuple", "(0, 0, 1)", ["(0,0,1)"], ["(1, 0, 0)", "(0, 1)"]),
    c("tuple", "(2, -1, 3)", ["(2,-1,3)", "(2, -1, 3.0)"], ["(2, 1, 3)", "(3, -1, 2)"]),
    c("tuple", "x=1, y=2", ["(1, 2)", "x = 1, y = 2"], ["(2, 1)", "x=2, y=1"]),
    # --- intervals and inequalities -----------------------------------------------------------
    c(
        "interval",
        "(3, \\infty)",
        ["x > 3", "3 < x", "(3,\\infty)", "\\left(3, \\infty\\right)"],
        ["[3, \\infty)", "x \\ge 3", "x < 3", "(-\\infty, 3)"],
    ),
    c("interval", "[1, 2)", ["1 \\le x < 2", "[1,2)"], ["[1, 2]", "(1, 2)", "1 < x \\le 2"]),
    c(
        "interval",
        "(-\\infty, 0]",
        ["x \\le 0", "0 \\ge x", "(-\\infty,0]"],
        ["x < 0", "(-\\infty, 0)", "[0, \\infty)"],
    ),
    c("interval", "[-2, 5]", ["-2 \\le x \\le 5", "[-2,5]"], ["(-2, 5)", "[-5, 2]"]),
    c(
        "interval",
        "(-\\infty, 1) \\cup (2, \\infty)",
        ["(-\\infty,1)\\cup(2,\\infty)", "(2, \\infty) \\cup (-\\infty, 1)"],
        ["(1, 2)", "(-\\infty, 1] \\cup [2, \\infty)"],
    ),
    c("interval", "x > 3", ["x>3", "3<x", "(3, \\infty)", "2x > 6"], ["x < 3", "x \\geq 3"]),
    c("interval", "x \\le -1", ["-1 \\ge x", "(-\\infty, -1]"], ["x < -1", "x \\ge -1"]),
    c("interval", "(0, 1)", ["0 < x < 1"], ["[0, 1]", "(0, 1]"]),
    c("interval", "[0, \\infty)", ["x \\ge 0", "[0,\\infty)"], ["(0, \\infty)", "x > 0"]),
    # --- matrices -----------------------------------------------------------------------------
    c(
        "matrix",
        "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
        [
            "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}",
            "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
        ],
        [
            "\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}",
            "\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}",
        ],
    ),
    c(
        "matrix",
        "\\begin{pmatrix} 1 \\\\ -2 \\end{pmatrix}",
        ["\\begin{pmatrix} 1 \\\\ -2 \\end{pmatrix}", "\\begin{bmatrix} 1 \\\\ -2 \\end{bmatrix}"],
        ["\\begin{pmatrix} -2 \\\\ 1 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"],
    ),
    c(
        "matrix",
        "\\begin{pmatrix} \\frac{1}{2} & 0 \\\\ 0 & 2 \\end{pmatrix}",
        ["\\begin{pmatrix} 0.5 & 0 \\\\ 0 & 2 \\end{pmatrix}"],
        ["\\begin{pmatrix} 2 & 0 \\\\ 0 & \\frac{1}{2} \\end{pmatrix}"],
    ),
    c(
        "matrix",
        "\\begin{pmatrix} x & 1 \\\\ 0 & x \\end{pmatrix}",
        ["\\begin{bmatrix} x & 1 \\\\ 0 & x \\end{bmatrix}"],
        [
            "\\begin{pmatrix} x & 0 \\\\ 1 & x \\end{pmatrix}",
            "\\begin{pmatrix} x & 1 \\\\ 0 & 1 \\end{pmatrix}",
        ],
    ),
    # --- equations ----------------------------------------------------------------------------
    c(
        "equation",
        "y = 2x + 1",
        ["y=2x+1", "2x - y + 1 = 0", "y = 1 + 2x"],
        ["y = 3x + 1", "y = 2x - 1", "2x + 1"],
    ),
    c(
        "equation",
        "x^2 + y^2 = 25",
        ["x^2+y^2=25", "y^2 + x^2 = 25"],
        ["x^2 + y^2 = 5", "x^2 - y^2 = 25"],
    ),
    c("equation", "x = 4", ["4", "x=4"], ["x = -4", "5"]),
    c(
        "equation",
        "y = -\\frac{1}{2}x + 3",
        ["y = 3 - 0.5x", "x + 2y = 6"],
        ["y = \\frac{1}{2}x + 3", "x + 2y = 3"],
    ),
    c(
        "equation",
        "3x + 4y = 12",
        ["6x + 8y = 24", "y = 3 - \\frac{3}{4}x"],
        ["3x + 4y = 7", "4x + 3y = 12"],
    ),
    # --- percentages, degrees, units ----------------------------------------------------------
    c("percent", "25\\%", ["25", "0.25", "25 \\%"], ["2.5", "0.025"]),
    c("percent", "12.5", ["\\frac{25}{2}"], ["1.25", "0.0125", "12.5\\%"]),
    c(
        "percent",
        "12.5",
        ["12.5\\%", "\\frac{25}{2}"],
        ["1.25", "0.0125"],
        prompt="What percent of $200$ is $25$? Give the number of percent.",
    ),
    c("degrees", "30^\\circ", ["30", "30^{\\circ}", "\\frac{\\pi}{6}"], ["60", "\\frac{\\pi}{3}"]),
    c("degrees", "\\frac{\\pi}{2}", ["90^\\circ", "\\frac{\\pi}{2}"], ["180^\\circ", "\\pi"]),
    c("degrees", "135^\\circ", ["135", "\\frac{3\\pi}{4}"], ["45^\\circ", "\\frac{\\pi}{4}"]),
    c(
        "unit",
        "5 \\text{ km}",
        ["5 \\text{ km}", "5", "5\\ \\text{km}"],
        ["5 \\text{ m}", "50 \\text{ km}"],
    ),
    c("unit", "12 \\text{ cm}^2", ["12 \\text{ cm}^2", "12"], ["12 \\text{ m}^2", "144"]),
    c(
        "unit",
        "3 \\text{ hours}",
        ["3", "3 \\text{ hrs}", "3 hours"],
        ["3 \\text{ minutes}", "180"],
    ),
    c("unit", "\\$18.90", ["18.90", "18.9", "\\$18.9"], ["18.09", "1890"]),
    # --- text and multiple choice ------------------------------------------------------------
    c("choice", "B", ["B", "(B)", "\\text{(B)}", "\\textbf{(B)}"], ["A", "(C)"]),
    c("choice", "\\text{(D)}", ["D", "(D)"], ["E", "B"]),
    c(
        "text",
        "\\text{Monday}",
        ["\\text{Monday}", "Monday", "\\text{monday}"],
        ["\\text{Tuesday}", "Sunday"],
    ),
    c("text", "\\text{no}", ["\\text{No}", "no"], ["\\text{yes}", "yes"]),
    c("text", "\\text{even}", ["\\text{even}", "even"], ["\\text{odd}", "odd"]),
    # --- scientific notation and large numbers ------------------------------------------------
    c(
        "notation",
        "6 \\times 10^{23}",
        ["6e23", "6 \\cdot 10^{23}", "600000000000000000000000"],
        ["6 \\times 10^{22}", "6e24"],
    ),
    c(
        "notation",
        "1.5 \\times 10^{-3}",
        ["0.0015", "1.5e-3", "\\frac{3}{2000}"],
        ["0.015", "1.5e-4"],
    ),
    c("notation", "2^{10}", ["1024", "1,024", "4^5"], ["2048", "1000"]),
    # --- answers to word problems -------------------------------------------------------------
    c("integer", "18", ["18", "18.00", "18.0"], ["17", "81", "1.8"]),
    c("integer", "250", ["250", "250.0", "2.5 \\times 10^2"], ["25", "205"]),
    c("rational", "\\frac{9}{4}", ["2.25", "9/4"], ["2.5", "\\frac{4}{9}"]),
    c(
        "unit",
        "45 \\text{ minutes}",
        ["45", "45 \\text{ min}", "45 minutes"],
        ["45 \\text{ hours}", "54"],
    ),
    c("unit", "72 \\text{ km}", ["72 \\text{ kilometers}", "72"], ["72 \\text{ miles}", "27"]),
    c("percent", "40\\%", ["40", "0.4", "40 \\%"], ["4", "0.04"]),
    c(
        "symbolic",
        "\\frac{2x}{x^2+1}",
        ["2x/(x^2+1)", "\\frac{2x}{1+x^2}"],
        ["\\frac{2}{x^2+1}", "\\frac{x}{x^2+1}"],
    ),
    c("symbolic", "3\\cos(3x)", ["3\\cos 3x", "3 \\cos(3 x)"], ["\\cos(3x)", "-3\\sin(3x)"]),
    c("symbolic", "x^3 - 3x^2 + 3x - 1", ["(x-1)^3"], ["(x+1)^3", "x^3 - 1"]),
    c("set", "\\{-3, 1, 4\\}", ["4, 1, -3", "\\{1, -3, 4\\}"], ["\\{3, 1, 4\\}", "\\{-3, 4\\}"]),
    c("tuple", "(-1, 5)", ["(-1,5)", "\\left(-1, 5\\right)"], ["(5, -1)", "(1, 5)"]),
    c("interval", "(-3, 3)", ["-3 < x < 3", "(-3,3)"], ["[-3, 3]", "(-3, 3]"]),
    # --- known failure modes of answer checkers ----------------------------------------------
    c("exactness", "10^{100} + 1", ["10^{100}+1", "1 + 10^{100}"], ["10^{100}", "10^{100} + 2"]),
    c(
        "exactness",
        "\\frac{1}{2^{99}}",
        ["2^{-99}", "\\frac{1}{2^{99}}"],
        ["\\frac{1}{2^{98}}", "0", "\\frac{1}{2^{100}}"],
    ),
    c(
        "exactness",
        "123456789012345678901",
        ["123456789012345678901"],
        ["123456789012345678900", "123456789012345678902"],
    ),
    c("exactness", "0.000001", ["10^{-6}", "\\frac{1}{1000000}"], ["0", "0.000002", "10^{-7}"]),
    c(
        "exactness",
        "1 - \\frac{1}{e}",
        ["1 - e^{-1}", "\\frac{e-1}{e}"],
        ["1", "1 - \\frac{1}{\\mathrm{e}}x", "1 - e"],
    ),
    c("exactness", "999999999999", ["999,999,999,999"], ["1000000000000", "999999999998"]),
    c("partial_parse", "5", ["5"], ["5x)", "5)(", "5 = 5 + 1", "\\frac{5}{"]),
    c("partial_parse", "\\frac{1}{2}", ["\\frac{1}{2}"], ["\\frac{1}{2}x)", "\\frac{1}{2} +"]),
    c("equation_trap", "x + y = 1", ["y = 1 - x", "2x + 2y = 2"], ["x - y = 1", "x + y = 2"]),
    c("equation_trap", "y = x^2", ["x^2 = y", "y - x^2 = 0"], ["y = x^3", "y = 2x^2 + 1"]),
    # --- notation read since issue 19, and what a policy could do with it ---------------------
    c(
        "matrix",
        "\\begin{pmatrix} 6 & 8 \\\\ 10 & 12 \\end{pmatrix}",
        ["\\begin{bmatrix}6&8\\\\10&12\\end{bmatrix}"],
        ["\\begin{pmatrix} 6 & 8 \\\\ 12 & 10 \\end{pmatrix}"],
    ),
    c(
        "computed",  # "Compute A + B" answered with A + B, 2C or entries left as sums
        "\\begin{pmatrix} 6 & 8 \\\\ 10 & 12 \\end{pmatrix}",
        [],
        [
            "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix} + "
            "\\begin{pmatrix} 5 & 6 \\\\ 7 & 8 \\end{pmatrix}",
            "2\\begin{pmatrix} 3 & 4 \\\\ 5 & 6 \\end{pmatrix}",
            "\\begin{pmatrix} 1 + 5 & 2 + 6 \\\\ 3 + 7 & 4 + 8 \\end{pmatrix}",
        ],
    ),
    c(
        "matrix",
        "\\begin{pmatrix} 2x & 4 \\\\ 6 & 8 \\end{pmatrix}",
        ["2\\begin{pmatrix} x & 2 \\\\ 3 & 4 \\end{pmatrix}"],
        ["2\\begin{pmatrix} x & 2 \\\\ 3 & 5 \\end{pmatrix}"],
    ),
    c(
        "sum",
        "\\sum_{k=1}^{n} k^2",
        ["\\sum_{j=1}^{n} j^2", "\\sum_{i=1}^{n} i^2"],
        ["\\sum_{k=0}^{n} k^3", "\\sum_{k=1}^{n} k", "\\frac{n(n+1)}{2}"],
    ),
    c("sum", "\\sum_{k=1}^{10} k", ["55", "\\sum_{i=1}^{10} i"], ["56", "\\sum_{k=1}^{9} k"]),
    c(
        "sum",
        "\\sum_{k=1}^{99} \\frac{1}{k(k+1)}",
        ["\\frac{99}{100}", "0.99"],
        ["1", "\\frac{100}{101}"],
    ),
    c(
        "computed",  # the question's own sum, boxed
        "55",
        [],
        ["\\sum_{k=1}^{10} k", "\\sum_{i=1}^{10} i", "\\sum_{k=1}^{5} k + \\sum_{k=6}^{10} k"],
    ),
    c("computed", "\\frac{99}{100}", [], ["\\sum_{k=1}^{99} \\frac{1}{k(k+1)}"]),
    c(
        "rational",  # mixed numbers, in LaTeX and in plain text
        "\\frac{5}{2}",
        ["2\\frac{1}{2}", "2 1/2"],
        ["1", "2\\frac{2}{4}", "\\frac{1}{2}"],
    ),
    c("rational", "-\\frac{40}{9}", ["-4 4/9", "-4\\frac{4}{9}"], ["-4", "-\\frac{32}{9}"]),
    c("tuple", "(1, 3)", ["1, 3", "{1,3}"], ["3, 1", "{3,1}"]),
    c(
        "interval",  # a bare list says nothing of the endpoints
        "[1, 3]",
        ["[1,3]", "1 \\le x \\le 3"],
        ["1, 3", "(1, 3)", "\\{1, 3\\}"],
    ),
    c("notation", "\\frac{10}{9}", ["\\frac{10}{9} \\$"], ["\\frac{1}{2} \\$ = \\frac{10}{9}"]),
]

HEDGED = [
    ("7", "The answer is \\boxed{7} or maybe \\boxed{8}.", 0),
    ("(3, 4)", "\\boxed{(3, 4)} and \\boxed{(1, 2) = (3, 4)}", 0),
    ("(3, 4)", "\\boxed{(1, 2) = (3, 4)}", 0),
    ("1", "\\boxed{\\sin(e^{e^{20}})}", 0),
    ("7", "It could be \\boxed{6}, but no: \\boxed{7}.", 0),
    ("7", "\\boxed{7}. To double check: \\boxed{7}.", 1),
    ("\\frac{1}{2}", "So \\boxed{0.5}, that is \\boxed{\\frac{1}{2}}.", 1),
    ("5", "Either \\boxed{5} or \\boxed{-5}, I am not sure.", 0),
]

TEMPLATES = [
    "So the final answer is $\\boxed{{{answer}}}$.",
    "Putting it together, we get \\boxed{{{answer}}}.",
    "Therefore the answer is \\[\\boxed{{{answer}}}\\]",
]


def rows() -> Iterator[dict[str, object]]:
    """The labelled rows: {id, kind, answer (gold), completion, expected}."""
    index = 0
    approximations = [
        case
        for gold, close, far in APPROXIMATIONS
        for case in (
            c("approximation", gold, [], close + far),
            c("approximation (numeric_precision)", gold, close, far, numeric_precision=True),
        )
    ]
    for case in CASES + approximations:
        for label, forms in ((1, case.same), (0, case.different)):
            for form in forms:
                template = TEMPLATES[index % len(TEMPLATES)]
                row: dict[str, object] = {
                    "id": f"mixed-{index:04d}",
                    "env": "math",
                    "kind": case.kind,
                    "prompt": case.prompt,
                    "answer": case.gold,
                    "completion": template.format(answer=form),
                    "expected": label,
                }
                if case.numeric_precision:
                    row["numeric_precision"] = True
                yield row
                index += 1
    for gold, completion, label in HEDGED:
        yield {
            "id": f"mixed-{index:04d}",
            "env": "math",
            "kind": "hedging",
            "prompt": "(benchmark row)",
            "answer": gold,
            "completion": completion,
            "expected": label,
        }
        index += 1


if __name__ == "__main__":
    for row in rows():
        sys.stdout.write(json.dumps(row) + "\n")
