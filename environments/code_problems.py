"""The built-in code problems, part one: the problem types, and Python functions (I/O tests).

Plain data, written for rlvr. Each problem has hand-written tests — the first is the worked
example its prompt shows — and, from difficulty 3 up, large tests generated from a fixed
seed, whose expected outputs are computed when the set is built (never typed by hand): by
running the reference solution here, in this process (it is our own code, not a
completion). Sizes are chosen so that the reference answers in milliseconds and the naive
algorithm (quadratic, exponential, deep recursion) fails under the verifier's default limits
(5 s a test, 512 MiB; benchmarks/code_env_naive.py checks it); the description states the
bounds so that a solver knows what is asked. Every problem also ships wrong solutions (off
by one, a missed edge case, too slow) that the tests must catch. The stdio programs are in
`rlvr.environments.code_programs`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Args = tuple[Any, ...]
LargeInputs = Callable[[random.Random], list[Args]]
LargeStdin = Callable[[random.Random], list[str]]


@dataclass(frozen=True)
class FunctionProblem:
    """A Python function judged by I/O tests on its return values."""

    slug: str
    title: str
    difficulty: int
    signature: str
    """`name(arg: type, ...) -> type`, as the prompt shows it."""
    description: str
    tests: tuple[tuple[Args, Any], ...]
    """(arguments, expected return value), written by hand; the first is the worked example."""
    reference: str
    wrong: tuple[str, ...]
    large: LargeInputs | None = None
    """Arguments of the large tests, generated; their expected values are the reference's."""

    @property
    def entry_point(self) -> str:
        return self.signature.split("(", 1)[0]


@dataclass(frozen=True)
class ProgramProblem:
    """A program reading stdin and writing stdout, in Python, C or C++."""

    slug: str
    title: str
    difficulty: int
    language: str
    description: str
    input_format: str
    output_format: str
    example: tuple[str, str]
    """The worked example (stdin, stdout), written by hand; `solve` must agree with it."""
    inputs: tuple[str, ...]
    """Further stdin of hidden tests, written by hand."""
    solve: Callable[[str], str]
    """A trusted Python implementation: the expected stdout of every test."""
    reference: str
    wrong: tuple[str, ...]
    large: LargeStdin | None = None
    """Stdin of the large tests: generated, or one line of huge numbers (an exponent of
    10^18); their expected outputs come from `solve` like the others'."""


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


# --- the problems ---------------------------------------------------------------------------

FIZZBUZZ_15 = [
    "1", "2", "Fizz", "4", "Buzz", "Fizz", "7", "8", "Fizz", "Buzz",
    "11", "Fizz", "13", "14", "FizzBuzz",
]  # fmt: skip

