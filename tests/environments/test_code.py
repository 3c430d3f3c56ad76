"""The code environment: the built-in set (size, mix, ids, splits), every reference solution
accepted and every wrong one caught by the real verifier in its sandbox, prompts, loaders
for HumanEval, MBPP and plain rows, and `rlvr problems code`."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rlvr import RecordError, get_environment
from rlvr.environments.code import (
    FUNCTIONS_FILE,
    PROGRAMS_FILE,
    SHOTS,
    CodeEnvironment,
    builtin_records,
    kind_of,
    slug_of,
)
from rlvr.environments.code_problems import LARGE_INPUTS
from rlvr.environments.code_programs import LARGE_TESTS
from rlvr.records import split_of
from rlvr.verifiers.code import CodeVerifier
from rlvr.verifiers.code_harness import decode

RunCli = Callable[..., subprocess.CompletedProcess[str]]

ENV = CodeEnvironment()
ALL = ENV.problems("train") + ENV.problems("heldout")
BY_ID = {p["id"]: p for p in ALL}


def test_registered_through_its_entry_point() -> None:
    env = get_environment("code", seed=3)
    assert isinstance(env, CodeEnvironment)
    assert env.verifier == "code"


def test_the_set_has_at_least_sixty_problems_in_the_promised_mix() -> None:
    assert len(ALL) >= 60
    mix = Counter((p["language"], kind_of(p)) for p in ALL)
    assert mix[("python", "function")] >= 30
    assert mix[("python", "stdio")] >= 10
    assert mix[("c", "stdio")] >= 8
    assert mix[("cpp", "stdio")] >= 8
    assert set(mix) == {
        ("python", "function"),
        ("python", "stdio"),
        ("c", "stdio"),
        ("cpp", "stdio"),
    }


def test_every_difficulty_from_one_to_five_is_well_populated() -> None:
    spread = Counter(p["difficulty"] for p in ALL)
    assert set(spread) == {1, 2, 3, 4, 5}
    assert min(spread.values()) >= 10
    for language in ("python", "c", "cpp"):
        levels = {p["difficulty"] for p in ALL if p["language"] == language}
        assert levels == {1, 2, 3, 4, 5}, language


def test_ids_are_unique_named_by_slug_and_the_same_whatever_the_seed() -> None:
    ids = [p["id"] for p in ALL]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"code/[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    other_seed = CodeEnvironment(seed=7)
    assert [p["id"] for p in other_seed.problems("train")] == [p["id"] for p in ENV.problems()]


def test_splits_are_disjoint_fixed_by_the_id_and_roughly_a_fifth_held_out() -> None:
    train = {p["id"] for p in ENV.problems("train")}
    heldout = {p["id"] for p in ENV.problems("heldout")}
    assert not train & heldout
    assert train | heldout == set(BY_ID)
    assert all(split_of(i, 0.2) == "heldout" for i in heldout)
    assert 0.1 <= len(heldout) / len(BY_ID) <= 0.3
    assert CodeEnvironment(heldout_fraction=0.0).problems("heldout") == []


def test_every_problem_has_an_example_and_at_least_five_more_tests() -> None:
    for problem in ALL:
        assert len(problem["tests"]) >= 6, problem["id"]


def stored(path: Path) -> list[dict[str, Any]]:
    """The problem records as the data file holds them (no large tests)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


FUNCTION_ROWS, PROGRAM_ROWS = stored(FUNCTIONS_FILE), stored(PROGRAMS_FILE)


def test_the_data_files_hold_every_problem_as_a_valid_record_once() -> None:
    ids = [row["id"] for row in FUNCTION_ROWS + PROGRAM_ROWS]
    assert sorted(ids) == sorted(BY_ID)
    for row in FUNCTION_ROWS + PROGRAM_ROWS:
        assert row["env"] == "code"
        assert set(row) <= {"id", "env", "language", "prompt", "entry_point", "tests"} | {
            "difficulty",
            "meta",
        }, row["id"]
    assert {kind_of(row) for row in FUNCTION_ROWS} == {"function"}
    assert {kind_of(row) for row in PROGRAM_ROWS} == {"stdio"}


def test_problems_from_difficulty_three_end_with_large_tests() -> None:
    """Whether a large test is large enough is the sandbox check's business (the too-slow
    wrong solutions time out on them); here, that every such problem has them."""
    generated = set(LARGE_INPUTS) | set(LARGE_TESTS)
    assert generated <= {slug_of(row) for row in FUNCTION_ROWS + PROGRAM_ROWS}
    for row in FUNCTION_ROWS + PROGRAM_ROWS:
        if row["difficulty"] < 3:
            continue
        assert slug_of(row) in generated, row["id"]
        assert len(BY_ID[row["id"]]["tests"]) > len(row["tests"]), row["id"]


