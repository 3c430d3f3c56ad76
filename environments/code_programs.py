"""The built-in code problems, part two: programs that read stdin and write stdout.

Python, C and C++. Each problem's expected outputs come from `solve`, a Python implementation
written here independently of the reference program, so the sandboxed check of the
reference (tests/environments/test_code.py) is a differential test of the two; the worked
example's output is written by hand and checked against `solve` too. Large inputs are
generated from a fixed seed when the set is built; C and C++ problems keep their inputs
small and their numbers large (an exponent of 10^18, a board of 300 x 300), so the record
stays small while the naive algorithm still cannot finish.
"""

from __future__ import annotations

import heapq
import math
import random
import re
from bisect import bisect_right
from collections import Counter, deque
from functools import cache

from rlvr.environments.code_problems import ProgramProblem

MOD = 1_000_000_007
NEWLINE = "\n"


def _tokens(stdin: str) -> list[int]:
    return [int(t) for t in stdin.split()]


def _lines(*rows: object) -> str:
    return "".join(f"{row}\n" for row in rows)


# --- trusted implementations ----------------------------------------------------------------


def _word_count(stdin: str) -> str:
    return f"{stdin.count(NEWLINE)} {len(stdin.split())} {len(stdin)}\n"


def _times_table(stdin: str) -> str:
    n = int(stdin)
    return _lines(*(f"{n} x {i} = {n * i}" for i in range(1, 11)))


def _max_position(stdin: str) -> str:
    values = _tokens(stdin)[1:]
    return f"{max(values)} {values.index(max(values)) + 1}\n"


def _pascal_row(stdin: str) -> str:
    n = int(stdin)
    return " ".join(str(math.comb(n, k)) for k in range(n + 1)) + "\n"


def _score_stats(stdin: str) -> str:
    numbers = _tokens(stdin)
    n, scores = numbers[0], numbers[1 : 1 + numbers[0]]
    if n == 0:
        return "no scores\n"
    return f"{min(scores)} {max(scores)} {sum(scores) / n:.2f}\n"


def _caesar(stdin: str) -> str:
    first, _, rest = stdin.partition("\n")
    shift, text = int(first), rest.split("\n", 1)[0]
    out = []
    for ch in text:
        base = ord("a") if "a" <= ch <= "z" else ord("A") if "A" <= ch <= "Z" else None
        out.append(ch if base is None else chr((ord(ch) - base + shift) % 26 + base))
    return "".join(out) + "\n"


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


def _palindrome_line(stdin: str) -> str:
    kept = [c.lower() for c in stdin.split("\n", 1)[0] if c.isascii() and c.isalnum()]
    return "YES\n" if kept == kept[::-1] else "NO\n"


def _sort_words(stdin: str) -> str:
    parts = stdin.split()
    words = parts[1 : 1 + int(parts[0])]
    return "".join(f"{w}\n" for w in sorted(words, key=lambda w: (len(w), w)))


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


# --- the problems ---------------------------------------------------------------------------

TIMES_3 = _lines(*(f"3 x {i} = {3 * i}" for i in range(1, 11)))

