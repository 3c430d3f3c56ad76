"""The run configuration: one flat dataclass, the same fields in YAML and on the command line.

`TrainConfig` is the one definition: `rlvr train`'s flags (and their help, from the docstring
under each field), the checks (each field's limits) and the table in docs/configuration.md
are generated from it. `rlvr train --config run.yaml` reads a YAML mapping onto it;
command-line flags override it. Fields left `None` are filled by `resolve_defaults`: first
from the named algorithm (rlvr/presets.py), then from the hardware (CPU: small groups and
lengths, sized to finish in minutes on two cores; GPU: the sizes of a real run, vLLM when
installed; bf16 only where torch reports native support). TRL's and peft's other fields pass
through `trl:` and `peft:`, checked against their dataclasses. Unknown fields and wrong types
fail before any work starts, naming the field.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlvr.engine import ITEM_TIMEOUT_S
from rlvr.errors import UserError
from rlvr.presets import PRESETS

LOSS_TYPES = ("grpo", "dr_grpo", "dapo", "bnpo", "cispo", "sapo", "luspo", "vespo")
"""TRL 1.16's GRPO losses."""
OVERLONG_MODES = ("off", "soft", "mask")


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
    """off, pointwise (each response rated alone), pairwise (each against its neighbours in
    the group, in a circle, both orders) or cascade (the verifier first; the judge only where
    it said wrong, asked in both answer orders whether the answer equals the reference)."""
    model: str | None = None
    """The judge: any causal LM rlvr can load (as `model`); None: the embedded model. With
    `base_url`, the model name the endpoint serves."""
    base_url: str | None = None
    """An OpenAI-compatible endpoint serving the judge (`http://host:8000/v1`: vLLM, SGLang,
    llama.cpp, transformers serve); None: the judge runs in-process."""
    api_key_env: str | None = None
    """The environment variable holding the endpoint's API key (never the key itself);
    None: no key (a local server)."""
    request_timeout: float = 60.0
    """Endpoint: seconds one request may take before it is retried."""
    max_retries: int = 3
    """Endpoint: retries of a request after a transport error or timeout, with backoff; a
    request still failing is an infrastructure fault (score None, never 0)."""
    max_new_tokens: int = 64
    """Tokens the judge may write per judgement; its JSON verdict must fit."""
    batch_size: int = 8
    """Judge conversations per `generate` call; for an endpoint, requests in flight at once."""
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
    cascade_template: str | None = None
    """The judge's prompt in cascade mode, with {prompt}, {answer_1} and {answer_2} (the
    reference and the candidate's answer, in both orders); None: the built-in one."""
    max_response_tokens: int | None = None
    """Tokens of a response the judge reads; a longer one is cut there and the judge told so.
    None: what fits the judge's context beside the rest of its prompt and its verdict."""


@dataclass
class EnvConfig:
    """One environment of a run (`envs:` in the YAML)."""

    weight: float = 1.0
    """Its share of every batch (weights are normalised over the run's environments)."""
    data: str | None = None
    """Problem records from this source instead of the built-in one (for a custom environment:
    its only source): a JSONL or parquet file, a `save_to_disk` folder, or a hub dataset in the
    local cache, `owner/name[:config][@split]` (docs/evaluation.md, "Data")."""
    verifier: str | None = None
    """The verifier that scores it (default: the one its environment declares)."""
    options: dict[str, Any] = field(default_factory=dict)
    """Keyword options for the environment factory (e.g. `size`, `families`)."""
    verifier_options: dict[str, Any] = field(default_factory=dict)
    """Keyword options for the verifier (e.g. `mode: lenient` for math)."""
    reward: RewardWeights = field(default_factory=RewardWeights)
    """Weights of the verifier's reward and the GenRM score in this environment's reward."""
    columns: dict[str, str] = field(default_factory=dict)
    """How the columns of `data:` map onto record fields, source -> field (`{question: prompt,
    solution: answer}`; a dotted source reaches into objects: `reward_model.ground_truth`)."""
    system_prompt: str | None = None
    """A system message put in front of this environment's prompts, in training and eval."""


