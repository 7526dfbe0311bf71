"""One run from a spec to its folder: ``train`` a spec into a new run folder (or
``resume`` an interrupted one, or ``continue_run`` a completed one), and the data and
engine objects a spec makes (``resolve_spec``, ``prepare``, ``load_data``).

The front door (:mod:`nnexp.api`, ``nnexp train``) and every sweep cell call
:func:`train`::

    import nnexp
    run = nnexp.train("configs/quickstart.yaml", overrides=["training.epochs=2"])
    run.history.plot(x="epoch", y=["train_loss", "val_loss"])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from nnexp.build import build_run
from nnexp.data import load_dataset
from nnexp.engine import rng as rngmod
from nnexp.errors import RunError
from nnexp.runner.continuation import continuation_spec, parent_state
from nnexp.runs import environment
from nnexp.runs.checkpoint import load_checkpoint
from nnexp.runs.layout import RunPaths, new_run_dir
from nnexp.runs.reader import (
    FINAL,
    Run,
    effective_status,
    load_run,
    read_history,
    read_record,
)
from nnexp.runs.record import end_record, start_record
from nnexp.runs.snapshots import snapshot_count, snapshot_epochs
from nnexp.runs.writer import RunWriter
from nnexp.spec.check import check_against_data, one_hot_targets
from nnexp.spec.dump import dump_spec, spec_to_dict
from nnexp.spec.load import load_spec
from nnexp.spec.models import RunSpec
from nnexp.training.callbacks import Callback
from nnexp.training.trainer import Trainer

__all__ = [
    "Hooks",
    "continue_run",
    "finish_run",
    "make_trainer",
    "open_run",
    "record_failure",
    "reopen_run",
    "resumable_spec",
    "load_data",
    "prepare",
    "resolve_spec",
    "resume",
    "train",
]


def resolve_spec(
    spec: str | Path | dict | RunSpec,
    overrides: Sequence[str] = (),
    *,
    seed: int | None = None,
    name: str | None = None,
    runs_dir: str | Path | None = None,
) -> RunSpec:
    """Load and validate a spec with its overrides (``--seed``/``--name``/``--runs-dir``
    are overrides too, applied last)."""
    if (
        isinstance(spec, RunSpec)
        and not overrides
        and seed is None
        and name is None
        and runs_dir is None
    ):
        return spec
    # set directly, not as YAML text: a name like "a: b" or a path with "#" stays as is
    values: dict[str, Any] = {}
    if seed is not None:
        values["seed"] = int(seed)
    if name is not None:
        values["name"] = str(name)
    if runs_dir is not None:
        values["output.runs_dir"] = str(Path(runs_dir).resolve())
    source = spec_to_dict(spec) if isinstance(spec, RunSpec) else spec
    return load_spec(source, list(overrides), set_values=values)


def prepare(
    spec: RunSpec,
    progress: Callable[..., None] | None = None,
    *,
    data: Callable[..., tuple[Any, Any]] | None = None,
) -> tuple[Any, Any, Any, dict]:
    """Data, engine objects and named generators for ``spec`` (no files written);
    ``data(spec, progress, rngs=...)`` loads the data (default :func:`load_data`)."""
    rngs = rngmod.streams(spec.seed)
    splits, info = (data or load_data)(spec, progress, rngs=rngs)
    built = build_run(spec, info, rngs["init"])
    return splits, info, built, rngs


def load_data(
    spec: RunSpec,
    progress: Callable[..., None] | None = None,
    *,
    rngs: dict[str, Any] | None = None,
) -> tuple[Any, Any]:
    """The splits and data-set info of ``spec`` as its run saw them (the same seed,
    so the same validation split), checked against the spec's layer sizes."""
    rngs = rngs if rngs is not None else rngmod.streams(spec.seed)
    splits, info = load_dataset(
        spec.dataset.built,  # the loader the spec's validation built
        seed_rng=rngs["split"],
        dtype=spec.training.dtype,
        one_hot=one_hot_targets(spec),  # a single output unit trains on 0/1 labels
        progress=progress,
    )
    check_against_data(spec, info)
    return splits, info


