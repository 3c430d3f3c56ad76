"""The `math-tool` environment: the math problems, with a sandboxed Python interpreter as a
calculator; the sympy answer checker (`math` verifier) decides.

The problems are the `math` environment's (generated pool, or `data=FILE`), re-identified as
`math-tool/<id>` so that both can train in one run; each keeps its `math` split (the split is
the source id's), so a problem held out of `math` is held out here too. The tool,
`python(code)`, runs the code as a script in a fresh sandbox (the code verifier's sandbox:
no network, private filesystem, CPU, memory, process and output limits) and returns what it
printed; the interpreter is the sandbox's Python with its standard library (`math`,
`fractions`, `decimal`, `itertools`), and sympy only if that interpreter has it. Nothing
persists between calls: a value needed again is computed again. Whatever the code prints is
text for the policy, never an answer: the reward is the math verifier's verdict on the final
assistant turn's `\\boxed{}` answer, exactly as for `math`.

At most `max_turns` calls run per episode (later ones are refused without running); one that
runs past `timeout_s` is killed and reported as such; output is bounded
(`rlvr.multiturn.bounded`). The tool's work is a tool program (`PythonTool`, key
`math-tool/python`), which training hosts on the run's verification pool beside the verifiers
(rlvr/multiturn.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rlvr.environments.math import INSTRUCTION, MathEnvironment
from rlvr.multiturn import ProblemEpisode, derived_record, output_text, tool_verdict
from rlvr.protocols import Message, Problem, Split, Verifier
from rlvr.records import Record
from rlvr.verdict import Verdict
from rlvr.verifiers.sandbox import Limits, Sandbox, SandboxUnavailable

DEFAULT_MAX_TURNS = 3
TOOL_KEY = "math-tool/python"
TOOL_LIMITS = Limits(cpu_s=5.0, memory_bytes=256 << 20, processes=4, output_bytes=64 << 10)
"""A calculator's share: enough for arithmetic on big integers, not for a fork bomb."""


class MathToolEnvironment:
    name = "math-tool"
    verifier = "math"

    def __init__(
        self,
        *,
        seed: int = 0,
        size: int | None = None,
        data: str | Path | None = None,
        families: Sequence[str] | None = None,
        max_difficulty: int | None = None,
        heldout_fraction: float = 0.1,
        mode: str | None = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        timeout_s: float = 5.0,
        sandbox: str | None = None,
    ) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        options: dict[str, Any] = {} if size is None else {"size": size}
        self.source = MathEnvironment(
            seed=seed,
            data=data,
            families=families,
            max_difficulty=max_difficulty,
            heldout_fraction=heldout_fraction,
            mode=mode,
            shots=0,
            **options,
        )
        self.training_verifier_options: Mapping[str, Any] = dict(
            MathEnvironment.training_verifier_options
        )
        self.max_turns = max_turns
        self.timeout_s = timeout_s
        self.sandbox_mode = sandbox
        self._program: PythonTool | None = None

    def problems(self, split: Split = "train") -> list[Record]:
        return [derived_record(p, self.name, "math/") for p in self.source.problems(split)]

    def prompt(self, problem: Problem) -> list[Message]:
        messages = self.source.prompt(problem)
        last = messages[-1]
        if not isinstance(problem["prompt"], str):
            return messages
        tool = (
            "You may call the tool `python` with a Python script to compute with; it returns "
            f"what the script prints (at most {self.max_turns} calls). {INSTRUCTION}"
        )
        content = f"{problem['prompt']}\n\n{tool}"
        return [*messages[:-1], {**last, "content": content}]

    def episode(self, problems: Mapping[str, Problem]) -> MathToolEpisode:
        return MathToolEpisode(self, problems)

    def tool_programs(self) -> dict[str, Verifier]:
        """The program `python` runs (hosted on the verification pool in training)."""
        if self._program is None:
            self._program = PythonTool(timeout_s=self.timeout_s, sandbox=self.sandbox_mode)
        return {TOOL_KEY: self._program}


class MathToolEpisode(ProblemEpisode):
    """One rollout on one problem; its only tool is `python`."""

    env_name = "math-tool"

    def python(self, code: str) -> str:
        """Run a Python script in a sandbox and return what it prints.

        Args:
            code: The script; print the values you want to see.

        Returns:
            What the script printed (and its error, if it failed).
        """
        return self._runner.call(
            "python", {"code": code}, lambda: self._run_program(TOOL_KEY, {}, code)
        )


class PythonTool:
    """The program of the `python` tool: the script run once in a fresh sandbox, what it
    printed returned. A verifier in shape (`verify(problem, code) -> Verdict`, the result in
    `info`: `rlvr.multiturn.tool_verdict`) so the verification engine hosts it; a sandbox that
    cannot start is `Verdict.error`, the infrastructure's fault, never the candidate's."""

    name = TOOL_KEY
    chunk_rows = 1

    def __init__(self, *, timeout_s: float = 5.0, sandbox: str | None = None) -> None:
        self.timeout_s = timeout_s
        self.sandbox_mode = sandbox
        self._sandbox: Sandbox | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_sandbox": None}  # a host configures its own

    def verify(self, problem: Problem, completion: str) -> Verdict:
        timeout_s = self.timeout_s
        try:
            if self._sandbox is None:
                self._sandbox = Sandbox.configured(self.sandbox_mode)
            sandbox = self._sandbox
            result = sandbox.run(
                [sandbox.interpreter, "main.py"],
                files={"main.py": completion},
                limits=TOOL_LIMITS,
                timeout_s=timeout_s,
            )
        except SandboxUnavailable as exc:
            return Verdict.error(f"sandbox unavailable: {exc}")
        text = output_text(result.stdout, result.stderr)
        if result.timed_out:
            killed = f"[killed: timed out after {timeout_s:g} s]"
            return tool_verdict("error", f"{text}\n{killed}".lstrip())
        if result.memory_exceeded:
            return tool_verdict("error", f"{text}\n[killed: memory limit]".lstrip())
        if result.output_exceeded:
            return tool_verdict("error", f"{text}\n[killed: printed too much]".lstrip())
        if result.exit_code != 0:
            how = f"exit status {result.exit_code}" if result.exit_code is not None else "a signal"
            return tool_verdict("error", f"{text}\n[the script failed: {how}]".lstrip())
        if not text.strip():
            return tool_verdict("ok", "(no output: print the values you want to see)")
        return tool_verdict("ok", text)
