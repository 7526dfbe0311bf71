"""A classification run's confusion matrix, for the report.

Preferred: the run's own ``plots/confusion.png``, drawn by the run writer when the run
ended.  Otherwise it is recomputed: the network is rebuilt from ``config.yaml``, its
weights read from ``model.npz``, and it predicts the test split (the validation split
when the data set has no test split) of the data set, loaded as the run loaded it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnexp.errors import NnexpError
from nnexp.plots import figure_bytes, make_confusion
from nnexp.runs.reader import Run


def confusion_png(run: Run, *, dpi: int = 110) -> tuple[bytes | None, str | None]:
    """PNG bytes of the run's confusion matrix, or None and the reason why not."""
    stored = run.paths.plots / "confusion.png"
    if stored.is_file():
        return stored.read_bytes(), None
    if not run.paths.model.is_file():
        why = (
            "it is still running" if run.status == "running" else f"it is {run.status}"
        )
        return None, f"no model.npz to predict with ({why})."
    try:
        fig = recompute_confusion(run)
    except (NnexpError, OSError, ValueError) as err:
        return None, f"could not recompute it: {err}"
    return figure_bytes(fig, "png", dpi=dpi), None


def recompute_confusion(run: Run) -> Any:
    """The confusion-matrix figure of the saved network on the test split.

    Imports the training side of the library lazily: only a run without its own
    ``plots/confusion.png`` needs the data set and the engine.
    """
    from nnexp.engine.metrics import predicted_labels
    from nnexp.runner.train import load_data
    from nnexp.runs.reader import run_spec

    splits, info = load_data(run_spec(run.path))
    network = run.network  # config.yaml + model.npz, whatever init_from said
    split, which = _evaluation_split(splits)
    with np.errstate(all="ignore"):  # a diverged network predicts NaN: count it as is
        scores = network.predict(split.x)
    guesses = predicted_labels(scores)
    title = f"{run.name}: confusion matrix ({which} split, recomputed)"
    return make_confusion(
        split.labels, guesses, class_names=info.class_names, title=title
    )


def _evaluation_split(splits: Any) -> tuple[Any, str]:
    for name in ("test", "val", "train"):
        split = getattr(splits, name, None)
        if split is not None:
            return split, {"val": "validation", "train": "training"}.get(name, name)
    raise NnexpError("the data set has no split to evaluate on.")
