"""Gaussian expectations of piecewise-smooth functions, split where they break.

Every quantity of mean-field theory is an expectation over one standard normal z, or
over two correlated Gaussians, of products of an activation and its derivative.  Plain
Gauss–Hermite converges slowly for kinked and step activations (its error falls like a
power of the node count, not exponentially), so every expectation here is a composite
Gauss–Legendre rule on a mesh that has a panel boundary at each point where an
integrand breaks:

* a :class:`Piece` is a vectorised function of x with its *special points*: the
  activation's kinks (where f or f' jumps) and 0, where smooth activations keep their
  structure (tanh's turn, softplus' bend);
* :func:`expect` integrates a product of pieces, each evaluated at ``mean + slope·z``,
  against the normal density in z: the mesh has a boundary at every point where an
  argument crosses a special point, panels graded by factors of 2 away from it (the
  finest panel a quarter of the argument's unit scale), uniform panels of width
  :data:`SPACING` beyond, over [−tail, tail];
* :func:`expect_pair` does the two-dimensional case u₁ = √q(αa + βb),
  u₂ = √q(αa − βb) with α = √((1+c)/2), β = √((1−c)/2), a, b independent standard
  normals (so Var u = q and corr(u₁, u₂) = c).  The kink lines u₁ = k and u₂ = k are
  straight lines in (a, b): for each outer node a the inner integral over b is split
  at the two points where they cross it (a 1-D :func:`expect` per node), and the
  outer mesh over a is split and graded where the lines pass through b = 0 and where
  they cross each other, on the scale β/α on which the inner integral changes there.

The tail half-width starts at :data:`TAIL` standard deviations and grows (up to
:data:`MAX_TAIL`) while the outermost panels still carry more than 1e-16 of the
integral (an exponentially growing integrand such as exp's); a value that is not
finite inside the domain raises :class:`OverflowRegion`.

Accuracy (tests/signal/test_quadrature.py): against closed forms (ReLU's arc-cosine
kernel, sign's and Heaviside's arcsine, abs, leaky ReLU) to 1e-9 at correlations up
to 1 − 1e-8, and smooth activations against an adaptive reference to 1e-10.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from nnexp.errors import NnexpError
from nnexp.types import Array

#: Gauss–Legendre nodes per panel
NODES = 8
#: the widest panel, in standard deviations of the integration variable
SPACING = 1.0
#: half-width of the domain to start with, in standard deviations
TAIL = 10.0
#: the widest domain tried before an integrand counts as not integrable in float64
MAX_TAIL = 37.0
#: the finest panel next to a special point, in units of the argument (x)
FINEST = 0.25
#: relative weight of the outermost panels that asks for a wider domain
TAIL_WEIGHT = 1e-13
#: largest number of integrand values evaluated at once
CHUNK = 2_000_000

_X, _W = np.polynomial.legendre.leggauss(NODES)

_SQRT_2PI = math.sqrt(2.0 * math.pi)


class OverflowRegion(NnexpError):
    """An expectation that is not finite in float64 (an activation that grows too
    fast for the variance asked): the message names the function and the variance."""


@dataclass(frozen=True)
class Piece:
    """A vectorised function of x and the points where it breaks or bends
    (kinks, jumps, 0).  ``name`` appears in error messages."""

    fn: Callable[[Array], Array]
    points: tuple[float, ...]
    name: str = "f"

    def __call__(self, x: Array) -> Array:
        with np.errstate(all="ignore"):
            return np.asarray(self.fn(x), dtype=np.float64)


@dataclass(frozen=True)
class Factor:
    """A piece evaluated at ``mean + slope·z`` (per row: arrays of shape (rows,))."""

    piece: Piece
    mean: Array
    slope: Array


def normal_density(z: Array) -> Array:
    return np.exp(-0.5 * z * z) / _SQRT_2PI


def expect(
    factors: Sequence[Factor],
    weight: Callable[[Array], Array] | None = None,
    *,
    strict: bool = True,
) -> Array:
    """E[∏ₖ pieceₖ(meanₖ + slopeₖ·z) · weight(z)] over z ~ N(0, 1), one value per row.

    ``weight`` is a smooth function of z (the score z² − 1 of a variance derivative).
    Rows are evaluated in chunks of at most :data:`CHUNK` integrand values.  A row
    that is not finite raises :class:`OverflowRegion`, or is NaN when ``strict`` is
    False.
    """
    rows = np.broadcast(*(np.asarray(f.mean) for f in factors)).shape
    rows = np.broadcast_shapes(rows, *(np.shape(f.slope) for f in factors))
    factors = [
        Factor(
            f.piece,
            np.broadcast_to(np.asarray(f.mean, dtype=np.float64), rows).ravel(),
            np.broadcast_to(np.asarray(f.slope, dtype=np.float64), rows).ravel(),
        )
        for f in factors
    ]
    n = int(np.prod(rows)) if rows else 1
    out = np.empty(n)
    specials, finest = _specials(factors)
    for idx in _groups(finest, specials.shape[1]):
        chunk = [Factor(f.piece, f.mean[idx], f.slope[idx]) for f in factors]
        out[idx] = _expect_rows(chunk, specials[idx], finest[idx], weight, strict)
    return out.reshape(rows)


def _groups(finest: Array, n_specials: int) -> list[npt.NDArray[Any]]:
    """Row indices grouped by their number of grading levels (a row that needs a
    fine mesh must not make every other row pay for it), each group cut into
    chunks of at most :data:`CHUNK` integrand values."""
    levels = np.maximum(1, np.ceil(np.log2(SPACING / finest))).astype(int)
    out = []
    for level in np.unique(levels):
        idx = np.flatnonzero(levels == level)
        per_row = (n_specials * (2 * level + 3) + 2 * int(TAIL / SPACING) + 2) * NODES
        step = max(1, CHUNK // per_row)
        out += [idx[i : i + step] for i in range(0, idx.size, step)]
    return out


def expect_pair(
    first: Piece,
    second: Piece,
    q: Array | float,
    c: Array | float,
    *,
    strict: bool = True,
) -> Array:
    """E[first(u₁)·second(u₂)] for (u₁, u₂) centred Gaussian with Var u₁ = Var u₂ = q
    and correlation c, elementwise over broadcast ``q`` and ``c`` (c in [−1, 1]);
    ``strict`` as in :func:`expect`."""
    q_arr, c_arr = np.broadcast_arrays(
        np.asarray(q, dtype=np.float64), np.asarray(c, dtype=np.float64)
    )
    shape = q_arr.shape
    q_flat, c_flat = q_arr.ravel(), np.clip(c_arr.ravel(), -1.0, 1.0)
    root = np.sqrt(q_flat)
    alpha = np.sqrt((1.0 + c_flat) / 2.0)
    beta = np.sqrt((1.0 - c_flat) / 2.0)
    # outer specials: where the lines first(u₁) = p and second(u₂) = p' pass b = 0
    # and where they cross
    pts = {*first.points, *second.points}
    cross = {(p1 + p2) / 2 for p1 in first.points for p2 in second.points}
    scale_a = root * alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        outer_pts = np.array(sorted(pts | cross))[None, :] / scale_a[:, None]
        # c = 1 (β = 0): the inner integral is constant, only x's scale matters
        ratio = np.where((alpha > 0) & (beta > 0), beta / alpha, np.inf)
        finest = FINEST * np.minimum(1.0, np.minimum(1.0 / scale_a, ratio))
    outer_pts = np.where(np.isfinite(outer_pts), outer_pts, 0.0)
    finest = np.where(np.isfinite(finest) & (finest > 0), finest, FINEST)
    finest = np.maximum(finest, 1e-12)
    total = np.empty(q_flat.size)
    # c = ±1: u₂ = ±u₁, one dimension
    for sign, ends in ((1.0, beta == 0), (-1.0, alpha == 0)):
        if np.any(ends):
            total[ends] = gaussian(_product(first, second, sign), q_flat[ends],
                                   strict=strict)  # fmt: skip
    inside = np.flatnonzero((alpha > 0) & (beta > 0))
    for part in _groups(finest[inside], outer_pts.shape[1]):
        idx = inside[part]
        total[idx] = _pair_rows(
            (first, second), root[idx], alpha[idx], beta[idx], outer_pts[idx],
            finest[idx], strict,
        )  # fmt: skip
    return total.reshape(shape)


def _product(first: Piece, second: Piece, sign: float) -> Piece:
    """x ↦ first(x)·second(sign·x), with both pieces' special points."""

    def both(x: Array) -> Array:
        return first(x) * second(sign * x)

    points = tuple(sorted({*first.points, *(sign * p for p in second.points)}))
    return Piece(both, points, f"{first.name} · {second.name}")


