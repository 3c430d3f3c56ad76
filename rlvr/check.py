"""`rlvr check NAME`: the conformance check every verifier passes, built-in or plugin.

The checks, in order: the verifier loads and is created as rlvr creates it; it pickles and
the unpickled copy gives the same rewards (worker processes and Ray actors host copies);
its own `examples()` — (problem, completion, expected reward) triples — score as they
expect, gold 1 and junk 0; two runs in one instance agree (determinism); an empty, a huge
(1 MB) and a non-ASCII completion each get a valid verdict; and every call answers within
the deadline.

Every `verify` call runs in the verification engine's runner (`rlvr.engine.VerifierProcess`,
the child process `rlvr verify`, `rlvr eval` and training use, under the same OS alarm),
never in this process: a verifier that hangs (even in a C call holding the GIL) or crashes
costs its child, not the check. The runner holds two instances: the registry's, built in the
child as every backend builds it by name, and the unpickled copy. Calls go one at a time, so
each hang or death is the call's own. A completion that hung is not tried on the other
problems, and after `MAX_HUNG_CALLS` hung calls the rest are not run: a verifier that hangs on
everything fails in a few deadlines rather than one per call.

`rlvr check ENV` for a multi-turn environment (NAME an environment, not a verifier) runs
rlvr.multiturn.check_environment instead: its contract, its tools answering a run, a hang, a
crash, a flood and forged chat markers with bounded text within the deadline, bad arguments
answered, the call past `max_turns` refused (docs/writing-a-verifier.md, "Multi-turn").

A verifier that cannot be loaded or created (unknown name, import error, wrong signature,
does not pickle) is a `PluginError` (exit code 2), not a failed check (exit code 1).
"""

from __future__ import annotations

import math
import pickle
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rlvr.engine import ITEM_TIMEOUT_S, VerifierProcess, VerifierProcessError, plugin_sources
from rlvr.errors import PluginError
from rlvr.protocols import Verifier, has_examples, iter_examples, required_fields
from rlvr.registry import default_registry
from rlvr.verdict import Verdict

HUGE_CHARS = 1_000_000
NON_ASCII = "Ünïcödé — 数学 ∑ √2 ≠ 1.5 🙂👍🏽 עברית العربية e\u0301 zero\u200bwidth «¿Está bien?»"
MAX_HUNG_CALLS = 3
"""Calls allowed to run out their deadline before the rest are skipped."""
REWARD_TOLERANCE = 1e-9

Status = Literal["ok", "failed", "skipped"]
Triple = tuple[dict[str, Any], str, float]


@dataclass
class CheckResult:
    """One row of the report."""

    check: str
    status: Status
    detail: str


@dataclass
class Report:
    """What `rlvr check` prints: one row per check, and a note when checks were skipped."""

    name: str
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def passed(self) -> bool:
        return not self.failed

    def add(self, check: str, failures: Sequence[str], detail: str) -> None:
        """A check that failed if `failures` is non-empty (their text is shown instead)."""
        if failures:
            shown = "; ".join(failures[:3])
            more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
            self.results.append(CheckResult(check, "failed", shown + more))
        else:
            self.results.append(CheckResult(check, "ok", detail))

    def skip(self, check: str, why: str) -> None:
        self.results.append(CheckResult(check, "skipped", why))


@dataclass
class Call:
    """One `verify(problem, completion)` call the check makes."""

    label: str
    problem: dict[str, Any]
    completion: str


@dataclass
class Outcome:
    """A call's verdict and its time, or why no verdict came back."""

    verdict: Verdict | None
    seconds: float
    failure: str | None = None
    hung: bool = False
    """True when the call ran out its deadline."""
    skipped: bool = False
    """True when the call was not run because others had hung."""

    @property
    def reward(self) -> float | None:
        return self.verdict.reward if self.verdict is not None else None

    def describe(self) -> str:
        """The verdict in a few words: its reward and status, or its fault."""
        if self.failure is not None:
            return self.failure
        assert self.verdict is not None
        info = self.verdict.info
        if self.verdict.reward is None:
            return f"reward null: {str(info.get('error', 'no reason given'))[:200]}"
        status = info.get("status")
        return f"reward {self.verdict.reward:g}" + (f" ({status})" if status else "")


# -- running calls -----------------------------------------------------------------------------

ORIGINAL, COPY = "original", "copy"
"""The runner's two instances: built from the registry in the child, and unpickled there."""


