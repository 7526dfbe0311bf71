"""Per-layer distributions over the epochs: one heat map per layer and quantity
(weights, pre-activations, weight gradients), the epochs the run kept across, the
values up, the colour the share of the layer's values in each bin.  A layer whose
pre-activations pile up far from 0 (saturated tanh) or below 0 (dead ReLU units), or
whose gradients shrink to a line at 0, shows it at a glance."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from nnexp.plots.base import new_figure
from nnexp.plots.run_input import RunFigureInput

#: value bins per heat map
BINS = 40
QUANTITIES = ("weights", "pre-activations", "gradients")


def _edges(arrays: list[np.ndarray]) -> np.ndarray:
    values = np.concatenate([a[np.isfinite(a)] for a in arrays])
    if not values.size:
        return np.linspace(-1, 1, BINS + 1)
    lo, hi = np.percentile(values, [0.5, 99.5])
    if hi <= lo:
        lo, hi = lo - 1e-12 - abs(lo) * 0.1, hi + 1e-12 + abs(hi) * 0.1
    return np.linspace(lo, hi, BINS + 1)


def _ticks(n: int, count: int = 5) -> list[int]:
    """Positions of about ``count`` tick labels, the first and the last included,
    none closer than a step to the next."""
    step = max(1, round(n / count))
    ticks = list(range(0, n - 1, step))
    if ticks and n - 1 - ticks[-1] < step / 2:
        ticks.pop()
    return [*ticks, n - 1] if n > 1 else [0]


def draw(run: RunFigureInput) -> Figure:
    """The ``distributions`` plot kind."""
    values = run.layer_values
    epochs = sorted(values)
    n_layers = len(values[epochs[0]]["weights"])
    fig = new_figure(3.3 * len(QUANTITIES) + 0.8, 2.0 * n_layers + 1.0)
    axes = fig.subplots(n_layers, len(QUANTITIES), squeeze=False)
    norm = LogNorm(vmin=1e-3, vmax=1.0)
    image = None
    for col, quantity in enumerate(QUANTITIES):
        for layer in range(n_layers):
            arrays = [values[e][quantity][layer] for e in epochs]
            edges = _edges(arrays)
            share = np.stack(
                [np.histogram(np.clip(a, edges[0], edges[-1]), edges)[0] / max(a.size, 1)
                 for a in arrays], axis=1)  # fmt: skip
            ax = axes[layer, col]
            image = ax.imshow(
                np.where(share > 0, share, np.nan), origin="lower", aspect="auto",
                norm=norm, cmap="magma",
                extent=(-0.5, len(epochs) - 0.5, edges[0], edges[-1]),
            )  # fmt: skip
            ticks = _ticks(len(epochs))
            ax.set_xticks(ticks, [str(epochs[i]) for i in ticks], fontsize=7)
            ax.tick_params(axis="y", labelsize=7)
            if layer == 0:
                ax.set_title(quantity, fontsize=9)
            if col == 0:
                last = " (output)" if layer == n_layers - 1 else ""
                ax.set_ylabel(f"layer {layer + 1}{last}\nvalue", fontsize=8)
            if layer == n_layers - 1:
                ax.set_xlabel("epoch (0: initial weights)", fontsize=8)
    if image is not None:
        fig.colorbar(image, ax=axes, label="share of the layer's values", shrink=0.8)
    fig.suptitle(f"{run.name}: per-layer distributions over the epochs"
                 " (gradients on one batch of training data)", fontsize=10)  # fmt: skip
    return fig
