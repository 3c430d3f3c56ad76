"""Naive solutions of the code environment's harder problems against their large tests.

    .venv/bin/python benchmarks/code_env_naive.py [--workers 2] [--out DIR]

From difficulty 3 on, every built-in code problem ends with large tests, sized so that the
naive algorithm cannot finish under the verifier's default limits (5 s a test) while the
reference answers in milliseconds. Eight of those problems ship the naive way among their
wrong solutions, and tests/environments/test_code.py checks that it fails (five time out,
three overflow Python's recursion limit). This script checks the other 28: a naive solution
of each, right but slow (a double loop, plain recursion, Bellman-Ford, a loop up to 10^18),
is scored by `rlvr verify` with the default verifier, once on the hand-written tests (it
should pass them: it is right) and once on the large ones (it should not). Prints a Markdown
table. It takes about two minutes on two cores: most rows wait out their timeouts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rlvr.environments.code import FUNCTIONS_FILE, PROGRAMS_FILE, builtin_records, slug_of

NAIVE: dict[str, tuple[str, str]] = {
    "balanced-brackets": (
        "python",
        """
def balanced_brackets(text):
    text = ''.join(c for c in text if c in '()[]{}')
    while True:
        shorter = text.replace('()', '').replace('[]', '').replace('{}', '')
        if shorter == text:
            return not text
        text = shorter
""",
    ),
    "max-subarray-sum": (
        "python",
        """
def max_subarray_sum(numbers):
    best = numbers[0]
    for i in range(len(numbers)):
        s = 0
        for j in range(i, len(numbers)):
            s += numbers[j]
            if s > best:
                best = s
    return best
""",
    ),
    "merge-intervals": (
        "python",
        """
def merge_intervals(intervals):
    result = []
    for start, end in intervals:
        merged = [start, end]
        rest = []
        for other in result:
            if other[0] <= merged[1] and merged[0] <= other[1]:
                merged = [min(merged[0], other[0]), max(merged[1], other[1])]
            else:
                rest.append(other)
        result = rest + [merged]
    return sorted(result)
""",
    ),
    "count-less-than": (
        "python",
        """
def count_less_than(sorted_numbers, queries):
    return [sum(1 for x in sorted_numbers if x < q) for q in queries]
""",
    ),
    "longest-unique-substring": (
        "python",
        """
def longest_unique_substring(text):
    best = 0
    for i in range(len(text)):
        seen = set()
        for ch in text[i:]:
            if ch in seen:
                break
            seen.add(ch)
        best = max(best, len(seen))
    return best
""",
    ),
    "min-coins": (
        "python",
        """
import sys
sys.setrecursionlimit(100000)
def min_coins(coins, amount):
    if amount == 0:
        return 0
    best = -1
    for c in coins:
        if c <= amount:
            sub = min_coins(coins, amount - c)
            if sub >= 0 and (best < 0 or sub + 1 < best):
                best = sub + 1
    return best
""",
    ),
    "edit-distance": (
        "python",
        """
def edit_distance(a, b):
    if not a:
        return len(b)
    if not b:
        return len(a)
    if a[0] == b[0]:
        return edit_distance(a[1:], b[1:])
    return 1 + min(edit_distance(a[1:], b), edit_distance(a, b[1:]), edit_distance(a[1:], b[1:]))
""",
    ),
    "knapsack": (
        "python",
        """
def knapsack(weights, values, capacity):
    def best(i, room):
        if i == len(weights):
            return 0
        skip = best(i + 1, room)
        if weights[i] <= room:
            return max(skip, values[i] + best(i + 1, room - weights[i]))
        return skip
    return best(0, capacity)
""",
    ),
    "num-decodings": (
        "python",
        """
import sys
sys.setrecursionlimit(100000)
def num_decodings(digits):
    if not digits:
        return 1
    if digits[0] == '0':
        return 0
    ways = num_decodings(digits[1:])
    if len(digits) >= 2 and 10 <= int(digits[:2]) <= 26:
        ways += num_decodings(digits[2:])
    return ways % 1_000_000_007
""",
    ),
    "shortest-path": (
        "python",
        """
def shortest_path(nodes, edges, source, target):
    dist = [None] * nodes
    dist[source] = 0
    for _ in range(nodes - 1):
        changed = False
        for u, v, w in edges:
            if dist[u] is not None and (dist[v] is None or dist[u] + w < dist[v]):
                dist[v] = dist[u] + w
                changed = True
        if not changed:
            break
    return -1 if dist[target] is None else dist[target]
