"""The environment pool: throughput of CPU-heavy verification with 1 and 2 actors, and the
per-item cost of going through the pool instead of calling the verifier in this process.

    .venv/bin/python benchmarks/pool_throughput.py [--copies 2] [--repeats 3]
        [--math-rows 256] [--json OUT]

Code rows: every built-in code problem (Python functions, Python/C/C++ programs) with its
reference solution as the completion, `--copies` times over; each is compiled and run in a
bubblewrap sandbox by the `code` verifier (tens of milliseconds each, nearly all of it CPU).
They are scored in this process, one after another (the baseline), by an `EnvironmentPool`
with one actor and by one with two, after a warm-up batch each; the three take turns for
`--repeats` rounds, so that a change in the machine's load hits all three alike, and the
table gives the median of each and the median of the rounds' ratios. For reference, the
same rows split between two plain worker processes (no Ray) show what two cores give at that
moment: on a shared machine, the ceiling the pool is measured against. Math rows
(`\\boxed{}` answers, the cheap sympy checker) measure the overhead: the pool's time per item
minus the in-process time per item, for a whole batch and for a batch of one (the latency
of a single call). Prints a Markdown table and the
machine's load (`os.getloadavg`), since timings on a shared machine drift with it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rlvr.environments.code import builtin_records
from rlvr.pool import EnvironmentPool, Item, start_ray
from rlvr.verdict import Verdict
from rlvr.verifiers.code import CodeVerifier
from rlvr.verifiers.math import MathVerifier


def code_items(copies: int) -> list[Item]:
    items: list[Item] = []
    for record in builtin_records():
        fence = {"python": "python", "c": "c", "cpp": "cpp"}[record["language"]]
        completion = f"```{fence}\n{record['meta']['reference']}\n```"
        items.append(("code", record, completion))
    return items * copies


def math_items(rows: int) -> list[Item]:
    items: list[Item] = []
    for i in range(rows):
        a, b = i % 97, (7 * i) % 89
        answer = a + b if i % 3 else a + b + 1  # a third wrong
        items.append(("math", {"answer": str(a + b)}, f"{a} + {b} = \\boxed{{{answer}}}"))
    return items


def in_process(verifiers: dict[str, Any], items: Sequence[Item]) -> list[Verdict]:
    return [verifiers[env].verify(problem, completion) for env, problem, completion in items]


_worker_verifier: CodeVerifier | None = None


def _verify_in_worker(items: list[Item]) -> list[float | None]:
    global _worker_verifier  # noqa: PLW0603 - one verifier per worker process
    if _worker_verifier is None:
        _worker_verifier = CodeVerifier()
    return [_worker_verifier.verify(problem, text).reward for _, problem, text in items]


def _two_processes(
    executor: ProcessPoolExecutor, items: list[Item]
) -> Callable[[], list[float | None]]:
    halves = [items[0::2], items[1::2]]

    def run() -> list[float | None]:
        first, second = executor.map(_verify_in_worker, halves)
        return [r for pair in zip(first, second, strict=False) for r in pair] + first[len(second) :]

    return run


def best_of(repeats: int, run: Callable[[], list[Verdict]]) -> tuple[float, list[Verdict]]:
    """Seconds of the fastest of `repeats` runs (after a warm-up run), and its verdicts."""
    verdicts = run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        verdicts = run()
        times.append(time.perf_counter() - started)
    return min(times), verdicts


def rewards(verdicts: Sequence[Verdict]) -> list[float | None]:
    return [v.reward for v in verdicts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=2, help="Code rows: the 65 problems x N.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--math-rows", type=int, default=256)
    parser.add_argument("--json", type=Path, help="Also write the numbers here.")
    args = parser.parse_args()

    load_before = os.getloadavg()
    started = time.perf_counter()
    start_ray(num_cpus=len(os.sched_getaffinity(0)))
    ray_start_s = time.perf_counter() - started
    verifiers: dict[str, Any] = {"code": CodeVerifier(), "math": MathVerifier()}
    code = code_items(args.copies)
    math = math_items(args.math_rows)

    results: dict[str, Any] = {"rows": {"code": len(code), "math": len(math)}}
    expected = rewards(in_process(verifiers, code))
    assert all(r == 1.0 for r in expected), "a reference solution failed locally"
    # Both pools stay up, taking turns; idle actors cost nothing, and half a CPU each lets
    # the three of them be placed on two cores.
    with (
        EnvironmentPool({"code": verifiers["code"]}, actors_per_env=1, cpus_per_actor=0.5) as one,
        EnvironmentPool({"code": verifiers["code"]}, actors_per_env=2, cpus_per_actor=0.5) as two,
        ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as executor,
    ):
        runs: dict[str, Callable[[], list[float | None]]] = {
            "in_process": lambda: rewards(in_process(verifiers, code)),
            "pool_1_actor": _scorer(one, code),
            "pool_2_actors": _scorer(two, code),
            "two_plain_processes": _two_processes(executor, code),
        }
        for run in runs.values():
            assert run() == expected, "a path disagrees with the verifier"
        times: dict[str, list[float]] = {name: [] for name in runs}
        for round_no in range(args.repeats):
            for name, run in runs.items():
                times[name].append(_timed(run))
            print(
                f"round {round_no + 1}: "
                + ", ".join(f"{name} {t[-1]:.2f} s" for name, t in times.items()),
                file=sys.stderr,
                flush=True,
            )
    results["code_s"] = times
    results["code_median_s"] = {name: statistics.median(t) for name, t in times.items()}
    results["speedup_2_vs_1"] = statistics.median(
        a / b for a, b in zip(times["pool_1_actor"], times["pool_2_actors"], strict=True)
    )
    results["speedup_two_plain_processes"] = statistics.median(
        a / b for a, b in zip(times["in_process"], times["two_plain_processes"], strict=True)
    )

    local_math_s, expected_math = best_of(args.repeats, lambda: in_process(verifiers, math))
    single = math[:1]
    local_one_s = statistics.median(
        _timed(lambda: in_process(verifiers, single)) for _ in range(20 * args.repeats)
    )
    with EnvironmentPool({"math": verifiers["math"]}, actors_per_env=1) as pool:
        pool_math_s, verdicts = best_of(args.repeats, lambda: pool.score(math))
        pool.score(single)
        pool_one_s = statistics.median(
            _timed(lambda: pool.score(single)) for _ in range(20 * args.repeats)
        )
    assert rewards(verdicts) == rewards(expected_math)
    results.update(
        in_process_math_s=local_math_s,
        pool_math_s=pool_math_s,
        overhead_per_item_batch_ms=(pool_math_s - local_math_s) / len(math) * 1000,
        in_process_one_ms=local_one_s * 1000,
        pool_one_ms=pool_one_s * 1000,
        ray_start_s=ray_start_s,
        load_before=load_before,
        load_after=os.getloadavg(),
        cores=len(os.sched_getaffinity(0)),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def _scorer(pool: EnvironmentPool, items: list[Item]) -> Callable[[], list[float | None]]:
    return lambda: rewards(pool.score(items))


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def print_table(r: dict[str, Any]) -> None:
    code_rows, math_rows = r["rows"]["code"], r["rows"]["math"]
    one, two = r["code_median_s"]["pool_1_actor"], r["code_median_s"]["pool_2_actors"]
    print(f"{r['cores']} cores, {r['date']}; load average before {r['load_before'][0]:.2f},")
    print(f"after {r['load_after'][0]:.2f} (1 min); Ray started in {r['ray_start_s']:.1f} s\n")
    print(f"| {code_rows} code rows (sandboxed reference solutions) | seconds (median) | rows/s |")
    print("| --- | --- | --- |")
    local = r["code_median_s"]["in_process"]
    print(f"| in this process | {local:.2f} | {code_rows / local:.1f} |")
    print(f"| pool, 1 actor | {one:.2f} | {code_rows / one:.1f} |")
    print(f"| pool, 2 actors | {two:.2f} | {code_rows / two:.1f} |")
    plain = r["code_median_s"]["two_plain_processes"]
    print(f"| reference: 2 plain processes, no Ray | {plain:.2f} | {code_rows / plain:.1f} |")
    print(
        f"\npool, 2 actors / 1 actor: **{r['speedup_2_vs_1']:.2f}x**; 2 plain processes / this "
        f"process: {r['speedup_two_plain_processes']:.2f}x (medians of the rounds' ratios)\n"
    )
    print("| math rows (overhead) | in this process | through the pool (1 actor) | per item |")
    print("| --- | --- | --- | --- |")
    batch_local, batch_pool = r["in_process_math_s"] * 1000, r["pool_math_s"] * 1000
    print(
        f"| batch of {math_rows} | {batch_local:.0f} ms | {batch_pool:.0f} ms | "
        f"+{r['overhead_per_item_batch_ms']:.2f} ms |"
    )
    print(
        f"| batch of 1 (median) | {r['in_process_one_ms']:.2f} ms | {r['pool_one_ms']:.2f} ms | "
        f"+{r['pool_one_ms'] - r['in_process_one_ms']:.2f} ms |"
    )


if __name__ == "__main__":
    main()
