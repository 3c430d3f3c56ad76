"""The `math` verifier: extract the final answer, read it safely, compare it with the gold.

The completion is hostile: it is read by its last 100,000 characters, Unicode-normalised
(NFKC, invisible characters dropped, look-alike letters folded) before any rule sees it, and
whatever it makes sympy raise scores 0. docs/math.md lists each rule and the attack it stops.

Extraction (`mode`, per row or per verifier):
- `strict`, the training default: the answer is what the completion puts in `\\boxed{}` after
  its reasoning section. No box, an empty box, or several boxes that disagree score 0.
- `lenient`, for free-form text: a box if there is one, else "the answer is ...", else
  "Answer: ...", else the last math span (`$...$`, `\\(...\\)`, `\\[...\\]`), else the last
  number in the text; a last value offered among others ("41 or 42", a list) is "hedged".

An answer to a numeric question must be computed: arithmetic between numbers left undone
(`3146 + 4008`, `\\binom{14}{3}`, `\\frac{6}{8}`) or the question's own expression given back
scores 0 ("not_computed").

Equivalence (`equivalent`): integers and rationals exactly, with no absolute tolerance
anywhere; a decimal matches an exact value that it only approximates (pi, 1/3) only where the
row or the verifier opts in (`numeric_precision`), and then only a decimal literal that is
itself the answer, to the precision it was written with; polynomials exactly, other
expressions with variables at sample points hashed from both sides, at 30-digit precision (an
identity test, bounded in time, unlike `simplify`); sets and bare lists in any order, tuples
and intervals in order, matrices entrywise; `x = 4` and `f'(x) = 3x^2` answer `4` and `3x^2`;
an equality chain must state one value; two equations are equal when one is a nonzero multiple
of the other; single-variable inequalities as the sets they describe; a gold's `50%` as 50 or
1/2, an answer's as 1/2 (50 where the question asks for a percentage); `30^\\circ` as 30 or
pi/6, whichever the gold means; units must agree when both sides have one.

`info["status"]` tells "no_answer" (nothing extracted) apart from "wrong" (extracted, not
equal), "hedged", "empty_box", "unparseable", "not_computed" and "too_large" (a hostile
answer). With `unboxed_credit=c` (training), a strict row with no box whose free-text answer
is right scores c instead of 0 ("correct_unboxed"): a shaping signal for a model that cannot
box yet.
"""

from __future__ import annotations

import functools
import hashlib
import math
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
    MARKS,
    PERCENT,
    AnswerTooLarge,
    Matrix,
    Parsed,
    ParseError,
    Relation,
    Sequence,
    Text,
    normalise,
    normalise_unicode,
    parse_answer,
)

MODES = ("strict", "lenient")
SAMPLE_POINTS = 12
PRECISION = 30
EXACT_RELATIVE = sympy.Float("1e-20", PRECISION)
MIN_DECIMAL_DIGITS = 3
MAX_COMPLETION_CHARS = 100_000
MAX_PROMPT_CHARS = 10_000
MAX_EXACT_TERMS = 300
"""Polynomials whose expansion has at most this many monomials (degree 60 in one variable, 10
in three) are compared exactly, by expanding their difference, not by sampling."""

