"""The verdict a verifier returns for one completion."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Verdict:
    """`reward` in [0, 1] and `info` saying why.

    A fault of the completion (wrong, unparseable, timed out, crashed in the sandbox) is a
    reward of 0. A fault of the infrastructure (the verifier raised, the sandbox could not
    start, a worker was lost) is `reward=None`: the item is left out of the update and counted
    as an error, never silently scored 0.
    """

    reward: float | None
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # info first: an error verdict (reward None) must carry a dict too.
        if not isinstance(self.info, dict):
            raise TypeError(f"Verdict.info must be a dict, got {type(self.info).__name__}")
        reward = self.reward
        if reward is None:
            return
        if isinstance(reward, bool) or not isinstance(reward, numbers.Real):
            raise TypeError(f"Verdict.reward must be a float in [0, 1] or None, got {reward!r}")
        if not (math.isfinite(reward) and 0.0 <= reward <= 1.0):
            raise ValueError(f"Verdict.reward must lie in [0, 1], got {reward!r}")
        object.__setattr__(self, "reward", float(reward))  # numpy and torch scalars too

    @property
    def is_error(self) -> bool:
        """True when the infrastructure failed and the reward is unknown."""
        return self.reward is None

    @classmethod
    def error(cls, message: str, **info: Any) -> Verdict:
        """An infrastructure fault: no reward, and the reason in `info["error"]`."""
        return cls(None, {"error": message, **info})
