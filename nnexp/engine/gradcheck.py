"""Finite-difference checks (DESIGN §3.12): central differences, always in float64.

* :func:`central_difference` — elementwise f'(z) with a step scaled to |z|;
* :func:`numerical_gradient` — dL/dp for every entry of one parameter array;
* :func:`directional_derivative` — dL along a direction in many parameters at once
  (the random-direction check for networks too big for entry-by-entry differences);
* :func:`check_activation` — a built-in or plugin activation against its own forward,
  region by region, as an :class:`ActivationReport` of plain dataclasses that
  ``nnexp check`` renders as a table.

Rows of the report: the four derivative regions of ``REGIONS`` (points within
``KINK_GAP`` of a declared kink are left out; for an activation that is not elementwise,
such as softmax, each "point" is a row of 5 inputs checked through ``backprop`` in a
random direction), then ``FINITE`` (no floating-point warning and finite results at
magnitudes from 0 to the dtype's max/10, float32 and float64; ``overflows``
activations may give +inf), ``CONTRACT`` (shape and dtype kept, z and a not modified),
and, for elementwise activations with their own ``backprop``, ``BACKPROP``.

Tolerances of :func:`check_activation` (a point passes when
``|analytic − numeric| <= atol·scale + rtol·|numeric|``, ``scale`` being the largest
|f'| seen on [−4, 4], or 1 if f' vanishes there): float64 rtol 1e-5, atol 1e-7 — the
central difference itself is good to ~1e-9, so a correct formula passes with room to
spare, while a wrong one fails wherever its error is not negligible next to f'
(a relative error of 1e-5, or 1e-7 of f's typical slope); float32 (analytic
derivative in float32, reference still float64) rtol 1e-4, atol 1e-6, a few ulps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnexp.engine.activations import backprop as _backprop
from nnexp.types import Array

TOLERANCES: dict[str, tuple[float, float]] = {  # dtype name → (rtol, atol·scale)
    "float64": (1e-5, 1e-7),
    "float32": (1e-4, 1e-6),
}
RANDOM = "random [-4, 4]"
NEAR_KINKS = "near kinks (1e-3 to 1e-1 away)"
LARGE = "large |x| (1e2 to 1e4)"
SMALL = "small |x| (< 1e-3, away from kinks)"
REGIONS = (RANDOM, NEAR_KINKS, LARGE, SMALL)
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
    atol: float
    scale: float
    rows: tuple[CheckRow, ...]
    passed: bool

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        return tuple(r for r in self.rows if not r.passed)


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
    z = np.asarray(z, dtype=np.float64)
    h = eps * np.maximum(1.0, np.abs(z))
    with np.errstate(
        over="ignore", invalid="ignore"
    ):  # an overflowing f gives ±inf/NaN
        quotients = []
        for step in (h, 2 * h):
            zp, zm = z + step, z - step
            fp = np.asarray(f(zp), dtype=np.float64)
            fm = np.asarray(f(zm), dtype=np.float64)
            quotients.append((fp - fm) / (zp - zm))
        return (4 * quotients[0] - quotients[1]) / 3


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
    label: str = "x"


def _forward64(act: Any) -> Callable[[Array], Array]:
    return lambda x: np.asarray(act.forward(x), dtype=np.float64)


def _elementwise_sample(act: Any, x: Array, dt: np.dtype[Any], eps: float) -> _Sample:
    """f'(x) in ``dt`` against the float64 central difference at the same points."""
    zd = x.astype(dt)
    z64 = zd.astype(np.float64)  # exactly the points the dtype can hold
    numeric = central_difference(_forward64(act), z64, eps)
    analytic = np.asarray(act.derivative(zd.copy(), act.forward(zd.copy())), np.float64)
    return _Sample(z64, analytic, numeric, np.abs(numeric))


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
    jd = (f(z64 + h * d) - f(z64 - h * d)) / (2.0 * h)
    dz = _backprop(act, zd.copy(), act.forward(zd.copy()), v.astype(dt))
    analytic = np.sum(np.asarray(dz, np.float64) * d, axis=1)
    size = np.linalg.norm(jd, axis=1)
    where = np.abs(z64).max(axis=1)
    return _Sample(
        where, analytic, np.sum(v * jd, axis=1), size, "the row with max |z|"
    )


def _compare(
    region: str, s: _Sample, tol: tuple[float, float, float], allow_overflow: bool
) -> CheckRow:
    """Pass iff every point has |analytic − numeric| ≤ atol·scale + rtol·size."""
    rtol, atol, scale = tol
    finite = np.isfinite(s.analytic) & np.isfinite(s.numeric)
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
        kept = (arr[finite] for arr in (s.where, s.analytic, s.numeric, s.size))
        s = _Sample(*kept, s.label)
    if s.where.size == 0:
        return CheckRow(region, 0, None, None, True, note + "no points left")
    err = np.abs(s.analytic - s.numeric)
    ok = err <= atol * scale + rtol * s.size
    # relative errors of ~0 values mean nothing: none is reported ("-") rather than 0
    meaningful = s.size > atol * scale
    rel = (
        float((err[meaningful] / s.size[meaningful]).max())
        if meaningful.any()
        else None
    )
    if not ok.all():
        i = int(np.argmax(err - atol * scale - rtol * s.size))
        note += (
            f"{int((~ok).sum())} of {ok.size} points outside tolerance, worst at"
            f" {s.label} = {s.where[i]:.6g}: analytic {s.analytic[i]:.6g}"
            f" vs numeric {s.numeric[i]:.6g}"
        )
    passed = bool(ok.all())
    return CheckRow(
        region, int(ok.size), float(err.max()), rel, passed, note.strip("; ")
    )


def _failed(region: str, err: Exception) -> CheckRow:
    return CheckRow(region, 0, None, None, False, f"raised {type(err).__name__}: {err}")


def _region_row(
    region: str, result: Any, tol: tuple[float, float, float], allow_overflow: bool
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
        over = "ignore" if allow_overflow else "raise"
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
    err = np.abs(got - expected)
    bound = 16.0 * np.finfo(dt).eps * (np.abs(expected) + np.abs(da) * np.abs(d).max())
    ok = bool(np.all(err <= bound))
    note = "" if ok else f"{int((err > bound).sum())} of {err.size} points differ"
    return CheckRow(BACKPROP, int(z.size), float(err.max(initial=0.0)), None, ok, note)


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
    rtol, atol = TOLERANCES[dt.name]
    allow_overflow = bool(getattr(act, "overflows", False))
    try:
        kinks = _kinks(act)
    except Exception:  # a broken ``kinks`` shows up as no kink, and likely as failures
        kinks = np.empty(0)
    results = {r: _region_result(act, r, kinks, dt, eps, rng) for r in REGIONS}
    scale = _scale(results[RANDOM])
    tol = (rtol, atol, scale)
    rows = [_region_row(r, results[r], tol, allow_overflow) for r in REGIONS]
    rows.append(_finite_row(act, allow_overflow))
    rows.append(_contract_row(act, rng))
    if getattr(act, "elementwise", True) and callable(getattr(act, "backprop", None)):
        rows.append(_backprop_row(act, _region_points(RANDOM, kinks, rng), dt, rng))
    return ActivationReport(
        name=name or type(act).__name__,
        dtype=dt.name,
        rtol=rtol,
        atol=atol,
        scale=scale,
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
    size = result.size[np.isfinite(result.size)]
    scale = float(size.max()) if size.size else 0.0
    return scale if scale > 0.0 else 1.0