def _limits(**limits: Any) -> dict[str, Any]:
    """Field metadata read by `check()` and by the command line (typer's `min`/`max`)."""
    return limits


@dataclass
class TrainConfig:
    """Everything `rlvr train` needs; see docs/configuration.md (its field table is generated
    from this class: `python -m rlvr.config` prints it)."""

    envs: dict[str, EnvConfig] = field(default_factory=dict)
    """Environments by name, each with `weight`, `data`, `verifier`, `options`,
    `verifier_options`, `reward`; `--envs math,code,if` gives each weight 1."""
    model: str | None = None
    """A local Hugging Face directory, a .gguf file or a cached hub id; None: the embedded
    SmolLM2-135M-Instruct."""
    output_dir: str = "runs/latest"
    """The run directory: config, metrics, samples, checkpoints."""
    max_steps: int | None = field(default=None, metadata=_limits(min=1))
    """Optimizer steps to train (None: 8 on CPU, 200 on GPU)."""
    seed: int = 0
    """Seeds the environments' problem pools, the curricula and sampling."""
    algorithm: str | None = field(default=None, metadata=_limits(choices=tuple(PRESETS)))
    """A published GRPO recipe whose knobs fill what is left unset (rlvr/presets.py): grpo,
    dapo, dr_grpo or gspo; None: TRL 1.16's defaults (token-level loss, no KL)."""
    curriculum: str = "pass_rate"
    """A registered curriculum, one instance per environment: `pass_rate` (problems near a
    target pass rate that moves from easy to hard; docs/curriculum.md) or `uniform`."""
    curriculum_options: dict[str, Any] = field(default_factory=dict)
    """Keyword options for the curriculum factory (e.g. `pass_rates: eval/pass_rates.jsonl`)."""
    problems_per_step: int | None = field(default=None, metadata=_limits(min=1))
    """Distinct problems per step, split across environments by weight (None: 3 on CPU, 32
    on GPU)."""
    group_size: int | None = field(
        default=None,
        metadata=_limits(min=2, why="GRPO compares completions within a group"),
    )
    """Completions per problem, the GRPO group (None: 4 on CPU, 8 on GPU)."""
    max_completion_length: int | None = field(default=None, metadata=_limits(min=1))
    """Tokens per completion (None: 96 on CPU, 1024 on GPU)."""
    micro_batch_size: int | None = field(default=None, metadata=_limits(min=1))
    """Completions per forward/backward pass on each process; a step's problems x group are
    accumulated over as many passes as needed (None: the whole step on CPU; on GPU the
    largest that the memory arithmetic in docs/configuration.md fits)."""
    temperature: float | None = field(default=None, metadata=_limits(gt=0, max=5))
    """Sampling temperature (None: 0.7 on CPU, where the small embedded model's samples at
    1.0 drift into noise (BENCHMARKS.md, "Learning"); 1.0 on GPU)."""
    learning_rate: float | None = field(default=None, metadata=_limits(gt=0))
    """None: with LoRA 2e-4 on CPU (a run of tens of steps: 2e-5 moved nothing in five, 2e-4
    raised held-out math pass@1 in 25; BENCHMARKS.md, "Learning"), 2e-5 on GPU; 1e-6 full
    fine-tuning."""
    beta: float | None = field(default=None, metadata=_limits(min=0))
    """KL coefficient against the reference model (None: the algorithm's, else 0: no
    reference model is kept)."""
    loss_type: str | None = field(default=None, metadata=_limits(choices=LOSS_TYPES))
    """TRL's GRPO loss: grpo, dr_grpo, dapo, bnpo, cispo, sapo, luspo or vespo (None: the
    algorithm's, else dapo)."""
    dynamic_sampling_rounds: int | None = field(default=None, metadata=_limits(min=0))
    """DAPO's dynamic sampling: groups whose completions all got the same reward (no
    gradient) are replaced by fresh problems, within this many extra generation rounds per
    step; groups still flat after them are dropped from the update (None: the algorithm's,
    else 0: off). One training process only."""
    overlong: str | None = field(default=None, metadata=_limits(choices=OVERLONG_MODES))
    """Shaping for completions that run long (None: the algorithm's, else off): `soft` adds
    DAPO's penalty, falling linearly from 0 to -1 over the last `overlong_buffer` tokens of
    the budget, to the verifier's [0, 1] reward; `mask` leaves truncated completions out of
    the loss."""
    overlong_buffer: int | None = field(default=None, metadata=_limits(min=1))
    """Tokens before `max_completion_length` where the soft penalty starts (None: a fifth of
    the budget, DAPO's 4096 of 20480)."""
    lora: bool = True
    """Train a LoRA adapter (peft) instead of every weight."""
    lora_r: int = field(default=16, metadata=_limits(min=1))
    """The adapter's rank."""
    lora_alpha: int = field(default=32, metadata=_limits(min=1))
    """The adapter's scale numerator (alpha / r scales its update)."""
    save_steps: int | None = field(default=None, metadata=_limits(min=1))
    """Checkpoint every this many steps (None: 4 on CPU, 100 on GPU); the last step is always
    saved."""
    samples_per_step: int = field(default=4, metadata=_limits(min=0))
    """Completions with their verdicts written to samples.jsonl each step."""
    report_to: list[str] = field(default_factory=list)
    """Trackers that receive every metric of metrics.jsonl under the same names:
    tensorboard, wandb, trackio (comma-separated on the command line)."""
    run_name: str | None = None
    """The run's name in the trackers (None: the run directory's name)."""
    project: str | None = None
    """The trackers' project (wandb and trackio; None: theirs)."""
    use_vllm: bool | None = None
    """Generate with vLLM (None: on GPU when vLLM is installed); its mode, memory and
    parallelism are TRL's `vllm_*` fields, under `trl:`."""
    bf16: bool | None = None
    """bfloat16 (None: where torch reports native support: a GPU's
    `torch.cuda.is_bf16_supported()`, a CPU with AVX512_BF16 or AMX; elsewhere bf16 is
    emulated and far slower than fp32). The choice is written to the run's config.yaml."""
    verification: str | None = field(default=None, metadata=_limits(choices=("ray", "local")))
    """Where completions are verified (rlvr/engine.py): `ray`, actors per environment on a
    local Ray instance or the `ray_address` cluster; `local`, worker processes on this machine,
    no Ray needed (a GPU box without Ray). None: `ray` where Ray is installed, else `local`.
    The choice is written to the run's config.yaml (`hardware.verification`)."""
    ray_address: str | None = None
    """The Ray cluster hosting the environment actors (`host:port` or `ray://host:port`);
    None: RAY_ADDRESS if set, else a local Ray instance started for the run."""
    actors_per_env: int | None = field(default=None, metadata=_limits(min=1))
    """Ray actors verifying each environment's completions, or local worker processes in all
    (None: the CPUs there are, shared among the environments, at least one each)."""
    verify_timeout: float = field(default=ITEM_TIMEOUT_S, metadata=_limits(gt=0))
    """Seconds one completion's verification may take; past it the completion scores 0
    (`info.status: timeout`)."""
    max_error_rate: float = field(default=0.5, metadata=_limits(min=0, max=1))
    """The run stops (after saving a checkpoint) when, in one step, more than this fraction of
    an environment's completions could not be scored (the verifier raised, its process or
    actor was lost): a broken plugin fails loudly instead of training on nothing."""
    genrm: GenRMConfig = field(default_factory=GenRMConfig)
    """The generative reward model; off unless `mode` is set."""
    trl: dict[str, Any] = field(default_factory=dict)
    """Any other field of TRL 1.16's GRPOConfig, passed through as given (e.g.
    `epsilon_high`, `top_p`, `num_iterations`, `vllm_mode`, `save_total_limit`,
    `gradient_checkpointing`, which rlvr turns off on a CPU unless given here); checked
    against GRPOConfig's fields. Fields rlvr sets itself are refused, naming the rlvr field
    to use instead."""
    peft: dict[str, Any] = field(default_factory=dict)
    """Any other field of peft's LoraConfig (e.g. `lora_dropout`, `target_modules`); checked
    against its fields."""


