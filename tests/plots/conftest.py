"""Fixtures of the plot tests: a seeded generator and synthetic histories."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import plots_fixtures  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def cls_history(rng):
    return plots_fixtures.classification_history(rng, epochs=12)


@pytest.fixture
def reg_history(rng):
    return plots_fixtures.regression_history(rng, epochs=10)


@pytest.fixture
def diverged(rng):
    return plots_fixtures.diverged_history(rng, epochs=7)