""",
    ),
    "min-window": (
        "python",
        """
from collections import Counter
def min_window(text, letters):
    need = Counter(letters)
    best = ''
    for i in range(len(text)):
        have = Counter()
        for j in range(i, len(text)):
            have[text[j]] += 1
            if all(have[c] >= k for c, k in need.items()):
                if not best or j - i + 1 < len(best):
                    best = text[i:j + 1]
                break
    return best
""",
    ),
    "sliding-window-max": (
        "python",
        """
def sliding_window_max(numbers, k):
    return [max(numbers[i:i + k]) for i in range(len(numbers) - k + 1)]
""",
    ),
    "largest-rectangle": (
        "python",
        """
def largest_rectangle(heights):
    best = 0
    for i in range(len(heights)):
        low = heights[i]
        for j in range(i, len(heights)):
            if heights[j] < low:
                low = heights[j]
            if low * (j - i + 1) > best:
                best = low * (j - i + 1)
    return best
""",
    ),
    "top-words": (
        "python",
        """
import re, sys
k = int(sys.stdin.readline())
words = re.findall('[a-z]+', sys.stdin.read().lower())
counts = [(-words.count(w), w) for w in set(words)]
for c, w in sorted(counts)[:k]:
    print(w, -c)
""",
    ),
    "pairs-at-most": (
        "python",
        """
import sys
numbers = [int(t) for t in sys.stdin.read().split()]
n, limit = numbers[0], numbers[1]
values = numbers[2:2 + n]
count = 0
for i in range(n):
    for j in range(i + 1, n):
        if values[i] + values[j] <= limit:
            count += 1
print(count)
""",
    ),
    "range-sums": (
        "python",
        """
import sys
numbers = [int(t) for t in sys.stdin.buffer.read().split()]
n, q = numbers[0], numbers[1]
values = numbers[2:2 + n]
queries = numbers[2 + n:]
print('\\n'.join(str(sum(values[queries[2 * i] - 1:queries[2 * i + 1]])) for i in range(q)))
""",
    ),
    "maze": (
        "python",
        """
import sys
sys.setrecursionlimit(100000)
lines = sys.stdin.read().split('\\n')
rows, cols = map(int, lines[0].split())
grid = lines[1:1 + rows]
start = next((r, row.index('S')) for r, row in enumerate(grid) if 'S' in row)
best = [-1]
seen = set()
def walk(r, c, steps):
    if grid[r][c] == 'E':
        if best[0] < 0 or steps < best[0]:
            best[0] = steps
        return
    seen.add((r, c))
    for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
        if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] != '#' and (nr, nc) not in seen:
            walk(nr, nc, steps + 1)
    seen.discard((r, c))
walk(*start, 0)
print(best[0])
""",
    ),
    "town-distances": (
        "python",
        """
import sys
numbers = [int(t) for t in sys.stdin.buffer.read().split()]
n, m = numbers[0], numbers[1]
edges = [numbers[2 + 3 * i:5 + 3 * i] for i in range(m)]
dist = [None] * (n + 1)
dist[1] = 0
for _ in range(n):
    changed = False
    for u, v, w in edges:
        for a, b in ((u, v), (v, u)):
            if dist[a] is not None and (dist[b] is None or dist[a] + w < dist[b]):
                dist[b] = dist[a] + w
                changed = True
    if not changed:
        break
print(' '.join(str(-1 if d is None else d) for d in dist[1:]))
""",
    ),
    "job-schedule": (
        "python",
        """
import sys
numbers = [int(t) for t in sys.stdin.buffer.read().split()]
n = numbers[0]
jobs = sorted((numbers[2 + 3 * i], numbers[1 + 3 * i], numbers[3 + 3 * i]) for i in range(n))
best = []
for i, (end, start, value) in enumerate(jobs):
    before = 0
    for j in range(i - 1, -1, -1):
        if jobs[j][0] <= start:
            before = max(before, best[j])
    best.append(max(best[-1] if best else 0, before + value))
print(best[-1] if best else 0)
""",
    ),
    "power-mod": (
        "c",
        """
