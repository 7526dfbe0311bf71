"""``nnexp sweep``: run a grid (or a random search) of runs in parallel, resumably."""

from __future__ import annotations

import enum
import math
import shlex
import sys
import threading
import time
from collections.abc import Collection
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Group
from rich.live import Live
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from nnexp.api import (
    RUN_ACTIONS,
    Planned,
    SweepResult,
    plan_sweep,
    run_sweep,
    slurm_scripts,
    sweep_source,
)
from nnexp.cli.console import console, first_ctrl_c_sets
from nnexp.cli.render import download_progress
from nnexp.errors import NnexpError

METRIC_ORDER = ("val_accuracy", "val_loss", "train_accuracy", "train_loss")
STATUS_COLOURS = {"completed": "green", "diverged": "red", "interrupted": "yellow"}


class Executor(enum.StrEnum):
    local = "local"
    dask = "dask"
    slurm = "slurm"


def sweep(
    spec: Annotated[Path | None, typer.Argument(dir_okay=False, help="A sweep YAML, or a train spec to vary (or --resume SWEEP_DIR).")] = None,
    overrides: Annotated[list[str] | None, typer.Argument(help="Overrides of the base spec, as for train: training.epochs=2")] = None,
    grid: Annotated[list[str] | None, typer.Option("--grid", "-g", help="KEY=V1,V2,… varied in a product; repeat for more keys. Values are YAML, split on commas outside brackets.")] = None,
    zip_: Annotated[list[str] | None, typer.Option("--zip", help="KEY=V1,V2,… varied together with the other --zip keys (as many values each).")] = None,
    seeds: Annotated[str | None, typer.Option("--seeds", help="N (seeds 0 … N−1) or a list 0,5,7: every combination runs with each.")] = None,
    sample: Annotated[int | None, typer.Option("--sample", min=1, help="Random search: draw N combinations (from the grid, or uniform(a,b), log_uniform(a,b), int(a,b), choice(…)).")] = None,
    sample_seed: Annotated[int | None, typer.Option("--sample-seed", min=0, help="Seed of the random search's draw (default 0).")] = None,
    max_trials: Annotated[int | None, typer.Option("--max-trials", min=1, help="Run at most N combinations (each with every seed).")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Cells at a time (default: the number of cores); one BLAS thread each.")] = None,
    executor: Annotated[Executor, typer.Option("--executor", help="local processes, a Dask cluster, or Slurm jobs (one per cell or population).")] = Executor.local,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address, tcp://host:8786 (default: a local cluster).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate every cell, print them and their count, run nothing.")] = False,
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first failed cell (diverged is not a failure).")] = False,
    resume: Annotated[Path | None, typer.Option("--resume", file_okay=False, help="Continue a sweep folder: run what is not completed or diverged.")] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="With --resume: run the failed cells again.")] = False,
    runs_dir: Annotated[Path | None, typer.Option("--runs-dir", help="The sweep goes to <runs-dir>/sweeps/ (default: the base's output.runs_dir).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The sweep's name (default: the sweep file's or the base's).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the final summary.")] = False,
    no_population: Annotated[bool, typer.Option("--no-population", help="Train each cell in a process of its own (default: compatible cells train together as one population, one stacked computation).")] = False,
    partition: Annotated[str | None, typer.Option("--partition", help="Slurm: the partition (default: the sweep spec's cluster.partition, else the cluster's default).", rich_help_panel="Slurm")] = None,
    time_limit: Annotated[str | None, typer.Option("--time", help="Slurm: each job's time limit, minutes or [D-]HH:MM[:SS] (default 60); cells end interrupted just before it.", rich_help_panel="Slurm")] = None,
    mem: Annotated[str | None, typer.Option("--mem", help="Slurm: memory per job (4G).", rich_help_panel="Slurm")] = None,
    cpus_per_task: Annotated[int | None, typer.Option("--cpus-per-task", min=1, help="Slurm: cores per job (default 1; BLAS threads stay as the spec says).", rich_help_panel="Slurm")] = None,
    account: Annotated[str | None, typer.Option("--account", help="Slurm: the account to charge.", rich_help_panel="Slurm")] = None,
    sbatch: Annotated[list[str] | None, typer.Option("--sbatch", help="Slurm: another sbatch option, long form (--sbatch=--qos=high); repeat for more.", rich_help_panel="Slurm")] = None,
    setup: Annotated[list[str] | None, typer.Option("--setup", help="Slurm: a line the job runs first (source ~/venv/bin/activate); repeat for more.", rich_help_panel="Slurm")] = None,
) -> None:  # fmt: skip
    """Run a grid of runs over any spec keys in parallel, surviving failures and Ctrl-C.

    Examples:
      nnexp sweep configs/mnist_relu.yaml --grid model.activation=relu,tanh,abs --grid optimizer.name=sgd,adam --seeds 3 dataset.name=mnist_10k
      nnexp sweep configs/sweeps/activations_mnist.yaml -j 4
      nnexp sweep configs/quickstart.yaml --sample 8 --grid "optimizer.lr=log_uniform(1e-3, 1)"
      nnexp sweep --resume runs/sweeps/2026-11-23_10-00-00_activations
      nnexp sweep configs/sweeps/activation_init.yaml --executor dask --scheduler tcp://head:8786
      nnexp sweep configs/sweeps/activation_init.yaml --executor slurm --partition cpu --time 2:00:00 --setup "source ~/venv/bin/activate"
    """
    planning = (grid, zip_, seeds, sample, sample_seed, max_trials, name, runs_dir)
    _check_arguments(spec, resume, retry_failed, *planning, overrides)
    source = None
    if spec is not None:  # the command line's option strings, read
        source = sweep_source(
            spec,
            grid=grid,
            zip=zip_,
            seeds=seeds,
            sample=sample,
            sample_seed=sample_seed,
            max_trials=max_trials,
            name=name,
            overrides=overrides or [],
        )
    cluster = _cluster_options(
        executor,
        partition=partition,
        time=time_limit,
        mem=mem,
        cpus_per_task=cpus_per_task,
        account=account,
        sbatch=sbatch,
        setup=setup,
    )
    options: dict[str, Any] = {
        "resume": resume,
        "retry_failed": retry_failed,
        "runs_dir": runs_dir,
        "name": name,
        "executor": executor.value,
        "progress": download_progress(),
    }
    if dry_run:
        planned = plan_sweep(source, **options)
        groups = planned.groups(jobs=jobs, population=not no_population)
        _print_plan(planned, groups)
        if executor is Executor.slurm:
            _print_scripts(slurm_scripts(planned, groups, cluster))
        return
    stop = threading.Event()
    with ExitStack() as ctrl_c, SweepDisplay(console, quiet=quiet) as display:

        def on_event(event: dict[str, Any]) -> None:
            if event["kind"] == "planned":  # Ctrl-C stops cells from here on
                ctrl_c.enter_context(ctrl_c_stops_the_sweep(stop))
            display(event)

        result = run_sweep(
            source,
            **options,
            jobs=jobs,
            scheduler=scheduler,
            fail_fast=fail_fast,
            stop=stop,
            on_event=on_event,
            command=_command(),
            population=not no_population,
            **({"cluster": cluster} if executor is Executor.slurm else {}),
        )
    _print_result(result, _same_executor(executor, scheduler, cluster), display.noted)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def _check_arguments(
    spec: Path | None, resume: Path | None, retry_failed: bool, *planning: Any
) -> None:
    """Exactly one of SPEC and --resume; planning options only without --resume."""
    if (spec is None) == (resume is None):
        raise NnexpError(
            "give exactly one of SPEC and --resume SWEEP_DIR (see nnexp sweep --help)"
        )
    if resume is not None and any(v not in (None, [], ()) for v in planning):
        raise NnexpError(
            "--resume continues a sweep as it was planned: --grid, --zip, --seeds, "
            "--sample, --max-trials, --name, --runs-dir and overrides do not apply"
        )
    if retry_failed and resume is None:
        raise NnexpError("--retry-failed goes with --resume SWEEP_DIR")