# TRL fields that rlvr computes, and what to set instead. A passthrough value for one of them
# would be silently overwritten, or break an invariant the trainer relies on.
RLVR_SETS: dict[str, str] = {
    "output_dir": "set `output_dir`",
    "max_steps": "set `max_steps`",
    "seed": "set `seed`",
    "learning_rate": "set `learning_rate`",
    "beta": "set `beta`",
    "loss_type": "set `loss_type`",
    "temperature": "set `temperature`",
    "max_completion_length": "set `max_completion_length`",
    "num_generations": "set `group_size`",
    "per_device_train_batch_size": "set `micro_batch_size`",
    "gradient_accumulation_steps": "rlvr derives it: problems_per_step x group_size / "
    "micro_batch_size per process, so that each generated batch is one optimizer step",
    "steps_per_generation": "rlvr derives it (each generated batch of problems_per_step x "
    "group_size is one optimizer step, in micro-batches of micro_batch_size); for several "
    "updates per generated batch set `trl: {num_iterations: N}`",
    "generation_batch_size": "set `problems_per_step` (x group_size completions)",
    "save_steps": "set `save_steps`",
    "save_strategy": "rlvr saves every `save_steps` and always at the last step",
    "logging_steps": "every step is a row of metrics.jsonl and of the trackers",
    "logging_strategy": "every step is a row of metrics.jsonl and of the trackers",
    "report_to": "set `report_to`",
    "run_name": "set `run_name`",
    "project": "set `project`",
    "bf16": "set `bf16`",
    "use_vllm": "set `use_vllm`",
    "use_cpu": "rlvr runs on the GPU when torch sees one",
    "mask_truncated_completions": "set `overlong: mask`",
    "reward_weights": "set `envs.<name>.reward`",
    "disable_tqdm": "rlvr draws its own progress view",
    "ignore_data_skip": "the curricula, not the dataloader, pick each step's problems",
    "dataloader_num_workers": "the curricula, not the dataloader, pick each step's problems",
    "remove_unused_columns": "the reward function reads the `problem_id` column",
    "shuffle_dataset": "the curricula, not the dataloader, pick each step's problems",
    "num_train_epochs": "set `max_steps`",
}
PEFT_SETS: dict[str, str] = {
    "r": "set `lora_r`",
    "lora_alpha": "set `lora_alpha`",
    "task_type": "rlvr trains causal language models",
}
# Values TRL 1.16 accepts for fields it does not check until training starts.
TRL_CHOICES: dict[str, tuple[str, ...]] = {
    "scale_rewards": ("group", "batch", "none"),
    "importance_sampling_level": ("token", "sequence"),
    "vllm_mode": ("server", "colocate"),
}


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


