"""Every shipped spec in configs/ runs, shortened (issue 8: each reproduction spec runs
in the test suite).  Train specs go through ``nnexp.api.run``; sweep specs through the
``nnexp sweep`` command with one combination, one seed and one epoch."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import nnexp
from nnexp.cli.app import app

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
FASHION = Path("/usr/share/datasets/fashion-mnist")

#: shortening per data set: the full MNIST is not on this machine (offline), so its
#: specs run on the bundled digits
SHORT = {
    "mnist": ["dataset.name=mnist_10k", "dataset.limit=500"],
    "mnist_10k": ["dataset.limit=500"],
    "fashion_mnist": ["dataset.limit=2000"],
}


def train_specs() -> list[Path]:
    return sorted(
        p for p in CONFIGS.glob("*.yaml") if not p.name.startswith("landscape")
    )


@pytest.mark.parametrize("spec", train_specs(), ids=lambda p: p.name)
def test_every_train_spec_runs_shortened(spec: Path, tmp_path: Path) -> None:
    raw = yaml.safe_load(spec.read_text())
    dataset = (
        raw["dataset"]["name"] if isinstance(raw["dataset"], dict) else raw["dataset"]
    )
    if dataset == "fashion_mnist" and not FASHION.is_dir():
        pytest.skip(
            "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
        )
    epochs = 20 if dataset == "logic_gates" else 1
    overrides = [
        *SHORT.get(dataset, []),
        f"training.epochs={epochs}",
        "output.plots=false",
    ]
    run = nnexp.run(spec, overrides=overrides, runs_dir=tmp_path)
    assert run.summary["status"] == "completed", run.summary
    assert len(run.history) == epochs
    assert math.isfinite(run.history["train_loss"].iloc[-1])
    assert (run.path / "model.npz").is_file()


@pytest.mark.parametrize(
    "spec", sorted((CONFIGS / "sweeps").glob("*.yaml")), ids=lambda p: p.name
)
def test_every_sweep_spec_runs_one_short_cell(spec: Path, tmp_path: Path) -> None:
    raw = yaml.safe_load(spec.read_text())
    text = yaml.safe_dump(raw)
    short = ["training.epochs=1", "output.plots=false"]
    if "mnist" in text:
        short.append("dataset.limit=300")
    elif "logic_gates" in spec.name:
        short[0] = "training.epochs=5"
    args = [
        "sweep", str(spec), "--max-trials", "1", "--seeds", "1", "-j", "1",
        "--runs-dir", str(tmp_path), *short,
    ]  # fmt: skip
    env = {**os.environ, "COLUMNS": "200"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    (results,) = tmp_path.glob("sweeps/*/results.csv")
    frame = pd.read_csv(results)
    assert len(frame) == 1
    assert frame["status"].iloc[0] in ("completed", "diverged")
