"""Shared pytest fixtures (keep it small: one folder's helpers live in that folder)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from nnexp.registry import plugins_forgotten_after


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh generator with a fixed seed for every test: reproducible and isolated."""
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def forget_plugins() -> Iterator[None]:
    """Plugins register globally: every registry is restored after each test, so a
    plugin a test loaded stays out of every other test's view of the registries."""
    with plugins_forgotten_after():
        yield
