"""A run's summary assembled: what is known at its start, then how it ended.

:func:`start_record` holds the spec, the data set and the network before training
(with the environment that decides the numbers); :func:`end_record` adds the
trainer's outcome. Both return a :class:`~nnexp.runs.summary.Summary`, which
:class:`~nnexp.runs.writer.RunWriter` writes as ``summary.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnexp.runs import environment
from nnexp.runs.summary import Summary, clean
from nnexp.spec.dump import spec_to_dict
from nnexp.spec.models import RunSpec
from nnexp.training.findings import Thresholds, findings
from nnexp.training.history import best_epoch as best_epoch_of
from nnexp.training.trainer import FitResult

#: metrics.csv columns that the summary's ``final`` and ``best`` rows keep (by prefix)
METRIC_PREFIXES = ("epoch", "train_", "val_", "lr", "penalty")


def start_record(
    spec: RunSpec, info: Any, network: Any, overrides: Sequence[str]
) -> Summary:
    """The summary before training: ``spec`` with its ``overrides``, the data set's
    ``info`` (a ``DatasetInfo``), the ``network``'s sizes and the environment (call
    it inside ``environment.pinned_threads`` to record the thread count in force)."""
    return Summary(
        name=spec.name,
        seed=spec.seed,
        tags=list(spec.tags),
        overrides=list(overrides),
        dataset={
            "name": info.name,
            "task": info.task,
            "sizes": dict(info.sizes),
            "source": str(info.source),
            "notes": list(info.notes),
            "n_features": info.n_features,
            "n_outputs": info.n_outputs,
        },
        model={"sizes": network.sizes, "parameters": network.n_params()},
        epochs_planned=spec.training.epochs,
        environment=environment.current(spec_to_dict(spec)),
    )


def end_record(
    record: Summary,
    result: FitResult,
    n_train: int,
    thresholds: dict[str, Any] | None = None,
    frame: Any = None,
) -> Summary:
    """``record`` with how the training ended: status, epochs, the best epoch (early
    stopping's, else :func:`nnexp.training.history.best_epoch`), the final and best
    rows' metrics, test metrics, speed (``n_train`` training samples an epoch) and
    the findings (:mod:`nnexp.training.findings`, with ``thresholds`` by name).
    ``frame``: the history as a table, if the caller has it (metrics.csv read back:
    the same numbers), else ``result.frame``."""
    frame = result.frame if frame is None else frame
    done = frame[frame["epoch"] <= result.epochs] if len(frame) else frame
    final = done.iloc[-1].to_dict() if len(done) else {}
    best_epoch = result.best_epoch or best_epoch_of(done)
    best = done[done["epoch"] == best_epoch].iloc[0].to_dict() if best_epoch else {}
    train_seconds = float(done["train_seconds"].sum()) if len(done) else 0.0
    return record.updated(
        status=result.status,
        message=result.message,
        epochs=result.epochs,
        best_epoch=best_epoch,
        stopped_early=result.stopped_early,
        final=clean(metrics_only(final)),
        best=clean(metrics_only(best)),
        test=clean(result.test),
        train_seconds=train_seconds,
        samples_per_second=(n_train * len(done) / train_seconds)
        if train_seconds > 0
        else None,
        findings=[
            clean(f.to_dict())
            for f in findings(frame, Thresholds().with_values(thresholds or {}))
        ],
    )


def metrics_only(row: dict[str, Any]) -> dict[str, Any]:
    """A metrics.csv row without its timings (``epoch`` as a whole number)."""
    return {
        k: (int(v) if k == "epoch" else v)
        for k, v in row.items()
        if k.startswith(METRIC_PREFIXES) and k != "train_seconds"
    }
