"""`rlvr export RUN_DIR`: the trained policy as a plain Hugging Face model directory, with a
model card that says what it is, and optionally pushed to the Hugging Face Hub.

A LoRA adapter is merged into the base weights, so transformers and vLLM load the result as
they load any model. Written to a temporary directory and renamed: complete or absent.

The model card (README.md) is built from the run directory alone: the base model, the
environments with their data, verifiers and weights, how it was trained (algorithm, steps,
LoRA, learning rate, hardware), the run's evaluation table when `rlvr eval --run` has written
eval/eval.json, the license, and the resolved config. TRL's own card, written into the run
directory by the trainer, knows none of this ("a fine-tuned version of None").

The card shows the run's config as written, local paths of `data:` files included: read
README.md before pushing a model trained on private data.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from rlvr.errors import UserError
from rlvr.run_dir import RunDir

EMBEDDED_BASE = "HuggingFaceTB/SmolLM2-135M-Instruct"
EMBEDDED_LICENSE = "apache-2.0"
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")
NOT_CONFIG = ("output_dir", "model_path", "hardware", "multiturn")
"""config.yaml keys left out of the card's config block: this machine's directories, what
the hardware decided (summed up under "How it was trained") and the chat template a
multi-turn run chose. Without them the block is a config `rlvr train --config` reads."""
PASSK_KEY = re.compile(r"pass@(\d+)")


def export(
    run_path: str | Path,
    out: str | Path,
    *,
    step: int | None = None,
    license: str | None = None,
    push_to_hub: str | None = None,
    private: bool = False,
) -> Path:
    """Write checkpoint `step` (default: the last complete one) of a run as a model directory
    with its model card; with `push_to_hub`, upload it to that Hub repository too."""
    run = RunDir(run_path)
    config = run.read_config()
    checkpoints = dict(run.checkpoints())
    if not checkpoints:
        raise UserError(f"{run.path}: no complete checkpoint to export")
    if step is not None and step not in checkpoints:
        raise UserError(f"{run.path}: no complete checkpoint-{step}; have {sorted(checkpoints)}")
    step = step if step is not None else max(checkpoints)
    checkpoint = checkpoints[step]
    out = Path(out)
    if out.exists():
        raise UserError(f"{out} already exists; choose another output directory")
    if push_to_hub is not None:
        _check_can_push(push_to_hub)
    card = model_card(run, step, config, license=license, name=push_to_hub or str(out))

    from transformers import AutoModelForCausalLM, AutoTokenizer

    if (checkpoint / "adapter_config.json").is_file():
        from peft import PeftModel

        base = AutoModelForCausalLM.from_pretrained(config["model_path"])
        model = PeftModel.from_pretrained(base, checkpoint).merge_and_unload()
    else:
        model = AutoModelForCausalLM.from_pretrained(checkpoint)
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / "README.md").write_text(card, encoding="utf-8")
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if push_to_hub is not None:
        push(out, push_to_hub, private=private)
    return out


# -- the model card --------------------------------------------------------------------------


def model_card(
    run: RunDir,
    step: int,
    config: Mapping[str, Any],
    *,
    license: str | None = None,
    name: str = "PATH_OR_REPO_ID",
) -> str:
    """The README.md of checkpoint `step` of `run`: Hub metadata, then the card's text.
    `name`: what the model is loaded as (its Hub repository, or its directory)."""
    from huggingface_hub import ModelCardData

    base_name, base_id = base_model(config)
    license = license or _base_license(config, base_id)
    given_envs = config.get("envs")
    envs = dict(given_envs) if isinstance(given_envs, Mapping) else {}
    hub_datasets = sorted(
        {
            str(e["data"])
            for e in envs.values()
            if isinstance(e, Mapping) and _is_hub_id(e.get("data"))
        }
    )
    metadata = ModelCardData(
        base_model=base_id,
        license=license,
        library_name="transformers",
        pipeline_tag="text-generation",
        datasets=hub_datasets or None,
        tags=["rlvr", "grpo", "reinforcement-learning", "verifiable-rewards", *sorted(envs)],
    )
    sections = [
        f"---\n{metadata.to_yaml()}\n---\n",
        f"# {Path(name).name}\n",
        f"{base_name} trained with reinforcement learning from verifiable rewards (GRPO) by "
        f"rlvr on {_and(sorted(envs)) or 'no environment'}: "
        "every reward came from a deterministic verifier of the completion, not from a "
        f"learned reward model. This is checkpoint {step} of the run, "
        + (
            "its LoRA adapter merged into the base weights."
            if config.get("lora")
            else "full weights."
        ),
        _usage(name),
        _environments_section(envs),
        _training_section(config, step),
        _evaluation_section(run, step),
        _license_section(license, base_name),
        "## Training configuration\n\nThe run's config.yaml, as resolved by `rlvr train` "
        "(`rlvr train --config` takes it back):\n\n```yaml\n"
        + yaml.safe_dump({k: v for k, v in config.items() if k not in NOT_CONFIG}, sort_keys=False)
        + "```\n",
        _versions(),
    ]
    return "\n".join(s.rstrip() + "\n" for s in sections if s)


def base_model(config: Mapping[str, Any]) -> tuple[str, str | None]:
    """(how the card names the base model, its Hub id or None for a local model)."""
    model = config.get("model")
    if model is None:
        return f"[{EMBEDDED_BASE}](https://huggingface.co/{EMBEDDED_BASE})", EMBEDDED_BASE
    model = str(model)
    if _is_hub_id(model):
        return f"[{model}](https://huggingface.co/{model})", model
    return f"A local model (`{Path(model).name}`)", None


def _is_hub_id(value: Any) -> bool:
    """A Hub id (`owner/name`, with an optional `:config@split` for datasets) that is not a
    path on this machine."""
    if not isinstance(value, str):
        return False
    repo = re.split(r"[:@]", value, maxsplit=1)[0]
    return (
        bool(HUB_ID.fullmatch(repo))
        and not Path(value).exists()
        and not value.endswith((".gguf", ".jsonl", ".json", ".parquet"))
    )


def _base_license(config: Mapping[str, Any], base_id: str | None) -> str | None:
    """The base model's license: the embedded model's is known, others are read from the card
    that came with the model (a Hub snapshot has its README.md)."""
    if config.get("model") is None:
        return EMBEDDED_LICENSE
    from huggingface_hub import ModelCard

    for folder in (config.get("model_path"), config.get("model")):
        card = Path(str(folder)) / "README.md" if folder else None
        if card is not None and card.is_file():
            try:
                found = ModelCard.load(card).data.to_dict().get("license")
            except (ValueError, OSError, yaml.YAMLError):
                continue
            if isinstance(found, str) and found:
                return found
    return None


def _usage(name: str) -> str:
    return (
        "## Use\n\n```python\nfrom transformers import pipeline\n\n"
        f'generator = pipeline("text-generation", model={name!r})\n'
        'messages = [{"role": "user", "content": "What is 17 * 23? Put the final answer in '
        '\\\\boxed{}."}]\n'
        'print(generator(messages, max_new_tokens=256)[0]["generated_text"][-1]["content"])\n'
        "```\n"
    )


def _environments_section(envs: Mapping[str, Any]) -> str:
    if not envs:
        return ""
    rows = [
        "| environment | weight | problems | verifier | reward (verifier / GenRM) "
        "| system prompt |",
        "|---|---|---|---|---|---|",
    ]
    for name, given in sorted(envs.items()):
        env = given if isinstance(given, Mapping) else {}
        reward = env.get("reward") or {}
        data = env.get("data")
        source = f"`{data}`" if data else "built-in generator"
        if env.get("columns"):
            source += (
                " (columns: " + ", ".join(f"{k} → {v}" for k, v in env["columns"].items()) + ")"
            )
        cells = [
            name,
            env.get("weight", 1.0),
            source,
            env.get("verifier") or "the environment's own",
            f"{reward.get('verifier', 1.0)} / {reward.get('genrm', 0.0)}",
            f"`{env['system_prompt']}`" if env.get("system_prompt") else "none",
        ]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "## Environments\n\n" + "\n".join(rows) + "\n"


def _training_section(config: Mapping[str, Any], step: int) -> str:
    hardware = config.get("hardware") or {}
    lines = [
        "- Algorithm: GRPO via TRL's GRPOTrainer"
        + (f", recipe `{config['algorithm']}`" if config.get("algorithm") else "")
        + f"; loss `{config.get('loss_type', 'default')}`, "
        f"KL coefficient {config.get('beta', 0.0)}",
        f"- Steps: {step} of {config.get('max_steps')} (this checkpoint); "
        f"seed {config.get('seed')}",
        f"- Each step: {config.get('problems_per_step')} problems x {config.get('group_size')} "
        f"completions of up to {config.get('max_completion_length')} tokens, sampled at "
        f"temperature {config.get('temperature')}",
        f"- Curriculum: `{config.get('curriculum')}`",
        f"- Learning rate: {config.get('learning_rate')}",
    ]
    if config.get("lora"):
        lines.append(
            f"- LoRA r={config.get('lora_r')}, alpha={config.get('lora_alpha')}, merged into "
            "the base weights on export"
        )
    else:
        lines.append("- Full fine-tuning (no LoRA)")
    genrm = config.get("genrm") or {}
    if genrm.get("mode") not in (None, "off"):
        lines.append(f"- GenRM judge: mode `{genrm.get('mode')}`, model `{genrm.get('model')}`")
    if hardware:
        precision = "bf16" if config.get("bf16") else "fp32"
        lines.append(
            f"- Hardware: {hardware.get('device', '?')}, "
            f"{hardware.get('training_processes', 1)} training process(es), {precision}"
        )
    return "## How it was trained\n\n" + "\n".join(lines) + "\n"


def _evaluation_section(run: RunDir, step: int) -> str:
    # Only env blocks that are objects: an eval.json edited by hand or by another tool
    # yields a shorter table, never a crash of the export.
    policies = {
        str(policy): {str(env): b for env, b in blocks.items() if isinstance(b, Mapping)}
        for policy, blocks in run.read_eval().items()
        if isinstance(blocks, Mapping)
    }
    if not any(policies.values()):
        return (
            "## Evaluation\n\nNot evaluated yet: `rlvr eval --run RUN_DIR` writes "
            "eval/eval.json, which the next export turns into a table here.\n"
        )
    ks = sorted(
        {
            int(m.group(1))
            for blocks in policies.values()
            for block in blocks.values()
            for m in map(PASSK_KEY.fullmatch, block)
            if m
        }
    )
    header = ["policy", "environment", "reading", "problems", *(f"pass@{k}" for k in ks)]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for policy, blocks in policies.items():
        label = f"**{policy}** (this model)" if policy == f"checkpoint-{step}" else policy
        for env, block in sorted(blocks.items()):
            for reading, scores in _readings(block):
                cells = [label, env, reading, scores.get("n_problems", "")]
                cells += [_score(scores, k) for k in ks]
                rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    gains = []
    for env, block in sorted(policies.get(f"checkpoint-{step}", {}).items()):
        versus = block.get("vs_base")
        if isinstance(versus, Mapping) and "pass@1" in versus:
            gains.append(f"{env}: {_score(versus, 1, signed=True)}")
    notes = []
    if gains:
        notes.append(
            f"Gain of this model over the base model, pass@1 (paired interval): {'; '.join(gains)}."
        )
    if f"checkpoint-{step}" not in policies:
        notes.append(
            f"This model (checkpoint {step}) is not in eval.json: `rlvr eval --run RUN_DIR "
            f"--steps {step}` evaluates it."
        )
    return (
        "## Evaluation\n\npass@k on held-out problems (95% bootstrap interval), from the run's "
        f"eval/eval.json{_eval_settings(run)}.\n\n"
        + "\n".join(rows)
        + "\n"
        + "".join(f"\n{note}\n" for note in notes)
    )


def _readings(block: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The headline scores and each other extraction reading of an env block."""
    readings = [(str(block.get("extraction", "")), block)]
    for key, value in block.items():
        if (
            key not in ("by_difficulty", "vs_base")
            and isinstance(value, Mapping)
            and "n_problems" in value
        ):
            readings.append((key, value))
    return readings


