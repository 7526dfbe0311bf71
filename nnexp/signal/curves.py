"""The numbers behind the theory's figures: the maps as curves, the phase diagram over
(σ_w², σ_b²) and the depth scales along σ_w².

:func:`theory_curves` computes them for one :class:`~nnexp.signal.setup.Setup`:

* the length map Q(q) on [0, q_hi] and the correlation map C(c) on [−1, 1], at the
  setup's σ_w² and at the critical σ_w² of its σ_b² (when there is one);
* the phase diagram: :func:`~nnexp.signal.meanfield.mean_field_grid` on a grid of
  ``grid = (n_w, n_b)`` points, σ_w² from a quarter to 2.5 times the critical σ_w² at
  σ_b² = 0 (or 0.1 to 4 when there is none), σ_b² from 0 to max(0.3, 2σ_b²), both
  stretched to hold the setup's point;
* the depth scales ξ_q and ξ_c on 2.5·n_w values of σ_w² (60 by default) over the
  same range, at the setup's σ_b².
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnexp.errors import NnexpError
from nnexp.signal.fixed_points import Q_MAX
from nnexp.signal.gains import Critical, critical_weight_variance
from nnexp.signal.maps import (
    Q_TINY,
    VarianceGrid,
    Variances,
    correlation_map,
    length_map,
)
from nnexp.signal.meanfield import MeanField, MeanFieldGrid, mean_field, mean_field_grid
from nnexp.signal.setup import Setup
from nnexp.types import Array

#: points of the curves of the maps
MAP_POINTS = 121
#: values of σ_w² in the depth-scale scan per value in the phase diagram's rows
SCAN_PER_COLUMN = 2.5
#: the phase diagram's default resolution (σ_w² values, σ_b² values)
GRID = (24, 16)


@dataclass(frozen=True)
class MapCurves:
    """Q(q) and C(c) at one σ_w² (``label`` names it in the legend)."""

    label: str
    sigma_w2: float
    q: Array
    length: Array
    c: Array
    correlation: Array
    q_star: float  # where C is evaluated: q*, or the limit the notes name


@dataclass(frozen=True)
class TheoryCurves:
    """Everything the four theory figures draw."""

    setup: Setup
    point: MeanField
    critical: Critical
    maps: tuple[MapCurves, ...]
    phase: MeanFieldGrid
    phase_shape: tuple[int, int]  # (n_b, n_w): rows σ_b², columns σ_w²
    scan: MeanFieldGrid


def theory_curves(setup: Setup, grid: tuple[int, int] = GRID) -> TheoryCurves:
    """The curves and grids of the module docstring."""
    n_w, n_b = check_grid(grid)
    prof, v = setup.profile, setup.variances
    point = mean_field(prof, v, setup.q1)
    critical = critical_weight_variance(prof, v.sigma_b2, setup.q1)
    maps = [_map_curves(setup, v, point, "this network")]
    if critical.sigma_w2 is not None:
        others = [(critical.sigma_w2, "critical")]
        others += [
            (critical.sigma_w2 / 2, "ordered"),
            (critical.sigma_w2 * 2, "chaotic"),
        ]
        for w2, label in others:
            if math.isclose(w2, v.sigma_w2, rel_tol=1e-6):
                continue
            w = Variances(w2, v.sigma_b2)
            try:
                other = mean_field(prof, w, setup.q1)
            except NnexpError:  # the chaotic one may overflow (exp)
                continue
            if other.q_status == "grows":  # its maps at q → ∞ tell little here
                continue
            maps.append(_map_curves(setup, w, other, label))
    w_lo, w_hi = weight_range(setup)
    b_hi = max(0.3, 2 * v.sigma_b2)
    ws = np.linspace(w_lo, w_hi, n_w)
    bs = np.linspace(0.0, b_hi, n_b)
    W, B = np.meshgrid(ws, bs)
    phase = mean_field_grid(prof, VarianceGrid(W.ravel(), B.ravel()), setup.q1)
    scan_w = np.linspace(w_lo, w_hi, max(10, round(SCAN_PER_COLUMN * n_w)))
    scan = mean_field_grid(
        prof, VarianceGrid(scan_w, np.full(scan_w.size, v.sigma_b2)), setup.q1
    )
    return TheoryCurves(setup, point, critical, tuple(maps), phase, (n_b, n_w), scan)


def check_grid(grid: tuple[int, int]) -> tuple[int, int]:
    """``grid`` if it has at least 2 values of σ_w² and of σ_b²."""
    n_w, n_b = grid
    if n_w < 2 or n_b < 2:
        raise NnexpError(
            f"--grid {n_w}x{n_b}: the phase diagram needs at least 2 values of σ_w²"
            " and of σ_b², e.g. --grid 24x16"
        )
    return n_w, n_b


def weight_range(setup: Setup) -> tuple[float, float]:
    """The σ_w² range of the phase diagram and the scan (module docstring)."""
    base = critical_weight_variance(setup.profile, 0.0, setup.q1).sigma_w2
    lo, hi = (0.1, 4.0) if base is None else (base / 4, 2.5 * base)
    w = setup.variances.sigma_w2
    return min(lo, w / 1.3), max(hi, 1.3 * w)


def _map_curves(setup: Setup, v: Variances, point: MeanField, label: str) -> MapCurves:
    prof = setup.profile
    finite = point.q_status in ("finite", "kept") and point.q_star > 0
    top = max(setup.q1, point.q_star if finite else setup.q1)
    q = np.linspace(0.0, 1.6 * top, MAP_POINTS)
    try:
        length = length_map(prof, v, q)
    except NnexpError:
        length = length_map(prof, v, q, strict=False)
    at = point.q_star if finite else _limit_q(point)
    c = np.linspace(-1.0, 1.0, MAP_POINTS)
    vc = v if point.q_status != "grows" else Variances(v.sigma_w2, 0.0)
    correlation = correlation_map(prof, vc, at, c)
    return MapCurves(label, v.sigma_w2, q, length, c, correlation, at)


def _limit_q(point: MeanField) -> float:
    return Q_TINY if point.q_status == "fades" else Q_MAX
