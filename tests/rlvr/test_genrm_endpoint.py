"""A GenRM judge behind an OpenAI-compatible endpoint (`genrm.base_url`): through a real
server started on localhost (tests/openai_server.py, `transformers serve` on the tiny
random-init model), and against a port where nobody listens, for the transport failures."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from rlvr.config import check, config_from_dict
from rlvr.errors import UserError
from rlvr.genrm import (
    EquivalenceQuestion,
    EquivalenceScorer,
    GenRMConfig,
    GenRMScorer,
    JudgeGroup,
    OpenAIJudge,
)
from tests.openai_server import OpenAIServer


def closed_port() -> int:
    """A port nobody listens on (bound and released: connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The tiny model takes 512 tokens, prompt and answer; the built-in templates alone are longer
# in its tokenizer. The rules (fences, quoting, prefill, parsing) are the same.
SHORT: dict[str, Any] = {
    "pointwise_template": 'Task: {prompt}{reference}\n{response}\nReply {"score": 1-5}.',
    "cascade_template": 'Q: {prompt}\n{answer_1}\n{answer_2}\nReply {"equivalent": 1 or 0}.',
}


def endpoint(server: OpenAIServer, mode: str, **options: Any) -> tuple[OpenAIJudge, GenRMConfig]:
    config = GenRMConfig(
        mode=mode,
        base_url=server.base_url,
        model=server.model,
        max_new_tokens=6,
        **SHORT,
        **options,
    )
    return OpenAIJudge.from_config(config), config


# -- through a real server -----------------------------------------------------------------------


def test_a_served_judge_scores_like_a_local_one(openai_server: OpenAIServer) -> None:
    """Every judgement is answered (none failed); the tiny model's random text holds no
    verdict, so each response scores its group's floor: 0, never None and never neutral."""
    judge, config = endpoint(openai_server, "pointwise", batch_size=3)
    judge.check_reachable()
    groups = [JudgeGroup("What is 12 + 7?", ["\\boxed{19}", "\\boxed{20}", ":"], reference="19")]
    result = GenRMScorer(judge, config).score_groups(groups)
    assert result.error is None
    assert result.metrics["genrm/failed_calls"] == 0
    assert result.metrics["genrm/judgements"] == 2  # ":" has nothing to judge: no call
    assert all(j.output.startswith('{"score": ') for j in result.judgements)
    for judgement in result.judgements:
        assert len(judgement.output) <= len('{"score": ') + 6 * 16 + 1
    assert result.scores == [[0.0, 0.0, 0.0]] or result.metrics["genrm/unparseable"] < 2


def test_a_response_longer_than_the_served_context_is_cut_to_fit(
    openai_server: OpenAIServer,
) -> None:
    """A policy cannot make its own judgement an infrastructure fault (None: left out of the
    update) by writing more tokens than the judge takes: random characters and emoji tokenize
    at a token a character or worse, so an endpoint judge sizes text in UTF-8 bytes, an upper
    bound in any byte-level tokenizer. The tiny model takes 512 tokens."""
    import random

    judge, config = endpoint(openai_server, "pointwise")
    judge._context_tokens = 512  # what vLLM would report as max_model_len
    noise = random.Random(0)
    hostile = [
        "".join(chr(noise.randrange(33, 127)) for _ in range(3000)),
        "\U0001f642\u89e3" * 1000,
    ]
    result = GenRMScorer(judge, config).score_groups([JudgeGroup("Say hi.", hostile)])
    assert result.metrics["genrm/failed_calls"] == 0, result.error
    assert result.metrics["genrm/cut"] == 2
    assert all(score is not None for score in result.scores[0])


def test_cascade_through_a_served_judge(openai_server: OpenAIServer) -> None:
    """Both orders are asked over the wire; a reply with no verdict is "not equivalent" (0),
    never a rescue and never an infrastructure fault."""
    judge, config = endpoint(openai_server, "cascade")
    questions = [EquivalenceQuestion("What is 12 - 7?", "5", "\\text{five}", env="math")]
    result = EquivalenceScorer(judge, config).judge_answers(questions)
    assert result.error is None
    assert result.metrics["genrm/judgements"] == 2
    assert result.metrics["genrm/failed_calls"] == 0
    assert result.equivalent in ([False], [True])


def test_check_judge_against_a_served_judge(
    openai_server: OpenAIServer,
    run_cli: Any,
    tmp_path: Any,
) -> None:
    import yaml

    report = tmp_path / "report.json"
    config = tmp_path / "judge.yaml"
    # responses cut to fit the tiny context (the server does not say its length)
    genrm = {"max_new_tokens": 6, "max_response_tokens": 48, **SHORT}
    config.write_text(yaml.safe_dump({"genrm": genrm}))
    result = run_cli(
        "check-judge",
        "--base-url",
        openai_server.base_url,
        "--model",
        openai_server.model,
        "--config",
        config,
        "--limit",
        "1",
        "--json",
        report,
    )
    assert result.returncode == 0, result.stderr
    assert "false-positive rate" in result.stdout
    import json

    data = json.loads(report.read_text())
    assert data["model"] == f"{openai_server.model} at {openai_server.base_url}"
    # answered, not failed: the report's cases all have scores
    assert all(case["score"] is not None for case in data["cases"])


# -- when the endpoint is not there --------------------------------------------------------------


def test_a_dead_endpoint_is_none_never_zero() -> None:
    config = GenRMConfig(
        mode="pointwise",
        base_url=f"http://127.0.0.1:{closed_port()}/v1",
        model="judge",
        max_retries=1,
        request_timeout=2,
    )
    judge = OpenAIJudge.from_config(config)
    with pytest.warns(RuntimeWarning, match="failed on 2 of 2 calls.*Connection"):
        result = GenRMScorer(judge, config).score_groups([JudgeGroup("t", ["\\boxed{1}", "2"])])
    assert result.scores == [[None, None]]
    assert result.metrics["genrm/errors"] == 2
    cascade = EquivalenceScorer(judge, dataclass_replace(config, mode="cascade"))
    with pytest.warns(RuntimeWarning):
        answers = cascade.judge_answers([EquivalenceQuestion("t", "5", "five")])
    assert answers.equivalent == [None]


def test_a_server_that_never_answers_times_out_to_none() -> None:
    """A server that takes the connection and never replies (hung, or overloaded): each
    request gives up after `request_timeout` and its retries, and the score is None."""
    import time

    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # connections queue in the backlog; nothing ever reads them
        port = hung.getsockname()[1]
        config = GenRMConfig(
            mode="pointwise",
            base_url=f"http://127.0.0.1:{port}/v1",
            model="judge",
            max_retries=1,
            request_timeout=0.5,
        )
        started = time.monotonic()
        with pytest.warns(RuntimeWarning, match="Timeout"):
            result = GenRMScorer(OpenAIJudge.from_config(config), config).score_groups(
                [JudgeGroup("t", ["\\boxed{1}"])]
            )
    assert result.scores == [[None]]
    assert time.monotonic() - started < 30  # bounded: the timeout and one backoff, not forever


def dataclass_replace(config: GenRMConfig, **changes: Any) -> GenRMConfig:
    import dataclasses

    return dataclasses.replace(config, **changes)


def test_a_wrong_url_fails_at_start() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    judge = OpenAIJudge(url, "judge", max_retries=0, timeout=2)
    with pytest.raises(UserError, match=f"genrm.base_url {url}: cannot list its models"):
        judge.check_reachable()


def test_check_judge_on_a_wrong_url_is_exit_2(run_cli: Any) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = run_cli("check-judge", "--base-url", url, "--model", "judge", "--limit", "1")
    assert result.returncode == 2
    assert f"genrm.base_url {url}: cannot list its models" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("genrm", "message"),
    [
        ({"base_url": "localhost:8000"}, "must start with http:// or https://"),
        ({"base_url": "http://localhost:8000/v1"}, "needs genrm.model"),
        (
            {"base_url": "http://h/v1", "model": "m", "api_key_env": "RLVR_TEST_NO_SUCH_KEY"},
            "RLVR_TEST_NO_SUCH_KEY, which is not set",
        ),
        ({"api_key_env": "KEY"}, "api_key_env is set but genrm.base_url is not"),
        ({"request_timeout": 0}, "genrm.request_timeout must be positive"),
        ({"max_retries": -1}, "genrm.max_retries must be 0 or more"),
    ],
)
def test_endpoint_settings_are_checked(genrm: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=message):
        check(config_from_dict({"envs": ["math"], "genrm": {"mode": "pointwise", **genrm}}))
