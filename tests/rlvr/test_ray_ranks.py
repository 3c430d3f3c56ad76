"""The processes of one launch share one Ray per node (docs/ray.md, "Several processes on one
node"): two real processes with torchrun's variables, as torchrun starts them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rlvr.errors import UserError
from rlvr.pool import NodeRay

pytest.importorskip("ray")

RANK = r"""
import json, os, sys, time
import ray
from rlvr.pool import EnvironmentPool, cpu_share
from rlvr.registry import get_verifier

rank = int(os.environ["LOCAL_RANK"])
pool = EnvironmentPool({"math": get_verifier("math")})
problem = {"answer": "5", "prompt": "What is 12 - 7?"}
first = pool.score([("math", problem, "\\boxed{5}"), ("math", problem, "\\boxed{6}")])
if rank == 1:
    time.sleep(4)  # rank 0 reaches its close meanwhile: the instance must outlive it for us
second = pool.score([("math", problem, "\\boxed{%d}" % (5 + rank))])
report = {
    "gcs": ray.get_runtime_context().gcs_address,
    "nodes": len([n for n in ray.nodes() if n["Alive"]]),
    "cluster_cpus": ray.cluster_resources().get("CPU"),
    "share": cpu_share(),
    "actors": pool.actors_per_env,
    "cpus_per_actor": pool.cpus_per_actor,
    "rewards": [v.reward for v in first + second],
}
print("REPORT " + json.dumps(report), flush=True)
pool.close()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def launch_env(port: int, rank: int, world: int = 2) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env.update(
        LOCAL_RANK=str(rank),
        RANK=str(rank),
        LOCAL_WORLD_SIZE=str(world),
        WORLD_SIZE=str(world),
        GROUP_RANK="0",
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        OMP_NUM_THREADS="1",
        RLVR_NODE_RAY_WAIT_S="120",
    )
    return env


@pytest.mark.slow
def test_two_ranks_share_one_ray(tmp_path: Path) -> None:
    port = free_port()
    script = tmp_path / "rank.py"
    script.write_text(RANK)
    ranks = [
        subprocess.Popen(
            [sys.executable, str(script)],
            env=launch_env(port, rank),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in (1, 0)  # the joining rank first: it must wait for rank 0, not start its own
    ]
    outputs = [process.communicate(timeout=280) for process in ranks]
    reports = {}
    for process, (stdout, stderr) in zip(ranks, outputs, strict=True):
        assert process.returncode == 0, stderr[-3000:]
        line = next(x for x in stdout.splitlines() if x.startswith("REPORT "))
        report = json.loads(line.removeprefix("REPORT "))
        reports[len(reports)] = report
    joined, head = reports[0], reports[1]
    assert joined["gcs"] == head["gcs"]  # one instance: the same GCS
    assert head["nodes"] == joined["nodes"] == 1
    # each rank sizes its actors to its half of the node's cores, not to all of them
    assert joined["share"] == head["share"] == head["cluster_cpus"] / 2
    assert head["actors"] * head["cpus_per_actor"] <= head["share"]
    assert head["rewards"] == [1.0, 0.0, 1.0]
    assert joined["rewards"] == [1.0, 0.0, 0.0]  # after rank 0 reached its close
    # rank 0 cleared the folder (the address and the leave marks) once the instance was down
    assert not _folder(port).exists()


def _folder(port: int) -> Path:
    env = launch_env(port, 0)
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        node = NodeRay.from_environment()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert node is not None
    return node.folder


def test_a_previous_launchs_address_is_never_taken(tmp_path: Path) -> None:
    """A head file older than this process (a launch that ended on the same port) is not
    joined: the rank waits for a fresh one and, without it, fails saying what it waited for."""
    node = NodeRay(1, 2, tmp_path, wait_s=0.5)
    node.folder.mkdir(exist_ok=True)
    node.head_file.write_text(json.dumps({"address": f"127.0.0.1:{free_port()}"}))
    past = time.time() - 3600
    os.utime(node.head_file, (past, past))
    with pytest.raises(UserError, match=r"local rank 0 did not start this node's Ray within 0.5 s"):
        node.join()


def test_a_folder_others_can_write_is_refused(tmp_path: Path) -> None:
    """Another user who could write the address could hand the ranks a Ray of theirs."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    node = NodeRay(1, 2, shared / "launch", wait_s=0.5)
    with pytest.raises(UserError, match=r"is not private to this user \(owner uid \d+, mode 777"):
        node.join()


def test_which_processes_share(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LOCAL_RANK", "LOCAL_WORLD_SIZE", "WORLD_SIZE", "GROUP_RANK", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert NodeRay.from_environment() is None  # a process on its own
    monkeypatch.setenv("LOCAL_RANK", "0")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "1")
    assert NodeRay.from_environment() is None  # one process on this node
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    monkeypatch.setenv("MASTER_PORT", "29500")
    first = NodeRay.from_environment()
    monkeypatch.setenv("MASTER_PORT", "29501")
    second = NodeRay.from_environment()
    assert first is not None
    assert second is not None
    assert first.local_world_size == 4
    assert first.folder != second.folder  # two launches on one node never meet
    monkeypatch.setenv("LOCAL_RANK", "4")
    with pytest.raises(UserError, match="LOCAL_RANK 4 is not below LOCAL_WORLD_SIZE 4"):
        NodeRay.from_environment()