def test_the_worked_example_is_the_first_test_and_the_oracle_agrees_with_it() -> None:
    for row in PROGRAM_ROWS:
        example = row["tests"][0]
        assert (
            f"Example input:\n{example['stdin']}Example output:\n{example['stdout']}".rstrip()
            in (row["prompt"])
        ), row["id"]
        if slug_of(row) in LARGE_TESTS:
            _, solve = LARGE_TESTS[slug_of(row)]
            assert solve(example["stdin"]) == example["stdout"], row["id"]
        assert BY_ID[row["id"]]["tests"][0] == example
    for row in FUNCTION_ROWS:
        example = row["tests"][0]
        expected = decode(example["output"])
        assert f"returns `{expected!r}`" in row["prompt"], row["id"]
        assert BY_ID[row["id"]]["tests"][0] == example


def test_every_problem_ships_a_reference_and_a_wrong_solution() -> None:
    for problem in ALL:
        assert problem["meta"]["reference"].strip(), problem["id"]
        assert problem["meta"]["wrong"], problem["id"]
        assert problem["meta"]["kind"] == kind_of(problem)
        assert problem["meta"]["title"]


def fenced(language: str, code: str) -> str:
    return f"```{language}\n{code}```"


def test_references_pass_and_wrong_solutions_fail_in_the_sandbox(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """Every reference scores 1 and every wrong solution (off by one, a missed edge case, too
    slow) below 1, through `rlvr verify` with the default verifier and two workers. The worked
    exchanges of the prompts are checked the same way: what they teach is what the verifier
    reads."""
    rows: list[dict[str, Any]] = []
    for problem in ALL:
        record = {k: v for k, v in problem.items() if k != "meta"}
        language = record["language"]
        reference = fenced(language, problem["meta"]["reference"])
        rows.append({**record, "id": f"{record['id']}#reference", "completion": reference})
        for i, wrong in enumerate(problem["meta"]["wrong"]):
            completion = fenced(language, wrong)
            rows.append({**record, "id": f"{record['id']}#wrong{i}", "completion": completion})
    larger = {
        "tests": [{"stdin": "3 7\n", "stdout": "7\n"}, {"stdin": "-2 -9\n", "stdout": "-2\n"}]
    }
    for (language, kind), (_, answer) in SHOTS.items():
        tests = {"entry_point": "double", "tests": [{"input": [3], "output": 6}]}
        shot = tests if kind == "function" else larger
        row = {"id": f"shot/{language}/{kind}", "env": "code", "prompt": "-", **shot}
        rows.append({**row, "language": language, "completion": answer["content"]})
    in_path, out_path = tmp_path / "rows.jsonl", tmp_path / "scored.jsonl"
    in_path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    result = run_cli("verify", "--in", in_path, "--out", out_path, "--workers", "2")

    assert result.returncode == 0, result.stderr
    scored = [json.loads(line) for line in out_path.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in scored] == [row["id"] for row in rows]
    failures = []
    for row in scored:
        should_pass = "#wrong" not in row["id"]
        if row["reward"] is None or (row["reward"] == 1.0) != should_pass:
            failures.append((row["id"], row["reward"], row["info"].get("counts"), row["info"]))
    assert failures == []
    # the set has teeth for time: some wrong solutions are right but too slow
    timed_out = [r["id"] for r in scored if r["info"].get("counts", {}).get("timeout")]
    assert timed_out
    assert all("#wrong" in i for i in timed_out)


# --- prompts --------------------------------------------------------------------------------


def test_a_function_prompt_shows_the_signature_and_one_worked_example() -> None:
    problem = BY_ID["code/two-sum"]
    assert problem["prompt"].startswith(
        "Write a Python function `two_sum(numbers: list[int], target: int) -> list[int]`."
    )
    assert "Example: `two_sum([2, 7, 11, 15], 9)` returns `[0, 1]`." in problem["prompt"]
    *shot, question = ENV.prompt(problem)
    assert [m["role"] for m in shot] == ["user", "assistant"]
    assert shot[1]["content"].startswith("```python\ndef double(")
    assert question["role"] == "user"
    assert question["content"].startswith(problem["prompt"])
    assert question["content"].endswith(
        "Answer with the complete function in one ```python code block."
    )


@pytest.mark.parametrize(
    ("slug", "language", "tag"),
    [("sum-line", "Python", "python"), ("big-sum", "C", "c"), ("binomial-mod", "C++", "cpp")],
)
def test_a_program_prompt_shows_the_io_format_and_one_worked_example(
    slug: str, language: str, tag: str
) -> None:
    problem = BY_ID[f"code/{slug}"]
    stdin, stdout = problem["tests"][0]["stdin"], problem["tests"][0]["stdout"]
    text = problem["prompt"]
    assert text.startswith(f"Write a {language} program. ")
    assert "\nInput: " in text
    assert "\nOutput: " in text
    assert f"Example input:\n{stdin}Example output:\n{stdout.rstrip()}" in text
    shot_question, shot_answer, question = ENV.prompt(problem)
    assert shot_answer["content"].startswith(f"```{tag}\n")
    assert f"```{tag} code block" in shot_question["content"]
    assert (
        question["content"]
        == f"{text}\n\nAnswer with the complete program in one ```{tag} code block."
    )


def test_prompts_without_the_worked_exchange() -> None:
    (question,) = CodeEnvironment(shots=0).prompt(BY_ID["code/total"])
    assert question["role"] == "user"
    assert "```python code block" in question["content"]


def test_no_prompt_gives_away_a_hidden_test_or_the_reference() -> None:
    for problem in ALL:
        text = "\n".join(m["content"] for m in ENV.prompt(problem)[2:])
        assert problem["meta"]["reference"].strip() not in text
        if kind_of(problem) == "stdio":
            for test in problem["tests"][1:]:
                shown = test["stdin"].strip() and f"Example input:\n{test['stdin']}" in text
                assert not shown, problem["id"]


# --- options ----------------------------------------------------------------------------------


def test_languages_and_max_difficulty_narrow_the_set() -> None:
    c_only = CodeEnvironment(languages=["c"], heldout_fraction=0.0).problems()
    assert c_only
    assert {p["language"] for p in c_only} == {"c"}
    both = CodeEnvironment(languages=["c++", "py"], heldout_fraction=0.0).problems()
    assert {p["language"] for p in both} == {"cpp", "python"}
    easy = CodeEnvironment(max_difficulty=2, heldout_fraction=0.0).problems()
    assert easy
    assert {p["difficulty"] for p in easy} == {1, 2}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"languages": ["rust"]}, "unknown languages"),
        ({"max_difficulty": 0}, "max_difficulty"),
        ({"heldout_fraction": 1.0}, "heldout_fraction"),
        ({"shots": 3}, "shots"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CodeEnvironment(**options)


@pytest.mark.usefixtures("no_pool_cache")  # a real build, compared with the module's
def test_the_set_is_built_once_per_process() -> None:
    assert builtin_records() is builtin_records()
    assert ENV.problems() == CodeEnvironment().problems()


# --- your own problems ------------------------------------------------------------------------

HUMANEVAL_ROW = {
    "task_id": "HumanEval/999",
    "prompt": 'def add(a: int, b: int) -> int:\n    """The sum of a and b."""\n',
    "canonical_solution": "    return a + b\n",
    "test": (
        "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(0, 0) == 0\n"
    ),
    "entry_point": "add",
}
MBPP_ROW = {
    "task_id": 901,
    "text": "Write a function to find the larger of two numbers.",
    "code": "def larger(a, b):\n    return max(a, b)",
    "test_list": ["assert larger(1, 2) == 2", "assert larger(5, 3) == 5"],
    "test_setup_code": "",
    "challenge_test_list": [],
}
MBPP_SANITIZED_ROW = {
    "source_file": "Benchmark Questions Verification V2.ipynb",
    "task_id": 902,
    "prompt": "Write a function to find the square root of a number, rounded down.",
    "code": "import math\ndef isqrt(n):\n    return math.isqrt(n)",
    "test_imports": ["import math"],
    "test_list": ["assert isqrt(10) == 3", "assert isqrt(16) == math.isqrt(16)"],
}
PLAIN_ROWS = [
    {
        "prompt": "Write `square(x)`.",
        "entry_point": "square",
        "tests": [{"input": [3], "output": 9}],
        "difficulty": 1,
    },
    {
        "prompt": "Read n and print n + 1.",
        "language": "c",
        "tests": [{"stdin": "1\n", "stdout": "2\n"}],
        "difficulty": 4,
    },
]


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_data_file_in_public_and_plain_formats(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "mine.jsonl", [HUMANEVAL_ROW, MBPP_ROW, MBPP_SANITIZED_ROW, *PLAIN_ROWS]
    )
    env = CodeEnvironment(data=path, heldout_fraction=0.0)
    humaneval, mbpp, sanitized, function, program = env.problems()
    assert env.problems("heldout") == []
    assert humaneval["id"] == "HumanEval/999"
    assert humaneval["entry_point"] == "add"
    assert (mbpp["id"], mbpp["entry_point"]) == ("mbpp/901", "larger")
    assert "Write a function to find the larger" in mbpp["prompt"]
    assert (sanitized["id"], sanitized["entry_point"]) == ("mbpp/902", "isqrt")
    assert sanitized["test"].startswith("import math\n")
    assert function["env"] == program["env"] == "code"
    assert function["id"].startswith("code-")
    assert program["language"] == "c"

    verifier = CodeVerifier()
    answers = [
        (humaneval, "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```"),
        (mbpp, "```python\ndef larger(a, b):\n    return a if a > b else b\n```"),
        (sanitized, "```python\ndef isqrt(n):\n    return int(n ** 0.5)\n```"),
        (function, "```python\ndef square(x):\n    return x * x\n```"),
        (
            program,
            '```c\n#include <stdio.h>\nint main(void) {int n; scanf("%d", &n); '
            'printf("%d\\n", n + 1);}\n```',
        ),
    ]
    for problem, answer in answers:
        assert verifier.verify(problem, answer).reward == 1.0, problem["id"]


def test_a_humaneval_prompt_is_shown_as_code_to_complete(tmp_path: Path) -> None:
    env = CodeEnvironment(
        data=write_rows(tmp_path / "he.jsonl", [HUMANEVAL_ROW]), heldout_fraction=0.0
    )
    (problem,) = env.problems()
    question = env.prompt(problem)[-1]["content"]
    assert question.startswith("Complete this Python function:\n```python\ndef add(a: int, b: int)")
    assert question.endswith("Answer with the complete function in one ```python code block.")
    (program,) = CodeEnvironment(
        data=write_rows(tmp_path / "c.jsonl", [PLAIN_ROWS[1]]), heldout_fraction=0.0
    ).problems()
    assert "```c code block" in env.prompt(program)[-1]["content"]


def test_filters_apply_to_a_data_file(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "mine.jsonl", [HUMANEVAL_ROW, *PLAIN_ROWS])
    c_only = CodeEnvironment(data=path, languages=["c"], heldout_fraction=0.0).problems()
    assert [p["language"] for p in c_only] == ["c"]
    easy = CodeEnvironment(data=path, max_difficulty=2, heldout_fraction=0.0).problems()
    assert [p["id"] for p in easy][:1] == ["HumanEval/999"]  # no difficulty: kept
    assert all(p.get("difficulty", 1) <= 2 for p in easy)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"prompt": "No tests."}, "tests"),
        ({"prompt": "x", "language": "rust", "tests": [{"stdin": "", "stdout": ""}]}, "language"),
        ({"prompt": "x", "tests": [{"input": [1], "output": 1}]}, "entry_point"),
    ],
)
def test_a_row_the_verifier_cannot_read_names_line_and_field(
    tmp_path: Path, row: dict[str, Any], field: str
) -> None:
    path = write_rows(tmp_path / "bad.jsonl", [PLAIN_ROWS[0], row])
    with pytest.raises(RecordError, match=rf"bad.jsonl:2: field '{field}'"):
        CodeEnvironment(data=path).problems()


# --- the problems CLI -------------------------------------------------------------------------


def test_problems_cli_prints_the_records(run_cli: RunCli) -> None:
    result = run_cli("problems", "code", "--split", "heldout", "--limit", "3")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    heldout = {p["id"]: p for p in ENV.problems("heldout")}
    assert all(record == heldout[record["id"]] for record in records)


def test_problems_cli_reads_a_data_file(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "mine.jsonl", [HUMANEVAL_ROW, MBPP_ROW])
    train = run_cli("problems", "code", "--data", path)
    heldout = run_cli("problems", "code", "--data", path, "--split", "heldout")
    assert train.returncode == heldout.returncode == 0, train.stderr + heldout.stderr
    ids = [json.loads(line)["id"] for line in (train.stdout + heldout.stdout).splitlines()]
    assert sorted(ids) == ["HumanEval/999", "mbpp/901"]