_ORDERED = ("()", "[]", "(]", "[)")
_ASKS_FOR_PERCENT = re.compile(r"\bpercent(?:age)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Written:
    """What the comparison knows beyond the two values: the written precision of each decimal
    literal (significant digits, places) on each side, the fewest significant digits that
    make a decimal an approximation (None: approximations are not accepted from the answer),
    and whether the question asks for a number of percent (so `12.5\\%` may answer 12.5)."""

    gold_literals: Mapping[Any, tuple[int, int]] = field(default_factory=dict)
    answer_literals: Mapping[Any, tuple[int, int]] = field(default_factory=dict)
    min_digits: int = MIN_DECIMAL_DIGITS
    percent_is_number: bool = False

    def precision(self, answer: Any, gold: Any) -> tuple[int, int] | None:
        """The precision of whichever value is itself a decimal literal: a written precision
        describes that literal only, never a value computed from it (`\\pi + 0 \\cdot
        1.00e99`)."""
        for value, literals in ((answer, self.answer_literals), (gold, self.gold_literals)):
            for candidate in (value, -value):
                if candidate in literals:
                    return literals[candidate]
        return None


Decimal = Written


def _numeric_precision(value: Any) -> int | None:
    """The fewest significant digits a decimal answer needs to match an exact value it only
    approximates; None (the default) when a decimal must equal the gold exactly."""
    if value is None or value is False or value == 0:
        return None
    if value is True:
        return MIN_DECIMAL_DIGITS
    if isinstance(value, int) and 0 < value <= PRECISION:
        return value
    raise ValueError(f"must be true, false or a number of significant digits, got {value!r}")


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
        numeric_precision: bool | int = False,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if not 0.0 <= unboxed_credit < 1.0:
            raise ValueError(f"unboxed_credit must be in [0, 1), got {unboxed_credit}")
        self.numeric_precision = _numeric_precision(numeric_precision)
        self.mode = mode
        self.unboxed_credit = unboxed_credit
        self.reasoning_close = tuple(reasoning_close)
        self.time_budget_s = time_budget_s

    def verify(self, problem: Mapping[str, Any], completion: str) -> Verdict:
        mode = problem.get("mode") or self.mode
        if mode not in MODES:
            return Verdict.error(f"row mode must be one of {MODES}, got {mode!r}")
        try:
            tolerance = (
                _numeric_precision(problem["numeric_precision"])
                if problem.get("numeric_precision") is not None
                else self.numeric_precision
            )
        except ValueError as exc:
            return Verdict.error(f"row numeric_precision: {exc}")
        # the final answer is at the end: a huge completion is read by its tail only
        completion = normalise_unicode(str(completion)[-MAX_COMPLETION_CHARS:])
        try:
            return self._verify(problem, completion, mode, tolerance)
        except Exception as exc:
            # Unless the row's own answer is what raises (a fault of the data: null), whatever
            # sympy or the reader raises here (ArithmeticError, NotImplementedError for a set or
            # relation, a polynomial error, an IndexError deep in a parser, ...) was raised on
            # what the completion wrote: the completion's 0, never the engine's null, which
            # would drop the sample from the update.
            gold_fault = _gold_fault(problem)
            if gold_fault:
                return Verdict.error(f"the row's answer cannot be read: {gold_fault}")
            return Verdict(
                0.0,
                {"mode": mode, "status": "unparseable", "reason": f"{type(exc).__name__}: {exc}"},
            )

    def _verify(
        self, problem: Mapping[str, Any], completion: str, mode: str, tolerance: int | None
    ) -> Verdict:
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
        candidates, how = extract(_NAMED_BOX.sub(_name_into_box, text), mode)
        info: dict[str, Any] = {"mode": mode, "how": how, "gold": gold_text}
        if how == "hedged":
            return Verdict(
                0.0, {**info, "status": "hedged", "reason": "several candidate answers in the text"}
            )
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
            if not same_answer(other, final, answer, deadline, tolerance):
                return Verdict(
                    0.0,
                    {
                        **info,
                        "status": "hedged",
                        "reason": "several different boxed answers",
                        "extracted": candidates,
                    },
                )
        gold = _read_or_none(gold_text)
        if gold is None and not gold_boxes and _PROSE.search(gold_text):
            # a worked solution without a box: its answer is found as a completion's is
            stated, _ = extract(gold_text, "lenient")
            gold = _read_or_none(stated[-1]) if stated else None
            gold_text = info["gold"] = stated[-1] if gold is not None else gold_text
        if gold is None or answer is None:
            correct = plain(gold_text) == plain(final)
            info["compared_as"] = "text"
        else:
            try:
                correct = equivalent(
                    gold,
                    answer,
                    deadline,
                    tolerance,
                    percent_is_number=bool(
                        _ASKS_FOR_PERCENT.search(_prompt_text(problem.get("prompt")))
                        or (gold_boxes and _ASKS_FOR_PERCENT.search(str(problem["answer"])))
                    ),
                )
            except TimeoutError:
                return Verdict(
                    0.0,
                    {
                        **info,
                        "status": "timeout",
                        "reason": f"no decision within {self.time_budget_s} s",
                    },
                )
        # equal in value; is it an answer? (asked only then: the question is read once here)
        refusal = (
            not_an_answer(gold, answer, problem.get("prompt"), deadline)
            if correct and gold is not None and answer is not None
            else None
        )
        if refusal:
            return Verdict(0.0, {**info, "status": "not_computed", "reason": refusal})
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
            ({"answer": "7154"}, "\\boxed{3146 + 4008}", 0.0),  # the question, not an answer
            ({"answer": "\\pi"}, "\\boxed{3.14}", 0.0),  # an approximation of an exact value
            ({"answer": "\\pi", "numeric_precision": True}, "\\boxed{3.14}", 1.0),
            ({"answer": "42", "mode": "lenient"}, "The answer is 42.", 1.0),
        ]


