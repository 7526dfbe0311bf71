"""Fixtures of the signal tests: the command line in-process."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from nnexp.cli.app import app


@pytest.fixture
def cli() -> Callable[..., object]:
    """``cli("signal", "tanh", ...)``: exit code, stdout and stderr kept apart."""
    runner = CliRunner()

    def invoke(*args: str | os.PathLike[str]):
        env = {"COLUMNS": "200"}
        return runner.invoke(app, [str(a) for a in args], env=env)

    return invoke
