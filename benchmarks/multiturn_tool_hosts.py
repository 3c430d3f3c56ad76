"""What a multi-turn tool call costs on each host: math-tool's `python` tool (`print(6 * 7)` in a
fresh sandbox) called through a training episode, run in this process, on a local worker
process of the verification engine, and on a Ray actor.

    .venv/bin/python benchmarks/multiturn_tool_hosts.py [--calls 30] [--hosts inprocess,local,ray]

Prints the median and 90th-percentile wall time per call for each host, and the ratio of each
median to the in-process one (the pools add a round trip to another process; the sandbox
start dominates either way). The first call on each host (the worker's or actor's start) is
timed apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any


def _episode(environment: Any, problem: Any, host: Any) -> Any:
    from rlvr.multiturn import environment_factories

    factories = environment_factories(
        {environment.name: environment}, {str(problem["id"]): problem}, host
    )
    assert factories is not None
    episode = factories[environment.name]()
    episode.reset(problem_id=str(problem["id"]))
    return episode


def _time_calls(environment: Any, problem: Any, host: Any, calls: int) -> tuple[float, list[float]]:
    """(first call's seconds, each later call's seconds); every call must print 42."""
    times = []
    for _ in range(calls + 1):
        episode = _episode(environment, problem, host)  # one call per episode: no turn limit
        started = time.perf_counter()
        text = episode.python("print(6 * 7)")
        times.append(time.perf_counter() - started)
        if text.strip() != "42":
            raise SystemExit(f"multiturn_tool_hosts: a call answered {text!r}, not 42")
    return times[0], times[1:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30, help="timed calls per host")
    parser.add_argument("--hosts", default="inprocess,local,ray")
    args = parser.parse_args(argv)
    hosts = [h.strip() for h in args.hosts.split(",") if h.strip()]
    unknown = sorted(set(hosts) - {"inprocess", "local", "ray"})
    if unknown or args.calls < 1:
        parser.error(f"unknown hosts {unknown}" if unknown else "--calls must be at least 1")

    from rlvr.engine import LocalPool
    from rlvr.environments.math_tool import MathToolEnvironment
    from rlvr.pool import EnvironmentPool, start_ray, stop_ray

    environment = MathToolEnvironment(size=20, max_turns=1, timeout_s=10.0)
    problem = environment.problems("train")[0]
    programs = environment.tool_programs()
    rows = []
    for name in hosts:
        if name == "inprocess":
            first, times = _time_calls(environment, problem, None, args.calls)
        elif name == "local":
            with LocalPool(programs, workers=1) as pool:
                first, times = _time_calls(environment, problem, pool, args.calls)
        else:
            start_ray(num_cpus=2)
            try:
                with EnvironmentPool(programs, actors_per_env=1, plugin_files=[]) as pool:
                    first, times = _time_calls(environment, problem, pool, args.calls)
            finally:
                stop_ray()
        deciles = statistics.quantiles(times, n=10) if len(times) > 1 else times * 9
        rows.append((name, first, statistics.median(times), deciles[-1]))
    base = next((median for name, _, median, _ in rows if name == "inprocess"), None)
    print("| host | first call (s) | median (ms) | p90 (ms) | median / in-process |")
    print("| --- | --- | --- | --- | --- |")
    for name, first, median, p90 in rows:
        ratio = f"{median / base:.2f}x" if base else "-"
        print(f"| {name} | {first:.2f} | {median * 1000:.0f} | {p90 * 1000:.0f} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
