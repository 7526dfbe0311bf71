"""The one way to rebuild a trained network from its run folder.

:func:`load_trained` reads the folder's ``config.yaml`` (the layers, activations,
dropout and dtype) and ``model.npz`` (the weights, which also give the layer sizes), so
no data set is loaded and nothing else is read: a run started from other weights
(``training.init_from``) or continued from another run is rebuilt from its own
``model.npz``, whether those other files still exist or not.  ``Run.network``, ``nnexp
eval`` and the recomputed confusion matrix all go through it.
"""

from __future__ import annotations

from pathlib import Path

from nnexp.build import build_trained
from nnexp.engine.network import Network
from nnexp.errors import RunError
from nnexp.runs.checkpoint import load_weights
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import effective_status, read_record, run_spec
from nnexp.spec.models import RunSpec


def load_trained(run_dir: str | Path, *, spec: RunSpec | None = None) -> Network:
    """The trained network of the run folder ``run_dir`` (``config.yaml`` +
    ``model.npz``); ``spec`` is the folder's spec when the caller has read it
    already (it is not validated twice).

    Raises RunError for a folder without config.yaml, or without model.npz (a run
    that has not ended yet, or failed before its first epoch).
    """
    paths = RunPaths(Path(run_dir))
    spec = spec if spec is not None else run_spec(paths.root)
    if not paths.model.is_file():
        record = read_record(paths.root)
        status = effective_status(record) if record is not None else "unknown"
        raise RunError(
            f"{paths.root} has no model.npz (run status: {status}); only a run that"
            " ended (completed, diverged or interrupted) has saved weights"
        )
    return build_trained(spec, load_weights(paths.model))
