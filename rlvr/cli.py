"""The `rlvr` command line.

Every verb imports what it needs inside its body: `rlvr --help` and the verbs that need no
model never import torch, transformers or ray.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from rlvr.engine import ITEM_TIMEOUT_S
from rlvr.errors import UserError

app = typer.Typer(
    name="rlvr",
    help="Post-train language models with reinforcement learning from verifiable rewards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

PluginOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--plugin", help="A local plugin file (.py) to register; repeatable.", show_default=False
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="A Ray cluster to verify on (host:port or ray://host:port) \\[default: "
        "RAY_ADDRESS if set].",
        show_default=False,
    ),
]


def _load_plugins(paths: list[Path] | None) -> None:
    from rlvr.registry import load_plugin

    for path in paths or ():
        load_plugin(path)


@app.command()
def verify(  # noqa: PLR0917 - typer maps parameters onto options
    in_path: Annotated[
        Path,
        typer.Option(
            "--in",
            help="Problem records plus a `completion` each: JSONL, parquet, a save_to_disk "
            "folder or a cached hub dataset.",
            show_default=False,
        ),
    ],
    out_path: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Where to write the scored rows (input plus `reward` and `info`).",
            show_default=False,
        ),
    ],
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes, or on Ray actors per verifier \\[default: every core this "
            "process may use; on Ray, the cluster's CPUs shared among the verifiers].",
            show_default=False,
            min=1,
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            help="Seconds one row may take; past it the row scores 0 (status: timeout).", min=0.1
        ),
    ] = ITEM_TIMEOUT_S,
    ray_address: RayAddressOption = None,
    ray: Annotated[
        bool,
        typer.Option(
            "--ray", help="Verify on Ray even without a cluster address (a local Ray instance)."
        ),
    ] = False,
    plugin: PluginOption = None,
) -> None:
    """Score given completions with the registered verifiers.

    Each row names its `env` (or its `verifier`); GSM8K, MATH, HumanEval, MBPP and IFEval rows
    are recognised as published. Rows are scored by local worker processes, or by Ray actors
    given a cluster (--ray-address, RAY_ADDRESS) or --ray. A summary goes to stderr; the
    output is written atomically.
    """
    from rlvr.verify import print_summary, verify_file

    _load_plugins(plugin)
    summary = verify_file(
        in_path,
        out_path,
        workers=workers,
        plugin_files=plugin or (),
        row_timeout=timeout,
        ray_address=ray_address,
        use_ray=ray,
    )
    print_summary(summary)


@app.command("list")
def list_plugins(
    plugin: PluginOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per plugin.")] = False,
) -> None:
    """Show the registered environments, verifiers and curricula, and where each comes from.

    A plugin that fails to load is listed with its error; the others still work.
    """
    from rlvr.registry import default_registry

    _load_plugins(plugin)
    plugins = default_registry().plugins()
    if as_json:
        for p in plugins:
            print(
                json.dumps(
                    {
                        "kind": p.kind,
                        "name": p.name,
                        "target": p.target,
                        "source": p.source,
                        "builtin": p.builtin,
                        "error": p.error,
                    }
                )
            )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("kind", "name", "from", "target", "status"):
        table.add_column(column, overflow="fold")
    for p in plugins:
        status = f"[red]error: {p.error}[/red]" if p.error else "[green]ok[/green]"
        table.add_row(p.kind, p.name, p.source, p.target, status)
    # piped output keeps long targets and errors on one line each
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@app.command()
def check(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="A registered verifier, or a multi-turn environment (see `rlvr list`).",
        ),
    ],
    timeout: Annotated[
        float, typer.Option(help="Seconds one verify call may take (the deadline).", min=0.1)
    ] = ITEM_TIMEOUT_S,
    plugin: PluginOption = None,
) -> None:
    """Run a verifier through the checks every built-in passes.

    Its examples() score as they expect (gold 1, junk 0), it pickles and the copy agrees,
    it is deterministic, empty / huge / non-ASCII completions get a verdict, and every call
    answers within the deadline. For a multi-turn environment: its tools answer a run, a
    hang, a crash, a flood and forged chat markers with bounded text in time, and the call
    past max_turns is refused. Exit code 0: all pass; 1: a check failed; 2: unknown or
    broken plugin.
    """
    from rlvr.check import print_report, run_checks

    _load_plugins(plugin)
    report = run_checks(name, plugin_files=plugin or (), deadline_s=timeout)
    print_report(report)
    if not report.passed:
        raise typer.Exit(1)


def _train(**given: Any) -> None:
    """Train a policy with GRPO on several verifiable environments at once.

    Every field of the run config (docs/configuration.md) has a flag, and flags override
    the config file. TRL's and peft's other fields: --trl KEY=VALUE, --peft KEY=VALUE.
    """
    from rlvr.config import TrainConfig, apply_flags, check, load_config

    config_path, resume, plugin = given.pop("config"), given.pop("resume"), given.pop("plugin")
    run_config = load_config(config_path) if config_path is not None else TrainConfig()
    by_parameter = {_parameter_name(flag.path): flag.path for flag in _config_flags()}
    run_config = apply_flags(run_config, {by_parameter[k]: v for k, v in given.items()})
    check(run_config)
    from rlvr.train import train as run_training

    path = run_training(run_config, resume=resume, plugin_files=[str(p) for p in plugin or ()])
    if os.environ.get("RANK", "0") == "0":  # one line, not one per training process
        print(f"rlvr train: done; run directory {path}", file=sys.stderr)


def _parameter_name(path: str) -> str:
    return path.replace(".", "_")


def _config_flags() -> list[Any]:
    from rlvr.config import flags

    return flags()


def _flag_help(flag: Any) -> str:
    """The field's docstring, escaped for rich markup, with the presets spelled out."""
    text = flag.help
    if flag.path == "algorithm":
        from rlvr.presets import describe

        text += " Presets: " + describe() + "."
    if flag.kind == "mapping":
        text += " Repeatable KEY=VALUE (VALUE read as YAML)."
    return text.replace("[", "\\[")


