"""The GenRM scorer: parsing, circular pairing, position swap, fallbacks, reward weights, the
config, a real (tiny) judge model and the Ray actor."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlvr import UserError
from rlvr.config import GenRMConfig, RewardWeights, check, config_from_dict
from rlvr.genrm import (
    PAIRWISE_TEMPLATE,
    PREFILLS,
    GenRMActor,
    GenRMScorer,
    JudgeGroup,
    PairJudgement,
    ScriptedJudge,
    TransformersJudge,
    check_template,
    circular_pairs,
    combine_reward,
    group_by_problem,
    pair_scores,
    parse_pairwise,
    parse_pointwise,
    render_template,
)
from rlvr.protocols import Message

# -- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"score": 4}', 4.0),
        ('The response is right.\n{"score": 2}', 2.0),
        ('```json\n{"score": 5}\n```', 5.0),
        ('{"score": "3"}', 3.0),
        ('{"score": 2.5}', 2.5),
        ('{"score": 2} on reflection {"score": 4}', 4.0),  # the last verdict wins
        ('{"score": 4, "why": "it is cut sh', 4.0),  # cut by the token limit
        ('{"score": 1, "json": {"type": "json", "data": {', 1.0),
        ('<think>{"score": 1}</think>{"score": 5}', 5.0),
        ('<think>still thinking {"score": 5}', None),  # reasoning never closed: no verdict
        ('{"score": 9}', None),
        ('{"score": 0}', None),
        ('{"score": true}', None),
        ('{"score": NaN}', None),
        ('{"rating": 4}', None),
        ("Score: excellent", None),
        ("", None),
    ],
)
def test_parse_pointwise(text: str, expected: float | None) -> None:
    assert parse_pointwise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"score_1": 4, "score_2": 2, "ranking": 2}', PairJudgement(4, 2, 2)),
        ('Thoughts.\n{"score_1": 1, "score_2": 5, "ranking": 6}', PairJudgement(1, 5, 6)),
        ('{"score_1": 3, "score_2": 3}', PairJudgement(3, 3, None)),
        ('{"score_1": 1, "score_2": 2, "ranking": "A"}', PairJudgement(1, 2, None)),
        ('{"score_1": 1, "score_2": 2, "ranking": 9}', PairJudgement(1, 2, None)),
        ('{"score_1": 4, "score_2": 2, "ranking": 1', PairJudgement(4, 2, 1)),  # cut short
        ('{"score_1": 12, "score_2": 19}', None),
        ('{"score_1": 4}', None),
        ('{"score": 4}', None),
        ("Response 1 is better.", None),
    ],
)
def test_parse_pairwise(text: str, expected: PairJudgement | None) -> None:
    assert parse_pairwise(text) == expected


@given(st.text(max_size=200))
def test_parsers_never_raise_and_stay_in_range(text: str) -> None:
    score = parse_pointwise(text)
    assert score is None or 1 <= score <= 5
    judgement = parse_pairwise(text)
    if judgement is not None:
        first, second = pair_scores(judgement)
        assert 0 <= first <= 1
        assert 0 <= second <= 1


# -- scores, pairs, weights ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("judgement", "expected"),
    [
        (PairJudgement(5, 1, 1), (1.0, 0.0)),
        (PairJudgement(1, 5, 6), (0.0, 1.0)),
        (PairJudgement(3, 3, 3.5), (0.5, 0.5)),
        (PairJudgement(5, 1, None), (1.0, 0.0)),  # the ratings stand in for the ranking
        (PairJudgement(3, 3, None), (0.5, 0.5)),
        (PairJudgement(4, 4, 2), (0.775, 0.475)),
    ],
)
def test_pair_scores(judgement: PairJudgement, expected: tuple[float, float]) -> None:
    assert pair_scores(judgement) == pytest.approx(expected)


def test_circular_pairs() -> None:
    assert circular_pairs(0) == []
    assert circular_pairs(1) == []
    assert circular_pairs(2) == [(0, 1), (1, 0)]  # one pair, already in both orders
    assert circular_pairs(2, both_orders=False) == [(0, 1), (1, 0)]
    assert circular_pairs(3, both_orders=False) == [(0, 1), (1, 2), (2, 0)]


@given(st.integers(min_value=3, max_value=40))
def test_circular_pairs_meet_each_neighbour_in_both_orders(n: int) -> None:
    pairs = circular_pairs(n)
    assert len(pairs) == 2 * n == len(set(pairs))
    neighbours = {frozenset((i, (i + 1) % n)) for i in range(n)}
    assert {frozenset(p) for p in pairs} == neighbours
    for i in range(n):
        assert sum(first == i for first, _ in pairs) == 2
        assert sum(second == i for _, second in pairs) == 2
    single = circular_pairs(n, both_orders=False)
    assert len(single) == n
    assert {frozenset(p) for p in single} == neighbours


@pytest.mark.parametrize(
    ("verifier", "genrm", "weights", "expected"),
    [
        (1.0, 0.2, (1, 0), 1.0),
        (1.0, None, (1, 0), 1.0),  # GenRM not consulted at weight 0
        (None, None, (1, 0), None),  # an infrastructure fault stays None
        (None, 0.7, (0, 1), 0.7),  # an environment without a verifier
        (None, 0.7, (1, 1), None),
        (0.5, None, (1, 1), None),
        (0.0, 0.8, (1, 1), 0.4),
        (1.0, 0.5, (3, 1), 0.875),
    ],
)
def test_combine_reward(
    verifier: float | None, genrm: float | None, weights: tuple[float, float], expected: Any
) -> None:
    result = combine_reward(verifier, genrm, RewardWeights(*weights))
    assert result == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("weights", [(0, 0), (-1, 2), (1, -0.5)])
def test_combine_reward_rejects_bad_weights(weights: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="weights"):
        combine_reward(1.0, 1.0, RewardWeights(*weights))


def test_group_by_problem() -> None:
    assert group_by_problem(["a", "a", "b", "b", "a", "c"]) == [[0, 1, 4], [2, 3], [5]]


# -- templates ----------------------------------------------------------------------------------


def test_templates() -> None:
    check_template(PAIRWISE_TEMPLATE, "pairwise", where="x")
    check_template('Rate {response} for {prompt}. Reply {"score": N}.', "pointwise", where="x")
    with pytest.raises(
        UserError, match=r"genrm.pairwise_template: the template lacks \{response_2\}"
    ):
        check_template("{prompt} {response_1}", "pairwise", where="genrm.pairwise_template")
    with pytest.raises(UserError, match=r"unknown placeholder \{answer\}"):
        check_template("{prompt} {response} {answer}", "pointwise", where="x")
    # one pass: a response quoting a placeholder is not expanded again
    text = render_template(
        "{response_1} | {response_2}", {"response_1": "{response_2}", "response_2": "b"}
    )
    assert text == "{response_2} | b"


# -- the scorer with a scripted judge -----------------------------------------------------------

RESPONSE = re.compile(r"<<<BEGIN (RESPONSE(?: \d)?) (\w+)>>>\n(.*?)\n<<<END \1 \2>>>", re.S)


def responses_in(prompt: str) -> list[str]:
    """The responses a judge prompt shows, in order (between their fences)."""
    return [m.group(3) for m in RESPONSE.finditer(prompt)]


def quality(response: str) -> int:
    """The scripted judges' notion of quality: the number after `q` (1-5)."""
    return int(response.removeprefix("q")) if re.fullmatch(r"q[1-5]", response) else 1


