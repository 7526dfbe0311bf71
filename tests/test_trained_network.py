"""One way to rebuild a trained network from its folder, used by every reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

import nnexp
from nnexp.analysis.confusion import recompute_confusion

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "configs" / "quickstart.yaml"
SMALL = ["dataset.limit=300", "model.layers=[784, 16, 10]", "output.plots=false"]


def test_the_confusion_matrix_of_a_run_started_from_weights_that_are_gone(tmp_path):
    base = nnexp.run(SPEC, [*SMALL, "training.epochs=1"], runs_dir=tmp_path / "a")
    weights = tmp_path / "init.npz"
    shutil.copy(base.path / "model.npz", weights)
    child = nnexp.run(
        SPEC,
        [*SMALL, "training.epochs=1", f"training.init_from={weights}"],
        runs_dir=tmp_path / "b",
    )
    weights.unlink()  # the run's own model.npz is all a reader needs
    figure = recompute_confusion(nnexp.load_run(child.path))
    counts = np.asarray(figure.axes[0].images[0].get_array())
    assert counts.sum() > 0
