"""Fixtures the multi-turn environment tests share."""

from __future__ import annotations

from typing import Any

import pytest

from rlvr.environments.code_feedback import CodeFeedbackEnvironment


@pytest.fixture(scope="module")
def code_env() -> CodeFeedbackEnvironment:
    return CodeFeedbackEnvironment(max_turns=2, timeout_s=1.0)


@pytest.fixture(scope="module")
def total(code_env: CodeFeedbackEnvironment) -> dict[str, Any]:
    """A code-feedback problem with one visible example and hidden tests."""
    return next(p for p in code_env.problems("train") if p["id"] == "code-feedback/total")
