"""Fixtures for the sweep tests: a tiny classification spec, sweep planning helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sweep_helpers import BOOM, TINY

from nnexp.spec.components import KINDS, registry_for


@pytest.fixture(autouse=True)
def _forget_plugins():
    """Plugins loaded by a test register globally; drop them afterwards."""
    registries = [registry_for(kind) for kind in KINDS]
    saved = [(dict(r._entries), dict(r._lookup)) for r in registries]
    yield
    for r, (entries, lookup) in zip(registries, saved, strict=True):
        r._entries.clear()
        r._entries.update(entries)
        r._lookup.clear()
        r._lookup.update(lookup)


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