def _score(scores: Mapping[str, Any], k: int, *, signed: bool = False) -> str:
    value = scores.get(f"pass@{k}")
    if not isinstance(value, int | float):
        return ""
    text = f"{value:+.3f}" if signed else f"{value:.3f}"
    ci = scores.get(f"pass@{k}_ci")
    if isinstance(ci, list) and len(ci) == 2 and all(isinstance(c, int | float) for c in ci):
        text += f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if signed else f" [{ci[0]:.2f}, {ci[1]:.2f}]"
    return text


def _eval_settings(run: RunDir) -> str:
    import json

    path = run.eval_file.parent / "settings.json"
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not isinstance(settings, dict):
        return ""
    return (
        f"; {settings.get('n')} samples per problem at temperature {settings.get('temperature')}, "
        f"up to {settings.get('max_new_tokens')} new tokens"
    )


def _license_section(license: str | None, base_name: str) -> str:
    if license:
        return (
            f"## License\n\n`{license}`. A fine-tune is bound by the license of its base "
            f"model ({base_name}).\n"
        )
    return (
        "## License\n\nNot recorded: the base model's license applies. Give it with "
        "`rlvr export --license ID` (e.g. apache-2.0) before publishing.\n"
    )


def _versions() -> str:
    lines = []
    for package in ("rlvr", "trl", "transformers", "torch", "peft"):
        try:
            lines.append(f"- {package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return "## Framework versions\n\n" + "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    # A pipe or a newline in a name or a prompt would break the table's row.
    return str(value).replace("|", "\\|").replace("\n", " ")


def _and(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


# -- the Hub ---------------------------------------------------------------------------------


def _check_can_push(repo: str) -> None:
    """Refuse before any work a push that cannot happen: a malformed repo id, offline mode."""
    from huggingface_hub import constants
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(repo)
    except HFValidationError as exc:
        raise UserError(f"--push-to-hub {repo}: not a Hub repository id ({exc})") from None
    if "/" not in repo:
        raise UserError(f"--push-to-hub {repo}: name the owner too, e.g. my-name/{repo}")
    if constants.HF_HUB_OFFLINE:
        raise UserError(
            f"--push-to-hub {repo}: the Hugging Face Hub is switched off here (HF_HUB_OFFLINE "
            "is set); export without --push-to-hub, then upload the folder where there is "
            "network (`hf upload REPO FOLDER`)"
        )


def push(folder: Path, repo: str, *, private: bool = False) -> str:
    """Upload an exported model directory to Hub repository `repo` (created if missing);
    returns its URL. No network, no login, or no right to the repo: a `UserError` that says
    the model is still on disk and how to upload it later."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    api = HfApi()
    later = f"the model is exported in {folder}; upload it later with `hf upload {repo} {folder}`"
    try:
        api.create_repo(repo, private=private, exist_ok=True)
        api.upload_folder(
            folder_path=folder, repo_id=repo, commit_message="Upload model exported by rlvr"
        )
    except OfflineModeIsEnabled:
        raise UserError(f"--push-to-hub {repo}: HF_HUB_OFFLINE is set; {later}") from None
    except _network_errors() as exc:
        if isinstance(exc, HfHubHTTPError):
            status = exc.response.status_code if exc.response is not None else None
            why = {
                401: "not logged in (run `hf auth login` or set HF_TOKEN)",
                403: "no write access",
            }.get(status or 0, f"the Hub refused ({status})")
        else:
            why = f"cannot reach the Hugging Face Hub ({type(exc).__name__})"
        raise UserError(f"--push-to-hub {repo}: {why}; {later}") from None
    return f"https://huggingface.co/{repo}"


def _network_errors() -> tuple[type[Exception], ...]:
    """What a failed upload raises: OSError (the Hub's HTTP errors), and the HTTP client's
    transport errors, which are not OSErrors (huggingface_hub 1.x uses httpx, 2.x httpx2)."""
    errors: list[type[Exception]] = [OSError]
    for client in ("httpx2", "httpx"):
        try:
            errors.append(importlib.import_module(client).HTTPError)
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


__all__ = ["base_model", "export", "model_card", "push"]
