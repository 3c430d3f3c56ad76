"""The Countdown numbers game as an rlvr plugin: a verifier and an environment.

Installed, the package registers both under the name `countdown` through the entry-point
groups `rlvr.verifiers` and `rlvr.environments` (see pyproject.toml); rlvr itself is never
edited.
"""

from rlvr_countdown.arithmetic import Expression, ExpressionError, parse
from rlvr_countdown.environment import CountdownEnvironment
from rlvr_countdown.verifier import CountdownVerifier

__version__ = "0.1.0"

__all__ = ["CountdownEnvironment", "CountdownVerifier", "Expression", "ExpressionError", "parse"]