# --- extraction ----------------------------------------------------------------------------------

_NAMED_BOX = re.compile(
    r"(?<![\w\\])([A-Za-z](?:_\{?[A-Za-z0-9]{1,3}\}?)?'{0,2}(?:\([a-z]\))?)"
    r"[ \t]*=[ \t]*\\boxed[ \t]*\{(?![ \t]*\})"
)
"""`y_1 = \\boxed{...}`: the name the completion wrote before its box belongs to its answer (a
box holding the right side of the gold's equation `y_1 = ...` answers it)."""
_OPENS_A_STATEMENT = re.compile(r"(?:^|[$([{,;:]|(?<![\\A-Za-z])[A-Za-z]{2,})\s*$")


def _name_into_box(match: re.Match[str]) -> str:
    """The name moves into the box only where it is the whole left side: after the start, an
    opening bracket, a delimiter or a word of prose, never after an operator (`x - p =
    \\boxed{2 - 2p}` boxes the value of x - p, not of p)."""
    before = match.string[max(0, match.start() - 40) : match.start()]
    if not _OPENS_A_STATEMENT.search(before):
        return match.group()
    return "\\boxed{" + match.group(1) + " = "


_ANSWER_IS = re.compile(r"answer\s+is\s*:?\s*(.+?)(?:\.\s|\.?\s*$|\n)", re.IGNORECASE)
_ANSWER_COLON = re.compile(r"answer\s*:\s*(.+?)(?:\.\s|\.?\s*$|\n)", re.IGNORECASE)
_LAST_NUMBER = re.compile(
    r"(?<![A-Za-z\d.^{])-?\$?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:\s*/\s*\d+)?\s*%?"
)
WHOLE_TEXT_CHARS = 200
_PROSE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}\s+[A-Za-z]{2,}(?![A-Za-z]*\})")
MAX_SCAN_CHARS = 20_000
"""Free-text extraction reads the last this many characters, where a final answer is."""
# `\$` inside a span is a dollar sign, not the span's end
_MATH_SPAN = re.compile(
    r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<!\\)\$((?:\\\$|[^$]){1,2000}?)(?<!\\)\$",
    re.DOTALL,
)


def extract(text: str, mode: str) -> tuple[list[str], str]:
    """Candidate final answers in order (the last one counts) and how they were found.

    Strict mode returns every box, so that disagreeing boxes can be caught as hedging. Lenient
    mode reads several boxes as one list (`\\boxed{1} and \\boxed{2}`), unless a "final answer"
    statement follows the last box; "hedged" (no candidates) when the text offers several.
    """
    boxes = boxed_contents(text)
    if mode == "strict":
        return boxes, "boxed"
    tail = text[-MAX_SCAN_CHARS:]
    statement = _final_statement(tail)
    last_box = tail.rfind("\\boxed")
    # boxes are the answer, unless a "final answer" statement follows them (Minerva's
    # "Final Answer: The final answer is $10,455$" after boxed intermediate results)
    if boxes and (
        statement is None
        or statement[2] < last_box
        or not _FINAL_ANSWER.search(tail, max(last_box, 0))
    ):
        return [", ".join(dict.fromkeys(b.strip() for b in boxes))], "boxed"
    stripped = text.strip()
    if (
        not boxes
        and len(stripped) <= WHOLE_TEXT_CHARS
        and not _PROSE.search(_MATH_SPAN.sub(" ", stripped))
        and _parses(stripped, sentences=False)
    ):
        return [stripped], "whole text"
    if statement is not None:
        found, how, _ = statement
        return ([], "hedged") if found is None else ([found], how)
    found, how = _last_span_or_number(tail)
    return ([found], how) if found else ([], how)


MAX_STATEMENTS = 10
_FINAL_ANSWER = re.compile(r"final answer", re.IGNORECASE)