_KINDS: dict[str, Any] = {"bool": bool, "int": int, "float": float, "str": str, "list": str}


def _train_signature() -> inspect.Signature:
    """`rlvr train`'s parameters: one option per config field (rlvr/config.py), plus the
    config file, --resume and --plugin."""
    parameters = [
        inspect.Parameter(
            "config",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                Path | None,
                typer.Option(
                    help="A YAML run config with the same fields as the flags.",
                    show_default=False,
                ),
            ],
        ),
        inspect.Parameter(
            "resume",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[
                bool,
                typer.Option(
                    help="Continue the run in --output-dir from its last complete checkpoint."
                ),
            ],
        ),
        inspect.Parameter(
            "plugin", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=PluginOption
        ),
    ]
    for flag in _config_flags():
        kind = list[str] if flag.kind == "mapping" else _KINDS[flag.kind]
        option = typer.Option(
            *flag.names,
            help=_flag_help(flag),
            show_default=False,
            metavar="KEY=VALUE" if flag.kind == "mapping" else None,
        )  # limits are check()'s, so a flag and a config file fail with the same message
        parameters.append(
            inspect.Parameter(
                _parameter_name(flag.path),
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[kind | None, option],
            )
        )
    return inspect.Signature(parameters)


_train.__signature__ = _train_signature()  # type: ignore[attr-defined]
_train.__annotations__ = {p.name: p.annotation for p in _train.__signature__.parameters.values()}  # type: ignore[attr-defined]
train = app.command("train")(_train)


@app.command()
def export(  # noqa: PLR0917 - typer maps parameters onto options
    run_dir: Annotated[Path, typer.Argument(help="A run directory of `rlvr train`.")],
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the model directory.", show_default=False)
    ],
    step: Annotated[
        int | None,
        typer.Option(help="A checkpoint step \\[default: the last].", show_default=False),
    ] = None,
    license_id: Annotated[
        str | None,
        typer.Option(
            "--license",
            help="The model card's license (e.g. apache-2.0) \\[default: the base model's].",
            show_default=False,
        ),
    ] = None,
    push_to_hub: Annotated[
        str | None,
        typer.Option(
            help="Also upload it to this Hub repository (owner/name).", show_default=False
        ),
    ] = None,
    private: Annotated[bool, typer.Option(help="Create the Hub repository private.")] = False,
) -> None:
    """Write the trained policy as a plain Hugging Face model directory (LoRA merged) with a
    model card (README.md); optionally push it to the Hugging Face Hub."""
    from rlvr.export import export as run_export

    path = run_export(
        run_dir, out, step=step, license=license_id, push_to_hub=push_to_hub, private=private
    )
    print(f"rlvr export: wrote {path}", file=sys.stderr)
    if push_to_hub:
        print(f"rlvr export: pushed to https://huggingface.co/{push_to_hub}", file=sys.stderr)


