"""An activation that raises every floating-point error beyond 1e200, for the tests
that the training loop and evaluation keep those errors silent."""

from __future__ import annotations

import numpy as np


class Fragile:
    """The identity, except that beyond 1e200 it overflows, divides by zero and makes
    inf·0: each of the three floating-point errors the loop must silence."""

    def forward(self, z):
        big = z > 1e200
        over = np.exp(np.where(big, z, 0.0)) - 1.0
        invalid = np.where(big, np.inf, 0.0) * 0.0
        divide = np.where(big, 1.0, 0.0) / np.where(big, 0.0, 1.0)
        return z + over + invalid + divide

    def derivative(self, z, a):
        return np.ones_like(z)
