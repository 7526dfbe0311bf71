"""Landscapes of trained runs (issue 15): the maths on closed forms, the command on
tiny runs, and its refusals."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from cli_helpers import QUICKSTART, small
from typer.testing import CliRunner

from nnexp import api
from nnexp.analysis import trained_landscape as tl
from nnexp.cli.app import app
from nnexp.engine.losses import LOSSES
from nnexp.engine.network import build_network


def test_filter_normalised_directions_match_each_units_weight_norm():
    rng = np.random.default_rng(0)
    w = {"W1": rng.normal(size=(5, 3)) * [1.0, 10.0, 0.1], "b1": np.ones(3)}
    d = tl.filter_normalised_direction(w, np.random.default_rng(1))
    np.testing.assert_allclose(np.linalg.norm(d["W1"], axis=0),
                               np.linalg.norm(w["W1"], axis=0))  # fmt: skip
    assert not d["b1"].any()


def _evaluator(seed: int = 0) -> tuple[tl.Evaluator, dict, dict]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(40, 2))
    y = np.sin(x[:, :1])
    net = build_network([2, 4, 1], activation="tanh", rng=np.random.default_rng(1))
    a = net.get_weights()
    b = build_network([2, 4, 1], activation="tanh",
                      rng=np.random.default_rng(2)).get_weights()  # fmt: skip
    return tl.Evaluator(net, LOSSES.build("mse"), x, y, None), a, b


def test_a_line_starts_and_ends_at_its_weights():
    ev, a, b = _evaluator()
    frame = tl.line(ev, a, b, np.array([0.0, 0.5, 1.0]))
    assert frame["loss"].iloc[0] == ev(a)[0]
    assert frame["loss"].iloc[2] == pytest.approx(ev(b)[0], rel=1e-12)
    middle = {k: (a[k] + b[k]) / 2 for k in a}
    assert frame["loss"].iloc[1] == pytest.approx(ev(middle)[0], rel=1e-12)
    assert frame["accuracy"].isna().all()  # a regression has no accuracy


def test_the_barrier_is_the_rise_above_the_straight_line_between_the_ends():
    t = np.linspace(-0.25, 1.25, 7)  # -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25
    loss = np.array([9.0, 1.0, 2.5, 4.0, 2.5, 3.0, 9.0])
    acc = np.array([0.0, 0.9, 0.7, 0.5, 0.8, 0.9, 0.0])
    got = tl.barrier(pd.DataFrame({"t": t, "loss": loss, "accuracy": acc}))
    assert got["loss_barrier"] == pytest.approx(4.0 - 2.0)  # straight line: 2 at t=½
    assert got["accuracy_barrier"] == pytest.approx(0.4)
    straight = pd.DataFrame({"t": t, "loss": 1.0 + t, "accuracy": 0.5 + 0 * t})
    assert tl.barrier(straight)["loss_barrier"] == pytest.approx(0.0, abs=1e-12)


def test_a_trajectory_in_a_plane_is_explained_by_two_directions():
    final = {"W1": np.zeros((2, 2)), "b1": np.zeros(2)}
    u = np.array([1.0, 0, 0, 0, 0, 0])
    v = np.array([0, 0, 0, 1.0, 0, 0])
    kept = {}
    for e, (p, q) in enumerate([(4, 3), (2, 1), (1, 0.5), (0.5, 0.0), (0, 0)]):
        flat = p * u + q * v
        kept[e] = {"W1": flat[:4].reshape(2, 2), "b1": flat[4:]}
    path = tl.trajectory(kept, final)
    assert path.explained.sum() == pytest.approx(1.0)
    rebuilt = path.coords @ np.stack([np.r_[d["W1"].ravel(), d["b1"]]
                                      for d in path.directions])  # fmt: skip
    flats = [np.r_[kept[e]["W1"].ravel(), kept[e]["b1"]] for e in kept]
    np.testing.assert_allclose(rebuilt, np.stack(flats), atol=1e-12)


def test_weights_of_other_shapes_are_refused_by_name():
    with pytest.raises(ValueError, match="different architectures"):
        tl.check_same_shapes({"a": {"W1": np.zeros((2, 3))},
                              "b": {"W1": np.zeros((2, 4))}})  # fmt: skip


# the command -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    runs = tmp_path_factory.mktemp("landscape_runs")
    made = [
        api.run(
            QUICKSTART, small("output.snapshots=3", epochs=2), runs_dir=runs, seed=seed
        )  # fmt: skip
        for seed in (0, 1)
    ]
    return [r.path for r in made]


def test_the_landscape_of_two_runs(two_runs, tmp_path):
    out = tmp_path / "land"
    result = CliRunner().invoke(app, ["landscape", *map(str, two_runs), "-o", str(out),
                                      "--grid", "3", "--samples", "50"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["samples"] == 50 and summary["plane"]["grid"] == 3
    assert summary["trajectory"]["epochs"] == [0, 1, 2]
    assert set(summary["plots"]) == {"lines.png", "plane.png", "trajectory.png"}
    lines = pd.read_csv(out / "lines.csv")
    assert lines["line"].nunique() == 2
    assert summary["barrier"]["loss_barrier"] >= 0
    assert "barrier between the runs" in result.stdout


def test_runs_of_other_architectures_exit_2(two_runs, tmp_path):
    other = api.run(QUICKSTART, small("model.layers=[784, 8, 10]"), runs_dir=tmp_path)
    result = CliRunner().invoke(app, ["landscape", str(two_runs[0]), str(other.path),
                                      "-o", str(tmp_path / "x")])  # fmt: skip
    assert result.exit_code == 2 and "different architectures" in result.output


def test_a_run_without_weights_exits_2(two_runs, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(two_runs[0], copy)
    (copy / "model.npz").unlink()
    result = CliRunner().invoke(
        app, ["landscape", str(copy), "-o", str(tmp_path / "x")]
    )
    assert result.exit_code == 2 and "has no model.npz" in result.output


def test_three_runs_exit_2(two_runs, tmp_path):
    args = [
        "landscape",
        *map(str, two_runs),
        str(two_runs[0]),
        "-o",
        str(tmp_path / "x"),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "one run" in result.output
