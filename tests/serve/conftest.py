"""Fixtures of the dashboard tests: synthetic run folders (no training), one real
sweep trained once per session, and a Starlette test client."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="nnexp serve needs the 'serve' extra")

sys.path.insert(0, str(Path(__file__).parent.parent / "analysis"))
sys.path.insert(0, str(Path(__file__).parent))

import analysis_fixtures as fx  # noqa: E402

#: the tiny classification spec the real runs train (blobs, a few epochs)
TOY_SPEC = """\
name: toy
seed: 0
dataset: {name: blobs, validation: 0.2}
model:
  hidden: [8]
  activation: tanh
  output_activation: softmax
loss: cross_entropy
optimizer: {name: sgd, lr: 0.1}
training: {epochs: 3, batch_size: 32}
"""


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(5)


@pytest.fixture
def runs_root(tmp_path: Path, rng) -> Path:
    """Four completed runs: activation tanh and relu, seeds 0 and 1."""
    root = tmp_path / "runs"
    for i, (act, seed, quality) in enumerate(
        [("tanh", 0, 0.9), ("tanh", 1, 0.91), ("relu", 0, 0.95), ("relu", 1, 0.96)]
    ):
        config = fx.make_config(model__activation__name=act, seed=seed, name=f"r{i}")
        fx.write_run(
            root / f"2026-01-01_00-00-0{i}_r{i}",
            config,
            fx.make_history(rng, quality=quality),
            test={"loss": 0.2, "accuracy": quality},
        )
    return root


@pytest.fixture(scope="session")
def real_sweep(tmp_path_factory) -> Path:
    """A real sweep folder (nnexp.run_sweep): activation relu, tanh × seeds 0, 1."""
    import nnexp

    folder = tmp_path_factory.mktemp("sweep")
    spec = folder / "toy.yaml"
    spec.write_text(TOY_SPEC)
    result = nnexp.run_sweep(
        str(spec),
        grid={"model.activation": ["relu", "tanh"]},
        seeds=2,
        jobs=1,
        runs_dir=str(folder / "runs"),
        name="act",
    )
    return Path(result.folder)


@pytest.fixture
def client(runs_root: Path) -> Iterator[object]:
    from starlette.testclient import TestClient

    from nnexp.serve.app import create_app

    with TestClient(create_app(runs_root)) as test_client:
        yield test_client