def fair_judge(prompt: str) -> str:
    """Rates by quality and ranks by the difference, whatever the order."""
    shown = responses_in(prompt)
    if len(shown) == 1:
        return json.dumps({"score": quality(shown[0])})
    first, second = (quality(r) for r in shown)
    ranking = 3.5 - (first - second) * 0.6
    return json.dumps({"score_1": first, "score_2": second, "ranking": ranking})


def position_biased_judge(prompt: str) -> str:
    """Always prefers whatever is shown first."""
    return '{"score_1": 5, "score_2": 1, "ranking": 1}'


def scorer(reply: Any, **options: Any) -> tuple[GenRMScorer, ScriptedJudge]:
    judge = ScriptedJudge(reply)
    return GenRMScorer(judge, GenRMConfig(**{"mode": "pairwise", **options})), judge


def test_pointwise_scores_each_response_with_its_reference() -> None:
    genrm, judge = scorer(fair_judge, mode="pointwise")
    groups = [
        JudgeGroup("What is 2 + 2?", ["q5", "q1", "q3"], reference="4", env="math"),
        JudgeGroup("Say hi.", ["q2"], env="if"),
    ]
    result = genrm.score_groups(groups)
    assert result.scores == [[1.0, 0.0, 0.5], [0.25]]
    assert len(judge.prompts) == 4
    assert "[Reference answer]\n4" in judge.prompts[0]
    assert "Reference" not in judge.prompts[3]
    assert "What is 2 + 2?" in judge.prompts[0]
    assert result.metrics["genrm/judgements"] == 4
    assert result.metrics["genrm/unparseable"] == 0
    assert result.metrics["env/math/genrm_score"] == pytest.approx(0.5)
    assert result.metrics["env/if/genrm_score"] == pytest.approx(0.25)