#include <stdio.h>
int main(void) {
    unsigned long long a, b, m, r;
    scanf("%llu %llu %llu", &a, &b, &m);
    r = 1 % m;
    for (unsigned long long i = 0; i < b; i++) r = r * (a % m) % m;
    printf("%llu\\n", r);
    return 0;
}
""",
    ),
    "josephus": (
        "c",
        """
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    long long n, k;
    scanf("%lld %lld", &n, &k);
    int *people = malloc(n * sizeof(int));
    for (long long i = 0; i < n; i++) people[i] = i + 1;
    long long alive = n, at = 0;
    while (alive > 1) {
        at = (at + k - 1) % alive;
        memmove(people + at, people + at + 1, (alive - at - 1) * sizeof(int));
        alive--;
        at %= alive;
    }
    printf("%d\\n", people[0]);
    return 0;
}
""",
    ),
    "fibonacci-mod": (
        "c",
        """
#include <stdio.h>
int main(void) {
    unsigned long long n, a = 0, b = 1, t;
    scanf("%llu", &n);
    for (unsigned long long i = 0; i < n; i++) { t = (a + b) % 1000000007ULL; a = b; b = t; }
    printf("%llu\\n", a);
    return 0;
}
""",
    ),
    "digit-sum-count": (
        "c",
        """
#include <stdio.h>
int main(void) {
    unsigned long long n, count = 0;
    int s;
    scanf("%llu %d", &n, &s);
    for (unsigned long long x = 1; x <= n; x++) {
        int sum = 0;
        for (unsigned long long y = x; y; y /= 10) sum += y % 10;
        if (sum == s) count++;
    }
    printf("%llu\\n", count);
    return 0;
}
""",
    ),
    "binomial-mod": (
        "cpp",
        """
#include <iostream>
#include <vector>
int main() {
    long long n, k;
    std::cin >> n >> k;
    std::vector<long long> row(k + 1, 0);
    row[0] = 1;
    for (long long i = 1; i <= n; i++)
        for (long long j = std::min(i, k); j > 0; j--) row[j] = (row[j] + row[j - 1]) % 1000000007;
    std::cout << row[k] << "\\n";
}
""",
    ),
    "stairs": (
        "cpp",
        """
#include <iostream>
long long ways(int n) {
    if (n < 0) return 0;
    if (n == 0) return 1;
    return (ways(n - 1) + ways(n - 2) + ways(n - 3)) % 1000000007;
}
int main() {
    int n;
    std::cin >> n;
    std::cout << ways(n) << "\\n";
}
""",
    ),
    "coin-ways": (
        "cpp",
        """
#include <iostream>
#include <vector>
std::vector<int> coins;
long long ways(int amount, size_t i) {
    if (amount == 0) return 1;
    if (i == coins.size()) return 0;
    long long total = 0;
    for (int used = 0; used * coins[i] <= amount; used++)
        total = (total + ways(amount - used * coins[i], i + 1)) % 1000000007;
    return total;
}
int main() {
    int amount, n;
    std::cin >> amount >> n;
    coins.resize(n);
    for (auto &c : coins) std::cin >> c;
    std::cout << ways(amount, 0) << "\\n";
}
""",
    ),
    "knight-moves": (
        "cpp",
        """
#include <iostream>
#include <vector>
int n, r2, c2, best = -1;
std::vector<char> seen;
void walk(int r, int c, int steps) {
    if (best >= 0 && steps >= best) return;
    if (r == r2 && c == c2) { best = steps; return; }
    const int dr[] = {1, 2, -1, -2, 1, 2, -1, -2}, dc[] = {2, 1, 2, 1, -2, -1, -2, -1};
    seen[r * n + c] = 1;
    for (int i = 0; i < 8; i++) {
        int nr = r + dr[i], nc = c + dc[i];
        if (nr >= 0 && nr < n && nc >= 0 && nc < n && !seen[nr * n + nc]) walk(nr, nc, steps + 1);
    }
    seen[r * n + c] = 0;
}
int main() {
    int r1, c1;
    std::cin >> n >> r1 >> c1 >> r2 >> c2;
    r2--; c2--;
    seen.assign(n * n, 0);
    walk(r1 - 1, c1 - 1, 0);
    std::cout << best << "\\n";
}
""",
    ),
    "count-walks": (
        "cpp",
        """
