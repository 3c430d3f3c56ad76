"""Problem records: public formats, rlvr records, stable ids, and errors that point at the row."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlvr import RecordError, UserError, load_records, normalise, stable_id
from rlvr.records import detect_format, last_boxed, read_jsonl

GSM8K_ROW = {
    "question": "Janet has 1,000 ducks and buys 234 more. How many ducks does she have?",
    "answer": "She has 1,000 + 234 = <<1000+234=1234>>1,234 ducks.\n#### 1,234",
}
MATH_ROW = {
    "problem": "What is $\\frac{2}{4}$ in lowest terms?",
    "solution": "Divide by 2: $\\frac{2}{4} = \\boxed{\\frac{1}{2}}$.",
    "level": "Level 3",
    "type": "Prealgebra",
}
HUMANEVAL_ROW = {
    "task_id": "HumanEval/0",
    "prompt": 'def add(a, b):\n    """Return a + b."""\n',
    "canonical_solution": "    return a + b\n",
    "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n",
    "entry_point": "add",
}
MBPP_ROW = {
    "task_id": 11,
    "text": "Write a python function to remove first and last occurrence of a given character.",
    "code": "def remove_Occ(s, ch):\n    return s",
    "test_list": [
        'assert remove_Occ("hello","l") == "heo"',
        'assert remove_Occ("abcda","a") == "bcd"',
    ],
    "test_setup_code": "import re",
    "challenge_test_list": ['assert remove_Occ("PHP","P") == "H"'],
}
IFEVAL_ROW = {
    "key": 1000,
    "prompt": "Write a 300+ word summary. Do not use any commas.",
    "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
    "kwargs": [{}, {"relation": "at least", "num_words": 300}],
}


# -- public formats --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "fmt"),
    [
        (GSM8K_ROW, "gsm8k"),
        (MATH_ROW, "math"),
        (HUMANEVAL_ROW, "humaneval"),
        (MBPP_ROW, "mbpp"),
        (IFEVAL_ROW, "ifeval"),
        ({"env": "math", "prompt": "1+1?", "answer": "2"}, None),
        ({"question": "q", "answer": "no hash marks here"}, None),
    ],
)
def test_detect_format(row: dict[str, Any], fmt: str | None) -> None:
    assert detect_format(row) == fmt


def test_gsm8k_row() -> None:
    record = normalise(GSM8K_ROW)
    assert record["env"] == "math"
    assert record["prompt"] == GSM8K_ROW["question"]
    assert record["answer"] == "1234"
    assert record["meta"] == {"solution": GSM8K_ROW["answer"]}
    assert record["id"] == stable_id(record, "math")
    assert record["id"].startswith("math-")


def test_math_row() -> None:
    record = normalise(MATH_ROW)
    assert record["env"] == "math"
    assert record["prompt"] == MATH_ROW["problem"]
    assert record["answer"] == "\\frac{1}{2}"
    assert record["difficulty"] == 3
    assert record["meta"] == {
        "solution": MATH_ROW["solution"],
        "type": "Prealgebra",
        "level": "Level 3",
    }
    assert record["id"].startswith("math-")


def test_math_row_with_unknown_level_has_no_difficulty() -> None:
    record = normalise({**MATH_ROW, "level": "Level ?"})
    assert "difficulty" not in record
    assert record["meta"]["level"] == "Level ?"


def test_math_row_without_boxed_answer_names_solution() -> None:
    with pytest.raises(RecordError, match="boxed") as caught:
        normalise({**MATH_ROW, "solution": "The answer is one half."})
    assert caught.value.field == "solution"


def test_humaneval_row() -> None:
    record = normalise(HUMANEVAL_ROW)
    assert record == {
        "id": "HumanEval/0",
        "env": "code",
        "language": "python",
        "prompt": HUMANEVAL_ROW["prompt"],
        "test": HUMANEVAL_ROW["test"],
        "entry_point": "add",
        "meta": {"canonical_solution": HUMANEVAL_ROW["canonical_solution"]},
    }


def test_mbpp_row() -> None:
    record = normalise(MBPP_ROW)
    assert record["id"] == "mbpp/11"
    assert record["env"] == "code"
    assert record["language"] == "python"
    assert record["entry_point"] == "remove_Occ"
    assert record["prompt"] == (
        f"{MBPP_ROW['text']}\nYour code should pass this test:\n{MBPP_ROW['test_list'][0]}"
    )
    assert record["test"] == "import re\n" + "\n".join(MBPP_ROW["test_list"]) + "\n"
    assert record["meta"] == {
        "code": MBPP_ROW["code"],
        "challenge_test_list": MBPP_ROW["challenge_test_list"],
    }


def test_mbpp_row_without_setup_code_has_only_the_tests() -> None:
    record = normalise({**MBPP_ROW, "test_setup_code": ""})
    assert record["test"] == "\n".join(MBPP_ROW["test_list"]) + "\n"


def test_mbpp_row_whose_test_calls_nothing_names_test_list() -> None:
    with pytest.raises(RecordError) as caught:
        normalise({**MBPP_ROW, "test_list": ["assert True"]})
    assert caught.value.field == "test_list"


def test_ifeval_row() -> None:
    record = normalise(IFEVAL_ROW)
    assert record == {
        "id": "ifeval/1000",
        "env": "if",
        "prompt": IFEVAL_ROW["prompt"],
        "instruction_id_list": IFEVAL_ROW["instruction_id_list"],
        "kwargs": IFEVAL_ROW["kwargs"],
    }


def test_native_row_keeps_an_explicit_id_and_mode() -> None:
    record = normalise({**GSM8K_ROW, "id": "gsm8k/7", "mode": "lenient"})
    assert record["id"] == "gsm8k/7"
    assert record["mode"] == "lenient"
    assert record["answer"] == "1234"


def test_malformed_native_row_is_a_record_error() -> None:
    # A MATH row whose solution is a number: detected by its keys, broken inside.
    with pytest.raises(RecordError, match="boxed"):
        normalise({"problem": "p", "solution": 12})
    with pytest.raises(RecordError, match="malformed mbpp row"):
        normalise({"task_id": 1, "text": "t", "test_list": 5})


# -- rlvr records ----------------------------------------------------------------------------


def test_rlvr_record_passes_through_and_gets_an_id() -> None:
    row = {
        "env": "math",
        "prompt": [{"role": "user", "content": "What is 2+2?"}],
        "answer": "4",
        "difficulty": 1,
        "meta": {"source": "hand"},
    }
    record = normalise(row)
    assert record == {**row, "id": stable_id(row, "math")}
    assert row.keys() == {"env", "prompt", "answer", "difficulty", "meta"}  # input not mutated


def test_env_from_the_loader_and_the_row_own_env_wins() -> None:
    assert normalise({"prompt": "p"}, env="math")["env"] == "math"
    assert normalise({"prompt": "p", "env": "code"}, env="math")["env"] == "code"


def test_row_with_only_a_verifier_takes_it_as_env() -> None:
    record = normalise({"prompt": "p", "verifier": "exact"})
    assert record["env"] == "exact"
    assert record["verifier"] == "exact"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"env": "math", "answer": "2"}, "prompt"),
        ({"env": "math", "prompt": 5}, "prompt"),
        ({"env": "math", "prompt": None}, "prompt"),
        ({"env": "math", "prompt": [{"role": "user"}]}, "prompt"),
        ({"env": "math", "prompt": ["hello"]}, "prompt"),
        ({"prompt": "no env"}, "env"),
        ({"env": "", "prompt": "p"}, "env"),
        ({"env": 3, "prompt": "p"}, "env"),
        ({"verifier": "", "prompt": "p", "env": "math"}, "verifier"),
        ({"env": "math", "prompt": "p", "id": ["x"]}, "id"),
        ({"env": "math", "prompt": "p", "difficulty": "hard"}, "difficulty"),
        ({"env": "math", "prompt": "p", "difficulty": True}, "difficulty"),
        ({"env": "math", "prompt": "p", "meta": "m"}, "meta"),
    ],
)
def test_invalid_record_names_the_field(row: dict[str, Any], field: str) -> None:
    with pytest.raises(RecordError) as caught:
        normalise(row)
    assert caught.value.field == field
    assert f"field {field!r}" in str(caught.value)
    assert isinstance(caught.value, UserError)
    assert caught.value.exit_code == 2


def test_non_object_row_is_rejected() -> None:
    with pytest.raises(RecordError, match="expected a JSON object, got list"):
        normalise([1, 2])  # type: ignore[arg-type]


# -- stable ids ------------------------------------------------------------------------------

BASE = {"env": "math", "prompt": "What is 6*7?", "answer": "42", "meta": {"a": 1, "b": [1, 2]}}


def test_stable_id_ignores_key_order_at_every_depth() -> None:
    reordered = {
        "meta": {"b": [1, 2], "a": 1},
        "answer": "42",
        "prompt": "What is 6*7?",
        "env": "math",
    }
    assert list(reordered) != list(BASE)
    assert stable_id(reordered, "math") == stable_id(BASE, "math")
    assert normalise(reordered)["id"] == normalise(BASE)["id"]


@pytest.mark.parametrize(
    "extra",
    [
        {"completion": "42"},
        {"id": "whatever"},
        {"reward": 1.0},
        {"info": {"extracted": "42"}},
        {"mode": "lenient"},
    ],
)
def test_stable_id_ignores_scoring_fields(extra: dict[str, Any]) -> None:
    assert stable_id({**BASE, **extra}, "math") == stable_id(BASE, "math")


@pytest.mark.parametrize(
    "change",
    [
        {"prompt": "What is 6*8?"},
        {"answer": "43"},
        {"meta": {"a": 2, "b": [1, 2]}},
        {"meta": {"a": 1, "b": [2, 1]}},  # list order is content
        {"difficulty": 2},
    ],
)
def test_stable_id_changes_with_content(change: dict[str, Any]) -> None:
    assert stable_id({**BASE, **change}, "math") != stable_id(BASE, "math")


def test_stable_id_is_prefixed_by_env_and_fixed_across_runs() -> None:
    assert stable_id(BASE, "code") != stable_id(BASE, "math")
    assert stable_id(BASE, "code").startswith("code-")
    # A constant: ids must not drift between versions, or per-problem statistics reset.
    assert stable_id({"prompt": "p"}, "math") == "math-" + _sha16('{"prompt":"p"}')


def test_stable_id_of_lone_surrogate_does_not_raise() -> None:
    # JSON may carry "\ud83d" (half an emoji cut by a UTF-16 tokenizer); json.loads keeps it.
    row = json.loads('{"prompt": "cut \\ud83d", "env": "math"}')
    assert stable_id(row, "math") != stable_id({"prompt": "cut ", "env": "math"}, "math")


def _sha16(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
json_rows = st.dictionaries(st.text(max_size=10), json_values, max_size=8)


def _shuffled(value: Any, rng: random.Random) -> Any:
    """The same JSON value with the keys of every object in another order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@given(row=json_rows, rng=st.randoms(use_true_random=False), env=st.text(min_size=1))