@app.command()
def problems(  # noqa: PLR0917 - typer maps parameters onto options
    env: Annotated[str, typer.Argument(help="A registered environment (see `rlvr list`).")],
    split: Annotated[str, typer.Option(help="train or heldout.")] = "train",
    limit: Annotated[int | None, typer.Option(help="At most this many records.", min=0)] = None,
    seed: Annotated[int, typer.Option(help="The environment's seed.")] = 0,
    data: Annotated[
        Path | None,
        typer.Option(
            help="Problem records from this source instead of the built-in one: JSONL, "
            "parquet, a save_to_disk folder\\[@split] or a cached hub dataset "
            "owner/name\\[:config]\\[@split]."
        ),
    ] = None,
    plugin: PluginOption = None,
) -> None:
    """Print an environment's problem records as JSONL: what training draws from."""
    from rlvr.registry import get_environment

    if split not in ("train", "heldout"):
        raise UserError(f"--split must be train or heldout, got {split!r}")
    _load_plugins(plugin)
    options = {"data": str(data)} if data is not None else {}
    try:
        environment = get_environment(env, seed=seed, **options)
        records = environment.problems(split)
    except ValueError as exc:
        raise UserError(f"environment {env!r}: {exc}") from None
    for record in records[:limit] if limit is not None else records:
        sys.stdout.write(json.dumps(dict(record), ensure_ascii=False) + "\n")


