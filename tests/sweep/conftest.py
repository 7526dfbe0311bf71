"""Fixtures for the sweep tests: a tiny classification spec, sweep planning helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sweep_helpers import BOOM, TINY


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """The tiny run spec as a file."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


@pytest.fixture
def boom(tmp_path: Path) -> str:
    """A plugin reference to the failing activation."""
    path = tmp_path / "boom.py"
    path.write_text(BOOM)
    return f"{path}:Boom"
