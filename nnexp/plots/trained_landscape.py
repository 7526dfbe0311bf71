"""Figures of the loss landscape around trained networks (``nnexp landscape RUN…``):
lines between weights, a 2-D slice as contours and a surface, and a training
trajectory on its principal plane."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nnexp.plots.base import color_map, new_figure


def _filled_log_contours(ax, a, b, loss: np.ndarray, count: int = 18):
    """Filled contours of log10 ``loss`` on the grid ``a``, ``b`` (levels from the
    lowest to the 98th percentile, values beyond clipped); returns (the contour set,
    log10 loss, the levels)."""
    finite = loss[np.isfinite(loss) & (loss > 0)]
    lo, hi = np.log10(finite.min()), np.log10(np.percentile(finite, 98))
    levels = np.linspace(lo, max(hi, lo + 1e-6), count)
    with np.errstate(all="ignore"):
        z = np.log10(np.where(loss > 0, loss, np.nan))
    filled = ax.contourf(a, b, np.clip(z, levels[0], levels[-1]), levels=levels,
                         cmap="viridis")  # fmt: skip
    return filled, z, levels


def draw_lines(lines: dict[str, pd.DataFrame], title: str, classify: bool) -> Figure:
    """Loss (and accuracy) along each named line θ(t) = (1 − t)·θa + t·θb."""
    colors = color_map(lines)
    cols = 2 if classify else 1
    fig = new_figure(5.2 * cols, 4.2 + 0.25 * len(lines))
    axes = fig.subplots(1, cols, squeeze=False)[0]
    for name, frame in lines.items():
        axes[0].plot(frame["t"], frame["loss"], color=colors[name], label=name)
        if classify:
            axes[1].plot(frame["t"], 100 * frame["accuracy"], color=colors[name],
                         label=name)  # fmt: skip
    positive = all((f["loss"] > 0).all() for f in lines.values())
    if positive:
        axes[0].set_yscale("log")
    axes[0].set_ylabel("loss on the subset" + (" (log scale)" if positive else ""))
    if classify:
        axes[1].set_ylabel("accuracy on the subset (%)")
    for ax in axes:
        for t in (0.0, 1.0):
            ax.axvline(t, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("t: 0 at the line's start, 1 at its end")
        ax.grid(alpha=0.3)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
               fontsize=8, ncols=1)  # fmt: skip
    fig.suptitle(title, fontsize=10)
    return fig


def draw_plane(
    alphas: np.ndarray, loss: np.ndarray, title: str, center_label: str
) -> Figure:
    """The 2-D slice: log10 loss contours (left) and the loss surface (right)."""
    fig = new_figure(11.0, 4.8)
    left = fig.add_subplot(1, 2, 1)
    a, b = np.meshgrid(alphas, alphas)
    contour, z, levels = _filled_log_contours(left, a, b, loss)
    left.contour(a, b, z, levels=levels, colors="white", linewidths=0.3)
    left.plot(0, 0, marker="*", color="red", ms=12, label=center_label)
    left.set_xlabel("α (direction 1, filter-normalised)")
    left.set_ylabel("β (direction 2, filter-normalised)")
    left.set_aspect("equal")
    left.legend(fontsize=8, loc="upper right")
    fig.colorbar(contour, ax=left, label="log10 loss")
    right = fig.add_subplot(1, 2, 2, projection="3d")
    right.plot_surface(a, b, np.clip(z, levels[0], levels[-1]), cmap="viridis",
                       linewidth=0, antialiased=True)  # fmt: skip
    right.set_xlabel("α")
    right.set_ylabel("β")
    right.set_zlabel("log10 loss")
    right.view_init(elev=35, azim=-60)
    right.set_box_aspect(None, zoom=0.8)  # room for the z label
    for axis in (right.xaxis, right.yaxis, right.zaxis):
        axis.set_major_locator(MaxNLocator(5))
    right.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10)
    return fig


def draw_trajectory(
    grid: np.ndarray,
    loss: np.ndarray,
    coords: np.ndarray,
    epochs: list[int],
    explained: np.ndarray,
    title: str,
) -> Figure:
    """The kept weights on their first two principal directions over log10 loss."""
    fig = new_figure(6.4, 5.4)
    ax = fig.subplots()
    a, b = np.meshgrid(grid, grid)
    filled, _, _ = _filled_log_contours(ax, a, b, loss)
    fig.colorbar(filled, ax=ax, label="log10 loss")
    ax.plot(coords[:, 0], coords[:, 1], color="white", lw=1.2)
    ax.scatter(coords[:, 0], coords[:, 1], c="red", s=16, zorder=3)
    shown = sorted(
        {0, len(epochs) - 1, *range(0, len(epochs), max(1, len(epochs) // 6))}
    )
    for i in shown:
        label = "init" if epochs[i] == 0 else f"epoch {epochs[i]}"
        ax.annotate(label, coords[i], xytext=(4, 4), textcoords="offset points",
                    fontsize=7, color="white")  # fmt: skip
    ax.plot(0, 0, marker="*", color="red", ms=12)
    ax.set_xlabel(f"principal direction 1 ({100 * explained[0]:.0f} % of the variance)")
    ax.set_ylabel(f"principal direction 2 ({100 * explained[1]:.0f} % of the variance)")
    ax.set_title(title, fontsize=10)
    return fig
