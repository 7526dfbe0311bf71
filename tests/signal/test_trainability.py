"""The trainability experiment: configs/sweeps/trainability_depth.yaml shortened to a
2 × 2 grid of tiny networks, read by ``nnexp signal --sweep`` into the figure with
6 ξ_c; and the reader's refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import nnexp
from nnexp.errors import NnexpError
from nnexp.signal.setup import activation_setup
from nnexp.signal.trainability import check_matches, trainability_grid

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "sweeps"
SWEEP = CONFIG / "trainability_depth.yaml"


def test_the_shipped_grid_is_schoenholz_s_thirteen_by_eight():
    grid = yaml.safe_load(SWEEP.read_text())["grid"]
    weights = grid["model.initializer.weight_variance"]
    assert weights[0] == 1.0 and weights[-1] == 4.0 and len(weights) == 13
    depths = grid["model.hidden"]
    assert [int(k) for k in depths] == [10, 20, 30, 40, 50, 60, 80, 100]
    assert all(v == [100] * int(k) for k, v in depths.items())


@pytest.fixture(scope="module")
def short_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The experiment on 300 digits, 1 epoch, width 16, depths 2 and 4, σ_w² 1 and 4."""
    tmp = tmp_path_factory.mktemp("trainability")
    raw = yaml.safe_load(SWEEP.read_text())
    raw["grid"] = {
        "model.initializer.weight_variance": [1.0, 4.0],
        "model.hidden": {"2": [16, 16], "4": [16] * 4},
    }
    raw["base"]["dataset"]["limit"] = 300
    raw["base"]["training"]["epochs"] = 1
    spec = tmp / "short.yaml"
    spec.write_text(yaml.safe_dump(raw))
    result = nnexp.run_sweep(spec, jobs=1, runs_dir=tmp / "runs")
    assert (result.frame["status"] == "completed").all()
    return Path(result.folder)


def test_signal_draws_the_sweep_under_six_xi_c(short_sweep, tmp_path):
    result = nnexp.signal_propagation("tanh", sigma_b2=0.05, sweep=short_sweep,
                                      draws=0, grid=(3, 2), out=tmp_path / "out")  # fmt: skip
    grid = result.trainability
    assert grid.sigma_w2.tolist() == [1.0, 4.0] and grid.depth.tolist() == [2.0, 4.0]
    assert grid.accuracy.shape == (2, 2) and np.all(
        (grid.accuracy >= 0) & (grid.accuracy <= 1)
    )
    assert grid.activation == "tanh" and grid.sigma_b2 == 0.05 and grid.epochs == 1
    assert grid.cells == 4 and grid.seconds > 0
    data = json.loads((tmp_path / "out" / "signal.json").read_text())
    block = data["trainability"]
    assert block["depth"] == [2.0, 4.0] and len(block["theory"]["xi_c"]) == 60
    assert (tmp_path / "out" / "plots" / "trainability.png").stat().st_size > 10_000


def test_a_sweep_of_another_activation_or_bias_is_refused(short_sweep):
    with pytest.raises(NnexpError, match="trained tanh at σ_b² = 0.05"):
        nnexp.signal_propagation("relu", sigma_b2=0.05, sweep=short_sweep, draws=0,
                                 grid=(2, 2), write=False)  # fmt: skip
    with pytest.raises(NnexpError, match="--sigma-b2 0.05"):
        nnexp.signal_propagation("tanh", sigma_b2=0.1, sweep=short_sweep, draws=0,
                                 grid=(2, 2), write=False)  # fmt: skip


def test_a_folder_that_is_not_a_sweep_is_named(tmp_path):
    with pytest.raises(NnexpError, match="not a sweep folder"):
        nnexp.signal_propagation("tanh", sweep=tmp_path, write=False)


def _frame(**columns) -> pd.DataFrame:
    base = {
        "model.initializer.weight_variance": [1.0, 2.0, 1.0, 2.0],
        "model.hidden": ["10", "10", "20", "20"],
        "final_val_accuracy": [0.9, 0.8, 0.1, 0.7],
        "status": ["completed"] * 4,
        "wall_seconds": [1.0] * 4,
        "epochs": [3] * 4,
    }
    return pd.DataFrame({**base, **columns})


def test_the_grid_averages_seeds_and_skips_cells_that_did_not_complete():
    frame = pd.concat([_frame(), _frame(final_val_accuracy=[0.7, 0.6, 0.3, 0.5])])
    frame.iloc[-1, frame.columns.get_loc("status")] = "failed"
    grid = trainability_grid(frame, "f", "tanh", 0.05)
    assert grid.accuracy.tolist() == [[0.8, 0.7], [0.2, 0.7]]  # seeds averaged
    assert grid.cells == 7 and grid.seconds == 7.0 and grid.epochs == 3


def test_depth_labels_must_be_numbers_and_columns_must_be_there():
    with pytest.raises(NnexpError, match="label them by their depth"):
        trainability_grid(_frame(**{"model.hidden": ["a", "b", "c", "d"]}), "f",
                          "tanh", 0.05)  # fmt: skip
    with pytest.raises(NnexpError, match="have no model.initializer.weight_variance"):
        trainability_grid(_frame().drop(columns="model.initializer.weight_variance"),
                          "f", "tanh", 0.05)  # fmt: skip
    grid = trainability_grid(_frame(), "f", "tanh", 0.05)
    check_matches(grid, activation_setup("tanh", depth=2, width=4))
    with pytest.raises(NnexpError, match="trained tanh"):
        check_matches(grid, activation_setup("relu", depth=2, width=4, sigma_b2=0.05))