def _final_statement(text: str) -> tuple[str | None, str, int] | None:
    """The last "the answer is ..." (else "Answer: ...") with a value: (value, how, where).
    The value is None when the statements disagree ("the answer is 41 ... the answer is 42"):
    several answers offered in turn are a hedge, as several boxes are."""
    for how, pattern in (("answer is", _ANSWER_IS), ("answer:", _ANSWER_COLON)):
        found: list[tuple[str | None, int]] = []
        for match in list(pattern.finditer(text))[-MAX_STATEMENTS:]:
            # the dollars and quotes around it: `"$12$ and $13$"`
            stated = match.group(1).replace('\\"', '"').strip(" \t\"'$")
            if _parses(stated):
                found.append((stated, match.start()))
                continue
            inner, inner_how = _last_span_or_number(stated)
            if inner or inner_how == "hedged":
                found.append((inner, match.start()))
        if not found:
            continue
        final, start = found[-1]
        deadline = time.monotonic() + STATEMENT_BUDGET_S
        if final is None or any(
            other is None or not same_answer(other, final, _read_or_none(final), deadline)
            for other, _ in found[:-1]
        ):
            return None, "hedged", start
        return final, how, start
    return None


STATEMENT_BUDGET_S = 0.5


def _gold_fault(problem: Mapping[str, Any]) -> str | None:
    """Why reading the row's answer raises (beyond being unreadable), else None."""
    if problem.get("answer") is None:
        return "the row has no answer"
    gold_text = str(problem["answer"])
    boxes = boxed_contents(gold_text)
    try:
        for text in boxes or [gold_text]:
            _read_or_none(text.strip())
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _read_or_none(text: str) -> Parsed | None:
    try:
        return read(text)
    except ParseError:
        return None


def _last_span_or_number(text: str) -> tuple[str | None, str]:
    """The answer-like span that ends last: a math span, or a number outside any span
    ("The largest $n$ is 34" answers 34, not n). "hedged" when it is one of several
    candidates: "either 41 or 42", "$41$ or $42$", the last line of a list of numbers."""
    spans = [m for m in _MATH_SPAN.finditer(text) if next(g for g in m.groups() if g).strip()]
    masked = _MATH_SPAN.sub(lambda m: " " * len(m.group()), text)
    numbers = list(_LAST_NUMBER.finditer(masked))
    if spans and (not numbers or spans[-1].end() >= numbers[-1].end()):
        found, end = next(g for g in spans[-1].groups() if g).strip(), spans[-1].end()
        how = "last math span"
    elif numbers:
        found, end, how = numbers[-1].group().strip(), numbers[-1].end(), "last number"
    else:
        return None, "none"
    return (None, "hedged") if _among_candidates(text, masked, end) else (found, how)


_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n")
_LIST_ITEM = re.compile(r"^[ \t]*(?:\d{1,3}[.)]|[-*•]|\(?[a-z]\))[ \t]+(.*)$", re.MULTILINE)
_ALTERNATIVE = re.compile(r"\b(?:or|either|maybe|perhaps|possibly)\b", re.IGNORECASE)


def _among_candidates(text: str, masked: str, end: int) -> bool:
    """Whether the answer that ends at `end` is offered beside others: an alternative in its
    own sentence ("41 or 42"), or a line of a list whose lines end in different numbers."""
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, end - 1)), default=0)
    sentence = text[start:end]
    values = _MATH_SPAN.findall(sentence) + _LAST_NUMBER.findall(masked[start:end])
    if _ALTERNATIVE.search(_MATH_SPAN.sub(" ", sentence)) and len(values) >= 2:
        return True
    items = list(_LIST_ITEM.finditer(text))
    if len(items) < 2 or not any(m.start() <= end - 1 < m.end() + 1 for m in items):
        return False
    last_values = set()
    for item in items:
        found = _LAST_NUMBER.findall(_MATH_SPAN.sub(lambda m: m.group().strip("$ "), item.group(1)))
        if found:
            last_values.add(re.sub(r"\s+", "", found[-1]))
    return len(last_values) >= 2


def _parses(text: str, *, sentences: bool = True) -> bool:
    """Whether `text` reads as an answer (with `sentences=False`, several words do not)."""
    try:
        parsed = read(text)
    except ParseError:
        return False
    return sentences or not (isinstance(parsed.value, Text) and " " in parsed.value.value)


# --- comparison ----------------------------------------------------------------------------------


def read(text: str) -> Parsed:
    """Parse a gold or extracted answer (`$...$` and surrounding space allowed; a `\\$` at
    its end is a dollar sign, not a delimiter: `\\frac{10}{9} \\$`)."""
    return parse_answer(_UNESCAPED_DOLLARS_AT_END.sub("", text.strip().lstrip("$")).strip())


_UNESCAPED_DOLLARS_AT_END = re.compile(r"(?<!\\)\$+\s*$")


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


