"""The `countdown` verifier: does the answer reach the target with the given numbers?

A problem record carries `numbers` (the whole numbers the player may use) and `target`. The
completion puts its expression in `<answer>...</answer>` (the last one counts) after an
optional `<think>...</think>` section. The reward is 1 when the expression uses each given
number exactly once (at most once with `use_all=False`), no other number, and equals the
target exactly; otherwise 0, or `format_credit` for a well-formed answer that misses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from rlvr import Verdict
from rlvr.text import strip_reasoning
from rlvr_countdown.arithmetic import ExpressionError, parse

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


class CountdownVerifier:
    """Exact arithmetic over the row's numbers; see the module docstring."""

    name = "countdown"
    required_fields = ("numbers", "target")

    def __init__(
        self, *, use_all: bool = True, format_credit: float = 0.0, max_answer_chars: int = 200
    ) -> None:
        """`format_credit`: the reward of a well-formed answer (right numbers, parseable) with
        the wrong value, as TinyZero's format score; 0 by default. `max_answer_chars` bounds
        the work one answer can cause."""
        if not 0.0 <= format_credit < 1.0:
            raise ValueError(f"format_credit must be in [0, 1), got {format_credit}")
        self.use_all = use_all
        self.format_credit = format_credit
        self.max_answer_chars = max_answer_chars

    def verify(self, problem: Mapping[str, Any], completion: str) -> Verdict:
        numbers, target = problem["numbers"], problem["target"]
        if not (
            isinstance(numbers, list)
            and numbers
            and all(isinstance(n, int) and not isinstance(n, bool) for n in numbers)
            and isinstance(target, int)
            and not isinstance(target, bool)
        ):
            # The row is broken, not the completion: an error, never a silent 0.
            return Verdict.error("a countdown row needs `numbers` (whole numbers) and `target`")
        text = strip_reasoning(completion)
        if text is None:
            return _zero("no_answer", "the <think> section was never closed")
        answers = _ANSWER.findall(text)
        if not answers:
            return _zero("no_answer", "no <answer>...</answer>")
        answer = answers[-1].strip()
        info: dict[str, Any] = {"answer": answer[:100]}
        if len(answer) > self.max_answer_chars:
            return _zero("too_long", f"over {self.max_answer_chars} characters", info)
        expression, equals = answer, None
        if answer.count("=") == 1:  # "(25 - 7) * 4 = 72" states its result
            expression, equals = (part.strip() for part in answer.split("="))
        try:
            parsed = parse(expression)
        except ExpressionError as exc:
            return _zero("unparseable", str(exc), info)
        if equals is not None and equals != str(target):
            return _zero("unparseable", f"the answer claims '= {equals}', not the target", info)

        info["used"] = list(parsed.numbers)
        extra = Counter(parsed.numbers) - Counter(numbers)
        unused = Counter(numbers) - Counter(parsed.numbers)
        if extra:
            return _zero("wrong_numbers", f"not available: {sorted(extra.elements())}", info)
        if self.use_all and unused:
            return _zero("wrong_numbers", f"not used: {sorted(unused.elements())}", info)
        info["value"] = str(parsed.value)
        if parsed.value == target:
            return Verdict(1.0, {**info, "status": "correct"})
        return Verdict(self.format_credit, {**info, "status": "wrong_value"})

    def examples(self) -> list[tuple[dict[str, Any], str, float]]:
        """(problem, completion, expected reward) for `rlvr check countdown`."""
        small = {"numbers": [25, 7, 4], "target": 72}
        four = {"numbers": [2, 3, 5, 10], "target": 40}
        return [
            (
                small,
                "<think>25 - 7 = 18 and 18 * 4 = 72</think>\n<answer>(25 - 7) * 4</answer>",
                1.0,
            ),
            (small, "<answer>4 × (25 − 7) = 72</answer>", 1.0),
            (four, "<answer>(3 + 5) * (10 / 2)</answer>", 1.0),
            (four, "<answer>(10 - 2) * 5</answer>", 0.0),  # 3 unused
            (four, "<answer>10 * 2 * 2</answer>", 0.0),  # 2 used twice, 3 and 5 unused
            (small, "<answer>25 + 7 + 4</answer>", 0.0),  # 36
            (small, "<answer>(25 - 7) * 4 = 73</answer>", 0.0),
            (small, "<answer>4 * 7 / (25 - 25)</answer>", 0.0),
            (small, "<answer>__import__('os').system('true')</answer>", 0.0),
            (small, "The answer is (25 - 7) * 4.", 0.0),
            (small, "<think>(25 - 7) * 4 is it <answer>(25 - 7) * 4</answer>", 0.0),
        ]


def _zero(status: str, reason: str, info: Mapping[str, Any] | None = None) -> Verdict:
    return Verdict(0.0, {**(info or {}), "status": status, "reason": reason})