def _cluster_options(executor: Executor, **options: Any) -> dict[str, Any]:
    """The Slurm options given; an error when they come without --executor slurm."""
    given = {k: v for k, v in options.items() if v not in (None, [], ())}
    if given and executor is not Executor.slurm:
        names = ", ".join("--" + k.replace("_", "-") for k in given)
        raise NnexpError(f"{names} go with --executor slurm")
    return given


def _print_scripts(scripts: list[str]) -> None:
    """The sbatch scripts a Slurm sweep would submit (one per job array)."""
    for i, script in enumerate(scripts, 1):
        console.print(
            f"\njob array {i} of {len(scripts)}, sbatch script:",
            highlight=False,
            markup=False,
        )
        console.print(script, highlight=False, markup=False, soft_wrap=True)


def _command() -> str:
    return " ".join(["nnexp", *sys.argv[1:]])


def ctrl_c_stops_the_sweep(stop: threading.Event):
    """First Ctrl-C: running cells finish their batch, queued cells are not started.
    A second Ctrl-C stops at once (KeyboardInterrupt)."""
    return first_ctrl_c_sets(
        stop,
        "stopping: running cells finish their batch, queued cells are not started "
        "(Ctrl-C again to stop at once)…",
    )


# the dry run --------------------------------------------------------------------------


