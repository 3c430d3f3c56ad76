"""The `countdown` environment: generated puzzles from a pool fixed by seed and size.

Puzzle i is drawn from its own generator seeded by (seed, i), so a larger pool extends a
smaller one and per-problem pass rates carry over between runs. Each puzzle is built
backwards from a solution: the numbers are combined in random order with random operators,
keeping every intermediate result a positive whole number (the rules of the television
game), and the result becomes the target. Every puzzle is therefore solvable using each
number exactly once; the solution is kept under `meta`. A fixed hash of the id sends about a
tenth of the puzzles to the held-out split, the same in every run.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal

DEFAULT_SIZE = 1000
MAX_DRAWS_PER_PROBLEM = 20
HELDOUT_BUCKETS = 10_000
INSTRUCTION = (
    "Using the numbers {numbers}, write an arithmetic expression that equals {target}. Use "
    "each number exactly once, with + - * / and parentheses. Think step by step inside "
    "<think> </think>, then give only the expression inside <answer> </answer>, for example "
    "<answer>(1 + 2) * 3</answer>."
)

Split = Literal["train", "heldout"]


class CountdownEnvironment:
    """Countdown puzzles; see the module docstring."""

    name = "countdown"
    verifier = "countdown"

    def __init__(
        self,
        *,
        seed: int = 0,
        size: int = DEFAULT_SIZE,
        counts: Sequence[int] = (3, 4),
        max_number: int = 50,
        max_target: int = 999,
        heldout_fraction: float = 0.1,
    ) -> None:
        """`counts`: how many numbers a puzzle may have (difficulty = count - 2);
        `max_number`: the largest given number; `max_target`: the largest target."""
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        if not counts or min(counts) < 2:
            raise ValueError(f"counts must be at least 2 numbers each, got {list(counts)}")
        if max_number < 2 or max_target < 10:
            raise ValueError("max_number must be at least 2 and max_target at least 10")
        if not 0 <= heldout_fraction < 1:
            raise ValueError(f"heldout_fraction must be in [0, 1), got {heldout_fraction}")
        self.seed = seed
        self.size = size
        self.counts = tuple(counts)
        self.max_number = max_number
        self.max_target = max_target
        self.heldout_fraction = heldout_fraction
        self._pool: list[dict[str, Any]] | None = None

    def problems(self, split: Split = "train") -> list[dict[str, Any]]:
        if self._pool is None:
            self._pool = self._generate()
        return [p for p in self._pool if self.split_of(p["id"]) == split]

    def prompt(self, problem: Mapping[str, Any]) -> list[dict[str, str]]:
        return [{"role": "user", "content": str(problem["prompt"])}]

    def split_of(self, problem_id: str) -> Split:
        """ "train" or "heldout" by a hash of the id alone: disjoint, and stable across runs."""
        digest = hashlib.sha256(f"countdown-split/{problem_id}".encode()).digest()
        bucket = int.from_bytes(digest[:8], "big") % HELDOUT_BUCKETS
        return "heldout" if bucket < self.heldout_fraction * HELDOUT_BUCKETS else "train"

    def _generate(self) -> list[dict[str, Any]]:
        pool: dict[str, dict[str, Any]] = {}
        for index in range(self.size * MAX_DRAWS_PER_PROBLEM):
            if len(pool) == self.size:
                break
            rng = random.Random(f"rlvr-countdown/{self.seed}/{index}")
            puzzle = self._draw(rng)
            if puzzle is not None:
                pool.setdefault(puzzle["id"], puzzle)  # the same puzzle twice is one problem
        if len(pool) < self.size:
            raise ValueError(
                f"only {len(pool)} distinct puzzles found for size {self.size}; "
                "ask for fewer, or raise max_number or counts"
            )
        return list(pool.values())

    def _draw(self, rng: random.Random) -> dict[str, Any] | None:
        """One puzzle, or None when this draw's target is trivial or out of range."""
        count = rng.choice(self.counts)
        numbers = [rng.randint(1, self.max_number) for _ in range(count)]
        terms = [(str(n), n) for n in numbers]
        while len(terms) > 1:
            left = terms.pop(rng.randrange(len(terms)))
            right = terms.pop(rng.randrange(len(terms)))
            terms.append(_combine(left, right, rng))
        solution, target = terms[0]
        if not 10 <= target <= self.max_target or target in numbers:
            return None
        numbers.sort()
        record: dict[str, Any] = {
            "id": f"countdown-{'-'.join(map(str, numbers))}-to-{target}",
            "env": "countdown",
            "prompt": INSTRUCTION.format(numbers=numbers, target=target),
            "numbers": numbers,
            "target": target,
            "difficulty": count - 2,
            "meta": {"solution": solution},
        }
        return record


def _combine(left: tuple[str, int], right: tuple[str, int], rng: random.Random) -> tuple[str, int]:
    """`left op right` for a random operator that keeps the result a positive whole number
    (addition always does)."""
    (a_text, a), (b_text, b) = sorted([left, right], key=lambda term: -term[1])  # a >= b
    operators = ["+", "-", "*", "/"]
    rng.shuffle(operators)
    for operator in operators:
        value = {
            "+": Fraction(a + b),
            "-": Fraction(a - b),
            "*": Fraction(a * b),
            "/": Fraction(a, b),
        }[operator]
        if value > 0 and value.denominator == 1:
            return f"{_wrap(a_text)} {operator} {_wrap(b_text)}", int(value)
    raise AssertionError("addition of positive numbers is always allowed")


def _wrap(text: str) -> str:
    return text if text.isdigit() else f"({text})"
