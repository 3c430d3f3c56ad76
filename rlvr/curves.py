"""`rlvr curves`: a run's pass rates as pictures, several runs overlaid.

Four figures, each a PNG with the CSV of its data beside it, one panel per environment and
one colour per run:

    pass_rate.png              training pass rate against step (metrics.jsonl keys
                               env/<name>/pass_rate): each step a faint point, a smoothed line
    zero_variance.png          fraction of the step's groups whose completions all got the same
                               reward (env/<name>/zero_variance_groups, and over all
                               environments): the groups GRPO learns nothing from
    passk_by_checkpoint.png    held-out pass@k against checkpoint step (RUN_DIR/eval/eval.json
                               of `rlvr eval --run`; the base model is step 0), 95% bands
    passk_by_k.png             held-out pass@k against k for each run's last checkpoint (solid)
                               and its base model (dashed), 95% intervals as error bars

and a summary table in the terminal. Math is drawn as judged in training (strict extraction);
eval.csv holds the lenient reading too. A figure without data in any run is not written.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlvr.errors import UserError
from rlvr.run_dir import (
    BASE_POLICY,
    EVAL_DIR,
    EVAL_FILE,
    RunDir,
    block_ks,
    parse_metric_key,
    passk_ci_key,
    passk_key,
    policy_step,
    write_atomic,
)

EVAL_JSON = Path(EVAL_DIR) / EVAL_FILE
PASS_RATE = "pass_rate"
ZERO_VARIANCE = "zero_variance_groups"
ALL_ENVS = "all environments"
DPI = 130
PANEL_SIZE = (4.6, 3.4)  # inches per environment panel
PANELS_PER_ROW = 3
MIN_WIDTH = 7.0  # inches: room for the title and the legend under a single panel
SHARED_COLOUR = "0.35"  # grey: legend keys for line styles, and a base model runs share


# -- pure helpers ----------------------------------------------------------------------------------


def smooth(values: Sequence[float], weight: float) -> list[float]:
    """An exponential moving average, debiased at the start (TensorBoard's smoothing):
    weight 0 returns the values, weight near 1 a long memory."""
    if not 0 <= weight < 1:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight}")
    out, running = [], 0.0
    for count, value in enumerate(values, start=1):
        running = weight * running + (1 - weight) * value
        out.append(running / (1 - weight**count))
    return out


def default_smoothing(points: int) -> float:
    """A weight whose memory is about a fifth of the curve: none for a handful of steps, up
    to 0.95 for long runs."""
    return 0.0 if points < 5 else min(0.95, 1 - 5 / points)


checkpoint_step = policy_step
"""The training step an eval.json policy key stands for ("base" is step 0)."""


# -- reading runs ----------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    path: Path
    pass_rates: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    """env -> (step, pass rate) from metrics.jsonl."""
    zero_variance: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    """env (or ALL_ENVS) -> (step, fraction of zero-variance groups) from metrics.jsonl."""
    evals: dict[str, dict[str, Any]] = field(default_factory=dict)
    """policy label -> env -> eval.json block."""

    def eval_points(self) -> list[tuple[int, str]]:
        """(step, policy label) of the checkpoints with a known step, in step order."""
        points = [(checkpoint_step(label), label) for label in self.evals]
        return sorted((step, label) for step, label in points if step is not None)


def read_curves(path: Path, label: str) -> Run:
    """What the figures draw of the run at `path`: its metrics series and its eval blocks."""
    if not path.is_dir():
        raise UserError(f"{path}: not a directory")
    run = Run(label, path)
    run_dir = RunDir(path)
    for row in run_dir.read_metrics():
        for key, value in row.items():
            if not isinstance(value, int | float) or not math.isfinite(value):
                continue
            point = (row["step"], float(value))
            env, metric = parse_metric_key(key)
            if env is not None and metric == PASS_RATE:
                run.pass_rates.setdefault(env, []).append(point)
            elif metric == ZERO_VARIANCE:
                run.zero_variance.setdefault(env or ALL_ENVS, []).append(point)
    run.evals = run_dir.read_eval()
    if not run.pass_rates and not run.zero_variance and not run.evals:
        raise UserError(
            f"{path}: nothing to draw: no env/<name>/{PASS_RATE} in metrics.jsonl and no "
            f"{EVAL_JSON} (run `rlvr eval --run {path}` first)"
        )
    return run


def run_labels(paths: Sequence[Path]) -> list[str]:
    """Each run's directory name, with as many parent folders as it takes to tell them apart."""
    resolved = [p.resolve() for p in paths]
    for depth in range(1, max(len(p.parts) for p in resolved) + 1):
        labels = ["/".join(p.parts[-depth:]) for p in resolved]
        if len(set(labels)) == len(labels):
            return labels
    return [str(p) for p in resolved]


# -- figures ---------------------------------------------------------------------------------------


def _envs(runs: Iterable[Run], names: Callable[[Run], Iterable[str]]) -> list[str]:
    """Environment names in the order first seen across `runs`; `names(run)` gives a run's."""
    return list(dict.fromkeys(name for run in runs for name in names(run)))


def _eval_envs(run: Run) -> Iterator[str]:
    return (env for blocks in run.evals.values() for env in blocks)


def _figure(panels: int, *, integer_x: bool) -> tuple[Any, list[Any]]:
    """Panels in rows of at most three, pass rates on a fixed [0, 1] scale so that panels and
    runs compare at a glance; y labelled on the first panel of each row."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    columns = min(panels, PANELS_PER_ROW)
    rows = math.ceil(panels / columns)
    figure = Figure(
        figsize=(max(MIN_WIDTH, PANEL_SIZE[0] * columns), PANEL_SIZE[1] * rows + 0.9),
        layout="constrained",
    )
    grid = figure.subplots(rows, columns, squeeze=False)
    axes = [ax for row in grid for ax in row]
    for ax in axes[panels:]:
        ax.set_visible(False)
    for index, ax in enumerate(axes[:panels]):
        ax.grid(True, alpha=0.3)
        ax.set_ylim(-0.02, 1.02)
        if integer_x:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelleft=index % columns == 0)
    return figure, axes[:panels]


def _label_y(axes: Sequence[Any], label: str) -> None:
    columns = min(len(axes), PANELS_PER_ROW)
    for index, ax in enumerate(axes):
        if index % columns == 0:
            ax.set_ylabel(label)


def _colours(runs: Sequence[Run]) -> dict[str, Any]:
    from matplotlib import colormaps

    palette = colormaps["tab10"]
    return {run.label: palette(i % 10) for i, run in enumerate(runs)}


def _save_png(figure: Any, path: Path) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    write_atomic(path, buffer.getvalue())


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(path, buffer.getvalue())


def _legend(figure: Any, runs: Sequence[Run], styles: Sequence[tuple[str, str, str]]) -> None:
    """One legend below the panels: a colour per run, then what each line style means
    (label, linestyle, marker) drawn in grey."""
    from matplotlib.lines import Line2D

    colours = _colours(runs)
    handles = [Line2D([], [], color=colours[run.label], linewidth=2.5) for run in runs]
    labels = [run.label for run in runs]
    for label, linestyle, marker in styles:
        style: Any = linestyle  # matplotlib types it as a Literal of the style names
        handles.append(Line2D([], [], color=SHARED_COLOUR, linestyle=style, marker=marker))
        labels.append(label)
    figure.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=min(len(labels), 6),
        frameon=False,
    )


def _plot_steps(
    runs: Sequence[Run],
    series: Callable[[Run], Mapping[str, list[tuple[int, float]]]],
    out: Path,
    smoothing: float | None,
    *,
    name: str,
    column: str,
    ylabel: str,
    title: str,
) -> Path | None:
    """One panel per environment of `series(run)` (env -> (step, value)): each step a faint
    point, a smoothed line per run; the PNG and its CSV. None without data."""
    envs = _envs(runs, series)
    if not envs:
        return None
    figure, axes = _figure(len(envs), integer_x=True)
    colours = _colours(runs)
    rows = []
    for ax, env in zip(axes, envs, strict=True):
        for run in runs:
            points = sorted(series(run).get(env, []))
            if not points:
                continue
            steps = [s for s, _ in points]
            values = [v for _, v in points]
            weight = default_smoothing(len(values)) if smoothing is None else smoothing
            smoothed = smooth(values, weight)
            colour = colours[run.label]
            ax.scatter(steps, values, s=10, color=colour, alpha=0.25, linewidths=0)
            ax.plot(steps, smoothed, color=colour, linewidth=1.8)
            rows += [
                {"run": run.label, "env": env, "step": s, column: v, "smoothed": round(m, 6)}
                for s, v, m in zip(steps, values, smoothed, strict=True)
            ]
        ax.set_title(env)
        ax.set_xlabel("training step")
    _label_y(axes, ylabel)
    figure.suptitle(f"{title}\n(points: each step; line: smoothed)")
    _legend(figure, runs, [])
    png = out / f"{name}.png"
    _save_png(figure, png)
    _write_csv(out / f"{name}.csv", ["run", "env", "step", column, "smoothed"], rows)
    return png


def plot_pass_rate(runs: Sequence[Run], out: Path, smoothing: float | None) -> Path | None:
    """Training pass rate against step; returns the PNG's path, or None without data."""
    return _plot_steps(
        runs,
        lambda run: run.pass_rates,
        out,
        smoothing,
        name="pass_rate",
        column="pass_rate",
        ylabel="pass rate (reward = 1)",
        title="Training pass rate per environment",
    )


def plot_zero_variance(runs: Sequence[Run], out: Path, smoothing: float | None) -> Path | None:
    """Fraction of zero-variance groups against step (the groups GRPO cannot learn from)."""
    return _plot_steps(
        runs,
        lambda run: run.zero_variance,
        out,
        smoothing,
        name="zero_variance",
        column="zero_variance",
        ylabel="groups with one reward for all",
        title="Zero-variance groups per step",
    )


PASSK_COLUMNS = ["run", "policy", "step", "env", "k", "pass_at_k", "ci_low", "ci_high"]
LINESTYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "D", "v", "P"]


