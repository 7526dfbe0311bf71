"""What a network computes over its epochs, for inputs a student can draw.

* ``boundaries``: a 2-D classification's decision regions (the predicted class on a
  grid over the data) with the training data; for a regression on two inputs with
  0/1 targets (``logic_gates``: AND, OR, XOR) each output's 0.5 contour over the
  unit square, the picture of course experiment E1.
* ``fits``: a 1-D regression's fitted curve with the data.

Each is drawn as small multiples at up to :data:`PANELS` of the epochs whose weights
the run keeps (``snapshots.npz``: the first, the last and some in between) and as
frames of an animation (one per kept epoch).  A run that keeps no snapshots gets the
final panel only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from nnexp.plots.animation import blit_frames
from nnexp.plots.base import color_map, new_figure
from nnexp.plots.run_input import RunFigureInput

#: at most this many panels in the small multiples
PANELS = 8
#: grid points per side for the decision regions
GRID = 120
#: at most this many data points drawn (a random subset of the training split)
MAX_POINTS = 400

Predict = Callable[[np.ndarray], np.ndarray]


# which runs ---------------------------------------------------------------------------


def has_2d_boundary(run: RunFigureInput) -> bool:
    """Two inputs, and classes (or 0/1 targets, one boundary per output)."""
    if int(run.info.n_features) != 2:
        return False
    if run.task == "classification":
        return True
    y = np.asarray(run.train.y)
    return bool(np.isin(y, (0.0, 1.0)).all())


# the panels ---------------------------------------------------------------------------


def chosen_epochs(epochs: list[int], count: int = PANELS) -> list[int]:
    """Up to ``count`` of ``epochs`` (sorted), evenly spread by position, first and
    last included."""
    if len(epochs) <= count:
        return list(epochs)
    picks = np.unique(np.round(np.linspace(0, len(epochs) - 1, count)).astype(int))
    return [epochs[i] for i in picks]


def _stages(run: RunFigureInput) -> list[tuple[int | None, Predict]]:
    """(epoch, output function) to draw; (None, final) when no weights are kept."""
    kept = run.predictors
    if len(kept) < 2:
        return [(None, run.predict)]
    return [(e, kept[e]) for e in sorted(kept)]


def _title(epoch: int | None) -> str:
    if epoch is None:
        return "after training"
    return "initial weights" if epoch == 0 else f"after epoch {epoch}"


def _grid(x: np.ndarray, regression: bool) -> tuple[np.ndarray, np.ndarray]:
    """The (GRID, GRID) coordinates over the data (the unit square, padded, for 0/1
    inputs)."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = 0.15 * np.maximum(hi - lo, 1e-9)
    if regression and np.isin(x, (0.0, 1.0)).all():
        lo, hi, pad = np.zeros(2), np.ones(2), np.full(2, 0.25)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], GRID)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], GRID)
    return np.meshgrid(xs, ys)


def _subset(n: int) -> np.ndarray:
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, MAX_POINTS, replace=False))