PROGRAMS: tuple[ProgramProblem, ...] = (
    # --- Python ---
    ProgramProblem(
        slug="sum-line",
        title="Sum of a line",
        difficulty=1,
        language="python",
        description="Print the sum of the integers in the input.",
        input_format="zero or more integers separated by spaces; the input may be empty",
        output_format="their sum (0 when there are none)",
        example=("1 2 3\n", "6\n"),
        inputs=("", "\n", "5\n", "-1 -2 -3\n", "1000000000000 1000000000000\n", "  7   8  \n"),
        solve=lambda stdin: f"{sum(_tokens(stdin))}\n",
        reference="import sys\n\nprint(sum(int(t) for t in sys.stdin.read().split()))\n",
        wrong=("print(sum(int(t) for t in input().split()))\n",),
    ),
    ProgramProblem(
        slug="times-table",
        title="Multiplication table",
        difficulty=1,
        language="python",
        description="Print the multiplication table of n from 1 to 10.",
        input_format="one integer n",
        output_format="ten lines `n x i = product` for i = 1 to 10",
        example=("3\n", TIMES_3),
        inputs=("0\n", "1\n", "-2\n", "12\n", "1000000\n", "7\n"),
        solve=_times_table,
        reference=("n = int(input())\nfor i in range(1, 11):\n    print(f'{n} x {i} = {n * i}')\n"),
        wrong=("n = int(input())\nfor i in range(1, 10):\n    print(f'{n} x {i} = {n * i}')\n",),
    ),
    ProgramProblem(
        slug="word-count",
        title="Lines, words and characters",
        difficulty=2,
        language="python",
        description=(
            "Count the lines, words and characters of the input, like `wc`: a line is a "
            "newline character, a word is a run of characters that are not whitespace, and "
            "every character counts, newlines included."
        ),
        input_format="any text, possibly empty",
        output_format="the three counts on one line, separated by spaces",
        example=("hello world\nbye\n", "2 3 16\n"),
        inputs=("", "a", "  \n\n", "one two three four\n", "x\ny\nz\n", "tab\tsep\n", "end"),
        solve=_word_count,
        reference=(
            "import sys\n\n"
            "data = sys.stdin.read()\n"
            "print(data.count('\\n'), len(data.split()), len(data))\n"
        ),
        wrong=(
            "import sys\n\n"
            "data = sys.stdin.read()\n"
            "print(len(data.splitlines()), len(data.split()), len(data))\n",
        ),
    ),
    ProgramProblem(
        slug="score-stats",
        title="Score statistics",
        difficulty=2,
        language="python",
        description=(
            "Print the lowest score, the highest score and the average score rounded to two "
            "decimals. If there are no scores, print `no scores`."
        ),
        input_format="n, then n integer scores (separated by spaces or newlines)",
        output_format="`lowest highest average`, the average with two decimals (like 2.50)",
        example=("4\n90 85 100 70\n", "70 100 86.25\n"),
        inputs=(
            "0\n",
            "1\n-5\n",
            "3\n1 2 2\n",
            "2\n1 2\n",
            "5\n10 10 10 10 10\n",
            "3\n100\n0\n50\n",
            "6\n-1 -2 -3 -4 -5 -7\n",
        ),
        solve=_score_stats,
        reference=(
            "import sys\n\n"
            "numbers = [int(t) for t in sys.stdin.read().split()]\n"
            "n, scores = numbers[0], numbers[1:1 + numbers[0]]\n"
            "if n == 0:\n"
            "    print('no scores')\n"
            "else:\n"
            "    print(min(scores), max(scores), f'{sum(scores) / n:.2f}')\n"
        ),
        wrong=(
            "import sys\n\n"
            "numbers = [int(t) for t in sys.stdin.read().split()]\n"
            "n, scores = numbers[0], numbers[1:1 + numbers[0]]\n"
            "if n == 0:\n"
            "    print('no scores')\n"
            "else:\n"
            "    print(min(scores), max(scores), f'{sum(scores) // n:.2f}')\n",
        ),
    ),
    ProgramProblem(
        slug="caesar-cipher",
        title="Caesar cipher",
        difficulty=2,
        language="python",
        description=(
            "Move every letter of the text k places forward in the alphabet, wrapping around "
            "from z to a and keeping its case; other characters stay as they are."
        ),
        input_format="the shift k (0 to 25) on the first line, the text on the second",
        output_format="the shifted text",
        example=("3\nHello, World!\n", "Khoor, Zruog!\n"),
        inputs=(
            "0\nabc\n",
            "1\nxyz XYZ\n",
            "25\nabc\n",
            "13\nWhy did the chicken cross the road?\n",
            "5\n\n",
            "2\n123 go!\n",
        ),
        solve=_caesar,
        reference=(
            "k = int(input())\n"
            "text = input()\n"
            "out = []\n"
            "for ch in text:\n"
            "    if ch.islower() and ch.isascii():\n"
            "        ch = chr((ord(ch) - 97 + k) % 26 + 97)\n"
            "    elif ch.isupper() and ch.isascii():\n"
            "        ch = chr((ord(ch) - 65 + k) % 26 + 65)\n"
            "    out.append(ch)\n"
            "print(''.join(out))\n"
        ),
        wrong=(
            "k = int(input())\n"
            "text = input()\n"
            "print(''.join(chr(ord(ch) + k) if ch.isalpha() else ch for ch in text))\n",
        ),
    ),
    ProgramProblem(
        slug="top-words",
        title="Most frequent words",
        difficulty=3,
        language="python",
        description=(
            "Print the k most frequent words of the text, most frequent first, breaking ties "
            "alphabetically; print fewer if the text has fewer distinct words. A word is a run "
            "of letters a to z, compared in lower case. The text can hold 60,000 words."
        ),
        input_format="k on the first line, then the text (any number of lines)",
        output_format="one line `word count` per word",
        example=("2\nthe cat saw the other cat and the dog\n", "the 3\ncat 2\n"),
        inputs=(
            "3\n\n",
            "1\nB a b A\n",
            "5\nHello, hello! HELLO?\n",
            "2\nx y z\n",
            "3\nit's a dog's life\n",
            "2\nMany\nlines of\nwords, many lines\n",
        ),
        solve=_top_words,
        reference=(
            "import re\n"
            "import sys\n"
            "from collections import Counter\n\n"
            "k = int(sys.stdin.readline())\n"
            "counts = Counter(re.findall('[a-z]+', sys.stdin.read().lower()))\n"
            "for word, count in sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[:k]:\n"
            "    print(word, count)\n"
        ),
        wrong=(
            "import re\n"
            "import sys\n"
            "from collections import Counter\n\n"
            "k = int(sys.stdin.readline())\n"
            "counts = Counter(re.findall('[a-z]+', sys.stdin.read().lower()))\n"
            "for word, count in counts.most_common(k):\n"
            "    print(word, count)\n",
        ),
        large=_words_text,
    ),
    ProgramProblem(
        slug="pairs-at-most",
        title="Pairs with a small sum",
        difficulty=3,
        language="python",
        description=(
            "Count the pairs of positions i < j whose numbers add up to at most T. There can "
            "be 30,000 numbers."
        ),
        input_format="n and T on the first line, then n integers",
        output_format="the number of pairs",
        example=("4 5\n1 2 3 4\n", "4\n"),
        inputs=(
            "0 10\n\n",
            "1 10\n5\n",
            "3 -2\n-1 -1 -1\n",
            "3 0\n5 5 5\n",
            "5 100\n1 2 3 4 5\n",
            "6 7\n7 0 -7 3 4 2\n",
        ),
        solve=_pairs_at_most,
        reference=(
            "import sys\n\n"
            "numbers = [int(t) for t in sys.stdin.read().split()]\n"
            "n, limit = numbers[0], numbers[1]\n"
            "values = sorted(numbers[2:2 + n])\n"
            "count, i, j = 0, 0, n - 1\n"
            "while i < j:\n"
            "    if values[i] + values[j] <= limit:\n"
            "        count += j - i\n"
            "        i += 1\n"
            "    else:\n"
            "        j -= 1\n"
            "print(count)\n"
        ),
        wrong=(
            "import sys\n"
            "from bisect import bisect_right\n\n"
            "numbers = [int(t) for t in sys.stdin.read().split()]\n"
            "n, limit = numbers[0], numbers[1]\n"
            "values = sorted(numbers[2:2 + n])\n"
            "print(sum(bisect_right(values, limit - v) for v in values) // 2)\n",
        ),
        large=_pairs_large,
    ),
    ProgramProblem(
        slug="range-sums",
        title="Range sums",
        difficulty=3,
        language="python",
        description=(
            "Answer range-sum queries: for each query `l r` (1-based, l <= r), print the sum "
            "of the numbers at positions l to r. There can be 100,000 numbers and 10,000 "
            "queries."
        ),
        input_format="n and q on the first line, then n integers, then q lines `l r`",
        output_format="one sum per line, in the order of the queries",
        example=("5 3\n1 2 3 4 5\n1 3\n2 5\n4 4\n", "6\n14\n4\n"),
        inputs=(
            "1 1\n-7\n1 1\n",
            "3 2\n1000000000 1000000000 1000000000\n1 3\n2 3\n",
            "4 1\n0 0 0 0\n1 4\n",
            "5 2\n5 -5 5 -5 5\n1 5\n2 3\n",
            "2 0\n1 2\n",
        ),
        solve=_range_sums,
        reference=(
            "import sys\n\n"
            "numbers = [int(t) for t in sys.stdin.buffer.read().split()]\n"
            "n, q = numbers[0], numbers[1]\n"
            "prefix = [0]\n"
            "for value in numbers[2:2 + n]:\n"
            "    prefix.append(prefix[-1] + value)\n"
            "queries = numbers[2 + n:]\n"
            "out = [prefix[queries[2 * i + 1]] - prefix[queries[2 * i] - 1] for i in range(q)]\n"
            "print('\\n'.join(map(str, out)))\n"
        ),
        wrong=(
            "import sys\n\n"
            "numbers = [int(t) for t in sys.stdin.buffer.read().split()]\n"
            "n, q = numbers[0], numbers[1]\n"
            "prefix = [0]\n"
            "for value in numbers[2:2 + n]:\n"
            "    prefix.append(prefix[-1] + value)\n"
            "queries = numbers[2 + n:]\n"
            "out = [prefix[queries[2 * i + 1]] - prefix[queries[2 * i]] for i in range(q)]\n"
            "print('\\n'.join(map(str, out)))\n",
        ),
        large=_range_sums_large,
    ),
    ProgramProblem(
        slug="maze",
        title="Shortest way through a maze",
        difficulty=4,
        language="python",
        description=(
            "Find the fewest moves from S to E in a maze, moving up, down, left or right "
            "through cells that are not walls; print -1 if E cannot be reached. The maze can "
            "be 200 by 200."
        ),
        input_format=(
            "R and C on the first line, then R lines of C characters: `.` open, `#` wall, "
            "`S` start, `E` exit"
        ),
        output_format="the number of moves, or -1",
        example=("3 4\nS..#\n.#..\n...E\n", "5\n"),
        inputs=(
            "1 2\nSE\n",
            "1 3\nS#E\n",
            "2 2\nS#\n#E\n",
            "3 3\nS..\n...\n..E\n",
            "2 3\nE.S\n...\n",
        ),
        solve=_maze,
        reference=(
            "import sys\n"
            "from collections import deque\n\n"
            "lines = sys.stdin.read().split('\\n')\n"
            "rows, cols = map(int, lines[0].split())\n"
            "grid = lines[1:1 + rows]\n"
            "distance = [[-1] * cols for _ in range(rows)]\n"
            "todo = deque()\n"
            "for r in range(rows):\n"
            "    for c in range(cols):\n"
            "        if grid[r][c] == 'S':\n"
            "            distance[r][c] = 0\n"
            "            todo.append((r, c))\n"
            "answer = -1\n"
            "while todo:\n"
            "    r, c = todo.popleft()\n"
            "    if grid[r][c] == 'E':\n"
            "        answer = distance[r][c]\n"
            "        break\n"
            "    for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):\n"
            "        if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] != '#' "
            "and distance[nr][nc] < 0:\n"
            "            distance[nr][nc] = distance[r][c] + 1\n"
            "            todo.append((nr, nc))\n"
            "print(answer)\n"
        ),
        wrong=(
            "import sys\n"
            "from collections import deque\n\n"
            "lines = sys.stdin.read().split('\\n')\n"
            "rows, cols = map(int, lines[0].split())\n"
            "grid = lines[1:1 + rows]\n"
            "distance = [[-1] * cols for _ in range(rows)]\n"
            "todo = deque()\n"
            "for r in range(rows):\n"
            "    for c in range(cols):\n"
            "        if grid[r][c] == 'S':\n"
            "            distance[r][c] = 0\n"
            "            todo.append((r, c))\n"
            "answer = -1\n"
            "while todo:\n"
            "    r, c = todo.popleft()\n"
            "    if grid[r][c] == 'E':\n"
            "        answer = distance[r][c]\n"
            "        break\n"
            "    for dr in (-1, 0, 1):\n"
            "        for dc in (-1, 0, 1):\n"
            "            nr, nc = r + dr, c + dc\n"
            "            if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] != '#' "
            "and distance[nr][nc] < 0:\n"
            "                distance[nr][nc] = distance[r][c] + 1\n"
            "                todo.append((nr, nc))\n"
            "print(answer)\n",
        ),
        large=_mazes,
    ),
    ProgramProblem(
        slug="components",
        title="Connected components",
        difficulty=4,
        language="python",
        description=(
            "An undirected graph has n nodes, numbered 1 to n, and m edges. Print how many "
            "connected components it has. There can be 20,000 nodes and 20,000 edges."
        ),
        input_format=(
            "n and m on the first line, then m lines `u v` (an edge may repeat or be a loop)"
        ),
        output_format="the number of components",
        example=("5 3\n1 2\n2 3\n4 5\n", "2\n"),
        inputs=(
            "1 0\n",
            "3 0\n",
            "3 3\n1 2\n2 3\n3 1\n",
            "4 2\n1 1\n2 2\n",
            "4 3\n1 2\n1 2\n3 4\n",
        ),
        solve=_components,
        reference=(
            "import sys\n\n"
            "numbers = [int(t) for t in sys.stdin.buffer.read().split()]\n"
            "n, m = numbers[0], numbers[1]\n"
            "parent = list(range(n + 1))\n\n\n"
            "def root(x):\n"
            "    while parent[x] != x:\n"
            "        parent[x] = parent[parent[x]]\n"
            "        x = parent[x]\n"
            "    return x\n\n\n"
            "groups = n\n"
            "for i in range(m):\n"
            "    a, b = root(numbers[2 + 2 * i]), root(numbers[3 + 2 * i])\n"
            "    if a != b:\n"
            "        parent[a] = b\n"
            "        groups -= 1\n"
            "print(groups)\n"
        ),
        wrong=(
            "import sys\n\n"
            "numbers = [int(t) for t in sys.stdin.buffer.read().split()]\n"
            "n, m = numbers[0], numbers[1]\n"
            "neighbours = [[] for _ in range(n + 1)]\n"
            "for i in range(m):\n"
            "    u, v = numbers[2 + 2 * i], numbers[3 + 2 * i]\n"
            "    neighbours[u].append(v)\n"
            "    neighbours[v].append(u)\n"
            "seen = [False] * (n + 1)\n\n\n"
            "def visit(node):\n"
            "    seen[node] = True\n"
            "    for nxt in neighbours[node]:\n"
            "        if not seen[nxt]:\n"
            "            visit(nxt)\n\n\n"
            "groups = 0\n"
            "for node in range(1, n + 1):\n"
            "    if not seen[node]:\n"
            "        groups += 1\n"
            "        visit(node)\n"
            "print(groups)\n",
        ),
        large=_components_large,
    ),
    ProgramProblem(
        slug="town-distances",
        title="Distances from the capital",
        difficulty=5,
        language="python",
        description=(
            "Towns 1 to n are joined by m two-way roads, each with a length from 1 to 1000. "
            "Print the length of the shortest route from town 1 to every town, or -1 for a "
            "town that cannot be reached. There can be 5,000 towns and 15,000 roads."
        ),
        input_format="n and m on the first line, then m lines `u v length`",
        output_format="n numbers on one line, separated by spaces",
        example=("4 4\n1 2 5\n1 3 1\n3 2 2\n2 4 1\n", "0 3 1 4\n"),
        inputs=(
            "1 0\n",
            "3 1\n1 2 7\n",
            "2 2\n1 2 5\n1 2 3\n",
            "3 3\n1 2 1\n2 3 1\n1 3 5\n",
            "4 2\n1 1 4\n3 4 2\n",
        ),
        solve=_distances,
        reference=(
            "import heapq\n"
            "import sys\n\n"
            "numbers = [int(t) for t in sys.stdin.buffer.read().split()]\n"
            "n, m = numbers[0], numbers[1]\n"
            "roads = [[] for _ in range(n + 1)]\n"
            "for i in range(m):\n"
            "    u, v, w = numbers[2 + 3 * i:5 + 3 * i]\n"
            "    roads[u].append((v, w))\n"
            "    roads[v].append((u, w))\n"
            "best = [None] * (n + 1)\n"
            "best[1] = 0\n"
            "heap = [(0, 1)]\n"
            "while heap:\n"
            "    d, u = heapq.heappop(heap)\n"
            "    if d > best[u]:\n"
            "        continue\n"
            "    for v, w in roads[u]:\n"
            "        if best[v] is None or d + w < best[v]:\n"
            "            best[v] = d + w\n"
            "            heapq.heappush(heap, (d + w, v))\n"
            "print(' '.join(str(-1 if d is None else d) for d in best[1:]))\n"
        ),
        wrong=(
            "import heapq\n"
            "import sys\n\n"
            "numbers = [int(t) for t in sys.stdin.buffer.read().split()]\n"
            "n, m = numbers[0], numbers[1]\n"
            "roads = [[] for _ in range(n + 1)]\n"
            "for i in range(m):\n"
            "    u, v, w = numbers[2 + 3 * i:5 + 3 * i]\n"
            "    roads[u].append((v, w))\n"
            "    roads[v].append((u, w))\n"
            "best = [-1] * (n + 1)\n"
            "best[1] = 0\n"
            "heap = [(0, 1)]\n"
            "while heap:\n"
            "    d, u = heapq.heappop(heap)\n"
            "    for v, w in roads[u]:\n"
            "        if best[v] < 0:\n"
            "            best[v] = d + w\n"
            "            heapq.heappush(heap, (d + w, v))\n"
            "print(' '.join(map(str, best[1:])))\n",
        ),
        large=_roads_large,
    ),
    ProgramProblem(
        slug="job-schedule",
        title="Most valuable jobs",
        difficulty=5,
        language="python",
        description=(
            "Each job runs from its start time to its end time (start < end) and is worth a "
            "value. Choose jobs that do not overlap — one may start exactly when another ends "
            "— to get the largest total value. There can be 10,000 jobs."
        ),
        input_format="n on the first line, then n lines `start end value`",
        output_format="the largest total value",
        example=("4\n1 3 50\n2 4 10\n3 5 40\n3 6 70\n", "120\n"),
        inputs=(
            "0\n",
            "1\n5 10 7\n",
            "3\n1 2 5\n2 3 5\n3 4 5\n",
            "3\n1 10 100\n2 3 30\n4 5 30\n",
            "2\n1 5 3\n1 5 4\n",
        ),
        solve=_job_schedule,
        reference=(
            "import sys\n"
            "from bisect import bisect_right\n\n"
            "numbers = [int(t) for t in sys.stdin.buffer.read().split()]\n"
            "n = numbers[0]\n"
            "jobs = sorted((numbers[2 + 3 * i], numbers[1 + 3 * i], numbers[3 + 3 * i]) "
            "for i in range(n))\n"
            "ends = [job[0] for job in jobs]\n"
            "best = [0]\n"
            "for end, start, value in jobs:\n"
            "    best.append(max(best[-1], best[bisect_right(ends, start)] + value))\n"
            "print(best[-1])\n"
        ),
        wrong=(
            "import sys\n\n"
            "numbers = [int(t) for t in sys.stdin.buffer.read().split()]\n"
            "n = numbers[0]\n"
            "jobs = sorted((numbers[2 + 3 * i], numbers[1 + 3 * i], numbers[3 + 3 * i]) "
            "for i in range(n))\n"
            "total, free_at = 0, None\n"
            "for end, start, value in jobs:\n"
            "    if free_at is None or start >= free_at:\n"
            "        total += value\n"
            "        free_at = end\n"
            "print(total)\n",
        ),
        large=_jobs_large,
    ),
    # --- C ---
    ProgramProblem(
        slug="big-sum",
        title="Sum of two big integers",
        difficulty=1,
        language="c",
        description="Print the sum of two integers a and b, where |a|, |b| <= 10^18.",
        input_format="a and b on one line",
        output_format="a + b",
        example=("2 3\n", "5\n"),
        inputs=(
            "0 0\n",
            "-5 5\n",
            "1000000000000000000 1000000000000000000\n",
            "-1000000000000000000 -1\n",
            "2147483647 1\n",
            "123 -456\n",
        ),
        solve=lambda stdin: f"{sum(_tokens(stdin))}\n",
        reference=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    long long a, b;\n"
            '    if (scanf("%lld %lld", &a, &b) != 2) return 1;\n'
            '    printf("%lld\\n", a + b);\n'
            "    return 0;\n"
            "}\n"
        ),
        wrong=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    int a, b;\n"
            '    if (scanf("%d %d", &a, &b) != 2) return 1;\n'
            '    printf("%d\\n", a + b);\n'
            "    return 0;\n"
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="max-position",
        title="Largest value and where it is",
        difficulty=2,
        language="c",
        description=(
            "Print the largest of n integers and the position (1-based) of its first "
            "occurrence. 1 <= n <= 1000 and every |x| <= 10^9."
        ),
        input_format="n, then n integers",
        output_format="`largest position`",
        example=("5\n3 9 2 9 1\n", "9 2\n"),
        inputs=(
            "1\n-7\n",
            "3\n-5 -2 -9\n",
            "4\n0 0 0 0\n",
            "2\n1000000000 -1000000000\n",
            "6\n1 2 3 4 5 6\n",
        ),
        solve=_max_position,
        reference=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    int n, where = 0;\n"
            "    long long best = 0, x;\n"
            '    if (scanf("%d", &n) != 1) return 1;\n'
            "    for (int i = 1; i <= n; i++) {\n"
            '        if (scanf("%lld", &x) != 1) return 1;\n'
            "        if (i == 1 || x > best) {\n"
            "            best = x;\n"
            "            where = i;\n"
            "        }\n"
            "    }\n"
            '    printf("%lld %d\\n", best, where);\n'
            "    return 0;\n"
            "}\n"
        ),
        wrong=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    int n, where = 0;\n"
            "    long long best = 0, x;\n"
            '    if (scanf("%d", &n) != 1) return 1;\n'
            "    for (int i = 1; i <= n; i++) {\n"
            '        if (scanf("%lld", &x) != 1) return 1;\n'
            "        if (x > best) {\n"
            "            best = x;\n"
            "            where = i;\n"
            "        }\n"
            "    }\n"
            '    printf("%lld %d\\n", best, where);\n'
            "    return 0;\n"
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="pascal-row",
        title="A row of Pascal's triangle",
        difficulty=2,
        language="c",
        description=(
            "Print row n of Pascal's triangle: the binomial coefficients C(n, 0) to C(n, n). "
            "0 <= n <= 60."
        ),
        input_format="n",
        output_format="the n + 1 numbers on one line, separated by spaces",
        example=("4\n", "1 4 6 4 1\n"),
        inputs=("0\n", "1\n", "10\n", "33\n", "34\n", "60\n"),
        solve=_pascal_row,
        reference=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    int n;\n"
            "    long long row[61] = {1};\n"
            '    if (scanf("%d", &n) != 1) return 1;\n'
            "    for (int i = 1; i <= n; i++)\n"
            "        for (int k = i; k > 0; k--)\n"
            "            row[k] += row[k - 1];\n"
            "    for (int k = 0; k <= n; k++)\n"
            '        printf(k ? " %lld" : "%lld", row[k]);\n'
            '    printf("\\n");\n'
            "    return 0;\n"
            "}\n"
        ),
        wrong=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    int n;\n"
            "    int row[61] = {1};\n"
            '    if (scanf("%d", &n) != 1) return 1;\n'
            "    for (int i = 1; i <= n; i++)\n"
            "        for (int k = i; k > 0; k--)\n"
            "            row[k] += row[k - 1];\n"
            "    for (int k = 0; k <= n; k++)\n"
            '        printf(k ? " %d" : "%d", row[k]);\n'
            '    printf("\\n");\n'
            "    return 0;\n"
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="power-mod",
        title="Modular power",
        difficulty=3,
        language="c",
        description=(
            "Print a^b mod m, where 0 <= a <= 10^9, 0 <= b <= 10^18 and 1 <= m <= 10^9 (a^0 is 1)."
        ),
        input_format="a, b and m on one line",
        output_format="a^b mod m",
        example=("2 10 1000\n", "24\n"),
        inputs=(
            "5 0 7\n",
            "5 0 1\n",
            "0 5 13\n",
            "2 62 1000000000\n",
        ),
        large=lambda rng: [
            "3 1000000000000000000 1000000007\n",
            "1000000000 1000000000000000000 999999937\n",
            "7 123456789012345678 1\n",
        ],
        solve=lambda stdin: f"{pow(*_tokens(stdin))}\n",
        reference=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    unsigned long long a, b, m;\n"
            '    if (scanf("%llu %llu %llu", &a, &b, &m) != 3) return 1;\n'
            "    unsigned long long result = 1 % m, base = a % m;\n"
            "    while (b > 0) {\n"
            "        if (b & 1) result = result * base % m;\n"
            "        base = base * base % m;\n"
            "        b >>= 1;\n"
            "    }\n"
            '    printf("%llu\\n", result);\n'
            "    return 0;\n"
            "}\n"
        ),
        wrong=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    unsigned long long a, b, m;\n"
            '    if (scanf("%llu %llu %llu", &a, &b, &m) != 3) return 1;\n'
            "    unsigned long long result = 1, base = a % m;\n"
            "    while (b > 0) {\n"
            "        if (b & 1) result = result * base % m;\n"
            "        base = base * base % m;\n"
            "        b >>= 1;\n"
            "    }\n"
            '    printf("%llu\\n", result);\n'
            "    return 0;\n"
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="divisor-sum",
        title="Sum of quotients",
        difficulty=4,
        language="c",
        description=(
            "Print the sum of floor(N / i) for i = 1 to N, where 1 <= N <= 10^12 (the total "
            "number of divisors of the numbers 1 to N)."
        ),
        input_format="N",
        output_format="the sum",
        example=("5\n", "10\n"),
        inputs=("1\n", "2\n", "10\n", "1000000\n", "99999999\n"),
        large=lambda rng: ["1000000000000\n"],
        solve=_divisor_sum,
        reference=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    long long n, k = 0, total = 0;\n"
            '    if (scanf("%lld", &n) != 1) return 1;\n'
            "    while ((k + 1) * (k + 1) <= n) k++;\n"
            "    /* the pairs (i, j) with i * j <= n, counted from both sides of sqrt(n) */\n"
            "    for (long long i = 1; i <= k; i++) total += n / i;\n"
            '    printf("%lld\\n", 2 * total - k * k);\n'
            "    return 0;\n"
            "}\n"
        ),
        wrong=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    long long n, total = 0;\n"
            '    if (scanf("%lld", &n) != 1) return 1;\n'
            "    for (long long i = 1; i <= n; i++) total += n / i;\n"
            '    printf("%lld\\n", total);\n'
            "    return 0;\n"
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="josephus",
        title="Josephus circle",
        difficulty=4,
        language="c",
        description=(
            "n people stand in a circle, numbered 1 to n. Counting starts at person 1; every "
            "k-th person leaves the circle, and counting goes on with the next one, until one "
            "person is left. Print that person's number. 1 <= n <= 10^6, 1 <= k <= 10^18."
        ),
        input_format="n and k on one line",
        output_format="the number of the last person",
        example=("7 3\n", "4\n"),
        inputs=(
            "1 1\n",
            "1 1000000000000000000\n",
            "5 1\n",
            "2 2\n",
            "10 2\n",
            "41 3\n",
        ),
        large=lambda rng: ["1000000 1000000000000000000\n", "1000000 2\n"],
        solve=_josephus,
        reference=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    long long n, k, survivor = 0;\n"
            '    if (scanf("%lld %lld", &n, &k) != 2) return 1;\n'
            "    /* the survivor's 0-based place among i people, from the one among i - 1 */\n"
            "    for (long long i = 2; i <= n; i++) survivor = (survivor + k % i) % i;\n"
            '    printf("%lld\\n", survivor + 1);\n'
            "    return 0;\n"
            "}\n"
        ),
        wrong=(
            "#include <stdio.h>\n\n"
            "int main(void) {\n"
            "    int n, k, survivor = 0;\n"
            '    if (scanf("%d %d", &n, &k) != 2) return 1;\n'
            "    for (int i = 2; i <= n; i++) survivor = (survivor + k) % i;\n"
            '    printf("%d\\n", survivor + 1);\n'
            "    return 0;\n"
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="fibonacci-mod",
        title="Huge Fibonacci numbers",
        difficulty=5,
        language="c",
        description=(
            "Print F(n) mod 1,000,000,007, where F(0) = 0, F(1) = 1 and F(n) = F(n - 1) + "
            "F(n - 2), for 0 <= n <= 10^18."
        ),
        input_format="n",
        output_format="F(n) mod 1000000007",
        example=("10\n", "55\n"),
        inputs=(
            "0\n",
            "1\n",
            "2\n",
            "90\n",
            "1000\n",
        ),
        large=lambda rng: ["1000000000000000000\n", "999999999999999999\n"],
        solve=lambda stdin: f"{_fibonacci(int(stdin))[0]}\n",
        reference=(
            "#include <stdio.h>\n\n"
            "#define MOD 1000000007ULL\n\n"
            "/* fast doubling: f = F(n), g = F(n + 1) */\n"
            "static void fib(unsigned long long n, unsigned long long *f, "
            "unsigned long long *g) {\n"
            "    if (n == 0) {\n"
            "        *f = 0;\n"
            "        *g = 1;\n"
            "        return;\n"
            "    }\n"
            "    unsigned long long a, b;\n"
            "    fib(n / 2, &a, &b);\n"
            "    unsigned long long c = a * ((2 * b + MOD - a) % MOD) % MOD;\n"
            "    unsigned long long d = (a * a + b * b) % MOD;\n"
            "    if (n % 2 == 0) {\n"
            "        *f = c;\n"
            "        *g = d;\n"
            "    } else {\n"
            "        *f = d;\n"
            "        *g = (c + d) % MOD;\n"
            "    }\n"
            "}\n\n"
            "int main(void) {\n"
            "    unsigned long long n, f, g;\n"
            '    if (scanf("%llu", &n) != 1) return 1;\n'
            "    fib(n, &f, &g);\n"
            '    printf("%llu\\n", f);\n'
            "    return 0;\n"
            "}\n"
        ),
        wrong=(
            "#include <stdio.h>\n\n"
            "#define MOD 1000000007LL\n\n"
            "static void fib(long long n, long long *f, long long *g) {\n"
            "    if (n == 0) {\n"
            "        *f = 0;\n"
            "        *g = 1;\n"
            "        return;\n"
            "    }\n"
            "    long long a, b;\n"
            "    fib(n / 2, &a, &b);\n"
            "    long long c = a * ((2 * b - a) % MOD) % MOD;\n"
            "    long long d = (a * a + b * b) % MOD;\n"
            "    if (n % 2 == 0) {\n"
            "        *f = c;\n"
            "        *g = d;\n"
            "    } else {\n"
            "        *f = d;\n"
            "        *g = (c + d) % MOD;\n"
            "    }\n"
            "}\n\n"
            "int main(void) {\n"
            "    long long n, f, g;\n"
            '    if (scanf("%lld", &n) != 1) return 1;\n'
            "    fib(n, &f, &g);\n"
            '    printf("%lld\\n", f);\n'
            "    return 0;\n"
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="digit-sum-count",
        title="Counting by digit sum",
        difficulty=5,
        language="c",
        description=(
            "Print how many integers x with 1 <= x <= N have digits that add up to S, where "
            "1 <= N <= 10^18 and 1 <= S <= 162."
        ),
        input_format="N and S on one line",
        output_format="the count",
        example=("20 2\n", "3\n"),
        inputs=(
            "1 1\n",
            "9 10\n",
            "100 1\n",
            "1000 27\n",
        ),
        large=lambda rng: [
            "1000000000000000000 1\n",
            "999999999999999999 162\n",
            "123456789012345678 50\n",
            "987654321987654321 81\n",
        ],
        solve=_digit_sum_count,
        reference=(
            "#include <stdio.h>\n"
            "#include <string.h>\n\n"
            "int main(void) {\n"
            "    char digits[32];\n"
            "    int s;\n"
            '    if (scanf("%31s %d", digits, &s) != 2) return 1;\n'
            "    /* ways[p][j]: strings of p digits that add up to j */\n"
            "    static long long ways[20][200];\n"
            "    ways[0][0] = 1;\n"
            "    for (int p = 1; p < 20; p++)\n"
            "        for (int j = 0; j < 200; j++)\n"
            "            for (int d = 0; d <= 9 && d <= j; d++)\n"
            "                ways[p][j] += ways[p - 1][j - d];\n"
            "    int len = (int)strlen(digits), used = 0;\n"
            "    long long count = 0;\n"
            "    /* numbers below N: equal to N up to position i, smaller there */\n"
            "    for (int i = 0; i < len && used <= s; i++) {\n"
            "        int digit = digits[i] - '0';\n"
            "        for (int d = 0; d < digit && used + d <= s; d++)\n"
            "            count += ways[len - i - 1][s - used - d];\n"
            "        used += digit;\n"
            "    }\n"
            "    if (used == s) count++; /* N itself */\n"
            '    printf("%lld\\n", count);\n'
            "    return 0;\n"
            "}\n"
        ),
        wrong=(
            "#include <stdio.h>\n"
            "#include <string.h>\n\n"
            "int main(void) {\n"
            "    char digits[32];\n"
            "    int s;\n"
            '    if (scanf("%31s %d", digits, &s) != 2) return 1;\n'
            "    static long long ways[20][200];\n"
            "    ways[0][0] = 1;\n"
            "    for (int p = 1; p < 20; p++)\n"
            "        for (int j = 0; j < 200; j++)\n"
            "            for (int d = 0; d <= 9 && d <= j; d++)\n"
            "                ways[p][j] += ways[p - 1][j - d];\n"
            "    int len = (int)strlen(digits), used = 0;\n"
            "    long long count = 0;\n"
            "    for (int i = 0; i < len && used <= s; i++) {\n"
            "        int digit = digits[i] - '0';\n"
            "        for (int d = 0; d < digit && used + d <= s; d++)\n"
            "            count += ways[len - i - 1][s - used - d];\n"
            "        used += digit;\n"
            "    }\n"
            '    printf("%lld\\n", count);\n'
            "    return 0;\n"
            "}\n",
        ),
    ),
    # --- C++ ---
    ProgramProblem(
        slug="sum-many",
        title="Sum of many numbers",
        difficulty=1,
        language="cpp",
        description="Print the sum of n integers, where 0 <= n <= 100,000 and every |x| <= 10^9.",
        input_format="n, then n integers",
        output_format="their sum",
        example=("3\n1 2 3\n", "6\n"),
        inputs=(
            "0\n",
            "1\n-5\n",
            "3\n1000000000 1000000000 1000000000\n",
            "4\n-1000000000 -1000000000 -1000000000 -1000000000\n",
            "5\n1 -1 1 -1 1\n",
        ),
        solve=lambda stdin: f"{sum(_tokens(stdin)[1:])}\n",
        reference=(
            "#include <iostream>\n\n"
            "int main() {\n"
            "    int n;\n"
            "    long long total = 0, x;\n"
            "    std::cin >> n;\n"
            "    for (int i = 0; i < n && std::cin >> x; i++) total += x;\n"
            '    std::cout << total << "\\n";\n'
            "}\n"
        ),
        wrong=(
            "#include <iostream>\n\n"
            "int main() {\n"
            "    int n, total = 0, x;\n"
            "    std::cin >> n;\n"
            "    for (int i = 0; i < n && std::cin >> x; i++) total += x;\n"
            '    std::cout << total << "\\n";\n'
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="palindrome-line",
        title="Palindrome line",
        difficulty=2,
        language="cpp",
        description=(
            "Print YES if the line reads the same forwards and backwards when only its letters "
            "and digits are kept and case is ignored, and NO otherwise. An empty line is a "
            "palindrome."
        ),
        input_format="one line of text (possibly empty)",
        output_format="YES or NO",
        example=("A man, a plan, a canal: Panama\n", "YES\n"),
        inputs=(
            "\n",
            "",
            "race a car\n",
            "No 'x' in Nixon\n",
            "ab\n",
            "12 21\n",
            "Madam, I'm Adam.\n",
        ),
        solve=_palindrome_line,
        reference=(
            "#include <cctype>\n"
            "#include <iostream>\n"
            "#include <string>\n\n"
            "int main() {\n"
            "    std::string line, kept;\n"
            "    std::getline(std::cin, line);\n"
            "    for (unsigned char c : line)\n"
            "        if (std::isalnum(c)) kept += static_cast<char>(std::tolower(c));\n"
            "    std::string reversed(kept.rbegin(), kept.rend());\n"
            '    std::cout << (kept == reversed ? "YES" : "NO") << "\\n";\n'
            "}\n"
        ),
        wrong=(
            "#include <cctype>\n"
            "#include <iostream>\n"
            "#include <string>\n\n"
            "int main() {\n"
            "    std::string line, kept;\n"
            "    std::getline(std::cin, line);\n"
            "    for (unsigned char c : line) kept += static_cast<char>(std::tolower(c));\n"
            "    std::string reversed(kept.rbegin(), kept.rend());\n"
            '    std::cout << (kept == reversed ? "YES" : "NO") << "\\n";\n'
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="sort-words",
        title="Sort words by length",
        difficulty=2,
        language="cpp",
        description=(
            "Print the words sorted by length, shortest first; words of the same length in "
            "alphabetical order. Repeated words are all printed."
        ),
        input_format="n, then n words of lowercase letters",
        output_format="one word per line",
        example=("4\npear fig apple kiwi\n", "fig\nkiwi\npear\napple\n"),
        inputs=("0\n", "1\nz\n", "3\nbb a bb\n", "5\ne d c b a\n", "4\nabcd abc ab a\n"),
        solve=_sort_words,
        reference=(
            "#include <algorithm>\n"
            "#include <iostream>\n"
            "#include <string>\n"
            "#include <vector>\n\n"
            "int main() {\n"
            "    int n = 0;\n"
            "    std::cin >> n;\n"
            "    std::vector<std::string> words(n);\n"
            "    for (auto &word : words) std::cin >> word;\n"
            "    std::sort(words.begin(), words.end(), "
            "[](const std::string &a, const std::string &b) {\n"
            "        return a.size() != b.size() ? a.size() < b.size() : a < b;\n"
            "    });\n"
            '    for (const auto &word : words) std::cout << word << "\\n";\n'
            "}\n"
        ),
        wrong=(
            "#include <algorithm>\n"
            "#include <iostream>\n"
            "#include <string>\n"
            "#include <vector>\n\n"
            "int main() {\n"
            "    int n = 0;\n"
            "    std::cin >> n;\n"
            "    std::vector<std::string> words(n);\n"
            "    for (auto &word : words) std::cin >> word;\n"
            "    std::stable_sort(words.begin(), words.end(), "
            "[](const std::string &a, const std::string &b) {\n"
            "        return a.size() < b.size();\n"
            "    });\n"
            '    for (const auto &word : words) std::cout << word << "\\n";\n'
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="binomial-mod",
        title="Binomial coefficient",
        difficulty=3,
        language="cpp",
        description=(
            "Print C(n, k) mod 1,000,000,007, the number of ways to choose k things out of n, "
            "where 0 <= k <= n <= 10^6."
        ),
        input_format="n and k on one line",
        output_format="C(n, k) mod 1000000007",
        example=("5 2\n", "10\n"),
        inputs=(
            "0 0\n",
            "10 0\n",
            "10 10\n",
            "60 30\n",
        ),
        large=lambda rng: ["1000000 123456\n", "1000000 999999\n", "999983 500000\n"],
        solve=_binomial,
        reference=(
            "#include <iostream>\n"
            "#include <vector>\n\n"
            "const long long MOD = 1000000007;\n\n"
            "long long power(long long base, long long exponent) {\n"
            "    long long result = 1;\n"
            "    base %= MOD;\n"
            "    while (exponent > 0) {\n"
            "        if (exponent & 1) result = result * base % MOD;\n"
            "        base = base * base % MOD;\n"
            "        exponent >>= 1;\n"
            "    }\n"
            "    return result;\n"
            "}\n\n"
            "int main() {\n"
            "    long long n, k;\n"
            "    std::cin >> n >> k;\n"
            "    std::vector<long long> factorial(n + 1, 1);\n"
            "    for (long long i = 1; i <= n; i++) factorial[i] = factorial[i - 1] * i % MOD;\n"
            "    long long below = factorial[k] * factorial[n - k] % MOD;\n"
            '    std::cout << factorial[n] * power(below, MOD - 2) % MOD << "\\n";\n'
            "}\n"
        ),
        wrong=(
            "#include <iostream>\n\n"
            "const long long MOD = 1000000007;\n\n"
            "int main() {\n"
            "    long long n, k, result = 1;\n"
            "    std::cin >> n >> k;\n"
            "    for (long long i = 0; i < k; i++) result = result * (n - i) % MOD / (i + 1);\n"
            '    std::cout << result << "\\n";\n'
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="stairs",
        title="Climbing stairs",
        difficulty=3,
        language="cpp",
        description=(
            "A staircase has n steps and you climb 1, 2 or 3 steps at a time. Print the number "
            "of ways to reach the top, mod 1,000,000,007, for 0 <= n <= 10^6 (there is one "
            "way to climb 0 steps)."
        ),
        input_format="n",
        output_format="the number of ways mod 1000000007",
        example=("4\n", "7\n"),
        inputs=("0\n", "1\n", "2\n", "3\n", "50\n", "80\n"),
        large=lambda rng: ["100000\n"],
        solve=_stairs,
        reference=(
            "#include <iostream>\n"
            "#include <vector>\n\n"
            "int main() {\n"
            "    const long long MOD = 1000000007;\n"
            "    int n;\n"
            "    std::cin >> n;\n"
            "    std::vector<long long> ways(n + 1, 0);\n"
            "    ways[0] = 1;\n"
            "    for (int i = 1; i <= n; i++)\n"
            "        for (int step = 1; step <= 3 && step <= i; step++)\n"
            "            ways[i] = (ways[i] + ways[i - step]) % MOD;\n"
            '    std::cout << ways[n] << "\\n";\n'
            "}\n"
        ),
        wrong=(
            "#include <iostream>\n"
            "#include <vector>\n\n"
            "int main() {\n"
            "    int n;\n"
            "    std::cin >> n;\n"
            "    std::vector<long long> ways(n + 1, 0);\n"
            "    ways[0] = 1;\n"
            "    for (int i = 1; i <= n; i++)\n"
            "        for (int step = 1; step <= 3 && step <= i; step++)\n"
            "            ways[i] += ways[i - step];\n"
            '    std::cout << ways[n] % 1000000007 << "\\n";\n'
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="coin-ways",
        title="Ways to make change",
        difficulty=4,
        language="cpp",
        description=(
            "Print the number of ways to make the amount A from coins of the given values, "
            "each usable any number of times (the order of the coins does not matter), mod "
            "1,000,000,007. 0 <= A <= 100,000; at most 10 distinct values."
        ),
        input_format="A and the number of values n on the first line, the n values on the second",
        output_format="the number of ways mod 1000000007",
        example=("5 3\n1 2 5\n", "4\n"),
        inputs=(
            "0 2\n3 4\n",
            "3 1\n2\n",
            "10 1\n10\n",
            "10 2\n2 5\n",
            "100 4\n1 5 10 25\n",
        ),
        large=lambda rng: ["30000 6\n1 2 5 10 20 50\n", "29999 3\n7 11 13\n"],
        solve=_coin_ways,
        reference=(
            "#include <iostream>\n"
            "#include <vector>\n\n"
            "int main() {\n"
            "    const long long MOD = 1000000007;\n"
            "    int amount, n;\n"
            "    std::cin >> amount >> n;\n"
            "    std::vector<long long> ways(amount + 1, 0);\n"
            "    ways[0] = 1;\n"
            "    for (int i = 0; i < n; i++) {\n"
            "        int coin;\n"
            "        std::cin >> coin;\n"
            "        for (int value = coin; value <= amount; value++)\n"
            "            ways[value] = (ways[value] + ways[value - coin]) % MOD;\n"
            "    }\n"
            '    std::cout << ways[amount] << "\\n";\n'
            "}\n"
        ),
        wrong=(
            "#include <iostream>\n"
            "#include <vector>\n\n"
            "int main() {\n"
            "    const long long MOD = 1000000007;\n"
            "    int amount, n;\n"
            "    std::cin >> amount >> n;\n"
            "    std::vector<int> coins(n);\n"
            "    for (auto &coin : coins) std::cin >> coin;\n"
            "    std::vector<long long> ways(amount + 1, 0);\n"
            "    ways[0] = 1;\n"
            "    for (int value = 1; value <= amount; value++)\n"
            "        for (int coin : coins)\n"
            "            if (coin <= value)\n"
            "                ways[value] = (ways[value] + ways[value - coin]) % MOD;\n"
            '    std::cout << ways[amount] << "\\n";\n'
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="knight-moves",
        title="Knight moves",
        difficulty=4,
        language="cpp",
        description=(
            "On an n x n chessboard (1 <= n <= 300), print the fewest moves a knight needs "
            "to go from square (r1, c1) to square (r2, c2), or -1 if it cannot get there. "
            "Rows and columns are numbered 1 to n."
        ),
        input_format="n on the first line, `r1 c1 r2 c2` on the second",
        output_format="the number of moves, or -1",
        example=("8\n1 1 8 8\n", "6\n"),
        inputs=(
            "1\n1 1 1 1\n",
            "2\n1 1 2 2\n",
            "3\n1 1 2 2\n",
            "3\n1 1 3 3\n",
            "5\n3 3 3 3\n",
        ),
        large=lambda rng: ["300\n1 1 300 300\n", "120\n60 60 1 120\n"],
        solve=_knight,
        reference=(
            "#include <iostream>\n"
            "#include <queue>\n"
            "#include <vector>\n\n"
            "int main() {\n"
            "    int n, r1, c1, r2, c2;\n"
            "    std::cin >> n >> r1 >> c1 >> r2 >> c2;\n"
            "    std::vector<int> distance(n * n, -1);\n"
            "    std::queue<int> todo;\n"
            "    distance[(r1 - 1) * n + c1 - 1] = 0;\n"
            "    todo.push((r1 - 1) * n + c1 - 1);\n"
            "    const int dr[] = {1, 2, -1, -2, 1, 2, -1, -2};\n"
            "    const int dc[] = {2, 1, 2, 1, -2, -1, -2, -1};\n"
            "    while (!todo.empty()) {\n"
            "        int cell = todo.front();\n"
            "        todo.pop();\n"
            "        for (int i = 0; i < 8; i++) {\n"
            "            int r = cell / n + dr[i], c = cell % n + dc[i];\n"
            "            if (r >= 0 && r < n && c >= 0 && c < n && distance[r * n + c] < 0) {\n"
            "                distance[r * n + c] = distance[cell] + 1;\n"
            "                todo.push(r * n + c);\n"
            "            }\n"
            "        }\n"
            "    }\n"
            '    std::cout << distance[(r2 - 1) * n + c2 - 1] << "\\n";\n'
            "}\n"
        ),
        wrong=(
            "#include <iostream>\n"
            "#include <queue>\n"
            "#include <vector>\n\n"
            "int main() {\n"
            "    int n, r1, c1, r2, c2;\n"
            "    std::cin >> n >> r1 >> c1 >> r2 >> c2;\n"
            "    std::vector<int> distance(n * n, -1);\n"
            "    std::queue<int> todo;\n"
            "    distance[(r1 - 1) * n + c1 - 1] = 0;\n"
            "    todo.push((r1 - 1) * n + c1 - 1);\n"
            "    const int dr[] = {1, 2, -1, -2};\n"
            "    const int dc[] = {2, 1, 2, 1};\n"
            "    while (!todo.empty()) {\n"
            "        int cell = todo.front();\n"
            "        todo.pop();\n"
            "        for (int i = 0; i < 4; i++) {\n"
            "            int r = cell / n + dr[i], c = cell % n + dc[i];\n"
            "            if (r >= 0 && r < n && c >= 0 && c < n && distance[r * n + c] < 0) {\n"
            "                distance[r * n + c] = distance[cell] + 1;\n"
            "                todo.push(r * n + c);\n"
            "            }\n"
            "        }\n"
            "    }\n"
            '    std::cout << distance[(r2 - 1) * n + c2 - 1] << "\\n";\n'
            "}\n",
        ),
    ),
    ProgramProblem(
        slug="count-walks",
        title="Counting long walks",
        difficulty=5,
        language="cpp",
        description=(
            "A directed graph has n nodes (1 <= n <= 10), given by its adjacency matrix. Print "
            "the number of walks of exactly K steps from node 1 to node n, mod 1,000,000,007, "
            "where 0 <= K <= 10^18. A walk may visit a node many times."
        ),
        input_format="n and K on the first line, then n lines of n numbers 0 or 1",
        output_format="the number of walks mod 1000000007",
        example=("3 2\n0 1 1\n0 0 1\n0 0 0\n", "1\n"),
        inputs=(
            "1 0\n0\n",
            "2 0\n0 1\n0 0\n",
            "2 5\n1 1\n1 1\n",
            "3 1000000000000000000\n0 1 0\n0 0 1\n1 0 0\n",
            "1 1000000000000000000\n1\n",
            "4 3\n0 1 1 0\n0 0 1 1\n1 0 0 1\n1 1 0 0\n",
        ),
        solve=_walks,
        reference=(
            "#include <iostream>\n"
            "#include <vector>\n\n"
            "typedef std::vector<std::vector<unsigned long long>> Matrix;\n"
            "const unsigned long long MOD = 1000000007;\n\n"
            "Matrix multiply(const Matrix &a, const Matrix &b) {\n"
            "    size_t n = a.size();\n"
            "    Matrix c(n, std::vector<unsigned long long>(n, 0));\n"
            "    for (size_t i = 0; i < n; i++)\n"
            "        for (size_t k = 0; k < n; k++)\n"
            "            for (size_t j = 0; j < n; j++)\n"
            "                c[i][j] = (c[i][j] + a[i][k] * b[k][j]) % MOD;\n"
            "    return c;\n"
            "}\n\n"
            "int main() {\n"
            "    size_t n;\n"
            "    unsigned long long steps;\n"
            "    std::cin >> n >> steps;\n"
            "    Matrix graph(n, std::vector<unsigned long long>(n));\n"
            "    Matrix walks(n, std::vector<unsigned long long>(n, 0));\n"
            "    for (auto &row : graph)\n"
            "        for (auto &cell : row) std::cin >> cell;\n"
            "    for (size_t i = 0; i < n; i++) walks[i][i] = 1;\n"
            "    while (steps > 0) {\n"
            "        if (steps & 1) walks = multiply(walks, graph);\n"
            "        graph = multiply(graph, graph);\n"
            "        steps >>= 1;\n"
            "    }\n"
            '    std::cout << walks[0][n - 1] << "\\n";\n'
            "}\n"
        ),
        wrong=(
            "#include <iostream>\n"
            "#include <vector>\n\n"
            "typedef std::vector<std::vector<unsigned long long>> Matrix;\n"
            "const unsigned long long MOD = 1000000007;\n\n"
            "Matrix multiply(const Matrix &a, const Matrix &b) {\n"
            "    size_t n = a.size();\n"
            "    Matrix c(n, std::vector<unsigned long long>(n, 0));\n"
            "    for (size_t i = 0; i < n; i++)\n"
            "        for (size_t k = 0; k < n; k++)\n"
            "            for (size_t j = 0; j < n; j++)\n"
            "                c[i][j] = (c[i][j] + a[i][k] * b[k][j]) % MOD;\n"
            "    return c;\n"
            "}\n\n"
            "int main() {\n"
            "    size_t n;\n"
            "    long long steps;\n"
            "    std::cin >> n >> steps;\n"
            "    Matrix graph(n, std::vector<unsigned long long>(n));\n"
            "    for (auto &row : graph)\n"
            "        for (auto &cell : row) std::cin >> cell;\n"
            "    Matrix walks = graph;\n"
            "    steps -= 1;\n"
            "    while (steps > 0) {\n"
            "        if (steps & 1) walks = multiply(walks, graph);\n"
            "        graph = multiply(graph, graph);\n"
            "        steps >>= 1;\n"
            "    }\n"
            '    std::cout << walks[0][n - 1] << "\\n";\n'
            "}\n",
        ),
        large=_walks_large,
    ),
)