def _ks(blocks: Iterable[Mapping[str, Any]]) -> list[int]:
    return sorted({k for block in blocks for k in block_ks(dict(block))})


def _passk_row(run: Run, label: str, step: int | None, env: str, k: int) -> dict[str, Any] | None:
    block = run.evals.get(label, {}).get(env)
    if not isinstance(block, dict) or block.get(passk_key(k)) is None:
        return None
    low, high = block.get(passk_ci_key(k)) or (None, None)
    return {
        "run": run.label,
        "policy": label,
        "step": step,
        "env": env,
        "k": k,
        "pass_at_k": block[passk_key(k)],
        "ci_low": low,
        "ci_high": high,
    }


def _all_ks(runs: Sequence[Run]) -> list[int]:
    return _ks(block for run in runs for blocks in run.evals.values() for block in blocks.values())


def plot_passk_by_checkpoint(runs: Sequence[Run], out: Path) -> Path | None:
    """Held-out pass@k against checkpoint step: a colour per run, a line style per k."""
    with_steps = [run for run in runs if run.eval_points()]
    envs = _envs(with_steps, _eval_envs)
    if not envs:
        return None
    figure, axes = _figure(len(envs), integer_x=True)
    colours = _colours(runs)
    ks = _all_ks(with_steps)
    styles = {
        k: (LINESTYLES[i % len(LINESTYLES)], MARKERS[i % len(MARKERS)]) for i, k in enumerate(ks)
    }
    rows = []
    for ax, env in zip(axes, envs, strict=True):
        for run in with_steps:
            for k in ks:
                series = [_passk_row(run, label, step, env, k) for step, label in run.eval_points()]
                kept = [row for row in series if row is not None]
                if not kept:
                    continue
                rows += kept
                steps = [row["step"] for row in kept]
                colour = colours[run.label]
                linestyle, marker = styles[k]
                ax.plot(
                    steps,
                    [row["pass_at_k"] for row in kept],
                    color=colour,
                    linestyle=linestyle,
                    marker=marker,
                    markersize=4,
                )
                if all(row["ci_low"] is not None for row in kept):
                    ax.fill_between(
                        steps,
                        [row["ci_low"] for row in kept],
                        [row["ci_high"] for row in kept],
                        color=colour,
                        alpha=0.08,
                        linewidth=0,
                    )
        ax.set_title(env)
        ax.set_xlabel("checkpoint (training step; 0 = base model)")
    _label_y(axes, "held-out pass@k")
    figure.suptitle("Held-out pass@k per checkpoint\n(bands: 95% bootstrap intervals)")
    _legend(figure, with_steps, [(passk_key(k), *styles[k]) for k in ks])
    png = out / "passk_by_checkpoint.png"
    _save_png(figure, png)
    _write_csv(out / "passk_by_checkpoint.csv", PASSK_COLUMNS, rows)
    return png