def test_pairwise_circle_orders_by_quality() -> None:
    genrm, judge = scorer(fair_judge)
    result = genrm.score_groups([JudgeGroup("task", ["q2", "q5", "q1", "q4"])])
    scores = result.scores[0]
    assert len(judge.prompts) == 8  # 4 neighbour pairs, each in both orders
    shown = [tuple(responses_in(p)) for p in judge.prompts]
    assert set(shown) == {
        (a, b)
        for x, y in [("q2", "q5"), ("q5", "q1"), ("q1", "q4"), ("q4", "q2")]
        for a, b in [(x, y), (y, x)]
    }
    assert sorted(range(4), key=lambda i: scores[i]) == [2, 0, 3, 1]
    assert all(s is not None and 0 <= s <= 1 for s in scores)
    assert result.metrics["genrm/order_agreement"] == 1.0


def test_position_swap_cancels_a_position_biased_judge() -> None:
    genrm, _ = scorer(position_biased_judge)
    result = genrm.score_groups(
        [JudgeGroup("task", ["q1", "q5", "q3"]), JudgeGroup("t", ["a", "b"])]
    )
    assert result.scores == [[0.5, 0.5, 0.5], [0.5, 0.5]]
    assert result.metrics["genrm/order_agreement"] == 0.0  # it never agrees with itself


def test_without_swap_each_response_is_compared_twice_in_n_calls() -> None:
    genrm, judge = scorer(fair_judge, position_swap=False)
    result = genrm.score_groups([JudgeGroup("task", ["q2", "q5", "q1", "q4", "q3"])])
    assert len(judge.prompts) == 5
    assert "genrm/order_agreement" not in result.metrics
    scores = result.scores[0]
    assert sorted(range(5), key=lambda i: scores[i]) == [2, 0, 4, 3, 1]


def test_unparseable_judgements_count_as_the_groups_floor() -> None:
    def flaky(prompt: str) -> str:
        shown = responses_in(prompt)
        if shown[0] == "broken":
            return "I cannot decide."
        return fair_judge(prompt)

    genrm, _ = scorer(flaky)
    # (q5, broken) parses, (broken, q5) does not; every judgement of the last group fails
    result = genrm.score_groups([JudgeGroup("t", ["q5", "broken"]), JudgeGroup("t", ["broken"])])
    first, second = pair_scores(PairJudgement(5, 1, 1.1))
    floor = min(first, second)
    assert result.scores[0] == pytest.approx([(first + floor) / 2, (second + floor) / 2])
    assert result.scores[1] == [0.0]  # nothing readable in its group: the floor is 0
    assert result.metrics["genrm/unparseable"] == 2
    assert result.metrics["genrm/unparseable_fraction"] == pytest.approx(2 / 3)
    assert result.metrics["genrm/no_verdict"] == 1
    assert [j.parsed for j in result.judgements] == [True, False, False]


def test_a_failing_judge_gives_none_and_never_raises() -> None:
    def crash(prompt: str) -> str:
        raise RuntimeError("CUDA out of memory")

    genrm, _ = scorer(crash)
    with pytest.warns(RuntimeWarning, match="out of memory"):
        result = genrm.score_groups([JudgeGroup("t", ["a", "b", "c"])])
    assert result.scores == [[None, None, None]]
    assert result.metrics["genrm/errors"] == 3
    assert result.error is not None
    assert "out of memory" in result.error


def test_one_batch_for_the_whole_step() -> None:
    class CountingJudge(ScriptedJudge):
        calls: list[int]

        def generate(self, conversations: Sequence[list[Message]]) -> list[str]:
            self.calls.append(len(conversations))
            return super().generate(conversations)

    judge = CountingJudge(fair_judge)
    judge.calls = []
    genrm = GenRMScorer(judge, GenRMConfig(mode="pairwise"))
    genrm.score_groups([JudgeGroup("a", ["q1", "q2", "q3"]), JudgeGroup("b", ["q1", "q2"])])
    assert judge.calls == [8]  # 6 + 2 judgements in one call
    assert genrm.score_groups([]).scores == []


