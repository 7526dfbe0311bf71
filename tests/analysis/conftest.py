"""Fixtures of the analysis tests: synthetic run and sweep folders (no training)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import analysis_fixtures as fx  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


@pytest.fixture
def sweep2d(tmp_path: Path, rng) -> Path:
    """activation (relu, tanh, abs) × optimizer (sgd, adam) × 3 seeds."""
    grid = {
        "model.activation.name": ["relu", "tanh", "abs"],
        "optimizer.name": ["sgd", "adam"],
    }
    return fx.write_sweep(tmp_path / "sweeps", rng, grid=grid, seeds=3, name="act_opt")


@pytest.fixture
def sweep1d(tmp_path: Path, rng) -> Path:
    """activation (relu, tanh, abs) × 3 seeds."""
    return fx.write_sweep(tmp_path / "sweeps1", rng, seeds=3, name="act")


@pytest.fixture
def runs_dir(tmp_path: Path, rng) -> Path:
    """Three classification runs that differ in activation and optimizer."""
    root = tmp_path / "runs"
    settings = [("tanh", "sgd", 0.9), ("relu", "adam", 0.95), ("abs", "sgd", 0.85)]
    for i, (act, opt, quality) in enumerate(settings):
        config = fx.make_config(
            model__activation__name=act, optimizer__name=opt, name=f"run{i}"
        )
        fx.write_run(
            root / f"2026-01-01_00-00-0{i}_run{i}",
            config,
            fx.make_history(rng, quality=quality),
            test={"loss": 0.2, "accuracy": quality + 0.01},
        )
    return root


@pytest.fixture
def regression_run(tmp_path: Path, rng) -> Path:
    return fx.write_run(
        tmp_path / "reg",
        fx.REGRESSION_CONFIG,
        fx.make_history(rng, task="regression"),
        task="regression",
        test={"loss": 0.01, "mse": 0.02, "max_abs_error": 0.3},
    )