def train(
    spec: str | Path | dict | RunSpec | None = None,
    overrides: Sequence[str] = (),
    *,
    runs_dir: str | Path | None = None,
    seed: int | None = None,
    name: str | None = None,
    resume: str | Path | None = None,
    callbacks: Sequence[Callback] = (),
    stop: Any = None,
    progress: Callable[..., None] | None = None,
    on_start: Callable[[Path, RunSpec, Any, Any], None] | None = None,
) -> Run:
    """Train one run into a new run folder (or continue ``resume``) and return it.

    Parameters
    ----------
    spec : a YAML path, a dict or a :class:`RunSpec` (exactly one of spec / resume)
    overrides : dotted ``key=value`` strings (values parsed as YAML)
    runs_dir, seed, name : shortcuts for the output.runs_dir / seed / name overrides
    resume : an interrupted run folder to continue from its last completed epoch
    callbacks : extra trainer callbacks (progress displays)
    stop : an object with ``is_set()`` (``threading.Event``): ends the run after the
        current batch as "interrupted"
    progress : download progress ``(label, done_bytes, total_bytes)``
    on_start : called with (folder, spec, network, dataset info) once the folder exists

    Returns
    -------
    Run : folder, config, summary, history DataFrame, and the trained ``network``
    """
    if (spec is None) == (resume is None):
        raise RunError("give exactly one of a spec and a run folder to resume")
    if resume is not None:
        return _resume(
            Path(resume),
            callbacks=callbacks,
            stop=stop,
            progress=progress,
            on_start=on_start,
        )
    assert spec is not None  # exactly one of spec and resume, checked above
    spec = resolve_spec(spec, overrides, seed=seed, name=name, runs_dir=runs_dir)
    with environment.pinned_threads(spec.training.blas_threads):
        parent = None
        if spec.training.continue_from is not None:
            parent = parent_state(spec)  # checked before a folder is made
        prepared = prepare(spec, progress)
        writer, state, rows = open_run(spec, prepared, overrides, parent)
        hooks = Hooks(callbacks, stop, on_start)
        return _train(spec, prepared, writer, hooks, state=state, rows=rows)


def open_run(
    spec: RunSpec,
    prepared: tuple[Any, Any, Any, dict],
    overrides: Sequence[str] = (),
    parent: Any = None,
) -> tuple[RunWriter, Any, list[dict[str, Any]] | None]:
    """A new run folder for ``spec`` with its config.yaml and a ``running`` summary;
    returns its writer and, for a continuation (``parent``), the state and rows to
    start from."""
    _, info, built, _ = prepared
    folder = new_run_dir(Path(spec.output.runs_dir), spec.name)
    summary = start_record(spec, info, built.network, overrides)
    state = rows = None
    if parent is not None:
        state, rows, parent_dir = parent
        summary = summary.updated(
            continued_from={"run": str(parent_dir), "epoch": state.epoch}
        )
    writer = RunWriter(
        RunPaths(folder), dump_spec(spec), summary, checkpoint=spec.output.checkpoint
    )
    if rows:
        writer.write_rows(rows)
    return writer, state, rows


def continue_run(
    parent: str | Path,
    epochs: int,
    overrides: Sequence[str] = (),
    *,
    name: str | None = None,
    runs_dir: str | Path | None = None,
    **run_kwargs: Any,
) -> Run:
    """Train the completed run ``parent`` on to ``epochs`` epochs in all, in a new
    run folder (see :mod:`nnexp.runner.continuation`); ``run_kwargs`` go to
    :func:`train`."""
    spec = continuation_spec(parent, epochs, overrides, name=name, runs_dir=runs_dir)
    return train(spec, **run_kwargs)


def resume(
    run_dir: str | Path,
    *,
    callbacks: Sequence[Callback] = (),
    stop: Any = None,
    progress: Callable[..., None] | None = None,
    on_start: Callable[[Path, RunSpec, Any, Any], None] | None = None,
) -> Run:
    """Continue the interrupted run ``run_dir`` in its own folder from its last
    completed epoch (``nnexp train --resume``); the hooks are :func:`train`'s."""
    return train(
        resume=run_dir,
        callbacks=callbacks,
        stop=stop,
        progress=progress,
        on_start=on_start,
    )


def _resume(folder: Path, *, callbacks, stop, progress, on_start) -> Run:
    spec = resumable_spec(folder)
    with environment.pinned_threads(spec.training.blas_threads):
        prepared = prepare(spec, progress)
        writer, state, rows = reopen_run(folder, spec)
        hooks = Hooks(callbacks, stop, on_start)
        return _train(spec, prepared, writer, hooks, state=state, rows=rows)


def resumable_spec(folder: Path) -> RunSpec:
    """The spec of the interrupted run ``folder``; RunError when it cannot be resumed
    (ended, still running, no checkpoint)."""
    paths = RunPaths(folder)
    summary = read_record(folder)
    if summary is None:
        raise RunError(f"{folder} is not a run folder (no summary.json)")
    status = effective_status(summary)
    if status in FINAL:
        raise RunError(
            f"{folder} has already ended ({status}); only an interrupted run can be resumed"
        )
    if status == "running":
        raise RunError(
            f"{folder} is still running (pid {summary.pid} on {summary.host})"
        )
    if not paths.checkpoint.is_file():
        raise RunError(
            f"{folder} has no checkpoint.npz to resume from; train it again instead"
        )
    return load_spec(paths.config)


