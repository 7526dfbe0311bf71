"""Optimiser trajectories on a 2-D objective (docs/maths.md §6, §7 E7): run, plot, write.

:func:`run_landscape` runs every method of a :class:`~nnexp.spec.landscape.LandscapeSpec`
from every start point and returns the trajectories; :func:`write_landscape` writes
them as a folder like a run folder::

    <runs>/<stamp>_<name>/
      config.yaml         the resolved spec (defaults and labels filled in)
      trajectories.csv    method, start, iteration, w1, w2, f, grad_norm
      summary.json        per trajectory: iterations, final point, f, ‖∇f‖, stopped by
      plots/contour.png   contour plot with each trajectory as arrows
      plots/objective.png f (or f − f* when f* is known) and ‖∇f‖ against the iteration

The update rules (w has shape (2,), g = ∇f(w), s = −1 to maximise, +1 to minimise):

* ``gradient``: w ← w − s·η·g, a fixed step η (E7: η = 0.1, s = −1: gradient ascent);
* ``exact_line_search`` on the quadratic: w ← w − λg with λ = gᵀg / gᵀQg (docs/maths.md §6);
* any optimiser of the registry, fed with the gradient of s·f (optimisers minimise),
  at its own learning rate ``lr``.

Stopping (checked in this order at each iterate): ‖∇f‖ < ``stop.grad_norm``; after a
step, ‖w_k+1 − w_k‖ < ``stop.step_norm``; ``stop.max_iterations`` steps taken; a
non-finite point, value or gradient ("diverged", the last finite iterate is kept;
"undefined_at_start" when that happens at the start).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, MaxNLocator

from nnexp.errors import RunError
from nnexp.plots.base import color_map, new_figure, save_figure
from nnexp.runs.checkpoint import atomic_write_json
from nnexp.runs.layout import new_run_dir
from nnexp.spec.landscape import (
    GRADIENT,
    LINE_SEARCH,
    LandscapeSpec,
    MethodSpec,
    StopSpec,
    load_landscape_spec,
    spec_to_dict,
)
from nnexp.teaching.objectives import Quadratic
from nnexp.types import Array

#: marker of the n-th start point in every plot
START_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
#: line style of the n-th start point in the objective plot
LINE_STYLES = ("-", "--", ":", "-.")
#: at most this many arrows per trajectory; longer paths show every k-th step
MAX_ARROWS = 60
#: The contour plot is drawn to scale unless its window is more than this many
#: times taller than wide, or wider than tall.
MAX_ASPECT = 6.0

Step = Callable[[Array, Array], Array]  # (w, g) → next w, both (2,)


@dataclass(frozen=True)
class Trajectory:
    """The iterates of one method from one start.

    Attributes
    ----------
    method : the method's label
    start : (w1, w2) of the start point
    points : (iterations + 1, 2), the start first
    values : (iterations + 1,), f at each point
    grad_norms : (iterations + 1,), ‖∇f‖ at each point
    stopped_by : ``grad_norm``, ``step_norm``, ``max_iterations``, ``diverged`` or
        ``undefined_at_start`` (f or ∇f not finite at the start: no step taken)
    """

    method: str
    start: tuple[float, float]
    points: Array
    values: Array
    grad_norms: Array
    stopped_by: str

    @property
    def iterations(self) -> int:
        return len(self.points) - 1


@dataclass(frozen=True)
class LandscapeResult:
    """Everything :func:`run_landscape` computed: the spec, objective, trajectories."""

    spec: LandscapeSpec
    objective: Any
    trajectories: list[Trajectory]
    folder: Path | None = None  # where :func:`landscape` wrote it

    @property
    def optimum(self) -> float | None:
        """f* for the spec's goal when the objective knows it, else None."""
        return self.objective.optimum(self.spec.goal)


def make_step(method: MethodSpec, objective: Any, goal: str) -> Step:
    """The update rule of ``method`` (see the module docstring); a fresh optimiser
    state each call, so every trajectory starts from zero moments."""
    sign = -1.0 if goal == "maximise" else 1.0
    if method.kind == GRADIENT:
        eta = sign * float(method.step or 0.0)
        return lambda w, g: w - eta * g
    if method.kind == LINE_SEARCH:
        if not isinstance(objective, Quadratic):
            raise TypeError("exact line search needs the quadratic objective")
        return lambda w, g: w - objective.exact_step(g) * g
    assert method.optimizer is not None
    optimizer = method.optimizer.build()

    def step(w: Array, g: Array) -> Array:
        params = {"w": w.copy()}
        optimizer.step(params, {"w": sign * g}, optimizer.lr)  # updates params in place
        return params["w"]

    return step