def _unknown_field(key: str, names: list[str], where: str) -> UserError:
    close = difflib.get_close_matches(key, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(names)}"
    return UserError(f"{where}: unknown field {key!r}{hint}")


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            raise _unknown_field(key, names, where)
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


# -- defaults from the recipe and the hardware ------------------------------------------------


def apply_algorithm(config: TrainConfig) -> TrainConfig:
    """The preset's knobs where the user left them unset, then rlvr's own defaults (TRL's)."""
    preset = PRESETS.get(config.algorithm or "")
    fields = dict(preset.fields) if preset else {}
    base = {"loss_type": "dapo", "beta": 0.0, "dynamic_sampling_rounds": 0, "overlong": "off"}
    filled = {
        name: getattr(config, name)
        if getattr(config, name) is not None
        else fields.get(name, default)
        for name, default in base.items()
    }
    trl = {**(preset.trl if preset else {}), **config.trl}
    return dataclasses.replace(config, trl=trl, **filled)


# The learning benchmark's problem mix (benchmarks/learning/run.yaml, BENCHMARKS.md "Learning"),
# the CPU default for the built-in environments a run names without options or data. A CPU run
# trains the embedded 135M model: with every math family it answered almost none (pass rate 0
# in the first steps, so every group was flat and GRPO learned nothing); on one-step arithmetic
# with small numbers it answers about a third, and code up to difficulty 2 is where it passes
# any. On a GPU the environments keep their full range.
CPU_ENV_OPTIONS: dict[str, dict[str, Any]] = {
    "math": {"families": ["arithmetic"], "max_difficulty": 1, "size": 700},
    "code": {"max_difficulty": 2},
}


