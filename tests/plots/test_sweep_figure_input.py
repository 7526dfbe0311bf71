"""A sweep's curve figures read only the history columns they draw, and draw from
them exactly what they draw from the whole metrics.csv."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from plots_fixtures import regression_history

from nnexp.plots.series import default_columns
from nnexp.runs.reader import load_run
from nnexp.sweep.plots import SweepPlotInput, _grouped

KEYS = {"model.activation": "activation", "model.layers": "layers"}


def write_cell(folder: Path, history: pd.DataFrame) -> None:
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps({"status": "completed"}))
    (folder / "config.yaml").write_text("name: cell\nloss: mse\n")
    history.to_csv(folder / "metrics.csv", index=False)


def sweep_folder(tmp_path: Path, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for act in ("relu", "abs"):
        for layers in ("[2, 3, 3]", "[2, 10, 3]"):
            for seed in range(3):
                cell = f"{act},{layers},{seed}"
                history = regression_history(rng, epochs=40)
                if (act, seed) == ("relu", 2):  # diverged in its last epoch
                    history.loc[39, ["train_loss", "val_loss"]] = np.inf
                write_cell(tmp_path / cell, history)
                rows.append(
                    {"cell": cell, "model.activation": act, "model.layers": layers,
                     "seed": seed, "status": "completed"}
                )  # fmt: skip
    # diverged in its first epoch: nothing to draw, left out of the curves
    write_cell(
        tmp_path / "first",
        pd.DataFrame({"epoch": [1], "train_loss": [np.nan], "val_loss": [np.nan]}),
    )
    rows.append({"cell": "first", "model.activation": "relu",
                 "model.layers": "[2, 3, 3]", "seed": 9, "status": "diverged"})  # fmt: skip
    return pd.DataFrame(rows)


def plot_input(folder: Path, frame: pd.DataFrame, runs=None) -> SweepPlotInput:
    inputs = SweepPlotInput(folder, None, frame)  # type: ignore[arg-type]
    inputs.__dict__.update(keys=list(KEYS), short=KEYS, numeric=[])
    if runs is not None:
        inputs.__dict__["runs"] = runs
    return inputs


def drawn(fig) -> list[tuple[str, np.ndarray]]:
    """Every line's and band's coordinates, panel by panel."""
    out = []
    for ax in fig.axes:
        out += [(line.get_label(), np.asarray(line.get_xydata())) for line in ax.lines]
        out += [
            ("band", np.concatenate([p.vertices for p in c.get_paths()]))
            for c in ax.collections
        ]
        out.append((ax.get_title(), np.array([ax.get_xlim(), ax.get_ylim()])))
    return out


def test_the_runs_hold_the_columns_the_curves_read(tmp_path, rng):
    frame = sweep_folder(tmp_path, rng)
    runs = plot_input(tmp_path, frame).runs
    assert "first" not in runs and len(runs) == 12
    written = pd.read_csv(tmp_path / frame["cell"][0] / "metrics.csv").columns
    kept = [c for c in written if c in default_columns()]
    assert len(kept) < len(written)  # lr, seconds and the layers' columns are not read
    assert all(list(run.history.columns) == kept for run in runs.values())
    assert {run.config["loss"] for run in runs.values()} == {"mse"}


def test_the_figures_are_those_of_the_whole_histories(tmp_path, rng):
    frame = sweep_folder(tmp_path, rng)
    some = plot_input(tmp_path, frame)
    whole = plot_input(
        tmp_path, frame, runs={name: load_run(tmp_path / name) for name in some.runs}
    )
    for key in KEYS:
        got, want = drawn(_grouped(some, key)), drawn(_grouped(whole, key))
        assert [label for label, _ in got] == [label for label, _ in want]
        assert any(label == "_diverged" for label, _ in got)  # the × is drawn
        for (_, a), (_, b) in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)
