"""The teaching experiments: ``probe`` random networks (E6, ``nnexp probe``) and
optimiser paths on a 2-D ``landscape`` (E7, ``nnexp landscape``).

::

    import nnexp
    grid = nnexp.probe("5,5,5,5", activations=["tanh", "relu"], draws=3)
    grid.figure()                                   # a matplotlib Figure
    result = nnexp.landscape("configs/landscape_e7.yaml", runs_dir="runs")
    trained = nnexp.landscape_runs(["runs/…_quickstart", "runs/…_quickstart"])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nnexp.analysis.trained_landscape import (
    Evaluator,
    Progress,
    RunLandscape,
    StudySettings,
    study,
    write_study,
)
from nnexp.errors import RunError
from nnexp.runner.train import prepare
from nnexp.runner.trained import load_trained
from nnexp.runs.checkpoint import load_weights
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import load_run, read_record, run_spec
from nnexp.runs.snapshots import run_weights
from nnexp.teaching.landscape import (
    LandscapeResult,
    landscape,
    landscape_title,
    output_folder,
    start_label,
)
from nnexp.teaching.probe import DEFAULT_ACTIVATIONS, ProbeResult, probe

__all__ = [
    "DEFAULT_ACTIVATIONS",
    "LandscapeResult",
    "ProbeResult",
    "RunLandscape",
    "StudySettings",
    "landscape",
    "landscape_runs",
    "landscape_title",
    "probe",
    "start_label",
]


def landscape_runs(
    runs: Sequence[str | Path],
    *,
    settings: StudySettings | None = None,
    runs_dir: str | Path = "runs",
    out: str | Path | None = None,
    progress: Progress | None = None,
) -> RunLandscape:
    """``nnexp landscape RUN [RUN2]``: the loss landscape around trained runs (see
    :mod:`nnexp.analysis.trained_landscape`), on a seeded subset of the first run's
    training data, written to ``out`` (new or empty) or a fresh
    ``<runs_dir>/<stamp>_landscape_<name>``.

    RunError for more than two runs, a folder without config.yaml or model.npz, or
    runs of different architectures.
    """
    settings = settings or StudySettings()
    folders = [Path(r) for r in runs]
    if not 1 <= len(folders) <= 2:
        raise RunError(
            f"nnexp landscape takes one run (its own landscape) or two (and the barrier"
            f" between them); got {len(folders)}"
        )
    spec = run_spec(folders[0])
    splits, info, built, _ = prepare(spec)
    finals = []
    for folder in folders:
        if not RunPaths(folder).model.is_file():
            load_trained(folder)  # says why there are no weights
        finals.append(load_weights(RunPaths(folder).model))
    initial = None
    if RunPaths(folders[0]).initial.is_file():
        initial = load_weights(RunPaths(folders[0]).initial)
    kept = run_weights(folders[0])
    record = read_record(folders[0])
    last = record.epochs if record is not None and record.epochs else None
    kept[last if last is not None else max(kept, default=0) + 1] = finals[0]
    train = splits.train
    rng = np.random.default_rng(settings.seed)
    n = min(settings.samples, len(train.x))
    pick = np.sort(rng.permutation(len(train.x))[:n])
    evaluator = Evaluator(
        built.network, built.loss, train.x[pick], train.y[pick],
        None if train.labels is None else train.labels[pick],
    )  # fmt: skip
    names = [load_run(f).name for f in folders]
    if len(set(names)) < len(names):
        names = [
            f"{name} ({f.name[:19]})" for name, f in zip(names, folders, strict=True)
        ]
    try:
        result = study(evaluator, names, finals, initial, kept, settings,
                       str(info.task), progress or (lambda *a: None))  # fmt: skip
    except ValueError as err:
        raise RunError(str(err)) from None
    folder = output_folder(
        f"landscape_{spec.name}", Path(runs_dir), None if out is None else Path(out)
    )
    write_study(result, folder)
    result.folder = folder
    return result