def same_answer(
    a_text: str, b_text: str, b: Parsed | None, deadline: float, tolerance: int | None = None
) -> bool:
    """Whether two boxed answers agree (a model may box its answer twice)."""
    if plain(a_text) == plain(b_text):
        return True
    try:
        a = read(a_text)
    except ParseError:
        return False
    if b is None:
        return False
    # a named value and the bare value agree either way round: `y = \boxed{2x + 1}`, then
    # `\boxed{2x + 1}` (a percent does not: `50` and `50\%` are two readings)
    named = isinstance(a.value, Relation) != isinstance(b.value, Relation)
    try:
        return equivalent(a, b, deadline, tolerance) or (
            named and equivalent(b, a, deadline, tolerance)
        )
    except (TimeoutError, ParseError, ArithmeticError, TypeError, ValueError):
        return False


def equivalent(
    gold: Parsed,
    answer: Parsed,
    deadline: float,
    tolerance: int | None = None,
    *,
    percent_is_number: bool = False,
) -> bool:
    """Whether `answer` means `gold`; raises TimeoutError past `deadline` (monotonic).

    `tolerance`: the fewest significant digits with which a decimal answer may approximate
    an exact gold (None: it may not)."""
    answer_value, answer_unit = answer.value, answer.unit
    if answer_unit == "deg" and not gold.unit and isinstance(answer_value, sympy.Expr):
        answer_value, answer_unit = answer_value * DEGREE, None  # 30 degrees is 30°
    if answer_unit == "rad" and not gold.unit:
        answer_unit = None
        if isinstance(gold.value, sympy.Expr) and DEGREE in gold.value.free_symbols:
            # 30 rad is not 30°: the gold's degrees are read as radians
            gold = Parsed(gold.value.subs(DEGREE, sympy.pi / 180))
    if gold.unit and answer_unit and gold.unit != answer_unit:
        return False
    if not (_marks_well_placed(answer_value) and _consistent(answer_value, deadline)):
        return False
    written = Written(
        gold.decimals,
        answer.decimals if tolerance else {},
        tolerance or MIN_DECIMAL_DIGITS,
        percent_is_number,
    )
    return _equal(gold.value, answer_value, written, deadline)


def _marks_well_placed(value: Any) -> bool:
    """A percent or degree mark applies to one number once: `5000\\%^\\circ` is no value."""
    if isinstance(value, Sequence):
        return all(_marks_well_placed(item) for item in value.items)
    if isinstance(value, Relation):
        return all(_marks_well_placed(term) for term in value.terms)
    if not isinstance(value, sympy.Expr) or not value.free_symbols & MARKS:
        return True
    marked = value.as_independent(*MARKS, as_Add=False)[1]
    return marked in MARKS


def _consistent(value: Any, deadline: float) -> bool:
    """An equality chain states one value: `x = 2 = 3` is a hedge between 2 and 3."""
    if isinstance(value, Sequence):
        return all(_consistent(item, deadline) for item in value.items)
    if not (isinstance(value, Relation) and set(value.ops) == {"="}) or len(value.terms) < 3:
        return True
    constants = [t for t in value.terms if _is_constant(t)]
    return all(_equal(constants[0], other, Written(), deadline) for other in constants[1:])


def not_an_answer(gold: Parsed, answer: Parsed, prompt: Any, deadline: float) -> str | None:
    """Why an answer equal to the gold in value still does not answer the question: it leaves
    arithmetic between numbers undone where the gold is a number (`3146 + 4008`,
    `\\binom{14}{3}`), or restates an expression of the question (`(3x - 2)(5 - x)` for
    "Expand (3x - 2)(-x + 5)"). None when it is an answer."""
    stated = answer.value
    if isinstance(stated, Relation):  # what a definition states is judged as if bare:
        stated = _function_value(stated) or stated  # `f(x) = (3x - 2)(-x + 5)`, `y = ...`
    if not gold.undone and _is_number(gold.value):
        if answer.undone:
            return "arithmetic left undone: " + ", ".join(answer.undone)
        if _has_variables(stated):  # `3146 + 4008(\\sin^2 x + \\cos^2 x)`
            return "a number is asked for, and the answer has variables"
    for expression in _prompt_expressions(prompt):
        if _restates(expression, stated, gold.value, deadline):
            return "the answer restates an expression of the question"
    return None


