"""Which environment, which verifier, which prompt: the rules every verb shares.

`rlvr verify`, `rlvr eval` and `rlvr train` build environments, pick the verifier of each
row and render its prompt here, so that a row is scored by the same verifier, with the same
fields checked first, wherever it is scored.

The rule for a row's verifier (`VerifierResolver.verifier_for`), first that applies:
1. the row's own `verifier` field (its `env` is then free-form);
2. the run config's `verifier:` for the row's environment;
3. the verifier the environment declares (`Environment.verifier`);
4. a verifier registered under the environment's name (a custom env that is just a dataset).
The verifier's `required_fields` are then checked on the row, so a row the verifier cannot
read is a user error naming the field before anything is scored, never a silent 0 or a
verifier crash mid-run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rlvr.data_formats import data_source
from rlvr.dataset_env import DatasetEnvironment, prompt_as_written
from rlvr.engine import CHUNK_ITEMS, chunk_limit
from rlvr.errors import RecordError, UserError
from rlvr.protocols import Environment, Message, Verifier, required_fields, training_options
from rlvr.registry import Registry, default_registry
from rlvr.system_prompt import system_prompted


class VerifierResolver:
    """The verifier of each row by the module's rule, with its required fields checked."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or default_registry()
        self._by_env: dict[str, str] = {}
        self._required: dict[str, tuple[str, ...]] = {}
        self._chunk_rows: dict[str, int] = {}

    def verifier_for(self, record: Mapping[str, Any], default: str | None = None) -> str:
        """The verifier's name; `default`: the run config's verifier for the row's env. A
        `RecordError` naming the field when the row lacks one the verifier needs."""
        name = record.get("verifier") or default
        if name is None:
            name = self._env_verifier(str(record["env"]))
        if name not in self._required:
            factory = self.registry.factory("verifiers", name)
            self._required[name] = required_fields(factory)
            self._chunk_rows[name] = chunk_limit(factory)
        for needed in self._required[name]:
            if needed not in record:
                raise RecordError(f"missing; verifier {name!r} needs it", field=needed)
        return name

    def chunk_rows(self, name: str) -> int:
        """How many rows of this (resolved) verifier a chunk may hold."""
        return self._chunk_rows.get(name, CHUNK_ITEMS)

    def _env_verifier(self, env: str) -> str:
        if env not in self._by_env:
            if env in self.registry.names("environments"):
                factory = self.registry.factory("environments", env)
                self._by_env[env] = getattr(factory, "verifier", env)
            elif env in self.registry.names("verifiers"):
                self._by_env[env] = env
            else:
                known = sorted(
                    set(self.registry.names("environments")) | set(self.registry.names("verifiers"))
                )
                raise RecordError(
                    f"unknown environment {env!r}; installed: {', '.join(known) or 'none'}. "
                    'Name one, or give the row a "verifier"',
                    field="env",
                )
        return self._by_env[env]


def build_environment(
    name: str,
    config: Any | None,
    seed: int,
    *,
    registry: Registry | None = None,
    rows_elsewhere: bool = False,
) -> Environment | None:
    """Environment `name` as a run builds it: a registered one with the run config's
    `options` (and its `data:` file), else a dataset environment from `data:`.

    `config`: the env's `EnvConfig` (or None). `rows_elsewhere`: the rows come from a file
    the caller reads itself (`rlvr eval --data`); the env's own `data:` is then not loaded,
    and an unregistered env is None (its prompts are used as written)."""
    registry = registry or default_registry()
    own_data = config.data if config is not None and not rows_elsewhere else None
    if own_data:  # with its `columns:` mapping, which the environment's load_records applies
        own_data = data_source(own_data, getattr(config, "columns", None))
    system_prompt = getattr(config, "system_prompt", None)
    if name in registry.names("environments"):
        options = dict(config.options) if config is not None else {}
        if own_data:
            options["data"] = own_data
        try:
            environment: Environment = registry.create("environments", name, seed=seed, **options)
        except ValueError as exc:
            raise UserError(f"environment {name!r}: {exc}") from None
        return system_prompted(environment, system_prompt)
    if own_data and config is not None:
        dataset = DatasetEnvironment(name, data=own_data, verifier=config.verifier or name)
        return system_prompted(dataset, system_prompt)
    if rows_elsewhere:
        return None
    installed = ", ".join(registry.names("environments")) or "none"
    raise UserError(
        f"unknown environment {name!r}; installed: {installed}. A custom environment needs "
        "its rows: `data:` (a JSONL file) and `verifier:` in the run config, or --data FILE"
    )


def build_verifier(
    name: str,
    environment: Environment | None,
    config: Any | None,
    *,
    training: bool,
    registry: Registry | None = None,
) -> Verifier:
    """Verifier `name` with its options: the run config's `verifier_options`, and in
    training the shaping options its environment asks for (`training_verifier_options`,
    e.g. partial credit); evaluation judges without them."""
    registry = registry or default_registry()
    options: dict[str, Any] = {}
    if training and environment is not None:
        options.update(training_options(environment))
    if config is not None:
        options.update(config.verifier_options)
    verifier: Verifier = registry.create("verifiers", name, **options)
    return verifier


def render_prompt(environment: Environment | None, problem: Mapping[str, Any]) -> list[Message]:
    """The chat messages for a problem: its environment's rendering, or as written."""
    if environment is None:
        return prompt_as_written(problem)
    return environment.prompt(problem)


def env_verifier(environment: Environment | None, config: Any | None) -> str | None:
    """The verifier an environment's rows default to (rule 2, else 3); None: the resolver's
    rule 4 decides."""
    configured = config.verifier if config is not None else None
    return configured or getattr(environment, "verifier", None)


def pool_key(env: str, verifier: str) -> str:
    """The key of an environment's verifier in the engine's pool: verifiers are built per
    environment (with its options), so two environments never share an instance."""
    return f"{env}/{verifier}"


@dataclass
class VerifierPlan:
    """Which verifier scores each of an environment's problems, and the instances."""

    names: list[str] = field(default_factory=list)
    """Per problem, in order: its verifier's registered name."""
    keys: list[str] = field(default_factory=list)
    """Per problem, in order: its verifier's key in the pool (`pool_key`)."""
    verifiers: dict[str, Verifier] = field(default_factory=dict)
    """By key: the instances, built once each with the run's options."""


def plan_verifiers(
    env: str,
    environment: Environment | None,
    config: Any | None,
    problems: Sequence[Mapping[str, Any]],
    *,
    training: bool,
    where: str,
    resolver: VerifierResolver | None = None,
) -> VerifierPlan:
    """The module's rule applied to every problem of an environment, required fields checked
    up front: a `UserError` naming `where` and the problem's id otherwise."""
    resolver = resolver or VerifierResolver()
    default = env_verifier(environment, config)
    plan = VerifierPlan()
    for problem in problems:
        try:
            name = resolver.verifier_for(problem, default)
        except RecordError as exc:
            raise UserError(f"{where}: problem {problem.get('id')!r}: {exc}") from None
        key = pool_key(env, name)
        if key not in plan.verifiers:
            plan.verifiers[key] = build_verifier(
                name, environment, config, training=training, registry=resolver.registry
            )
        plan.names.append(name)
        plan.keys.append(key)
    return plan


__all__ = [
    "VerifierResolver",
    "build_environment",
    "build_verifier",
    "env_verifier",
    "plan_verifiers",
    "pool_key",
    "render_prompt",
]