def run_trajectory(
    objective: Any, step: Step, start: Sequence[float], stop: StopSpec, label: str = ""
) -> Trajectory:
    """Iterate ``step`` from ``start`` until the stopping rule ``stop`` holds.

    Returns
    -------
    Trajectory with ``points`` of shape (iterations + 1, 2).
    """
    w = np.array(start, dtype=np.float64)
    # a diverging method overflows on purpose; it is detected and reported, not warned
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        f, g = _evaluate(objective, w)
        norm = float(np.linalg.norm(g)) if g is not None else np.nan
        points, values, norms = [w], [f], [norm]
        stopped = "max_iterations" if g is not None else "undefined_at_start"
        for k in range(stop.max_iterations + 1 if g is not None else 0):
            if stop.grad_norm is not None and norms[-1] < stop.grad_norm:
                stopped = "grad_norm"
                break
            if k == stop.max_iterations:
                break
            new = step(w, g)
            f_new, g_new = _evaluate(objective, new)
            if g_new is None:
                stopped = "diverged"
                break
            points.append(new)
            values.append(f_new)
            norms.append(float(np.linalg.norm(g_new)))
            if stop.step_norm is not None and np.linalg.norm(new - w) < stop.step_norm:
                stopped = "step_norm"
                break
            w, g = new, g_new
    pair = (float(start[0]), float(start[1]))
    return Trajectory(
        label, pair, np.array(points), np.array(values), np.array(norms), stopped
    )


def _evaluate(objective: Any, w: Array) -> tuple[float, Array | None]:
    """f(w) and ∇f(w), or (nan, None) as soon as anything is not finite."""
    if not np.all(np.isfinite(w)):
        return np.nan, None
    f = objective(w)
    g = objective.gradient(w) if np.isfinite(f) else None
    return (f, g) if g is not None and np.all(np.isfinite(g)) else (np.nan, None)


def run_landscape(spec: LandscapeSpec) -> LandscapeResult:
    """Every method from every start: ``len(methods) × len(starts)`` trajectories,
    method by method."""
    objective = spec.objective.built  # the instance the spec's validation built
    out = []
    for method, label in zip(spec.methods, spec.labels, strict=True):
        for start in spec.starts:
            step = make_step(method, objective, spec.goal)
            out.append(run_trajectory(objective, step, start, spec.stop, label))
    return LandscapeResult(spec, objective, out)


# tables ---------------------------------------------------------------------------------


def start_label(start: Sequence[float]) -> str:
    """``(0.2, 0.5)``: how a start point is named in files and legends."""
    return f"({start[0]:g}, {start[1]:g})"


def trajectories_frame(result: LandscapeResult) -> pd.DataFrame:
    """One row per iterate: method, start, iteration, w1, w2, f, grad_norm."""
    frames = [
        pd.DataFrame(
            {
                "method": t.method,
                "start": start_label(t.start),
                "iteration": np.arange(len(t.points)),
                "w1": t.points[:, 0],
                "w2": t.points[:, 1],
                "f": t.values,
                "grad_norm": t.grad_norms,
            }
        )  # fmt: skip
        for t in result.trajectories
    ]
    return pd.concat(frames, ignore_index=True)


def summary(result: LandscapeResult) -> dict[str, Any]:
    """The summary.json content: the experiment and one entry per trajectory."""
    spec = result.spec
    rows = [
        {
            "method": t.method,
            "start": list(t.start),
            "iterations": t.iterations,
            "final_point": t.points[-1].tolist(),
            "final_f": float(t.values[-1]),
            "grad_norm": float(t.grad_norms[-1]),
            "stopped_by": t.stopped_by,
        }
        for t in result.trajectories
    ]
    return {
        "name": spec.name,
        "status": "completed",
        "objective": spec.objective.describe(),
        "goal": spec.goal,
        "optimum": result.optimum,
        "stop": spec.stop.model_dump(),
        "trajectories": rows,
    }


# plots ----------------------------------------------------------------------------------


