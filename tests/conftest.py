"""Shared pytest fixtures (keep it small: one folder's helpers live in that folder)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh generator with a fixed seed for every test: reproducible and isolated."""
    return np.random.default_rng(1234)