def _last_and_base(run: Run) -> list[tuple[str, int | None]]:
    """The policies drawn against k: the last checkpoint (or the one model) and the base."""
    points = run.eval_points()
    if not points:
        return [(label, None) for label in list(run.evals)[:1]]
    chosen: list[tuple[str, int | None]] = [(points[-1][1], points[-1][0])]
    if points[0][1] == BASE_POLICY and len(points) > 1:
        chosen.append((BASE_POLICY, 0))
    return chosen


def plot_passk_by_k(runs: Sequence[Run], out: Path) -> Path | None:
    """Held-out pass@k against k, for each run's last checkpoint (solid) and its base model
    (dashed; drawn once, in grey, when several runs share the same base results)."""
    with_eval = [run for run in runs if run.evals]
    envs = _envs(with_eval, _eval_envs)
    if not envs:
        return None
    figure, axes = _figure(len(envs), integer_x=False)
    colours = _colours(runs)
    rows = []
    all_ks: set[int] = set()
    for ax, env in zip(axes, envs, strict=True):
        bases_drawn: list[Any] = []
        for index, run in enumerate(with_eval):
            # Runs are nudged apart along k so that their error bars do not hide each other.
            nudge = 2 ** (0.04 * (index - (len(with_eval) - 1) / 2))
            for label, step in _last_and_base(run):
                block = run.evals[label].get(env, {})
                kept = [
                    r for r in (_passk_row(run, label, step, env, k) for k in _ks([block])) if r
                ]
                rows += kept
                all_ks.update(row["k"] for row in kept)
                colour = colours[run.label]
                if label == BASE_POLICY:
                    if block in bases_drawn:
                        continue  # in the CSV, but drawn once
                    bases_drawn.append(block)
                    shared = sum(r.evals.get(BASE_POLICY, {}).get(env) == block for r in with_eval)
                    colour = SHARED_COLOUR if shared > 1 else colour
                if not kept:
                    continue
                values = [row["pass_at_k"] for row in kept]
                errors = None
                if all(row["ci_low"] is not None for row in kept):
                    errors = [
                        [max(0.0, v - row["ci_low"]) for v, row in zip(values, kept, strict=True)],
                        [max(0.0, row["ci_high"] - v) for v, row in zip(values, kept, strict=True)],
                    ]
                ax.errorbar(
                    [row["k"] * nudge for row in kept],
                    values,
                    yerr=errors,
                    color=colour,
                    linestyle="--" if label == BASE_POLICY else "-",
                    marker="o",
                    markersize=4,
                    capsize=3,
                )
        ax.set_title(env)
        ax.set_xlabel("k (samples per problem)")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(all_ks), [str(k) for k in sorted(all_ks)])
        ax.minorticks_off()
    _label_y(axes, "held-out pass@k")
    figure.suptitle("Held-out pass@k against k\n(bars: 95% bootstrap intervals)")
    _legend(figure, with_eval, [("last checkpoint", "-", "o"), ("base model", "--", "o")])
    png = out / "passk_by_k.png"
    _save_png(figure, png)
    _write_csv(out / "passk_by_k.csv", PASSK_COLUMNS, rows)
    return png


