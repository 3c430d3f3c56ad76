"""The `code` environment: a fixed set of programming problems, or your own code rows.

The built-in set is written for rlvr: Python functions judged by I/O tests on their return
values, and stdio programs in Python, C and C++, at difficulties 1 (one-liners) to 5 (the
algorithm is the problem). It is content, kept as problem records beside this module
(`data/code/functions.jsonl`, `data/code/programs.jsonl`, shipped as package data): prompt,
hand-written tests, and in `meta` the title, the reference solution and the wrong solutions
the tests must catch. It is fixed, not generated: `seed` changes nothing, and a problem's id
is `code/<slug>` in every run. From difficulty 3 up, large tests are appended when the set is
built (about a second, then kept for the process): inputs generated from a fixed seed, their
expected outputs computed by the reference (functions, `rlvr.environments.code_problems`) or
a trusted oracle (programs, `rlvr.environments.code_programs`).

With `data=FILE`, the rows of that file are the problems instead: HumanEval (`task_id`,
`prompt`, `test`, `entry_point`), MBPP (`task_id`, `text` or `prompt`, `test_list`) or rlvr
code records (`language`, and `tests` or `test` + `entry_point`; see docs/code.md). Every row
is checked against the verifier's reading of it when the file is loaded.

Prompts say the language and ask for one fenced code block; by default they follow one worked
exchange (`shots`) in the same form. The trainer renders them with the model's chat template.
"""

from __future__ import annotations

import ast
import json
import random
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from rlvr.cache import cached_records
from rlvr.environments import code_problems, code_programs
from rlvr.environments.code_problems import LARGE_INPUTS
from rlvr.environments.code_programs import LARGE_TESTS
from rlvr.errors import RecordError
from rlvr.protocols import Message, Split
from rlvr.records import Record, load_records, read_rows, split_of
from rlvr.verifiers.code_extract import defines
from rlvr.verifiers.code_harness import encode
from rlvr.verifiers.code_task import LANGUAGE_ALIASES, LANGUAGES, TaskError, read_task

LANGUAGE_NAMES = {"python": "Python", "c": "C", "cpp": "C++"}
MAX_DIFFICULTY = 5


def instruction(language: str, kind: str) -> str:
    """How to answer: what to write, in one fenced block tagged with the language."""
    what = "function" if kind == "function" else "program"
    return f"Answer with the complete {what} in one ```{language} code block."


def _shot(language: str, kind: str, question: str, answer: str) -> list[Message]:
    return [
        {"role": "user", "content": f"{question}\n\n{instruction(language, kind)}"},
        {"role": "assistant", "content": f"```{language}\n{answer}```"},
    ]


_LARGER = (
    "Print the larger of two integers.\n\n"
    "Input: a and b on one line.\nOutput: the larger one.\n\n"
    "Example input:\n3 7\nExample output:\n7"
)
SHOTS: dict[tuple[str, str], list[Message]] = {
    ("python", "function"): _shot(
        "python",
        "function",
        "Write a Python function `double(x: int) -> int`. It returns twice x.\n\n"
        "Example: `double(3)` returns `6`.",
        "def double(x: int) -> int:\n    return 2 * x\n",
    ),
    ("python", "stdio"): _shot(
        "python",
        "stdio",
        f"Write a Python program. {_LARGER}",
        "a, b = map(int, input().split())\nprint(max(a, b))\n",
    ),
    ("c", "stdio"): _shot(
        "c",
        "stdio",
        f"Write a C program. {_LARGER}",
        "#include <stdio.h>\n\nint main(void) {\n    long long a, b;\n"
        '    scanf("%lld %lld", &a, &b);\n    printf("%lld\\n", a > b ? a : b);\n'
        "    return 0;\n}\n",
    ),
    ("cpp", "stdio"): _shot(
        "cpp",
        "stdio",
        f"Write a C++ program. {_LARGER}",
        "#include <algorithm>\n#include <iostream>\n\nint main() {\n    long long a, b;\n"
        '    std::cin >> a >> b;\n    std::cout << std::max(a, b) << "\\n";\n}\n',
    ),
}
"""One worked exchange per language and kind: a problem that is not in the set (nothing to
copy), answered in the exact form the verifier reads (tests/environments/test_code.py scores
each answer)."""


