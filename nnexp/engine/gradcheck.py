"""Finite-difference checks (DESIGN §3.12): central differences, always in float64.

* :func:`central_difference` — elementwise f'(z) with a step scaled to |z|;
* :func:`numerical_gradient` — dL/dp for every entry of one parameter array;
* :func:`directional_derivative` — dL along a direction in many parameters at once
  (the random-direction check for networks too big for entry-by-entry differences);
* :func:`check_activation` — a built-in or plugin activation against its own forward,
  region by region, as an :class:`ActivationReport` of plain dataclasses that
  ``nnexp check`` renders as a table (and :func:`report_lines` as plain text).

Rows of the report: the five derivative regions of ``REGIONS`` (points within
``KINK_GAP`` of a declared kink are left out; for an activation that is not elementwise,
such as softmax, each "point" is a row of 5 inputs checked through ``backprop`` in a
random direction), then ``FINITE`` (no floating-point warning and finite results at
magnitudes from 0 to the dtype's max/10, float32 and float64; ``overflows``
activations may give +inf), ``CONTRACT`` (shape and dtype kept, z and a not modified),
and, for elementwise activations with their own ``backprop``, ``BACKPROP``.

Kinks: an activation declares the points where f' jumps in ``kinks`` (a tuple of
floats; a class attribute, or a property when they depend on parameters).  The check
never differences across them; an undeclared kink at 0 fails the small-|x| row, whose
message then suggests declaring it.

Tolerance.  A point passes when

    |analytic − numeric| <= rtol·|numeric| + ROUND·(ε₆₄·M/h + ε_dt·scale)

* ``rtol`` (float64 1e-5, float32 1e-4): the relative error a correct formula stays
  well within, and a wrong one (a factor, a missing term) does not;
* ε₆₄·M/h, the rounding floor of the reference: the float64 values f(x ± h),
  f(x ± 2h) carry an error of a few ulps, u·M with M their largest magnitude; the
  central quotient d(h) = (f(x+h) − f(x−h))/2h therefore carries u·M/h, d(2h) carries
  u·M/2h, and Richardson's (4 d(h) − d(2h))/3 at most (4/3 + 1/6)·u·M/h = 1.5·u·M/h.
  Where f' underflows next to f (tanh, logistic, elu, selu for |x| ≈ 14–28 in float64)
  the numeric derivative is this rounding noise, and no relative tolerance can hold;
* ε_dt·scale, the rounding floor of the analytic derivative in the checked dtype: its
  formula's terms are of the size of f's typical slope ``scale`` (the largest |f'| seen
  on [−4, 4], or 1), so they cost a few ulps of it where they cancel (a zero of f')
  or underflow (gelu, swish, mish, softplus in float32);
* ``ROUND`` = 8 covers "a few ulps" (u ≤ 5 ulps of f times Richardson's 1.5) with room:
  every built-in needs at most 2 of it in either dtype.
A wrong derivative passes only where its error hides below the rounding of f itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from nnexp.engine.activations import backprop as _backprop
from nnexp.types import Array

TOLERANCES: dict[str, float] = {"float64": 1e-5, "float32": 1e-4}  # dtype → rtol
ROUND = 8.0  # ulps of rounding allowed in f and f' (see the module's docstring)
_EPS64 = float(np.finfo(np.float64).eps)
RANDOM = "random [-4, 4]"
NEAR_KINKS = "near kinks (1e-3 to 1e-1 away)"
WHOLE = "whole range (|x| 1e-3 to 1e4, log-uniform)"
LARGE = "large |x| (1e2 to 1e4)"
SMALL = "small |x| (< 1e-3, away from kinks)"
REGIONS = (RANDOM, NEAR_KINKS, WHOLE, LARGE, SMALL)
FINITE = "finite for finite input"
CONTRACT = "shape and dtype kept, inputs untouched"
BACKPROP = "backprop = da * f'"
KINK_GAP = 1e-3  # points closer than this to a kink are never differenced
_WIDTH = 5  # row length for activations that are not elementwise (softmax)
_ALL_NEAR = f"no points: all lie within {KINK_GAP:g} of a kink"


@dataclass(frozen=True)
class CheckRow:
    """One line of the report; the errors are None where they do not apply."""

    region: str
    points: int
    max_abs_error: float | None
    max_rel_error: float | None
    passed: bool
    message: str = ""


@dataclass(frozen=True)
class ActivationReport:
    """The result of :func:`check_activation`: rows, tolerances and the verdict."""

    name: str
    dtype: str
    rtol: float
    scale: float
    rows: tuple[CheckRow, ...]
    passed: bool

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        return tuple(r for r in self.rows if not r.passed)

    @property
    def tolerance(self) -> str:
        """The pass rule in words (the module's docstring derives it)."""
        return (
            f"rtol {self.rtol:g} + {ROUND:g}·(ε64·max|f(x±h)|/h"
            f" + ε_{self.dtype}·scale), scale {self.scale:.3g}"
        )


# --- primitives -----------------------------------------------------------------------


def central_difference(
    f: Callable[[Array], Array], z: Array, eps: float = 1e-6
) -> Array:
    """Elementwise derivative of an elementwise ``f`` by central differences.

    Parameters
    ----------
    f : maps an array to an array of the same shape, elementwise
    z : points, any shape; converted to float64
    eps : relative step: element i uses h_i = eps·max(1, |z_i|), suited to functions
        that vary on a scale of about max(1, |z|), as activations do

    Returns
    -------
    float64, shape of ``z``: Richardson's extrapolation (4 d(h) − d(2h)) / 3 of the
    central quotients d(h) = (f(z + h) − f(z − h)) / (2h), whose error is O(h^4)
    rather than O(h^2): at |z| = 1e4 the step is 1e-2, and a plain central difference
    of a function still curved there (sin) would be off by h^2 |f(3)| / 6, about
    2e-5.  Each denominator is the step actually taken after rounding.
    """
    return _richardson(f, z, eps)[0]


def _richardson(
    f: Callable[[Array], Array], z: Array, eps: float
) -> tuple[Array, Array, Array]:
    """:func:`central_difference`, with M = max |f| over the four points it evaluated
    and the step h (the reference's rounding error is about ulps·M/h)."""
    z = np.asarray(z, dtype=np.float64)
    h = eps * np.maximum(1.0, np.abs(z))
    big = np.zeros_like(z)
    with np.errstate(
        over="ignore", invalid="ignore"
    ):  # an overflowing f gives ±inf/NaN
        quotients = []
        for step in (h, 2 * h):
            zp, zm = z + step, z - step
            fp = np.asarray(f(zp), dtype=np.float64)
            fm = np.asarray(f(zm), dtype=np.float64)
            big = np.maximum(big, np.maximum(np.abs(fp), np.abs(fm)))
            quotients.append((fp - fm) / (zp - zm))
        return (4 * quotients[0] - quotients[1]) / 3, big, h


def _require_float64(param: Array, what: str) -> None:
    if not isinstance(param, np.ndarray) or param.dtype != np.float64:
        got = getattr(param, "dtype", type(param).__name__)
        raise ValueError(
            f"{what} must be a float64 array (finite differences in float32 are too"
            f" coarse to check anything), got {got}"
        )


def numerical_gradient(
    loss: Callable[[], float], param: Array, eps: float = 1e-6
) -> Array:
    """dL/dp by central differences, one entry of ``param`` at a time.

    ``param`` is perturbed in place (so ``loss`` sees it through whatever holds it,
    e.g. a network's ``W1``) and restored exactly afterwards, even if ``loss`` raises.
    Entry i uses the step eps·max(1, |p_i|).  Costs 2·param.size calls of ``loss``.

    Returns
    -------
    float64 array of ``param``'s shape
    """
    _require_float64(param, "param")
    grad = np.empty(param.shape, dtype=np.float64)
    for idx in np.ndindex(param.shape):
        p = param[idx]
        h = eps * max(1.0, abs(float(p)))
        try:
            param[idx] = p + h
            up = float(loss())
            param[idx] = p - h
            down = float(loss())
        finally:
            param[idx] = p
        grad[idx] = (up - down) / (2.0 * h)
    return grad


def directional_derivative(
    loss: Callable[[], float],
    params: Mapping[str, Array],
    direction: Mapping[str, Array],
    eps: float = 1e-6,
) -> float:
    """(L(p + h·d) − L(p − h·d)) / 2h: the derivative of L along ``direction``.

    Compare it with Σ_name ⟨grad[name], direction[name]⟩ (JAX's ``check_vjp`` idea): two
    loss evaluations check every parameter at once.  ``params`` are perturbed in place
    and restored.  h = eps·max(1, max|p|) / max|d|.
    """
    for name in direction:
        _require_float64(params[name], f"params[{name!r}]")
    big_p = max(float(np.abs(params[n]).max(initial=0.0)) for n in direction)
    big_d = max(float(np.abs(d).max(initial=0.0)) for d in direction.values())
    if big_d == 0.0:
        return 0.0
    h = eps * max(1.0, big_p) / big_d
    saved = {n: params[n].copy() for n in direction}
    try:
        for n, d in direction.items():
            params[n] += h * d
        up = float(loss())
        for n, d in direction.items():
            params[n] -= 2.0 * h * d
        down = float(loss())
    finally:
        for n, p in saved.items():
            params[n][...] = p
    return (up - down) / (2.0 * h)


# --- activation check -----------------------------------------------------------------


def _kinks(act: Any) -> np.ndarray:
    return np.asarray(tuple(getattr(act, "kinks", ()) or ()), dtype=np.float64)


def _signs(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(np.array([-1.0, 1.0]), size=n)


def _region_points(region: str, kinks: np.ndarray, rng: np.random.Generator) -> Array:
    """Float64 points of one region, minus those within KINK_GAP of a kink (or so
    close that a finite-difference step would cross it)."""
    if region == RANDOM:
        x = rng.uniform(-4.0, 4.0, 200)
    elif region == NEAR_KINKS:
        off = 10.0 ** rng.uniform(-3.0, -1.0, (kinks.size, 60))
        x = (kinks[:, None] + off * _signs(rng, off.size).reshape(off.shape)).ravel()
    elif region == WHOLE:
        x = _signs(rng, 200) * 10.0 ** rng.uniform(-3.0, 4.0, 200)
    elif region == LARGE:
        x = _signs(rng, 100) * 10.0 ** rng.uniform(2.0, 4.0, 100)
    else:
        tiny = _signs(rng, 60) * 10.0 ** rng.uniform(-12.0, -3.0, 60)
        x = np.concatenate([[0.0], tiny])
    if kinks.size:
        gap = np.maximum(KINK_GAP, 4e-6 * np.maximum(1.0, np.abs(x)))
        keep = np.all(np.abs(x[:, None] - kinks[None, :]) >= gap[:, None], axis=1)
        x = x[keep]
    return x


@dataclass(frozen=True)
class _Sample:
    """One region's comparison data, one entry per point (or per row)."""

    where: Array  # x (elementwise) or the row's largest |z|, for messages
    analytic: Array
    numeric: Array
    size: Array  # the magnitude the rtol term is relative to
    rounding: Array  # M/h: the reference's rounding error is about ulps·M/h
    label: str = "x"


def _forward64(act: Any) -> Callable[[Array], Array]:
    return lambda x: np.asarray(act.forward(x), dtype=np.float64)


def _elementwise_sample(act: Any, x: Array, dt: np.dtype[Any], eps: float) -> _Sample:
    """f'(x) in ``dt`` against the float64 central difference at the same points."""
    zd = x.astype(dt)
    z64 = zd.astype(np.float64)  # exactly the points the dtype can hold
    numeric, big, h = _richardson(_forward64(act), z64, eps)
    derivative = act.derivative(zd.copy(), act.forward(zd.copy()))
    # a derivative returned as a scalar (a constant slope) is that slope everywhere
    analytic = np.broadcast_to(np.asarray(derivative, np.float64), zd.shape)
    return _Sample(z64, analytic, numeric, np.abs(numeric), big / h)


def _jvp_sample(
    act: Any, x: Array, dt: np.dtype[Any], eps: float, rng: np.random.Generator
) -> _Sample:
    """Row-wise ⟨backprop(v), d⟩ against ⟨v, J d⟩, J d by central differences along d.

    ``x`` is cut into rows of ``_WIDTH``; v and d are random unit vectors per row, so
    |⟨v, J d⟩| ≤ ‖J d‖, which is the size the rtol term is relative to.
    """
    rows = x.size // _WIDTH
    zd = x[: rows * _WIDTH].reshape(rows, _WIDTH).astype(dt)
    z64 = zd.astype(np.float64)
    v = rng.standard_normal(z64.shape)
    d = rng.standard_normal(z64.shape)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    h = eps * np.maximum(1.0, np.abs(z64).max(axis=1, keepdims=True))
    f = _forward64(act)
    up, down = f(z64 + h * d), f(z64 - h * d)
    jd = (up - down) / (2.0 * h)
    dz = _backprop(act, zd.copy(), act.forward(zd.copy()), v.astype(dt))
    analytic = np.sum(np.asarray(dz, np.float64) * d, axis=1)
    size = np.linalg.norm(jd, axis=1)
    where = np.abs(z64).max(axis=1)
    big = np.maximum(np.abs(up), np.abs(down)).max(axis=1)
    return _Sample(
        where,
        analytic,
        np.sum(v * jd, axis=1),
        size,
        big / h[:, 0],
        "the row with max |z|",
    )


@dataclass(frozen=True)
class _Tolerance:
    rtol: float
    eps: float  # machine epsilon of the checked dtype
    scale: float  # f's typical slope

    def floor(self, s: _Sample) -> Array:
        """ROUND·(ε₆₄·M/h + ε_dt·scale) per point: the rounding of f and of f'."""
        return ROUND * (_EPS64 * s.rounding + self.eps * self.scale)


KINK_HINT = (
    "if f' jumps at x = 0 (a kink, as in relu), declare it on the class,"
    " kinks = (0.0,), and the check stays 1e-3 away from it"
)


def _compare(
    region: str, s: _Sample, tol: _Tolerance, allow_overflow: bool
) -> CheckRow:
    """Pass iff every point has |analytic − numeric| ≤ rtol·|numeric| + floor."""
    finite = np.isfinite(s.analytic) & np.isfinite(s.numeric)
    finite &= np.isfinite(s.rounding)
    note = ""
    if not finite.all():
        i = int(np.argmin(finite))
        if not allow_overflow:
            msg = (
                f"not finite at {s.label} = {s.where[i]:.6g}:"
                f" analytic {s.analytic[i]:.6g},"
                f" numeric {s.numeric[i]:.6g}"
            )
            return CheckRow(region, s.where.size, None, None, False, msg)
        note = f"{int((~finite).sum())} points skipped where f overflows; "
        s = _Sample(
            s.where[finite],
            s.analytic[finite],
            s.numeric[finite],
            s.size[finite],
            s.rounding[finite],
            s.label,
        )
    if s.where.size == 0:
        return CheckRow(region, 0, None, None, True, note + "no points left")
    err = np.abs(s.analytic - s.numeric)
    floor = tol.floor(s)
    bound = tol.rtol * s.size + floor
    ok = err <= bound
    # relative errors of values lost in rounding mean nothing: "-" rather than 0
    meaningful = tol.rtol * s.size > floor
    rel = (
        float((err[meaningful] / s.size[meaningful]).max())
        if meaningful.any()
        else None
    )
    if not ok.all():
        i = int(np.argmax(err / bound))
        note += (
            f"{int((~ok).sum())} of {ok.size} points outside tolerance, worst at"
            f" {s.label} = {s.where[i]:.6g}: analytic {s.analytic[i]:.6g}"
            f" vs numeric {s.numeric[i]:.6g}"
        )
        if region == SMALL and _jumps_at_zero(s, tol.scale):
            note += f"; {KINK_HINT}"
    passed = bool(ok.all())
    return CheckRow(
        region, int(ok.size), float(err.max()), rel, passed, note.strip("; ")
    )


def _jumps_at_zero(s: _Sample, scale: float) -> bool:
    """Whether f' at the points of ``s`` nearest to 0 on each side differs by more
    than 1e-3 of f's typical slope: a kink (relu jumps by 1), not a wrong formula
    (f' ≈ 2x gives ±2e-12 at x = ±1e-12)."""
    right, left = s.where > 0, s.where < 0
    if not (right.any() and left.any()):
        return False
    i = np.flatnonzero(right)[np.argmin(s.where[right])]
    j = np.flatnonzero(left)[np.argmax(s.where[left])]
    return bool(abs(s.analytic[i] - s.analytic[j]) > 1e-3 * scale)


def _failed(region: str, err: Exception) -> CheckRow:
    return CheckRow(region, 0, None, None, False, f"raised {type(err).__name__}: {err}")


def _region_row(
    region: str, result: Any, tol: _Tolerance, allow_overflow: bool
) -> CheckRow:
    if isinstance(result, Exception):
        return _failed(region, result)
    if isinstance(result, str):
        return CheckRow(region, 0, None, None, True, result)
    return _compare(region, result, tol, allow_overflow)


def _extreme_points(dt: np.dtype[Any]) -> np.ndarray:
    """0, smallest subnormal, smallest normal, then 1e-30 … max/10; both signs."""
    fi = np.finfo(dt)
    top = math.log10(float(fi.max) / 10.0)
    mags = np.concatenate(
        [
            [0.0, float(fi.smallest_subnormal), float(fi.tiny)],
            np.logspace(-30.0, top, 47),
        ]
    )
    mags[-1] = float(fi.max) / 10.0  # logspace's last power can round past it
    return np.concatenate([mags, -mags]).astype(dt)


def _finite_row(act: Any, allow_overflow: bool) -> CheckRow:
    """forward, derivative and backprop at extreme inputs: no FP warning, no NaN, no inf
    (``overflows`` activations may give ±inf, never NaN)."""
    problems, count = [], 0
    for dt in (np.dtype(np.float32), np.dtype(np.float64)):
        x = _extreme_points(dt)
        x = x if getattr(act, "elementwise", True) else x.reshape(-1, _WIDTH)
        count += x.size
        over: Literal["ignore", "raise"] = "ignore" if allow_overflow else "raise"
        try:
            with np.errstate(
                over=over, invalid="raise", divide="raise", under="ignore"
            ):
                a = act.forward(x.copy())
                outs = {"f": a, "f'": act.derivative(x.copy(), a)}
                outs["backprop"] = _backprop(act, x.copy(), a, np.ones_like(x))
        except Exception as err:
            problems.append(f"{dt.name}: raised {type(err).__name__}: {err}")
            continue
        for label, out in outs.items():
            out = np.asarray(out, dtype=np.float64)
            bad = np.isnan(out) if allow_overflow else ~np.isfinite(out)
            if bad.any():
                where = f" at x = {x[bad][0]:.4g}" if out.shape == x.shape else ""
                problems.append(f"{dt.name}: {label} = {out[bad][0]}{where}")
    return CheckRow(FINITE, count, None, None, not problems, "; ".join(problems))


def _contract_problems(act: Any, z: np.ndarray, rng: np.random.Generator) -> list[str]:
    """Shapes and dtypes of forward/derivative/backprop, and z, a left unchanged."""
    out: list[str] = []
    z0 = z.copy()
    a = act.forward(z)
    a0 = np.array(a, copy=True)
    d = act.derivative(z, a)
    da = rng.standard_normal(z.shape).astype(z.dtype)
    g = _backprop(act, z, a, da)
    for label, arr in (("forward", a), ("derivative", d), ("backprop", g)):
        shape, dtype = getattr(arr, "shape", None), getattr(arr, "dtype", None)
        if shape != z.shape or dtype != z.dtype:
            out.append(f"{label} gave {dtype} {shape} for {z.dtype} {z.shape}")
    if not np.array_equal(z, z0):
        out.append(f"an input z ({z.dtype}) was modified")
    if not np.array_equal(a, a0):
        out.append(
            f"the forward output a ({z.dtype}) was modified by derivative/backprop"
        )
    return out


def _contract_row(act: Any, rng: np.random.Generator) -> CheckRow:
    problems: list[str] = []
    for dt in (np.float32, np.float64):
        z = rng.uniform(-3.0, 3.0, (4, _WIDTH)).astype(dt)
        try:
            problems += _contract_problems(act, z, rng)
        except Exception as err:
            problems.append(f"{np.dtype(dt).name}: raised {type(err).__name__}: {err}")
    return CheckRow(CONTRACT, 8 * _WIDTH, None, None, not problems, "; ".join(problems))


def _backprop_row(act: Any, x: np.ndarray, dt: np.dtype[Any], rng: Any) -> CheckRow:
    """An elementwise activation's own ``backprop`` equals da·f' to a few ulps."""
    try:
        z = x.astype(dt)
        a = act.forward(z.copy())
        d = np.asarray(act.derivative(z.copy(), a), np.float64)
        da = rng.standard_normal(z.shape).astype(dt)
        expected = da.astype(np.float64) * d
        got = np.asarray(act.backprop(z.copy(), a.copy(), da.copy()), np.float64)
    except Exception as err:
        return _failed(BACKPROP, err)
    diff = np.abs(got - expected)
    bound = (
        16.0
        * np.finfo(dt).eps
        * (np.abs(expected) + np.abs(da) * np.abs(d).max(initial=0.0))
    )
    ok = bool(np.all(diff <= bound))
    note = "" if ok else f"{int((diff > bound).sum())} of {diff.size} points differ"
    return CheckRow(BACKPROP, int(z.size), float(diff.max(initial=0.0)), None, ok, note)


def check_activation(
    act: Any,
    *,
    rng: np.random.Generator | None = None,
    dtype: Any = np.float64,
    eps: float = 1e-6,
    name: str | None = None,
) -> ActivationReport:
    """Check ``act.derivative`` (or, if not elementwise, ``backprop``) against central
    differences of ``act.forward``, region by region (see ``REGIONS``).

    Parameters
    ----------
    act : a built activation, or any object with ``forward(z)`` and
        ``derivative(z, a)`` (optional: ``backprop``, ``kinks``, ``elementwise``,
        ``overflows``, as on :class:`nnexp.engine.activations.ActivationBase`)
    rng : source of the random points; a fixed generator (seed 0) by default
    dtype : float32 or float64, the dtype the analytic derivative is evaluated in;
        the numerical reference is always float64, at the same (rounded) points
    eps : relative finite-difference step
    name : shown in the report (default: the class name)

    Returns
    -------
    ActivationReport; ``passed`` is True when every row passed.  Exceptions raised by
    ``act`` become failed rows carrying the message; they are never propagated.
    """
    dt = np.dtype(dtype)
    if dt.name not in TOLERANCES:
        raise ValueError(f"dtype must be float32 or float64, got {dt.name}")
    rng = np.random.default_rng(0) if rng is None else rng
    allow_overflow = bool(getattr(act, "overflows", False))
    try:
        kinks = _kinks(act)
    except Exception:  # a broken ``kinks`` shows up as no kink, and likely as failures
        kinks = np.empty(0)
    results = {r: _region_result(act, r, kinks, dt, eps, rng) for r in REGIONS}
    tol = _Tolerance(
        TOLERANCES[dt.name], float(np.finfo(dt).eps), _scale(results[RANDOM])
    )
    rows = [_region_row(r, results[r], tol, allow_overflow) for r in REGIONS]
    rows.append(_finite_row(act, allow_overflow))
    rows.append(_contract_row(act, rng))
    if getattr(act, "elementwise", True) and callable(getattr(act, "backprop", None)):
        rows.append(_backprop_row(act, _region_points(RANDOM, kinks, rng), dt, rng))
    return ActivationReport(
        name=name or type(act).__name__,
        dtype=dt.name,
        rtol=tol.rtol,
        scale=tol.scale,
        rows=tuple(rows),
        passed=all(r.passed for r in rows),
    )


def _region_result(
    act: Any, region: str, kinks: Array, dt: np.dtype[Any], eps: float, rng: Any
) -> _Sample | str | Exception:
    """The region's sample; a note if it has no points; the exception ``act`` raised.

    Floating-point warnings are silenced here: a NaN or inf they would announce fails
    the comparison anyway, and the finite row reports them by name.
    """
    x = _region_points(region, kinks, rng)
    if x.size == 0:
        return "no kinks declared" if region == NEAR_KINKS else _ALL_NEAR
    try:
        with np.errstate(all="ignore"):
            if getattr(act, "elementwise", True):
                return _elementwise_sample(act, x, dt, eps)
            return _jvp_sample(act, x, dt, eps, rng)
    except Exception as err:
        return err


def _scale(result: Any) -> float:
    """The largest |f'| (or ‖J d‖) on the random region; 1 if zero or unavailable."""
    if not isinstance(result, _Sample):
        return 1.0
    scale = float(result.size[np.isfinite(result.size)].max(initial=0.0))
    return scale if scale > 0.0 else 1.0


def error_text(value: float | None) -> str:
    """An error for a report: ``1.23e-04``, or ``-`` where none applies."""
    return "-" if value is None else f"{value:.2e}"


def report_lines(report: ActivationReport) -> list[str]:
    """The report as plain-text lines (for error messages): a title, then one line
    per row with its points, errors, verdict and note."""
    width = max(len(row.region) for row in report.rows)
    lines = [
        f"{report.name} in {report.dtype}, tolerance {report.tolerance}:",
        f"     {'region':<{width}} points  max abs, rel error  note",
    ]
    for row in report.rows:
        verdict = "pass" if row.passed else "FAIL"
        errors = f"{error_text(row.max_abs_error)} {error_text(row.max_rel_error)}"
        note = f"  {row.message}" if row.message else ""
        lines.append(
            f"{verdict} {row.region:<{width}} {row.points:>6}  {errors:<18}{note}"
        )
    return lines
