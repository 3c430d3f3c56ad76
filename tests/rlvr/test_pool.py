"""The environment pool on a real local Ray (one start for the module): order, concurrency,
placement, and the fault model — actors killed mid-batch, verifiers that hang inside a C call
holding the GIL, crash or raise — plus `rlvr verify` on Ray and the TRL reward functions."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

import rlvr.pool as pool_module
from rlvr.errors import UserError
from rlvr.metrics import env_metrics
from rlvr.pool import (
    CALLS_PER_ACTOR,
    EnvironmentPool,
    _Actor,
    _Batch,
    _Chunk,
    _Env,
    _place,
    _placeable,
    start_ray,
)
from rlvr.registry import get_verifier, import_file
from rlvr.rewards import ProblemRewards, reward_function
from tests.rlvr.faults_plugin import FAULTS

WritePlugin = Callable[[str, str], Path]


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """One local Ray with two CPUs for the whole module (it takes seconds to start)."""
    import ray

    started = start_ray(num_cpus=2)
    yield ray.get_runtime_context().gcs_address
    if started:
        ray.shutdown()


@pytest.fixture
def faults(write_plugin: WritePlugin, ray_address: str) -> tuple[Any, Path]:
    """A `Faults` verifier instance and its plugin file (the actors load the file)."""
    path = write_plugin("pool_faults", FAULTS)
    return import_file(path).Faults(), path


def item(command: str, target: str = "yes", answer: str = "yes", **extra: Any) -> Any:
    return ("faults", {"target": target, **extra}, f"{command}:{answer}" if command else answer)


def rewards(verdicts: list[Any]) -> list[float | None]:
    return [v.reward for v in verdicts]


def test_math_code_and_if_verify_at_once_in_order(ray_address: str) -> None:
    verifiers = {name: get_verifier(name) for name in ("math", "code", "if")}
    cases = [(env, p, c, r) for env, v in verifiers.items() for p, c, r in v.examples()]
    cases = cases[::2] + cases[1::2]  # environments interleaved
    with EnvironmentPool(verifiers, plugin_files=[]) as pool:
        assert pool.actors_per_env == 1  # two CPUs, three environments
        assert pool.cpus_per_actor == pytest.approx(2 / 3, abs=1e-3)
        verdicts = pool.score([(env, p, c) for env, p, c, _ in cases])
        assert rewards(verdicts) == [r for *_, r in cases]
        assert pool.stats().errors == 0


def test_multiturn_tool_calls_run_on_the_actors(ray_address: str) -> None:
    """A training episode's tool call is an item on the environments' actors: code-feedback's
    `run_tests` and math-tool's `python` hosted beside a verifier, each call answered there."""
    from rlvr.environments.code_feedback import CodeFeedbackEnvironment
    from rlvr.environments.math_tool import MathToolEnvironment
    from rlvr.multiturn import environment_factories

    code_env = CodeFeedbackEnvironment(max_turns=2, timeout_s=2.0)
    math_env = MathToolEnvironment(size=20, max_turns=2, timeout_s=2.0)
    total = next(p for p in code_env.problems("train") if p["id"] == "code-feedback/total")
    sum_problem = math_env.problems("train")[0]
    hosted = {"math": get_verifier("math"), **code_env.tool_programs()}
    hosted.update(math_env.tool_programs())
    environments = {"code-feedback": code_env, "math-tool": math_env}
    problems = {str(p["id"]): p for p in (total, sum_problem)}
    with EnvironmentPool(hosted, actors_per_env=1, plugin_files=[]) as pool:
        factories = environment_factories(environments, problems, pool)
        assert factories is not None
        coder, calculator = factories["code-feedback"](), factories["math-tool"]()
        coder.reset(problem_id="code-feedback/total")
        calculator.reset(problem_id=str(sum_problem["id"]))
        passed = coder.run_tests("def total(numbers):\n    return sum(numbers)\n")
        printed = calculator.python("print(6 * 7)")
        assert pool.stats().items == 2
        assert sorted(pool.envs) == sorted(hosted)
    assert "1 of 1 examples passed" in passed
    assert printed.strip() == "42"
    assert coder.fault is None
    assert calculator.fault is None