def _is_number(value: Any) -> bool:
    """A number, an ordered tuple or a matrix of numbers (a set of solutions may be given by a
    formula: `\\frac{12 \\pm \\sqrt{16}}{2}` lists {4, 8})."""
    if isinstance(value, Relation):
        value = _solved_value(value)
    if isinstance(value, Sequence) and value.brackets == "()":
        return all(_is_number(item) for item in value.items)
    if isinstance(value, Matrix):  # a matrix of numbers is asked for as one, computed
        return all(_is_number(entry) for row in value.rows for entry in row)
    return isinstance(value, sympy.Expr) and not value.free_symbols - MARKS


def _has_variables(value: Any) -> bool:
    """An expression (or a tuple's entry) with a variable in it; a named value's name does
    not count (`x = 5`)."""
    if isinstance(value, Sequence):
        return any(_has_variables(item) for item in value.items)
    if isinstance(value, Matrix):
        return any(_has_variables(entry) for row in value.rows for entry in row)
    return isinstance(value, sympy.Expr) and bool(value.free_symbols - MARKS)


def _prompt_text(prompt: Any) -> str:
    """A row's prompt (text or chat messages) as text, bounded."""
    if isinstance(prompt, list):
        prompt = " ".join(str(m.get("content", "")) for m in prompt if isinstance(m, Mapping))
    return prompt[:MAX_PROMPT_CHARS] if isinstance(prompt, str) else ""


def _prompt_expressions(prompt: Any) -> tuple[Any, ...]:
    """The expressions written in the question's math spans, and the sides of its equations."""
    return _expressions_in(_prompt_text(prompt))


@functools.lru_cache(maxsize=4096)  # a group of completions shares its question
def _expressions_in(prompt: str) -> tuple[Any, ...]:
    expressions = []
    for match in _MATH_SPAN.finditer(prompt):
        span = next(g for g in match.groups() if g)
        try:
            value = read(span).value
        except ParseError:
            continue
        terms = value.terms if isinstance(value, Relation) else (value,)
        expressions += [t for t in terms if isinstance(t, sympy.Expr) and t.free_symbols]
    return tuple(expressions)


def _monomial(value: Any) -> bool:
    factors = sympy.Mul.make_args(value)
    return all(
        f.is_Number or f.is_Symbol or (f.is_Pow and f.base.is_Symbol and f.exp.is_Integer)
        for f in factors
    )


def _form(value: Any) -> str:
    """The form an expression is written in: "expanded" (a sum of monomials), "product" (of
    expanded sums and monomials: a factored form), or "other"."""
    if all(_monomial(term) for term in sympy.Add.make_args(value)):
        return "expanded"
    factors = [f.base if f.is_Pow and f.exp.is_Integer else f for f in sympy.Mul.make_args(value)]
    if isinstance(value, (sympy.Mul, sympy.Pow)) and all(
        _monomial(f) or (f.is_Add and _form(f) == "expanded") for f in factors
    ):
        return "product"
    return "other"