FUNCTIONS: tuple[FunctionProblem, ...] = (
    # --- difficulty 1: one-liners ---
    FunctionProblem(
        slug="total",
        title="Sum of a list",
        difficulty=1,
        signature="total(numbers: list[int]) -> int",
        description="It returns the sum of the numbers; the sum of an empty list is 0.",
        tests=(
            (([1, 2, 3],), 6),
            (([],), 0),
            (([5],), 5),
            (([-4, 4, -1],), -1),
            (([10**12, 10**12],), 2 * 10**12),
            (([0, 0, 0],), 0),
            (([-1, -2, -3, -4],), -10),
        ),
        reference="def total(numbers):\n    return sum(numbers)\n",
        wrong=(
            "def total(numbers):\n"
            "    result = 0\n"
            "    for i in range(1, len(numbers)):\n"
            "        result += numbers[i]\n"
            "    return result\n",
        ),
    ),
    FunctionProblem(
        slug="max-of-three",
        title="Largest of three",
        difficulty=1,
        signature="max_of_three(a: int, b: int, c: int) -> int",
        description="It returns the largest of the three numbers.",
        tests=(
            ((1, 5, 3), 5),
            ((7, 2, 3), 7),
            ((1, 2, 9), 9),
            ((4, 4, 4), 4),
            ((-5, -2, -9), -2),
            ((3, 1, 8), 8),
            ((0, -1, 0), 0),
        ),
        reference="def max_of_three(a, b, c):\n    return max(a, b, c)\n",
        wrong=("def max_of_three(a, b, c):\n    return a if a > b else (b if b > c else c)\n",),
    ),
    FunctionProblem(
        slug="reverse-string",
        title="Reverse a string",
        difficulty=1,
        signature="reverse_string(text: str) -> str",
        description="It returns the text with its characters in reverse order.",
        tests=(
            (("hello",), "olleh"),
            (("",), ""),
            (("a",), "a"),
            (("ab cd",), "dc ba"),
            (("racecar",), "racecar"),
            (("Hello, World!",), "!dlroW ,olleH"),
            (("12345",), "54321"),
        ),
        reference="def reverse_string(text):\n    return text[::-1]\n",
        wrong=("def reverse_string(text):\n    return text[len(text) - 1:0:-1]\n",),
    ),
    FunctionProblem(
        slug="is-even",
        title="Even or odd",
        difficulty=1,
        signature="is_even(n: int) -> bool",
        description="It returns True when n is even and False otherwise; n may be 0 or negative.",
        tests=(
            ((4,), True),
            ((7,), False),
            ((0,), True),
            ((-2,), True),
            ((-3,), False),
            ((10**18,), True),
            ((1,), False),
        ),
        reference="def is_even(n):\n    return n % 2 == 0\n",
        wrong=("def is_even(n):\n    return n > 0 and n % 2 == 0\n",),
    ),
    FunctionProblem(
        slug="count-vowels",
        title="Count the vowels",
        difficulty=1,
        signature="count_vowels(text: str) -> int",
        description=(
            "It returns how many vowels (a, e, i, o, u, in upper or lower case) the text holds."
        ),
        tests=(
            (("hello",), 2),
            (("",), 0),
            (("AEIOU",), 5),
            (("rhythm",), 0),
            (("Programming Is Fun",), 5),
            (("aaa bbb",), 3),
            (("Queue",), 4),
        ),
        reference="def count_vowels(text):\n    return sum(ch in 'aeiouAEIOU' for ch in text)\n",
        wrong=("def count_vowels(text):\n    return sum(ch in 'aeiou' for ch in text)\n",),
    ),
    FunctionProblem(
        slug="celsius-to-fahrenheit",
        title="Celsius to Fahrenheit",
        difficulty=1,
        signature="celsius_to_fahrenheit(celsius: float) -> float",
        description="It returns the temperature in degrees Fahrenheit: F = C * 9 / 5 + 32.",
        tests=(
            ((100.0,), 212.0),
            ((0.0,), 32.0),
            ((-40.0,), -40.0),
            ((37.5,), 99.5),
            ((-273.15,), -459.67),
            ((1.0,), 33.8),
            ((36.6,), 97.88),
        ),
        reference="def celsius_to_fahrenheit(celsius):\n    return celsius * 9 / 5 + 32\n",
        wrong=("def celsius_to_fahrenheit(celsius):\n    return (celsius + 32) * 9 / 5\n",),
    ),
    FunctionProblem(
        slug="last-element",
        title="Last element",
        difficulty=1,
        signature="last_element(items: list[int]) -> int | None",
        description="It returns the last item of the list, or None when the list is empty.",
        tests=(
            (([1, 2, 3],), 3),
            (([],), None),
            (([7],), 7),
            (([0],), 0),
            (([5, 5, -1],), -1),
            (([2, 0],), 0),
        ),
        reference="def last_element(items):\n    return items[-1] if items else None\n",
        wrong=(
            "def last_element(items):\n"
            "    return items[len(items) - 1] if len(items) > 1 else None\n",
        ),
    ),
    FunctionProblem(
        slug="count-occurrences",
        title="Count occurrences",
        difficulty=1,
        signature="count_occurrences(items: list[int], target: int) -> int",
        description="It returns how many times target appears in items.",
        tests=(
            (([1, 2, 1, 3, 1], 1), 3),
            (([], 5), 0),
            (([4], 4), 1),
            (([1, 2, 3], 7), 0),
            (([0, 0, 0, 0], 0), 4),
            (([-1, 1, -1], -1), 2),
        ),
        reference="def count_occurrences(items, target):\n    return items.count(target)\n",
        wrong=("def count_occurrences(items, target):\n    return 1 if target in items else 0\n",),
    ),
    # --- difficulty 2: loops and edge cases ---
    FunctionProblem(
        slug="fizzbuzz",
        title="FizzBuzz",
        difficulty=2,
        signature="fizzbuzz(n: int) -> list[str]",
        description=(
            'It returns a list of strings for the numbers 1 to n: "FizzBuzz" for multiples of '
            'both 3 and 5, "Fizz" for multiples of 3, "Buzz" for multiples of 5, and the number '
            "itself otherwise. For n = 0 the list is empty."
        ),
        tests=(
            ((5,), ["1", "2", "Fizz", "4", "Buzz"]),
            ((0,), []),
            ((1,), ["1"]),
            ((3,), ["1", "2", "Fizz"]),
            ((15,), FIZZBUZZ_15),
            ((16,), [*FIZZBUZZ_15, "16"]),
        ),
        reference=(
            "def fizzbuzz(n):\n"
            "    out = []\n"
            "    for i in range(1, n + 1):\n"
            "        if i % 15 == 0:\n"
            "            out.append('FizzBuzz')\n"
            "        elif i % 3 == 0:\n"
            "            out.append('Fizz')\n"
            "        elif i % 5 == 0:\n"
            "            out.append('Buzz')\n"
            "        else:\n"
            "            out.append(str(i))\n"
            "    return out\n"
        ),
        wrong=(
            "def fizzbuzz(n):\n"
            "    out = []\n"
            "    for i in range(1, n + 1):\n"
            "        if i % 3 == 0:\n"
            "            out.append('Fizz')\n"
            "        elif i % 5 == 0:\n"
            "            out.append('Buzz')\n"
            "        elif i % 15 == 0:\n"
            "            out.append('FizzBuzz')\n"
            "        else:\n"
            "            out.append(str(i))\n"
            "    return out\n",
        ),
    ),
    FunctionProblem(
        slug="is-palindrome",
        title="Palindrome sentence",
        difficulty=2,
        signature="is_palindrome(text: str) -> bool",
        description=(
            "It returns True when the text reads the same forwards and backwards, looking only "
            "at letters and digits and ignoring case."
        ),
        tests=(
            (("A man, a plan, a canal: Panama",), True),
            (("",), True),
            (("race a car",), False),
            (("No 'x' in Nixon",), True),
            (("ab",), False),
            (("12321",), True),
            (("Was it a car or a cat I saw?",), True),
            (("0P",), False),
        ),
        reference=(
            "def is_palindrome(text):\n"
            "    chars = [c.lower() for c in text if c.isalnum()]\n"
            "    return chars == chars[::-1]\n"
        ),
        wrong=("def is_palindrome(text):\n    t = text.lower()\n    return t == t[::-1]\n",),
    ),
    FunctionProblem(
        slug="second-largest",
        title="Second largest value",
        difficulty=2,
        signature="second_largest(numbers: list[int]) -> int | None",
        description=(
            "It returns the second largest distinct value of the list, or None when the list "
            "holds fewer than two distinct values."
        ),
        tests=(
            (([3, 1, 4, 1, 5],), 4),
            (([],), None),
            (([7],), None),
            (([2, 2, 2],), None),
            (([5, 5, 4],), 4),
            (([-1, -2],), -2),
            (([1, 2],), 1),
            (([10, 9, 10, 8],), 9),
        ),
        reference=(
            "def second_largest(numbers):\n"
            "    values = sorted(set(numbers))\n"
            "    return values[-2] if len(values) >= 2 else None\n"
        ),
        wrong=(
            "def second_largest(numbers):\n"
            "    if len(numbers) < 2:\n"
            "        return None\n"
            "    return sorted(numbers)[-2]\n",
        ),
    ),
    FunctionProblem(
        slug="run-length-encode",
        title="Run-length encoding",
        difficulty=2,
        signature="run_length_encode(text: str) -> str",
        description=(
            "It returns the run-length encoding of the text: each run of equal characters "
            'becomes the character followed by the run\'s length, so "aaabcc" gives "a3b1c2".'
        ),
        tests=(
            (("aaabcc",), "a3b1c2"),
            (("",), ""),
            (("a",), "a1"),
            (("abc",), "a1b1c1"),
            (("zzzzzzzzzzzz",), "z12"),
            (("aabbaa",), "a2b2a2"),
            (("  !",), " 2!1"),
        ),
        reference=(
            "from itertools import groupby\n\n\n"
            "def run_length_encode(text):\n"
            "    return ''.join(f'{ch}{len(list(run))}' for ch, run in groupby(text))\n"
        ),
        wrong=(
            "def run_length_encode(text):\n"
            "    out = []\n"
            "    count = 1\n"
            "    for i in range(1, len(text)):\n"
            "        if text[i] == text[i - 1]:\n"
            "            count += 1\n"
            "        else:\n"
            "            out.append(text[i - 1] + str(count))\n"
            "            count = 1\n"
            "    return ''.join(out)\n",
        ),
    ),
    FunctionProblem(
        slug="digit-sum",
        title="Sum of digits",
        difficulty=2,
        signature="digit_sum(n: int) -> int",
        description=(
            "It returns the sum of the decimal digits of n; for a negative n the sign is ignored."
        ),
        tests=(
            ((123,), 6),
            ((0,), 0),
            ((-45,), 9),
            ((9,), 9),
            ((10**18,), 1),
            ((999999999999,), 108),
            ((-1000,), 1),
        ),
        reference="def digit_sum(n):\n    return sum(int(d) for d in str(abs(n)))\n",
        wrong=("def digit_sum(n):\n    return sum(int(d) for d in str(n))\n",),
    ),
    FunctionProblem(
        slug="is-leap-year",
        title="Leap years",
        difficulty=2,
        signature="is_leap_year(year: int) -> bool",
        description=(
            "It returns True for a leap year of the Gregorian calendar: a year divisible by 4, "
            "except years divisible by 100 that are not divisible by 400."
        ),
        tests=(
            ((2024,), True),
            ((2023,), False),
            ((1900,), False),
            ((2000,), True),
            ((2100,), False),
            ((1600,), True),
            ((4,), True),
            ((1,), False),
        ),
        reference=(
            "def is_leap_year(year):\n"
            "    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)\n"
        ),
        wrong=("def is_leap_year(year):\n    return year % 4 == 0 and year % 100 != 0\n",),
    ),
    FunctionProblem(
        slug="are-anagrams",
        title="Anagrams",
        difficulty=2,
        signature="are_anagrams(first: str, second: str) -> bool",
        description=(
            "It returns True when the two strings use the same letters the same number of "
            "times, ignoring case and spaces."
        ),
        tests=(
            (("listen", "silent"), True),
            (("", ""), True),
            (("Dormitory", "dirty room"), True),
            (("aab", "abb"), False),
            (("abc", "abcd"), False),
            (("Astronomer", "Moon starer"), True),
            (("a", "A "), True),
        ),
        reference=(
            "def are_anagrams(first, second):\n"
            "    def key(s):\n"
            "        return sorted(s.lower().replace(' ', ''))\n"
            "    return key(first) == key(second)\n"
        ),
        wrong=(
            "def are_anagrams(first, second):\n"
            "    return set(first.lower().replace(' ', '')) == "
            "set(second.lower().replace(' ', ''))\n",
        ),
    ),
    FunctionProblem(
        slug="chunk",
        title="Split into chunks",
        difficulty=2,
        signature="chunk(items: list[int], size: int) -> list[list[int]]",
        description=(
            "It splits the list into consecutive pieces of `size` items (size is at least 1) "
            "and returns the list of pieces; the last piece may be shorter."
        ),
        tests=(
            (([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]),
            (([], 3), []),
            (([1, 2, 3], 1), [[1], [2], [3]]),
            (([1, 2, 3], 3), [[1, 2, 3]]),
            (([1, 2], 5), [[1, 2]]),
            (([1, 2, 3, 4, 5, 6], 4), [[1, 2, 3, 4], [5, 6]]),
        ),
        reference=(
            "def chunk(items, size):\n"
            "    return [items[i:i + size] for i in range(0, len(items), size)]\n"
        ),
        wrong=(
            "def chunk(items, size):\n"
            "    return [items[i:i + size] for i in range(0, len(items) - size + 1, size)]\n",
        ),
    ),
    FunctionProblem(
        slug="most-frequent",
        title="Most frequent value",
        difficulty=2,
        signature="most_frequent(items: list[int]) -> int",
        description=(
            "It returns the value that occurs most often in the non-empty list; on a tie, the "
            "smallest of the tied values."
        ),
        tests=(
            (([1, 3, 3, 2, 1, 3],), 3),
            (([5],), 5),
            (([2, 1, 2, 1],), 1),
            (([-1, -1, 0],), -1),
            (([4, 4, 5, 5, 6, 6],), 4),
            (([9, 8, 7],), 7),
            (([0, 0, 0, 1, 1, 1, 1],), 1),
        ),
        reference=(
            "from collections import Counter\n\n\n"
            "def most_frequent(items):\n"
            "    counts = Counter(items)\n"
            "    return min(counts, key=lambda value: (-counts[value], value))\n"
        ),
        wrong=(
            "from collections import Counter\n\n\n"
            "def most_frequent(items):\n"
            "    return Counter(items).most_common(1)[0][0]\n",
        ),
    ),
    FunctionProblem(
        slug="remove-duplicates",
        title="Remove duplicates",
        difficulty=2,
        signature="remove_duplicates(items: list[int]) -> list[int]",
        description=(
            "It returns the items without repeats, keeping the first occurrence of each value "
            "in its original order."
        ),
        tests=(
            (([3, 1, 3, 2, 1],), [3, 1, 2]),
            (([],), []),
            (([1, 1, 1],), [1]),
            (([5, 4, 3],), [5, 4, 3]),
            (([2, -2, 2, -2, 0],), [2, -2, 0]),
            (([7, 8, 7, 9, 8, 10],), [7, 8, 9, 10]),
        ),
        reference="def remove_duplicates(items):\n    return list(dict.fromkeys(items))\n",
        wrong=("def remove_duplicates(items):\n    return list(set(items))\n",),
    ),
    # --- difficulty 3: a known technique; large inputs punish the quadratic way ---
    FunctionProblem(
        slug="two-sum",
        title="Two sum",
        difficulty=3,
        signature="two_sum(numbers: list[int], target: int) -> list[int]",
        description=(
            "It returns the indices [i, j], with i < j, of the two numbers that add up to "
            "target; exactly one such pair exists. The list can hold 30,000 numbers."
        ),
        tests=(
            (([2, 7, 11, 15], 9), [0, 1]),
            (([3, 3], 6), [0, 1]),
            (([3, 2, 4], 6), [1, 2]),
            (([-3, 4, 3, 90], 0), [0, 2]),
            (([0, 4, 3, 0], 0), [0, 3]),
            (([1, 5, 9, 13], 22), [2, 3]),
        ),
        reference=(
            "def two_sum(numbers, target):\n"
            "    seen = {}\n"
            "    for j, value in enumerate(numbers):\n"
            "        if target - value in seen:\n"
            "            return [seen[target - value], j]\n"
            "        seen.setdefault(value, j)\n"
            "    return []\n"
        ),
        wrong=(
            "def two_sum(numbers, target):\n"
            "    for i in range(len(numbers)):\n"
            "        for j in range(i + 1, len(numbers)):\n"
            "            if numbers[i] + numbers[j] == target:\n"
            "                return [i, j]\n"
            "    return []\n",
        ),
        large=_two_sum_large,
    ),
    FunctionProblem(
        slug="balanced-brackets",
        title="Balanced brackets",
        difficulty=3,
        signature="balanced_brackets(text: str) -> bool",
        description=(
            "It returns True when every bracket of the text — (), [] and {} — is closed by the "
            "matching bracket in the right order; other characters are ignored. The text can be "
            "200,000 characters long."
        ),
        tests=(
            (("([]{})",), True),
            (("",), True),
            (("([)]",), False),
            (("((",), False),
            (("))((",), False),
            (("a(b[c]{d}e)f",), True),
            (("}",), False),
            (("{[()()]}",), True),
        ),
        reference=(
            "def balanced_brackets(text):\n"
            "    pairs = {')': '(', ']': '[', '}': '{'}\n"
            "    stack = []\n"
            "    for ch in text:\n"
            "        if ch in '([{':\n"
            "            stack.append(ch)\n"
            "        elif ch in pairs:\n"
            "            if not stack or stack.pop() != pairs[ch]:\n"
            "                return False\n"
            "    return not stack\n"
        ),
        wrong=(
            "def balanced_brackets(text):\n"
            "    depth = 0\n"
            "    for ch in text:\n"
            "        if ch in '([{':\n"
            "            depth += 1\n"
            "        elif ch in ')]}':\n"
            "            depth -= 1\n"
            "            if depth < 0:\n"
            "                return False\n"
            "    return depth == 0\n",
        ),
        large=lambda rng: [
            ("(" * 100_000 + ")" * 100_000,),
            ("([{" * 3_000 + "}])" * 3_000 + ")",),
        ],
    ),
    FunctionProblem(
        slug="max-subarray-sum",
        title="Maximum subarray sum",
        difficulty=3,
        signature="max_subarray_sum(numbers: list[int]) -> int",
        description=(
            "It returns the largest sum of a non-empty run of consecutive numbers. The list is "
            "not empty and can hold 30,000 numbers."
        ),
        tests=(
            (([-2, 1, -3, 4, -1, 2, 1, -5, 4],), 6),
            (([5],), 5),
            (([-3, -1, -2],), -1),
            (([1, 2, 3],), 6),
            (([0, 0, 0],), 0),
            (([2, -1, 2],), 3),
            (([-5],), -5),
        ),
        reference=(
            "def max_subarray_sum(numbers):\n"
            "    best = current = numbers[0]\n"
            "    for x in numbers[1:]:\n"
            "        current = max(x, current + x)\n"
            "        best = max(best, current)\n"
            "    return best\n"
        ),
        wrong=(
            "def max_subarray_sum(numbers):\n"
            "    best = current = 0\n"
            "    for x in numbers:\n"
            "        current = max(0, current + x)\n"
            "        best = max(best, current)\n"
            "    return best\n",
        ),
        large=lambda rng: [(_ints(rng, 30_000, -1000, 1000),), (_ints(rng, 3_000, -1000, -1),)],
    ),
    FunctionProblem(
        slug="merge-intervals",
        title="Merge intervals",
        difficulty=3,
        signature="merge_intervals(intervals: list[list[int]]) -> list[list[int]]",
        description=(
            "It merges overlapping intervals [start, end] (start <= end) and returns the merged "
            "intervals sorted by start. Intervals that touch, like [1, 2] and [2, 3], overlap. "
            "The input is in any order and can hold 20,000 intervals."
        ),
        tests=(
            (([[1, 3], [2, 6], [8, 10], [15, 18]],), [[1, 6], [8, 10], [15, 18]]),
            (([],), []),
            (([[1, 4], [4, 5]],), [[1, 5]]),
            (([[5, 6], [1, 2]],), [[1, 2], [5, 6]]),
            (([[1, 10], [2, 3], [4, 5]],), [[1, 10]]),
            (([[3, 3]],), [[3, 3]]),
            (([[2, 3], [1, 1], [0, 0]],), [[0, 0], [1, 1], [2, 3]]),
        ),
        reference=(
            "def merge_intervals(intervals):\n"
            "    merged = []\n"
            "    for start, end in sorted(intervals):\n"
            "        if merged and start <= merged[-1][1]:\n"
            "            merged[-1][1] = max(merged[-1][1], end)\n"
            "        else:\n"
            "            merged.append([start, end])\n"
            "    return merged\n"
        ),
        wrong=(
            "def merge_intervals(intervals):\n"
            "    merged = []\n"
            "    for start, end in sorted(intervals):\n"
            "        if merged and start < merged[-1][1]:\n"
            "            merged[-1][1] = max(merged[-1][1], end)\n"
            "        else:\n"
            "            merged.append([start, end])\n"
            "    return merged\n",
        ),
        large=lambda rng: [([[s, s + rng.randint(0, 100)] for s in _ints(rng, 20_000, 0, 10**6)],)],
    ),
    FunctionProblem(
        slug="count-less-than",
        title="Count smaller numbers",
        difficulty=3,
        signature="count_less_than(sorted_numbers: list[int], queries: list[int]) -> list[int]",
        description=(
            "sorted_numbers is sorted in increasing order. For each query q it returns how many "
            "numbers are strictly less than q, in the order of the queries. Both lists can hold "
            "20,000 numbers."
        ),
        tests=(
            (([1, 3, 5, 7], [4, 1, 8]), [2, 0, 4]),
            (([], [1, 2]), [0, 0]),
            (([1, 2, 3], []), []),
            (([2, 2, 2], [2, 3]), [0, 3]),
            (([-5, 0, 5], [-10, 0, 6]), [0, 1, 3]),
            (([1, 1, 2, 2, 3], [2]), [2]),
        ),
        reference=(
            "from bisect import bisect_left\n\n\n"
            "def count_less_than(sorted_numbers, queries):\n"
            "    return [bisect_left(sorted_numbers, q) for q in queries]\n"
        ),
        wrong=(
            "from bisect import bisect_right\n\n\n"
            "def count_less_than(sorted_numbers, queries):\n"
            "    return [bisect_right(sorted_numbers, q) for q in queries]\n",
        ),
        large=lambda rng: [(sorted(_ints(rng, 20_000, 0, 99_999)), _ints(rng, 20_000, -9, 99_999))],
    ),
    FunctionProblem(
        slug="longest-unique-substring",
        title="Longest substring without repeats",
        difficulty=3,
        signature="longest_unique_substring(text: str) -> int",
        description=(
            "It returns the length of the longest run of consecutive characters of the text in "
            "which no character repeats. The text can be 40,000 characters long."
        ),
        tests=(
            (("abcabcbb",), 3),
            (("",), 0),
            (("bbbbb",), 1),
            (("pwwkew",), 3),
            (("abcdef",), 6),
            (("abba",), 2),
            (("dvdf",), 3),
        ),
        reference=(
            "def longest_unique_substring(text):\n"
            "    start = best = 0\n"
            "    last = {}\n"
            "    for i, ch in enumerate(text):\n"
            "        if last.get(ch, -1) >= start:\n"
            "            start = last[ch] + 1\n"
            "        last[ch] = i\n"
            "        best = max(best, i - start + 1)\n"
            "    return best\n"
        ),
        wrong=(
            "def longest_unique_substring(text):\n"
            "    start = best = 0\n"
            "    last = {}\n"
            "    for i, ch in enumerate(text):\n"
            "        if ch in last:\n"
            "            start = last[ch] + 1\n"
            "        last[ch] = i\n"
            "        best = max(best, i - start + 1)\n"
            "    return best\n",
        ),
        large=_distinct_text,
    ),
    # --- difficulty 4: dynamic programming, graphs, recursion depth ---
    FunctionProblem(
        slug="longest-increasing-subsequence",
        title="Longest increasing subsequence",
        difficulty=4,
        signature="longest_increasing_subsequence(numbers: list[int]) -> int",
        description=(
            "It returns the length of the longest strictly increasing subsequence (not "
            "necessarily consecutive) of the list. The list can hold 30,000 numbers."
        ),
        tests=(
            (([10, 9, 2, 5, 3, 7, 101, 18],), 4),
            (([],), 0),
            (([7],), 1),
            (([5, 5, 5],), 1),
            (([1, 2, 3, 4],), 4),
            (([4, 3, 2, 1],), 1),
            (([0, 8, 4, 12, 2, 10, 6, 14, 1, 9],), 4),
        ),
        reference=(
            "from bisect import bisect_left\n\n\n"
            "def longest_increasing_subsequence(numbers):\n"
            "    tails = []\n"
            "    for x in numbers:\n"
            "        i = bisect_left(tails, x)\n"
            "        if i == len(tails):\n"
            "            tails.append(x)\n"
            "        else:\n"
            "            tails[i] = x\n"
            "    return len(tails)\n"
        ),
        wrong=(
            "from bisect import bisect_right\n\n\n"
            "def longest_increasing_subsequence(numbers):\n"
            "    tails = []\n"
            "    for x in numbers:\n"
            "        i = bisect_right(tails, x)\n"
            "        if i == len(tails):\n"
            "            tails.append(x)\n"
            "        else:\n"
            "            tails[i] = x\n"
            "    return len(tails)\n",
            "def longest_increasing_subsequence(numbers):\n"
            "    best = [1] * len(numbers)\n"
            "    for i in range(len(numbers)):\n"
            "        for j in range(i):\n"
            "            if numbers[j] < numbers[i] and best[j] + 1 > best[i]:\n"
            "                best[i] = best[j] + 1\n"
            "    return max(best, default=0)\n",
        ),
        large=lambda rng: [(_ints(rng, 30_000, 0, 99_999),)],
    ),
    FunctionProblem(
        slug="min-coins",
        title="Fewest coins",
        difficulty=4,
        signature="min_coins(coins: list[int], amount: int) -> int",
        description=(
            "It returns the fewest coins that add up to amount, using each coin value as often "
            "as needed, or -1 if the amount cannot be made. amount can be 10,000."
        ),
        tests=(
            (([1, 2, 5], 11), 3),
            (([2], 3), -1),
            (([1], 0), 0),
            (([1, 3, 4], 6), 2),
            (([5, 10], 3), -1),
            (([7], 14), 2),
            (([186, 419, 83, 408], 6249), 20),
        ),
        reference=(
            "def min_coins(coins, amount):\n"
            "    best = [0] + [-1] * amount\n"
            "    for value in range(1, amount + 1):\n"
            "        options = [best[value - c] for c in coins if c <= value]\n"
            "        options = [n for n in options if n >= 0]\n"
            "        best[value] = min(options) + 1 if options else -1\n"
            "    return best[amount]\n"
        ),
        wrong=(
            "def min_coins(coins, amount):\n"
            "    count = 0\n"
            "    for coin in sorted(coins, reverse=True):\n"
            "        count += amount // coin\n"
            "        amount %= coin\n"
            "    return count if amount == 0 else -1\n",
        ),
        large=lambda rng: [([7, 13, 29, 31, 97], 10_000), ([2, 4, 6], 9999)],
    ),
    FunctionProblem(
        slug="edit-distance",
        title="Edit distance",
        difficulty=4,
        signature="edit_distance(first: str, second: str) -> int",
        description=(
            "It returns the fewest single-character insertions, deletions and substitutions "
            "that turn first into second. Each string can be 400 characters long."
        ),
        tests=(
            (("kitten", "sitting"), 3),
            (("", ""), 0),
            (("", "abc"), 3),
            (("abc", ""), 3),
            (("flaw", "lawn"), 2),
            (("intention", "execution"), 5),
            (("same", "same"), 0),
        ),
        reference=(
            "def edit_distance(first, second):\n"
            "    previous = list(range(len(second) + 1))\n"
            "    for i, a in enumerate(first, 1):\n"
            "        current = [i]\n"
            "        for j, b in enumerate(second, 1):\n"
            "            current.append(min(previous[j] + 1, current[j - 1] + 1,\n"
            "                               previous[j - 1] + (a != b)))\n"
            "        previous = current\n"
            "    return previous[-1]\n"
        ),
        wrong=(
            "def edit_distance(first, second):\n"
            "    differ = sum(a != b for a, b in zip(first, second))\n"
            "    return differ + abs(len(first) - len(second))\n",
        ),
        large=lambda rng: [
            (
                "".join(rng.choice("abcd") for _ in range(400)),
                "".join(rng.choice("abcd") for _ in range(400)),
            )
        ],
    ),
    FunctionProblem(
        slug="count-islands",
        title="Count the islands",
        difficulty=4,
        signature="count_islands(grid: list[str]) -> int",
        description=(
            "grid is a list of equal-length rows of '#' (land) and '.' (water). Land cells "
            "that touch up, down, left or right belong to the same island. It returns the "
            "number of islands. The grid can be 300 by 300."
        ),
        tests=(
            ((["##..", "#...", "..##", "...#"],), 2),
            (([],), 0),
            ((["...."],), 0),
            ((["#"],), 1),
            ((["#.#", ".#.", "#.#"],), 5),
            ((["###", "#.#", "###"],), 1),
        ),
        reference=(
            "def count_islands(grid):\n"
            "    seen = set()\n"
            "    islands = 0\n"
            "    for r, row in enumerate(grid):\n"
            "        for c, cell in enumerate(row):\n"
            "            if cell != '#' or (r, c) in seen:\n"
            "                continue\n"
            "            islands += 1\n"
            "            seen.add((r, c))\n"
            "            stack = [(r, c)]\n"
            "            while stack:\n"
            "                y, x = stack.pop()\n"
            "                for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):\n"
            "                    if (0 <= ny < len(grid) and 0 <= nx < len(grid[ny])\n"
            "                            and grid[ny][nx] == '#' and (ny, nx) not in seen):\n"
            "                        seen.add((ny, nx))\n"
            "                        stack.append((ny, nx))\n"
            "    return islands\n"
        ),
        wrong=(
            "def count_islands(grid):\n"
            "    seen = set()\n"
            "\n"
            "    def sink(r, c):\n"
            "        if not (0 <= r < len(grid) and 0 <= c < len(grid[r])):\n"
            "            return\n"
            "        if grid[r][c] != '#' or (r, c) in seen:\n"
            "            return\n"
            "        seen.add((r, c))\n"
            "        sink(r + 1, c)\n"
            "        sink(r - 1, c)\n"
            "        sink(r, c + 1)\n"
            "        sink(r, c - 1)\n"
            "\n"
            "    islands = 0\n"
            "    for r in range(len(grid)):\n"
            "        for c in range(len(grid[r])):\n"
            "            if grid[r][c] == '#' and (r, c) not in seen:\n"
            "                islands += 1\n"
            "                sink(r, c)\n"
            "    return islands\n",
            "def count_islands(grid):\n"
            "    seen = set()\n"
            "    islands = 0\n"
            "    for r, row in enumerate(grid):\n"
            "        for c, cell in enumerate(row):\n"
            "            if cell != '#' or (r, c) in seen:\n"
            "                continue\n"
            "            islands += 1\n"
            "            seen.add((r, c))\n"
            "            stack = [(r, c)]\n"
            "            while stack:\n"
            "                y, x = stack.pop()\n"
            "                for dy in (-1, 0, 1):\n"
            "                    for dx in (-1, 0, 1):\n"
            "                        ny, nx = y + dy, x + dx\n"
            "                        if (0 <= ny < len(grid) and 0 <= nx < len(grid[ny])\n"
            "                                and grid[ny][nx] == '#' and (ny, nx) not in seen):\n"
            "                            seen.add((ny, nx))\n"
            "                            stack.append((ny, nx))\n"
            "    return islands\n",
        ),
        large=_islands_large,
    ),
    FunctionProblem(
        slug="word-break",
        title="Word break",
        difficulty=4,
        signature="word_break(text: str, words: list[str]) -> bool",
        description=(
            "It returns True when the text can be split into a sequence of words from the list "
            "(a word may be used many times); the empty text needs no words, so it gives True. "
            "The text can be 300 characters long."
        ),
        tests=(
            (("leetcode", ["leet", "code"]), True),
            (("", ["a"]), True),
            (("applepenapple", ["apple", "pen"]), True),
            (("catsandog", ["cats", "dog", "sand", "and", "cat"]), False),
            (("a", []), False),
            (("aaaa", ["aa"]), True),
            (("aaa", ["aa"]), False),
        ),
        reference=(
            "def word_break(text, words):\n"
            "    vocabulary = set(words)\n"
            "    lengths = sorted({len(w) for w in vocabulary if w})\n"
            "    ok = [True] + [False] * len(text)\n"
            "    for end in range(1, len(text) + 1):\n"
            "        ok[end] = any(ok[end - n] and text[end - n:end] in vocabulary\n"
            "                      for n in lengths if n <= end)\n"
            "    return ok[len(text)]\n"
        ),
        wrong=(
            "def word_break(text, words):\n"
            "    if not text:\n"
            "        return True\n"
            "    return any(text.startswith(w) and word_break(text[len(w):], words)\n"
            "               for w in words if w)\n",
        ),
        large=lambda rng: [
            ("a" * 299 + "b", ["a", "aa", "aaa", "aaaa", "aaaaa"]),
            (
                "".join(rng.choice(["ab", "abc", "cab", "b"]) for _ in range(120)),
                ["ab", "abc", "cab", "b"],
            ),
        ],
    ),
    FunctionProblem(
        slug="can-finish",
        title="Course schedule",
        difficulty=4,
        signature="can_finish(courses: int, prerequisites: list[list[int]]) -> bool",
        description=(
            "Courses are numbered 0 to courses - 1; a pair [a, b] means course b must be taken "
            "before course a. It returns True when all courses can be finished, that is when "
            "the prerequisites have no cycle. There can be 5,000 courses and 5,000 pairs."
        ),
        tests=(
            ((2, [[1, 0]]), True),
            ((2, [[1, 0], [0, 1]]), False),
            ((1, []), True),
            ((0, []), True),
            ((3, [[0, 0]]), False),
            ((4, [[1, 0], [2, 1], [3, 2]]), True),
            ((3, [[0, 1], [1, 2], [2, 0]]), False),
        ),
        reference=(
            "from collections import deque\n\n\n"
            "def can_finish(courses, prerequisites):\n"
            "    after = [[] for _ in range(courses)]\n"
            "    waiting = [0] * courses\n"
            "    for course, first in prerequisites:\n"
            "        after[first].append(course)\n"
            "        waiting[course] += 1\n"
            "    ready = deque(c for c in range(courses) if waiting[c] == 0)\n"
            "    done = 0\n"
            "    while ready:\n"
            "        done += 1\n"
            "        for nxt in after[ready.popleft()]:\n"
            "            waiting[nxt] -= 1\n"
            "            if waiting[nxt] == 0:\n"
            "                ready.append(nxt)\n"
            "    return done == courses\n"
        ),
        wrong=(
            "def can_finish(courses, prerequisites):\n"
            "    after = [[] for _ in range(courses)]\n"
            "    for course, first in prerequisites:\n"
            "        after[first].append(course)\n"
            "    state = [0] * courses\n"
            "\n"
            "    def has_cycle(node):\n"
            "        if state[node] == 1:\n"
            "            return True\n"
            "        if state[node] == 2:\n"
            "            return False\n"
            "        state[node] = 1\n"
            "        if any(has_cycle(nxt) for nxt in after[node]):\n"
            "            return True\n"
            "        state[node] = 2\n"
            "        return False\n"
            "\n"
            "    return not any(has_cycle(c) for c in range(courses))\n",
        ),
        large=_courses_large,
    ),
    FunctionProblem(
        slug="knapsack",
        title="0/1 knapsack",
        difficulty=4,
        signature="knapsack(weights: list[int], values: list[int], capacity: int) -> int",
        description=(
            "Item i weighs weights[i] and is worth values[i]. It returns the largest total "
            "value of items whose total weight is at most capacity, taking each item at most "
            "once. There can be 60 items and a capacity of 5,000."
        ),
        tests=(
            (([1, 3, 4, 5], [1, 4, 5, 7], 7), 9),
            (([], [], 10), 0),
            (([5], [10], 4), 0),
            (([5], [10], 5), 10),
            (([2, 2, 2], [3, 3, 3], 5), 6),
            (([1, 2, 3], [6, 10, 12], 5), 22),
        ),
        reference=(
            "def knapsack(weights, values, capacity):\n"
            "    best = [0] * (capacity + 1)\n"
            "    for weight, value in zip(weights, values):\n"
            "        for room in range(capacity, weight - 1, -1):\n"
            "            best[room] = max(best[room], best[room - weight] + value)\n"
            "    return best[capacity]\n"
        ),
        wrong=(
            "def knapsack(weights, values, capacity):\n"
            "    best = [0] * (capacity + 1)\n"
            "    for weight, value in zip(weights, values):\n"
            "        for room in range(weight, capacity + 1):\n"
            "            best[room] = max(best[room], best[room - weight] + value)\n"
            "    return best[capacity]\n",
        ),
        large=lambda rng: [(_ints(rng, 60, 1, 500), _ints(rng, 60, 1, 1000), 5000)],
    ),
    FunctionProblem(
        slug="num-decodings",
        title="Decode ways",
        difficulty=4,
        signature="num_decodings(digits: str) -> int",
        description=(
            "Letters are written as numbers: A = 1, B = 2, ..., Z = 26. It returns the number "
            "of ways to decode the digit string back into letters, modulo 1,000,000,007. A "
            'piece like "06" decodes to nothing, and the empty string has one decoding. The '
            "string can be 10,000 digits long."
        ),
        tests=(
            (("226",), 3),
            (("",), 1),
            (("0",), 0),
            (("06",), 0),
            (("10",), 1),
            (("27",), 1),
            (("11106",), 2),
            (("1111",), 5),
        ),
        reference=(
            "def num_decodings(digits):\n"
            "    mod = 1_000_000_007\n"
            "    before, current = 1, 1\n"
            "    for i, d in enumerate(digits):\n"
            "        ways = current if d != '0' else 0\n"
            "        if i > 0 and 10 <= int(digits[i - 1:i + 1]) <= 26:\n"
            "            ways += before\n"
            "        before, current = current, ways % mod\n"
            "    return current\n"
        ),
        wrong=(
            "def num_decodings(digits):\n"
            "    before, current = 1, 1\n"
            "    for i, d in enumerate(digits):\n"
            "        ways = current if d != '0' else 0\n"
            "        if i > 0 and 10 <= int(digits[i - 1:i + 1]) <= 26:\n"
            "            ways += before\n"
            "        before, current = current, ways\n"
            "    return current\n",
        ),
        large=lambda rng: [
            ("1" * 10_000,),
            ("".join(rng.choice("1112226") for _ in range(10_000)),),
        ],
    ),
    # --- difficulty 5: the algorithm is the problem ---
    FunctionProblem(
        slug="shortest-path",
        title="Shortest route",
        difficulty=5,
        signature=(
            "shortest_path(nodes: int, edges: list[list[int]], source: int, target: int) -> int"
        ),
        description=(
            "Nodes are numbered 0 to nodes - 1; each edge [u, v, w] is a one-way road from u to "
            "v of length w >= 0. It returns the length of the shortest route from source to "
            "target, or -1 if there is none. There can be 8,000 nodes and 16,000 edges."
        ),
        tests=(
            ((4, [[0, 1, 4], [0, 2, 1], [2, 1, 2], [1, 3, 1]], 0, 3), 4),
            ((1, [], 0, 0), 0),
            ((2, [], 0, 1), -1),
            ((3, [[0, 1, 5], [1, 2, 5], [0, 2, 20]], 0, 2), 10),
            ((3, [[1, 0, 1]], 0, 1), -1),
            ((3, [[0, 1, 0], [1, 2, 0]], 0, 2), 0),
            ((4, [[0, 1, 1], [0, 2, 1], [1, 3, 5], [2, 3, 1], [0, 3, 3]], 0, 3), 2),
        ),
        reference=(
            "import heapq\n\n\n"
            "def shortest_path(nodes, edges, source, target):\n"
            "    roads = [[] for _ in range(nodes)]\n"
            "    for u, v, w in edges:\n"
            "        roads[u].append((v, w))\n"
            "    best = {source: 0}\n"
            "    heap = [(0, source)]\n"
            "    while heap:\n"
            "        d, u = heapq.heappop(heap)\n"
            "        if u == target:\n"
            "            return d\n"
            "        if d > best[u]:\n"
            "            continue\n"
            "        for v, w in roads[u]:\n"
            "            if d + w < best.get(v, float('inf')):\n"
            "                best[v] = d + w\n"
            "                heapq.heappush(heap, (d + w, v))\n"
            "    return -1\n"
        ),
        wrong=(
            "import heapq\n\n\n"
            "def shortest_path(nodes, edges, source, target):\n"
            "    roads = [[] for _ in range(nodes)]\n"
            "    for u, v, w in edges:\n"
            "        roads[u].append((v, w))\n"
            "    best = {source: 0}\n"
            "    heap = [(0, source)]\n"
            "    while heap:\n"
            "        d, u = heapq.heappop(heap)\n"
            "        for v, w in roads[u]:\n"
            "            if v not in best:\n"
            "                best[v] = d + w\n"
            "                heapq.heappush(heap, (d + w, v))\n"
            "    return best.get(target, -1)\n",
        ),
        large=_shortest_path_large,
    ),
    FunctionProblem(
        slug="count-inversions",
        title="Count inversions",
        difficulty=5,
        signature="count_inversions(numbers: list[int]) -> int",
        description=(
            "It returns the number of pairs i < j with numbers[i] > numbers[j]. The list can "
            "hold 30,000 numbers."
        ),
        tests=(
            (([2, 4, 1, 3, 5],), 3),
            (([],), 0),
            (([1],), 0),
            (([1, 2, 3],), 0),
            (([3, 2, 1],), 3),
            (([2, 2, 2],), 0),
            (([5, 1, 5, 1],), 3),
        ),
        reference=(
            "def count_inversions(numbers):\n"
            "    def sort(items):\n"
            "        if len(items) <= 1:\n"
            "            return items, 0\n"
            "        middle = len(items) // 2\n"
            "        left, a = sort(items[:middle])\n"
            "        right, b = sort(items[middle:])\n"
            "        merged, count, i, j = [], a + b, 0, 0\n"
            "        while i < len(left) and j < len(right):\n"
            "            if right[j] < left[i]:\n"
            "                merged.append(right[j])\n"
            "                count += len(left) - i\n"
            "                j += 1\n"
            "            else:\n"
            "                merged.append(left[i])\n"
            "                i += 1\n"
            "        merged += left[i:] + right[j:]\n"
            "        return merged, count\n"
            "\n"
            "    return sort(list(numbers))[1]\n"
        ),
        wrong=(
            "def count_inversions(numbers):\n"
            "    count = 0\n"
            "    for i in range(len(numbers)):\n"
            "        for j in range(i + 1, len(numbers)):\n"
            "            if numbers[i] > numbers[j]:\n"
            "                count += 1\n"
            "    return count\n",
        ),
        large=lambda rng: [(_ints(rng, 30_000, 0, 99_999),)],
    ),
    FunctionProblem(
        slug="min-window",
        title="Minimum window substring",
        difficulty=5,
        signature="min_window(text: str, letters: str) -> str",
        description=(
            "It returns the shortest substring of text that holds every character of the "
            'non-empty string letters, counting repeats ("aab" needs two a\'s and a b). Of '
            'several shortest ones it returns the leftmost; if there is none, "". The text can '
            "be 100,000 characters long."
        ),
        tests=(
            (("ADOBECODEBANC", "ABC"), "BANC"),
            (("a", "a"), "a"),
            (("a", "aa"), ""),
            (("", "a"), ""),
            (("aab", "ab"), "ab"),
            (("xyz", "z"), "z"),
            (("abcabdebac", "cda"), "cabd"),
            (("baab", "ab"), "ba"),
        ),
        reference=(
            "from collections import Counter\n\n\n"
            "def min_window(text, letters):\n"
            "    need = Counter(letters)\n"
            "    missing = len(letters)\n"
            "    best = None\n"
            "    left = 0\n"
            "    for right, ch in enumerate(text, 1):\n"
            "        if need[ch] > 0:\n"
            "            missing -= 1\n"
            "        need[ch] -= 1\n"
            "        if missing == 0:\n"
            "            while need[text[left]] < 0:\n"
            "                need[text[left]] += 1\n"
            "                left += 1\n"
            "            if best is None or right - left < best[1] - best[0]:\n"
            "                best = (left, right)\n"
            "            need[text[left]] += 1\n"
            "            missing += 1\n"
            "            left += 1\n"
            "    return text[best[0]:best[1]] if best else ''\n"
        ),
        wrong=(
            "from collections import Counter\n\n\n"
            "def min_window(text, letters):\n"
            "    need = Counter(set(letters))\n"
            "    missing = len(set(letters))\n"
            "    best = None\n"
            "    left = 0\n"
            "    for right, ch in enumerate(text, 1):\n"
            "        if need[ch] > 0:\n"
            "            missing -= 1\n"
            "        need[ch] -= 1\n"
            "        if missing == 0:\n"
            "            while need[text[left]] < 0:\n"
            "                need[text[left]] += 1\n"
            "                left += 1\n"
            "            if best is None or right - left < best[1] - best[0]:\n"
            "                best = (left, right)\n"
            "            need[text[left]] += 1\n"
            "            missing += 1\n"
            "            left += 1\n"
            "    return text[best[0]:best[1]] if best else ''\n",
        ),
        large=_min_window_large,
    ),
    FunctionProblem(
        slug="sliding-window-max",
        title="Sliding window maximum",
        difficulty=5,
        signature="sliding_window_max(numbers: list[int], k: int) -> list[int]",
        description=(
            "It returns the largest number of each window of k consecutive numbers, from left "
            "to right: len(numbers) - k + 1 values. 1 <= k <= len(numbers) <= 60,000."
        ),
        tests=(
            (([1, 3, -1, -3, 5, 3, 6, 7], 3), [3, 3, 5, 5, 6, 7]),
            (([5], 1), [5]),
            (([4, 2], 2), [4]),
            (([1, 2, 3], 1), [1, 2, 3]),
            (([9, 8, 7, 6], 2), [9, 8, 7]),
            (([2, 2, 2, 2], 3), [2, 2]),
            (([1, 2, 3, 4, 5], 2), [2, 3, 4, 5]),
        ),
        reference=(
            "from collections import deque\n\n\n"
            "def sliding_window_max(numbers, k):\n"
            "    window = deque()\n"
            "    out = []\n"
            "    for i, x in enumerate(numbers):\n"
            "        while window and numbers[window[-1]] <= x:\n"
            "            window.pop()\n"
            "        window.append(i)\n"
            "        if window[0] <= i - k:\n"
            "            window.popleft()\n"
            "        if i >= k - 1:\n"
            "            out.append(numbers[window[0]])\n"
            "    return out\n"
        ),
        wrong=(
            "from collections import deque\n\n\n"
            "def sliding_window_max(numbers, k):\n"
            "    window = deque()\n"
            "    out = []\n"
            "    for i, x in enumerate(numbers):\n"
            "        while window and numbers[window[-1]] <= x:\n"
            "            window.pop()\n"
            "        window.append(i)\n"
            "        if window[0] < i - k:\n"
            "            window.popleft()\n"
            "        if i >= k - 1:\n"
            "            out.append(numbers[window[0]])\n"
            "    return out\n",
        ),
        large=lambda rng: [(_ints(rng, 60_000, 0, 999), 30_000)],
    ),
    FunctionProblem(
        slug="largest-rectangle",
        title="Largest rectangle in a histogram",
        difficulty=5,
        signature="largest_rectangle(heights: list[int]) -> int",
        description=(
            "heights are the bars of a histogram, each 1 wide. It returns the area of the "
            "largest rectangle that fits inside the histogram. There can be 20,000 bars."
        ),
        tests=(
            (([2, 1, 5, 6, 2, 3],), 10),
            (([],), 0),
            (([5],), 5),
            (([2, 4],), 4),
            (([1, 1, 1, 1],), 4),
            (([0, 0],), 0),
            (([6, 2, 5, 4, 5, 1, 6],), 12),
        ),
        reference=(
            "def largest_rectangle(heights):\n"
            "    stack = []\n"
            "    best = 0\n"
            "    for i, h in enumerate(list(heights) + [0]):\n"
            "        start = i\n"
            "        while stack and stack[-1][1] >= h:\n"
            "            start, top = stack.pop()\n"
            "            best = max(best, top * (i - start))\n"
            "        stack.append((start, h))\n"
            "    return best\n"
        ),
        wrong=(
            "def largest_rectangle(heights):\n"
            "    stack = []\n"
            "    best = 0\n"
            "    for i, h in enumerate(heights):\n"
            "        start = i\n"
            "        while stack and stack[-1][1] >= h:\n"
            "            start, top = stack.pop()\n"
            "            best = max(best, top * (i - start))\n"
            "        stack.append((start, h))\n"
            "    return best\n",
        ),
        large=lambda rng: [(_ints(rng, 20_000, 0, 9_999),), (list(range(20_000)),)],
    ),
)
