"""The large tests of the built-in Python function problems: code, not content.

The problems themselves — prompt, hand-written tests (the first is the worked example its
prompt shows), reference solution and wrong solutions (off by one, a missed edge case, too
slow) that the tests must catch — are problem records in `data/code/functions.jsonl`, loaded
by `rlvr.environments.code`. What stays code is what is computed: from difficulty 3 up, each
problem's large tests are arguments generated here from a fixed seed (`LARGE_INPUTS`, by the
problem's slug), whose expected outputs are computed when the set is built by running the
reference solution in this process (it is our own code, not a completion). Sizes are chosen
so that the reference answers in milliseconds and the naive algorithm (quadratic, exponential,
deep recursion) fails under the verifier's default limits (5 s a test, 512 MiB;
benchmarks/code_env_naive.py checks it); the description states the bounds so that a solver
knows what is asked. The stdio programs' large tests are in `rlvr.environments.code_programs`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Args = tuple[Any, ...]
LargeInputs = Callable[[random.Random], list[Args]]


def _ints(rng: random.Random, n: int, low: int, high: int) -> list[int]:
    """n integers from low to high (`randint` is five times slower, and this adds up)."""
    span = high - low + 1
    return [low + int(rng.random() * span) for _ in range(n)]


# --- large inputs ---------------------------------------------------------------------------


def _two_sum_large(rng: random.Random) -> list[Args]:
    # Multiples of 4 never pair up to a target = 3 (mod 4): the one pair is the last two
    # numbers, the worst case for a double loop.
    n = 30_000
    numbers = [4 * rng.randint(0, 100_000) for _ in range(n - 2)]
    first, second = 4 * rng.randint(0, 100_000) + 1, 4 * rng.randint(0, 100_000) + 2
    return [([*numbers, first, second], first + second)]


def _snake(size: int) -> list[str]:
    """One island winding through a square grid: every other row, joined at alternate ends."""
    rows = []
    for r in range(size):
        if r % 2 == 0:
            rows.append("#" * size)
        elif r % 4 == 1:
            rows.append("." * (size - 1) + "#")
        else:
            rows.append("#" + "." * (size - 1))
    return rows


def _islands_large(rng: random.Random) -> list[Args]:
    size = 300
    noise = ["".join("#" if rng.random() < 0.45 else "." for _ in range(size)) for _ in range(size)]
    return [(_snake(size),), (noise,)]


def _courses_large(rng: random.Random) -> list[Args]:
    n = 5_000
    chain = [[i + 1, i] for i in range(n - 1)]
    rng.shuffle(chain)
    return [(n, chain), (n, [*chain, [0, n - 1]])]


def _shortest_path_large(rng: random.Random) -> list[Args]:
    # A chain 0 -> 1 -> ... -> n-1 listed backwards, plus detours that skip ahead but cost
    # more than the chain they skip: the shortest routes follow the chain, so a Bellman-Ford
    # pass settles one more node and it needs n passes over all the edges.
    n = 8_000
    edges = [[i, i + 1, rng.randint(1, 10)] for i in range(n - 1)][::-1]
    for _ in range(8_000):
        u, hops = rng.randint(0, n - 2), rng.randint(2, 50)
        edges.append([u, min(u + hops, n - 1), 10 * hops + 1])
    return [(n, edges, 0, n - 1)]


def _min_window_large(rng: random.Random) -> list[Args]:
    # The only window holding both z's is half the text long.
    n = 100_000
    text = [rng.choice("abcdefghijklmnopqrstuvwxy") for _ in range(n)]
    text[20_000] = text[70_000] = "z"
    return [("".join(text), "zz"), ("".join(text), "abcz")]


def _distinct_text(rng: random.Random) -> list[Args]:
    letters = [chr(0x4E00 + i) for i in range(20_000)]
    rng.shuffle(letters)
    return [("".join(letters) * 2,)]


LARGE_INPUTS: dict[str, LargeInputs] = {
    "two-sum": _two_sum_large,
    "balanced-brackets": lambda rng: [
        ("(" * 100_000 + ")" * 100_000,),
        ("([{" * 3_000 + "}])" * 3_000 + ")",),
    ],
    "max-subarray-sum": lambda rng: [
        (_ints(rng, 30_000, -1000, 1000),),
        (_ints(rng, 3_000, -1000, -1),),
    ],
    "merge-intervals": lambda rng: [
        ([[s, s + rng.randint(0, 100)] for s in _ints(rng, 20_000, 0, 10**6)],)
    ],
    "count-less-than": lambda rng: [
        (sorted(_ints(rng, 20_000, 0, 99_999)), _ints(rng, 20_000, -9, 99_999))
    ],
    "longest-unique-substring": _distinct_text,
    "longest-increasing-subsequence": lambda rng: [(_ints(rng, 30_000, 0, 99_999),)],
    "min-coins": lambda rng: [([7, 13, 29, 31, 97], 10_000), ([2, 4, 6], 9999)],
    "edit-distance": lambda rng: [
        (
            "".join(rng.choice("abcd") for _ in range(400)),
            "".join(rng.choice("abcd") for _ in range(400)),
        )
    ],
    "count-islands": _islands_large,
    "word-break": lambda rng: [
        ("a" * 299 + "b", ["a", "aa", "aaa", "aaaa", "aaaaa"]),
        (
            "".join(rng.choice(["ab", "abc", "cab", "b"]) for _ in range(120)),
            ["ab", "abc", "cab", "b"],
        ),
    ],
    "can-finish": _courses_large,
    "knapsack": lambda rng: [(_ints(rng, 60, 1, 500), _ints(rng, 60, 1, 1000), 5000)],
    "num-decodings": lambda rng: [
        ("1" * 10_000,),
        ("".join(rng.choice("1112226") for _ in range(10_000)),),
    ],
    "shortest-path": _shortest_path_large,
    "count-inversions": lambda rng: [(_ints(rng, 30_000, 0, 99_999),)],
    "min-window": _min_window_large,
    "sliding-window-max": lambda rng: [(_ints(rng, 60_000, 0, 999), 30_000)],
    "largest-rectangle": lambda rng: [(_ints(rng, 20_000, 0, 9_999),), (list(range(20_000)),)],
}
"""The arguments of each problem's large tests, by slug."""