class _Runner:
    """Runs calls, one at a time, in the engine's runner (`rlvr.engine.VerifierProcess`)."""

    def __init__(
        self, name: str, blob: bytes, plugin_files: Sequence[str | Path], deadline_s: float
    ) -> None:
        self.deadline_s = deadline_s
        self.process = VerifierProcess(
            {ORIGINAL: name, COPY: blob}, plugin_sources(plugin_files), deadline_s
        )
        self.hung: dict[int, Outcome] = {}  # by id(call): a call that hung is not rerun
        self.hung_completions: set[str] = set()

    def run(self, instance: str, calls: Sequence[Call]) -> list[Outcome]:
        """Every call with one instance (`ORIGINAL` or `COPY`)."""
        return [self._one(instance, call) for call in calls]

    def _one(self, instance: str, call: Call) -> Outcome:
        if id(call) in self.hung:
            return self.hung[id(call)]
        if call.completion in self.hung_completions:
            return Outcome(None, 0.0, "not run: it hung on another problem", skipped=True)
        if len(self.hung) >= MAX_HUNG_CALLS:
            why = f"not run: {len(self.hung)} calls hung already"
            return Outcome(None, 0.0, why, skipped=True)
        (run,) = self.process.run([(instance, call.problem, call.completion)])
        if run.fault == "timeout":
            late = f"no verdict within the {self.deadline_s:g} s deadline"
            self.hung[id(call)] = Outcome(None, run.seconds, late, hung=True)
            self.hung_completions.add(call.completion)
            return self.hung[id(call)]
        if run.fault == "died":
            return Outcome(None, run.seconds, "its worker process died (a crash or out of memory)")
        return Outcome(run.verdict, run.seconds)

    def close(self) -> None:
        self.process.close()


def run_checks(
    name: str, *, plugin_files: Sequence[str | Path] = (), deadline_s: float = ITEM_TIMEOUT_S
) -> Report:
    """Check verifier `name` (a `PluginError` when it cannot be loaded); see the module
    docstring."""
    registry = default_registry()
    for path in plugin_files:
        registry.load_file(path)
    if name not in registry.names("verifiers") and name in registry.names("environments"):
        return _check_environment(name, deadline_s)
    verifier = registry.create("verifiers", name)
    plugin = next(p for p in registry.plugins("verifiers") if p.name == name and not p.error)
    report = Report(name)
    report.add("loads", [], f"{plugin.target}, from {plugin.source}")

    blob = pickle.dumps(verifier)
    examples, example_failures = _read_examples(verifier)
    if examples is None:
        _check_without_examples(report, verifier, blob, example_failures)
        return report
    runner = _Runner(name, blob, registry.plugin_files, deadline_s)
    try:
        runner.process.start()
    except VerifierProcessError as exc:
        raise PluginError(
            f"verifier {name!r} cannot be loaded in a worker process: {exc}"
        ) from None
    try:
        _check_with_examples(report, runner, blob, examples)
    finally:
        runner.close()
    return report


def _check_environment(name: str, deadline_s: float) -> Report:
    """A multi-turn environment's checks (rlvr.multiturn.check_environment: its tools run,
    hangs and floods answer in time and bounded, the turn limit refuses); its final answers
    are its verifier's, which `rlvr check VERIFIER` checks."""
    from rlvr.multiturn import check_environment, is_multiturn
    from rlvr.resolve import build_environment

    environment = build_environment(name, None, 0)
    verifier = getattr(environment, "verifier", None)
    if not is_multiturn(environment):
        raise PluginError(
            f"{name!r} is a single-turn environment: check its verifier, rlvr check {verifier}"
        )
    report = Report(name)
    for row in check_environment(environment, deadline_s=deadline_s):
        report.add(row.check, row.failures, row.detail)
    report.notes.append(
        f"its final answers are scored by {verifier!r}: rlvr check {verifier} checks that verifier"
    )
    return report