def test_a_batch_is_split_across_an_environments_actors(faults: tuple[Any, Path]) -> None:
    verifier, path = faults
    targets = [str(i) for i in range(12)]
    items = [
        ("faults", {"target": t}, f"sleep:0.05:{t if i % 3 else 'x'}")
        for i, t in enumerate(targets)
    ]
    with EnvironmentPool({"faults": verifier}, actors_per_env=2, plugin_files=[path]) as pool:
        verdicts = pool.score(items)
    assert rewards(verdicts) == [0.0 if i % 3 == 0 else 1.0 for i in range(12)]
    assert len({v.info["actor_pid"] for v in verdicts}) == 2


def test_an_actor_killed_mid_batch_is_replaced_and_its_items_retried(
    faults: tuple[Any, Path],
) -> None:
    verifier, path = faults
    items = [item("sleep:0.2", answer="yes" if i % 2 else "no") for i in range(10)]
    with EnvironmentPool({"faults": verifier}, actors_per_env=1, plugin_files=[path]) as pool:
        (victim,) = pool.actor_pids("faults")
        future = pool.submit(items)
        time.sleep(0.7)  # a few items in
        assert not future.done()
        os.kill(victim, signal.SIGKILL)
        verdicts = future.result(timeout=120)
        assert rewards(verdicts) == [float(i % 2) for i in range(10)]
        assert pool.stats().actor_restarts == 1
        assert victim not in pool.actor_pids("faults")
        assert rewards(pool.score(items[:2])) == [0.0, 1.0]  # the replacement keeps working


