"""Procedural math problems with gold answers computed by sympy, never typed by hand.

Each generator takes a seeded `random.Random` and returns a `Generated` problem: the question
text, the gold answer as LaTeX (written by `sympy.latex` from the exact value) and a
difficulty from 1 (one-step arithmetic) to 5 (multi-step). Numbers are drawn so that the
answers stay exact and reasonably sized.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import sympy

x, y = sympy.symbols("x y")


@dataclass(frozen=True)
class Generated:
    family: str
    question: str
    answer: str
    difficulty: int


def latex(value: sympy.Basic) -> str:
    return sympy.latex(value)


def _nonzero(rng: random.Random, low: int, high: int) -> int:
    value = 0
    while value == 0:
        value = rng.randint(low, high)
    return value


def arithmetic(rng: random.Random) -> Generated:
    kind = rng.choice(["small", "small", "add", "subtract", "multiply", "divide"])
    if kind == "small":  # sums and differences up to 20: where a 135M model starts
        a, b = rng.randint(1, 20), rng.randint(1, 20)
        op = rng.choice(["+", "-"])
        return Generated(
            "arithmetic", f"What is ${a} {op} {b}$?", str(a + b if op == "+" else a - b), 1
        )
    if kind == "add":
        a, b = rng.randint(100, 9999), rng.randint(100, 9999)
        return Generated("arithmetic", f"What is ${a} + {b}$?", str(a + b), 2)
    if kind == "subtract":
        a, b = rng.randint(100, 9999), rng.randint(100, 9999)
        return Generated("arithmetic", f"What is ${a} - {b}$?", str(a - b), 2)
    if kind == "multiply":
        a, b = rng.randint(11, 999), rng.randint(11, 99)
        return Generated("arithmetic", f"What is ${a} \\times {b}$?", str(a * b), 2)
    b = rng.randint(2, 30)
    quotient = rng.randint(2, 300)
    return Generated("arithmetic", f"What is ${b * quotient} \\div {b}$?", str(quotient), 2)


def fractions(rng: random.Random) -> Generated:
    a, c = rng.randint(1, 12), rng.randint(1, 12)
    b, d = rng.randint(2, 15), rng.randint(2, 15)
    op = rng.choice(["+", "-", "\\times", "\\div"])
    left, right = sympy.Rational(a, b), sympy.Rational(c, d)
    value = {"+": left + right, "-": left - right, "\\times": left * right, "\\div": left / right}[
        op
    ]
    question = (
        f"Compute $\\frac{{{a}}}{{{b}}} {op} \\frac{{{c}}}{{{d}}}$ and write the "
        "result as a fraction in lowest terms."
    )
    return Generated("fractions", question, latex(value), 2)


def percentages(rng: random.Random) -> Generated:
    if rng.random() < 0.5:
        percent = rng.choice([5, 10, 12, 15, 20, 25, 30, 40, 45, 50, 60, 75, 80, 120, 150])
        whole = rng.randint(1, 80) * 20
        value = sympy.Rational(percent * whole, 100)
        return Generated("percentages", f"What is ${percent}\\%$ of ${whole}$?", latex(value), 1)
    whole = rng.choice([20, 25, 40, 50, 80, 200, 250, 400, 500])
    part = rng.randint(1, whole)
    value = sympy.Rational(part * 100, whole)
    question = (
        f"What percent of ${whole}$ is ${part}$? Give the number of percent "
        "(for example, 12.5 for 12.5%)."
    )
    return Generated("percentages", question, latex(value), 2)


def order_of_operations(rng: random.Random) -> Generated:
    a, b, c, d = (rng.randint(2, 12) for _ in range(4))
    templates = [
        (f"{a} + {b} \\times {c}", sympy.Integer(a + b * c)),
        (f"({a} + {b}) \\times {c} - {d}", sympy.Integer((a + b) * c - d)),
        (f"{a} \\times {b} - {c}^2 + {d}", sympy.Integer(a * b - c**2 + d)),
        (f"{a * b} \\div {b} + {c} \\times ({d} - {a})", sympy.Integer(a + c * (d - a))),
        (f"({a} - {b})^2 - {c} \\times {d}", sympy.Integer((a - b) ** 2 - c * d)),
    ]
    expression, value = rng.choice(templates)
    return Generated("order_of_operations", f"Evaluate ${expression}$.", latex(value), 2)


def linear_equation(rng: random.Random) -> Generated:
    solution = sympy.Rational(rng.randint(-20, 20), rng.choice([1, 1, 1, 2, 3]))
    a = _nonzero(rng, -9, 9)
    c = rng.choice([0, _nonzero(rng, -9, 9)])
    if c == a:
        c = 0
    b = rng.randint(-20, 20)
    d = (a - c) * solution + b
    lhs = sympy.Add(a * x, b, evaluate=False)
    rhs = c * x + d
    question = f"Solve for $x$: ${latex(lhs)} = {latex(rhs)}$."
    return Generated("linear_equation", question, latex(solution), 2 if c == 0 else 3)


def linear_system(rng: random.Random) -> Generated:
    sx, sy = rng.randint(-9, 9), rng.randint(-9, 9)
    while True:
        a, b, c, d = (_nonzero(rng, -6, 6) for _ in range(4))
        if a * d - b * c != 0:
            break
    e, f = a * sx + b * sy, c * sx + d * sy
    first = latex(sympy.Eq(a * x + b * y, e))
    second = latex(sympy.Eq(c * x + d * y, f))
    question = (
        f"Solve the system ${first}$ and ${second}$. Give the answer as an ordered pair $(x, y)$."
    )
    return Generated("linear_system", question, f"({sx}, {sy})", 4)


def quadratic(rng: random.Random) -> Generated:
    hard = rng.random() < 0.3
    r1 = sympy.Rational(rng.randint(-9, 9), rng.choice([2, 3]) if hard else 1)
    r2 = sympy.Integer(rng.randint(-9, 9))
    leading = rng.choice([1, 1, 2, 3]) if not hard else 1
    denominator = r1.q if hard else 1
    polynomial = sympy.expand(leading * denominator * (x - r1) * (x - r2))
    question = (
        f"Find all real solutions of ${latex(polynomial)} = 0$. Give them as a set, "
        "for example $\\{1, 2\\}$."
    )
    solutions = sympy.FiniteSet(r1, r2)
    return Generated("quadratic", question, latex(solutions), 5 if hard else 3)


def expand_polynomial(rng: random.Random) -> Generated:
    a, b, c, d = (_nonzero(rng, -7, 7) for _ in range(4))
    product = sympy.Mul(a * x + b, c * x + d, evaluate=False)
    question = f"Expand ${latex(product)}$."
    return Generated("expand", question, latex(sympy.expand(product)), 3)


def factor_polynomial(rng: random.Random) -> Generated:
    r1, r2 = _nonzero(rng, -9, 9), _nonzero(rng, -9, 9)
    polynomial = sympy.expand((x - r1) * (x - r2))
    question = f"Factor ${latex(polynomial)}$ completely."
    return Generated("factor", question, latex(sympy.factor(polynomial)), 4)


def derivative(rng: random.Random) -> Generated:
    a, b, n = _nonzero(rng, -6, 6), rng.randint(1, 9), rng.randint(2, 5)
    function = rng.choice(
        [
            a * x**n + b * x,
            a * x**n * sympy.sin(x),
            b * sympy.exp(a * x),
            x**n * sympy.log(x),
            a * sympy.cos(b * x) + x**2,
        ]
    )
    question = f"Find the derivative of $f(x) = {latex(function)}$ with respect to $x$."
    return Generated("derivative", question, latex(sympy.diff(function, x)), 4)


def integral(rng: random.Random) -> Generated:
    coefficients = [rng.randint(-5, 5) for _ in range(rng.randint(2, 4))]
    polynomial = sum(c * x**i for i, c in enumerate(coefficients))
    if polynomial == 0:
        polynomial = x + 1
    low = rng.randint(-3, 1)
    high = low + rng.randint(1, 4)
    antiderivative = sympy.Poly(polynomial, x).integrate()  # Poly: exact and 100x faster
    value = antiderivative.eval(high) - antiderivative.eval(low)
    question = f"Compute $\\int_{{{low}}}^{{{high}}} \\left({latex(polynomial)}\\right)\\,dx$."
    return Generated("integral", question, latex(value), 4 if len(coefficients) < 4 else 5)


WORDS = [
    "LEVEL",
    "BANANA",
    "APPLE",
    "LETTER",
    "COFFEE",
    "PEPPER",
    "STREET",
    "BALLOON",
    "MISSISSIPPI",
    "COMMITTEE",
    "GEOMETRY",
    "PUZZLE",
]


def counting(rng: random.Random) -> Generated:
    kind = rng.choice(["choose", "arrange", "word"])
    if kind == "choose":
        n, k = rng.randint(5, 20), rng.randint(2, 5)
        question = f"In how many ways can a committee of {k} people be chosen from {n} people?"
        return Generated("counting", question, str(sympy.binomial(n, k)), 3)
    if kind == "arrange":
        n, k = rng.randint(4, 12), rng.randint(2, 4)
        question = (
            f"In how many ways can {k} different prizes be given to {n} students if "
            "each student gets at most one prize?"
        )
        return Generated("counting", question, str(sympy.ff(n, k)), 3)
    word = rng.choice(WORDS)
    count = sympy.factorial(len(word))
    for letter in set(word):
        count /= sympy.factorial(word.count(letter))
    question = f"How many distinct arrangements of the letters of {word} are there?"
    return Generated("counting", question, str(count), 4)


def modular(rng: random.Random) -> Generated:
    if rng.random() < 0.5:
        base, exponent, modulus = rng.randint(2, 20), rng.randint(10, 200), rng.randint(5, 50)
        question = f"What is the remainder when ${base}^{{{exponent}}}$ is divided by {modulus}?"
        return Generated("modular", question, str(pow(base, exponent, modulus)), 4)
    number, modulus = rng.randint(1000, 10**9), rng.randint(3, 97)
    question = f"What is ${number} \\bmod {modulus}$?"
    return Generated("modular", question, str(number % modulus), 2)


NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jade"]
ITEMS = [
    ("pencils", "box"),
    ("apples", "bag"),
    ("stickers", "sheet"),
    ("cookies", "tray"),
    ("marbles", "jar"),
    ("cards", "pack"),
]


def word_problem(rng: random.Random) -> Generated:
    name, friend = rng.sample(NAMES, 2)
    items, container = rng.choice(ITEMS)
    kind = rng.choice(["groups", "shopping", "speed", "share"])
    if kind == "groups":
        boxes, per_box, given = rng.randint(2, 9), rng.randint(3, 24), rng.randint(1, 15)
        question = (
            f"{name} has {boxes} {container}s of {items} with {per_box} {items} in "
            f"each {container}. {name} gives {given} {items} to {friend}. How many "
            f"{items} does {name} have left?"
        )
        return Generated("word_problem", question, str(boxes * per_box - given), 1)
    if kind == "shopping":
        price, count = rng.randint(2, 40), rng.randint(2, 12)
        discount = rng.choice([10, 20, 25, 50])
        value = sympy.Rational(price * count * (100 - discount), 100)
        question = (
            f"A {container} of {items} costs {price} dollars. {name} buys {count} of "
            f"them and gets a {discount}\\% discount on the total. How many dollars "
            f"does {name} pay?"
        )
        return Generated("word_problem", question, latex(value), 3)
    if kind == "speed":
        speed, hours = rng.randint(20, 90), rng.randint(2, 6)
        extra = rng.randint(10, 60)
        question = (
            f"{name} drives at {speed} km per hour for {hours} hours, then drives "
            f"another {extra} km. How many km does {name} drive in total?"
        )
        return Generated("word_problem", question, str(speed * hours + extra), 2)
    people = rng.randint(2, 8)
    each = rng.randint(2, 15)
    kept = rng.randint(1, 9)
    question = (
        f"{name} had some {items}, kept {kept} and shared the rest equally among "
        f"{people} friends, so that each friend got {each}. How many {items} did "
        f"{name} have at first?"
    )
    return Generated("word_problem", question, str(people * each + kept), 2)


FAMILIES: dict[str, Callable[[random.Random], Generated]] = {
    "arithmetic": arithmetic,
    "fractions": fractions,
    "percentages": percentages,
    "order_of_operations": order_of_operations,
    "linear_equation": linear_equation,
    "linear_system": linear_system,
    "quadratic": quadratic,
    "expand": expand_polynomial,
    "factor": factor_polynomial,
    "derivative": derivative,
    "integral": integral,
    "counting": counting,
    "modular": modular,
    "word_problem": word_problem,
}