#include <iostream>
#include <vector>
int n;
std::vector<std::vector<int>> g;
long long walks(int node, unsigned long long left) {
    if (left == 0) return node == n - 1;
    long long total = 0;
    for (int next = 0; next < n; next++)
        if (g[node][next]) total = (total + walks(next, left - 1)) % 1000000007;
    return total;
}
int main() {
    unsigned long long k;
    std::cin >> n >> k;
    g.assign(n, std::vector<int>(n));
    for (auto &row : g) for (auto &x : row) std::cin >> x;
    std::cout << walks(0, k) << "\\n";
}
""",
    ),
}

"""Problem slug -> (language, a right but slow solution)."""

NAIVE_WAYS = {
    "balanced-brackets": "delete `()`, `[]`, `{}` until nothing changes",
    "max-subarray-sum": "every start, every end",
    "merge-intervals": "merge each into the list so far",
    "count-less-than": "count each query by a scan",
    "longest-unique-substring": "every start, extend while unique",
    "min-coins": "plain recursion",
    "edit-distance": "plain recursion",
    "knapsack": "take or skip, recursively",
    "num-decodings": "plain recursion",
    "shortest-path": "Bellman-Ford",
    "min-window": "every start, extend until covered",
    "sliding-window-max": "`max` of each window",
    "largest-rectangle": "every start, every end",
    "top-words": "`list.count` for each distinct word",
    "pairs-at-most": "every pair",
    "range-sums": "`sum` of each slice",
    "maze": "depth-first search of every path",
    "town-distances": "Bellman-Ford",
    "job-schedule": "quadratic DP",
    "power-mod": "b multiplications",
    "josephus": "simulate the circle",
    "fibonacci-mod": "n additions",
    "digit-sum-count": "check every x up to N",
    "binomial-mod": "Pascal's triangle",
    "stairs": "plain recursion",
    "coin-ways": "plain recursion",
    "knight-moves": "depth-first search with pruning",
    "count-walks": "enumerate the walks",
}

COVERED_BY_TESTS = (
    "two-sum",
    "longest-increasing-subsequence",
    "word-break",
    "count-inversions",
    "divisor-sum",
    "count-islands",
    "can-finish",
    "components",
)
"""Problems whose wrong solutions already include the naive way (tests/environments)."""


def rows() -> list[dict[str, Any]]:
    # the data files hold the hand-written tests; the large ones are appended when built
    hand_written = {
        slug_of(json.loads(line)): len(json.loads(line)["tests"])
        for path in (FUNCTIONS_FILE, PROGRAMS_FILE)
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    out = []
    for record in builtin_records():
        slug = str(record["id"]).removeprefix("code/")
        if slug not in NAIVE:
            continue
        language, source = NAIVE[slug]
        base = {k: v for k, v in record.items() if k != "meta"}
        completion = f"```{language}\n{source.lstrip()}```"
        split = hand_written[slug]
        for part, tests in (
            ("hand-written", record["tests"][:split]),
            ("large", record["tests"][split:]),
        ):
            out.append(
                {**base, "id": f"{record['id']}#{part}", "tests": tests, "completion": completion}
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    records = {str(r["id"]): r for r in builtin_records()}
    missing = [
        str(r["id"])
        for r in records.values()
        if r["difficulty"] >= 3
        and str(r["id"]).removeprefix("code/") not in (*NAIVE, *COVERED_BY_TESTS)
    ]
    if missing:
        raise SystemExit(f"no naive solution for {missing}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        in_path, out_path = folder / "naive.jsonl", folder / "scored.jsonl"
        in_path.write_text("".join(json.dumps(r) + "\n" for r in rows()), encoding="utf-8")
        command = [sys.executable, "-m", "rlvr", "verify", "--in", str(in_path)]
        command += ["--out", str(out_path), "--workers", str(args.workers)]
        subprocess.run(command, check=True)
        scored = [json.loads(line) for line in out_path.read_text(encoding="utf-8").splitlines()]
    by_problem: dict[str, dict[str, dict[str, Any]]] = {}
    for row in scored:
        problem_id, part = row["id"].split("#")
        by_problem.setdefault(problem_id, {})[part] = row
    lines = [
        "| problem | difficulty | language | naive way | hand-written tests | large tests |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    caught = 0
    for problem_id, parts in by_problem.items():
        record = records[problem_id]
        small, large = parts["hand-written"], parts["large"]
        caught += large["reward"] is not None and large["reward"] < 1
        lines.append(
            f"| {problem_id.removeprefix('code/')} | {record['difficulty']} | "
            f"{record['language']} | {NAIVE_WAYS.get(problem_id.removeprefix('code/'), '')} | "
            f"{_counts(small)} | {_counts(large)} |"
        )
    lines.append(f"\nThe large tests stop {caught} of {len(by_problem)} naive solutions.")
    print("\n".join(lines))


def _counts(row: dict[str, Any]) -> str:
    counts = row["info"].get("counts") or {row["info"].get("status", "?"): 1}
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))


if __name__ == "__main__":
    main()