def test_a_verifier_hanging_in_c_times_out_and_the_rest_score_right(
    faults: tuple[Any, Path],
) -> None:
    verifier, path = faults
    math = get_verifier("math")
    batch = [
        item(""),
        ("math", {"answer": "4"}, "\\boxed{4}"),
        item("hang"),
        item("", answer="no"),
        ("math", {"answer": "4"}, "\\boxed{5}"),
        item(""),
    ]
    with EnvironmentPool(
        {"faults": verifier, "math": math}, item_timeout=1.0, plugin_files=[path]
    ) as pool:
        started = time.monotonic()
        verdicts = pool.score(batch)
        elapsed = time.monotonic() - started
        stats = pool.stats()
    assert elapsed < 20  # one timeout, a fresh verifier process, not a hang
    assert rewards(verdicts) == [1.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    assert verdicts[2].info["status"] == "timeout"
    assert (stats.timeouts, stats.process_restarts, stats.errors) == (1, 1, 0)


def test_faults_of_the_verifier_are_errors_never_zeros(
    faults: tuple[Any, Path], tmp_path: Path
) -> None:
    verifier, path = faults
    marker = tmp_path / "died-once"
    batch = [
        item("raise"),
        item("die"),
        item("die-once", marker=str(marker)),
        item("", answer="no"),
        item(""),
    ]
    with EnvironmentPool({"faults": verifier}, actors_per_env=1, plugin_files=[path]) as pool:
        verdicts = pool.score(batch)
        stats = pool.stats()
    assert rewards(verdicts) == [None, None, 1.0, 0.0, 1.0]  # died once: retried, scored
    assert "RuntimeError: a bug in the checker" in verdicts[0].info["error"]
    assert "killed by SIGKILL" in verdicts[1].info["error"]
    assert marker.exists()
    assert (stats.errors, stats.timeouts, stats.actor_restarts) == (2, 0, 0)


def test_an_item_that_kills_its_actor_each_time_ends_as_an_error(
    faults: tuple[Any, Path],
) -> None:
    verifier, path = faults
    batch = [item(""), item("kill-actor"), item("", answer="no"), item("")]
    with EnvironmentPool({"faults": verifier}, actors_per_env=1, plugin_files=[path]) as pool:
        verdicts = pool.score(batch)
        stats = pool.stats()
    assert rewards(verdicts) == [1.0, None, 0.0, 1.0]
    assert verdicts[1].info["status"] == "actor_lost"
    assert "lost 2 times" in verdicts[1].info["error"]
    assert stats.actor_restarts == 2


def test_a_retried_chunk_runs_alone_on_an_actor() -> None:
    # An item queued on an actor behind or before one that kills it is lost with it; were
    # it retried alongside that item again, an innocent item would end as an error (a race
    # CI once lost). So a retry takes a whole idle actor, and the queue keeps its order.
    batch = _Batch([None] * 4, 4, Future())
    one, two = _Actor("e", "one", None), _Actor("e", "two", None)
    fresh = _Chunk(batch, "e", [0], [("e", {}, "")])
    retry = _Chunk(batch, "e", [1], [("e", {}, "")], losses=1)
    env = _Env("e", b"", 1, actors=[one, two], idle=[one, two, one], queue=deque([retry, fresh]))

    placed = list(_place(env))  # `one` is wholly idle, `two` half busy
    assert [(a.handle, c.positions, slots) for a, c, slots in placed] == [
        ("one", [1], CALLS_PER_ACTOR),
        ("two", [0], 1),
    ]
    assert env.idle == []
    assert not env.queue

    env.idle, env.queue = [one, two], deque([retry, fresh])  # no actor wholly idle
    assert not _placeable(env)
    assert list(_place(env)) == []
    assert list(env.queue) == [retry, fresh]  # the chunk behind the retry waits its turn


def test_a_slow_environment_does_not_hold_up_the_others(write_plugin: WritePlugin) -> None:
    path = write_plugin("pool_faults_slow", FAULTS)
    module = import_file(path)
    verifiers = {"slow": module.Faults(), "fast": module.Faults()}
    slow_items = [("slow", {"target": "yes"}, "sleep:1.0:yes")] * 3
    fast_items = [("fast", {"target": "yes"}, "sleep:0.01:yes")] * 3

    async def both(pool: EnvironmentPool) -> tuple[float, float]:
        started = time.monotonic()
        slow = asyncio.ensure_future(pool.ascore(slow_items))
        assert rewards(await pool.ascore(fast_items)) == [1.0] * 3
        fast_done = time.monotonic() - started
        assert rewards(await slow) == [1.0] * 3
        return fast_done, time.monotonic() - started

    with EnvironmentPool(verifiers, actors_per_env=1, plugin_files=[path]) as pool:
        fast_done, slow_done = asyncio.run(both(pool))
        assert fast_done < 1.5
        assert slow_done >= 3.0
        # in one batch, the environments run side by side: about 1.8 s, not 3.6
        mixed = [("slow", {"target": "yes"}, "sleep:0.6:yes")] * 3
        mixed += [("fast", {"target": "yes"}, "sleep:0.6:yes")] * 3
        started = time.monotonic()
        assert rewards(pool.score(mixed)) == [1.0] * 6
        assert time.monotonic() - started < 3.0


def test_an_actor_that_cannot_be_placed_is_an_error_not_a_hang(
    faults: tuple[Any, Path],
) -> None:
    verifier, path = faults
    with pytest.raises(UserError, match="asks for 64 CPUs but the largest Ray node has 2"):
        EnvironmentPool({"faults": verifier}, cpus_per_actor=64, plugin_files=[path])
    holder = EnvironmentPool(
        {"faults": verifier}, actors_per_env=1, cpus_per_actor=2, plugin_files=[path]
    )
    with holder:  # every CPU taken
        started = time.monotonic()
        with pytest.raises(UserError, match="could not be placed within 3 s"):
            EnvironmentPool(
                {"faults": verifier}, cpus_per_actor=1, plugin_files=[path], placement_timeout=3
            )
        assert time.monotonic() - started < 15


def test_actors_that_hold_their_cpus_but_start_slowly_are_waited_for(
    write_plugin: WritePlugin, ray_address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy machine an actor of a Ray the pool started itself can take longer than the
    placement timeout to load its verifier; it holds its CPUs, so it is waited for (up to
    LOCAL_START_TIMEOUT_S), and an error then says it was slow, not unplaceable."""
    path = write_plugin("slow_load", FAULTS + "\ntime.sleep(3)  # a verifier slow to load\n")
    verifier = import_file(path).Faults()
    # this module's Ray is the fixture's, not the pool's: others may hold its CPUs
    with pytest.raises(UserError, match="could not be placed within 1 s"):
        EnvironmentPool({"faults": verifier}, plugin_files=[path], placement_timeout=1)
    monkeypatch.setattr(EnvironmentPool, "_fits_own_instance", lambda self: True)
    monkeypatch.setattr(pool_module, "LOCAL_START_TIMEOUT_S", 30.0)
    with EnvironmentPool({"faults": verifier}, plugin_files=[path], placement_timeout=1) as pool:
        assert rewards(pool.score([item("")])) == [1.0]
    monkeypatch.setattr(pool_module, "LOCAL_START_TIMEOUT_S", 1.5)
    with pytest.raises(UserError, match=r"had their CPUs but did not start within 1.5 s"):
        EnvironmentPool({"faults": verifier}, plugin_files=[path], placement_timeout=1)


def test_a_verifier_the_actors_cannot_load_fails_at_start(faults: tuple[Any, Path]) -> None:
    verifier, _ = faults
    with pytest.raises(UserError, match=r"failed to start.*cannot be loaded here"):
        EnvironmentPool({"faults": verifier}, plugin_files=[])  # its plugin file not shipped


def test_the_pool_leaves_a_ray_it_did_not_start_running(faults: tuple[Any, Path]) -> None:
    import ray

    verifier, path = faults
    assert start_ray() is False  # already up: nothing to start, nothing to own
    with EnvironmentPool({"faults": verifier}, plugin_files=[path]) as pool:
        assert rewards(pool.score([item("")])) == [1.0]
    assert ray.is_initialized()
    with pytest.raises(RuntimeError, match="closed"):
        pool.score([item("")])


def test_unknown_environments_and_bad_settings_are_user_errors(faults: tuple[Any, Path]) -> None:
    verifier, path = faults
    with pytest.raises(UserError, match="actors_per_env must be at least 1"):
        EnvironmentPool({"faults": verifier}, actors_per_env=0, plugin_files=[path])
    with (
        EnvironmentPool({"faults": verifier}, plugin_files=[path]) as pool,
        pytest.raises(UserError, match="no environment 'nope' in the pool; it has faults"),
    ):
        pool.score([("nope", {}, "x")])


def test_reward_functions_score_through_the_pool(faults: tuple[Any, Path]) -> None:
    from trl.trainer.utils import is_async_callable

    verifier, path = faults
    problems = {"a": {"env": "faults", "target": "yes"}, "b": {"env": "faults", "target": "no"}}
    with EnvironmentPool({"faults": verifier}, item_timeout=1.0, plugin_files=[path]) as pool:
        pooled = reward_function("faults", pool=pool)
        assert is_async_callable(pooled)  # TRL awaits it on its own event loop
        out = asyncio.run(
            pooled(prompts=["p", "q"], completions=["yes", "no!"], target=["yes", "no"])
        )
        assert out == [1.0, 0.0]

        # rlvr train's reward function: the whole batch at once, the same verdicts as in-process
        pooled_step = ProblemRewards(problems, {"faults": verifier}, pool=pool)
        local_step = ProblemRewards(problems, {"faults": verifier})
        ids = ["a", "a", "b", "b"]
        completions = ["yes", "x", [{"role": "assistant", "content": "no"}], "raise:no"]
        expected = [1.0, 0.0, 1.0, None]
        assert pooled_step(["p"] * 4, completions, ids) == expected
        assert local_step(["p"] * 4, completions, ids) == expected
        outcomes = pooled_step.take_outcomes()
        assert rewards(outcomes.verdicts_by_env["faults"]) == expected
        assert outcomes.rewards_by_problem == {"a": [1.0, 0.0], "b": [1.0]}

        # a step with a hang in it returns, and the step's metrics count the timeout
        logged: dict[str, float] = {}
        step = pooled_step(
            ["p"] * 3, ["hang:yes", "yes", "no"], ["a", "a", "b"], log_metric=logged.__setitem__
        )
        assert step == [0.0, 1.0, 1.0]
        assert logged == {"pool/actor_restarts": 0.0, "pool/process_restarts": 1.0}
        metrics = env_metrics("faults", pooled_step.take_outcomes().verdicts_by_env["faults"])
        assert (metrics["env/faults/timeouts"], metrics["env/faults/errors"]) == (1.0, 0.0)


def test_rlvr_verify_runs_on_a_ray_cluster_given_its_address(
    run_cli: Any, write_plugin: WritePlugin, tmp_path: Path, ray_address: str
) -> None:
    plugin = write_plugin("pool_faults_cli", FAULTS)
    rows = [
        {"env": "math", "prompt": "2+2?", "answer": "4", "completion": "\\boxed{4}"},
        {"env": "faults", "prompt": "x", "target": "yes", "completion": "yes"},
        {"env": "faults", "prompt": "x", "target": "yes", "completion": "hang:yes"},
        {"env": "faults", "prompt": "x", "target": "yes", "completion": "raise:yes"},
        {"env": "math", "prompt": "2+3?", "answer": "5", "completion": "\\boxed{4}"},
    ]
    src = tmp_path / "rows.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    common = ["verify", "--in", src, "--plugin", plugin, "--timeout", 1]
    local = run_cli(*common, "--out", tmp_path / "local.jsonl")
    assert local.returncode == 0, local.stderr[-2000:]
    on_ray = run_cli(*common, "--out", tmp_path / "ray.jsonl", "--ray-address", ray_address)
    assert on_ray.returncode == 0, on_ray.stderr[-2000:]
    assert "Ray actors" in on_ray.stderr
    scored = [json.loads(line) for line in (tmp_path / "ray.jsonl").read_text().splitlines()]
    assert [r["reward"] for r in scored] == [1.0, 1.0, 0.0, None, 0.0]
    assert scored[2]["info"]["status"] == "timeout"
    expected = [json.loads(line) for line in (tmp_path / "local.jsonl").read_text().splitlines()]
    assert [r["reward"] for r in scored] == [r["reward"] for r in expected]
    assert [r["prompt"] for r in scored] == [r["prompt"] for r in rows]
    # --ray without an address: a Ray instance of its own, started and shut down by the verb
    own = run_cli(*common, "--out", tmp_path / "own.jsonl", "--ray", env={"RAY_ADDRESS": ""})
    assert own.returncode == 0, own.stderr[-2000:]
    scored_alone = [json.loads(line) for line in (tmp_path / "own.jsonl").read_text().splitlines()]
    assert [r["reward"] for r in scored_alone] == [r["reward"] for r in scored]


def test_rlvr_verify_with_a_bad_address_fails_in_seconds(run_cli: Any, tmp_path: Path) -> None:
    src = tmp_path / "rows.jsonl"
    src.write_text(json.dumps({"env": "math", "answer": "4", "prompt": "p", "completion": "4"}))
    started = time.monotonic()
    result = run_cli(
        "verify", "--in", src, "--out", tmp_path / "out.jsonl", "--ray-address", "127.0.0.1:9"
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "cannot reach the Ray cluster at 127.0.0.1:9" in result.stderr
    assert time.monotonic() - started < 60
    assert not (tmp_path / "out.jsonl").exists()


def test_the_dispatcher_serves_concurrent_callers(faults: tuple[Any, Path]) -> None:
    verifier, path = faults
    results: dict[int, list[float | None]] = {}
    with EnvironmentPool({"faults": verifier}, actors_per_env=2, plugin_files=[path]) as pool:

        def caller(n: int) -> None:
            answers = ["yes" if (n + i) % 2 else "no" for i in range(6)]
            results[n] = rewards(pool.score([item("sleep:0.02", answer=a) for a in answers]))

        threads = [threading.Thread(target=caller, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    for n in range(4):
        assert results[n] == [float((n + i) % 2) for i in range(6)]
