"""Reading a model's arithmetic without running it.

Model output is never given to `eval` (nor to `ast`, which accepts far more than the game
allows): a small tokenizer and a recursive-descent parser read whole numbers, `+ - * /` and
parentheses, and nothing else. Values are exact fractions, so `10 / 4 * 2` is 5, not
4.999...; division by zero is an error of the expression. The length of the text bounds the
parse depth and the size of every value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

# The operators as models also write them: Unicode signs and LaTeX commands.
OPERATOR_SPELLINGS = {
    "×": "*",
    "·": "*",
    "∗": "*",
    "\\times": "*",
    "\\cdot": "*",
    "÷": "/",
    "\\div": "/",
    "−": "-",
    "–": "-",
}
_TOKEN = re.compile(r"\s*(?:(\d+)|([-+*/()]))")
MAX_DIGITS = 6
"""The longest number literal read; the game's numbers have two or three digits."""


class ExpressionError(ValueError):
    """Text that is not an expression of the game; the message says where and why."""


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its exact value and the numbers it used, in order."""

    value: Fraction
    numbers: tuple[int, ...]


def parse(text: str) -> Expression:
    """The value and numbers of `text`, or an `ExpressionError`."""
    for spelling, operator in OPERATOR_SPELLINGS.items():
        text = text.replace(spelling, operator)
    tokens = _tokenize(text)
    parser = _Parser(tokens)
    value = parser.expression()
    if parser.position < len(tokens):
        raise ExpressionError(f"unexpected {tokens[parser.position]!r} after a whole expression")
    return Expression(value, tuple(parser.numbers))


def _tokenize(text: str) -> list[str]:
    tokens, position = [], 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None:
            raise ExpressionError(
                f"cannot read {stripped[position:].lstrip()[:20]!r}: only whole numbers, "
                "+ - * / and parentheses are allowed"
            )
        number = match.group(1)
        if number is not None and len(number) > MAX_DIGITS:
            raise ExpressionError(f"the number {number[:12]}... is too long")
        tokens.append(match.group(1) or match.group(2))
        position = match.end()
    if not tokens:
        raise ExpressionError("the expression is empty")
    return tokens


class _Parser:
    """expression := term (('+' | '-') term)*; term := factor (('*' | '/') factor)*;
    factor := number | '(' expression ')'. No unary minus: the game has none."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0
        self.numbers: list[int] = []

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise ExpressionError("the expression ends too early")
        self.position += 1
        return token

    def expression(self) -> Fraction:
        value = self.term()
        while self._peek() in ("+", "-"):
            value = value + self.term() if self._take() == "+" else value - self.term()
        return value

    def term(self) -> Fraction:
        value = self.factor()
        while self._peek() in ("*", "/"):
            operator = self._take()
            right = self.factor()
            if operator == "*":
                value *= right
            elif right == 0:
                raise ExpressionError("division by zero")
            else:
                value /= right
        return value

    def factor(self) -> Fraction:
        token = self._take()
        if token == "(":
            value = self.expression()
            if self._take() != ")":
                raise ExpressionError("a parenthesis is not closed")
            return value
        if token.isdigit():
            self.numbers.append(int(token))
            return Fraction(int(token))
        raise ExpressionError(f"expected a number or '(', got {token!r}")
