"""The run configuration: one flat dataclass, the same fields in YAML and on the command line.

`rlvr train --config run.yaml` reads a YAML mapping onto `TrainConfig`; command-line flags
override it. Fields left `None` are chosen from the hardware by `resolve_defaults` (CPU: fp32,
small groups and lengths, sized to finish in minutes on two cores; GPU: bf16, vLLM when
installed). Unknown fields and wrong types fail before any work starts, naming the field.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlvr.errors import UserError


@dataclass
class EnvConfig:
    """One environment of a run (`envs:` in the YAML)."""

    weight: float = 1.0
    """Its share of every batch (weights are normalised over the run's environments)."""
    data: str | None = None
    """Problem records from this JSONL file instead of the built-in source (for a custom
    environment: its only source)."""
    verifier: str | None = None
    """The verifier that scores it (default: the one its environment declares)."""
    options: dict[str, Any] = field(default_factory=dict)
    """Keyword options for the environment factory (e.g. `size`, `families`)."""
    verifier_options: dict[str, Any] = field(default_factory=dict)
    """Keyword options for the verifier (e.g. `mode: lenient` for math)."""


@dataclass
class TrainConfig:
    """Everything `rlvr train` needs; see docs/configuration.md."""

    envs: dict[str, EnvConfig] = field(default_factory=dict)
    """Environments by name; `--envs math,code,if` gives each weight 1."""
    model: str | None = None
    """A local Hugging Face directory, a .gguf file or a cached hub id; None: the embedded
    SmolLM2-135M-Instruct."""
    output_dir: str = "runs/latest"
    """The run directory: config, metrics, samples, checkpoints."""
    max_steps: int | None = None
    """Optimizer steps to train (None: 8 on CPU, 200 on GPU)."""
    seed: int = 0
    curriculum: str = "uniform"
    """A registered curriculum, one instance per environment."""
    problems_per_step: int | None = None
    """Distinct problems per step, split across environments by weight (None: 3 on CPU)."""
    group_size: int | None = None
    """Completions per problem, the GRPO group (None: 4 on CPU, 8 on GPU)."""
    max_completion_length: int | None = None
    """Tokens per completion (None: 96 on CPU, 1024 on GPU)."""
    temperature: float = 1.0
    learning_rate: float | None = None
    """None: 2e-5 with LoRA, 1e-6 full fine-tuning."""
    beta: float = 0.0
    """KL coefficient against the reference model (0: no reference model is kept)."""
    loss_type: str = "dapo"
    """TRL's GRPO loss: grpo, dr_grpo, dapo, bnpo."""
    lora: bool = True
    """Train a LoRA adapter (peft) instead of every weight."""
    lora_r: int = 16
    lora_alpha: int = 32
    save_steps: int | None = None
    """Checkpoint every this many steps (None: 4 on CPU, 100 on GPU); the last step is always
    saved."""
    samples_per_step: int = 4
    """Completions with their verdicts written to samples.jsonl each step."""
    report_to: list[str] = field(default_factory=list)
    """TRL/transformers loggers: tensorboard, wandb, ..."""
    use_vllm: bool | None = None
    """None: on GPU when vLLM is installed."""
    bf16: bool | None = None
    """None: on GPU."""


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    annotation, optional = _unwrap_optional(annotation)
    if value is None:
        if optional:
            return None
        raise UserError(f"{where}: must not be empty")
    origin = typing.get_origin(annotation)
    if annotation is bool:
        if isinstance(value, bool):
            return value
    elif annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif annotation is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif annotation is str:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
    elif origin is list:
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        if isinstance(value, list):
            return [str(v) for v in value]
    elif origin is dict and isinstance(value, dict):
        return dict(value)
    name = getattr(annotation, "__name__", str(annotation))
    raise UserError(f"{where}: expected {name}, got {value!r}")


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(names)}"
            raise UserError(f"{where}: unknown field {key!r}{hint}")
        kwargs[key] = _coerce(value, hints[key], f"{where}: field {key!r}")
    return cls(**kwargs)


def config_from_dict(data: dict[str, Any], where: str = "config") -> TrainConfig:
    """A TrainConfig from a mapping (a parsed YAML file); errors name the field."""
    if not isinstance(data, dict):
        raise UserError(f"{where}: expected a mapping of fields, got {type(data).__name__}")
    data = dict(data)
    envs = data.pop("envs", {}) or {}
    if isinstance(envs, str | list):
        envs = {name: {} for name in _coerce(envs, list[str], f"{where}: field 'envs'")}
    if not isinstance(envs, dict):
        raise UserError(f"{where}: field 'envs' must map environment names to options")
    config = _build(TrainConfig, data, where)
    config.envs = {
        str(name): _build(EnvConfig, options or {}, f"{where}: envs.{name}")
        for name, options in envs.items()
    }
    return config


def load_config(path: str | Path) -> TrainConfig:
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"--config {path}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"--config {path}: not valid YAML: {exc}") from None
    return config_from_dict(data, where=str(path))


def config_to_dict(config: TrainConfig) -> dict[str, Any]:
    return dataclasses.asdict(config)


def resolve_defaults(config: TrainConfig, *, gpu: bool, vllm_installed: bool) -> TrainConfig:
    """Fill the fields left None from the hardware, then check the whole config."""
    cpu = not gpu
    filled = dataclasses.replace(
        config,
        max_steps=config.max_steps if config.max_steps is not None else (8 if cpu else 200),
        problems_per_step=config.problems_per_step or (3 if cpu else 32),
        group_size=config.group_size or (4 if cpu else 8),
        max_completion_length=config.max_completion_length or (96 if cpu else 1024),
        learning_rate=config.learning_rate or (2e-5 if config.lora else 1e-6),
        save_steps=config.save_steps or (4 if cpu else 100),
        use_vllm=config.use_vllm if config.use_vllm is not None else (gpu and vllm_installed),
        bf16=config.bf16 if config.bf16 is not None else gpu,
    )
    check(filled)
    return filled


def check(config: TrainConfig) -> None:
    """Everything that can be known wrong before a model is loaded."""
    if not config.envs:
        raise UserError(
            "no environments: pass --envs (e.g. --envs math,code,if) or `envs:` in the config"
        )
    for name, env in config.envs.items():
        if env.weight <= 0:
            raise UserError(f"envs.{name}.weight must be positive, got {env.weight}")
    if config.max_steps is not None and config.max_steps < 1:
        raise UserError(f"max_steps must be at least 1, got {config.max_steps}")
    if config.group_size is not None and config.group_size < 2:
        raise UserError(
            f"group_size must be at least 2 (GRPO compares completions within a "
            f"group), got {config.group_size}"
        )
    if config.problems_per_step is not None and config.problems_per_step < len(config.envs):
        raise UserError(
            f"problems_per_step ({config.problems_per_step}) must be at least the number of "
            f"environments ({len(config.envs)}) so that every batch holds each of them"
        )
    if config.loss_type not in ("grpo", "dr_grpo", "dapo", "bnpo"):
        raise UserError(f"loss_type must be grpo, dr_grpo, dapo or bnpo, got {config.loss_type!r}")
    if not 0 < config.temperature <= 5:
        raise UserError(f"temperature must be in (0, 5], got {config.temperature}")