def _pair_rows(
    pieces: tuple[Piece, Piece],
    root: Array,
    alpha: Array,
    beta: Array,
    outer_pts: Array,
    finest: Array,
    strict: bool,
) -> Array:
    """:func:`expect_pair` for rows that share one outer mesh size."""
    first, second = pieces
    tail = TAIL
    while True:
        a, wa = _mesh(outer_pts, finest, tail)  # (M, P, n)
        mean = (root * alpha)[:, None, None] * a
        slope = (root * beta)[:, None, None] * np.ones_like(a)
        pair = [Factor(first, mean, slope), Factor(second, mean, -slope)]
        terms = expect(pair, strict=strict) * wa
        total = terms.sum(axis=(1, 2))
        finite = np.isfinite(total)
        if strict and not np.all(finite):
            raise OverflowRegion(_overflow_text(pieces, root**2, total))
        edge = np.abs(terms[:, 0, :]).sum(axis=1) + np.abs(terms[:, -1, :]).sum(axis=1)
        small = edge <= TAIL_WEIGHT * (np.abs(total) + 1e-300)
        if np.all(small | ~finite) or tail >= MAX_TAIL:
            return total
        tail = min(MAX_TAIL, tail * 1.6)


def gaussian(
    piece: Piece, q: Array | float, mean: Array | float = 0.0, *, strict: bool = True
) -> Array:
    """E[piece(mean + √q z)], elementwise over ``q`` and ``mean``; ``strict`` as in
    :func:`expect`."""
    q_arr = np.asarray(q, dtype=np.float64)
    m = np.asarray(mean, dtype=np.float64)
    return expect([Factor(piece, m, np.sqrt(q_arr))], strict=strict)


