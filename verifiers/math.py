"""The `math` verifier: extract the final answer, read it safely, compare it with the gold.

Extraction (`mode`, per row or per verifier):
- `strict`, the training default: the answer is what the completion puts in `\\boxed{}` after
  its reasoning section. No box, an empty box, or several boxes that disagree score 0.
- `lenient`, for free-form text: a box if there is one, else "the answer is ...", else
  "Answer: ...", else the last math span (`$...$`, `\\(...\\)`, `\\[...\\]`), else the last
  number in the text.

Equivalence (`equivalent`): integers and rationals exactly, with no absolute tolerance
anywhere; a decimal against an irrational or a non-terminating fraction to the precision the
decimal was written with (at least three significant digits); expressions with variables by
evaluation at fixed sample points at 30-digit precision (an identity test, bounded in time,
unlike `simplify`); sets and bare lists in any order, tuples and intervals in order, matrices
entrywise; `x = 4` answers `4`; two equations are equal when one is a nonzero multiple of the
other; single-variable inequalities as the sets they describe; `50%` as 50 or 1/2 and
`30^\\circ` as 30 or pi/6, whichever the gold means; units must agree when both sides have one.

`info["status"]` tells "no_answer" (nothing extracted) apart from "wrong" (extracted, not
equal), "hedged", "empty_box", "unparseable" and "too_large" (a hostile answer).
With `unboxed_credit=c` (training), a strict row with no box whose free-text answer is right
scores c instead of 0 ("correct_unboxed"): a shaping signal for a model that cannot box yet.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import sympy

from rlvr.text import REASONING_CLOSE, boxed_contents, strip_reasoning
from rlvr.verdict import Verdict
from rlvr.verifiers.latex import (
    DEGREE,
    PERCENT,
    AnswerTooLarge,
    Matrix,
    Parsed,
    ParseError,
    Relation,
    Sequence,
    Text,
    normalise,
    parse_answer,
)

MODES = ("strict", "lenient")
SAMPLE_POINTS = 5
PRECISION = 30
EXACT_RELATIVE = sympy.Float("1e-20", PRECISION)
MIN_DECIMAL_DIGITS = 3

# percent and degree marks: read both ways, the gold decides which one holds
_MARK_READINGS = (
    {PERCENT: sympy.Rational(1, 100), DEGREE: sympy.pi / 180},
    {PERCENT: sympy.Integer(1), DEGREE: sympy.Integer(1)},
    {PERCENT: sympy.Rational(1, 100), DEGREE: sympy.Integer(1)},
    {PERCENT: sympy.Integer(1), DEGREE: sympy.pi / 180},
)
_ORDERED = ("()", "[]", "(]", "[)")


@dataclass(frozen=True)
class Written:
    """How the decimals of both answers were written: each literal's (significant digits,
    places), and the least precise one for values that were computed from literals."""

    least: tuple[int, int] | None = None
    by_value: Mapping[Any, tuple[int, int]] = field(default_factory=dict)

    def precision(self, *values: Any) -> tuple[int, int] | None:
        for value in values:
            for candidate in (value, -value):
                if candidate in self.by_value:
                    return self.by_value[candidate]
        return self.least


Decimal = Written
_UNORDERED = ("{}", "", "±")


class MathVerifier:
    """Sympy-backed answer checker; see the module docstring."""

    name = "math"
    required_fields = ("answer",)
    extraction_modes = MODES  # `rlvr eval` reports both readings, strict first

    def __init__(
        self,
        mode: str = "strict",
        reasoning_close: Iterable[str] = REASONING_CLOSE,
        time_budget_s: float = 2.0,
        unboxed_credit: float = 0.0,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if not 0.0 <= unboxed_credit < 1.0:
            raise ValueError(f"unboxed_credit must be in [0, 1), got {unboxed_credit}")
        self.mode = mode
        self.unboxed_credit = unboxed_credit
        self.reasoning_close = tuple(reasoning_close)
        self.time_budget_s = time_budget_s

    def verify(self, problem: Mapping[str, Any], completion: str) -> Verdict:
        mode = problem.get("mode") or self.mode
        if mode not in MODES:
            return Verdict.error(f"row mode must be one of {MODES}, got {mode!r}")
        gold_text = str(problem["answer"])
        gold_boxes = boxed_contents(gold_text)  # a gold given as a worked solution
        if gold_boxes:
            gold_text = ", ".join(dict.fromkeys(b.strip() for b in gold_boxes))
        text = strip_reasoning(completion, self.reasoning_close)
        if text is None:
            return Verdict(
                0.0,
                {
                    "status": "no_answer",
                    "mode": mode,
                    "reason": "the reasoning section was never closed",
                },
            )
        candidates, how = extract(text, mode)
        info: dict[str, Any] = {"mode": mode, "how": how, "gold": gold_text}
        if not candidates:
            if mode == "strict" and self.unboxed_credit:
                return self._unboxed(problem, text)
            return Verdict(0.0, {**info, "status": "no_answer", "reason": "no final answer found"})
        if any(not c.strip() for c in candidates):
            return Verdict(0.0, {**info, "status": "empty_box", "extracted": candidates})
        final = candidates[-1]
        info["extracted"] = final
        deadline = time.monotonic() + self.time_budget_s
        try:
            answer = read(final)
        except AnswerTooLarge as exc:
            return Verdict(0.0, {**info, "status": "too_large", "reason": str(exc)})
        except ParseError as exc:
            answer = None
            info["parse_error"] = str(exc)
        if answer is not None:
            info["read_as"] = describe(answer)
        for other in dict.fromkeys(candidates[:-1]):
            if not same_answer(other, final, answer, deadline):
                return Verdict(
                    0.0,
                    {
                        **info,
                        "status": "hedged",
                        "reason": "several different boxed answers",
                        "extracted": candidates,
                    },
                )
        try:
            gold = read(gold_text)
        except ParseError:
            gold = None
        if gold is None or answer is None:
            correct = plain(gold_text) == plain(final)
            info["compared_as"] = "text"
        else:
            try:
                correct = equivalent(gold, answer, deadline)
            except TimeoutError:
                return Verdict(
                    0.0,
                    {
                        **info,
                        "status": "timeout",
                        "reason": f"no decision within {self.time_budget_s} s",
                    },
                )
        if correct:
            return Verdict(1.0, {**info, "status": "correct"})
        if answer is None:
            return Verdict(0.0, {**info, "status": "unparseable"})
        return Verdict(0.0, {**info, "status": "wrong"})

    def _unboxed(self, problem: Mapping[str, Any], text: str) -> Verdict:
        """Strict mode found no box: partial credit when free-text reading finds the right
        answer, so that a model that answers but does not box yet still gets a signal."""
        lenient = self.verify({**problem, "mode": "lenient"}, text)
        if lenient.reward == 1.0:
            return Verdict(
                self.unboxed_credit, {**lenient.info, "status": "correct_unboxed", "mode": "strict"}
            )
        return Verdict(
            0.0,
            {**lenient.info, "status": "no_answer", "mode": "strict", "reason": "no boxed answer"},
        )

    def examples(self) -> list[tuple[dict[str, Any], str, float]]:
        """(problem, completion, expected reward) for the conformance check."""
        return [
            ({"answer": "42"}, "6 times 7 is \\boxed{42}.", 1.0),
            ({"answer": "\\frac{1}{2}"}, "So p = \\boxed{0.5}", 1.0),
            ({"answer": "\\{1, 2\\}"}, "The roots are \\boxed{2, 1}.", 1.0),
            ({"answer": "(3, \\infty)"}, "<think>maybe \\boxed{2}</think>\\boxed{x > 3}", 1.0),
            ({"answer": "42"}, "The answer is 42.", 0.0),
            ({"answer": "42"}, "\\boxed{41}", 0.0),
            ({"answer": "42"}, "\\boxed{42} or \\boxed{41}", 0.0),
            ({"answer": "42", "mode": "lenient"}, "The answer is 42.", 1.0),
        ]


# --- extraction ----------------------------------------------------------------------------------

_ANSWER_IS = re.compile(r"answer\s+is\s*:?\s*(.+?)(?:\.\s|\.?\s*$|\n)", re.IGNORECASE)
_ANSWER_COLON = re.compile(r"answer\s*:\s*(.+?)(?:\.\s|\.?\s*$|\n)", re.IGNORECASE)
_LAST_NUMBER = re.compile(r"(?<![A-Za-z\d.])-?\$?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:\s*/\s*\d+)?\s*%?")
WHOLE_TEXT_CHARS = 200
_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|\$([^$]+?)\$", re.DOTALL)


def extract(text: str, mode: str) -> tuple[list[str], str]:
    """Candidate final answers in order (the last one counts) and how they were found.

    Strict mode returns every box, so that disagreeing boxes can be caught as hedging. Lenient
    mode reads several boxes as one list (`\\boxed{1} and \\boxed{2}`).
    """
    boxes = boxed_contents(text)
    if mode == "strict":
        return boxes, "boxed"
    if boxes:
        return [", ".join(dict.fromkeys(b.strip() for b in boxes))], "boxed"
    stripped = text.strip()
    if len(stripped) <= WHOLE_TEXT_CHARS and _parses(stripped, sentences=False):
        return [stripped], "whole text"
    for how, pattern in (("answer is", _ANSWER_IS), ("answer:", _ANSWER_COLON)):
        matches = pattern.findall(text)
        if matches:
            found = matches[-1].strip().strip("$").strip()
            if _parses(found):
                return [found], how
            inner, _ = _last_span_or_number(found)
            if inner:
                return [inner], how
    found, how = _last_span_or_number(text)
    return ([found], how) if found else ([], "none")


def _last_span_or_number(text: str) -> tuple[str | None, str]:
    """The answer-like span that ends last: a math span, or a number outside any span
    ("The largest $n$ is 34" answers 34, not n)."""
    spans = [m for m in _MATH_SPAN.finditer(text) if next(g for g in m.groups() if g).strip()]
    masked = _MATH_SPAN.sub(lambda m: " " * len(m.group()), text)
    numbers = list(_LAST_NUMBER.finditer(masked))
    if spans and (not numbers or spans[-1].end() >= numbers[-1].end()):
        return next(g for g in spans[-1].groups() if g).strip(), "last math span"
    return (numbers[-1].group().strip(), "last number") if numbers else (None, "none")


def _parses(text: str, *, sentences: bool = True) -> bool:
    """Whether `text` reads as an answer (with `sentences=False`, several words do not)."""
    try:
        parsed = read(text)
    except ParseError:
        return False
    return sentences or not (isinstance(parsed.value, Text) and " " in parsed.value.value)


# --- comparison ----------------------------------------------------------------------------------


def read(text: str) -> Parsed:
    """Parse a gold or extracted answer (`$...$` and surrounding space allowed)."""
    return parse_answer(text.strip().strip("$").strip())


def plain(text: str) -> str:
    """The text-comparison key of an answer that does not parse."""
    return re.sub(r"\s+", "", normalise(text.strip().strip("$"))).lower()


def describe(parsed: Parsed, limit: int = 300) -> str:
    """How an answer was read, for `info` (capped: a long answer stays a short line)."""
    text = _describe_value(parsed.value) + (f" [{parsed.unit}]" if parsed.unit else "")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_value(value: Any) -> str:
    if isinstance(value, Sequence):
        items = [_describe_value(v) for v in value.items]
        if value.brackets == "cup":
            return " ∪ ".join(items)
        opener, closer = {"": ("", ""), "±": ("±{", "}")}.get(
            value.brackets, (value.brackets[:1], value.brackets[1:])
        )
        return f"{opener}{', '.join(items)}{closer}"
    if isinstance(value, Relation):
        parts = [_describe_value(value.terms[0])]
        for op, term in zip(value.ops, value.terms[1:], strict=True):
            parts += [op, _describe_value(term)]
        return " ".join(parts)
    if isinstance(value, Matrix):
        return "matrix[" + "; ".join(", ".join(map(_describe_value, r)) for r in value.rows) + "]"
    if isinstance(value, Text):
        return f"text {value.value!r}"
    return str(value)


def same_answer(a_text: str, b_text: str, b: Parsed | None, deadline: float) -> bool:
    """Whether two boxed answers agree (a model may box its answer twice)."""
    if plain(a_text) == plain(b_text):
        return True
    try:
        a = read(a_text)
    except ParseError:
        return False
    try:
        return b is not None and equivalent(a, b, deadline)
    except TimeoutError:
        return False


def equivalent(gold: Parsed, answer: Parsed, deadline: float) -> bool:
    """Whether `answer` means `gold`; raises TimeoutError past `deadline` (monotonic)."""
    if gold.unit and answer.unit and gold.unit != answer.unit:
        return False
    least = [d for d in (gold.decimal, answer.decimal) if d is not None]
    written = Written(min(least) if least else None, {**gold.decimals, **answer.decimals})
    return _equal(gold.value, answer.value, written, deadline)


def _equal(gold: Any, answer: Any, decimal: Decimal, deadline: float) -> bool:
    if time.monotonic() > deadline:
        raise TimeoutError
    # a named equation against a bare value: `(p, q) = (3, 2)` answers `(3, 2)`
    if isinstance(gold, Relation) != isinstance(answer, Relation):
        solved = _solved_value(gold if isinstance(gold, Relation) else answer)
        if solved is not None:
            gold, answer = (solved, answer) if isinstance(gold, Relation) else (gold, solved)
    if isinstance(gold, Text) or isinstance(answer, Text):
        return isinstance(gold, Text) and isinstance(answer, Text) and gold.value == answer.value
    if isinstance(gold, Matrix) or isinstance(answer, Matrix):
        return (
            isinstance(gold, Matrix)
            and isinstance(answer, Matrix)
            and len(gold.rows) == len(answer.rows)
            and all(
                len(g) == len(a)
                and all(_equal(x, y, decimal, deadline) for x, y in zip(g, a, strict=True))
                for g, a in zip(gold.rows, answer.rows, strict=True)
            )
        )
    gold_set, answer_set = _as_set(gold), _as_set(answer)
    # `(0, 1)` may be a point; against an inequality or a half-open interval it is a set
    if gold_set is None and answer_set is not None:
        gold_set = _as_set(gold, pair_is_interval=True)
    elif answer_set is None and gold_set is not None:
        answer_set = _as_set(answer, pair_is_interval=True)
    if gold_set is not None and answer_set is not None:
        return _sets_equal(gold_set, answer_set, decimal, deadline)
    if isinstance(gold, Sequence) or isinstance(answer, Sequence):
        return _sequences_equal(gold, answer, decimal, deadline)
    if isinstance(gold, Relation) or isinstance(answer, Relation):
        return _relations_equal(gold, answer, decimal, deadline)
    return _expressions_equal(gold, answer, decimal, deadline)


def _sequences_equal(gold: Any, answer: Any, decimal: Decimal, deadline: float) -> bool:
    if not isinstance(gold, Sequence):
        # a gold value against a one-item set or list: {5} answers 5
        return (
            len(answer.items) == 1
            and answer.brackets in _UNORDERED
            and _equal(gold, answer.items[0], decimal, deadline)
        )
    if not isinstance(answer, Sequence):
        return len(gold.items) == 1 and _equal(gold.items[0], answer, decimal, deadline)
    if gold.brackets in _UNORDERED and answer.brackets in _UNORDERED:
        # as sets: every item of each side is in the other (a repeated item is one item)
        return all(
            any(_equal(g, a, decimal, deadline) for a in answer.items) for g in gold.items
        ) and all(any(_equal(g, a, decimal, deadline) for g in gold.items) for a in answer.items)
    if len(gold.items) != len(answer.items):
        return False
    if gold.brackets == "{}" or answer.brackets == "{}":
        return False
    if gold.brackets != answer.brackets and "" not in (gold.brackets, answer.brackets):
        return False
    return all(
        _equal(g, a, decimal, deadline) for g, a in zip(gold.items, answer.items, strict=True)
    )


def _relations_equal(gold: Any, answer: Any, decimal: Decimal, deadline: float) -> bool:
    gold_value, answer_value = _solved_value(gold), _solved_value(answer)
    if isinstance(gold, Relation) and isinstance(answer, Relation):
        if gold_value is not None and answer_value is not None:  # same name, same value
            return bool(gold.terms[0] == answer.terms[0]) and _equal(
                gold_value, answer_value, decimal, deadline
            )
        if gold.ops == answer.ops == ("!=",):  # x != 3: the excluded value
            gold = Relation(gold.terms, ("=",))
            answer = Relation(answer.terms, ("=",))
        if (
            gold.ops == answer.ops
            and len(gold.ops) > 1
            and all(
                _equal(g, a, decimal, deadline)
                for g, a in zip(gold.terms, answer.terms, strict=True)
            )
        ):
            return True  # the same chain: f(2) < f(1) < f(4)
        if gold.ops != answer.ops and not (gold.ops == ("=",) and answer.ops == ("=",)):
            return _inequalities_equal(gold, answer, deadline)
        if len(gold.terms) != 2 or len(answer.terms) != 2:
            return False
        if (
            gold.ops == ("=",)
            and gold.terms[0] == answer.terms[0]
            and isinstance(gold.terms[0], sympy.Symbol)
        ):
            return _equal(gold.terms[1], answer.terms[1], decimal, deadline)
        if gold.ops == ("=",):
            return _proportional(_difference(gold), _difference(answer), deadline, positive=False)
        return _inequalities_equal(gold, answer, deadline)
    # `x = 4` against `4`: only a solved equation gives a value
    if gold_value is not None and not isinstance(answer, Relation):
        return _equal(gold_value, answer, decimal, deadline)
    if answer_value is not None and not isinstance(gold, Relation):
        return _equal(gold, answer_value, decimal, deadline)
    return False


def _solved_value(value: Any) -> Any:
    """The value a named equation states: `x = 4`, `AB = 4`, `(p, q) = (3, 2)`, `f(x) = 1`,
    `x = 5 + 5 + 1 = 11` (a chain: its last side). `y = 2x + 1` states no value: "2x + 1"
    does not answer "find the line"."""
    if not (isinstance(value, Relation) and set(value.ops) == {"="}):
        return None
    name, stated = value.terms[0], value.terms[-1]
    if _is_name(name) and _is_constant(stated):
        return stated
    return None


def _is_name(value: Any) -> bool:
    """A symbol, or symbols multiplied, divided or in |...| (AB, S_1:S_2, |AB|, f(x)), or a
    tuple of such."""
    if isinstance(value, Sequence):
        return bool(value.items) and all(_is_name(item) for item in value.items)
    if not isinstance(value, sympy.Expr) or not value.free_symbols:
        return False
    if isinstance(value, sympy.Abs):
        value = value.args[0]
    return all(
        isinstance(factor, sympy.Symbol)
        or (
            isinstance(factor, sympy.Pow)
            and isinstance(factor.base, sympy.Symbol)
            and factor.exp in (-1, 1)
        )
        for factor in sympy.Mul.make_args(value)
    )


def _is_constant(value: Any) -> bool:
    if isinstance(value, Sequence):
        return all(_is_constant(item) for item in value.items)
    return isinstance(value, sympy.Expr) and not value.free_symbols


def _difference(relation: Relation) -> Any:
    lhs, rhs = relation.terms
    if not (isinstance(lhs, sympy.Basic) and isinstance(rhs, sympy.Basic)):
        raise ParseError("a relation between non-expressions")
    return lhs - rhs


def _inequalities_equal(gold: Relation, answer: Relation, deadline: float) -> bool:
    """`x > 3` equals `3 < x`: both normalised to `f > 0` (or `f >= 0`), f up to a positive
    factor."""
    gold_norm, answer_norm = _as_positive(gold), _as_positive(answer)
    if gold_norm is None or answer_norm is None or gold_norm[1] != answer_norm[1]:
        return False
    return _proportional(gold_norm[0], answer_norm[0], deadline, positive=True)


def _as_positive(relation: Relation) -> tuple[Any, bool] | None:
    if len(relation.terms) != 2 or relation.ops[0] not in ("<", "<=", ">", ">="):
        return None
    lhs, rhs = relation.terms
    if not (isinstance(lhs, sympy.Basic) and isinstance(rhs, sympy.Basic)):
        return None
    op = relation.ops[0]
    difference = lhs - rhs if op in (">", ">=") else rhs - lhs
    return difference, op in (">", "<")


def _as_set(value: Any, *, pair_is_interval: bool = False) -> sympy.Set | None:
    """A single-variable inequality chain, an interval or a union of intervals as a set."""
    try:
        if isinstance(value, Sequence) and value.brackets == "cup":
            parts = [_as_set(p) for p in value.items]
            return None if any(p is None for p in parts) else sympy.Union(*parts)
        if (
            isinstance(value, Sequence)
            and len(value.items) == 2
            and value.brackets in ("(]", "[)", "[]", "()")
        ):
            lo, hi = value.items
            if not all(
                isinstance(v, sympy.Expr) and v.is_extended_real and not v.free_symbols
                for v in (lo, hi)
            ):
                return None
            if (
                value.brackets in ("()", "[]")
                and not pair_is_interval
                and not any(v.is_infinite for v in (lo, hi))
            ):
                return None  # (1, 2) may be a point; only the infinite ones are surely intervals
            if not bool(lo < hi):
                return None
            return sympy.Interval(lo, hi, value.brackets[0] == "(", value.brackets[1] == ")")
        if isinstance(value, Relation) and all(op not in {"=", "!="} for op in value.ops):
            # the one term that is not a constant is what the set is of: `x` in `1 < x < 3`,
            # or a name such as `f(x)` in `0 < f(x) < 1`
            variable_terms = {t for t in value.terms if not _is_constant(t)}
            if len(variable_terms) != 1 or not all(isinstance(t, sympy.Expr) for t in value.terms):
                return None
            (variable,) = variable_terms
            if not (isinstance(variable, sympy.Symbol) or _is_name(variable)):
                return None
            real = sympy.Symbol("_value", real=True)  # inequalities speak of real numbers
            result: sympy.Set = sympy.S.Reals
            for lhs, op, rhs in zip(value.terms, value.ops, value.terms[1:], strict=False):
                if variable not in (lhs, rhs):
                    return None
                relation = {"<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge}[op](
                    real if lhs == variable else lhs, real if rhs == variable else rhs
                )
                result = result.intersect(relation.as_set())
            return result
    except (TypeError, ValueError, NotImplementedError):
        return None
    return None


def _sets_equal(gold: sympy.Set, answer: sympy.Set, decimal: Decimal, deadline: float) -> bool:
    """Intervals endpoint by endpoint, so a decimal endpoint meets its written precision."""
    if gold == answer:
        return True
    gold_parts = sorted(sympy.Union.make_args(gold), key=_set_key)
    answer_parts = sorted(sympy.Union.make_args(answer), key=_set_key)
    if len(gold_parts) != len(answer_parts) or not all(
        isinstance(p, sympy.Interval) for p in (*gold_parts, *answer_parts)
    ):
        return False
    return all(
        g.left_open == a.left_open
        and g.right_open == a.right_open
        and _equal(g.start, a.start, decimal, deadline)
        and _equal(g.end, a.end, decimal, deadline)
        for g, a in zip(gold_parts, answer_parts, strict=True)
    )


def _set_key(part: sympy.Set) -> float:
    start = part.inf
    return float(start) if start.is_finite else float("-inf")


def _proportional(gold: Any, answer: Any, deadline: float, *, positive: bool) -> bool:
    """Whether answer = c * gold for a constant c != 0 (c > 0 when `positive`)."""
    if not (isinstance(gold, sympy.Expr) and isinstance(answer, sympy.Expr)):
        return False
    if gold == 0 or answer == 0:
        return bool(gold == answer)
    symbols = sorted(gold.free_symbols | answer.free_symbols, key=str)
    ratios = []
    for point in _sample_points(symbols):
        if time.monotonic() > deadline:
            raise TimeoutError
        g, a = _evaluate(gold, point), _evaluate(answer, point)
        if g is None or a is None or abs(g) < EXACT_RELATIVE:
            continue
        ratios.append(a / g)
    if len(ratios) < 2:
        return False
    first = ratios[0]
    if abs(first) < EXACT_RELATIVE or (positive and not (first.is_real and first > 0)):
        return False
    return all(abs(r - first) <= EXACT_RELATIVE * abs(first) for r in ratios)


def _expressions_equal(gold: Any, answer: Any, decimal: Decimal, deadline: float) -> bool:
    if not (isinstance(gold, sympy.Expr) and isinstance(answer, sympy.Expr)):
        return False
    marks = (gold.free_symbols | answer.free_symbols) & {PERCENT, DEGREE}
    readings = _MARK_READINGS if marks else ({},)
    return any(_values_equal(gold.subs(r), answer.subs(r), decimal, deadline) for r in readings)


def _values_equal(gold: sympy.Expr, answer: sympy.Expr, decimal: Decimal, deadline: float) -> bool:
    if gold == answer:
        return True
    symbols = gold.free_symbols | answer.free_symbols
    if not symbols:
        return _numbers_equal(gold, answer, decimal)
    agree = 0
    for point in _sample_points(sorted(symbols, key=str)):
        if time.monotonic() > deadline:
            raise TimeoutError
        g, a = _evaluate(gold, point), _evaluate(answer, point)
        if g is None or a is None:
            continue
        if abs(g - a) > EXACT_RELATIVE * max(1, abs(g)):
            return False
        agree += 1
    return agree >= 2


def _numbers_equal(gold: sympy.Expr, answer: sympy.Expr, written: Written) -> bool:
    decimal = written.precision(answer, gold)
    if gold.is_Rational and answer.is_Rational:
        if gold == answer:
            return True
        # a decimal against a fraction that no decimal writes exactly (1/3 vs 0.333)
        inexact = [v for v in (gold, answer) if not _terminates(v)]
        if not inexact or decimal is None:
            return False
        return _within_written_precision(gold, answer, decimal)
    if gold.is_infinite or answer.is_infinite:
        return bool(gold == answer)
    g, a = _evaluate(gold, {}), _evaluate(answer, {})
    if g is None or a is None:
        return False
    if abs(g - a) <= EXACT_RELATIVE * max(1, abs(g)):
        return True
    return decimal is not None and _within_written_precision(gold, answer, decimal)


def _within_written_precision(
    gold: sympy.Expr, answer: sympy.Expr, decimal: tuple[int, int]
) -> bool:
    """Whether the values agree to half a unit in the last place the decimal was written to
    (3.14 for pi, 0.667 for 2/3; not 3.15, and not 0.3 for 1/3: too few digits)."""
    significant, places = decimal
    if significant < MIN_DECIMAL_DIGITS:
        return False
    g, a = _evaluate(gold, {}), _evaluate(answer, {})
    if g is None or a is None:
        return False
    half_unit = sympy.Rational(1, 2) * sympy.Rational(10) ** (-places)
    return bool(abs(g - a) <= half_unit * (1 + sympy.Rational(1, 10**9)))


def _terminates(value: sympy.Expr) -> bool:
    """Whether a rational has a finite decimal expansion (its denominator is 2^a 5^b)."""
    q = int(value.q)
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1


def _sample_points(symbols: list[sympy.Symbol]) -> Iterable[dict[sympy.Symbol, Any]]:
    """Fixed, unremarkable sample points (no zeros, no small integers, no symmetry)."""
    bases = [
        sympy.Rational(17, 13),
        sympy.Rational(-23, 29),
        sympy.Rational(41, 37),
        sympy.Rational(7, 53),
        sympy.Rational(-61, 43),
        sympy.Rational(89, 31),
    ]
    for k in range(SAMPLE_POINTS):
        yield {
            s: bases[(k + 2 * i) % len(bases)] + sympy.Rational(i, 7) for i, s in enumerate(symbols)
        }
    # products of sign patterns cover even functions that the fixed points might hit evenly
    for signs in product((1, -1), repeat=min(len(symbols), 2)):
        yield {s: bases[i] * (signs[i] if i < len(signs) else 1) for i, s in enumerate(symbols)}


def _evaluate(expr: sympy.Expr, point: Mapping[sympy.Symbol, Any]) -> sympy.Expr | None:
    try:
        value = expr.evalf(PRECISION, subs=dict(point)) if point else expr.evalf(PRECISION)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, RecursionError):
        return None
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or value.free_symbols:
        return None
    return value
