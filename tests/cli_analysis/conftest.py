"""Fixtures of the CLI tests of plot, compare, report and gallery (shared with
tests/analysis through its analysis_fixtures module)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "analysis"))

import analysis_fixtures as fx  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


@pytest.fixture
def cli(monkeypatch, tmp_path):
    """``cli("compare", path, ...)`` → click Result, run in ``tmp_path`` as cwd."""
    from nnexp.cli.app import app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: object):
        return runner.invoke(app, [str(a) for a in args])

    return invoke


@pytest.fixture
def sweep(tmp_path: Path, rng) -> Path:
    grid = {
        "model.activation.name": ["relu", "tanh", "abs"],
        "optimizer.name": ["sgd", "adam"],
    }
    return fx.write_sweep(tmp_path / "sweeps", rng, grid=grid, seeds=2, name="act_opt")


@pytest.fixture
def run_a(tmp_path: Path, rng) -> Path:
    return fx.write_run(
        tmp_path / "run_a",
        fx.make_config(),
        fx.make_history(rng),
        test={"loss": 0.2, "accuracy": 0.9},
    )


@pytest.fixture
def run_b(tmp_path: Path, rng) -> Path:
    config = fx.make_config(model__activation__name="relu")
    return fx.write_run(
        tmp_path / "run_b",
        config,
        fx.make_history(rng, quality=0.95),
        test={"loss": 0.1, "accuracy": 0.95},
    )
