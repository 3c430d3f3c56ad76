"""The `if` environment: a pool fixed by seed and size, compatible constraints, loaders."""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from rlvr import RecordError, get_environment
from rlvr.environments.instruct import DRAWERS, InstructionEnvironment
from rlvr.environments.instruct_tasks import QUESTIONS, TASKS
from rlvr.verifiers.instruct import InstructionVerifier, read_instructions
from rlvr.verifiers.instructions import (
    CONFLICTS,
    EXCLUSIVE,
    INSTRUCTIONS,
    all_compatible,
    compatible,
)

POOL = InstructionEnvironment(seed=0, size=600)
ANSWER = (
    "Here is my answer to it. Morning light crept over the harbour while the fishermen "
    "mended their nets and argued about the weather. Nobody noticed the small boat drifting "
    "past the lighthouse until a girl on the pier started waving both arms. By noon the whole "
    "village had gathered to watch the stranger climb ashore with a suitcase full of letters "
    "that had never been delivered."
)
ALL = POOL.problems("train") + POOL.problems("heldout")


def test_registered_through_its_entry_point() -> None:
    env = get_environment("if", seed=0, size=10)
    assert isinstance(env, InstructionEnvironment)
    assert env.verifier == "if"


def test_at_least_200_distinct_writing_tasks() -> None:
    assert len(set(TASKS)) == len(TASKS) >= 200
    assert len(set(QUESTIONS)) == len(QUESTIONS)


def test_pool_has_the_requested_size_of_distinct_problems() -> None:
    assert len(ALL) == 600
    assert len({p["id"] for p in ALL}) == 600
    assert all(p["env"] == "if" and p["id"].startswith("if-") for p in ALL)


def test_splits_are_disjoint_and_roughly_the_requested_fraction() -> None:
    train = {p["id"] for p in POOL.problems("train")}
    heldout = {p["id"] for p in POOL.problems("heldout")}
    assert not train & heldout
    assert 0.04 < len(heldout) / 600 < 0.18


def test_the_pool_is_fixed_by_seed_and_a_larger_pool_extends_a_smaller_one() -> None:
    assert InstructionEnvironment(seed=0, size=600).problems("train") == POOL.problems("train")
    larger = {p["id"] for p in InstructionEnvironment(seed=0, size=900).problems("train")}
    assert {p["id"] for p in POOL.problems("train")} <= larger
    other = {p["id"] for p in InstructionEnvironment(seed=1, size=600).problems("train")}
    assert len(other & {p["id"] for p in POOL.problems("train")}) < 60


def test_rows_have_one_to_three_valid_compatible_constraints() -> None:
    for problem in ALL:
        instructions = read_instructions(problem)  # raises on any bad kwargs
        assert 1 <= len(instructions) <= 3
        assert all_compatible(instructions), problem["instruction_id_list"]
        assert len(set(problem["instruction_id_list"])) == len(instructions)


def test_every_constraint_appears_and_difficulty_follows_hardness() -> None:
    counts = Counter(i for p in ALL for i in p["instruction_id_list"])
    assert set(counts) == set(INSTRUCTIONS)
    assert set(Counter(p["difficulty"] for p in ALL)) == {1, 2, 3, 4, 5}
    for problem in ALL:
        hardness = sum(INSTRUCTIONS[i].hardness for i in problem["instruction_id_list"])
        assert problem["difficulty"] == min(5, hardness)


def test_kwargs_are_drawn_from_ifevals_ranges() -> None:
    seen: dict[str, list[dict]] = {}
    for problem in ALL:
        for instruction_id, kwargs in zip(
            problem["instruction_id_list"], problem["kwargs"], strict=True
        ):
            seen.setdefault(instruction_id, []).append(kwargs)
    assert all(100 <= k["num_words"] <= 500 for k in seen["length_constraints:number_words"])
    assert all(1 <= k["num_bullets"] <= 5 for k in seen["detectable_format:number_bullet_lists"])
    assert all(1 <= k["num_sentences"] <= 20 for k in seen["length_constraints:number_sentences"])
    assert all(
        k["num_sentences"] > 1
        for k in seen["length_constraints:number_sentences"]
        if k["relation"] == "less than"
    )


