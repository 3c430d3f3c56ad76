"""A system prompt per environment (`envs.<name>.system_prompt:` in a run config).

Environments render a problem into chat messages (`Environment.prompt`); the system prompt is
put in front of what they render, for training and evaluation alike, so a model is evaluated
on the prompts it was trained on. It wraps the environment rather than asking every
environment (plugins included) to take an option.

A rendered prompt that already opens with a system message (a veRL or NeMo-Gym row that
carries one) keeps it: the configured text comes first and the row's follows, in one system
message, because many chat templates accept a single system message and only at the start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rlvr.errors import UserError
from rlvr.protocols import Message, Split


def with_system_prompt(messages: Sequence[Message], system_prompt: str | None) -> list[Message]:
    """`messages` opened by `system_prompt` (merged into a system message already first)."""
    rendered = [dict(m) for m in messages]
    if not system_prompt:
        return rendered
    if rendered and rendered[0].get("role") == "system":
        own = str(rendered[0].get("content", ""))
        rendered[0] = {
            **rendered[0],
            "content": f"{system_prompt}\n\n{own}" if own else system_prompt,
        }
        return rendered
    return [{"role": "system", "content": system_prompt}, *rendered]


class SystemPromptEnvironment:
    """An environment whose prompts open with a system prompt; everything else (its problems,
    its verifier, its options) is the wrapped environment's."""

    def __init__(self, environment: Any, system_prompt: str) -> None:
        self.environment = environment
        self.system_prompt = system_prompt

    def problems(self, split: Split = "train") -> Sequence[Any]:
        return self.environment.problems(split)

    def prompt(self, problem: Mapping[str, Any]) -> list[Message]:
        return with_system_prompt(self.environment.prompt(problem), self.system_prompt)

    def __getattr__(self, name: str) -> Any:
        # Only reached for what this class lacks (`name`, `verifier`, optional members). The
        # guard keeps unpickling, which looks attributes up before __dict__ is filled, from
        # recursing through `self.environment`.
        if name == "environment" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.environment, name)


def system_prompted(environment: Any, system_prompt: Any) -> Any:
    """`environment` with `system_prompt` in front of its prompts; unchanged without one."""
    if system_prompt is None or system_prompt == "":
        return environment
    if not isinstance(system_prompt, str):
        raise UserError(
            f"system_prompt: must be text, got {type(system_prompt).__name__} "
            "(quote it in the YAML)"
        )
    return SystemPromptEnvironment(environment, system_prompt)


__all__ = ["SystemPromptEnvironment", "system_prompted", "with_system_prompt"]
