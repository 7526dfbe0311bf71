"""Fixed points of the length and correlation maps, with their edge cases named.

Length map: the network iterates q^l = Q(q^{l−1}) from the input's q⁰, so the fixed
point that matters is the one that iteration reaches.  Q is increasing, so iteration
moves monotonically: up to the first fixed point above q⁰ when Q(q⁰) > q⁰, down to the
first one below otherwise.  :func:`fixed_lengths` brackets it by doubling (or
halving) and bisects in log q to float64 precision, for many (σ_w², σ_b²) at once.
The outcomes, each stated by :func:`fixed_length`:

* ``finite``: q* > 0;
* ``fades``: q → 0 (σ_b² = 0 and an ordered network: tanh at σ_w < 1);
* ``grows``: no finite q*, q grows without bound (ReLU at σ_w² > 2, or at σ_w² = 2
  with σ_b² > 0, where it grows by σ_b² per layer);
* ``kept``: every q is a fixed point (Q(q) = q: linear at σ_w = 1, σ_b = 0; ReLU at
  σ_w² = 2, σ_b = 0), so q stays at its input value;
* ``overflows``: q grows into a region where E[φ(√q z)²] is not finite in float64
  (exp); :func:`fixed_length` raises :class:`OverflowRegion` naming it.

The correlation map C(c) has the fixed point c = 1; it is a power series in c with
non-negative coefficients on [0, 1] (Hermite expansion), so it is convex there and has
at most one other fixed point c* in [0, 1), which exists exactly when C′(1) > 1.
:func:`fixed_correlation` finds it by Newton's method from c = 0, which converges
monotonically for a convex map, vectorised over many points at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from nnexp.signal.maps import (
    Q_TINY,
    VarianceGrid,
    Variances,
    correlation_map,
    correlation_slope,
    length_map,
    length_slope,
)
from nnexp.signal.profile import Profile
from nnexp.signal.quadrature import OverflowRegion, gaussian
from nnexp.types import Array

FINITE, FADES, GROWS, KEPT, OVERFLOWS = "finite", "fades", "grows", "kept", "overflows"
#: q beyond which the length map counts as growing without bound
Q_MAX = 1e8
#: q below which, with σ_b² = 0, the length map counts as fading to 0
Q_MIN = 1e-14
#: |Q(q) − q| ≤ KEEP_TOL·q at q⁰/2, q⁰, 2q⁰ means Q is the identity
KEEP_TOL = 1e-12
#: C′(1) within this of 1 counts as the critical line
CRITICAL_TOL = 1e-9
#: a map slope below this is 0 (rounding): its depth scale is 0
NO_SLOPE = 1e-12
#: a Newton step this small ends the iteration for c* (the next error is ~its square)
NEWTON_STEP = 1e-9
#: bisection steps in log q: a bracket of ratio 2 shrinks below one ulp
BISECTIONS = 56


@dataclass(frozen=True)
class LengthFixedPoints:
    """Where the length map leads from q⁰, per point (arrays of one length).

    Attributes
    ----------
    q : q* (``finite``), 0 (``fades``), inf (``grows``), q⁰ (``kept``), NaN
        (``overflows``)
    status : one of the module docstring's outcomes
    slope : Q′ there (its limit as q → 0 for ``fades``, at Q_MAX for ``grows``)
    at : where the correlation map and χ₁ are evaluated: q*, Q_TINY, Q_MAX or q⁰
    """

    q: Array
    status: npt.NDArray[Any]
    slope: Array
    at: Array


@dataclass(frozen=True)
class LengthFixedPoint:
    """:class:`LengthFixedPoints` at one point, with its outcome in words."""

    q: float
    status: str
    slope: float
    at: float
    note: str = ""


def fixed_lengths(prof: Profile, v: VarianceGrid, q0: float = 1.0) -> LengthFixedPoints:
    """The fixed point of q ↦ Q(q) reached from ``q0``, for every point of ``v``."""
    if not (math.isfinite(q0) and q0 > 0):
        raise ValueError(f"q0 must be a finite number > 0, got {q0!r}")
    n = len(v)

    def gap(q: Array, where: npt.NDArray[Any]) -> Array:
        return length_map(prof, v.take(where), q, strict=False) - q

    everywhere = np.arange(n)
    status = np.full(n, FINITE, dtype=object)
    g0 = gap(np.full(n, q0), everywhere)
    kept = np.abs(g0) <= KEEP_TOL * q0
    for other in (q0 / 2, 2 * q0):
        kept &= np.abs(gap(np.full(n, other), everywhere)) <= KEEP_TOL * other
    status[kept] = KEPT
    status[np.isnan(g0)] = OVERFLOWS
    lo, hi = np.full(n, q0 / 2), np.full(n, q0)
    up = (g0 > 0) & ~kept
    lo[up], hi[up] = q0, 2 * q0
    _scan(gap, lo, hi, status, np.flatnonzero(up), upward=True)
    floor = np.where(v.sigma_b2 == 0, Q_MIN, 0.0)
    down = (g0 < 0) & ~kept
    _scan(gap, lo, hi, status, np.flatnonzero(down), upward=False, floor=floor)
    finite = np.flatnonzero(status == FINITE)
    for _ in range(BISECTIONS):
        if finite.size == 0:
            break
        mid = np.sqrt(lo[finite] * hi[finite])
        above = gap(mid, finite) > 0
        lo[finite[above]] = mid[above]
        hi[finite[~above]] = mid[~above]
    q = np.full(n, math.nan)
    q[finite] = np.sqrt(lo[finite] * hi[finite])
    at = q.copy()
    q[status == FADES], at[status == FADES] = 0.0, Q_TINY
    q[status == GROWS], at[status == GROWS] = math.inf, Q_MAX
    q[kept], at[kept] = q0, q0
    slope = np.full(n, math.nan)
    ok = np.flatnonzero(status != OVERFLOWS)
    if ok.size:
        slope[ok] = length_slope(prof, v.take(ok), at[ok], strict=False)
    return LengthFixedPoints(q, status, slope, at)


def _scan(
    gap: object,
    lo: Array,
    hi: Array,
    status: npt.NDArray[Any],
    active: npt.NDArray[Any],
    *,
    upward: bool,
    floor: Array | None = None,
) -> None:
    """Double ``hi`` (upward) or halve ``lo`` until the bracket [lo, hi] holds a
    fixed point, marking ``grows``, ``fades`` and ``overflows`` on the way."""
    assert callable(gap)
    while active.size:
        edge = hi[active] if upward else lo[active]
        g = gap(edge, active)
        bad = np.isnan(g)
        status[active[bad]] = OVERFLOWS
        moving = (g > 0) if upward else (g < 0)
        moving &= ~bad
        move = active[moving]
        if upward:
            lo[move], hi[move] = hi[move], 2 * hi[move]
            out = move[hi[move] > Q_MAX]
            status[out] = GROWS
        else:
            assert floor is not None
            lo[move], hi[move] = lo[move] / 2, lo[move]
            out = move[(lo[move] < floor[move]) | (lo[move] == 0.0)]
            status[out] = FADES
        active = np.setdiff1d(move, out)


def fixed_length(prof: Profile, v: Variances, q0: float = 1.0) -> LengthFixedPoint:
    """:func:`fixed_lengths` at one point, with the outcome in words; raises
    :class:`OverflowRegion` for ``overflows``."""
    found = fixed_lengths(prof, v.grid(), q0)
    status = str(found.status[0])
    q, slope, at = float(found.q[0]), float(found.slope[0]), float(found.at[0])
    if status == OVERFLOWS:
        raise OverflowRegion(
            f"{prof.name} at {v}: the pre-activation variance grows from q⁰ = {q0:g}"
            " into a region where E[φ(√q z)²] is not finite in float64, so there is"
            " no finite fixed point q* and the network's activations overflow."
            " A smaller σ_w² or σ_b² keeps q finite."
        )
    notes = {
        FINITE: "",
        KEPT: f"every q is a fixed point (Q(q) = q): q keeps its input value {q0:g}",
        FADES: "q → 0: the signal fades (σ_b² = 0 and an ordered network); the maps"
        " are evaluated in the limit q → 0",
        GROWS: f"no finite q*: q grows without bound ({_growth(slope, v)}); the"
        f" correlation map is evaluated at q = {Q_MAX:g}, where σ_b² no longer"
        " matters",
    }
    return LengthFixedPoint(q, status, slope, at, notes[status])


def _growth(slope: float, v: Variances) -> str:
    if abs(slope - 1) < 1e-6:
        return f"linearly, by about σ_b² = {v.sigma_b2:g} per layer"
    return f"geometrically, by a factor Q′ ≈ {slope:.4g} per layer"


def correlation_weights(v: VarianceGrid, status: npt.NDArray[Any]) -> VarianceGrid:
    """The variances the correlation map is evaluated with: σ_b² dropped where q
    grows without bound (at q → ∞ it no longer matters)."""
    sb2 = np.where(status == GROWS, 0.0, v.sigma_b2)
    return VarianceGrid(v.sigma_w2, sb2)


def fixed_correlation(
    prof: Profile, v: VarianceGrid, q: Array, *, iterations: int = 80
) -> tuple[Array, Array, Array]:
    """(c*, C′(c*), C′(1)) at the length map's points ``q``, elementwise.

    c* = 1 where C′(1) ≤ 1 + CRITICAL_TOL (ordered or critical); otherwise the root
    of C(c) = c in [0, 1) by Newton's method (see the module docstring), started
    where the parabola through C(0), C(1) = 1 and C′(1) meets the diagonal: from
    there one step lands left of c* (C is convex), and the iterates then rise
    monotonically to it; a start beyond the minimum of C(c) − c starts over at 0.
    """
    q_arr = np.asarray(q, dtype=np.float64)
    chi1 = np.asarray(correlation_slope(prof, v, q_arr, 1.0), dtype=np.float64)
    c = np.where(np.isnan(chi1), np.nan, 1.0)
    chi_c = chi1.copy()
    chaotic = np.flatnonzero(chi1 > 1 + CRITICAL_TOL)
    x = _first_guess(prof, v.take(chaotic), q_arr[chaotic], chi1[chaotic])
    active = np.arange(chaotic.size)
    first = True
    for _ in range(iterations):
        if active.size == 0:
            break
        idx = chaotic[active]
        va, qa, xa = v.take(idx), q_arr[idx], x[active]
        value = correlation_map(prof, va, qa, xa) - xa
        slope = correlation_slope(prof, va, qa, xa) - 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(slope < 0, -value / slope, 0.0)
        new = xa + step if first else xa + np.maximum(step, 0.0)
        restart = (value < 0) & (slope >= 0)  # right of the minimum of C(c) − c
        new = np.where(restart, 0.0, np.clip(new, 0.0, 1.0 - 1e-15))
        # Newton's error after a step of size s is O(s²): 1e-9 leaves ~1e-18
        done = ~restart & ((np.abs(step) <= NEWTON_STEP) | (np.abs(value) <= 1e-16))
        if first:
            done &= value >= 0
        x[active] = new
        active = active[~done]
        first = False
    if chaotic.size:
        c[chaotic] = x
        chi_c[chaotic] = correlation_slope(prof, v.take(chaotic), q_arr[chaotic], x)
    return c, chi_c, chi1


def _first_guess(prof: Profile, v: VarianceGrid, q: Array, chi1: Array) -> Array:
    """Where P(c) = 1 − χ₁(1 − c) + K(1 − c)², the parabola with P(0) = C(0),
    meets the diagonal: 1 − (χ₁ − 1)/K; 0 where that is not in [0, 1)."""
    if q.size == 0:
        return np.zeros(0)
    q_safe = np.maximum(q, Q_TINY)
    mean = gaussian(prof.phi, q_safe, strict=False)
    c0 = (v.sigma_w2 * mean * mean + v.sigma_b2) / length_map(
        prof, v, q_safe, strict=False
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = 1.0 - (chi1 - 1.0) / (c0 - 1.0 + chi1)
    return np.where(np.isfinite(guess) & (guess >= 0) & (guess < 1), guess, 0.0)


def depth_scale(slope: Array | float) -> Array:
    """ξ = −1/log(slope) for 0 < slope < 1; 0 for slope ≤ NO_SLOPE (one layer
    suffices: sign's length map is constant);
    inf for slope ≥ 1 − CRITICAL_TOL (no exponential approach)."""
    s = np.asarray(slope, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = -1.0 / np.log(s)
    xi = np.where(s <= NO_SLOPE, 0.0, xi)
    return np.where(s >= 1 - CRITICAL_TOL, np.inf, xi)
