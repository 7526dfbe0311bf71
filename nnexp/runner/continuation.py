"""Train a completed run for more epochs, in a new run folder that names its parent.

``nnexp train --continue RUN --epochs N`` (or ``nnexp.continue_run``) writes a spec
that is the parent's resolved spec with ``training.epochs: N`` (the new total, as in
Keras's ``fit(initial_epoch=…, epochs=N)``) and ``training.continue_from: RUN``.
Training that spec starts from the parent's final checkpoint: weights, optimiser
state, epoch and step counters and random generators, so a schedule defined over the
total number of epochs is recomputed over N from the parent's step. The child's
metrics.csv starts with the parent's rows. Early stopping starts afresh. With a
constant schedule, continuing a 5-epoch run to 10 gives exactly the numbers of a
10-epoch run.

Only the settings that do not change what the checkpoint means may differ from the
parent (:data:`MAY_CHANGE`); to start from a run's weights with other settings, use
``training.init_from: RUN/model.npz``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nnexp.errors import RunError, SpecError
from nnexp.runs.checkpoint import load_checkpoint
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import effective_status, read_record, run_spec
from nnexp.runs.writer import read_rows
from nnexp.spec.dump import spec_to_dict
from nnexp.spec.load import load_spec
from nnexp.spec.models import RunSpec
from nnexp.training.state import TrainState

#: spec keys a continuation may change (dotted prefixes)
MAY_CHANGE = (
    "name",
    "tags",
    "description",
    "output",
    "training.epochs",
    "training.continue_from",
    "training.early_stopping",
)


def continuation_spec(
    parent: str | Path,
    epochs: int,
    overrides: Sequence[str] = (),
    *,
    name: str | None = None,
    runs_dir: str | Path | None = None,
) -> RunSpec:
    """The spec that continues ``parent`` to ``epochs`` epochs in all."""
    parent = Path(parent).resolve()
    data = spec_to_dict(run_spec(parent))
    data["training"] = {
        **data["training"],
        "epochs": int(epochs),
        "continue_from": str(parent),
    }
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = str(name)
    if runs_dir is not None:
        values["output.runs_dir"] = str(Path(runs_dir).resolve())
    spec = load_spec(data, list(overrides), set_values=values)
    parent_state(spec)  # refuse now, before a folder is made
    return spec


def changed_keys(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two spec dicts."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in [*a, *(k for k in b if k not in a)]:
            path = f"{prefix}.{key}" if prefix else str(key)
            out += changed_keys(a.get(key), b.get(key), path)
        return out
    return [] if a == b else [prefix]


def parent_state(spec: RunSpec) -> tuple[TrainState, list[dict[str, Any]], Path]:
    """The checkpoint and metrics rows that ``spec`` continues from, checked.

    Raises RunError when the parent cannot be continued (missing, not completed, no
    checkpoint, already at ``training.epochs``) and SpecError when the spec changes
    a setting the checkpoint depends on.
    """
    parent = Path(str(spec.training.continue_from))
    key = "training.continue_from"
    paths = RunPaths(parent)
    summary = read_record(parent) if parent.is_dir() else None
    if summary is None:
        raise RunError(f"{key}: {parent} is not a run folder (no summary.json)")
    status = effective_status(summary)
    if status != "completed":
        hint = (
            " (resume it first: nnexp train --resume RUN)"
            if status == "interrupted"
            else ""
        )
        raise RunError(
            f"{key}: {parent} ended as {status!r}; only a completed run can be"
            f" continued{hint}"
        )
    if not paths.checkpoint.is_file():
        raise RunError(
            f"{key}: {parent} has no checkpoint.npz (it ran with output.checkpoint:"
            " false), so its optimiser state is lost; start from its weights instead"
            f" with training.init_from: {paths.model}"
        )
    changed = [
        k
        for k in changed_keys(spec_to_dict(run_spec(parent)), spec_to_dict(spec))
        if not any(k == p or k.startswith(p + ".") for p in MAY_CHANGE)
    ]
    if changed:
        raise SpecError(
            [
                (
                    key,
                    f"a continuation of {parent} keeps its settings, but this spec"
                    f" changes {', '.join(changed)}. Only name, tags, description,"
                    " output.*, training.epochs and training.early_stopping may"
                    " change; to start from its"
                    f" weights with other settings use training.init_from:"
                    f" {paths.model}",
                )
            ]
        )
    state = load_checkpoint(paths.checkpoint)
    if spec.training.epochs <= state.epoch:
        raise SpecError(
            [
                (
                    "training.epochs",
                    f"{parent} has trained {state.epoch} epoch"
                    f"{'s' if state.epoch != 1 else ''}; to continue it give"
                    f" a larger total, e.g. --epochs {2 * state.epoch}",
                )
            ]
        )
    rows = [r for r in read_rows(paths.metrics) if int(r["epoch"]) <= state.epoch]
    return dataclasses.replace(state, early_stopping=None), rows, parent
