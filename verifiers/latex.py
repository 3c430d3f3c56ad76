"""Read a final answer written in LaTeX or plain text as a value that can be compared.

Model output is hostile, so there is no `eval` anywhere (sympy's `parse_expr` evaluates
Python): a tokenizer and a recursive-descent parser build sympy objects directly from a
whitelist of constructs. Everything is bounded — input length, nesting depth, the size of
integers that powers, factorials and products may build — so a power tower, a huge factorial
or a thousand nested braces fails fast with `AnswerTooLarge` instead of eating the worker. A
parse that does not consume the whole input is an error: `1-\\frac{1}{\\mathrm{e}}x)` never
becomes `1`.

The values (`Parsed`): a sympy expression; `Relation` (`x = 4`, `1 < x \\le 3`); `Sequence`
(tuples, brackets, sets, bare comma lists); `Matrix`; `Text`. Percent signs and degree marks
stay as the symbols `PERCENT` and `DEGREE` so the comparison can read `50\\%` as 50 or 1/2 and
`30^\\circ` as 30 or pi/6, whichever the gold answer means.

The parser also records how an answer was written, which a value cannot tell: each decimal
literal's precision (`Parsed.decimals`), and each operation between numbers that the answer
leaves undone (`Parsed.undone`: `3146 + 4008`, `\\binom{14}{3}`, `\\frac{6}{8}`, `\\sqrt{289}`),
apart from the forms an exact answer takes (a fraction in lowest terms, `3 \\cdot 10^5`, a
mixed number `2\\frac{1}{2}`, `2\\sqrt{3}`, a number too long to write out such as `2^{100}`).
A constant tower (`e^{e^{20}}`) is sized from a low-precision estimate before it is built, and
a function's argument may not exceed 10^50: each would need millions of digits to evaluate.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import sympy

MAX_CHARS = 1000
MAX_DEPTH = 50
MAX_DIGITS = 4000  # below Python's 4300-digit int-to-str limit, so every value prints
MAX_FACTORIAL = 1000
MAX_BINOMIAL = 100_000

PERCENT = sympy.Symbol("PERCENT", positive=True)
DEGREE = sympy.Symbol("DEGREE", positive=True)


class ParseError(ValueError):
    """The text is not an answer this parser reads completely."""


class AnswerTooLarge(ParseError):
    """The answer would build a number or structure past the safety bounds."""


@dataclass(frozen=True)
class Relation:
    """A chain `a op b op c ...`; ops are "=", "!=", "<", "<=", ">", ">="."""

    terms: tuple[Any, ...]
    ops: tuple[str, ...]


@dataclass(frozen=True)
class Sequence:
    """Comma-separated items with their delimiters: "()", "[]", "(]", "[)", "{}", "" (bare),
    "±" (the two values of `a \\pm b`) or "cup" (a union of intervals)."""

    items: tuple[Any, ...]
    brackets: str


@dataclass(frozen=True)
class Matrix:
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Text:
    value: str


@dataclass
class Parsed:
    """A parsed answer and what the comparison needs to know about how it was written."""

    value: Any
    decimal: tuple[int, int] | None = None
    """(significant digits, decimal places) of its least precise decimal literal, if any."""
    decimals: dict[Any, tuple[int, int]] = field(default_factory=dict)
    """Each decimal literal's value and its (significant digits, decimal places)."""
    unit: str | None = None
    notes: list[str] = field(default_factory=list)
    undone: tuple[str, ...] = ()
    """Arithmetic between numbers that the answer leaves undone (`3146 + 4008`, `\\binom{14}{3}`,
    `\\frac{6}{8}`): an answer to a numeric question has to be computed (docs/math.md)."""


# --- normalisation ------------------------------------------------------------------------------

_SPACING = re.compile(
    r"(?<!\\)\\(?:[,;: ]|qquad|quad|(?:displaystyle|textstyle|limits|nolimits)(?![a-zA-Z]))"
)
_SIZING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)[lr]?(?![a-zA-Z])\.?")
_STYLE = re.compile(r"\\(?:mathrm|mathbf|mathit|textbf|textit|boldsymbol|bm|operatorname)\s*")
_TEXT = re.compile(r"\\(?:text|mbox|textnormal|textrm|mathrm)\s*\{([^{}]*)\}")
_THOUSANDS = re.compile(
    r"(?<![\d.])(?!0[,\s])\d{1,3}(?:(?:,|\s?\{,\s?\}\s?|\\,|\s)\d{3})+(?![\d])(?!\.\d*,)"
)
_MIXED_NUMBER = re.compile(
    r"(?<![\w.^_/\\)\]}])([1-9]\d*)[ \t]+([1-9]\d*)[ \t]*/[ \t]*(\d+)(?![\d./])"
)
"""`4 4/9` written in plain text, as `4\\frac{4}{9}` (a mixed number where the fraction is
proper, else no answer); not across a line break, nor after a decimal or a fraction; `0 4/9`
and `4 0/9` are no mixed numbers (and no answers)."""
_UNICODE = {
    "−": "-",
    "–": "-",
    "×": r"\times ",
    "÷": r"\div ",
    "·": r"\cdot ",
    "π": r"\pi ",
    "∞": r"\infty ",
    "≤": r"\le ",
    "≥": r"\ge ",
    "≠": r"\ne ",
    "√": r"\sqrt ",
    "°": r"^\circ ",
    "∪": r"\cup ",
    "∈": r"\in ",
}

