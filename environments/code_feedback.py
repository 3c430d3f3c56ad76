"""The `code-feedback` environment: the code problems, with a tool that runs the policy's code
on the visible examples before it answers.

The problems are the `code` environment's (built-in set, or `data=FILE`), re-identified as
`code-feedback/<slug>` so that both can train in one run; each keeps its `code` split (the
split is the source id's), so a problem held out of `code` is held out here too. The tool,
`run_tests(code)`, runs the code in the sandbox through the code verifier on the problem's
first `visible_tests` tests, which are the examples its prompt shows (the built-in set's
prompts show its first test), and answers, per example, passed or what went wrong. The
hidden tests never run in a tool call and nothing about them reaches the policy; the reward is
the `code` verifier's verdict, on every test, of the code in the final assistant turn. A row
without I/O or stdio tests (assert-style, as HumanEval) has no visible examples: the tool then
only loads the code and reports what it printed or raised.

At most `max_turns` tool calls run per episode (later ones are refused without running); each
runs with the code verifier's per-test `timeout_s`, in a fresh sandbox, so a hang costs that
long and nothing persists between calls. Results are bounded (`rlvr.multiturn.bounded`).

The tool's work is a tool program (`RunTests`, key `code-feedback/run_tests`), which training
hosts on the run's verification pool beside the verifiers (rlvr/multiturn.py); the episode
sends it the problem with the visible examples only, so the hidden tests never leave the
trainer for a tool call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rlvr.environments.code import LANGUAGE_NAMES, CodeEnvironment
from rlvr.multiturn import ProblemEpisode, derived_record, output_text, tool_verdict
from rlvr.protocols import Message, Problem, Split, Verifier
from rlvr.records import Record
from rlvr.verdict import Verdict
from rlvr.verifiers.code import SOURCE_FILES, CodeVerifier
from rlvr.verifiers.code_task import LANGUAGE_ALIASES
from rlvr.verifiers.sandbox import Limits, Sandbox, SandboxUnavailable

DEFAULT_MAX_TURNS = 3
TOOL_KEY = "code-feedback/run_tests"


class CodeFeedbackEnvironment:
    name = "code-feedback"
    verifier = "code"
    training_verifier_options: Mapping[str, Any] = {}

    def __init__(
        self,
        *,
        seed: int = 0,
        data: str | Path | None = None,
        heldout_fraction: float = 0.2,
        languages: Sequence[str] | None = None,
        max_difficulty: int | None = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        visible_tests: int = 1,
        timeout_s: float = 5.0,
        sandbox: str | None = None,
    ) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        if visible_tests < 1:
            raise ValueError(f"visible_tests must be at least 1, got {visible_tests}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        self.source = CodeEnvironment(
            seed=seed,
            data=data,
            heldout_fraction=heldout_fraction,
            languages=languages,
            max_difficulty=max_difficulty,
            shots=0,
        )
        self.max_turns = max_turns
        self.visible_tests = visible_tests
        self.timeout_s = timeout_s
        self.sandbox = sandbox
        self._program: RunTests | None = None

    def problems(self, split: Split = "train") -> list[Record]:
        return [derived_record(p, self.name, "code/") for p in self.source.problems(split)]

    def prompt(self, problem: Problem) -> list[Message]:
        messages = self.source.prompt(problem)
        language = _language(problem.get("language") or "python")
        tool = (
            f"Before answering you may test your code: call the tool `run_tests` with the "
            f"complete {LANGUAGE_NAMES.get(language, language)} code, and it runs it on the "
            f"examples above and tells you what happened (at most {self.max_turns} calls). "
            "Your last message's code block is your answer."
        )
        last = messages[-1]
        return [*messages[:-1], {**last, "content": f"{last['content']}\n\n{tool}"}]

    def episode(self, problems: Mapping[str, Problem]) -> CodeFeedbackEpisode:
        return CodeFeedbackEpisode(self, problems)

    def tool_programs(self) -> dict[str, Verifier]:
        """The program `run_tests` runs (hosted on the verification pool in training)."""
        if self._program is None:
            self._program = RunTests(timeout_s=self.timeout_s, sandbox=self.sandbox)
        return {TOOL_KEY: self._program}


class CodeFeedbackEpisode(ProblemEpisode):
    """One rollout on one problem; its only tool is `run_tests`."""

    env_name = "code-feedback"
    _environment: CodeFeedbackEnvironment

    def run_tests(self, code: str) -> str:
        """Run your code on the problem's examples in a sandbox and see what happened.

        Args:
            code: The complete code, as you would give it in your final answer.

        Returns:
            For each example, whether it passed, or what went wrong.
        """
        return self._runner.call("run_tests", {"code": code}, lambda: self._run(code))

    def _run(self, code: str) -> tuple[str, str]:
        if self._problem is None:
            raise RuntimeError("run_tests before reset: the episode has no problem")
        tests = self._problem.get("tests")
        visible = tests[: self._environment.visible_tests] if isinstance(tests, list) else []
        # only the visible examples leave for the program's host: never the hidden tests
        return self._run_program(TOOL_KEY, {**self._problem, "tests": visible}, code)


class RunTests:
    """The program of the `run_tests` tool: the code verifier on the problem it is sent (the
    visible examples only), or, for a problem without I/O tests, the code loaded once in the
    sandbox. A verifier in shape (`verify(problem, code) -> Verdict`, the result in `info`:
    `rlvr.multiturn.tool_verdict`) so the verification engine hosts it; a sandbox that cannot
    start is `Verdict.error`, the infrastructure's fault, never the candidate's."""

    name = TOOL_KEY
    chunk_rows = 1

    def __init__(self, *, timeout_s: float = 5.0, sandbox: str | None = None) -> None:
        self.timeout_s = timeout_s
        self.sandbox = sandbox
        self._checker: CodeVerifier | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_checker": None}  # a host builds its own sandbox

    def checker(self) -> CodeVerifier:
        """The code verifier the examples run with (built on first use: it needs the
        sandbox)."""
        if self._checker is None:
            self._checker = CodeVerifier(
                sandbox=self.sandbox,
                all_or_nothing=False,
                timeout_s=self.timeout_s,
                budget_s=self.timeout_s * 2,
            )
        return self._checker

    def verify(self, problem: Problem, completion: str) -> Verdict:
        language = _language(problem.get("language") or "python")
        tests = problem.get("tests")
        try:
            checker = self.checker()
            if not isinstance(tests, list) or not tests:
                return self._load_only(checker.sandbox, completion, language)
        except SandboxUnavailable as exc:
            return Verdict.error(f"sandbox unavailable: {exc}")
        fenced = completion if "```" in completion else f"```{language}\n{completion}\n```"
        verdict = checker.verify(problem, fenced)
        if verdict.reward is None:
            return Verdict.error(str(verdict.info.get("error")))
        return tool_verdict(*feedback(verdict, tests))

    def _load_only(self, sandbox: Sandbox, code: str, language: str) -> Verdict:
        if language != "python":
            return tool_verdict("error", "this problem has no visible examples to run your code on")
        try:
            result = sandbox.run(
                [sandbox.interpreter, SOURCE_FILES["python"]],
                files={SOURCE_FILES["python"]: code},
                limits=Limits(cpu_s=self.timeout_s, memory_bytes=512 << 20),
                timeout_s=self.timeout_s,
            )
        except SandboxUnavailable as exc:
            return Verdict.error(f"sandbox unavailable: {exc}")
        if result.timed_out:
            return tool_verdict("error", f"timed out after {self.timeout_s:g} s (killed)")
        status = "ok" if result.exit_code == 0 else "error"
        text = output_text(result.stdout, result.stderr) or "(no output)"
        loaded = f"no visible examples; your code loaded with exit status {result.exit_code}"
        return tool_verdict(status, f"{loaded}\n{text}")


def feedback(verdict: Verdict, visible: Sequence[Any]) -> tuple[str, str]:
    """What the policy reads after a run on the visible examples (status, text)."""
    info = verdict.info
    results = info.get("tests")
    if not isinstance(results, list):
        detail = str(info.get("detail") or "")
        stderr = str(info.get("stderr") or "")
        text = f"{info.get('status', 'failed')}: {detail}".rstrip(": ")
        return "error", f"{text}\n{stderr}".strip()
    lines = []
    for number, (test, outcome) in enumerate(zip(visible, results, strict=False), start=1):
        shown = _example(test)
        status = outcome.get("status", "?") if isinstance(outcome, Mapping) else "?"
        reason = outcome.get("detail") if isinstance(outcome, Mapping) else None
        line = f"example {number} ({shown}): {status}"
        lines.append(f"{line}: {reason}" if reason else line)
    passed = info.get("passed", 0)
    lines.append(f"{passed} of {len(visible)} examples passed")
    return ("ok" if passed == len(visible) else "error"), "\n".join(lines)


def _language(name: Any) -> str:
    text = str(name).lower()
    return LANGUAGE_ALIASES.get(text, text)


def _example(test: Any) -> str:
    if isinstance(test, Mapping) and "stdin" in test:
        stdin = str(test["stdin"])
        return f"input {stdin[:200]!r}"
    if isinstance(test, Mapping) and "input" in test:
        return f"arguments {str(test['input'])[:200]}"
    return "example"