def reopen_run(
    folder: Path, spec: RunSpec
) -> tuple[RunWriter, Any, list[dict[str, Any]]]:
    """The writer of the interrupted run ``folder`` (checked by
    :func:`resumable_spec`), its checkpointed state and the metrics rows up to it."""
    paths = RunPaths(folder)
    summary = read_record(folder)
    assert summary is not None  # checked by resumable_spec
    state = load_checkpoint(paths.checkpoint)
    writer = RunWriter(
        paths,
        None,
        summary.updated(resumed_from_epoch=state.epoch),
        checkpoint=spec.output.checkpoint,
    )
    before = summary.wall_seconds or 0.0
    writer.record = writer.record.updated(wall_seconds_before=before)
    now = environment.current(spec_to_dict(spec))
    if environment.differences(environment.recorded(summary), now):
        writer.record = writer.record.updated(environment_on_resume=now)
    return writer, state, writer.keep_rows_until(state.epoch)


class Hooks(NamedTuple):
    """What the caller of :func:`train` hooks into a training: progress callbacks, a
    stop event, and a call once the folder exists."""

    callbacks: Sequence[Callback]
    stop: Any
    on_start: Callable[[Path, RunSpec, Any, Any], None] | None


def _train(
    spec: RunSpec,
    prepared: tuple[Any, Any, Any, dict],
    writer: RunWriter,
    hooks: Hooks,
    state: Any = None,
    rows: list[dict[str, Any]] | None = None,
) -> Run:
    trainer = make_trainer(spec, prepared, writer, hooks, state, rows)
    try:
        result = trainer.run()
    except BaseException as err:  # failed or killed: the folder says so, then re-raise
        record_failure(writer, trainer, err)
        raise
    return finish_run(spec, prepared, writer, result)


def make_trainer(
    spec: RunSpec,
    prepared: tuple[Any, Any, Any, dict],
    writer: RunWriter,
    hooks: Hooks,
    state: Any = None,
    rows: list[dict[str, Any]] | None = None,
) -> Trainer:
    """The run's Trainer, writing through ``writer``, continued from ``state`` when
    given; ``hooks.on_start`` is called once it exists."""
    splits, info, built, rngs = prepared
    callbacks, stop, on_start = hooks
    trainer = Trainer(
        built.network,
        splits,
        loss=built.loss,
        optimizer=built.optimizer,
        schedule=built.schedule,
        regularizer=built.regularizer,
        epochs=spec.training.epochs,
        batch_size=spec.training.batch_size,
        shuffle=spec.training.shuffle,
        rngs=rngs,
        callbacks=[writer, *callbacks],
        early_stopping=built.early_stopping,
        stop=stop,
    )
    if state is not None:
        trainer.restore(state, rows)
    count = snapshot_count(spec.output.snapshots, built.network.n_params())
    writer.keep_weights(
        built.network.get_weights(),
        snapshot_epochs(spec.training.epochs, count),
        trainer.epoch,
    )
    if on_start is not None:
        on_start(writer.paths.root, spec, built.network, info)
    return trainer


def record_failure(writer: RunWriter, trainer: Trainer, err: BaseException) -> None:
    """The run failed (or was killed by Ctrl-C: ``interrupted``): its summary says so."""
    status = "interrupted" if isinstance(err, KeyboardInterrupt) else "failed"
    writer.finish(
        writer.record.updated(
            status=status,
            error=f"{type(err).__name__}: {err}",
            epochs=len(trainer.history.rows),  # completed epochs, in metrics.csv
        )
    )


def finish_run(
    spec: RunSpec, prepared: tuple[Any, Any, Any, dict], writer: RunWriter, result: Any
) -> Run:
    """After training: model.npz, the plots, the final summary; the Run."""
    splits, info, built, _ = prepared
    folder = writer.paths.root
    writer.save_model(built.network.get_weights())
    if spec.output.plots:
        from nnexp.runs.figures import render_run_plots  # matplotlib: only when drawing

        try:
            plots = render_run_plots(
                writer.paths, spec, info, splits, built.network, built.loss, result
            )
            writer.record = writer.record.updated(plots=plots)
        except Exception as err:  # a plot must never lose a finished run
            plot_error = f"{type(err).__name__}: {err}"
            writer.record = writer.record.updated(plot_error=plot_error)
    # the history read back from metrics.csv (exact): a table built from the row
    # dicts of a population's member reads floats scattered over its whole training
    # and took 25 ms for 5,000 epochs, the file 7 ms
    writer.flush_rows()
    history = read_history(folder)
    writer.finish(
        end_record(
            writer.record,
            result,
            n_train=len(splits.train.x),
            thresholds=spec.output.findings,
            frame=history,
        )
    )
    run_obj = load_run(folder, history=history)
    run_obj.network = built.network
    run_obj.result = result
    return run_obj
