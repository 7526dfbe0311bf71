"""Fixtures for the sweep tests: a tiny classification spec, sweep planning helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnexp.spec.components import KINDS, registry_for

#: blobs (300 points, 2 features, 3 classes), a 2-8-3 softmax network: a run of two
#: epochs takes a few hundredths of a second
TINY = """\
name: tiny
seed: 0
dataset: {name: blobs, n: 300}
model: {hidden: [8], activation: relu, output_activation: softmax}
loss: cross_entropy
optimizer: {name: sgd, lr: 0.1}
training: {epochs: 2, batch_size: 16}
output: {plots: false}
"""

#: a plugin activation whose forward raises: a cell that fails at run time
BOOM = """\
from dataclasses import dataclass


@dataclass(frozen=True)
class Boom:
    def forward(self, z):
        raise RuntimeError("boom in forward")

    def derivative(self, z, a):
        return z
"""


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
