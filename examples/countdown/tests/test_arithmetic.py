"""The expression reader: what it accepts, its exact values, and what it refuses."""

from __future__ import annotations

from fractions import Fraction

import pytest
from rlvr_countdown.arithmetic import ExpressionError, parse


@pytest.mark.parametrize(
    ("text", "value", "numbers"),
    [
        ("1 + 2 * 3", 7, (1, 2, 3)),
        ("(1 + 2) * 3", 9, (1, 2, 3)),
        ("10 - 4 - 3", 3, (10, 4, 3)),  # left to right
        ("48 / 4 / 2", 6, (48, 4, 2)),
        ("10 / 4 * 2", 5, (10, 4, 2)),  # exact: never 4.999...
        ("7 / 2", Fraction(7, 2), (7, 2)),
        ("((((5))))", 5, (5,)),
        ("4 × (25 − 7)", 72, (4, 25, 7)),
        ("6 ÷ 3 · 2", 4, (6, 3, 2)),
        ("3 \\times 4 \\div 2", 6, (3, 4, 2)),
        ("  8+2  ", 10, (8, 2)),
    ],
)
def test_values_are_exact(text: str, value: Fraction, numbers: tuple[int, ...]) -> None:
    parsed = parse(text)
    assert parsed.value == value
    assert parsed.numbers == numbers


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("1 +", "ends too early"),
        ("(1 + 2", "ends too early"),
        ("1 + 2)", "unexpected ')'"),
        ("2 3", "unexpected '3'"),
        ("-3 + 5", "expected a number"),  # no unary minus in the game
        ("2 ** 10", "expected a number"),
        ("2.5 * 2", "cannot read '.5 * 2'"),
        ("1_000", "cannot read '_000'"),
        ("0x10", "cannot read 'x10'"),
        ("5 / (3 - 3)", "division by zero"),
        ("__import__('os').system('true')", "cannot read"),
        ("1234567 + 1", "too long"),
        ("x + 1", "cannot read 'x + 1'"),
    ],
)
def test_anything_else_is_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ExpressionError, match=None) as caught:
        parse(text)
    assert reason in str(caught.value)


def test_deep_nesting_within_the_answer_limit_parses() -> None:
    assert parse("(" * 90 + "7" + ")" * 90).value == 7
