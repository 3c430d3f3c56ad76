"""The cgroup v2 of each sandbox: what is written where, and that the sandbox's first process
joins it before it has its configuration. The kernel's side (cgroupfs) is played by a plain
directory: this host's cgroups are v1, so the limits themselves are not exercised here."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlvr.verifiers import sandbox as sandbox_module
from rlvr.verifiers.sandbox import Limits, Sandbox, SandboxUnavailable, sandbox_run
from rlvr.verifiers.sandbox_cgroup import (
    CGROUP_ENV,
    CPU_MAX,
    SandboxCgroup,
    cgroup_parent,
    prepare_parent,
)


def fake_parent(tmp_path: Path, controllers: str = "cpuset cpu io memory pids") -> Path:
    parent = tmp_path / "rlvr"
    parent.mkdir()
    (parent / "cgroup.controllers").write_text(controllers + "\n")
    (parent / "cgroup.subtree_control").write_text("cpu\n")
    return parent


def test_the_parent_enables_the_controllers_its_children_need(tmp_path: Path) -> None:
    parent = fake_parent(tmp_path)
    prepare_parent(parent)
    assert (parent / "cgroup.subtree_control").read_text() == "+memory +pids"


def test_a_parent_without_the_controllers_is_refused(tmp_path: Path) -> None:
    parent = fake_parent(tmp_path, controllers="cpu io")
    with pytest.raises(OSError, match="memory, pids"):
        prepare_parent(parent)


def test_a_named_parent_that_cannot_be_used_is_an_error_not_a_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CGROUP_ENV, str(fake_parent(tmp_path, controllers="cpu")))
    cgroup_parent.cache_clear()
    try:
        with pytest.raises(OSError, match="not delegated"):
            cgroup_parent()
        with pytest.raises(SandboxUnavailable, match=CGROUP_ENV):
            sandbox_run(["true"])
    finally:
        monkeypatch.delenv(CGROUP_ENV)
        cgroup_parent.cache_clear()


def test_each_sandbox_gets_its_limits(tmp_path: Path) -> None:
    group = SandboxCgroup(fake_parent(tmp_path), 600 << 20, 18)
    values = {name: (group.path / name).read_text() for name in ("memory.max", "pids.max")}
    assert values == {"memory.max": str(600 << 20), "pids.max": "18"}
    assert (group.path / "memory.swap.max").read_text() == "0"
    assert (group.path / "memory.oom.group").read_text() == "1"
    assert (group.path / "cpu.max").read_text() == CPU_MAX
    assert not group.out_of_memory()
    (group.path / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert group.out_of_memory()


@pytest.mark.parametrize("mode", ["bwrap", "rlimits"])
def test_the_first_process_joins_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    parent = fake_parent(tmp_path)
    made: list[SandboxCgroup] = []

    def cgroup(limits: Limits) -> SandboxCgroup:
        made.append(SandboxCgroup(parent, limits.sandbox_memory_bytes, limits.processes + 2))
        return made[-1]

    monkeypatch.setattr(sandbox_module, "_sandbox_cgroup", cgroup)
    monkeypatch.setattr(SandboxCgroup, "remove", lambda self: None)  # a plain directory here
    done = sandbox_run(
        ["sh", "-c", "echo $$"], sandbox=Sandbox(mode=mode), limits=Limits(memory_bytes=256 << 20)
    )
    assert done.exit_code == 0, done.stderr
    (group,) = made
    joined = (group.path / "cgroup.procs").read_text()
    assert joined.isdigit()
    assert int(joined) > 1  # the host's pid of the sandbox's first process
    assert (group.path / "memory.max").read_text() == str((256 + 64 + 64) << 20)