def _read_examples(verifier: Verifier) -> tuple[list[Triple] | None, list[str]]:
    """The verifier's examples, or None when it has none (with why, when they are broken)."""
    if not has_examples(verifier):
        return None, []
    try:
        raw = list(iter_examples(verifier))
    except Exception as exc:
        return None, [f"examples() raised {type(exc).__name__}: {exc}"]
    if not raw:
        return None, []
    required = required_fields(verifier)
    triples, failures = [], []
    for number, triple in enumerate(raw, 1):
        shape_ok = (
            isinstance(triple, tuple | list)
            and len(triple) == 3
            and isinstance(triple[0], Mapping)
            and isinstance(triple[1], str)
            and isinstance(triple[2], int | float)
            and not isinstance(triple[2], bool)
            and 0.0 <= triple[2] <= 1.0
        )
        if not shape_ok:
            failures.append(
                f"example {number} is not a (problem mapping, completion string, expected "
                f"reward in [0, 1]) triple: {triple!r:.100}"
            )
            continue
        missing = [f for f in required if f not in triple[0]]
        if missing:
            failures.append(f"example {number}'s problem lacks required field(s) {missing}")
            continue
        triples.append((dict(triple[0]), triple[1], float(triple[2])))
    if failures:
        return None, failures
    return triples, []


def _check_without_examples(
    report: Report, verifier: Verifier, blob: bytes, failures: list[str]
) -> None:
    copy_ok = type(pickle.loads(blob)) is type(verifier)
    report.add(
        "pickles",
        [] if copy_ok else ["the unpickled copy is of another type"],
        f"{len(blob):,} bytes; verdicts not compared (no examples)",
    )
    if failures:
        report.add("examples", failures, "")
    else:
        report.skip("examples", "no examples()")
        report.notes.append(
            f"{report.name!r} has no examples(), so only the checks that need no problem ran. "
            "Add a method examples() returning (problem, completion, expected reward) triples "
            "— a gold completion (1.0) and junk (0.0) at least — for the rest: gold and junk, "
            "determinism, empty / huge / non-ASCII completions, the deadline "
            "(docs/writing-a-verifier.md)."
        )
    needs = "needs usable examples()" if failures else "needs examples()"
    for check in (
        "gold scores 1",
        "junk scores 0",
        "deterministic",
        "empty completion",
        "huge completion (1 MB)",
        "non-ASCII completion",
        "deadline",
    ):
        report.skip(check, needs)