def test_stable_id_property_key_order_invariant(
    row: dict[str, Any], rng: random.Random, env: str
) -> None:
    first = stable_id(row, env)
    assert stable_id(_shuffled(row, rng), env) == first
    assert first.startswith(f"{env}-")
    assert len(first) == len(env) + 1 + 16


# -- last_boxed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "boxed"),
    [
        ("so \\boxed{42}.", "42"),
        ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
        ("\\boxed{\\sqrt{\\frac{a^{2}}{b}}} done", "\\sqrt{\\frac{a^{2}}{b}}"),
        ("first \\boxed{1} then \\boxed{2}", "2"),
        ("\\fbox{7}", "7"),
        ("\\boxed{1} and \\fbox{3}", "3"),
        ("no box here", None),
        ("\\boxed{unclosed {brace}", None),
        ("\\boxed", None),
    ],
)
def test_last_boxed(text: str, boxed: str | None) -> None:
    assert last_boxed(text) == boxed


# -- files -----------------------------------------------------------------------------------

WriteJsonl = Callable[[str, list[Any]], Path]


def test_read_jsonl_skips_blank_lines_and_numbers_the_rest(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl("rows.jsonl", [{"a": 1}, "", "   ", {"a": 2}])
    assert list(read_jsonl(path)) == [(1, {"a": 1}), (4, {"a": 2})]


@pytest.mark.parametrize(
    ("lines", "line", "reason"),
    [
        (['{"a": 1}', '{"a": 2', '{"a": 3}'], 2, "not valid JSON"),
        (['{"a": 1}', "[1, 2]"], 2, "expected a JSON object, got list"),
        (['{"a": 1}', "", '"text"'], 3, "expected a JSON object, got str"),
        (["null"], 1, "expected a JSON object, got NoneType"),
    ],
)
def test_read_jsonl_errors_name_file_and_line(
    write_jsonl: WriteJsonl, lines: list[str], line: int, reason: str
) -> None:
    path = write_jsonl("bad.jsonl", lines)
    with pytest.raises(RecordError) as caught:
        list(read_jsonl(path))
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: {reason}")


@pytest.mark.parametrize("bad_line", [1, 3, 200])
def test_read_jsonl_non_utf8_names_the_line(tmp_path: Path, bad_line: int) -> None:
    lines = [b'{"n": %d}\n' % i for i in range(1, 301)]
    lines[bad_line - 1] = b'{"text": "caf\xe9"}\n'  # Latin-1, not UTF-8
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b"".join(lines))
    with pytest.raises(RecordError, match="not UTF-8") as caught:
        list(read_jsonl(path))
    assert caught.value.line == bad_line
    assert str(caught.value).startswith(f"{path}:{bad_line}: ")