# the mesh -------------------------------------------------------------------------------


def _specials(factors: Sequence[Factor]) -> tuple[Array, Array]:
    """Per row: the z where an argument crosses a special point, and the finest panel
    (a quarter of the argument's unit scale: FINEST / max |slope|, at most FINEST)."""
    columns = []
    steepest = np.zeros_like(factors[0].slope)
    for f in factors:
        s = f.slope
        steepest = np.maximum(steepest, np.abs(s))
        with np.errstate(divide="ignore", invalid="ignore"):
            for p in f.piece.points:
                z = (p - f.mean) / s
                columns.append(np.where(np.isfinite(z), z, 0.0))
    with np.errstate(divide="ignore"):
        finest = FINEST * np.minimum(1.0, 1.0 / steepest)
    return np.stack(columns, axis=1), np.maximum(finest, 1e-12)


def _levels(finest: Array) -> int:
    """How many doublings take the finest panel to :data:`SPACING`."""
    smallest = float(np.min(finest)) if np.size(finest) else FINEST
    return max(1, math.ceil(math.log2(SPACING / smallest)))


def _mesh(specials: Array, finest: Array, tail: float) -> tuple[Array, Array]:
    """Nodes and weights (normal density included), each (rows, panels, NODES).

    Boundaries per row: a uniform grid of step SPACING over [−tail, tail], each
    special point, and the special points ± finest·2ʲ; clipped to the domain and
    sorted (zero-width panels contribute nothing)."""
    rows = specials.shape[0]
    uniform = np.arange(-tail, tail + SPACING / 2, SPACING)
    if uniform[-1] < tail:
        uniform = np.append(uniform, tail)
    levels = _levels(finest)
    offsets = finest[:, None] * 2.0 ** np.arange(levels + 1)[None, :]  # (R, J)
    offsets = np.concatenate([-offsets, np.zeros((rows, 1)), offsets], axis=1)
    graded = (specials[:, :, None] + offsets[:, None, :]).reshape(rows, -1)
    bounds = np.concatenate([np.broadcast_to(uniform, (rows, uniform.size)), graded], 1)
    bounds = np.sort(np.clip(bounds, -tail, tail), axis=1)
    left, right = bounds[:, :-1], bounds[:, 1:]
    half = (right - left) / 2.0
    mid = (right + left) / 2.0
    z = mid[:, :, None] + half[:, :, None] * _X
    w = half[:, :, None] * _W * normal_density(z)
    return z, w


def _expect_rows(
    factors: Sequence[Factor],
    specials: Array,
    finest: Array,
    weight: Callable[[Array], Array] | None,
    strict: bool,
) -> Array:
    tail = TAIL
    while True:
        z, w = _mesh(specials, finest, tail)
        values = np.ones_like(z)
        for f in factors:
            values *= f.piece(f.mean[:, None, None] + f.slope[:, None, None] * z)
        if weight is not None:
            values *= weight(z)
        with np.errstate(invalid="ignore", over="ignore"):
            terms = values * w
            total = terms.sum(axis=(1, 2))
        finite = np.isfinite(total)
        if strict and not np.all(finite):
            slopes = np.abs(np.stack([f.slope for f in factors]))
            pieces = [f.piece for f in factors]
            q = np.max(slopes, axis=0) ** 2
            raise OverflowRegion(_overflow_text(pieces, q, total))
        edge = np.abs(terms[:, 0, :]).sum(axis=1) + np.abs(terms[:, -1, :]).sum(axis=1)
        small = edge <= TAIL_WEIGHT * (np.abs(total) + 1e-300)
        if np.all(small | ~finite) or tail >= MAX_TAIL:
            return np.where(finite, total, np.nan)
        tail = min(MAX_TAIL, tail * 1.6)


def _overflow_text(pieces: Sequence[Piece], q: Array, total: Array) -> str:
    bad = ~np.isfinite(total)
    worst = float(np.min(q[bad])) if np.any(bad) else float(np.max(q))
    names = " · ".join(dict.fromkeys(p.name for p in pieces))
    return (
        f"the Gaussian expectation of {names} is not finite in float64 at variance"
        f" q = {worst:.4g}: the activation grows too fast for inputs of that size"
        " (exp overflows beyond x ≈ 709). Choose a smaller σ_w² or σ_b², or an"
        " activation that grows at most polynomially."
    )
