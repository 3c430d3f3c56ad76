"""Where a multi-turn tool's work runs: the built-ins' tool programs are hosted by the
verification engine's pool in training (local workers here; Ray actors in
tests/rlvr/test_pool.py), with the engine's deadline and restart rules; only what a tool may
see leaves for the host; a host that fails is an infrastructure fault (the episode's reward is
None), a program the engine stops is an error the policy reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from rlvr.engine import LocalPool
from rlvr.environments.code_feedback import TOOL_KEY as RUN_TESTS
from rlvr.environments.math_tool import TOOL_KEY as PYTHON
from rlvr.environments.math_tool import MathToolEnvironment
from rlvr.errors import UserError
from rlvr.multiturn import (
    ToolInfrastructureError,
    environment_factories,
    episode_reward,
    tool_outcome,
    tool_programs,
    tool_verdict,
)
from rlvr.verdict import Verdict

Item = tuple[str, Mapping[str, Any], Any]
RIGHT = "def total(numbers):\n    return sum(numbers)\n"


class Recording:
    """A tool host that records what it is sent and answers with `answer`."""

    def __init__(self, answer: Verdict | Exception) -> None:
        self.answer = answer
        self.items: list[Item] = []

    def score(self, items: Sequence[Item]) -> list[Verdict]:
        self.items += items
        if isinstance(self.answer, Exception):
            raise self.answer
        return [self.answer for _ in items]


def episode_on(environment: Any, problem: Mapping[str, Any], host: Any) -> Any:
    """An episode as training makes it: from TRL's factory, with the run's host."""
    factories = environment_factories(
        {environment.name: environment}, {str(problem["id"]): problem}, host
    )
    assert factories is not None
    episode = factories[environment.name]()
    episode.reset(problem_id=str(problem["id"]))
    return episode


def test_tool_calls_run_on_the_verification_pool(code_env, total) -> None:
    with LocalPool(code_env.tool_programs(), workers=1) as pool:
        episode = episode_on(code_env, total, pool)
        text = episode.run_tests(RIGHT)
        assert pool.stats().items == 1  # the call went through the engine
    assert "1 of 1 examples passed" in text
    assert episode.transcript[0]["status"] == "ok"
    assert episode.fault is None


def test_only_the_visible_examples_leave_for_the_host(code_env, total) -> None:
    assert len(total["tests"]) > code_env.visible_tests  # hidden tests exist
    host = Recording(tool_verdict("ok", "fine"))
    episode = episode_on(code_env, total, host)
    assert episode.run_tests(RIGHT) == "fine"
    ((key, problem, code),) = host.items
    assert key == RUN_TESTS
    assert problem["tests"] == total["tests"][: code_env.visible_tests]
    assert code == RIGHT


def test_the_engine_deadline_stops_a_tool_program_as_the_candidate_error() -> None:
    env = MathToolEnvironment(size=20, max_turns=2, timeout_s=30.0)
    problem = env.problems("train")[0]
    with LocalPool(env.tool_programs(), workers=1, item_timeout=4.0) as pool:
        episode = episode_on(env, problem, pool)
        text = episode.python("while True:\n    pass\n")  # its own limit is 30 s
        assert "stopped" in text
        # the same episode's next call runs on a replaced worker
        assert episode.python("print(6 * 7)").strip() == "42"
    assert [c["status"] for c in episode.transcript] == ["error", "ok"]
    assert episode.fault is None
    assert episode_reward(1.0, episode) == 1.0


@pytest.mark.parametrize(
    "answer",
    [
        Verdict.error("the worker died twice"),
        RuntimeError("the pool is closed"),
        Verdict(1.0, {"status": "ok"}),  # no tool result in it
    ],
    ids=["no-verdict", "host-raises", "no-result"],
)
def test_a_failing_host_is_an_infrastructure_fault(answer, code_env, total) -> None:
    episode = episode_on(code_env, total, Recording(answer))
    text = episode.run_tests(RIGHT)
    assert "infrastructure" in text
    assert episode.transcript[0]["status"] == "infrastructure"
    assert episode.fault
    assert episode_reward(1.0, episode) is None
    assert episode_reward(0.0, episode) is None


def test_tool_verdicts_carry_the_text_and_refuse_unknown_statuses() -> None:
    assert tool_outcome(tool_verdict("ok", "42\n")) == ("ok", "42\n")
    assert tool_outcome(tool_verdict("error", "boom")) == ("error", "boom")
    assert tool_verdict("error", "boom").reward == 0.0
    with pytest.raises(ValueError, match="tool status"):
        tool_verdict("passed", "forged")
    with pytest.raises(ToolInfrastructureError):
        tool_outcome(Verdict(1.0, {"tool_status": "ok", "tool_text": 42}))


def test_programs_are_collected_per_environment_and_keys_must_not_clash(code_env) -> None:
    math_env = MathToolEnvironment(size=20)
    programs = tool_programs({"code-feedback": code_env, "math-tool": math_env, "x": object()})
    assert sorted(programs) == sorted([RUN_TESTS, PYTHON])

    class Twin(MathToolEnvironment):
        name = "twin"

    with pytest.raises(UserError, match="math-tool/python"):
        tool_programs({"math-tool": math_env, "twin": Twin(size=20)})


def test_programs_pickle_without_their_sandbox(code_env, total) -> None:
    import pickle

    (program,) = code_env.tool_programs().values()
    program.verify({**total, "tests": total["tests"][:1]}, RIGHT)  # builds its checker
    clone = pickle.loads(pickle.dumps(program))
    assert clone._checker is None  # a host configures its own sandbox
    assert clone.verify({**total, "tests": total["tests"][:1]}, RIGHT).reward == 1.0
