"""The verification engine's local backend: worker processes on this machine, no Ray.

The same runner the Ray actors hold (tests/rlvr/test_pool.py covers that backend): order,
the deadline (a hang inside a C call holding the GIL), deaths, faults of the verifier, and
the TRL reward function training uses on a machine without Ray (issue 26).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from rlvr.engine import LocalPool, VerifierProcess, pickled, plugin_sources
from rlvr.errors import PluginError, UserError
from rlvr.pool import backend_for
from rlvr.registry import import_file
from rlvr.rewards import reward_function
from tests.rlvr.faults_plugin import FAULTS

WritePlugin = Callable[[str, str], Path]


@pytest.fixture
def faults(write_plugin: WritePlugin) -> tuple[Any, Path]:
    path = write_plugin("engine_faults", FAULTS)
    return import_file(path).Faults(), path


def item(completion: str, target: str = "yes", **extra: Any) -> Any:
    return ("faults", {"target": target, **extra}, completion)


def test_items_of_several_verifiers_score_in_input_order_across_workers(
    faults: tuple[Any, Path],
) -> None:
    verifier, path = faults
    items = [
        (key, {"target": str(i)}, str(i) if i % 3 else "no")
        for i in range(40)
        for key in ("faults", "other")
    ]
    with LocalPool({"faults": verifier, "other": verifier}, workers=2, plugin_files=[path]) as pool:
        verdicts = pool.score(items)
        assert [v.reward for v in verdicts] == [float(bool(i % 3)) for i in range(40) for _ in "ab"]
        assert len({v.info["pid"] for v in verdicts}) == 2  # both workers took chunks
        assert pool.stats().items == 80
        with pytest.raises(UserError, match="no environment 'nope' in the pool"):
            pool.score([("nope", {}, "x")])


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "fresh-interpreters"])
def test_workers_outlive_their_start_and_are_not_restarted(
    faults: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    """A worker dies with the thread that spawned it (PR_SET_PDEATHSIG): fresh interpreters
    started from a short-lived helper thread were killed as soon as the pool was built, and
    each restarted on its first chunk (found as a third worker pid in a full-suite run)."""
    import os
    import time

    import rlvr.engine

    monkeypatch.setattr(rlvr.engine, "fork_is_safe", lambda: fork)
    verifier, path = faults
    with LocalPool({"faults": verifier}, workers=2, plugin_files=[path]) as pool:
        pids = [runner.pid for runner in pool._all]
        time.sleep(0.5)  # a SIGKILL from a dead parent thread would have landed by now
        for pid in pids:
            assert pid is not None
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            assert state != "Z", f"worker {pid} died after the pool started"
            os.kill(pid, 0)
        verdicts = pool.score([item(str(i), target=str(i)) for i in range(16)])
        assert [v.reward for v in verdicts] == [1.0] * 16
        assert pool.stats().process_restarts == 0
        assert {v.info["pid"] for v in verdicts} <= set(pids)


def test_faults_time_out_die_or_error_and_only_the_guilty_item_suffers(
    faults: tuple[Any, Path], tmp_path: Path
) -> None:
    verifier, path = faults
    items = [
        item("hang:yes"),
        item("yes"),
        item("raise:yes"),
        item("die:yes"),
        item("die-once:yes", marker=str(tmp_path / "marker")),
        item("lock:yes"),
        item("no"),
    ]
    with LocalPool({"faults": verifier}, workers=1, item_timeout=1.0, plugin_files=[path]) as pool:
        hang, fine, raised, died, died_once, lock, wrong = pool.score(items)
        stats = pool.stats()
    assert (hang.reward, hang.info["status"]) == (0.0, "timeout")  # the completion's doing
    assert fine.reward == 1.0
    assert raised.reward is None
    assert "RuntimeError: a bug in the checker" in raised.info["error"]
    assert died.reward is None  # never a silent 0
    assert "worker process died" in died.info["error"]
    assert died_once.reward == 1.0  # retried once in a fresh process
    assert lock.reward is None
    assert "could not be sent back" in lock.info["error"]
    assert wrong.reward == 0.0
    assert (stats.errors, stats.timeouts) == (3, 1)
    assert stats.process_restarts >= 3


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "fresh-interpreter"])
def test_the_runner_reports_time_and_which_fault_the_engine_saw(
    faults: tuple[Any, Path], fork: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways to start a child (a fork where that is sound, a fresh interpreter beside
    threads, torch or Ray) give the same verdicts, faults found item by item in a batch; a
    child killed mid-item leaves no copy of the plugin files behind."""
    verifier, path = faults
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    process = VerifierProcess(
        {"copy": pickled("faults", verifier)}, plugin_sources([path]), item_timeout=1.0, fork=fork
    )
    try:
        ok, hung, died, after = process.run(
            [
                ("copy", {"target": "yes"}, "yes"),
                ("copy", {"target": "yes"}, "hang:yes"),
                ("copy", {"target": "yes"}, "die:yes"),
                ("copy", {"target": "yes"}, "no"),
            ]
        )
    finally:
        process.close()
    assert (ok.verdict.reward, ok.fault) == (1.0, None)
    assert ok.seconds < 1.0
    assert (hung.verdict.reward, hung.fault) == (0.0, "timeout")
    assert (died.verdict.reward, died.fault) == (None, "died")
    assert (after.verdict.reward, after.fault) == (0.0, None)
    assert list(scratch.iterdir()) == []


def test_a_verifier_that_does_not_pickle_is_a_plugin_error() -> None:
    class Local:  # a class defined in a function cannot be pickled
        name = "local"

        def verify(self, problem: Any, completion: str) -> Any:
            raise AssertionError

    with pytest.raises(PluginError, match="does not pickle"):
        LocalPool({"local": Local()}, workers=1, plugin_files=[])


def test_bad_settings_are_user_errors(faults: tuple[Any, Path]) -> None:
    verifier, path = faults
    with pytest.raises(UserError, match="at least 1"):
        LocalPool({"faults": verifier}, workers=0, plugin_files=[path])
    with pytest.raises(UserError, match="timeout must be positive"):
        LocalPool({"faults": verifier}, item_timeout=0, plugin_files=[path])
    with pytest.raises(UserError, match="at least one verifier"):
        LocalPool({}, plugin_files=[path])


def test_trl_reward_functions_score_on_local_workers(faults: tuple[Any, Path]) -> None:
    """What training needs where there is no Ray: the async reward function over the pool."""
    verifier, path = faults
    with LocalPool({"faults": verifier}, workers=2, plugin_files=[path]) as pool:
        # rlvr/rewards.py still annotates `pool` as the Ray backend; any backend serves
        rewards = reward_function("faults", pool=cast(Any, pool))
        result = rewards(
            prompts=["p"] * 3,
            completions=[[{"role": "assistant", "content": c}] for c in ("yes", "no", "raise:")],
            target=["yes", "yes", "yes"],
        )
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
    assert result == [1.0, 0.0, None]


@pytest.mark.parametrize(
    ("address", "ray", "env", "backend"),
    [
        (None, None, None, "local"),
        ("10.0.0.1:6379", None, None, "ray"),
        (None, None, "10.0.0.1:6379", "ray"),
        (None, True, None, "ray"),
        ("10.0.0.1:6379", False, None, "local"),
    ],
)
def test_the_backend_is_local_unless_ray_is_asked_for_or_given_a_cluster(
    monkeypatch: pytest.MonkeyPatch,
    address: str | None,
    ray: bool | None,
    env: str | None,
    backend: str,
) -> None:
    if env is None:
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("RAY_ADDRESS", env)
    assert backend_for(address, ray=ray) == backend
