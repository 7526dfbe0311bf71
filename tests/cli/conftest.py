"""Fixtures for the CLI tests: a Typer runner, one small shared run, plugin cleanup."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from cli_helpers import QUICKSTART, small
from typer.testing import CliRunner

from nnexp import api
from nnexp.cli.app import app
from nnexp.runs.reader import Run


@pytest.fixture
def cli() -> Callable[..., object]:
    """``cli("train", ...)`` runs the app in-process; stdout and stderr kept apart."""
    runner = CliRunner()

    def invoke(*args: str | os.PathLike[str]):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)

    return invoke


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One completed two-epoch run, shared read-only (copy it before changing it)."""
    runs_dir = tmp_path_factory.mktemp("shared_runs")
    return api.run(QUICKSTART, small(epochs=2), runs_dir=runs_dir)