def test_read_jsonl_missing_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    with pytest.raises(RecordError, match="cannot read: No such file") as caught:
        list(read_jsonl(path))
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_read_jsonl_directory_is_a_record_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="cannot read"):
        list(read_jsonl(tmp_path))


def test_load_records_normalises_every_row(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl("mixed.jsonl", [GSM8K_ROW, MATH_ROW, HUMANEVAL_ROW, MBPP_ROW, IFEVAL_ROW])
    records = list(load_records(path))
    assert [r["env"] for r in records] == ["math", "math", "code", "code", "if"]
    assert len({r["id"] for r in records}) == 5


def test_load_records_env_for_rows_without_one(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl("custom.jsonl", [{"prompt": "a", "target": "1"}, {"prompt": "b"}])
    assert [r["env"] for r in load_records(path, env="mytask")] == ["mytask", "mytask"]


def test_load_records_duplicate_id_names_both_lines(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl(
        "dup.jsonl",
        [
            {"env": "math", "prompt": "a", "id": "p1"},
            {"env": "math", "prompt": "b", "id": "p2"},
            {"env": "math", "prompt": "c", "id": "p1"},
        ],
    )
    with pytest.raises(RecordError) as caught:
        list(load_records(path))
    assert caught.value.line == 3
    assert caught.value.field == "id"
    assert "duplicate id 'p1' (first on line 1)" in str(caught.value)


def test_load_records_same_content_twice_is_a_duplicate(write_jsonl: WriteJsonl) -> None:
    row = {"env": "math", "prompt": "a", "answer": "1"}
    path = write_jsonl("twice.jsonl", [row, {"answer": "1", "prompt": "a", "env": "math"}])
    with pytest.raises(RecordError, match="duplicate id"):
        list(load_records(path))


def test_load_records_invalid_row_names_file_line_and_field(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl("bad.jsonl", [{"env": "math", "prompt": "a"}, {"env": "math"}])
    with pytest.raises(RecordError) as caught:
        list(load_records(path))
    assert str(caught.value) == f"{path}:2: field 'prompt': missing"


def test_a_boolean_id_is_rejected() -> None:
    with pytest.raises(RecordError, match="'id'"):
        normalise({"id": True, "env": "math", "prompt": "p", "answer": "1"})


def test_a_byte_order_mark_on_the_first_line_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n{"b": 2}\n')
    assert [row for _, row in read_jsonl(path)] == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize(
    ("test", "entry_point"),
    [
        ("assert set(similar_elements((3, 4), (5, 4))) == set((4,))", "similar_elements"),
        ("assert math.isclose(area(2), 12.5)", "area"),
        ("assert not is_prime(4)", "is_prime"),
        ("assert sorted(list(uniq([1, 1]))) == [1]", "uniq"),
    ],
)
def test_mbpp_entry_point_skips_builtins(test: str, entry_point: str) -> None:
    row = {"task_id": 7, "text": "t", "test_list": [test]}
    assert normalise(row)["entry_point"] == entry_point
