"""``nnexp train``: one run from a spec (or ``--resume`` an interrupted one)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from nnexp import api
from nnexp.cli.console import console, err_console
from nnexp.cli.progress import TrainProgress
from nnexp.cli.render import (
    EXIT_CODES,
    ctrl_c_finishes_the_batch,
    download_progress,
    print_header,
    print_summary,
)
from nnexp.errors import NnexpError


def train(
    ctx: typer.Context,
    spec: Annotated[
        Path | None,
        typer.Argument(dir_okay=False, help="YAML run spec (or use --resume RUN_DIR)."),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Argument(help="Dotted overrides, values as YAML: optimizer.lr=0.1"),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Override the spec's seed.")] = None,
    name: Annotated[str | None, typer.Option(help="Override the run name.")] = None,
    runs_dir: Annotated[
        Path | None,
        typer.Option(
            "--runs-dir",
            help="Where run folders go (default: the spec's output.runs_dir, runs/).",
        ),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(file_okay=False, help="Continue an interrupted run folder."),
    ] = None,
    continue_run: Annotated[
        str | None,
        typer.Option(
            "--continue",
            help="Train a completed run (a folder, or its name under --runs-dir) for"
            " more epochs with its optimiser state, into a new run folder that names"
            " it as parent; give --epochs.",
        ),
    ] = None,
    epochs: Annotated[
        int | None,
        typer.Option(
            "--epochs",
            min=1,
            help="With --continue: the new total number of epochs (more than the"
            " parent's).",
        ),
    ] = None,
    print_config: Annotated[
        bool, typer.Option("--print-config", help="Print the resolved spec and exit.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only the final summary.")
    ] = False,
) -> None:
    """Train one network from SPEC into a new run folder.

    Examples:
      nnexp train configs/quickstart.yaml
      nnexp train configs/mnist_relu.yaml optimizer.lr=0.1 model.activation=tanh --seed 3
      nnexp train --resume runs/2026-11-23_10-00-00_quickstart
      nnexp train --continue runs/2026-11-23_10-00-00_quickstart --epochs 20
    """
    overrides = overrides or []
    if continue_run is not None:
        # every positional argument is an override of the parent's spec
        overrides = ([str(spec)] if spec is not None else []) + overrides
        parent = api.find_run(continue_run, runs_dir or Path("runs"))
        spec = _continuation(parent, epochs, resume, overrides, name, runs_dir)
        overrides, name, runs_dir = [], None, None
    elif epochs is not None:
        raise NnexpError(
            "--epochs goes with --continue RUN; to train a spec for N epochs use the"
            " override training.epochs=N"
        )
    if (
        resume is not None
        and spec is not None
        and "=" in str(spec)
        and not spec.exists()
    ):
        raise NnexpError(
            f"--resume continues a run exactly as it was; overrides such as {spec} do not apply"
        )
    if (spec is None) == (resume is None):
        raise NnexpError(
            "give exactly one of SPEC and --resume RUN_DIR (see nnexp train --help)"
        )
    if resume is not None and (overrides or seed is not None or name is not None):
        raise NnexpError(
            "--resume continues a run exactly as it was; overrides, --seed and --name do not apply"
        )
    if print_config:
        if spec is None:
            raise NnexpError("--print-config needs a SPEC")
        resolved = api.resolve_spec(
            spec, overrides, seed=seed, name=name, runs_dir=runs_dir
        )
        console.print(api.dump_spec(resolved), end="", markup=False, highlight=False)
        return
    stop = threading.Event()
    callbacks = [] if quiet else [TrainProgress(console)]
    started: list[Path] = []

    def on_start(folder: Path, resolved: Any, network: Any, info: Any) -> None:
        started.append(folder)
        if not quiet:
            print_header(folder, resolved, network, info)

    try:
        with ctrl_c_finishes_the_batch(stop):
            run = api.train(
                spec,
                overrides,
                runs_dir=runs_dir,
                seed=seed,
                name=name,
                resume=resume,
                callbacks=callbacks,
                stop=stop,
                progress=download_progress(),
                on_start=on_start,
            )
    except (NnexpError, KeyboardInterrupt, typer.Exit):
        raise
    except Exception as err:  # a failure inside training (a plugin that raises …)
        if ctx.find_root().params.get("debug"):
            raise
        where = f" The run folder {started[0]} says failed." if started else ""
        err_console.print(
            f"error: training failed: {type(err).__name__}: {err}.{where} "
            "Run with nnexp --debug train … for the traceback.",
            soft_wrap=True, markup=False,
        )  # fmt: skip
        raise typer.Exit(1) from None
    print_summary(run)
    code = EXIT_CODES.get(run.record.status, 1)
    if code:
        raise typer.Exit(code)


def _continuation(
    parent: Path,
    epochs: int | None,
    resume: Path | None,
    overrides: list[str],
    name: str | None,
    runs_dir: Path | None,
) -> Any:
    """The spec of ``--continue PARENT --epochs N`` (checked against the parent)."""
    if resume is not None:
        raise NnexpError(
            "give one of --resume (an interrupted run, in its own folder) and"
            " --continue (a completed run, into a new folder)"
        )
    if epochs is None:
        raise NnexpError(
            f"--continue {parent}: give --epochs N, the new total number of epochs"
        )
    return api.continuation_spec(
        parent, epochs, overrides, name=name, runs_dir=runs_dir
    )


def register(app: typer.Typer) -> None:
    app.command()(train)
