"""Real runs trained through ``nnexp.api.run`` on a toy data set, then analysed."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
import pytest

from nnexp.analysis.confusion import recompute_confusion
from nnexp.runs.reader import load_run

SPEC = {
    "name": "e2e",
    "seed": 0,
    "dataset": {"name": "blobs", "n": 300},
    "model": {"hidden": [6], "activation": "tanh", "output_activation": "softmax"},
    "loss": "cross_entropy",
    "optimizer": {"name": "sgd", "lr": 0.1},
    "training": {"epochs": 3, "batch_size": 32},
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """relu and tanh, two seeds each: four real run folders."""
    from nnexp import api

    root = tmp_path_factory.mktemp("e2e") / "runs"
    for activation in ("relu", "tanh"):
        for seed in (0, 1):
            api.run(SPEC, [f"model.activation={activation}"], seed=seed, runs_dir=root)
    return root


def test_compare_reads_what_training_wrote(cli, trained):
    result = cli("compare", trained, "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert len(table) == 4 and set(table["activation"]) == {"relu", "tanh"}
    for row in table.to_dict("records"):
        run = load_run(row["folder"])
        assert row["final_val_accuracy"] == run.history["val_accuracy"].iloc[-1]
        assert row["test_accuracy"] == run.summary["test"]["accuracy"]
        assert row["best_epoch"] == run.summary["best_epoch"]
    grouped = pd.read_csv(
        io.StringIO(cli("compare", trained, "--by", "activation", "-f", "csv").stdout)
    )
    assert list(grouped["n"]) == [2, 2] and grouped["pairs"].fillna(0).tolist()[1] == 2


def test_plot_and_report_of_real_runs(cli, trained, tmp_path):
    assert (
        cli("plot", trained, "--by", "activation", "-o", tmp_path / "c.png").exit_code
        == 0
    )
    result = cli("report", trained, "-o", tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "r.html").read_text()
    for folder in sorted(trained.iterdir()):
        stored = (folder / "plots" / "confusion.png").read_bytes()
        assert base64.b64encode(stored).decode() in text  # each run's own matrix


def test_a_confusion_matrix_is_recomputed_from_the_saved_weights(trained):
    run = load_run(sorted(trained.iterdir())[0])
    fig = recompute_confusion(run)
    counts = np.asarray(fig.axes[0].get_images()[0].get_array())
    assert counts.sum() == run.summary["dataset"]["sizes"]["test"]
    # the same network on the same split: the trainer's test accuracy, exactly
    assert np.trace(counts) / counts.sum() == pytest.approx(
        run.summary["test"]["accuracy"], abs=1e-12
    )
    assert "recomputed" in fig.get_suptitle()


def test_the_report_recomputes_a_missing_confusion_matrix(trained, tmp_path):
    import shutil

    from nnexp.analysis.report import build_report
    from nnexp.analysis.select import select_runs

    copy = shutil.copytree(sorted(trained.iterdir())[0], tmp_path / "copy")
    shutil.rmtree(copy / "plots")
    text = build_report(select_runs([copy]))
    assert "Confusion matrices" in text and "no model.npz" not in text
    assert (
        text.count('src="data:image/png;base64,') == 2
    )  # curves and the recomputed matrix