class _Boundary:
    """What every panel of one run's boundary figure shares."""

    def __init__(self, run: RunFigureInput):
        split = run.train
        self.x = np.asarray(split.x, dtype=float)
        self.classify = run.task == "classification"
        self.gx, self.gy = _grid(self.x, not self.classify)
        self.points = np.column_stack([self.gx.ravel(), self.gy.ravel()])
        keep = _subset(len(self.x))
        self.shown = self.x[keep]
        info = run.info
        if self.classify:
            self.labels = np.asarray(split.labels)[keep]
            n = int(info.n_classes or (self.labels.max() + 1))
            names = info.class_names or [f"class {k}" for k in range(n)]
            self.names = [str(c) for c in names]
        else:
            self.targets = np.asarray(split.y)[keep]
            names = info.output_names or [f"y{k + 1}" for k in range(split.y.shape[1])]
            self.names = [str(c) for c in names]
        self.colors = list(color_map(self.names).values())

    def draw(self, ax: Axes, predict: Predict, title: str) -> None:
        with np.errstate(all="ignore"):
            out = np.asarray(predict(self.points), dtype=float)
        if self.classify:
            self._regions(ax, out)
        else:
            self._contours(ax, out)
        ax.set_title(title, fontsize=9)
        ax.set_xlim(self.gx.min(), self.gx.max())
        ax.set_ylim(self.gy.min(), self.gy.max())
        ax.set_aspect("equal")
        ax.tick_params(labelsize=7)

    def _regions(self, ax: Axes, out: np.ndarray) -> None:
        n = len(self.names)
        guess = (out[:, 0] >= 0.5).astype(int) if out.shape[1] == 1 else out.argmax(1)
        cmap = ListedColormap(self.colors[:n])
        ax.contourf(self.gx, self.gy, guess.reshape(self.gx.shape),
                    levels=np.arange(n + 1) - 0.5, cmap=cmap, alpha=0.25)  # fmt: skip
        ax.scatter(self.shown[:, 0], self.shown[:, 1], c=self.labels, cmap=cmap,
                   vmin=-0.5, vmax=n - 0.5, s=7, edgecolors="white",
                   linewidths=0.3)  # fmt: skip

    def _contours(self, ax: Axes, out: np.ndarray) -> None:
        flat: dict[str, list[str]] = {}  # outputs on one side of 0.5 everywhere
        for k, color in enumerate(self.colors):
            z = out[:, k].reshape(self.gx.shape)
            if np.isfinite(z).all() and z.min() < 0.5 < z.max():
                ax.contour(self.gx, self.gy, z, levels=[0.5], colors=[color],
                           linewidths=1.6)  # fmt: skip
            else:
                side = "below" if np.nanmax(z) <= 0.5 else "above"
                flat.setdefault(side, []).append(self.names[k])
        if flat:
            text = "; ".join(f"{', '.join(n)} {side} 0.5" for side, n in flat.items())
            text += " everywhere"
            ax.text(0.5, 0.97, text, transform=ax.transAxes, ha="center",
                    va="top", fontsize=7,
                    bbox={"facecolor": "white", "edgecolor": "grey", "alpha": 0.85})  # fmt: skip
        for point, target in zip(self.shown, self.targets, strict=True):
            ax.scatter(*point, s=36, c="black", zorder=3)
            ax.annotate("".join(str(int(t)) for t in target), point,
                        xytext=(4, 4), textcoords="offset points",
                        fontsize=7)  # fmt: skip

    def legend(self, fig: Figure) -> None:
        if self.classify:
            handles = [Line2D([], [], marker="o", ls="", color=c, label=n)
                       for n, c in zip(self.names, self.colors, strict=True)]  # fmt: skip
            title = "class (region: the network's guess)"
        else:
            handles = [Line2D([], [], color=c, label=f"{n} = 0.5")
                       for n, c in zip(self.names, self.colors, strict=True)]  # fmt: skip
            title = "each output's 0.5 contour\n(next to each point: its targets, " + (
                " ".join(self.names) + ")"
            )
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   fontsize=8, title=title, title_fontsize=8)  # fmt: skip


