"""Shared fixtures for the spec tests: a spec folder with the issue's E3 example."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from spec_helpers import E3


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    """A folder holding ``e3.yaml``."""
    (tmp_path / "e3.yaml").write_text(E3)
    return tmp_path


@pytest.fixture
def e3(spec_dir: Path) -> Path:
    return spec_dir / "e3.yaml"


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """``write("a.yaml", text)`` → the file's path inside the test's folder."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return _write