def test_what_the_judge_sees() -> None:
    genrm, judge = scorer(fair_judge)
    prompt = [
        {"role": "user", "content": "What is 1 + 1?"},
        {"role": "assistant", "content": "\\boxed{2}"},
        {"role": "user", "content": "What is 3 + 4?"},
    ]
    completions = [
        "<think>3 + 4 is 7</think>q4",
        [{"role": "assistant", "content": "q2"}],  # TRL's conversational completions
        "<think>never closed q5",
    ]
    result = genrm.score_groups([JudgeGroup(prompt, completions)])
    first = judge.prompts[0]
    assert "What is 3 + 4?" in first
    assert "What is 1 + 1?" not in first  # the worked example is the policy's, not the task
    assert "<think>" not in "".join(judge.prompts)
    # reasoning never closed: no answer, 0 without a judge call
    assert {r for p in judge.prompts for r in responses_in(p)} == {"q4", "q2"}
    assert result.scores[0][2] == 0.0


def test_prefill_starts_the_verdict() -> None:
    seen: list[list[Message]] = []

    class Recording(ScriptedJudge):
        def generate(self, conversations: Sequence[list[Message]]) -> list[str]:
            seen.extend(conversations)
            return ["4}" for _ in conversations]  # what a model continuing the prefill writes

    result = GenRMScorer(Recording(fair_judge), GenRMConfig(mode="pointwise")).score_groups(
        [JudgeGroup("t", ["x"])]
    )
    assert seen[0][-1] == {"role": "assistant", "content": PREFILLS["pointwise"]}
    assert result.scores == [[0.75]]
    assert result.judgements[0].output == '{"score": 4}'

    seen.clear()
    off = GenRMScorer(Recording(fair_judge), GenRMConfig(mode="pointwise", prefill=False))
    off.score_groups([JudgeGroup("t", ["x"])])
    assert [m["role"] for m in seen[0]] == ["user"]
    # and a scripted reply that repeats the prefill is cut, as a model would not repeat it
    on, _ = scorer(fair_judge)
    assert on.score_groups([JudgeGroup("t", ["q5", "q1"])]).scores[0][0] > 0.9


def test_custom_template() -> None:
    template = 'Q: {prompt}\nA: {response}\nReply {"score": N}'
    genrm, judge = scorer(lambda p: '{"score": 5}', mode="pointwise", pointwise_template=template)
    assert genrm.score_groups([JudgeGroup("hi", ["there"])]).scores == [[1.0]]
    (prompt,) = judge.prompts
    assert prompt.startswith("Q: hi\nA: <<<BEGIN RESPONSE ")
    assert prompt.endswith(
        ">>>\nthere\n<<<END RESPONSE " + prompt.split()[5] + '\nReply {"score": N}'
    )


# -- the config and the command line ------------------------------------------------------------


def test_config_reads_genrm_and_reward_weights() -> None:
    config = config_from_dict(
        {
            "envs": {"math": {}, "if": {"reward": {"verifier": 1, "genrm": 0.5}}},
            "genrm": {"mode": "pairwise", "model": "judge-dir", "max_new_tokens": 32},
        }
    )
    check(config)
    assert config.envs["math"].reward == RewardWeights(1.0, 0.0)
    assert config.envs["if"].reward == RewardWeights(1.0, 0.5)
    assert (config.genrm.mode, config.genrm.model, config.genrm.max_new_tokens) == (
        "pairwise",
        "judge-dir",
        32,
    )
    assert config_from_dict({"envs": ["math"]}).genrm.mode == "off"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"genrm": {"mod": "pairwise"}}, "genrm.*unknown field 'mod'; did you mean 'mode'"),
        ({"envs": {"m": {"reward": {"genr": 1}}}}, "envs.m.*unknown field 'genr'"),
        ({"envs": {"m": {"reward": 0.5}}}, "field 'reward': expected a mapping"),
        ({"genrm": {"max_new_tokens": "many"}}, "field 'max_new_tokens': expected int"),
    ],
)
def test_config_errors_name_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=message):
        config_from_dict(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"genrm": {"mode": "listwise"}}, "genrm.mode must be one of off, pointwise, pairwise"),
        ({"genrm": {"mode": "pointwise", "max_new_tokens": 0}}, "genrm.max_new_tokens"),
        ({"genrm": {"mode": "pointwise", "batch_size": 0}}, "genrm.batch_size"),
        ({"genrm": {"temperature": -1}}, "genrm.temperature"),
        ({"genrm": {"pairwise_template": "{prompt}"}}, "genrm.pairwise_template: the template"),
        ({"envs": {"m": {"reward": {"verifier": 0}}}}, "envs.m.reward: .* both 0"),
        ({"envs": {"m": {"reward": {"genrm": -1}}}}, r"envs.m.reward.genrm must be 0 or more"),
        (
            {"envs": {"m": {"reward": {"genrm": 1}}}},
            "envs.m.reward.genrm is 1.0 but the GenRM is off",
        ),
    ],
)
def test_check_rejects_bad_genrm_settings(data: dict[str, Any], message: str) -> None:
    data = {"envs": ["m"], **data}
    with pytest.raises(UserError, match=message):
        check(config_from_dict(data))


