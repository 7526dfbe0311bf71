"""Gallery of activation functions and their derivatives, grouped by family (docs/maths.md §1).

One row per family, one panel per activation: f(x) solid in the family's colour and
f'(x) dashed in near-black, with the axes through the origin drawn so symmetry and asymptotes
(the course's first exercise sheet) can be read off.  Any object with
``forward(z)`` and ``derivative(z, a)`` works, plugins included; one without a
``family`` belongs to the identity family.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnexp.errors import RunError
from nnexp.plots.base import color_map, finite_or_nan, new_figure

#: Families in the order of docs/maths.md §1; unknown (plugin) families follow in order seen.
FAMILY_ORDER = ("heaviside", "sign", "relu", "abs", "identity", "output")
FamilyOf = Callable[[Any], Any] | str | None
DERIVATIVE_COLOR = "0.15"


def default_family(act: Any) -> str:
    """The ``family`` attribute as a lower-case string; ``"identity"`` when absent."""
    family = getattr(act, "family", None)
    if family is None:
        return "identity"
    return str(getattr(family, "value", family)).lower()


def _family_fn(family_of: FamilyOf) -> Callable[[Any], str]:
    if family_of is None:
        return default_family
    if isinstance(family_of, str):
        attribute = family_of
        return lambda act: default_family(_Attr(getattr(act, attribute, None)))
    return lambda act: default_family(_Attr(family_of(act)))


class _Attr:
    """Wraps a family value so :func:`default_family` can normalise it."""

    def __init__(self, family: Any):
        self.family = family


def evaluate(act: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``f(x)`` and ``f'(x)`` on a 1-D grid, non-finite values as NaN.

    Elementwise activations get ``x`` as a column ``(n, 1)``, the library's batch
    layout.  One that is not elementwise (``elementwise = False``, e.g. softmax) is
    shown through its first output on the rows ``[x, 0]``, for softmax σ(x) and
    σ'(x).  Overflow (exp at the right edge of a wide range) is expected here and
    silenced: the value is simply not drawn.
    """
    x = np.asarray(x, dtype=float)
    if getattr(act, "elementwise", True):
        z = x[:, None]
    else:
        z = np.column_stack([x, np.zeros_like(x)])
    with np.errstate(all="ignore"):
        a = np.asarray(act.forward(z), dtype=float)
        d = np.asarray(act.derivative(z, a), dtype=float)
    return finite_or_nan(a.reshape(len(x), -1)[:, 0]), finite_or_nan(
        d.reshape(len(x), -1)[:, 0]
    )


def plot_activation(
    ax: Axes, act: Any, x: np.ndarray, *, color: str = "C0", name: str | None = None
) -> list[Artist]:
    """Draw ``f`` (solid) and ``f'`` (dashed) of ``act`` over the grid ``x``.

    The y range is clipped to ±max(3, 1.5·max|x|), so exp does not flatten the panel.

    Returns
    -------
    list of Artist
        ``[f line, f' line]``.
    """
    bound = max(3.0, 1.5 * float(np.max(np.abs(x))))
    # Values far outside the panel (exp near x = 700) are dropped before drawing: the
    # curve still leaves the panel at its edge, and the transforms cannot overflow.
    f, df = (np.where(np.abs(v) > 100 * bound, np.nan, v) for v in evaluate(act, x))
    values = np.concatenate([f, df])
    values = values[np.isfinite(values)]
    if values.size and (values.max() > bound or values.min() < -bound):
        low, high = max(values.min(), -bound), min(values.max(), bound)
        pad = 0.05 * (high - low or 1.0)
        ax.set_ylim(low - pad, high + pad)
    lines = ax.plot(x, f, color=color, linewidth=2.2, label=f"{name or 'f'}(x)")
    # f' in near-black, so it stays visible where it equals f (exp).
    lines += ax.plot(
        x,
        df,
        color=DERIVATIVE_COLOR,
        linewidth=1.3,
        linestyle="--",
        label=f"{name or 'f'}'(x)",
    )
    ax.axhline(0, color="0.6", linewidth=0.7, zorder=0)
    ax.axvline(0, color="0.6", linewidth=0.7, zorder=0)
    ax.set_xlim(x[0], x[-1])
    ax.grid(True, alpha=0.25)
    return lines


def group_by_family(
    activations: Sequence[tuple[str, Any]], family_of: FamilyOf = None
) -> dict[str, list[tuple[str, Any]]]:
    """``{family: [(name, act), ...]}`` in the order of docs/maths.md §1, unknown families last."""
    family = _family_fn(family_of)
    groups: dict[str, list[tuple[str, Any]]] = {}
    for name, act in activations:
        groups.setdefault(family(act), []).append((name, act))
    rank = {f: i for i, f in enumerate(FAMILY_ORDER)}
    order = sorted(
        groups, key=lambda f: (rank.get(f, len(rank)), list(groups).index(f))
    )
    return {f: groups[f] for f in order}


def make_activation_gallery(
    activations: Sequence[tuple[str, Any]],
    *,
    family_of: FamilyOf = None,
    x_range: tuple[float, float] = (-4.0, 4.0),
    points: int = 801,
    title: str | None = None,
) -> Figure:
    """The activation gallery: one row per family, one panel per activation.

    Parameters
    ----------
    activations : sequence of (name, activation)
        Objects with ``forward(z)`` and ``derivative(z, a)``.
    family_of : callable or str, optional
        Family of an activation: a function of the object, or an attribute name;
        default the ``family`` attribute, ``"identity"`` when it has none.
    x_range : (float, float)
        Interval of x shown in every panel.
    points : int
        Grid size; odd by default so x = 0 is on the grid.
    title : str, optional

    Returns
    -------
    Figure
        Panel titles are the activation names; the first panel of each row is
        labelled ``"<family> family"``; unused grid cells are hidden.
    """
    groups = group_by_family(activations, family_of)
    if not groups:
        raise RunError("the activation gallery needs at least one activation to draw.")
    rows, cols = len(groups), max(len(members) for members in groups.values())
    fig = new_figure(max(6.0, 2.5 * cols + 0.6), 2.2 * rows + 0.9)
    axes = fig.subplots(rows, cols, squeeze=False)
    x = np.linspace(x_range[0], x_range[1], points)
    colors = color_map(groups)
    for row, (family, members) in zip(axes, groups.items(), strict=True):
        for col, ax in enumerate(row):
            if col >= len(members):
                ax.set_visible(False)
                continue
            name, act = members[col]
            plot_activation(ax, act, x, color=colors[family], name=name)
            elementwise = getattr(act, "elementwise", True)
            ax.set_title(name if elementwise else f"{name}([x, 0])₁", fontsize=10)
        row[0].set_ylabel(f"{family} family", fontsize=10, fontweight="bold")
    fig.supxlabel("x")
    # The title is the key (a legend would crowd the top row): colour solid = f.
    fig.suptitle(title or "Activations f(x) (solid) and derivatives f′(x) (dashed)")
    return fig