# Pairs that no response can satisfy together (or that make each other meaningless).
CONTRADICTIONS = [
    (("change_case:english_lowercase", {}), ("change_case:english_capital", {})),
    (("language:response_language", {"language": "de"}), ("change_case:english_lowercase", {})),
    (
        ("language:response_language", {"language": "de"}),
        ("keywords:existence", {"keywords": ["river"]}),
    ),
    (("detectable_format:json_format", {}), ("detectable_format:title", {})),
    (("detectable_format:constrained_response", {}), ("punctuation:no_comma", {})),
    (("combination:two_responses", {}), ("startend:quotation", {})),
    (
        ("change_case:english_lowercase", {}),
        (
            "change_case:capital_word_frequency",
            {"capital_frequency": 3, "capital_relation": "at least"},
        ),
    ),
    (
        ("change_case:english_capital", {}),
        (
            "change_case:capital_word_frequency",
            {"capital_frequency": 3, "capital_relation": "less than"},
        ),
    ),
    (
        ("change_case:english_capital", {}),
        ("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 2}),
    ),
    (
        ("keywords:forbidden_words", {"forbidden_words": ["river"]}),
        ("keywords:existence", {"keywords": ["river", "lantern"]}),
    ),
    (
        ("length_constraints:number_paragraphs", {"num_paragraphs": 2}),
        (
            "length_constraints:nth_paragraph_first_word",
            {"num_paragraphs": 3, "nth_paragraph": 1, "first_word": "a"},
        ),
    ),
    (
        ("ratio:long_words", {"min_length": 8, "min_percent": 20}),
        ("words:max_length", {"max_letters": 6}),
    ),
    (
        ("words:max_length", {"max_letters": 6}),
        ("keywords:existence", {"keywords": ["lighthouse"]}),
    ),
    (
        ("length_constraints:number_words", {"num_words": 100, "relation": "at least"}),
        ("count:words_between", {"min_words": 10, "max_words": 50}),
    ),
]


@pytest.mark.parametrize(("first", "second"), CONTRADICTIONS)
def test_contradictory_pairs_are_never_combined(first: tuple, second: tuple) -> None:
    assert not compatible(first, second)
    assert not compatible(second, first)


def test_compatibility_is_symmetric_and_tables_name_real_ids() -> None:
    for pair in CONFLICTS:
        assert pair <= INSTRUCTIONS.keys()
    for instruction_id, allowed in EXCLUSIVE.items():
        assert {instruction_id} | allowed <= INSTRUCTIONS.keys()
    import random

    rng = random.Random(3)
    drawn = [(i, DRAWERS[i](rng, set(), TASKS[0])) for i in INSTRUCTIONS]
    for first, second in combinations(drawn, 2):
        assert compatible(first, second) == compatible(second, first), (first[0], second[0])


def test_prompts_render_the_task_and_every_constraint() -> None:
    for problem in ALL[:100]:
        (message,) = POOL.prompt(problem)
        assert message["role"] == "user"
        assert message["content"] == problem["prompt"]
        assert problem["meta"]["task"] in message["content"]
        for instruction_id, kwargs in zip(
            problem["instruction_id_list"], problem["kwargs"], strict=True
        ):
            assert INSTRUCTIONS[instruction_id].describe(kwargs) in message["content"]


def test_a_repeated_request_is_the_prompt_before_the_repeat_sentence() -> None:
    rows = [p for p in ALL if "combination:repeat_prompt" in p["instruction_id_list"]]
    assert rows
    for problem in rows:
        assert problem["instruction_id_list"][-1] == "combination:repeat_prompt"
        request = problem["kwargs"][-1]["prompt_to_repeat"]
        assert problem["prompt"].startswith(request)
        answer = f"{request}\n{ANSWER}"
        assert InstructionVerifier().verify(problem, answer).info["instructions"][-1]["followed"]


def test_constrained_response_is_asked_alone_of_a_question() -> None:
    rows = [p for p in ALL if "detectable_format:constrained_response" in p["instruction_id_list"]]
    assert rows
    for problem in rows:
        assert problem["instruction_id_list"] == ["detectable_format:constrained_response"]
        assert problem["meta"]["task"] in QUESTIONS


def test_generated_rows_carry_the_min_content_rule_unless_turned_off() -> None:
    assert all(p["min_content"] is True for p in ALL)
    plain = InstructionEnvironment(seed=0, size=50, min_content=False).problems("train")
    assert all("min_content" not in p for p in plain)
    # the rule says how a row is scored, not what it is: same problems, same ids
    assert [p["id"] for p in plain] == [p["id"] for p in InstructionEnvironment(size=50).problems()]


def test_instructions_can_be_restricted_and_are_validated() -> None:
    env = InstructionEnvironment(
        size=50, instructions=["punctuation:no_comma", "detectable_format:title"]
    )
    for problem in env.problems():
        assert set(problem["instruction_id_list"]) <= {
            "punctuation:no_comma",
            "detectable_format:title",
        }
    with pytest.raises(ValueError, match="unknown instruction ids"):
        InstructionEnvironment(instructions=["keywords:nope"])
    with pytest.raises(ValueError, match="min_content"):
        InstructionEnvironment(min_content="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fewer than"):
        InstructionEnvironment(size=5000, instructions=["punctuation:no_comma"]).problems()


IFEVAL_ROWS = [
    {
        "key": 1000,
        "prompt": "Write a 300+ word summary of the wikipedia page. Do not use any commas.",
        "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
        "kwargs": [
            {"num_words": None, "relation": None},
            {"num_words": 300, "relation": "at least", "num_bullets": None},
        ],
    },
    {
        "key": 1001,
        "prompt": "Write a poem. Wrap your entire response with double quotation marks.",
        "instruction_id_list": ["startend:quotation"],
        "kwargs": [{}],
    },
]


def test_ifeval_rows_load_as_they_are_published_and_stay_strict(tmp_path: Path) -> None:
    path = tmp_path / "ifeval.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in IFEVAL_ROWS))
    env = InstructionEnvironment(data=path, heldout_fraction=0.0)
    problems = env.problems("train")
    assert [p["id"] for p in problems] == ["ifeval/1000", "ifeval/1001"]
    assert all(p["env"] == "if" and "min_content" not in p for p in problems)
    assert env.problems("heldout") == []
    assert InstructionVerifier().verify(problems[1], '"ok"').reward == 1.0  # strict: no rule
    (message,) = env.prompt(problems[0])
    assert message["content"] == IFEVAL_ROWS[0]["prompt"]


def test_a_row_can_ask_for_the_min_content_rule(tmp_path: Path) -> None:
    path = tmp_path / "ifeval.jsonl"
    path.write_text(json.dumps({**IFEVAL_ROWS[1], "min_content": True}) + "\n")
    (problem,) = InstructionEnvironment(data=path, heldout_fraction=0.0).problems()
    assert problem["min_content"] is True
    assert InstructionVerifier().verify(problem, '"ok"').reward == 0.0


def test_the_gate_can_be_put_on_every_loaded_row_for_training(tmp_path: Path) -> None:
    path = tmp_path / "ifeval.jsonl"
    rows = [IFEVAL_ROWS[1], {**IFEVAL_ROWS[0], "min_content": False}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    gated = InstructionEnvironment(data=path, heldout_fraction=0.0, min_content=True).problems()
    assert [p.get("min_content") for p in gated] == [True, False]  # a row's own word wins
    assert InstructionVerifier().verify(gated[0], '"ok"').reward == 0.0
    plain = InstructionEnvironment(data=path, heldout_fraction=0.0).problems()
    assert [p.get("min_content") for p in plain] == [None, False]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {**IFEVAL_ROWS[1], "instruction_id_list": ["startend:nope"]},
            r"bad.jsonl:2: .*unknown instruction ids",
        ),
        ({**IFEVAL_ROWS[1], "kwargs": [{"num": 3}]}, r"bad.jsonl:2: .*unexpected kwargs"),
        (
            {"prompt": "Hi", "env": "if", "kwargs": [{}]},
            r"bad.jsonl:2: field 'instruction_id_list': missing",
        ),
    ],
)
def test_a_bad_data_file_names_line_and_fault(tmp_path: Path, row: dict, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(IFEVAL_ROWS[0]) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(RecordError, match=message):
        InstructionEnvironment(data=path).problems()


def test_problems_cli_prints_records(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("problems", "if", "--split", "heldout", "--limit", "3", "--seed", "5")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    heldout = {p["id"] for p in InstructionEnvironment(seed=5).problems("heldout")}
    assert {r["id"] for r in records} <= heldout


def test_training_gates_published_rows_and_evaluation_keeps_the_reference(tmp_path: Path) -> None:
    # A policy trained on IFEval's own rows must not learn filler: the training verifier gates
    # every row that does not say otherwise; rlvr eval and rlvr verify score as the reference.
    from rlvr.resolve import build_verifier

    path = tmp_path / "ifeval.jsonl"
    path.write_text(json.dumps(IFEVAL_ROWS[1]) + "\n")
    env = InstructionEnvironment(data=path, heldout_fraction=0.0)
    (problem,) = env.problems()
    training = build_verifier("if", env, None, training=True)
    evaluation = build_verifier("if", env, None, training=False)
    assert training.verify(problem, '"ok"').reward == 0.0
    assert evaluation.verify(problem, '"ok"').reward == 1.0