def _cpu_env(name: str, env: EnvConfig) -> EnvConfig:
    """`env` with the CPU problem mix where the user said nothing about its problems."""
    if name not in CPU_ENV_OPTIONS or env.options or env.data is not None:
        return env
    return dataclasses.replace(env, options=dict(CPU_ENV_OPTIONS[name]))


def resolve_defaults(
    config: TrainConfig, *, gpu: bool, vllm_installed: bool, bf16_native: bool | None = None
) -> TrainConfig:
    """Fill the fields left None from the recipe and the hardware, then check the whole config.

    `bf16_native`: whether torch reports native bf16 on the device the run uses (None: a GPU
    is assumed to have it, a CPU not).
    """
    cpu = not gpu
    native = gpu if bf16_native is None else bf16_native
    config = apply_algorithm(config)
    max_completion_length = config.max_completion_length or (96 if cpu else 1024)
    filled = dataclasses.replace(
        config,
        envs=config.envs if gpu else {name: _cpu_env(name, e) for name, e in config.envs.items()},
        max_steps=config.max_steps if config.max_steps is not None else (8 if cpu else 200),
        problems_per_step=config.problems_per_step or (3 if cpu else 32),
        group_size=config.group_size or (4 if cpu else 8),
        max_completion_length=max_completion_length,
        temperature=config.temperature or (0.7 if cpu else 1.0),
        learning_rate=config.learning_rate or (1e-6 if not config.lora else 2e-4 if cpu else 2e-5),
        save_steps=config.save_steps or (4 if cpu else 100),
        use_vllm=config.use_vllm if config.use_vllm is not None else (gpu and vllm_installed),
        bf16=config.bf16 if config.bf16 is not None else native,
        overlong_buffer=config.overlong_buffer or max(1, max_completion_length // 5),
    )
    check(filled)
    return filled


def native_bf16(gpu: bool) -> tuple[bool, str]:
    """Whether torch reports native bfloat16 on this machine's training device, and why.

    On a CPU without AVX512_BF16 or AMX, torch emulates bf16: a bf16 matmul ran 40x slower than
    fp32 on an AVX2-only CPU (issue 25), so bf16 is only the default where it is native.
    """
    import torch

    if gpu:
        supported = bool(torch.cuda.is_bf16_supported())
        return supported, f"torch.cuda.is_bf16_supported() is {supported}"
    capability = torch.backends.cpu.get_cpu_capability()
    cpu = getattr(torch, "cpu", None)
    checks = {
        "AVX512_BF16": getattr(cpu, "_is_avx512_bf16_supported", None),
        "AMX": getattr(cpu, "_is_amx_tile_supported", None),
    }
    found = [name for name, probe in checks.items() if probe is not None and probe()]
    if found:
        return True, f"CPU capability {capability} with {' and '.join(found)}"
    return False, f"CPU capability {capability} without AVX512_BF16 or AMX (bf16 is emulated)"


# -- checks -----------------------------------------------------------------------------------


def check(config: TrainConfig) -> None:
    """Everything that can be known wrong before a model is loaded."""
    if not config.envs:
        raise UserError(
            "no environments: pass --envs (e.g. --envs math,code,if) or `envs:` in the config"
        )
    for name, env in config.envs.items():
        if env.weight <= 0:
            raise UserError(f"envs.{name}.weight must be positive, got {env.weight}")
    for spec in dataclasses.fields(TrainConfig):
        _check_limits(spec.name, getattr(config, spec.name), spec.metadata)
    if config.problems_per_step is not None and config.problems_per_step < len(config.envs):
        raise UserError(
            f"problems_per_step ({config.problems_per_step}) must be at least the number of "
            f"environments ({len(config.envs)}) so that every batch holds each of them"
        )
    if config.peft and not config.lora:
        raise UserError("peft: LoRA options given, but lora is off (--full); drop one")
    for key, reason in RLVR_SETS.items():
        if key in config.trl:
            raise UserError(f"trl.{key}: rlvr sets this field itself; {reason}")
    for key, reason in PEFT_SETS.items():
        if key in config.peft:
            raise UserError(f"peft.{key}: rlvr sets this field itself; {reason}")
    for key, choices in TRL_CHOICES.items():
        value = config.trl.get(key)
        if value is not None and value not in choices:
            raise UserError(f"trl.{key} must be one of {', '.join(choices)}, got {value!r}")
    _check_genrm(config)


def _check_limits(name: str, value: Any, limits: Mapping[str, Any]) -> None:
    if value is None or not limits:
        return
    why = f" ({limits['why']})" if "why" in limits else ""
    if "choices" in limits and value not in limits["choices"]:
        raise UserError(f"{name} must be one of {', '.join(limits['choices'])}, got {value!r}")
    if "min" in limits and value < limits["min"]:
        raise UserError(f"{name} must be at least {limits['min']}{why}, got {value}")
    if "gt" in limits and not value > limits["gt"]:
        raise UserError(f"{name} must be more than {limits['gt']}{why}, got {value}")
    if "max" in limits and value > limits["max"]:
        raise UserError(f"{name} must be at most {limits['max']}{why}, got {value}")


def check_passthrough(section: str, values: Mapping[str, Any], cls: type) -> None:
    """`trl:` or `peft:` against the fields of TRL's GRPOConfig or peft's LoraConfig: unknown
    names (with a suggestion) and values of the wrong simple type name the field."""
    hints = typing.get_type_hints(cls)
    names = sorted(f.name for f in dataclasses.fields(cls))
    for key, value in values.items():
        if key not in names:
            raise _unknown_field(key, names, section)
        kinds = [a for a in typing.get_args(hints[key]) if a is not type(None)] or [hints[key]]
        if value is None and type(None) in typing.get_args(hints[key]):
            continue
        if len(kinds) == 1 and kinds[0] in (bool, int, float, str):
            _coerce(value, kinds[0], f"{section}.{key}")


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
    if genrm.max_response_tokens is not None and genrm.max_response_tokens < 1:
        raise UserError(
            f"genrm.max_response_tokens must be at least 1, got {genrm.max_response_tokens}"
        )
    _check_endpoint(genrm)
    for mode in ("pointwise", "pairwise", "cascade"):
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
        if weights.genrm > 0 and genrm.mode == "cascade":
            raise UserError(
                f"envs.{name}.reward.genrm is {weights.genrm} but genrm.mode is cascade, where "
                "the judge decides only where the verifier said wrong: set the weight to 0 or "
                "use pointwise|pairwise"
            )


def _check_endpoint(genrm: GenRMConfig) -> None:
    """A judge behind an endpoint: its URL, model name, key variable and request limits."""
    if genrm.request_timeout <= 0:
        raise UserError(f"genrm.request_timeout must be positive, got {genrm.request_timeout}")
    if genrm.max_retries < 0:
        raise UserError(f"genrm.max_retries must be 0 or more, got {genrm.max_retries}")
    if genrm.base_url is None:
        if genrm.api_key_env is not None:
            raise UserError("genrm.api_key_env is set but genrm.base_url is not")
        return
    if not genrm.base_url.startswith(("http://", "https://")):
        raise UserError(
            f"genrm.base_url must start with http:// or https://, got {genrm.base_url!r}"
        )
    if not genrm.model:
        raise UserError("genrm.base_url needs genrm.model: the model name the endpoint serves")
    if genrm.api_key_env is not None and not os.environ.get(genrm.api_key_env):
        raise UserError(
            f"genrm.api_key_env names {genrm.api_key_env}, which is not set in this environment"
        )


# -- the command line and the docs, generated from the dataclasses above ----------------------


@dataclass(frozen=True)
class Flag:
    """One `rlvr train` option for one config field (`path`: `max_steps`, `genrm.model`)."""

    path: str
    names: tuple[str, ...]
    kind: str
    """bool, int, float, str, list (comma-separated) or mapping (repeatable KEY=VALUE)."""
    help: str
    limits: Mapping[str, Any]


# Flags whose names predate the generated ones; every other field's flag is --field-name.
FLAG_NAMES: dict[str, tuple[str, ...]] = {
    "lora": ("--lora/--full",),
    "genrm.mode": ("--genrm", "--genrm-mode"),
}


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a dataclass, on one line."""
    import ast
    import inspect
    import textwrap

    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    assert isinstance(body, ast.ClassDef)
    docs = {}
    for node, after in itertools.pairwise(body.body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(inspect.cleandoc(after.value.value).split())
    return docs


def _kind(annotation: Any) -> str | None:
    annotation, _ = _unwrap_optional(annotation)
    if annotation in (bool, int, float, str):
        return str(annotation.__name__)
    origin = typing.get_origin(annotation)
    if origin is list:
        return "list"
    if origin is dict:
        return "mapping"
    return None


def flags() -> list[Flag]:
    """Every flag of `rlvr train` that sets a config field, in field order."""
    out = []
    for cls, prefix in ((TrainConfig, ""), (GenRMConfig, "genrm.")):
        hints = typing.get_type_hints(cls)
        docs = field_docs(cls)
        for spec in dataclasses.fields(cls):
            path = prefix + spec.name
            kind = _kind(hints[spec.name])
            if kind is None:
                continue  # a nested section: its own fields have flags
            if path == "envs":
                kind = "list"
            names = FLAG_NAMES.get(path, ("--" + path.replace(".", "-").replace("_", "-"),))
            out.append(Flag(path, names, kind, docs.get(spec.name, ""), spec.metadata))
    return out


def apply_flags(config: TrainConfig, given: Mapping[str, Any]) -> TrainConfig:
    """`config` with the flags that were given (by field path; None: not given) applied."""
    import yaml

    config = dataclasses.replace(config, genrm=dataclasses.replace(config.genrm))
    by_path = {flag.path: flag for flag in flags()}
    for path, raw in given.items():
        if raw is None:
            continue
        flag = by_path[path]
        where = f"{flag.names[0].split('/')[0]}"
        if path == "envs":
            names = [n.strip() for n in str(raw).split(",") if n.strip()]
            config.envs = {n: config.envs.get(n, EnvConfig()) for n in names}
            continue
        owner: Any = config
        name = path
        if path.startswith("genrm."):
            owner, name = config.genrm, path.removeprefix("genrm.")
        hints = typing.get_type_hints(type(owner))
        if flag.kind == "mapping":
            value = dict(getattr(owner, name))
            for item in raw:
                key, sep, text = str(item).partition("=")
                if not sep or not key.strip():
                    raise UserError(f"{where}: expected KEY=VALUE, got {item!r}")
                try:
                    value[key.strip()] = yaml.safe_load(text)
                except yaml.YAMLError:
                    value[key.strip()] = text
        else:
            value = _coerce(raw, hints[name], where)
        setattr(owner, name, value)
    return config


def docs_table() -> str:
    """The field table of docs/configuration.md."""
    by_path = {flag.path: flag for flag in flags()}
    lines = ["| field | flag | default | meaning |", "| --- | --- | --- | --- |"]
    for cls, prefix in ((TrainConfig, ""), (EnvConfig, "envs.<name>."), (GenRMConfig, "genrm.")):
        docs = field_docs(cls)
        for spec in dataclasses.fields(cls):
            path = prefix + spec.name
            flag = by_path.get(path)
            names = " ".join(f"`{n}`" for n in flag.names) if flag else "—"
            if spec.default is not dataclasses.MISSING:
                default = "unset" if spec.default is None else f"`{spec.default!r}`"
            else:
                default = "empty"
            meaning = docs.get(spec.name, "").replace("|", "\\|")
            lines.append(f"| `{path}` | {names} | {default} | {meaning} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(docs_table(), end="")
