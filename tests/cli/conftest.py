"""Fixtures for the CLI tests: a Typer runner, a subprocess runner and one small run.

Runs use ``configs/quickstart.yaml`` made tiny (300 training digits, a 784-16-10
network, one or two epochs, no plots) so that the whole folder stays fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnexp import api
from nnexp.cli.app import app
from nnexp.runs.reader import Run
from nnexp.spec.components import KINDS, registry_for

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "configs" / "quickstart.yaml"
#: overrides that make quickstart a sub-second run (with training.epochs)
SMALL = ("dataset.limit=300", "model.layers=[784, 16, 10]", "output.plots=false")


def small(*extra: str, epochs: int = 1) -> list[str]:
    """The small overrides with ``epochs``, then ``extra`` overrides (which win)."""
    return [*SMALL, f"training.epochs={epochs}", *extra]


@pytest.fixture
def cli() -> Callable[..., object]:
    """``cli("train", ...)`` runs the app in-process; stdout and stderr kept apart."""
    runner = CliRunner()

    def invoke(*args: str | os.PathLike[str]):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)

    return invoke


def run_module(args: Sequence[str | os.PathLike[str]], cwd: Path, timeout: float = 120):
    """``python -m nnexp ARGS`` in a real subprocess (no terminal: plain output)."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "nnexp", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One completed two-epoch run, shared read-only (copy it before changing it)."""
    runs_dir = tmp_path_factory.mktemp("shared_runs")
    return api.run(QUICKSTART, small(epochs=2), runs_dir=runs_dir)


@pytest.fixture
def forget_plugins():
    """Plugins register globally: drop what a test loaded (others see built-ins)."""
    registries = [registry_for(kind) for kind in KINDS]
    saved = [(dict(r._entries), dict(r._lookup)) for r in registries]
    yield
    for r, (entries, lookup) in zip(registries, saved, strict=True):
        r._entries.clear()
        r._entries.update(entries)
        r._lookup.clear()
        r._lookup.update(lookup)
