"""The large tests of the built-in stdio program problems: code, not content.

The problems themselves (Python, C and C++; prompt, hand-written tests with their expected
outputs, reference and wrong programs) are problem records in `data/code/programs.jsonl`,
loaded by `rlvr.environments.code`. What stays code is what is computed: from difficulty 3
up, each problem's large tests are stdin generated here from a fixed seed, whose expected
outputs come from `solve`, a Python implementation written independently of the reference
program (`LARGE_TESTS`, by slug), so the sandboxed check of the reference
(tests/environments/test_code.py) is a differential test of the two; each oracle is also
checked against the worked example of its record. C and C++ problems keep their inputs small
and their numbers large (an exponent of 10^18, a board of 300 x 300), so the record stays
small while the naive algorithm still cannot finish.
"""

from __future__ import annotations

import heapq
import math
import random
import re
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Callable
from functools import cache

LargeStdin = Callable[[random.Random], list[str]]
Oracle = Callable[[str], str]

MOD = 1_000_000_007


def _tokens(stdin: str) -> list[int]:
    return [int(t) for t in stdin.split()]


def _lines(*rows: object) -> str:
    return "".join(f"{row}\n" for row in rows)


# --- trusted implementations ----------------------------------------------------------------


def _top_words(stdin: str) -> str:
    first, _, text = stdin.partition("\n")
    counts = Counter(re.findall(r"[a-z]+", text.lower()))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: int(first)]
    return "".join(f"{word} {count}\n" for word, count in ranked)


def _pairs_at_most(stdin: str) -> str:
    numbers = _tokens(stdin)
    n, limit = numbers[0], numbers[1]
    values = sorted(numbers[2 : 2 + n])
    # for each j, the i < j with values[i] <= limit - values[j]
    count = sum(min(bisect_right(values, limit - v), j) for j, v in enumerate(values))
    return f"{count}\n"


def _range_sums(stdin: str) -> str:
    numbers = _tokens(stdin)
    n, q = numbers[0], numbers[1]
    prefix = [0]
    for value in numbers[2 : 2 + n]:
        prefix.append(prefix[-1] + value)
    queries = numbers[2 + n : 2 + n + 2 * q]
    pairs = zip(queries[::2], queries[1::2], strict=True)
    return "".join(f"{prefix[last] - prefix[first - 1]}\n" for first, last in pairs)


def _maze(stdin: str) -> str:
    lines = stdin.split("\n")
    rows, cols = map(int, lines[0].split())
    grid = lines[1 : 1 + rows]
    start = next((r, row.index("S")) for r, row in enumerate(grid) if "S" in row)
    distance = {start: 0}
    todo = deque([start])
    while todo:
        r, c = todo.popleft()
        if grid[r][c] == "E":
            return f"{distance[(r, c)]}\n"
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            inside = 0 <= nr < rows and 0 <= nc < cols
            if inside and grid[nr][nc] != "#" and (nr, nc) not in distance:
                distance[(nr, nc)] = distance[(r, c)] + 1
                todo.append((nr, nc))
    return "-1\n"


def _components(stdin: str) -> str:
    numbers = _tokens(stdin)
    n, m = numbers[0], numbers[1]
    parent = list(range(n + 1))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups = n
    for u, v in zip(numbers[2 : 2 + 2 * m : 2], numbers[3 : 3 + 2 * m : 2], strict=True):
        ru, rv = root(u), root(v)
        if ru != rv:
            parent[ru] = rv
            groups -= 1
    return f"{groups}\n"


def _distances(stdin: str) -> str:
    numbers = _tokens(stdin)
    n, m = numbers[0], numbers[1]
    roads: list[list[tuple[int, int]]] = [[] for _ in range(n + 1)]
    for i in range(m):
        u, v, w = numbers[2 + 3 * i : 5 + 3 * i]
        roads[u].append((v, w))
        roads[v].append((u, w))
    best = [-1] * (n + 1)
    heap = [(0, 1)]
    while heap:
        d, u = heapq.heappop(heap)
        if best[u] >= 0:
            continue
        best[u] = d
        for v, w in roads[u]:
            if best[v] < 0:
                heapq.heappush(heap, (d + w, v))
    return " ".join(map(str, best[1:])) + "\n"


def _job_schedule(stdin: str) -> str:
    numbers = _tokens(stdin)
    # (end, start, value), by end time
    jobs = sorted(zip(numbers[2::3], numbers[1::3], numbers[3::3], strict=True))
    ends = [end for end, _, _ in jobs]
    best = [0]  # best[i]: the most value from the first i jobs to end
    for _, start, value in jobs:
        fits = bisect_right(ends, start)  # the jobs that end by this one's start
        best.append(max(best[-1], best[fits] + value))
    return f"{best[-1]}\n"