# -- the verb --------------------------------------------------------------------------------------


def default_out(paths: Sequence[Path]) -> Path:
    """One run: RUN_DIR/curves; several: ./curves."""
    return paths[0] / "curves" if len(paths) == 1 else Path("curves")


def draw(
    paths: Sequence[Path], out: Path | None, *, smoothing: float | None = None
) -> tuple[list[Run], list[Path]]:
    """Read the runs, write the figures and their CSVs; returns the runs and the PNGs."""
    if not paths:
        raise UserError("give at least one run directory")
    if smoothing is not None and not 0 <= smoothing < 1:
        raise UserError(f"--smoothing must be in [0, 1), got {smoothing}")
    runs = [read_curves(Path(p), label) for p, label in zip(paths, run_labels(paths), strict=True)]
    out = out if out is not None else default_out([Path(p) for p in paths])
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    pngs = [
        png
        for png in (
            plot_pass_rate(runs, out, smoothing),
            plot_zero_variance(runs, out, smoothing),
            plot_passk_by_checkpoint(runs, out),
            plot_passk_by_k(runs, out),
        )
        if png is not None
    ]
    return runs, pngs


def print_summary(runs: Sequence[Run]) -> None:
    """Per run and environment: the training pass rate's start and end (smoothed), and the
    last checkpoint's held-out pass@1 against the base model's (with eval's paired 95%
    interval when eval.json has one)."""
    import sys

    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, title="rlvr curves")
    for column in ("run", "env", "steps", "train pass rate", "held-out", "pass@1", "vs base"):
        table.add_column(
            column, justify="left" if column in ("run", "env", "held-out") else "right"
        )
    for run in runs:
        for env in _envs([run], lambda r: [*r.pass_rates, *_eval_envs(r)]):
            points = sorted(run.pass_rates.get(env, []))
            if points:
                rates = [r for _, r in points]
                smoothed = smooth(rates, default_smoothing(len(rates)))
                train = f"{smoothed[0]:.2f} -> {smoothed[-1]:.2f}"
                steps = str(points[-1][0])
            else:
                train, steps = "", ""
            held_out, pass1, delta = "", "", ""
            chosen = _last_and_base(run) if run.evals else []
            if chosen:
                label = chosen[0][0]
                block = run.evals[label].get(env) or {}
                pass_at_1 = passk_key(1)
                if block.get(pass_at_1) is not None:
                    held_out = label
                    low, high = block.get(passk_ci_key(1)) or (None, None)
                    pass1 = f"{block[pass_at_1]:.3f}" + (
                        f" [{low:.2f}, {high:.2f}]" if low is not None else ""
                    )
                    base = run.evals.get(BASE_POLICY, {}).get(env) or {}
                    paired = block.get("vs_base") or {}
                    if paired.get(pass_at_1) is not None:  # with its paired interval
                        low, high = paired[passk_ci_key(1)]
                        delta = f"{paired[pass_at_1]:+.3f} [{low:+.2f}, {high:+.2f}]"
                    elif label != BASE_POLICY and base.get(pass_at_1) is not None:
                        delta = f"{block[pass_at_1] - base[pass_at_1]:+.3f}"
            table.add_row(run.label, env, steps, train, held_out, pass1, delta)
    Console(width=None if sys.stdout.isatty() else 200).print(table)