@app.command("eval")
def evaluate_(  # noqa: PLR0917 - typer maps parameters onto options
    model: Annotated[
        str | None,
        typer.Option(
            help="A model directory, .gguf file or cached hub id \\[default: the embedded "
            "SmolLM2-135M-Instruct, unless --run]; with --base-url, the served model's name "
            "\\[default: the one the server lists].",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Evaluate the model an OpenAI-compatible server serves (vLLM, SGLang, "
            "llama.cpp), e.g. http://localhost:8000/v1.",
            show_default=False,
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            help="The server's API key \\[default: OPENAI_API_KEY if set].", show_default=False
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(help="With --base-url, requests in flight at once.", min=1)
    ] = 8,
    run: Annotated[
        Path | None,
        typer.Option(
            help="A run directory: evaluate its base model and every complete checkpoint.",
            show_default=False,
        ),
    ] = None,
    envs: Annotated[
        str | None,
        typer.Option(
            help="Environments, comma-separated \\[default: the run's, or every env in --data].",
            show_default=False,
        ),
    ] = None,
    n: Annotated[
        int | None,
        typer.Option(
            "--n",
            help="Samples per problem \\[default: 16; 1 at --temperature 0].",
            min=1,
            show_default=False,
        ),
    ] = None,
    k: Annotated[
        str | None,
        typer.Option(
            "--k",
            help="pass@k for these k, comma-separated \\[default: 1,4,16 up to n].",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(help="At most this many problems per environment.", min=1, show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write eval.json, eval.csv, settings.json \\[default: RUN_DIR/eval "
            "with --run; with --model, only the table is printed].",
            show_default=False,
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            help="Problem records to evaluate instead of the held-out split: JSONL, parquet, a "
            "save_to_disk folder\\[@split] or a cached hub dataset "
            "owner/name\\[:config]\\[@split].",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    temperature: Annotated[
        float | None,
        typer.Option(
            help="Sampling temperature; 0 is greedy decoding (one sample per problem) "
            "\\[default: the run's, else 1.0].",
            show_default=False,
        ),
    ] = None,
    top_p: Annotated[
        float | None,
        typer.Option(help="Nucleus sampling cut \\[default: 1.0, none].", show_default=False),
    ] = None,
    top_k: Annotated[
        int | None,
        typer.Option(
            help="Sample among the k likeliest tokens \\[default: 0, all].", show_default=False
        ),
    ] = None,
    min_p: Annotated[
        float | None,
        typer.Option(
            help="Drop tokens under this fraction of the likeliest one's probability "
            "\\[default: 0, none].",
            show_default=False,
        ),
    ] = None,
    max_new_tokens: Annotated[
        int | None,
        typer.Option(
            help="Tokens per completion \\[default: the run's max_completion_length, else 96 on "
            "CPU, 1024 on GPU or with --base-url].",
            min=1,
            show_default=False,
        ),
    ] = None,
    log_samples: Annotated[
        bool,
        typer.Option(
            "--log-samples",
            help="Also write every completion with its verdicts (samples*.jsonl, beside "
            "eval.json).",
        ),
    ] = False,
    per_problem: Annotated[
        bool,
        typer.Option(
            "--per-problem",
            help="Also write per-problem pass rates (pass_rates*.jsonl: id, env, n, correct, "
            "pass_rate).",
        ),
    ] = False,
    base: Annotated[
        bool, typer.Option("--base/--no-base", help="With --run, evaluate the base model too.")
    ] = True,
    steps: Annotated[
        str | None,
        typer.Option(
            help="With --run, only the checkpoints at these steps, comma-separated (e.g. 25,50) "
            "\\[default: every complete checkpoint].",
            show_default=False,
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="auto (vLLM on a GPU when installed; openai with --base-url), transformers, "
            "vllm or openai."
        ),
    ] = "auto",
    batch: Annotated[
        int,
        typer.Option(
            help="Problems per generate call (transformers): 1 keeps each problem's samples "
            "independent of the others; 8 is several times faster on a CPU.",
            min=1,
        ),
    ] = 1,
    plugin: PluginOption = None,
) -> None:
    """pass@k, maj@k and avg@n per environment and difficulty, for a model, a served model or
    every checkpoint of a run.

    Problems are each environment's held-out split (never drawn in training), or the rows of
    --data. See docs/evaluation.md for the file shapes.
    """
    from rlvr.evaluate import parse_steps, print_report, run_eval

    _load_plugins(plugin)
    report = run_eval(
        model=model,
        run=run,
        envs=[e.strip() for e in envs.split(",") if e.strip()] if envs else None,
        settings_in={
            "n": n,
            "k": k,
            "limit": limit,
            "seed": seed,
            "temperature": temperature,
            "max_new_tokens": max_new_tokens,
            "engine": engine,
            "batch": batch,
            "top_p": top_p,
            "top_k": top_k,
            "min_p": min_p,
            "base_url": base_url,
            "concurrency": concurrency,
        },
        out=out,
        data=data,
        per_problem=per_problem,
        base=base,
        steps=parse_steps(steps),
        log_samples=log_samples,
        api_key=api_key,
    )
    print_report(report)


@app.command()
def curves(
    run_dirs: Annotated[
        list[Path],
        typer.Argument(
            metavar="RUN_DIR", help="Run directories to draw, overlaid.", show_default=False
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the PNGs and CSVs \\[default: RUN_DIR/curves for one run, "
            "./curves for several].",
            show_default=False,
        ),
    ] = None,
    smoothing: Annotated[
        float | None,
        typer.Option(
            help="EMA weight in [0, 1) for the training curve \\[default: by run length].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Pass-rate curves: training pass rate per step, held-out pass@k per checkpoint and
    against k (PNG + CSV), and a summary table."""
    from rlvr.curves import draw, print_summary

    runs, pngs = draw(run_dirs, out, smoothing=smoothing)
    print_summary(runs)
    for png in pngs:
        print(f"rlvr curves: wrote {png}", file=sys.stderr)


@app.command("check-judge")
def check_judge(  # noqa: PLR0917 - typer maps parameters onto options
    model: Annotated[
        str | None,
        typer.Option(
            help="The judge, any model --model accepts \\[default: genrm.model of --config, "
            "else the embedded SmolLM2-135M-Instruct].",
            show_default=False,
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            help="pointwise, pairwise or cascade \\[default: genrm.mode of --config, else "
            "pointwise].",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="An OpenAI-compatible endpoint serving the judge as --model "
            "\\[default: genrm.base_url of --config; else the judge runs here].",
            show_default=False,
        ),
    ] = None,
    env: Annotated[
        str, typer.Option(help="An environment whose problems have reference answers.")
    ] = "math",
    limit: Annotated[int, typer.Option(help="Problems to use (about 30 cases each).", min=1)] = 10,
    config: Annotated[
        Path | None,
        typer.Option(
            help="A run config: its genrm section (templates, prefill, lengths) is used.",
            show_default=False,
        ),
    ] = None,
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write the report and every case (kind, text, score) here.",
            show_default=False,
        ),
    ] = None,
    max_fpr: Annotated[
        float | None,
        typer.Option(
            help="Exit 1 when the false-positive rate on master keys exceeds this.",
            show_default=False,
            min=0.0,
            max=1.0,
        ),
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="A case is positive when its score is above this.")
    ] = 0.5,
) -> None:
    """Measure how gullible a GenRM judge is before training with it.

    Runs the judge, through the scorer training uses, over problems with reference answers:
    correct answers, wrong ones (plain and padded), and master keys (":", "Thought
    process:", generic openers in several languages, the question restated, an injected
    verdict, a forged section). Prints the true-positive, true-negative and false-positive
    rates, order agreement (pairwise) and how the score follows length.
    """
    from rlvr.check_judge import check_judge as run_check_judge
    from rlvr.check_judge import print_report, write_json

    report = run_check_judge(
        model=model,
        mode=mode,
        env=env,
        limit=limit,
        config_path=config,
        threshold=threshold,
        base_url=base_url,
    )
    print_report(report)
    if json_path is not None:
        write_json(report, json_path)
    fpr = report.false_positive_rate
    if max_fpr is not None and fpr is not None and fpr > max_fpr:
        print(
            f"rlvr check-judge: false-positive rate {fpr:.2f} exceeds --max-fpr {max_fpr}",
            file=sys.stderr,
        )
        raise typer.Exit(1)


def main() -> None:
    """Console entry point: user errors are one line on stderr and exit code 2."""
    try:
        app()
    except UserError as exc:
        print(f"rlvr: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("rlvr: interrupted", file=sys.stderr)
        sys.exit(130)