UNIT_ALIASES = {
    "meter": "m",
    "metre": "m",
    "meters": "m",
    "metres": "m",
    "kilometer": "km",
    "kilometers": "km",
    "kilometre": "km",
    "kilometres": "km",
    "centimeter": "cm",
    "centimeters": "cm",
    "millimeter": "mm",
    "millimeters": "mm",
    "second": "s",
    "seconds": "s",
    "sec": "s",
    "secs": "s",
    "minute": "min",
    "minutes": "min",
    "mins": "min",
    "hour": "h",
    "hours": "h",
    "hr": "h",
    "hrs": "h",
    "day": "day",
    "days": "day",
    "gram": "g",
    "grams": "g",
    "kilogram": "kg",
    "kilograms": "kg",
    "kgs": "kg",
    "liter": "l",
    "liters": "l",
    "litre": "l",
    "litres": "l",
    "dollar": "$",
    "dollars": "$",
    "cent": "cent",
    "cents": "cent",
    "inch": "in",
    "inches": "in",
    "foot": "ft",
    "feet": "ft",
    "mile": "mi",
    "miles": "mi",
    "mph": "mi/h",
    "unit": "unit",
    "units": "unit",
    "degree": "deg",
    "degrees": "deg",
    "radian": "rad",
    "radians": "rad",
}

FUNCTIONS: dict[str, Any] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "cot": sympy.cot,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "exp": sympy.exp,
    "ln": sympy.log,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
}
WORD_CONSTANTS = {
    "pi": sympy.pi,
    "infty": sympy.oo,
    "infinity": sympy.oo,
    "inf": sympy.oo,
    "oo": sympy.oo,
}
TEXT_WORDS = {"and", "or", "no", "yes", "none", "true", "false", "undefined"}


def normalise_unit(unit: str) -> str:
    unit = unit.strip().lower().rstrip(".")
    return UNIT_ALIASES.get(unit, unit)


_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]{1,20}")
# letters of other scripts drawn like Latin ones: `х` (Cyrillic) must not be a new variable
_LOOKALIKES = str.maketrans("аеорсхуАВЕКМНОРСТХ", "aeopcxyABEKMHOPCTX")


def normalise_unicode(text: str) -> str:
    """NFKC, invisible characters dropped, look-alike letters folded onto Latin: what a rule
    judges is what a reader sees (full-width `＼ｂｏｘｅｄ` is `\\boxed`, `x²` is `x^{2}`)."""
    text = _SUPERSCRIPTS.sub(lambda m: "^{" + m.group().translate(_SUPERSCRIPT) + "}", text)
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return text.replace("\u2044", "/").translate(_LOOKALIKES)


def _thousands(match: re.Match[str]) -> str:
    """1,000,000 is one number; but `(12,102)` alone in brackets is a pair."""
    text, before, after = match.group(), match.string[: match.start()], match.string[match.end() :]
    if text.count(",") == 1 and before.endswith(("(", "[")) and after.startswith((")", "]")):
        return text
    return re.sub(r"\{,\s?\}|\\,|,|\s", "", text)