def _print_plan(plan: Planned, groups: list[list[str]]) -> None:
    planned, actions = plan.sweep, plan.actions
    table = Table(show_edge=False, box=None, pad_edge=False)
    for column in ("#", "cell", "action" if planned.folder else None, "overrides"):
        if column:
            table.add_column(
                column, justify="right" if column == "#" else "left", overflow="fold"
            )
    for i, cell in enumerate(planned.cells, 1):
        row = [str(i), cell.name] + ([actions[cell.name]] if planned.folder else [])
        table.add_row(
            *map(escape, row),
            escape(" ".join(cell.overrides)),
            style=None if actions[cell.name] in RUN_ACTIONS else "dim",
        )
    console.print(table)
    n, trials = len(planned.cells), planned.expansion.n_trials
    per = (
        f" ({trials} combination{'s' * (trials != 1)} × {n // max(trials, 1)} seeds)"
        if n != trials
        else ""
    )
    console.print(
        f"{n} cell{'s' * (n != 1)}{per}, every one validated.", highlight=False
    )
    if planned.folder:
        counts = pd.Series(actions).value_counts().to_dict()
        console.print(
            "actions: " + ", ".join(f"{v} {k}" for k, v in counts.items()),
            highlight=False,
        )
    _print_groups(groups)
    for note in planned.notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    console.print("dry run: nothing was trained or written.")


def _print_groups(groups: list[list[str]]) -> None:
    """The populations the cells to run would train in (one stacked computation each)."""
    populations = [g for g in groups if len(g) > 1]
    cells = sum(len(g) for g in groups)
    if not populations:
        console.print(
            f"populations: none; each of the {cells} cells to run trains alone.",
            highlight=False,
        )
        return
    alone = cells - sum(len(g) for g in populations)
    console.print(
        f"populations: {len(populations)} (of {', '.join(str(len(g)) for g in populations)}"
        f" cells), {alone} cell{'s' * (alone != 1)} alone:",
        highlight=False,
    )
    for i, group in enumerate(populations, 1):
        console.print(
            f"  {i}: {group_text(group)}", highlight=False, markup=False, soft_wrap=True
        )


def group_text(group: list[str]) -> str:
    """A population's cells in short: the settings they share, then each varying
    key's values (``layers=2-4-3,activation=relu; seed: 0, 1, 2``); the names in full
    when the cells' names do not have the same keys in the same order."""
    parts = [name.split(",") for name in group]
    keys = [[p.split("=", 1)[0] for p in name] for name in parts]
    if any(k != keys[0] for k in keys) or not all("=" in p for n in parts for p in n):
        return ", ".join(group)
    shared, varying = [], []
    for j, key in enumerate(keys[0]):
        values = list(dict.fromkeys(name[j].split("=", 1)[1] for name in parts))
        if len(values) == 1:
            shared.append(parts[0][j])
        else:
            varying.append(f"{key}: {', '.join(values)}")
    return "; ".join([",".join(shared)] * bool(shared) + varying)


# the live display ---------------------------------------------------------------------


def _metric(metrics: dict[str, Any], prefix: str = "final_") -> str:
    """``val_accuracy 91.20%`` (the first metric of METRIC_ORDER found)."""
    for key in METRIC_ORDER:
        value = metrics.get(prefix + key)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            return f"{key} {_fmt(value, key)}"
    return ""