def _small_multiples(
    run: RunFigureInput,
    what: str,
    panel: Callable[[Axes, Predict, str], None],
    finish: Callable[[Figure], None],
    size: float,
    labels: tuple[str, str] = ("input 1", "input 2"),
) -> Figure:
    x_label, y_label = labels
    stages = _stages(run)
    chosen = chosen_epochs([e for e, _ in stages if e is not None]) or [None]
    by_epoch = dict(stages)
    cols = min(4, len(chosen))
    rows = math.ceil(len(chosen) / cols)
    fig = new_figure(size * cols + 0.4, size * rows + 1.1)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, epoch in zip(axes.ravel(), chosen, strict=False):
        panel(ax, by_epoch[epoch], _title(epoch))
    for ax in axes.ravel()[len(chosen) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(x_label, fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel(y_label, fontsize=8)
    kept = "" if chosen != [None] else " (no snapshots kept: output.snapshots)"
    fig.suptitle(f"{run.name}: {what} over the epochs{kept}", fontsize=10)
    finish(fig)
    return fig


def _frames(
    run: RunFigureInput,
    what: str,
    panel: Callable[[Axes, Predict, str], None],
    finish: Callable[[Figure], None],
    size: float,
    labels: tuple[str, str] = ("input 1", "input 2"),
) -> Iterator[Image.Image]:
    """One frame per kept epoch: one figure whose panel is redrawn (the layout,
    axes and legend drawn once; :func:`nnexp.plots.animation.blit_frames`)."""
    fig = new_figure(size + 0.6, size + 1.6)
    ax = fig.subplots()
    ax.set_xlabel(labels[0], fontsize=8)
    ax.set_ylabel(labels[1], fontsize=8)
    fig.suptitle(f"{run.name}: {what}", fontsize=10)
    finish(fig)
    stages = _stages(run)

    def update(i: int) -> None:
        epoch, predict = stages[i]
        panel(ax, predict, _title(epoch))

    return blit_frames(fig, ax, update, len(stages))


def draw_boundaries(run: RunFigureInput) -> Figure:
    """The ``boundaries`` plot kind (small multiples over the kept epochs)."""
    b = _Boundary(run)
    what = "decision boundary" if b.classify else "0.5 contours"
    return _small_multiples(run, what, b.draw, b.legend, 2.6)


def animate_boundaries(run: RunFigureInput) -> Iterator[Image.Image]:
    """One frame per kept epoch (``boundaries.gif``)."""
    b = _Boundary(run)
    what = "decision boundary" if b.classify else "0.5 contours"
    return _frames(run, what, b.draw, b.legend, 3.6)


# 1-D fits -----------------------------------------------------------------------------


class _Fit:
    def __init__(self, run: RunFigureInput):
        split = run.train
        x = np.asarray(split.x, dtype=float)[:, 0]
        keep = _subset(len(x))
        self.x, self.y = x[keep], np.asarray(split.y, dtype=float)[keep]
        lo, hi = x.min(), x.max()
        self.grid = np.linspace(lo, hi, 300)
        names = run.info.output_names or [f"y{k + 1}" for k in range(self.y.shape[1])]
        self.names = [str(n) for n in names]
        self.colors = list(color_map(self.names).values())
        pad = 0.15 * max(float(np.ptp(self.y)), 1e-9)
        self.ylim = (float(self.y.min()) - pad, float(self.y.max()) + pad)

    def draw(self, ax: Axes, predict: Predict, title: str) -> None:
        with np.errstate(all="ignore"):
            out = np.asarray(predict(self.grid[:, None]), dtype=float)
        for k, color in enumerate(self.colors):
            ax.scatter(self.x, self.y[:, k], s=5, color=color, alpha=0.35)
            ax.plot(self.grid, out[:, k], color=color, lw=1.6)
        ax.set_ylim(*self.ylim)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)

    def legend(self, fig: Figure) -> None:
        handles = [Line2D([], [], color=c, label=n)
                   for n, c in zip(self.names, self.colors, strict=True)]  # fmt: skip
        handles.append(Line2D([], [], marker="o", ls="", color="grey", alpha=0.5,
                              label="training data"))  # fmt: skip
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   fontsize=8, title="lines: the network's fit", title_fontsize=8)  # fmt: skip


def draw_fits(run: RunFigureInput) -> Figure:
    """The ``fits`` plot kind: a 1-D regression's fit over the kept epochs."""
    f = _Fit(run)
    return _small_multiples(run, "fit", f.draw, f.legend, 2.6, ("x", "y"))


def animate_fits(run: RunFigureInput) -> Iterator[Image.Image]:
    f = _Fit(run)
    return _frames(run, "fit", f.draw, f.legend, 3.6, ("x", "y"))