def _divisor_sum(stdin: str) -> str:
    n = int(stdin)
    k = math.isqrt(n)
    return f"{2 * sum(n // i for i in range(1, k + 1)) - k * k}\n"


def _josephus(stdin: str) -> str:
    n, k = _tokens(stdin)
    survivor = 0
    for size in range(2, n + 1):
        survivor = (survivor + k) % size
    return f"{survivor + 1}\n"


def _fibonacci(n: int) -> tuple[int, int]:
    """(F(n), F(n + 1)) mod MOD."""
    if n == 0:
        return 0, 1
    a, b = _fibonacci(n // 2)
    c = a * (2 * b - a) % MOD
    d = (a * a + b * b) % MOD
    return (c, d) if n % 2 == 0 else (d, (c + d) % MOD)


def _digit_sum_count(stdin: str) -> str:
    bound, target = stdin.split()

    @cache
    def count(position: int, remaining: int, tight: bool) -> int:
        if remaining < 0:
            return 0
        if position == len(bound):
            return int(remaining == 0)
        top = int(bound[position]) if tight else 9
        return sum(count(position + 1, remaining - d, tight and d == top) for d in range(top + 1))

    return f"{count(0, int(target), True)}\n"


def _binomial(stdin: str) -> str:
    n, k = _tokens(stdin)
    k = min(k, n - k)
    top = bottom = 1
    for i in range(k):
        top = top * (n - i) % MOD
        bottom = bottom * (i + 1) % MOD
    return f"{top * pow(bottom, MOD - 2, MOD) % MOD}\n"


def _stairs(stdin: str) -> str:
    a, b, c = 0, 0, 1  # ways to reach steps i-2, i-1 and i, starting at i = 0
    for _ in range(int(stdin)):
        a, b, c = b, c, (a + b + c) % MOD
    return f"{c}\n"


def _coin_ways(stdin: str) -> str:
    numbers = _tokens(stdin)
    amount, n = numbers[0], numbers[1]
    ways = [1] + [0] * amount
    for coin in numbers[2 : 2 + n]:
        for value in range(coin, amount + 1):
            ways[value] = (ways[value] + ways[value - coin]) % MOD
    return f"{ways[amount]}\n"


def _knight(stdin: str) -> str:
    n, r1, c1, r2, c2 = _tokens(stdin)
    # squares as r * n + c in a flat list: a board of 300 x 300 in well under a second
    start, goal = (r1 - 1) * n + c1 - 1, (r2 - 1) * n + c2 - 1
    distance = [-1] * (n * n)
    distance[start] = 0
    todo = deque([start])
    moves = ((1, 2), (2, 1), (-1, 2), (-2, 1), (1, -2), (2, -1), (-1, -2), (-2, -1))
    while todo and distance[goal] < 0:
        square = todo.popleft()
        r, c = divmod(square, n)
        for dr, dc in moves:
            nr, nc = r + dr, c + dc
            if 0 <= nr < n and 0 <= nc < n and distance[nr * n + nc] < 0:
                distance[nr * n + nc] = distance[square] + 1
                todo.append(nr * n + nc)
    return f"{distance[goal]}\n"


def _walks(stdin: str) -> str:
    numbers = _tokens(stdin)
    n, steps = numbers[0], numbers[1]
    graph = [numbers[2 + i * n : 2 + (i + 1) * n] for i in range(n)]

    def multiply(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
        columns = list(zip(*b, strict=True))
        return [
            [sum(x * y for x, y in zip(row, col, strict=True)) % MOD for col in columns]
            for row in a
        ]

    walks = [[int(i == j) for j in range(n)] for i in range(n)]
    while steps:
        if steps & 1:
            walks = multiply(walks, graph)
        graph = multiply(graph, graph)
        steps >>= 1
    return f"{walks[0][n - 1]}\n"


# --- large inputs ---------------------------------------------------------------------------


def _words_text(rng: random.Random) -> list[str]:
    # Many distinct words, a few frequent ones: counting each distinct word afresh is 10^9
    # comparisons.
    vocabulary = ["".join(rng.choices("abcdefghij", k=rng.randint(3, 7))) for _ in range(50_000)]
    weights = [1 / (i + 1) ** 0.5 for i in range(len(vocabulary))]
    words = rng.choices(vocabulary, weights=weights, k=60_000)
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
    return ["10\n" + "\n".join(lines) + "\n"]


def _pairs_large(rng: random.Random) -> list[str]:
    n = 30_000
    values = [int(rng.random() * 2_000_001) - 1_000_000 for _ in range(n)]
    return [_lines(f"{n} {rng.randint(-(10**6), 10**6)}", " ".join(map(str, values)))]


def _range_sums_large(rng: random.Random) -> list[str]:
    # Long ranges: summing each one afresh is 10^9 additions.
    n, q = 100_000, 10_000
    values = " ".join(rng.choices("0123456789", k=n))
    queries = [f"{rng.randint(1, n // 10)} {rng.randint(9 * n // 10, n)}" for _ in range(q)]
    return [_lines(f"{n} {q}", values, *queries)]


def _mazes(rng: random.Random) -> list[str]:
    size = 200
    grid = [["#" if rng.random() < 0.28 else "." for _ in range(size)] for _ in range(size)]
    grid[0][0], grid[size - 1][size - 1] = "S", "E"
    open_maze = [f"{size} {size}", *("".join(row) for row in grid)]
    # A corridor winding through every other row: the one path is 20,000 steps long.
    corridor = []
    for r in range(size - 1):
        if r % 2 == 0:
            corridor.append("." * size)
        elif r % 4 == 1:
            corridor.append("#" * (size - 1) + ".")
        else:
            corridor.append("." + "#" * (size - 1))
    corridor[0] = "S" + corridor[0][1:]
    corridor[-1] = corridor[-1][:-1] + "E"
    return [_lines(*open_maze), _lines(f"{size - 1} {size}", *corridor)]


def _components_large(rng: random.Random) -> list[str]:
    n = 20_000
    chain = [f"{i} {i + 1}" for i in range(1, n)]
    rng.shuffle(chain)
    m = 4_000
    scattered = [f"{rng.randint(1, 5_000)} {rng.randint(1, 5_000)}" for _ in range(m)]
    return [_lines(f"{n} {n - 1}", *chain), _lines(f"5000 {m}", *scattered)]


def _roads_large(rng: random.Random) -> list[str]:
    # A chain 1 - 2 - ... - n listed backwards, plus roads between nearby towns that cost
    # more than the chain between them: the shortest routes follow the chain, so a
    # Bellman-Ford pass settles one more town and it needs n passes over all the roads.
    n = 5_000
    roads = [f"{i} {i + 1} {rng.randint(1, 10)}" for i in range(1, n)][::-1]
    for _ in range(10_000):
        u = rng.randint(1, n - 1)
        roads.append(f"{u} {min(u + rng.randint(2, 50), n)} 1000")
    return [_lines(f"{n} {len(roads)}", *roads)]


def _jobs_large(rng: random.Random) -> list[str]:
    n = 10_000
    jobs = []
    for _ in range(n):
        start = rng.randint(1, 999_000)
        jobs.append(f"{start} {start + rng.randint(1, 1000)} {rng.randint(1, 10_000)}")
    return [_lines(n, *jobs)]


def _walks_large(rng: random.Random) -> list[str]:
    out = []
    for n, steps in ((10, 10**18), (8, 999_999_999_999_999_999)):
        rows = [" ".join(str(int(rng.random() < 0.4)) for _ in range(n)) for _ in range(n)]
        out.append(_lines(f"{n} {steps}", *rows))
    return out


LARGE_TESTS: dict[str, tuple[LargeStdin, Oracle]] = {
    "top-words": (_words_text, _top_words),
    "pairs-at-most": (_pairs_large, _pairs_at_most),
    "range-sums": (_range_sums_large, _range_sums),
    "maze": (_mazes, _maze),
    "components": (_components_large, _components),
    "town-distances": (_roads_large, _distances),
    "job-schedule": (_jobs_large, _job_schedule),
    "power-mod": (
        lambda rng: [
            "3 1000000000000000000 1000000007\n",
            "1000000000 1000000000000000000 999999937\n",
            "7 123456789012345678 1\n",
        ],
        lambda stdin: f"{pow(*_tokens(stdin))}\n",
    ),
    "divisor-sum": (lambda rng: ["1000000000000\n"], _divisor_sum),
    "josephus": (lambda rng: ["1000000 1000000000000000000\n", "1000000 2\n"], _josephus),
    "fibonacci-mod": (
        lambda rng: ["1000000000000000000\n", "999999999999999999\n"],
        lambda stdin: f"{_fibonacci(int(stdin))[0]}\n",
    ),
    "digit-sum-count": (
        lambda rng: [
            "1000000000000000000 1\n",
            "999999999999999999 162\n",
            "123456789012345678 50\n",
            "987654321987654321 81\n",
        ],
        _digit_sum_count,
    ),
    "binomial-mod": (
        lambda rng: ["1000000 123456\n", "1000000 999999\n", "999983 500000\n"],
        _binomial,
    ),
    "stairs": (lambda rng: ["100000\n"], _stairs),
    "coin-ways": (lambda rng: ["30000 6\n1 2 5 10 20 50\n", "29999 3\n7 11 13\n"], _coin_ways),
    "knight-moves": (lambda rng: ["300\n1 1 300 300\n", "120\n60 60 1 120\n"], _knight),
    "count-walks": (_walks_large, _walks),
}
"""(stdin of the large tests, the trusted oracle of their expected stdout), by slug."""