def plot_window(
    result: LandscapeResult,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The (w1, w2) ranges of the contour plot: the spec's, else the trajectories'
    bounding box (with the quadratic's optimum) plus a 15 % margin."""
    pts = np.vstack([t.points for t in result.trajectories])
    obj = result.objective
    if isinstance(obj, Quadratic) and obj.definite_for(result.spec.goal):
        pts = np.vstack([pts, obj.stationary_point()])
    ranges = []
    for axis, given in enumerate((result.spec.plot.w1, result.spec.plot.w2)):
        if given is not None:
            ranges.append((float(given[0]), float(given[1])))
            continue
        lo, hi = float(pts[:, axis].min()), float(pts[:, axis].max())
        pad = max(0.15 * (hi - lo), 0.5 if hi == lo else 0.05 * (hi - lo))
        ranges.append((lo - pad, hi + pad))
    return ranges[0], ranges[1]


def draw_contours(ax: Axes, result: LandscapeResult, n: int = 300) -> tuple[Any, str]:
    """Filled contours of f over :func:`plot_window`.

    With ``plot.scale: log`` the contours are of the gap |f − f*| (f* known, else the
    best value on the grid) on log-spaced levels, which resolves the narrow valleys of
    an ill-conditioned quadratic or Rosenbrock's function.

    Returns
    -------
    the filled contour set and the label of what it shows
    """
    (a, b), (c, d) = plot_window(result)
    W1, W2 = np.meshgrid(np.linspace(a, b, n), np.linspace(c, d, n))
    with np.errstate(all="ignore"):  # a user formula may be undefined in places
        Z = np.asarray(result.objective.value(W1, W2), dtype=np.float64)
    Z = np.where(np.isfinite(Z), Z, np.nan)
    if not np.any(np.isfinite(Z)):  # undefined on the whole window: draw it flat
        Z = np.zeros_like(Z)
    levels = np.linspace(np.nanmin(Z), np.nanmax(Z), result.spec.plot.levels)
    norm, label = None, "f(w)"
    if result.spec.plot.scale == "log":
        Z, levels, norm, label = _log_gap(Z, result)
    if not np.all(np.isfinite(levels)) or levels[0] == levels[-1]:  # a flat window
        levels = np.linspace(np.nanmin(Z) - 1, np.nanmax(Z) + 1, 3)
    kw = {"levels": levels, "norm": norm}
    filled = ax.contourf(W1, W2, Z, cmap="viridis", alpha=0.85, **kw)
    # solid lines: matplotlib would dash the negative levels of a one-colour contour
    ax.contour(
        W1, W2, Z, colors="white", linewidths=0.4, linestyles="solid", alpha=0.5, **kw
    )
    ax.set_xlim(a, b)
    ax.set_ylim(c, d)
    return filled, label


def _log_gap(Z: Array, result: LandscapeResult) -> tuple[Array, Array, Any, str]:
    f_star = result.optimum
    best = np.nanmax(Z) if result.spec.goal == "maximise" else np.nanmin(Z)
    ref = best if f_star is None else f_star
    gap = np.abs(Z - ref)
    top = float(np.nanmax(gap))
    if not top > 0:  # f is constant on the window: nothing to put on a log scale
        return Z, np.array([0.0, 0.0]), None, "f(w)"
    # four decades below the window's largest gap: enough to see the valley's shape
    # while keeping the levels spread over the picture
    floor = max(float(np.nanmin(np.where(gap > 0, gap, np.nan))), top * 1e-4)
    gap = np.maximum(gap, floor)  # the optimum itself gets the lowest colour
    levels = np.geomspace(floor, top, result.spec.plot.levels)
    best_name = "max f" if result.spec.goal == "maximise" else "min f"
    name = "f*" if f_star is not None else best_name
    return gap, levels, LogNorm(floor, top), f"|f(w) − {name}| (log scale)"


def draw_trajectory(ax: Axes, t: Trajectory, color: str, marker: str) -> None:
    """A thin path through all iterates, arrows for the steps (every k-th one when
    there are more than :data:`MAX_ARROWS`), the start marked, the end hollow."""
    p = t.points
    ax.plot(p[:, 0], p[:, 1], color=color, lw=0.8, alpha=0.7)
    if len(p) > 1:
        # each arrow is one real step w_k → w_k+1; long paths show every k-th step
        every = max(1, int(np.ceil((len(p) - 1) / MAX_ARROWS)))
        idx = np.arange(0, len(p) - 1, every)
        tail, head = p[idx], p[idx + 1]
        ax.quiver(
            tail[:, 0], tail[:, 1], head[:, 0] - tail[:, 0], head[:, 1] - tail[:, 1],
            color=color, angles="xy", scale_units="xy", scale=1, width=0.004,
            headwidth=4, headlength=5, headaxislength=4.5, minlength=0.1, zorder=3,
        )  # fmt: skip
    # starts are shared by the methods: grey, so that no method's colour hides another
    ax.plot(*p[0], marker=marker, ms=8, color="0.35", mec="black", mew=0.8, zorder=4)
    ax.plot(*p[-1], marker=marker, ms=9, mfc="white", mec=color, mew=2, zorder=4)


def contour_figure(result: LandscapeResult) -> Any:
    """Contour plot of f with every trajectory; colours by method, markers by start.

    Drawn to scale (one unit of w₁ as long as one of w₂), so that angles are true:
    the zig-zag of exact line search turns by right angles, and gradients cross the
    contours at right angles.  A window more than :data:`MAX_ASPECT` times taller
    than wide (or wider than tall) would leave a sliver of a panel: it is stretched.
    """
    (a, b), (c, d) = plot_window(result)
    ratio = (d - c) / (b - a)
    to_scale = 1 / MAX_ASPECT <= ratio <= MAX_ASPECT
    fig = new_figure(*_contour_size(ratio if to_scale else 1.0))
    ax = fig.add_subplot()
    filled, label = draw_contours(ax, result)
    if to_scale:
        ax.set_aspect("equal", adjustable="box")
    bar = fig.colorbar(filled, ax=ax, label=label, shrink=0.9)
    # round ticks (decades on a log scale), not the odd values of the contour levels
    if isinstance(filled.norm, LogNorm):
        bar.ax.yaxis.set_major_locator(LogLocator())
        bar.ax.yaxis.set_major_formatter(LogFormatterSciNotation())
    else:
        bar.ax.yaxis.set_major_locator(MaxNLocator(8))
    colors = color_map(t.method for t in result.trajectories)
    markers = _start_markers(result.spec.starts)
    for t in result.trajectories:
        draw_trajectory(ax, t, colors[t.method], markers[start_label(t.start)])
    ax.set_xlabel("w₁")
    ax.set_ylabel("w₂")
    ax.set_title(landscape_title(result))
    _figure_legend(fig, _handles(colors, markers))
    return fig


def _contour_size(ratio: float) -> tuple[float, float]:
    """Figure width and height (inches) around a panel of height/width ``ratio``:
    its longer side 5 inches, plus room for the colour bar, labels and legend."""
    width, height = (5.0, 5.0 * ratio) if ratio <= 1 else (5.0 / ratio, 5.0)
    return max(width + 2.2, 6.0), max(height + 1.9, 3.6)


def _start_markers(starts: Sequence[Sequence[float]]) -> dict[str, str]:
    labels = dict.fromkeys(start_label(s) for s in starts)
    return {s: START_MARKERS[i % len(START_MARKERS)] for i, s in enumerate(labels)}


def _handles(
    colors: dict[Any, str],
    markers: dict[str, str],
    styles: dict[str, str] | None = None,
) -> list[Line2D]:
    """Legend entries: one line per method (colour), one per start (marker, and the
    line style when ``styles`` is given), and the hollow end marker."""
    out = [Line2D([], [], color=c, lw=2.5, label=str(m)) for m, c in colors.items()]
    grey = {"color": "0.35", "mec": "black"}
    for s, mk in markers.items():
        ls = (styles or {}).get(s, "")
        out.append(Line2D([], [], ls=ls, marker=mk, label=f"start {s}", **grey))
    if styles is None:
        end = {"mfc": "white", "mec": "0.3", "mew": 2}
        out.append(Line2D([], [], ls="", marker="o", label="end", **end))
    return out


def _figure_legend(fig: Any, handles: list[Line2D]) -> None:
    ncols = min(len(handles), 4)
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=ncols,
        fontsize=8,
        frameon=False,
    )


def objective_figure(result: LandscapeResult) -> Any:
    """f against the iteration (|f − f*| on a log scale when f* is known) and ‖∇f‖
    against the iteration, with the gradient tolerance dashed."""
    fig = new_figure(11.0, 4.6)
    ax_f, ax_g = fig.subplots(1, 2)
    colors = color_map(t.method for t in result.trajectories)
    markers = _start_markers(result.spec.starts)
    styles = {s: LINE_STYLES[i % len(LINE_STYLES)] for i, s in enumerate(markers)}
    f_star = result.optimum
    for t in result.trajectories:
        it, start = np.arange(len(t.values)), start_label(t.start)
        style = {"color": colors[t.method], "marker": markers[start], "ls": styles[start],
                 "markevery": max(1, len(it) // 8), "ms": 5, "lw": 1.3}  # fmt: skip
        y = t.values if f_star is None else _positive(np.abs(t.values - f_star))
        ax_f.plot(it, y, **style)
        ax_g.plot(it, _positive(t.grad_norms), **style)
    if f_star is not None:
        ax_f.set_yscale("log")
    ax_f.set_ylabel("f(w)" if f_star is None else f"|f(w) − f*|, f* = {f_star:.4g}")
    ax_g.set_yscale("log")
    ax_g.set_ylabel("‖∇f(w)‖")
    tol = result.spec.stop.grad_norm
    if tol is not None:
        ax_g.axhline(tol, color="0.3", ls="--", lw=1, label=f"stop: ‖∇f‖ < {tol:g}")
        ax_g.legend(fontsize=8)
    for ax in (ax_f, ax_g):
        ax.set_xlabel("iteration")
        ax.grid(alpha=0.3)
    fig.suptitle(landscape_title(result))
    _figure_legend(fig, _handles(colors, markers, styles))
    return fig


def landscape_title(result: LandscapeResult) -> str:
    """``maximise two_bump``, or ``minimise f(w) = <formula>``, wrapped to fit."""
    ref = result.spec.objective
    what = (
        f"f(w) = {ref.params['expression']}"
        if ref.name == "expression"
        else ref.describe()
    )
    return "\n".join(textwrap.wrap(f"{result.spec.goal} {what}", 70))


def _positive(y: Array) -> Array:
    # exact zeros (an exact line search hitting the optimum) cannot sit on a log axis
    out = np.array(y, dtype=np.float64)
    out[out <= 0] = np.nan
    return out


# the folder -----------------------------------------------------------------------------


def write_landscape(result: LandscapeResult, folder: Path) -> dict[str, Path]:
    """Write config.yaml, trajectories.csv, summary.json and plots/ into ``folder``
    (which must exist); returns the paths by name."""
    folder = Path(folder)
    paths = {
        "config": folder / "config.yaml",
        "trajectories": folder / "trajectories.csv",
        "summary": folder / "summary.json",
        "contour": folder / "plots" / "contour.png",
        "objective": folder / "plots" / "objective.png",
    }
    data = spec_to_dict(result.spec)
    text = yaml.safe_dump(
        data, sort_keys=False, default_flow_style=None, allow_unicode=True
    )
    paths["config"].write_text(text, encoding="utf-8")
    frame = trajectories_frame(result)
    frame.to_csv(paths["trajectories"], index=False, float_format="%.10g")
    atomic_write_json(paths["summary"], summary(result))
    paths["contour"].parent.mkdir(exist_ok=True)
    save_figure(contour_figure(result), paths["contour"])
    save_figure(objective_figure(result), paths["objective"])
    return paths


def landscape(
    spec: str | Path | Mapping[str, Any] | LandscapeSpec,
    *,
    runs_dir: str | Path = "runs",
    out: str | Path | None = None,
) -> LandscapeResult:
    """``nnexp landscape`` as a function: run ``spec`` (a YAML path, a mapping or a
    :class:`LandscapeSpec`) and write its folder, ``out`` (new or empty) or else a
    fresh ``<runs_dir>/<stamp>_<name>``; the result's ``folder`` says which."""
    if not isinstance(spec, LandscapeSpec):
        spec = load_landscape_spec(spec)
    result = run_landscape(spec)
    folder = output_folder(
        spec.name, Path(runs_dir), None if out is None else Path(out)
    )
    write_landscape(result, folder)
    return replace(result, folder=folder)


def output_folder(name: str, runs_dir: Path, out: Path | None) -> Path:
    """``out`` (created; an existing one must be empty), else a fresh run folder
    ``<runs_dir>/<stamp>_<name>``."""
    if out is None:
        return new_run_dir(runs_dir, name)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RunError(
            f"-o {out}: exists and is not an empty folder; choose a new folder or leave -o out"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunError(
            f"-o {out}: cannot create the folder: {err.strerror or err}"
        ) from err
    return out