def test_cli_genrm_flags(run_cli: Any, tmp_path: Path) -> None:
    assert "--genrm-model" in run_cli("train", "--help").stdout
    result = run_cli("train", "--envs", "math", "--genrm", "listwise")
    assert result.returncode == 2
    assert "genrm.mode must be one of off, pointwise, pairwise" in result.stderr
    config = tmp_path / "run.yaml"
    config.write_text("envs: {math: {reward: {verifier: 1, genrm: 1}}}\n", encoding="utf-8")
    result = run_cli("train", "--config", config, "--genrm-model", "judge")
    assert result.returncode == 2
    assert "the GenRM is off: pass --genrm" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_flags_map_onto_the_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import types

    from typer.testing import CliRunner

    from rlvr.cli import app

    seen: list[Any] = []
    fake = types.ModuleType("rlvr.train")
    fake.train = lambda config, **_: seen.append(config) or tmp_path  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rlvr.train", fake)  # no training, no torch
    config = tmp_path / "run.yaml"
    config.write_text(
        "envs: {if: {reward: {verifier: 1, genrm: 0.5}}}\ngenrm: {max_new_tokens: 32}\n",
        encoding="utf-8",
    )
    args = ["train", "--config", str(config), "--genrm", "pairwise", "--genrm-model", "judge"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    (run_config,) = seen
    assert (run_config.genrm.mode, run_config.genrm.model) == ("pairwise", "judge")
    assert run_config.genrm.max_new_tokens == 32  # the config's, kept under the flags
    assert run_config.envs["if"].reward == RewardWeights(1.0, 0.5)


# -- a real judge model -------------------------------------------------------------------------


@pytest.mark.slow
def test_transformers_judge_on_a_tiny_model(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the fences' random codes change the prompt; greedy judging of one prompt is what repeats
    monkeypatch.setattr("rlvr.genrm.new_nonce", lambda: "0123456789ab")
    config = GenRMConfig(mode="pairwise", max_new_tokens=6, batch_size=3)
    judge = TransformersJudge.from_config(tiny_model, config)
    genrm = GenRMScorer(judge, config)
    groups = [
        JudgeGroup("What is 12 + 7?", ["\\boxed{19}", "\\boxed{20}", "19"], reference="19"),
        JudgeGroup([{"role": "user", "content": "Write a poem."}], ["the sea", "waves"]),
    ]
    first = genrm.score_groups(groups)
    assert [len(s) for s in first.scores] == [3, 2]
    assert all(s is not None and 0 <= s <= 1 for group in first.scores for s in group)
    assert first.metrics["genrm/judgements"] == 8
    assert first.metrics["genrm/responses_per_second"] > 0
    # a random model writes no verdict: every judgement is counted, every score neutral
    assert first.metrics["genrm/unparseable"] == sum(not j.parsed for j in first.judgements)
    assert all(j.output.startswith(PREFILLS["pairwise"]) for j in first.judgements)
    again = genrm.score_groups(groups)
    assert [j.output for j in again.judgements] == [j.output for j in first.judgements]
    # the prefill is rendered inside the assistant turn, after the chat template's opening
    rendered = judge._render(
        [{"role": "user", "content": "x"}, {"role": "assistant", "content": "{"}]
    )
    assert rendered.endswith("<|im_start|>assistant\n{")


# -- the Ray actor ------------------------------------------------------------------------------


def scripted_factory() -> ScriptedJudge:
    return ScriptedJudge(fair_judge)


class _DyingJudge:
    def generate(self, conversations: Sequence[list[Message]]) -> list[str]:
        import os

        os._exit(1)  # the actor's process is lost mid-call


def dying_factory() -> _DyingJudge:
    return _DyingJudge()


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray = pytest.importorskip("ray")
    # the actor imports this module's judges by value: it is not on the workers' path
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=1, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield
    ray.shutdown()


@pytest.mark.slow
def test_actor_scores_like_the_local_scorer(local_ray: None, tiny_model: Path) -> None:
    groups = [JudgeGroup("task", ["q2", "q5", "q1"]), JudgeGroup("t", ["q3", "q4"], env="if")]
    config = GenRMConfig(mode="pairwise")
    actor = GenRMActor(config, judge_factory=scripted_factory)
    try:
        import torch

        assert actor.num_gpus == (1.0 if torch.cuda.is_available() else 0.0)
        pending = actor.submit(groups)
        remote = pending.result(timeout=120)
        local = GenRMScorer(scripted_factory(), config).score_groups(groups)
        assert remote.scores == local.scores
        assert remote.metrics["env/if/genrm_score"] == local.metrics["env/if/genrm_score"]
    finally:
        actor.close()
    # the default judge: a causal LM loaded inside the actor
    real = GenRMActor(GenRMConfig(mode="pointwise", model=str(tiny_model), max_new_tokens=4))
    try:
        result = real.score_groups(groups)
        assert [len(s) for s in result.scores] == [3, 2]
        assert result.error is None
    finally:
        real.close()


@pytest.mark.slow
def test_a_lost_actor_gives_none_scores(local_ray: None) -> None:
    actor = GenRMActor(GenRMConfig(mode="pointwise"), judge_factory=dying_factory)
    try:
        result = actor.score_groups([JudgeGroup("t", ["a", "b"])])
    finally:
        actor.close()
    assert result.scores == [[None, None]]
    assert result.error is not None
    assert result.metrics["genrm/errors"] == 2


def equivalence_factory() -> ScriptedJudge:
    """Equivalent when the two fenced answers name the same number, in digits or in words."""

    def reply(prompt: str) -> str:
        answers = re.findall(r"<<<BEGIN ANSWER \d \w+>>>\n(.*?)\n<<<END", prompt, re.S)
        words = {"five": "5"}
        values = [words.get(re.sub(r"\\text\{(.*)\}", r"\1", a).strip(), a) for a in answers]
        return json.dumps({"equivalent": int(values[0] == values[1])})

    return ScriptedJudge(reply)


@pytest.mark.slow
def test_training_rewards_through_the_cascade_actor(local_ray: None) -> None:
    """`rlvr train`'s reward function with a cascade GenRM actor: the verifier's 1 and its
    refusals stand, an unreadable right answer is rescued, and the counts are logged."""
    from rlvr.rewards import ProblemRewards
    from rlvr.verifiers.math import MathVerifier

    actor = GenRMActor(GenRMConfig(mode="cascade"), judge_factory=equivalence_factory)
    problem = {"id": "p", "env": "math", "prompt": "What is 12 - 7?", "answer": "5"}
    rewards = ProblemRewards(
        {"p": problem}, {"math": MathVerifier()}, genrm=actor, reference_field="answer"
    )
    logged: dict[str, float] = {}
    completions = ["\\boxed{5}", "\\boxed{\\text{five}}", "\\boxed{4} or \\boxed{5}", "\\boxed{6}"]
    try:
        out = rewards(
            prompts=["What is 12 - 7?"] * 4,
            completions=completions,
            problem_id=["p"] * 4,
            log_metric=logged.__setitem__,
        )
    finally:
        actor.close()
    assert out == [1.0, 1.0, 0.0, 0.0]
    # \boxed{6} was read exactly as a number other than 5: the judge is not asked about it
    assert logged["genrm/cascade_asked"] == 1
    assert logged["genrm/cascade_refused"] == 1
    assert logged["genrm/cascade_rescued"] == 1
    assert "genrm/score_mean" not in logged  # no scoring mode ran beside it
    verdicts = rewards.take_outcomes().verdicts_by_env["math"]
    assert [v.info.get("judge") for v in verdicts] == [None, "equivalent", None, "different"]
