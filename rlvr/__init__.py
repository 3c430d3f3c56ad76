"""rlvr: reinforcement learning from verifiable rewards.

The public names: the verdict, the plugin contracts and the registry functions. Importing
`rlvr` is cheap; nothing here loads torch, transformers or ray.
"""

from rlvr.errors import PluginError, RecordError, UserError
from rlvr.protocols import Curriculum, Environment, Problem, Verifier
from rlvr.records import load_records, normalise, stable_id
from rlvr.registry import (
    default_registry,
    get_curriculum,
    get_environment,
    get_verifier,
    load_plugin,
    names,
)
from rlvr.rewards import reward_function
from rlvr.scoring import score
from rlvr.verdict import Verdict

__version__ = "0.1.0"

__all__ = [
    "Curriculum",
    "Environment",
    "PluginError",
    "Problem",
    "RecordError",
    "UserError",
    "Verdict",
    "Verifier",
    "default_registry",
    "get_curriculum",
    "get_environment",
    "get_verifier",
    "load_plugin",
    "load_records",
    "names",
    "normalise",
    "reward_function",
    "score",
    "stable_id",
]