def _restates(expression: Any, answer: Any, gold: Any, deadline: float) -> bool:
    """The question asks to rewrite one of its expressions ("Expand (3x - 2)(-x + 5)",
    "Factor x^2 - 3x - 18"): its value is the gold's, so an answer of that value answers
    only in the gold's form. The question's expression given back, reordered or hidden in
    more algebra, is not in that form."""
    if not (isinstance(answer, sympy.Expr) and isinstance(gold, sympy.Expr)):
        return False
    if not expression.args or answer == gold:
        return False
    if answer == expression:
        return True
    if _form(answer) == _form(gold) or _form(expression) == _form(gold):
        return False
    try:
        return _values_equal(expression, gold, Written(), deadline)
    except TimeoutError:
        return False


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
        # a gold value against a set or list of that one value: {5} and 2 \pm 0 answer it
        return answer.brackets in _UNORDERED and all(
            _equal(gold, item, decimal, deadline) for item in answer.items
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
    if answer.brackets == "" and gold.brackets in ("[]", "(]", "[)"):
        return False  # `1, 3` says nothing of the endpoints: no interval's answer
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
    if isinstance(answer, Relation) and not isinstance(gold, Relation):
        stated = _function_value(answer)
        return stated is not None and _equal(gold, stated, decimal, deadline)
    return False


def _function_value(relation: Relation) -> Any:
    """The expression a definition states: `f'(x) = 3x^2` and `f(x) = 3x^2` state 3x^2 (the
    name's arguments are all the expression may use); a quantity's name states its expression
    where the expression does not use it (`A = \\pi r^2`, `y = 2x + 1` answer `\\pi r^2` and
    `2x + 1`; the other way round, `2x + 1` does not answer the equation `y = 2x + 1`)."""
    if relation.ops != ("=",):
        return None
    name, stated = relation.terms
    if not (_is_name(name) and isinstance(stated, sympy.Expr)):
        return None
    own = name.free_symbols - stated.free_symbols
    if len(own) == 1 and (
        isinstance(name, sympy.Symbol)  # A = \pi r^2, y' = 3x^2
        or stated.free_symbols <= name.free_symbols
    ):
        return stated
    return None


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
            parts = [_as_set(p, pair_is_interval=True) for p in value.items]
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
            real = sympy.Symbol("_value", real=True)  # inequalities speak of real numbers
            stands = _standing_for(variable, real)
            if stands is None:
                return None
            result: sympy.Set = sympy.S.Reals
            for lhs, op, rhs in zip(value.terms, value.ops, value.terms[1:], strict=False):
                if variable not in (lhs, rhs):
                    return None
                relation = {"<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge}[op](
                    stands if lhs == variable else lhs, stands if rhs == variable else rhs
                )
                result = result.intersect(relation.as_set())
            return result
    except (TypeError, ValueError, NotImplementedError):
        return None
    return None


def _standing_for(term: Any, real: sympy.Symbol) -> Any:
    """What an inequality's one variable term says of the value it describes, or None. A name
    (`x`, `f(x)`) is the value; `1 \\le |z| \\le 2` describes z by its size; `|x - 1| \\le 2` and
    `2x + 1 > 7` describe x through a linear expression (higher degrees are not solved here)."""
    if isinstance(term, sympy.Symbol) or _is_name(term):
        return sympy.Abs(real) if isinstance(term, sympy.Abs) else real
    symbols = term.free_symbols
    if len(symbols) != 1 or symbols & MARKS:
        return None
    (symbol,) = symbols
    inner = term.args[0] if isinstance(term, sympy.Abs) else term
    if not (inner.is_polynomial(symbol) and sympy.degree(inner, symbol) == 1):
        return None
    if not all(c.is_real and c.is_number for c in sympy.Poly(inner, symbol).coeffs()):
        return None
    return term.subs(symbol, real)


def _sets_equal(gold: sympy.Set, answer: sympy.Set, decimal: Decimal, deadline: float) -> bool:
    """Intervals endpoint by endpoint, so a decimal endpoint meets its written precision."""
    if gold == answer:
        return True
    gold_parts, answer_parts = sympy.Union.make_args(gold), sympy.Union.make_args(answer)
    if len(gold_parts) != len(answer_parts) or not all(
        isinstance(p, sympy.Interval) for p in (*gold_parts, *answer_parts)
    ):
        return False  # an empty set (`3 < x < 1`) is no interval, nor ordered by its start
    gold_parts = sorted(gold_parts, key=_set_key)
    answer_parts = sorted(answer_parts, key=_set_key)
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
    for point in _sample_points(symbols, gold, answer):
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
    return any(
        _values_equal(gold.subs(r), answer.subs(r), decimal, deadline)
        for r in _mark_readings(gold, answer, decimal.percent_is_number)
    )


def _mark_readings(gold: sympy.Expr, answer: sympy.Expr, percent_is_number: bool) -> list[dict]:
    """What the percent and degree marks may mean. `30^\\circ` is 30 or pi/6, whichever the
    gold means, and a gold's `50\\%` is 50 or 1/2. An answer's own percent is p/100 (a
    number of percent, p, only when the question asks for one): read both ways, `0.5\\%` would
    answer 0.5 and 0.005 alike."""
    gold_marks, answer_marks = gold.free_symbols & MARKS, answer.free_symbols & MARKS
    options: dict[Any, list[Any]] = {}
    if PERCENT in gold_marks | answer_marks:
        one_way = PERCENT in answer_marks - gold_marks and not percent_is_number
        options[PERCENT] = [sympy.Rational(1, 100)] + ([] if one_way else [sympy.Integer(1)])
    if DEGREE in gold_marks | answer_marks:
        options[DEGREE] = [sympy.pi / 180, sympy.Integer(1)]
    return [dict(zip(options, values, strict=True)) for values in product(*options.values())]


def _values_equal(gold: sympy.Expr, answer: sympy.Expr, decimal: Decimal, deadline: float) -> bool:
    if gold == answer:
        return True
    symbols = gold.free_symbols | answer.free_symbols
    if not symbols:
        return _numbers_equal(gold, answer, decimal)
    exact = _polynomials_equal(gold, answer, symbols)
    if exact is not None:
        return exact
    agree = 0
    for point in _sample_points(sorted(symbols, key=str), gold, answer):
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
        return _within_written_precision(gold, answer, decimal, written.min_digits)
    if gold.is_infinite or answer.is_infinite:
        return bool(gold == answer)
    g, a = _evaluate(gold, {}), _evaluate(answer, {})
    if g is None or a is None:
        return False
    # a rational never equals a known irrational: 355/113 or a 22-digit fraction is not pi
    exact_kinds_differ = {gold.is_rational, answer.is_rational} == {True, False}
    if abs(g - a) <= EXACT_RELATIVE * max(1, abs(g)) and not exact_kinds_differ:
        return True
    return decimal is not None and _within_written_precision(
        gold, answer, decimal, written.min_digits
    )


def _within_written_precision(
    gold: sympy.Expr, answer: sympy.Expr, decimal: tuple[int, int], min_digits: int
) -> bool:
    """Whether the values agree to half a unit in the last place the decimal was written to
    (3.14 for pi, 0.667 for 2/3; not 3.15, and not 0.3 for 1/3: too few digits)."""
    significant, places = decimal
    if significant < min_digits:
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


def _polynomials_equal(gold: sympy.Expr, answer: sympy.Expr, symbols: set[Any]) -> bool | None:
    """Two polynomials of small degree in few variables compared exactly, by expanding their
    difference: no sample point for an answer built to vanish at it. None when they are not
    such polynomials (then they are sampled)."""
    for side in (gold, answer):
        degree = _degree_bound(side, symbols)
        # the number of monomials an expansion may have: a cost bound, known beforehand
        if degree is None or math.comb(degree + len(symbols), len(symbols)) > MAX_EXACT_TERMS:
            return None
    difference = sympy.expand(gold - answer)
    if difference == 0:
        return True
    try:
        coefficients = sympy.Poly(difference, *sorted(symbols, key=str)).coeffs()
    except sympy.PolynomialError:
        return None
    # a rational coefficient is exactly zero or not; another one is read to 60 digits
    return all(
        c == 0 if c.is_Rational else abs(sympy.N(c, 2 * PRECISION, maxn=200)) < 10 ** (-50)
        for c in coefficients
    )


def _degree_bound(expr: Any, symbols: set[Any]) -> int | None:
    """An upper bound on the total degree of a polynomial, found without expanding it; None
    for anything else (a function of a variable, a variable in a denominator)."""
    if not expr.free_symbols & symbols:
        return 0
    if expr in symbols:
        return 1
    if isinstance(expr, sympy.Add):
        parts = [_degree_bound(a, symbols) for a in expr.args]
        return None if None in parts else max(p for p in parts if p is not None)
    if isinstance(expr, sympy.Mul):
        parts = [_degree_bound(a, symbols) for a in expr.args]
        return None if None in parts else sum(p for p in parts if p is not None)
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer and expr.exp >= 0:
        base = _degree_bound(expr.base, symbols)
        return None if base is None else base * int(expr.exp)
    return None


def _sample_points(
    symbols: list[sympy.Symbol], *expressions: Any
) -> Iterable[dict[sympy.Symbol, Any]]:
    """Sample points drawn from a hash of the two expressions: no completion can place roots
    at points that depend on the completion itself. Rationals with two- and three-digit parts:
    no zeros, no small integers, no symmetry."""
    digest = hashlib.sha256("\x00".join(map(str, expressions)).encode()).digest()
    for k in range(SAMPLE_POINTS + 4):
        point = {}
        for i, s in enumerate(symbols):
            stream = int.from_bytes(hashlib.sha256(digest + bytes([k, i % 256])).digest(), "big")
            numerator = 11 + stream % 983
            denominator = 7 + (stream >> 16) % 89
            if numerator % denominator == 0:
                numerator += 1
            sign = -1 if (stream >> 32) % 2 else 1
            if k >= SAMPLE_POINTS and i < 2:  # sign patterns: even functions are caught too
                sign = -1 if ((k - SAMPLE_POINTS) >> i) & 1 else 1
            point[s] = sign * sympy.Rational(numerator, denominator)
        yield point


def _evaluate(expr: sympy.Expr, point: Mapping[sympy.Symbol, Any]) -> sympy.Expr | None:
    if expr.has(sympy.Sum, sympy.Product):
        return None  # a sum to n is compared by its form, never summed
    try:
        value = expr.evalf(PRECISION, subs=dict(point)) if point else expr.evalf(PRECISION)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, RecursionError):
        return None
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or value.free_symbols:
        return None
    return value