def _edge_calls(examples: list[Triple]) -> dict[str, list[Call]]:
    """The odd completions, each against every distinct problem of the examples."""
    problems = list({repr(sorted(p.items(), key=str)): p for p, _, _ in examples}.values())
    gold = next((c for _, c, expected in examples if expected == 1.0), examples[0][1])
    corpus = "\n".join(c for _, c, _ in examples) + "\n"
    huge = (corpus * (HUGE_CHARS // len(corpus) + 1))[:HUGE_CHARS]
    completions = {
        "empty completion": "",
        "huge completion (1 MB)": huge,
        "non-ASCII completion": f"{NON_ASCII}\n{gold}\n{NON_ASCII}",
    }
    return {
        check: [Call(f"{check}, problem {i}", p, text) for i, p in enumerate(problems, 1)]
        for check, text in completions.items()
    }


def _check_with_examples(
    report: Report, runner: _Runner, blob: bytes, examples: list[Triple]
) -> None:
    example_calls = [
        Call(f"example {i}", problem, completion)
        for i, (problem, completion, _) in enumerate(examples, 1)
    ]
    edges = _edge_calls(examples)
    calls = example_calls + [call for group in edges.values() for call in group]

    # The registry's instance, as `rlvr verify` workers build it: every call, then every call
    # again (determinism, and no state left behind by the odd completions). Then the copy,
    # on the calls that gave a verdict.
    twice = runner.run(ORIGINAL, calls + calls)
    first, second = twice[: len(calls)], twice[len(calls) :]
    answered = [i for i, outcome in enumerate(first) if outcome.verdict is not None]
    copied = dict(zip(answered, runner.run(COPY, [calls[i] for i in answered]), strict=True))

    repeats = [i for i in answered if second[i].verdict is not None]
    nondeterministic = [
        f"{calls[i].label}: {first[i].describe()}, then {second[i].describe()}"
        for i in repeats
        if not _same(first[i].reward, second[i].reward)
    ]
    compared = [i for i, outcome in copied.items() if outcome.verdict is not None]
    if nondeterministic or not compared:
        why = "the verifier is not deterministic" if nondeterministic else "no verdicts"
        report.add("pickles", [], f"{len(blob):,} bytes; verdicts not compared ({why})")
    else:
        differs = [
            f"{calls[i].label}: {first[i].describe()}, but the copy gives {copied[i].describe()}"
            for i in compared
            if not _same(first[i].reward, copied[i].reward)
        ]
        report.add(
            "pickles", differs, f"{len(blob):,} bytes; the copy agrees on {len(compared)} calls"
        )
    report.add("examples", [], f"{len(examples)} well-formed (problem, completion, reward)")
    _check_expected_rewards(report, examples, example_calls, first[: len(examples)])
    if repeats:
        report.add(
            "deterministic",
            nondeterministic,
            f"two runs of {_count(len(repeats), 'call')} in one instance agree",
        )
    else:
        report.skip("deterministic", "no call gave a verdict twice")
    _check_odd_completions(report, edges, first[len(examples) :])
    every = list(zip(calls + calls, twice, strict=True))
    every += [(calls[i], outcome) for i, outcome in copied.items()]
    _check_deadline(report, every, runner.deadline_s)


def _check_expected_rewards(
    report: Report, examples: list[Triple], calls: list[Call], outcomes: list[Outcome]
) -> None:
    """Gold scores 1, junk 0, and any partial credit what its example says."""
    kinds = {1.0: "gold scores 1", 0.0: "junk scores 0"}
    failures: dict[str, list[str]] = {"gold scores 1": [], "junk scores 0": [], "partial": []}
    counts = dict.fromkeys(failures, 0)
    for (_, _, expected), call, outcome in zip(examples, calls, outcomes, strict=True):
        kind = kinds.get(expected, "partial")
        counts[kind] += 1
        if not _same(outcome.reward, expected):
            failures[kind].append(f"{call.label}: expected {expected:g}, got {outcome.describe()}")
    for kind in kinds.values():
        if counts[kind]:
            report.add(kind, failures[kind], f"{counts[kind]} of {_count(counts[kind], 'example')}")
        else:
            wanted = "a gold completion (1.0)" if kind.startswith("gold") else "junk (0.0)"
            report.add(kind, [f"no example expects it: add {wanted} to examples()"], "")
    if counts["partial"]:
        n = counts["partial"]
        report.add("partial credit", failures["partial"], f"{n} of {_count(n, 'example')}")


def _check_odd_completions(
    report: Report, edges: dict[str, list[Call]], outcomes: list[Outcome]
) -> None:
    """A valid verdict (not an error) for each odd completion on each problem."""
    offset = 0
    for check, group in edges.items():
        results = outcomes[offset : offset + len(group)]
        offset += len(group)
        failures = [
            f"{call.label}: {outcome.describe()}"
            for call, outcome in zip(group, results, strict=True)
            if outcome.reward is None and not outcome.skipped
        ]
        if not failures and any(o.skipped for o in results):
            report.skip(check, "not run on every problem: other calls hung (see deadline)")
            continue
        rewards = ", ".join(sorted({f"{o.reward:g}" for o in results if o.reward is not None}))
        detail = f"valid verdicts on {_count(len(group), 'problem')} (rewards {rewards})"
        report.add(check, failures, detail)


def _check_deadline(report: Report, every: list[tuple[Call, Outcome]], deadline_s: float) -> None:
    late = [f"{call.label}: {outcome.failure}" for call, outcome in every if outcome.hung]
    not_run = sum(outcome.skipped for _, outcome in every)
    if not_run:
        late.append(f"{_count(not_run, 'call')} not run after those")
    slowest = max(outcome.seconds for _, outcome in every)
    detail = f"slowest call {slowest:.3g} s of {deadline_s:g} s"
    report.add("deadline", list(dict.fromkeys(late)), detail)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _same(reward: float | None, expected: float | None) -> bool:
    if reward is None or expected is None:
        return reward is expected
    return math.isclose(reward, expected, abs_tol=REWARD_TOLERANCE)


def print_report(report: Report) -> None:
    """The report as a table on stdout, and a one-line summary on stderr."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False, title=f"rlvr check {report.name}", title_justify="left")
    for column in ("check", "result", "detail"):
        table.add_column(column, overflow="fold")
    colours = {"ok": "green", "failed": "red", "skipped": "yellow"}
    for result in report.results:
        status = f"[{colours[result.status]}]{result.status}[/]"
        table.add_row(result.check, status, escape(result.detail))
    # piped output keeps each check on one line, for grep
    console = Console(width=None if sys.stdout.isatty() else 1000)
    console.print(table)
    for note in report.notes:
        console.print(f"note: {escape(note)}")
    ran = [r for r in report.results if r.status != "skipped"]
    if report.passed:
        summary = f"rlvr check: {report.name!r} passes all {len(ran)} checks that ran"
    else:
        names = ", ".join(r.check for r in report.failed)
        summary = f"rlvr check: {report.name!r} fails {len(report.failed)} of {len(ran)}: {names}"
    print(summary, file=sys.stderr)
