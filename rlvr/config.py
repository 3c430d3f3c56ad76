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
class RewardWeights:
    """How an environment's reward mixes its verifier and the GenRM (`envs.<name>.reward`).

    The reward is the weighted mean of the two; a weight of 0 leaves that part unconsulted
    (an environment without a verifier sets `verifier: 0`). See docs/genrm.md.
    """

    verifier: float = 1.0
    genrm: float = 0.0


@dataclass
class GenRMConfig:
    """The generative reward model (`genrm:` in the YAML); see docs/genrm.md."""

    mode: str = "off"
    """off, pointwise (each response rated alone) or pairwise (each against its neighbours in
    the group, in a circle, both orders)."""
    model: str | None = None
    """The judge: any causal LM rlvr can load (as `model`); None: the embedded model."""
    max_new_tokens: int = 64
    """Tokens the judge may write per judgement; its JSON verdict must fit."""
    batch_size: int = 8
    """Judge conversations per `generate` call."""
    temperature: float = 0.0
    """0: greedy, deterministic judging."""
    position_swap: bool = True
    """Pairwise: judge each neighbour pair in both orders, so position bias cancels."""
    prefill: bool = True
    """Start the judge's reply with the opening of its JSON verdict (`{"score": `), so that a
    small model answers in the format; turn it off for a judge that reasons first."""
    reference_field: str | None = "answer"
    """The problem field shown to the judge as a reference answer, where a problem has it."""
    pointwise_template: str | None = None
    """The judge's prompt in pointwise mode, with {prompt}, {response} and optionally
    {reference}; None: the built-in one (rlvr/genrm.py)."""
    pairwise_template: str | None = None
    """The judge's prompt in pairwise mode, with {prompt}, {response_1}, {response_2} and
    optionally {reference}; None: the built-in one."""
    max_response_tokens: int | None = None
    """Tokens of a response the judge reads; a longer one is cut there and the judge told so.
    None: what fits the judge's context beside the rest of its prompt and its verdict."""


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
    reward: RewardWeights = field(default_factory=RewardWeights)
    """Weights of the verifier's reward and the GenRM score in this environment's reward."""


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
    curriculum: str = "pass_rate"
    """A registered curriculum, one instance per environment: `pass_rate` (problems near a
    target pass rate that moves from easy to hard; docs/curriculum.md) or `uniform`."""
    curriculum_options: dict[str, Any] = field(default_factory=dict)
    """Keyword options for the curriculum factory (e.g. `pass_rates: eval/pass_rates.jsonl`)."""
    problems_per_step: int | None = None
    """Distinct problems per step, split across environments by weight (None: 3 on CPU)."""
    group_size: int | None = None
    """Completions per problem, the GRPO group (None: 4 on CPU, 8 on GPU)."""
    max_completion_length: int | None = None
    """Tokens per completion (None: 96 on CPU, 1024 on GPU)."""
    temperature: float = 1.0
    learning_rate: float | None = None
    """None: with LoRA 2e-4 on CPU (a run of tens of steps: 2e-5 moved nothing in five, 2e-4
    raised held-out math pass@1 in 25; BENCHMARKS.md, "Learning"), 2e-5 on GPU; 1e-6 full
    fine-tuning."""
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
    ray_address: str | None = None
    """The Ray cluster hosting the environment actors (`host:port` or `ray://host:port`);
    None: RAY_ADDRESS if set, else a local Ray instance started for the run."""
    actors_per_env: int | None = None
    """Ray actors verifying each environment's completions (None: the CPUs Ray sees, shared
    among the environments, at least one each)."""
    verify_timeout: float = 60.0
    """Seconds one completion's verification may take; past it the completion scores 0
    (`info.status: timeout`)."""
    max_error_rate: float = 0.5
    """The run stops (after saving a checkpoint) when, in one step, more than this fraction of
    an environment's completions could not be scored (the verifier raised, its process or
    actor was lost): a broken plugin fails loudly instead of training on nothing."""
    genrm: GenRMConfig = field(default_factory=GenRMConfig)
    """The generative reward model; off unless `mode` is set."""


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
    elif dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        if isinstance(value, annotation):
            return value
        if isinstance(value, dict):
            return _build(annotation, value, where)
        raise UserError(f"{where}: expected a mapping of fields, got {value!r}")
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
        learning_rate=config.learning_rate or (1e-6 if not config.lora else 2e-4 if cpu else 2e-5),
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
    if config.actors_per_env is not None and config.actors_per_env < 1:
        raise UserError(f"actors_per_env must be at least 1, got {config.actors_per_env}")
    if not config.verify_timeout > 0:
        raise UserError(f"verify_timeout must be positive, got {config.verify_timeout}")
    if not 0 <= config.max_error_rate <= 1:
        raise UserError(f"max_error_rate must be in [0, 1], got {config.max_error_rate}")
    _check_genrm(config)


def _check_genrm(config: TrainConfig) -> None:
    """The `genrm:` section and every environment's reward weights."""
    from rlvr.judge_prompts import GENRM_MODES, check_template

    genrm = config.genrm
    if genrm.mode not in GENRM_MODES:
        raise UserError(f"genrm.mode must be one of {', '.join(GENRM_MODES)}, got {genrm.mode!r}")
    if genrm.max_new_tokens < 1:
        raise UserError(f"genrm.max_new_tokens must be at least 1, got {genrm.max_new_tokens}")
    if genrm.batch_size < 1:
        raise UserError(f"genrm.batch_size must be at least 1, got {genrm.batch_size}")
    if genrm.temperature < 0:
        raise UserError(f"genrm.temperature must be 0 (greedy) or more, got {genrm.temperature}")
    for mode in ("pointwise", "pairwise"):
        template = getattr(genrm, f"{mode}_template")
        if template is not None:
            check_template(template, mode, where=f"genrm.{mode}_template")
    for name, env in config.envs.items():
        weights = env.reward
        for part in ("verifier", "genrm"):
            if getattr(weights, part) < 0:
                raise UserError(
                    f"envs.{name}.reward.{part} must be 0 or more, got {getattr(weights, part)}"
                )
        if weights.verifier == 0 and weights.genrm == 0:
            raise UserError(f"envs.{name}.reward: the verifier and genrm weights are both 0")
        if weights.genrm > 0 and genrm.mode == "off":
            raise UserError(
                f"envs.{name}.reward.genrm is {weights.genrm} but the GenRM is off: pass "
                "--genrm pointwise|pairwise or set genrm.mode in the config"
            )
