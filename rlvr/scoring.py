"""Scoring one completion: the code every path shares (local workers, Ray actors, trainer).

A verifier is a plugin and may be buggy; nothing it does here can crash the caller. An
exception or a malformed return value is an infrastructure fault (`reward=None`), never a 0.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from rlvr.protocols import Verifier
from rlvr.verdict import Verdict

ERROR_TRACE_CHARS = 2000


def completion_text(completion: Any) -> str:
    """The text to judge: a string as is; for chat messages, the last assistant turn.

    TRL hands conversational completions to reward functions as message lists.
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping) and isinstance(completion.get("content"), str):
        return completion["content"]
    if isinstance(completion, list):
        for message in reversed(completion):
            if isinstance(message, Mapping) and message.get("role") == "assistant":
                # The last assistant turn or nothing: never judge an earlier one instead.
                content = message.get("content")
                if isinstance(content, str):
                    return content
                break
    raise TypeError(
        "a completion must be a string or chat messages with an assistant turn, "
        f"got {type(completion).__name__}"
    )


def score(verifier: Verifier, problem: Mapping[str, Any], completion: str) -> Verdict:
    """`verifier.verify` on a read-only view of the problem, with faults turned into errors."""
    try:
        verdict = verifier.verify(MappingProxyType(dict(problem)), completion)
    except Exception as exc:
        trace = traceback.format_exc()[-ERROR_TRACE_CHARS:]
        return Verdict.error(
            f"verifier {verifier.name!r} raised {type(exc).__name__}: {exc}", traceback=trace
        )
    if not isinstance(verdict, Verdict):
        return Verdict.error(
            f"verifier {verifier.name!r} returned {type(verdict).__name__}, not an rlvr.Verdict"
        )
    return verdict