class CodeEnvironment:
    name = "code"
    verifier = "code"
    # Training and evaluation score alike: all or nothing, the verifier's default (a share
    # of tests passed pays stubs that pass a few; docs/code.md).
    training_verifier_options: Mapping[str, Any] = {}

    def __init__(
        self,
        *,
        seed: int = 0,
        data: str | Path | None = None,
        heldout_fraction: float = 0.2,
        languages: Sequence[str] | None = None,
        max_difficulty: int | None = None,
        shots: int = 1,
    ) -> None:
        if languages is not None:
            if isinstance(languages, str):
                languages = [languages]
            unknown = sorted(set(map(_language, languages)) - set(LANGUAGES))
            if unknown:
                raise ValueError(f"unknown languages {unknown}; known: {list(LANGUAGES)}")
        if not 0 <= heldout_fraction < 1:
            raise ValueError(f"heldout_fraction must be in [0, 1), got {heldout_fraction}")
        if max_difficulty is not None and not 1 <= max_difficulty <= MAX_DIFFICULTY:
            raise ValueError(f"max_difficulty must be 1 to {MAX_DIFFICULTY}, got {max_difficulty}")
        if shots not in (0, 1):
            raise ValueError(f"shots must be 0 or 1, got {shots}")
        self.seed = seed
        self.data = data
        self.heldout_fraction = heldout_fraction
        self.languages = None if languages is None else {_language(x) for x in languages}
        self.max_difficulty = max_difficulty
        self.shots = shots
        self._pool: list[Record] | None = None

    def problems(self, split: Split = "train") -> list[Record]:
        return [p for p in self._all() if split_of(str(p["id"]), self.heldout_fraction) == split]

    def prompt(self, problem: Mapping[str, Any]) -> list[Message]:
        text = problem["prompt"]
        if isinstance(text, list):
            return [dict(m) for m in text]
        language, kind = _language(problem.get("language") or "python"), kind_of(problem)
        entry_point = problem.get("entry_point")
        if language == "python" and isinstance(entry_point, str) and _is_stub(text, entry_point):
            # HumanEval: the prompt is the function's signature and docstring
            text = f"Complete this Python function:\n```python\n{text.rstrip()}\n```"
        shot = [dict(m) for m in SHOTS.get((language, kind), [])] if self.shots else []
        return [*shot, {"role": "user", "content": f"{text}\n\n{instruction(language, kind)}"}]

    def _all(self) -> list[Record]:
        if self._pool is None:
            records = self._load() if self.data else builtin_records()
            self._pool = [r for r in records if self._wanted(r)]
        return self._pool

    def _wanted(self, record: Mapping[str, Any]) -> bool:
        language = _language(record.get("language") or "python")
        if self.languages is not None and language not in self.languages:
            return False
        difficulty = record.get("difficulty")
        return not (
            self.max_difficulty is not None
            and difficulty is not None
            and difficulty > self.max_difficulty
        )

    def _load(self) -> list[Record]:
        assert self.data is not None
        records = []
        # load_records yields one record per row, in order: pair them to say where
        lines = (line_no for line_no, _ in read_rows(self.data))
        for line_no, record in zip(lines, load_records(self.data, env="code"), strict=False):
            try:
                read_task(record, "python", 0.0)
            except TaskError as exc:
                raise RecordError(str(exc), path=self.data, line=line_no, field=exc.field) from None
            records.append(record)
        return records


def kind_of(problem: Mapping[str, Any]) -> str:
    """A problem's kind: `stdio` for a program judged on its output, else `function`."""
    tests = problem.get("tests")
    if isinstance(tests, list) and tests and isinstance(tests[0], Mapping) and "stdin" in tests[0]:
        return "stdio"
    return "function"


def _language(name: Any) -> str:
    text = str(name).lower()
    return LANGUAGE_ALIASES.get(text, text)


def _is_stub(text: str, entry_point: str) -> bool:
    """Python source that declares the entry point (a HumanEval prompt), not prose."""
    if not defines(text, entry_point):
        return False
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# --- the built-in set -------------------------------------------------------------------------


DATA = Path(__file__).resolve().parent / "data" / "code"
FUNCTIONS_FILE = DATA / "functions.jsonl"
PROGRAMS_FILE = DATA / "programs.jsonl"


@cache
def builtin_records() -> tuple[Record, ...]:
    """Every built-in problem as a record, large tests computed by the reference solutions;
    built once per machine (rlvr/cache.py: seconds of work in every process before)."""
    sources = [
        Path(__file__),
        Path(code_problems.__file__),
        Path(code_programs.__file__),
        FUNCTIONS_FILE,
        PROGRAMS_FILE,
    ]
    return tuple(cached_records("code", {}, sources, _build_records))


def _build_records() -> list[Record]:
    functions = [_with_large_inputs(r) for r in _read(FUNCTIONS_FILE)]
    return functions + [_with_large_stdin(r) for r in _read(PROGRAMS_FILE)]


def slug_of(record: Mapping[str, Any]) -> str:
    return str(record["id"]).removeprefix("code/")


def _read(path: Path) -> list[Record]:
    """Our own records: a broken line is a bug of this package, reported as such."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _with_large_inputs(record: Record) -> Record:
    generate = LARGE_INPUTS.get(slug_of(record))
    if generate is None:
        return record
    reference = _compiled(record["meta"]["reference"], record["entry_point"])
    tests = list(record["tests"])
    for args in generate(random.Random(f"rlvr-code/{slug_of(record)}")):
        encoded = encode(list(args))  # taken before the reference could mutate the arguments
        tests.append({"input": encoded, "output": encode(reference(*args))})
    return {**record, "tests": tests}


def _with_large_stdin(record: Record) -> Record:
    large = LARGE_TESTS.get(slug_of(record))
    if large is None:
        return record
    generate, solve = large
    stdins = generate(random.Random(f"rlvr-code/{slug_of(record)}"))
    tests = [*record["tests"], *({"stdin": s, "stdout": solve(s)} for s in stdins)]
    return {**record, "tests": tests}


def _compiled(source: str, entry_point: str) -> Callable[..., Any]:
    """A reference solution as a function of this process: our own code, never a completion."""
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<reference {entry_point}>", "exec"), namespace)
    return namespace[entry_point]