def normalise(text: str) -> str:
    """LaTeX variants folded onto one spelling; the text still has to parse afterwards."""
    s = normalise_unicode(text).strip()
    for char, latex in _UNICODE.items():
        s = s.replace(char, latex)
    s = s.replace("\\$", "").replace("$", "")
    s = re.sub(r"\\[\[\]()]", "", s)  # \( \) \[ \] math delimiters
    s = re.sub(r"\\[dtc]frac", r"\\frac", s)
    if "\\begin" not in s:  # `\\le` is an escaping slip for `\le`, not a line break
        s = re.sub(r"\\\\(?=[a-zA-Z])", r"\\", s)
    s = re.sub(r",\\!\s*", ",", s)  # 11,\! 111,\! 100: thousands set apart by negative space
    s = s.replace("\\!", "")
    s = s.replace("\\%", "%").replace("\\{", "\x01").replace("\\}", "\x02")
    s = _SIZING.sub("", s)
    s = _SPACING.sub(" ", s)
    s = s.replace("~", " ")
    s = re.sub(r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree", "°", s)
    s = s.replace("\\lvert", "|").replace("\\rvert", "|").replace("\\vert", "|")
    s = s.replace("\\mid", "|")
    s = _THOUSANDS.sub(_thousands, s)
    s = _MIXED_NUMBER.sub(r"\1\\frac{\2}{\3}", s)
    s = re.sub(r"\s+", " ", s).strip()
    return s.rstrip(".").strip()


def split_unit(s: str) -> tuple[str, str | None]:
    """A trailing unit (`5 km`, `12\\text{ cm}`, `3 \\mathrm{kg}`) split off a number."""
    match = re.fullmatch(
        r"(.*?[\d}).°%])\s*"
        r"(?:\\(?:text|mbox|mathrm|textnormal|textbf|textit|mathbf)\s*"
        r"\{\s*([A-Za-z][A-Za-z /^\d.]*?)\s*\}"
        r"|([A-Za-z]{2,}(?: ?(?:per|/) ?[A-Za-z]+)?))\s*(\^\s*\{?\d\}?)?",
        s,
    )
    if not match:
        return s, None
    unit = (match.group(2) or match.group(3) or "").strip()
    if unit.lower() in FUNCTIONS or unit.lower() in WORD_CONSTANTS or unit.lower() in TEXT_WORDS:
        return s, None
    if set(re.findall(r"[a-z]+", unit.lower())) & TEXT_WORDS or re.search(r"(?<!\^)\d", unit):
        return s, None  # `5 \text{ or 6}` is two answers, not 5 in a unit "or 6"
    if match.group(4):
        unit += "^" + re.sub(r"[^\d]", "", match.group(4))
    return match.group(1).strip(), normalise_unit(unit)


# --- tokenizer ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<num>\d+\.?\d*(?:[eE][+-]?\d+(?![a-zA-Z]))?|\.\d+(?:[eE][+-]?\d+)?)
    |(?P<cmd>\\[a-zA-Z]+)
    |(?P<word>[a-zA-Z]+)
    |(?P<op>\\\\|<=|>=|!=|[-+*/^_()\[\]{},=<>!|%'&;:°\x01\x02])
    |(?P<space>\s+)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # num, cmd, word, op, end
    text: str


def tokenize(s: str) -> list[Token]:
    tokens, position = [], 0
    while position < len(s):
        match = _TOKEN.match(s, position)
        if match is None:
            raise ParseError(f"unexpected character {s[position]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        if kind == "space":
            continue
        text = match.group()
        if kind == "cmd" and text in (r"\le", r"\leq", r"\leqslant"):
            kind, text = "op", "<="
        elif kind == "cmd" and text in (r"\ge", r"\geq", r"\geqslant"):
            kind, text = "op", ">="
        elif kind == "cmd" and text in (r"\ne", r"\neq"):
            kind, text = "op", "!="
        elif kind == "cmd" and text in (r"\lt",):
            kind, text = "op", "<"
        elif kind == "cmd" and text in (r"\gt",):
            kind, text = "op", ">"
        tokens.append(Token(kind, text))
    tokens.append(Token("end", ""))
    return tokens


# --- parser -------------------------------------------------------------------------------------

RELATIONS = {"=", "!=", "<", "<=", ">", ">="}
STARTS_PRIMARY_CMDS = {
    r"\frac",
    r"\sqrt",
    r"\pi",
    r"\infty",
    r"\binom",
    r"\sum",
    r"\prod",
    r"\begin",
    r"\text",
    *(f"\\{f}" for f in FUNCTIONS),
}


def _check_size(value: Any) -> Any:
    """Refuse rationals past MAX_DIGITS digits: every arithmetic node passes through here."""
    if isinstance(value, sympy.Rational):
        bits = max(int(value.p).bit_length(), int(value.q).bit_length())
        if bits * 0.30103 > MAX_DIGITS:
            raise AnswerTooLarge(f"a number of more than {MAX_DIGITS} digits")
    return value


MARKS = {PERCENT, DEGREE}
COMPUTED_DIGITS = 12
"""Arithmetic whose result has more digits than this may stay undone (`2^{100}`, `\\binom{50}{25}`):
written out, such a number is no more an answer than the expression."""
MAX_MAGNITUDE_DIGITS = 50
"""A function's argument may be at most 10^50 in size: `\\sin(e^{e^{20}})` needs the argument to
millions of digits before its first digit is known."""


def _estimate(value: Any) -> complex | None:
    """A constant's value at low precision, or None when it has none that is finite."""
    try:
        estimate = complex(sympy.N(value, 15, maxn=30))
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return None
    finite = all(math.isfinite(part) for part in (estimate.real, estimate.imag))
    return estimate if finite else None


def _magnitude_digits(value: Any) -> float:
    """log10 |value| of a constant (inf when it has no finite value)."""
    estimate = _estimate(value)
    if estimate is None:
        return math.inf
    return math.log10(abs(estimate)) if estimate else -math.inf


def is_rational_constant(value: Any) -> bool:
    """A rational number, perhaps with a percent or degree mark (`40\\%`)."""
    if not isinstance(value, sympy.Expr) or value.free_symbols - MARKS:
        return False
    plain = value.subs({PERCENT: 1, DEGREE: 1}) if value.free_symbols else value
    return bool(plain.is_Rational)


def _small(value: Any) -> bool:
    symbols = value.free_symbols
    if symbols - MARKS:  # a variable: no number (and no slow substitution to find that)
        return False
    plain = value.subs({PERCENT: 1, DEGREE: 1}) if symbols else value
    limit = 10**COMPUTED_DIGITS
    return bool(plain.is_Rational) and abs(int(plain.p)) <= limit and int(plain.q) <= limit


def _power(base: Any, exponent: Any) -> Any:
    if (
        isinstance(base, sympy.Expr)
        and isinstance(exponent, sympy.Expr)
        and not (base.free_symbols or exponent.free_symbols)
        and not (isinstance(base, sympy.Number) and isinstance(exponent, sympy.Number))
    ):
        # a constant tower such as e^{e^{20}}: its size is known before it is built
        exponent_value = _estimate(exponent)
        base_digits = abs(_magnitude_digits(base))
        if exponent_value is None or abs(exponent_value.real) * max(1.0, base_digits) > MAX_DIGITS:
            raise AnswerTooLarge(f"a power of more than {MAX_DIGITS} digits")
    if isinstance(base, sympy.Number) and isinstance(exponent, sympy.Number):
        magnitude = abs(base)
        if magnitude not in (0, 1) and magnitude.is_finite and exponent.is_finite:
            digits = (
                abs(float(exponent)) * abs(math.log10(float(magnitude)))
                if float(magnitude) not in (0.0, math.inf)
                else math.inf
            )
            if isinstance(magnitude, sympy.Rational) and magnitude.q != 1:
                digits = max(digits, abs(float(exponent)) * math.log10(float(magnitude.q)))
            if digits > MAX_DIGITS:
                raise AnswerTooLarge(f"a power of more than {MAX_DIGITS} digits")
    elif isinstance(exponent, sympy.Number) and abs(exponent) > 10_000:
        raise AnswerTooLarge("an exponent above 10000")
    return _check_size(sympy.Pow(base, exponent))


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.decimal: tuple[int, int] | None = None
        self.decimals: dict[Any, tuple[int, int]] = {}
        # how the value parsed last was written: "literal" (one number), "pow10" (10^n),
        # "scientific" (a literal times 10^n), "fraction" (a/b in lowest terms), "mixed"
        # (2\frac{1}{2}) or "other"; read right after each operand is parsed
        self.tag = "other"
        self.undone: list[str] = []
        self.indices: list[str] = []  # the indices of the \sum/\prod the parser is inside

    def note(self, what: str, result: Any, *operands: Any) -> None:
        """Record arithmetic left undone: an operation whose result is a rational number,
        which is written as one (`3146 + 4008`, but also `\\sqrt{2} \\cdot \\sqrt{8}`, `e^{\\ln 2}`,
        and `3146 + x + 4008 - x`, where a variable cancels), unless it is too long to write
        out. The forms of an exact answer (a fraction in lowest terms, `3 \\cdot 10^5`, a mixed
        number) never come here."""
        if isinstance(result, sympy.Expr) and _small(result):
            self.undone.append(what)
        self.tag = "other"

    def matrix_arithmetic(self, op: str, a: Any, b: Any) -> Matrix:
        """`A + B`, `AB`, `2A`: read, and noted as undone where the result is a matrix of
        numbers: "Compute A + B" given back as `A + B` restates the question, as `3146 + 4008`
        does for a number (an entry with a variable or an irrational part is not noted, as
        for numbers)."""
        value = _matrix_arithmetic(op, a, b)
        if all(_small(entry) for row in value.rows for entry in row):
            self.undone.append("matrix arithmetic")
        self.tag = "other"
        return value

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != "end":  # the end stays put: `x_` ends in an error, not past the list
            self.i += 1
        return token

    def accept(self, text: str) -> bool:
        if self.tok.text == text and self.tok.kind != "end":
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise ParseError(f"expected {text!r}, found {self.tok.text or 'the end'!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise AnswerTooLarge(f"nesting deeper than {MAX_DEPTH}")

    # grammar
    def answer(self) -> Any:
        items = self.comma_list(closers={"end"})
        if self.tok.kind != "end":
            raise ParseError(f"unexpected {self.tok.text!r}")
        return items[0] if len(items) == 1 else Sequence(tuple(items), "")

    def comma_list(self, closers: set[str]) -> list[Any]:
        """Items separated by commas; `;` separates groups of them (`p=5,q=2;p=7,q=2` is
        two solutions of two values each)."""
        groups, items = [], [self.item()]
        while self.tok.text in (",", ";") and self.tok.kind == "op":
            separator = self.next().text
            if self.tok.text in closers or self.tok.kind in closers:
                break  # a trailing comma
            if separator == ";":
                groups.append(items)
                items = []
            items.append(self.item())
        groups.append(items)
        if len(groups) > 1 and any(len(g) > 1 for g in groups):
            return [g[0] if len(g) == 1 else Sequence(tuple(_spread(g)), "") for g in groups]
        return _spread([item for group in groups for item in group])

    def item(self) -> Any:
        before = len(self.undone)
        terms, ops = [self.union()], []
        last_side = before
        while self.tok.kind == "op" and self.tok.text in RELATIONS:
            ops.append(self.next().text)
            last_side = len(self.undone)
            terms.append(self.union())
        if ops and set(ops) == {"="}:  # `5 + 6 = 11`: the work shown before the value
            self.undone[before:] = self.undone[last_side:]
        return Relation(tuple(terms), tuple(ops)) if ops else terms[0]

    def union(self) -> Any:
        first = self.sum()
        if self.tok.text != r"\cup":
            return first
        parts = [first]
        while self.accept(r"\cup"):
            parts.append(self.sum())
        if all(isinstance(p, Sequence) and p.brackets == "{}" for p in parts):
            # \{1\} \cup \{2\} is the set \{1, 2\}
            return Sequence(tuple(dict.fromkeys(i for p in parts for i in p.items)), "{}")
        return Sequence(tuple(parts), "cup")

    def sum(self) -> Any:
        value = self.product()
        while (self.tok.kind == "op" and self.tok.text in ("+", "-")) or self.tok.text in (
            r"\pm",
            r"\mp",
        ):
            op = self.next().text
            rhs = self.product()
            if op in (r"\pm", r"\mp"):  # the notation for two values, not arithmetic
                value = _both(lambda a, b: Sequence((a + b, a - b), "±"), value, rhs)
                self.tag = "other"
                continue
            if isinstance(value, Matrix) or isinstance(rhs, Matrix):
                value = self.matrix_arithmetic(op, value, rhs)
                continue
            result = _both(
                lambda a, b, op=op: _check_size(a + b if op == "+" else a - b), value, rhs
            )
            self.note("a sum of numbers", result, value, rhs)
            value = result
        return value

    def product(self) -> Any:
        value = self.unary()
        while True:
            token, tag = self.tok, self.tag
            if token.text in ("*", r"\cdot", r"\times", "/", r"\div", ":") and token.kind in (
                "op",
                "cmd",
            ):
                self.next()
                rhs = self.unary()
                if isinstance(value, Matrix) or isinstance(rhs, Matrix):
                    if token.text not in ("*", r"\cdot", r"\times"):
                        raise ParseError("a division by a matrix")
                    value = self.matrix_arithmetic("*", value, rhs)
                elif token.text in ("/", r"\div", ":"):  # a ratio 7:32 is a quotient
                    value = self.quotient(value, tag, rhs, self.tag)
                else:
                    result = _both(lambda a, b: _check_size(a * b), value, rhs)
                    if {tag, self.tag} == {"literal", "pow10"}:  # 3 \cdot 10^5
                        self.tag = "scientific"
                    else:
                        self.note("a product of numbers", result, value, rhs)
                    value = result
            elif self.starts_implicit_factor():
                rhs = self.power()
                fraction, mark = rhs, sympy.Integer(1)
                if self.tag == "marked" and isinstance(rhs, sympy.Mul):
                    fraction, mark = rhs.as_independent(*MARKS, as_Add=False)
                fraction_tag = "fraction" if self.tag == "marked" else self.tag
                if (
                    tag == "literal"
                    and fraction_tag == "fraction"
                    and mark in (1, *MARKS)
                    and _proper(value, fraction)
                ):
                    # a mixed number: 2\frac{1}{2} is 5/2; `2\frac{1}{2}\%` is 5/2 percent
                    value = (value + fraction if value >= 0 else value - fraction) * mark
                    self.tag = "mixed" if mark == 1 else "marked"
                    continue
                if isinstance(value, Matrix) or isinstance(rhs, Matrix):
                    value = self.matrix_arithmetic("*", value, rhs)
                    continue
                result = _both(lambda a, b: _check_size(a * b), value, rhs)
                self.note("a product of numbers", result, value, rhs)
                value = result
            else:
                return value

    def quotient(self, numerator: Any, numerator_tag: str, denominator: Any, tag: str) -> Any:
        """a / b; of two integers, an answer only in lowest terms (3/4, not 6/8 or 12/4)."""

        def divide(a: Any, b: Any) -> Any:
            if b == 0:
                raise ParseError("division by zero")
            return _check_size(a / b)

        result = _both(divide, numerator, denominator)
        if (
            numerator_tag == tag == "literal"
            and isinstance(numerator, sympy.Integer)
            and isinstance(denominator, sympy.Integer)
            and abs(denominator) > 1
            and math.gcd(int(numerator), int(denominator)) == 1
        ):
            self.tag = "fraction"
        else:
            self.note("a quotient of numbers", result, numerator, denominator)
        return result

    def starts_implicit_factor(self) -> bool:
        token = self.tok
        if token.kind == "word":
            return True
        if token.kind == "cmd":
            return token.text in STARTS_PRIMARY_CMDS
        return token.kind == "op" and token.text in ("(", "\x01")

    def unary(self) -> Any:
        if self.tok.text in (r"\pm", r"\mp"):  # `\pm 2`: both signs
            self.next()
            value = self.unary()
            _require_expr(value)
            self.tag = "other"
            return Sequence((value, -value), "±")
        if self.tok.kind == "op" and self.tok.text in ("+", "-"):
            sign = self.next().text
            self.enter()
            value = self.unary()
            self.depth -= 1
            if sign == "-" and isinstance(value, sympy.Expr) and value.is_Rational and value < 0:
                self.note("a negation of a negative number", -value, value)  # `-(-5)`, `--5`
            return _both(lambda a, _: -a if sign == "-" else a, value, sympy.Integer(0))
        return self.power()

    def power(self) -> Any:
        base = self.postfix(self.primary())
        base_tag = self.tag
        if self.accept("^"):
            self.enter()
            exponent = self.group() if self.tok.text == "{" else self.unary_power()
            self.depth -= 1
            _require_expr(base, exponent)
            result = _power(base, exponent)
            if base_tag == "literal" and base == 10 and isinstance(exponent, sympy.Integer):
                self.tag = "pow10"
            else:
                self.note("a power of numbers", result, base, exponent)
            return self.postfix(result)
        return base

    def unary_power(self) -> Any:
        # `2^-1` and `2^3^2` (right-associative) without braces
        if self.tok.kind == "op" and self.tok.text in ("+", "-"):
            sign = self.next().text
            value = self.unary_power()
            return -value if sign == "-" else value
        return self.power()

    def postfix(self, value: Any) -> Any:
        while True:
            if self.accept("!"):
                _require_expr(value)
                if not (isinstance(value, sympy.Integer) and 0 <= value <= MAX_FACTORIAL):
                    raise AnswerTooLarge(f"a factorial of something other than 0..{MAX_FACTORIAL}")
                operand, value = value, sympy.factorial(value)
                self.note("a factorial", value, operand)
            elif self.accept("%"):
                _require_expr(value)
                value = value * PERCENT
                self.tag = "marked"
            elif self.accept("°"):
                _require_expr(value)
                value = value * DEGREE
                self.tag = "marked"
            else:
                return value

    def group(self) -> Any:
        """`{...}`: a TeX group. Its braces do not print: `{1,3}` shows, and is, the bare list
        `1,3` (a set is `\\{1,3\\}`)."""
        self.expect("{")
        self.enter()
        items = self.comma_list(closers={"}"})
        self.depth -= 1
        self.expect("}")
        return items[0] if len(items) == 1 else Sequence(tuple(items), "")

    def argument(self) -> Any:
        """A macro argument: a group, or a single digit or letter (`\\frac12`)."""
        if self.tok.text == "{":
            return self.group()
        token = self.next()
        self.tag = "literal" if token.kind == "num" else "other"
        if token.kind == "num":
            if not token.text[0].isdigit():
                raise ParseError(f"expected a macro argument, found {token.text!r}")
            if len(token.text) > 1:  # \frac12: the first digit is the argument
                self.i -= 1
                self.tokens[self.i] = Token("num", token.text[1:])
                return sympy.Integer(token.text[0])
            return sympy.Integer(token.text)
        if token.kind == "word" and len(token.text) == 1:
            if token.text in self.indices:
                return sympy.Symbol(token.text)
            return {"e": sympy.E, "i": sympy.I}.get(token.text, sympy.Symbol(token.text))
        if token.kind == "cmd" and token.text == r"\pi":
            return sympy.pi
        raise ParseError(f"expected a macro argument, found {token.text or 'the end'!r}")

    def primary(self) -> Any:
        token = self.tok
        self.enter()
        try:
            if token.kind == "num":
                self.next()
                return self.number(token.text)
            if token.kind == "word":
                return self.word()
            if token.kind == "cmd":
                return self.command()
            if token.text in ("(", "["):
                return self.bracketed()
            if token.text == "{":
                return self.group()
            if token.text == "\x01":
                self.next()
                items = [] if self.tok.text == "\x02" else self.comma_list(closers={"\x02"})
                self.expect("\x02")
                return Sequence(tuple(items), "{}")
            if token.text == "|":
                self.next()
                inner = self.sum()
                self.expect("|")
                _require_expr(inner)
                value = sympy.Abs(inner)
                if not inner.free_symbols:  # `|{-11}|`, `|3 + 4i|`: sympy takes it at once
                    self.note("an absolute value of a number", value, inner)
                return value
            raise ParseError(f"unexpected {token.text or 'end of answer'!r}")
        finally:
            self.depth -= 1

    def number(self, text: str) -> Any:
        mantissa, _, exponent = text.lower().partition("e")
        if len(mantissa) > MAX_DIGITS:
            raise AnswerTooLarge(f"a number of more than {MAX_DIGITS} digits")
        self.tag = "literal"
        value = sympy.Rational(mantissa)
        if exponent:
            value = _power(sympy.Integer(10), sympy.Integer(exponent)) * value
        value = _check_size(value)
        if "." in mantissa:  # remember how precisely it was written: 3.14 is pi to 2 places
            significant = len(mantissa.replace(".", "").lstrip("0"))
            written = (significant, len(mantissa.split(".")[1]) - int(exponent or 0))
            if self.decimal is None or significant < self.decimal[0]:
                self.decimal = written
            self.decimals[value] = written
        return value

    def word(self) -> Any:
        text = self.next().text
        lowered = text.lower()
        if lowered in WORD_CONSTANTS:
            return WORD_CONSTANTS[lowered]
        if lowered in FUNCTIONS:
            return self.function(lowered)
        if len(text) == 1:
            primes = 0
            while self.accept("'"):
                primes += 1
            if primes:  # f'(x), y'': a derivative's name
                return sympy.Symbol(text + "'" * primes)
            if self.tok.text == "_":  # x_1, a_{37}, S_{MBCN}: one name
                self.next()
                return sympy.Symbol(f"{text}_{self.subscript()}")
            if text == "e" and text not in self.indices:
                return sympy.E
            if text == "i" and text not in self.indices:
                return sympy.I
            return sympy.Symbol(text)
        # "xy" is x*y; anything else made of letters is not math this parser reads
        if len(text) <= 3:
            value: Any = sympy.Integer(1)
            for letter in text:
                value *= sympy.E if letter == "e" else sympy.Symbol(letter)
            return value
        raise ParseError(f"unexpected word {text!r}")

    def subscript(self) -> str:
        if not self.accept("{"):
            return self.next().text
        parts: list[str] = []
        depth = 1
        while self.tok.kind != "end":
            token = self.next()
            depth += {"{": 1, "}": -1}.get(token.text, 0)
            if depth == 0:
                return "".join(parts)
            parts.append(token.text)
        raise ParseError("unclosed subscript")

    def function(self, name: str) -> Any:
        power = None
        if self.accept("^"):
            power = self.argument()
        base = None
        if name == "log" and self.accept("_"):
            base = self.argument()
        if self.tok.text in ("(", "{"):
            arg = self.bracketed() if self.tok.text == "(" else self.group()
        else:
            # `\sin 2x` is sin(2x); `\sin x \cos x` stops at the next function
            arg = self.power()
            while self.tok.kind == "word" and self.tok.text.lower() not in FUNCTIONS:
                factor = self.power()
                _require_expr(arg, factor)
                arg = _check_size(arg * factor)
        _require_expr(arg)
        if _magnitude_digits(arg) > MAX_MAGNITUDE_DIGITS and not arg.free_symbols:
            raise AnswerTooLarge(f"a function of a number above 10^{MAX_MAGNITUDE_DIGITS}")
        if name == "exp":
            value = _power(sympy.E, arg)
        else:
            value = FUNCTIONS[name](arg) if base is None else sympy.log(arg, base)
        operands = (arg,) if base is None else (arg, base)
        if value.is_Rational:  # \sqrt{289}, \log_2 8: a function of a number, not done
            self.note("a function of a number", value, *operands)
        self.tag = "other"
        return _power(value, power) if power is not None else value

    def command(self) -> Any:
        text = self.next().text
        name = text[1:]
        if name == "frac":
            numerator = self.argument()
            numerator_tag = self.tag
            denominator = self.argument()
            return self.quotient(numerator, numerator_tag, denominator, self.tag)
        if name == "sqrt":
            index = None
            if self.accept("["):
                index = self.sum()
                self.expect("]")
            radicand = self.argument()
            _require_expr(radicand)
            value = sympy.sqrt(radicand) if index is None else sympy.root(radicand, index)
            if value.is_Rational:  # \sqrt{289}: a root left to take
                self.note("a root of a number", value, radicand)
            self.tag = "other"
            return value
        if name == "binom":
            n, k = self.argument(), self.argument()
            if not all(isinstance(v, sympy.Integer) and 0 <= v <= MAX_BINOMIAL for v in (n, k)):
                raise AnswerTooLarge(f"a binomial outside 0..{MAX_BINOMIAL}")
            if 0 <= k <= n:  # its size, known before it is computed
                n_, k_ = int(n), int(k)
                log_value = math.lgamma(n_ + 1) - math.lgamma(k_ + 1) - math.lgamma(n_ - k_ + 1)
                if log_value / math.log(10) > MAX_DIGITS:
                    raise AnswerTooLarge(f"a number of more than {MAX_DIGITS} digits")
            value = _check_size(sympy.binomial(n, k))
            self.note("a binomial coefficient", value, n, k)
            return value
        if name in ("sum", "prod"):
            return self.big_operator(name)
        if name in WORD_CONSTANTS:
            return WORD_CONSTANTS[name]
        if name in FUNCTIONS:
            return self.function(name)
        if name == "begin":
            return self.matrix()
        if name == "text":
            raise ParseError("text inside an expression")
        raise ParseError(f"unsupported command {text}")

    def big_operator(self, name: str) -> Any:
        """`\\sum_{k=0}^{n-1} a_k b_k`. The index is renamed by the operator's nesting depth,
        so that `\\sum_{j=1}^{n} j^2` is `\\sum_{k=1}^{n} k^2`. A sum or product over at most
        MAX_BIG_OPERATOR_TERMS integers of a polynomial in the index is computed, its size
        known before it is built, and noted as undone (`\\sum_{k=1}^{10} k` restates "add
        1 to 10" as 3146 + 4008 does); any other is kept unevaluated and compared by its form
        (its bounds may be huge or symbolic, its terms anything)."""
        self.expect("_")
        bound = self.argument()
        letters = {sympy.I: sympy.Symbol("i"), sympy.E: sympy.Symbol("e")}
        if isinstance(bound, Relation) and bound.terms[0] in letters:  # i and e as an index
            bound = Relation((letters[bound.terms[0]], *bound.terms[1:]), bound.ops)
        if not (
            isinstance(bound, Relation)
            and bound.ops == ("=",)
            and isinstance(bound.terms[0], sympy.Symbol)
        ):
            raise ParseError(f"\\{name} needs an index such as k=1 below it")
        self.expect("^")
        upper = self.argument()
        index, lower = bound.terms
        depth = len(self.indices)
        self.indices.append(index.name)  # `i` in `\\sum_{i=1}^n i^2` is the index, not sqrt(-1)
        summand = self.product()
        self.indices.pop()
        _require_expr(lower, upper, summand)
        canonical = sympy.Symbol(f"_index{depth}")
        summand = _renamed(summand, index, canonical)
        self.tag = "other"
        value = _evaluated(name, summand, canonical, lower, upper)
        if value is not None:
            self.note(f"a {name} of numbers", value)
            return value
        operator = sympy.Sum if name == "sum" else sympy.Product
        return operator(summand, (canonical, lower, upper))

    def bracketed(self) -> Any:
        opener = self.next().text
        items = self.comma_list(closers={")", "]"})
        closer = self.next().text
        if closer not in (")", "]"):
            raise ParseError(f"unclosed {opener!r}")
        if len(items) == 1 and opener + closer in ("()", "[]"):
            return items[0]
        if len(items) == 1:
            raise ParseError(f"mismatched {opener}{closer}")
        return Sequence(tuple(items), opener + closer)

    def matrix(self) -> Matrix:
        self.expect("{")
        env = self.next().text
        self.expect("}")
        if env not in ("pmatrix", "bmatrix", "matrix", "vmatrix", "array"):
            raise ParseError(f"unsupported environment {env}")
        if env == "array" and self.accept("{"):
            while self.tok.kind != "end" and not self.accept("}"):
                self.next()
        rows: list[list[Any]] = [[]]
        while True:
            rows[-1].append(self.sum())
            if self.accept("&"):
                continue
            if self.accept("\\\\") and self.tok.text != r"\end":
                rows.append([])
                continue
            if self.accept(r"\end"):
                self.expect("{")
                if self.next().text != env:
                    raise ParseError(f"\\begin{{{env}}} closed by another environment")
                self.expect("}")
                break
            raise ParseError(f"unexpected {self.tok.text or 'end'!r} in {env}")
        if len({len(r) for r in rows}) != 1:
            raise ParseError("matrix rows of different lengths")
        return Matrix(tuple(tuple(r) for r in rows))


MAX_BIG_OPERATOR_TERMS = 2025
"""The most terms a `\\sum`/`\\prod` of a polynomial may have and still be computed (a year's
worth: competition problems sum to the year), within MAX_BIG_OPERATOR_WORK coefficient steps;
of a quotient, whose denominators pile up, MAX_BIG_OPERATOR_QUOTIENTS."""
MAX_BIG_OPERATOR_QUOTIENTS = 200
MAX_BIG_OPERATOR_WORK = 20_000


def _renamed(summand: Any, index: sympy.Symbol, canonical: sympy.Symbol) -> Any:
    """The summand with its index renamed, in subscripted names too (`F_{n-k-1}`)."""
    mentions = re.compile(rf"(?<![A-Za-z]){re.escape(index.name)}(?![A-Za-z])")
    renames = {index: canonical}
    for symbol in summand.free_symbols:
        head, underscore, subscript = symbol.name.partition("_")
        if underscore and head and mentions.search(subscript):
            renames[symbol] = sympy.Symbol(head + "_" + mentions.sub(canonical.name, subscript))
    return summand.xreplace(renames)


def _evaluated(name: str, summand: Any, index: sympy.Symbol, lower: Any, upper: Any) -> Any:
    """The value of a sum or product over a short range of integers of a rational function of
    the index (`k^2`, `\\frac{1}{k(k+1)}`); None for any other, or one that would take long
    (kept as a form: `2^k` could hide a tower). AnswerTooLarge past MAX_DIGITS, estimated from
    the largest term before anything is computed, and checked after each step."""
    if not (isinstance(lower, sympy.Integer) and isinstance(upper, sympy.Integer)):
        return None
    count = int(upper) - int(lower) + 1
    if not 1 <= count <= MAX_BIG_OPERATOR_TERMS or summand.free_symbols - {index}:
        return None
    if not summand.is_rational_function(index):
        return None
    numerator, denominator = (
        sympy.Poly(part, index) for part in sympy.fraction(sympy.together(summand))
    )
    degrees = numerator.degree() + denominator.degree() + 1
    quotient = denominator.degree() > 0
    if count * degrees > MAX_BIG_OPERATOR_WORK or (quotient and count > MAX_BIG_OPERATOR_QUOTIENTS):
        return None
    largest = math.log10(max(abs(int(lower)), abs(int(upper)), 2))
    digits = 0.0
    for part in (numerator, denominator):
        coefficients = part.coeffs()
        if not all(c.is_Integer for c in coefficients):
            return None
        biggest = max((abs(int(c)) for c in coefficients), default=1)
        digits = max(
            digits, part.degree() * largest + math.log10(max(biggest, 1) * len(coefficients))
        )
    if (digits + math.log10(count) if name == "sum" else digits * count) > MAX_DIGITS:
        raise AnswerTooLarge(f"a {name} of more than {MAX_DIGITS} digits")
    value: Any = sympy.Integer(0 if name == "sum" else 1)
    for i in range(int(lower), int(upper) + 1):
        below = denominator.eval(i)
        if below == 0:
            raise ParseError(f"the {name}'s term at {i} divides by zero")
        term = sympy.Rational(numerator.eval(i), below)
        value = _check_size(value + term if name == "sum" else value * term)
    return value


def _spread(items: list[Any]) -> list[Any]:
    """`0, \\pm 1` lists three values."""
    if len(items) < 2:
        return items
    return [
        part
        for item in items
        for part in (item.items if isinstance(item, Sequence) and item.brackets == "±" else (item,))
    ]


def _matrix_arithmetic(op: str, a: Any, b: Any) -> Matrix:
    """A sum, difference or product with a matrix: `A + B`, `A B`, `2A`."""
    left = sympy.Matrix(a.rows) if isinstance(a, Matrix) else a
    right = sympy.Matrix(b.rows) if isinstance(b, Matrix) else b
    if not all(isinstance(v, (sympy.Expr, sympy.MatrixBase)) for v in (left, right)):
        raise ParseError("arithmetic between a matrix and a tuple, set or relation")
    try:
        value = {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right}[
            op
        ]()
    except (sympy.ShapeError, TypeError) as exc:
        raise ParseError(f"matrices that do not fit: {exc}") from None
    if not isinstance(value, sympy.MatrixBase):
        raise ParseError("a matrix added to a number")
    return Matrix(tuple(tuple(value.row(i)) for i in range(value.rows)))


def _both(operation: Any, a: Any, b: Any) -> Any:
    """`operation(a, b)`, once for each value of a `\\pm` operand: (12 \\pm 4)/2 is 8 and 4."""
    if isinstance(a, Sequence) and a.brackets == "±":
        return Sequence(tuple(_both(operation, item, b) for item in a.items), "±")
    if isinstance(b, Sequence) and b.brackets == "±":
        return Sequence(tuple(_both(operation, a, item) for item in b.items), "±")
    _require_expr(a, b)
    return operation(a, b)


def _proper(whole: Any, fraction: Any) -> bool:
    return (
        isinstance(whole, sympy.Integer)
        and whole != 0
        and isinstance(fraction, sympy.Rational)
        and 0 < fraction < 1
    )


def _require_expr(*values: Any) -> None:
    for value in values:
        if not isinstance(value, sympy.Basic):
            raise ParseError("arithmetic on a tuple, set or relation")


def _approximation(s: str) -> str:
    """`x = 1/3 \\approx 0.33` keeps the exact part; `x \\approx 11` reads as `x = 11`."""
    if "\\approx" not in s:
        return s
    head = s.split("\\approx", 1)[0]
    return head if "=" in head else s.replace("\\approx", "=")


_MULTIPLE_CHOICE = re.compile(r"^\(?([A-Ea-e])\)?$")


def parse_answer(text: str) -> Parsed:
    """Parse a final answer; raises ParseError (AnswerTooLarge for hostile sizes)."""
    if len(text) > MAX_CHARS:
        raise AnswerTooLarge(f"an answer longer than {MAX_CHARS} characters")
    s = normalise(text)
    whole_text = re.fullmatch(r"\\(?:text|mbox|textbf|mathrm)\s*\{([^{}]*)\}", s)
    if whole_text:
        inner = whole_text.group(1).strip()
        choice = _MULTIPLE_CHOICE.match(inner)
        if choice and (inner.startswith("(") or inner.isupper()):
            return Parsed(Text(choice.group(1).upper()), notes=["multiple choice"])
        try:
            return parse_answer(inner)
        except ParseError:
            return Parsed(Text(" ".join(inner.lower().split())), notes=["text"])
    choice = _MULTIPLE_CHOICE.match(s)
    if choice and (s.startswith("(") or s.isupper()):
        return Parsed(Text(choice.group(1).upper()), notes=["multiple choice"])
    # x \in [1, 2], (p, q) \in \{(5, 2), (7, 2)\}: the name of what the set holds
    s = re.sub(r"^(?:[A-Za-z]|\(\s*[A-Za-z](?:\s*,\s*[A-Za-z]){1,9}\s*\))\s*\\in\s*", "", s)
    s = _approximation(s)
    s, unit = split_unit(s)
    s = _TEXT.sub(lambda m: m.group(1), s)
    s = _STYLE.sub("", s)
    if re.fullmatch(r"-?\d+,\d\d|-?0,\d+", s):  # a decimal comma: 1000,99 (but 1,2 is a list)
        s = s.replace(",", ".")
    # "p=5, q=2 or p=7, q=2": two solutions of named values, as `;` writes them
    solutions = re.split(r"\s*,?\s*\bor\b\s*", s)
    if len(solutions) > 1 and all("=" in part and "," in part for part in solutions):
        s = "; ".join(solutions)
    # "1 and 2", "(11,7) or (7,11)", "6 \text{ and } 8": a list of answers
    s = re.sub(r"\s*,?\s*\b(?:and|or)\b\s*", ", ", s) if re.search(r"\d", s) else s
    if (
        re.fullmatch(r"[A-Za-z][A-Za-z ]*[A-Za-z]", s)
        and s.lower() not in WORD_CONSTANTS
        and (len(s) > 3 or s.lower() in TEXT_WORDS)
    ):
        return Parsed(Text(" ".join(s.lower().split())), notes=["text"])
    if not s:
        raise ParseError("empty answer")
    parser = _Parser(tokenize(s))
    try:
        value = parser.answer()
    except RecursionError:
        raise AnswerTooLarge("nesting too deep") from None
    except ParseError:
        raise
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise ParseError(f"cannot build the value: {exc}") from None
    return Parsed(
        value,
        decimal=parser.decimal,
        decimals=parser.decimals,
        unit=unit,
        undone=tuple(dict.fromkeys(parser.undone)),
    )