def _end_detail(event: dict[str, Any]) -> str:
    """The error of a failed cell, the message of a diverged one, else its metrics."""
    if event["status"] == "failed":
        return (event.get("error") or "").split("\n")[0][:160]
    if event["status"] == "diverged":
        return event.get("message") or _metric(event["metrics"])
    metrics = event["metrics"]
    test = next(
        (
            f"  test {k} {_fmt(metrics[f'test_{k}'], k)}"
            for k in ("accuracy", "loss")
            if metrics.get(f"test_{k}") is not None
        ),
        "",
    )
    return _metric(metrics) + test


def _fmt(value: Any, key: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{100 * value:.2f}%" if "accuracy" in key else f"{value:.4g}"


class SweepDisplay:
    """Overall bar, the running cells with their epoch and metric, and a line per
    finished cell (plain lines when the output is not a terminal)."""

    def __init__(self, console: Any, *, quiet: bool = False):
        self.console, self.quiet = console, quiet
        self.live_mode = console.is_terminal and not quiet
        self.running: dict[str, dict[str, Any]] = {}
        self.total = self.finished = 0
        # the notes printed with the plan, not printed again at the end
        self.noted: set[str] = set()
        self.progress = Progress(
            TextColumn("cells"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.progress.add_task("cells", total=None)
        self.live: Live | None = None
        self.queue = ""

    def __enter__(self) -> SweepDisplay:
        return self

    def _start_live(self) -> None:
        # started at the plan, once the executor's worker processes exist
        if self.live_mode and self.live is None:
            self.live = Live(
                self, console=self.console, refresh_per_second=4, transient=True
            )
            self.live.start()

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.stop()

    def __rich__(self) -> Group:
        table = Table(
            show_edge=False, box=None, pad_edge=False, show_header=bool(self.running)
        )
        for column in ("running", "epoch", "metric", "time"):
            table.add_column(column, overflow="ellipsis", no_wrap=True)
        now = time.monotonic()
        for cell, state in list(self.running.items())[:20]:
            epoch = f"{state.get('epoch', 0)}/{state.get('epochs', '?')}"
            table.add_row(
                cell, epoch, state.get("metric", ""), f"{now - state['since']:.0f}s"
            )
        if len(self.running) > 20:
            table.add_row(f"… and {len(self.running) - 20} more", "", "", "")
        if self.queue:
            return Group(self.progress, Text(self.queue, style="dim"), table)
        return Group(self.progress, table)

    def print(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text, highlight=False, soft_wrap=True)

    def __call__(self, event: dict[str, Any]) -> None:
        handler = getattr(self, f"_on_{event.get('kind')}", None)
        if handler is not None:
            handler(event)

    def _on_plan(self, event: dict[str, Any]) -> None:
        self.total, todo = event["total"], event["todo"]
        done = self.total - todo
        self.progress.update(self.task, total=self.total, completed=done)
        self.print(f"sweep folder: [bold]{escape(event['folder'])}[/]")
        for note in event.get("notes", []):
            self.print(f"note: {escape(note)}")
            if not self.quiet:
                self.noted.add(note)
        counts = pd.Series(event["actions"]).value_counts().to_dict()
        detail = ", ".join(f"{v} {k}" for k, v in counts.items())
        self.print(
            f"{self.total} cells ({detail}) on {event['executor']}"
            if todo
            else f"{self.total} cells, nothing to run ({detail})"
        )
        if todo:
            self._start_live()

    def _on_queue(self, event: dict[str, Any]) -> None:
        """Slurm's view of the sweep's jobs: pending and running."""
        self.queue = (
            f"slurm jobs: {event['pending']} pending, {event['running']} running"
        )
        if not self.live_mode:
            self.print(self.queue)

    def _on_start(self, event: dict[str, Any]) -> None:
        self.running[event["cell"]] = {"since": time.monotonic(), "epoch": 0}
        if not self.live_mode:
            self.print(f"start       {escape(event['cell'])}")

    def _on_train(self, event: dict[str, Any]) -> None:
        state = self.running.setdefault(event["cell"], {"since": time.monotonic()})
        state.update(epochs=event["epochs"], epoch=event["epoch"])

    def _on_epoch(self, event: dict[str, Any]) -> None:
        state = self.running.get(event["cell"])
        if state is not None:
            state["epoch"] = event["epoch"]
            state["metric"] = _metric(event["metrics"], prefix="")

    def _on_end(self, event: dict[str, Any]) -> None:
        self.running.pop(event["cell"], None)
        if event["status"] == "skipped":
            return
        self.finished += 1
        self.progress.advance(self.task)
        status = event["status"]
        colour = STATUS_COLOURS.get(status, "bold red")
        done = int(self.progress.tasks[0].completed)
        self.print(
            f"[{colour}]{status:<11}[/] {escape(event['cell'])}  "
            f"{escape(_end_detail(event))}  ({event['seconds']:.1f}s) "
            f"[dim]\\[{done}/{self.total}][/]"
        )

    def _on_stopping(self, event: dict[str, Any]) -> None:
        reason = event["reason"]
        if reason == "fail-fast":
            cell = escape(str(event.get("cell")))
            self.print(f"[red]--fail-fast: {cell} failed; stopping the sweep[/]")
        elif reason == "aborted":
            self.print("[yellow]stopped at once[/]")


# the end ------------------------------------------------------------------------------


def _same_executor(
    executor: Executor, scheduler: str | None, cluster: dict[str, Any]
) -> str:
    """The options that send a resumed sweep where this one ran."""
    if executor is Executor.local:
        return ""
    words = ["--executor", executor.value]
    if scheduler:
        words += ["--scheduler", scheduler]
    for key, value in cluster.items():
        for one in value if isinstance(value, list) else [value]:
            words.append(f"--{key.replace('_', '-')}={one}")
    return " " + " ".join(shlex.quote(w) for w in words)


def _print_result(
    result: SweepResult, again: str = "", shown: Collection[str] = ()
) -> None:
    """The end of a sweep: counts, the best cells, plots, the notes not ``shown``
    already (with the plan), how to resume."""
    frame = result.frame
    counts = ", ".join(f"{n} {s}" for s, n in result.counts.items())
    console.print(f"\n{len(frame)} cells: {counts}", highlight=False)
    best = _best_table(result)
    if best is not None:
        console.print(best)
    failed = frame[frame["status"] == "failed"]
    for _, row in failed.head(10).iterrows():
        err = (
            str(row.get("error") or "").splitlines()[0][:200]
            if row.get("error")
            else ""
        )
        console.print(
            f"[red]failed[/] {escape(row['cell'])}: {escape(err)}",
            highlight=False,
            soft_wrap=True,
        )
    if len(failed) > 10:
        console.print(f"… and {len(failed) - 10} more failed cells (see results.csv)")
    console.print(
        f"results: {result.folder / 'results.csv'}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )
    if result.plots:
        console.print(
            f"plots: {', '.join(p.name for p in result.plots)}"
            f" in {result.folder / 'plots'}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    for note in result.notes:
        if note not in shown:
            console.print(f"note: {note}", highlight=False, markup=False)
    if result.status != "completed":
        retry = " --retry-failed" if len(failed) else ""
        console.print(
            f"resume with: nnexp sweep --resume {result.folder}{retry}{again}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )


def _best_table(result: SweepResult) -> Table | None:
    """Mean ± std of the summary metric per combination, best first (top 10)."""
    keys = [k for k in result.keys if k != "seed"]
    summary = result.combinations()
    if summary.empty:
        return None
    metric = summary.attrs["metric"]
    table = Table(
        title=f"{metric} by combination (mean ± std over seeds)",
        title_justify="left",
        show_edge=False,
    )
    for key in [
        *[k for k in keys if k in summary],
        metric.removeprefix("final_"),
        "runs",
    ]:
        table.add_column(key, justify="left" if key in keys else "right")
    for _, row in summary.head(10).iterrows():
        spread = f" ± {_fmt(row['std'], metric)}" if row["count"] > 1 else ""
        table.add_row(
            *[escape(str(row[k])) for k in keys if k in summary],
            _fmt(row["mean"], metric) + spread,
            f"{int(row['count'])}/{int(row['size'])}",
        )
    return table


def register(app: typer.Typer) -> None:
    app.command()(sweep)
