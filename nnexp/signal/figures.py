"""The figures of ``nnexp signal`` (matplotlib ``Figure``\\ s, no pyplot).

* :func:`length_map_figure` — Q(q) against q with the diagonal, the iteration from
  the first layer's q¹ drawn as a staircase (cobweb), and the fixed point q*;
* :func:`correlation_map_figure` — C(c) on [−1, 1] with the diagonal, c* and the
  tangent of slope χ₁ at c = 1;
* :func:`phase_figure` — χ₁ over (σ_w², σ_b²) as colour (log scale, white at the
  critical value 1, red chaotic, blue ordered), the critical line χ₁ = 1, contours of
  ξ_c, hatching where q has no finite fixed point, the setup's point as a star;
* :func:`depth_scale_figure` — ξ_q, ξ_c and 6ξ_c against σ_w² at the setup's σ_b²,
  with the critical σ_w² and the networks' depth;
* :func:`networks_figure` — q^l, c^l and the backpropagated gradient of random
  networks (bands over draws) on the mean-field recursion;
* :func:`jacobian_figure` — the singular values of the input–output Jacobian,
  Gaussian against orthonormal weights (dynamical isometry).

Infinite values are not drawn (NaN); the notes of the table say why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from matplotlib.colors import LogNorm, TwoSlopeNorm
from matplotlib.figure import Figure

from nnexp.plots.base import finite_or_nan, new_figure
from nnexp.signal.curves import MapCurves, TheoryCurves
from nnexp.signal.fixed_points import GROWS, OVERFLOWS
from nnexp.signal.jacobian import LOST
from nnexp.signal.meanfield import MeanField

#: χ₁ colour range: 2^±LOG2_RANGE
LOG2_RANGE = 2.0
#: ξ_c contour levels of the phase diagram
XI_LEVELS = (1, 2, 5, 10, 20, 50)
MAP_COLORS = {"this network": "C0", "critical": "0.1", "ordered": "C9", "chaotic": "C6"}
MAP_STYLES = {"this network": "-", "critical": "--", "ordered": ":", "chaotic": "-."}


def _title(curves: TheoryCurves, what: str) -> str:
    v = curves.setup.variances
    return f"{curves.setup.label}: {what} (σ_w² = {v.sigma_w2:.4g}, σ_b² = {v.sigma_b2:.4g})"


def _fmt(x: float, digits: int = 4) -> str:
    return "∞" if math.isinf(x) else f"{x:.{digits}g}"


def length_map_figure(curves: TheoryCurves) -> Figure:
    fig = new_figure(6.4, 4.8)
    ax = fig.subplots()
    point = curves.point
    top = 0.0
    for m in curves.maps:
        ax.plot(m.q, finite_or_nan(m.length), **_style(m),
                label=f"Q(q), σ_w² = {m.sigma_w2:.4g} ({m.label})")  # fmt: skip
        top = max(top, float(m.q[-1])) if m is curves.maps[0] else top
    ax.plot([0, top], [0, top], color="0.6", ls="--", lw=1, label="Q(q) = q")
    _cobweb(ax, curves.maps[0], curves.setup.q1)
    if point.q_status in ("finite", "kept") and point.q_star <= top:
        ax.plot([point.q_star], [point.q_star], "o", color="C3", ms=8, zorder=5,
                label=f"q* = {_fmt(point.q_star)}")  # fmt: skip
    ax.set_xlim(0, top)
    ax.set_ylim(0, top * 1.05)
    ax.set_xlabel("pre-activation variance q of layer l")
    ax.set_ylabel("q of layer l + 1")
    ax.text(0.98, 0.03, _length_text(point), transform=ax.transAxes, ha="right",
            va="bottom", fontsize=8, bbox={"fc": "white", "ec": "0.8"})  # fmt: skip
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    ax.set_title(_title(curves, "length map"), fontsize=10)
    return fig


def _style(m: MapCurves) -> dict[str, Any]:
    main = m.label == "this network"
    return {"color": MAP_COLORS[m.label], "ls": MAP_STYLES[m.label],
            "lw": 2.2 if main else 1.3, "zorder": 3 if main else 2}  # fmt: skip


def _length_text(point: MeanField) -> str:
    lines = {
        "finite": f"q* = {_fmt(point.q_star)}, Q′(q*) = {_fmt(point.length_slope)}",
        "kept": "Q(q) = q: every q is a fixed point",
        "fades": "q → 0: the signal fades",
        "grows": "no finite q*: q grows without bound",
    }
    return f"{lines[point.q_status]}\nξ_q = {_fmt(point.xi_q)} layers"


def _cobweb(ax: Any, m: MapCurves, q1: float, steps: int = 12) -> None:
    """The iteration q ← Q(q) from q¹ as a staircase between the curve and the
    diagonal (interpolated on the drawn curve)."""
    xs, ys = [q1], [0.0]
    q = q1
    for _ in range(steps):
        nxt = float(np.interp(q, m.q, m.length))
        if not (math.isfinite(nxt) and nxt <= m.q[-1]):
            break
        xs += [q, nxt]
        ys += [nxt, nxt]
        q = nxt
    ax.plot(xs, ys, color="C1", lw=1, alpha=0.8, label=f"layers from q¹ = {q1:.4g}")


def correlation_map_figure(curves: TheoryCurves) -> Figure:
    fig = new_figure(6.4, 4.8)
    ax = fig.subplots()
    point = curves.point
    for m in curves.maps:
        ax.plot(m.c, finite_or_nan(m.correlation), **_style(m),
                label=f"C(c), σ_w² = {m.sigma_w2:.4g} ({m.label})")  # fmt: skip
    ax.plot([-1, 1], [-1, 1], color="0.6", ls="--", lw=1, label="C(c) = c")
    ax.plot([point.c_star], [point.c_star], "o", color="C3", ms=8, zorder=5,
            label=f"c* = {_fmt(point.c_star)}, C′(c*) = {_fmt(point.chi_c)}")  # fmt: skip
    if math.isfinite(point.chi1):
        span = 0.35 / max(1.0, point.chi1)
        ax.plot([1 - span, 1], [1 - point.chi1 * span, 1], color="C3", lw=2.5,
                alpha=0.7, label=f"slope χ₁ = {_fmt(point.chi1)} at c = 1")  # fmt: skip
    else:
        ax.plot([1, 1], [0.75, 1], color="C3", lw=2.5, alpha=0.7,
                label="slope χ₁ = ∞ at c = 1 (f jumps)")  # fmt: skip
    ax.set_xlim(-1.02, 1.02)
    ax.set_ylim(-1.02, 1.02)
    ax.set_xlabel("correlation c of two inputs at layer l")
    ax.set_ylabel("c at layer l + 1")
    ax.text(0.98, 0.03, f"{point.phase}; ξ_c = {_fmt(point.xi_c)} layers",
            transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
            bbox={"fc": "white", "ec": "0.8"})  # fmt: skip
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    ax.set_title(_title(curves, "correlation map"), fontsize=10)
    return fig


def phase_figure(curves: TheoryCurves) -> Figure:
    fig = new_figure(7.2, 5.2)
    ax = fig.subplots()
    g, shape = curves.phase, curves.phase_shape
    W = g.sigma_w2.reshape(shape)
    B = g.sigma_b2.reshape(shape)
    chi = g.chi1.reshape(shape)
    xi_c = finite_or_nan(g.xi_c).reshape(shape)
    status = g.q_status.reshape(shape)
    if np.all(np.isinf(chi[np.isfinite(chi)])) and np.any(np.isinf(chi)):
        mesh = ax.pcolormesh(W, B, xi_c, shading=_shading(xi_c), cmap="viridis",
                             norm=LogNorm())  # fmt: skip
        bar = fig.colorbar(mesh, ax=ax)
        bar.set_label("ξ_c (layers); χ₁ is infinite everywhere: always chaotic")
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.clip(np.log2(chi), -LOG2_RANGE, LOG2_RANGE)
        # each side of χ₁ = 1 spans its own range, so a mildly chaotic side is red too
        low = min(float(np.nanmin(z)), -0.05)
        high = max(float(np.nanmax(z)), 0.05)
        norm = TwoSlopeNorm(vcenter=0.0, vmin=low, vmax=high)
        mesh = ax.pcolormesh(W, B, z, shading=_shading(z), cmap="RdBu_r", norm=norm)
        bar = fig.colorbar(mesh, ax=ax)
        ticks = np.log2([0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0])
        ticks = ticks[(ticks >= low) & (ticks <= high)]
        bar.set_ticks(list(ticks))
        bar.set_ticklabels([f"{2.0**t:.3g}" for t in ticks])
        bar.set_label("χ₁  (blue ordered: gradients vanish; red chaotic: explode)")
        if np.nanmin(z) < 0 < np.nanmax(z):
            line = ax.contour(W, B, np.nan_to_num(z, nan=LOG2_RANGE), levels=[0.0],
                              colors="black", linewidths=2.2)  # fmt: skip
            ax.clabel(line, fmt={0.0: "χ₁ = 1"}, fontsize=8)
    _xi_contours(ax, W, B, g.xi_c.reshape(shape), status)
    _hatch(ax, W, B, status == GROWS, "//", "no finite q* (q grows)")
    _hatch(ax, W, B, status == OVERFLOWS, "xx", "E[φ²] overflows")
    v = curves.setup.variances
    ax.plot([v.sigma_w2], [v.sigma_b2], marker="*", color="gold", mec="black",
            ms=15, ls="", label="this network")  # fmt: skip
    ax.set_xlabel("σ_w²  (weights N(0, σ_w²/fan_in))")
    ax.set_ylabel("σ_b²  (biases N(0, σ_b²))")
    ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    ax.set_title(f"{curves.setup.label}: phase diagram", fontsize=10)
    return fig


def _shading(values: Any) -> Literal["gouraud", "nearest"]:
    """Smooth colours, unless some cells have no value (gouraud cannot skip them)."""
    return "gouraud" if np.all(np.isfinite(values)) else "nearest"


def _xi_contours(ax: Any, W: Any, B: Any, xi: Any, status: Any) -> None:
    """Contours of ξ_c drawn on 1/ξ_c = −log C′(c*), which is smooth through the
    critical line (where it is 0) while ξ_c diverges; cells where q fades are left
    out (there the correlation map tends to the identity: 1/ξ_c = 0 by a limit)."""
    with np.errstate(divide="ignore"):
        rate = np.where(np.isinf(xi), 0.0, 1.0 / xi)
    rate = np.where(status == "fades", np.nan, rate)
    if np.sum(np.isfinite(rate)) < 4:
        return
    lo, hi = np.nanmin(rate), np.nanmax(rate)
    levels = sorted(1.0 / x for x in XI_LEVELS if lo < 1.0 / x < hi)
    if not levels:
        return
    cs = ax.contour(W, B, rate, levels=levels, colors="0.2", linewidths=0.8,
                    linestyles="--")  # fmt: skip
    ax.clabel(cs, fmt=lambda r: f"ξ_c = {1 / r:.3g}", fontsize=7)


def _hatch(ax: Any, W: Any, B: Any, mask: Any, hatch: str, label: str) -> None:
    if not np.any(mask):
        return
    ax.contourf(W, B, mask.astype(float), levels=[0.5, 1.5], colors="none",
                hatches=[hatch])  # fmt: skip
    ax.fill_between([], [], [], facecolor="none", edgecolor="0.2", hatch=hatch,
                    label=label)  # fmt: skip


def depth_scale_figure(curves: TheoryCurves) -> Figure:
    fig = new_figure(6.8, 4.8)
    ax = fig.subplots()
    s = curves.scan
    xi_c, xi_q = finite_or_nan(s.xi_c), finite_or_nan(s.xi_q)
    ax.plot(s.sigma_w2, xi_c, color="C0", lw=2, label="ξ_c (correlations)")
    ax.plot(s.sigma_w2, 6 * xi_c, color="C0", lw=1.2, ls=":",
            label="6 ξ_c: trainable depth (Schoenholz et al.)")  # fmt: skip
    ax.plot(s.sigma_w2, xi_q, color="C1", lw=2, ls="--", label="ξ_q (lengths)")
    crit = curves.critical
    if crit.sigma_w2 is not None:
        ax.axvline(crit.sigma_w2, color="black", ls="--", lw=1,
                   label=f"critical σ_w² = {crit.sigma_w2:.4g}")  # fmt: skip
    setup = curves.setup
    ax.axhline(setup.depth, color="0.5", lw=1, label=f"depth L = {setup.depth}")
    ax.axvline(setup.variances.sigma_w2, color="gold", lw=2, alpha=0.8,
               label="this network")  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlim(float(s.sigma_w2[0]), float(s.sigma_w2[-1]))
    for name, xi in (("ξ_c", xi_c), ("ξ_q", xi_q)):
        if not np.any(np.isfinite(xi)):
            ax.text(0.98, 0.04 if name == "ξ_c" else 0.10,
                    f"{name} is infinite at every σ_w² here (see the notes)",
                    transform=ax.transAxes, ha="right", fontsize=8)  # fmt: skip
    values = np.concatenate([xi_c[np.isfinite(xi_c)], xi_q[np.isfinite(xi_q)]])
    positive = values[values > 0]
    low = max(1e-2, float(positive.min()) / 2) if positive.size else 0.1
    ax.set_ylim(low, 1e3)
    ax.set_xlabel("σ_w²")
    ax.set_ylabel("depth scale (layers)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(
        f"{setup.label}: depth scales at σ_b² = {setup.variances.sigma_b2:.4g}",
        fontsize=10,
    )
    return fig


ENSEMBLE_STYLE = {"gaussian": ("C0", "o"), "orthonormal": ("C3", "s")}
C0_COLORS = ("C2", "C1", "C4")


def networks_figure(
    setup: Any, theory: Any, stats: Sequence[Any], deviations: Mapping[str, Any]
) -> Figure:
    """Three panels against the layer: q^l, c^l for each c⁰, and the squared
    gradient ratio; the mean-field recursion as lines, each ensemble's mean over
    draws as markers with ±2 standard errors, the 10–90 % spread of single
    networks as a band."""
    fig = new_figure(13.0, 4.6)
    ax_q, ax_c, ax_g = fig.subplots(1, 3)
    layers = np.arange(1, setup.depth + 1)
    ax_q.plot(layers, theory.q, color="black", lw=2, label="mean field")
    ax_g.plot(layers, theory.grad, color="black", lw=2, label="mean field")
    for i, c0 in enumerate(theory.c0):
        ax_c.plot(layers, theory.c[i], color=C0_COLORS[i % 3], lw=2,
                  label=f"mean field, c⁰ = {c0:g}")  # fmt: skip
    for k, st in enumerate(stats):
        color, marker = ENSEMBLE_STYLE.get(st.ensemble, (f"C{k + 5}", "^"))
        shift = (k - (len(stats) - 1) / 2) * 0.12
        dev = deviations.get(st.ensemble, {})
        label = f"{st.ensemble} ({st.draws} nets)"
        _band(ax_q, layers + shift, st.q, color, marker,
              f"{label}; ≤ {dev.get('q', math.nan):.2f} tol")  # fmt: skip
        _band(ax_g, layers + shift, st.grad, color, marker,
              f"{label}; ≤ {dev.get('grad', math.nan):.2f} tol")  # fmt: skip
        for i in range(st.c.shape[1]):
            _band(ax_c, layers + shift, st.c[:, i], C0_COLORS[i % 3], marker,
                  label if i == 0 else None, edge=color)  # fmt: skip
    if setup.depth > 1 and np.all(theory.grad[:-1] == 0):
        ax_g.text(0.45, 0.3, "f′ = 0: no gradient reaches the layers below the top",
                  transform=ax_g.transAxes, ha="center", fontsize=9)  # fmt: skip
    ax_q.set_ylabel("q^l = mean (h^l)²")
    ax_c.set_ylabel("correlation c^l of an input pair")
    ax_g.set_ylabel("‖δ^l‖² / ‖δ^L‖²  (backpropagated)")
    ax_g.set_yscale("log")
    if np.nanmax(theory.q) / max(np.nanmin(theory.q), 1e-300) > 30:
        ax_q.set_yscale("log")
    for ax in (ax_q, ax_c, ax_g):
        ax.set_xlabel("layer l")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    v = setup.variances
    fig.suptitle(
        f"{setup.label}: random networks of width {setup.width} against mean-field"
        f" theory (σ_w² = {v.sigma_w2:.4g}, σ_b² = {v.sigma_b2:.4g}); tol = 4 SE +"
        f" 2·layers/width",
        fontsize=10,
    )
    return fig


def _band(
    ax: Any,
    x: Any,
    values: Any,
    color: str,
    marker: str,
    label: str | None,
    edge: str | None = None,
) -> None:
    n = values.shape[0]
    mean = np.mean(values, axis=0)
    se = np.std(values, axis=0, ddof=1) / math.sqrt(n)
    low, high = np.quantile(values, [0.1, 0.9], axis=0)
    ax.fill_between(x, low, high, color=color, alpha=0.12, lw=0)
    ax.errorbar(x, mean, yerr=2 * se, color=color, marker=marker, ms=4, ls="",
                mec=edge or color, mew=1.2, capsize=2, elinewidth=1, label=label)  # fmt: skip


def jacobian_figure(setup: Any, spectra: Sequence[Any]) -> Figure:
    """Histograms (densities over log₁₀ σ) of the Jacobian's singular values per
    weight ensemble, with σ = 1 marked: isometry is everything near that line.
    Values below the lost threshold are counted in the legend, not drawn."""
    fig = new_figure(7.2, 4.8)
    ax = fig.subplots()
    logs = [np.log10(sp.values[sp.values >= LOST]) for sp in spectra]
    every = np.concatenate([x for x in logs if x.size] or [np.zeros(1)])
    lo = min(float(np.min(every)), -0.5)
    hi = max(float(np.max(every)), 0.5)
    bins = np.linspace(lo, hi, 50).tolist()
    for k, (sp, x) in enumerate(zip(spectra, logs, strict=True)):
        color = ENSEMBLE_STYLE.get(sp.ensemble, (f"C{k + 5}", "^"))[0]
        info = sp.to_dict()
        label = (
            f"{sp.ensemble}: mean σ² = {info['mean_square']:.3g}"
            f" (theory {sp.theory_mean_square:.3g}), max σ = {info['max']:.3g},"
            f" σ < {LOST:g}: {100 * sp.lost_fraction:.0f} %"
        )
        weights = np.full(x.size, 1.0 / max(sp.values.size, 1))  # all values sum to 1
        ax.hist(x, bins=bins, weights=weights, histtype="stepfilled", alpha=0.25,
                color=color)  # fmt: skip
        ax.hist(x, bins=bins, weights=weights, histtype="step", lw=1.8,
                color=color, label=label)  # fmt: skip
    ax.axvline(0.0, color="black", ls="--", lw=1, label="σ = 1 (isometry)")
    ax.set_xlabel("log₁₀ singular value σ of the input–output Jacobian")
    ax.set_ylabel("fraction of singular values per bin")
    ax.legend(fontsize=7.5, loc="upper left")
    ax.grid(alpha=0.3)
    v = setup.variances
    width = int(spectra[0].values.shape[1])
    ax.set_title(
        f"{setup.label}: Jacobian at q*, depth {setup.depth}, width {width}"
        f" (σ_w² = {v.sigma_w2:.4g}, σ_b² = {v.sigma_b2:.4g})",
        fontsize=10,
    )
    return fig


def trainability_figure(
    setup: Any, grid: Any, scan_w: Any, xi_c: Any, critical: float | None
) -> Figure:
    """The sweep's accuracy over (σ_w², depth) as colour, 6 ξ_c (and 3 ξ_c) over it,
    as Schoenholz et al.'s figure: networks deeper than ~6 ξ_c do not train."""
    fig = new_figure(7.6, 5.2)
    ax = fig.subplots()
    acc = np.ma.masked_invalid(grid.accuracy * 100.0)
    mesh = ax.pcolormesh(_edges(grid.sigma_w2), _edges(grid.depth), acc,
                         cmap="viridis", vmin=0, vmax=100)  # fmt: skip
    bar = fig.colorbar(mesh, ax=ax)
    bar.set_label("final validation accuracy (%)")
    xi = finite_or_nan(xi_c)
    top = float(_edges(grid.depth)[-1])
    ax.plot(scan_w, 6 * xi, color="white", lw=2.5, label="6 ξ_c (mean field)")
    ax.plot(scan_w, 3 * xi, color="white", lw=1.2, ls="--", label="3 ξ_c")
    if critical is not None:
        ax.axvline(critical, color="white", ls=":", lw=1.2,
                   label=f"critical σ_w² = {critical:.3g}")  # fmt: skip
    ax.set_ylim(float(_edges(grid.depth)[0]), top)
    ax.set_xlim(float(_edges(grid.sigma_w2)[0]), float(_edges(grid.sigma_w2)[-1]))
    ax.set_xlabel("σ_w²")
    ax.set_ylabel("depth L (hidden layers of width 100)")
    legend = ax.legend(fontsize=8, loc="upper right", facecolor="0.3", framealpha=0.6)
    for text in legend.get_texts():
        text.set_color("white")
    minutes = grid.seconds / 60
    ax.set_title(
        f"{setup.label}, σ_b² = {grid.sigma_b2:g}: accuracy after {grid.epochs} epochs"
        f" ({grid.cells} networks, {minutes:.1f} min of training in all)",
        fontsize=10,
    )
    return fig


def _edges(centres: Any) -> Any:
    """Cell edges halfway between sorted centres (non-uniform grids too)."""
    c = np.asarray(centres, dtype=float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
