"""Random-network probes (docs/maths.md §7 E6): the function a network starts from.

Draw random networks and plot one output y_o against one input x_i over a range while
the other inputs stay fixed.  A grid has one row per activation setting and one column
per weight draw, so it shows how the activation's shape and the initialisation's scale
make the starting function flat, saturating, piecewise linear or linear.

Randomness (all from the ``rng`` argument): first the fixed inputs, N(0, 1); then one
seed per column.  Every network of column j is built from seed j, so a column holds the
*same* underlying random numbers under different activations (scaled by each family's
gain, docs/maths.md §2): differences along a column come from the activation alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from nnexp.data import load_dataset
from nnexp.engine.initializers import INITIALIZERS
from nnexp.engine.network import build_network, describe_component
from nnexp.engine.rng import stream
from nnexp.errors import NnexpError
from nnexp.plots.base import color_map, new_figure
from nnexp.spec.check import layer_sizes
from nnexp.spec.load import load_spec
from nnexp.spec.models import RunSpec
from nnexp.types import Array

#: the activations of a probe given by layer sizes, one grid row each
DEFAULT_ACTIVATIONS = ("tanh", "relu", "identity")
_SIZES = re.compile(r"^\s*\d+(\s*[,x-]\s*\d+)+\s*$")

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(n: int) -> str:
    """``12`` → ``₁₂`` (for x₁, y₃ in labels)."""
    return str(n).translate(_SUBSCRIPTS)


@dataclass(frozen=True)
class ProbeRow:
    """One row of the grid: its label, one activation per hidden layer, the output's.

    Activations are names, ``{name: ..., **params}`` mappings or activation objects.
    """

    label: str
    hidden: tuple[Any, ...]
    output: Any


def same_activation_rows(activations: Sequence[Any], n_hidden: int) -> list[ProbeRow]:
    """One row per activation, used in every layer, the output included (as E6)."""
    rows = []
    for act in activations:
        rows.append(ProbeRow(_label(act), (act,) * n_hidden, act))
    return rows


def _label(component: Any) -> str:
    """``leaky_relu(alpha=0.1)``: an activation or initialiser, given any way."""
    if isinstance(component, str):
        return component
    if isinstance(component, Mapping):
        params = ", ".join(f"{k}={v}" for k, v in component.items() if k != "name")
        name = component.get("name")
        return f"{name}({params})" if params else str(name)
    name = INITIALIZERS.name_of(component)
    if name is None:
        return describe_component(component)
    gain = getattr(component, "gain", "auto")
    return name if gain == "auto" else f"{name}(gain={gain:g})"


@dataclass(frozen=True)
class ProbeResult:
    """The curves of a probe grid.

    Attributes
    ----------
    sizes : layer sizes, input and output included
    labels : one per row
    x : (points,), the values of the probed input
    inputs : (n_inputs,), the fixed values of the other inputs (the probed one is NaN)
    x_index, y_index : 1-based indices of the probed input and the plotted output
    curves : (rows, draws, points), y_o along x
    initializer : description of the initialiser
    name : the sizes (``5-5-5-5``) or the spec's name, for a file name
    """

    sizes: list[int]
    labels: list[str]
    x: Array
    inputs: Array
    x_index: int
    y_index: int
    curves: Array
    initializer: str
    name: str = ""

    def figure(self) -> Any:
        """The grid of curves (see :func:`probe_figure`)."""
        return probe_figure(self)

    def design_matrix(self) -> Array:
        """The network inputs, (points, n_inputs) (see :func:`design_matrix`)."""
        return design_matrix(self.inputs, self.x, self.x_index)


def design_matrix(inputs: Array, x: Array, x_index: int) -> Array:
    """``inputs`` (n_inputs,) repeated for each of ``x`` (points,), with column
    ``x_index − 1`` replaced by ``x``: shape (points, n_inputs)."""
    X = np.tile(inputs, (len(x), 1))
    X[:, x_index - 1] = x
    return X


def check_probe_args(
    sizes: Sequence[int],
    draws: int,
    x_index: int,
    y_index: int,
    x_range: Sequence[float],
) -> None:
    """Raise :class:`NnexpError` naming every bad argument and what is allowed."""
    problems = []
    if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
        problems.append(
            f"layer sizes: need two or more positive sizes such as 5,5,5,5; got {list(sizes)}"
        )
    else:
        for what, index, n in (
            ("input", x_index, sizes[0]),
            ("output", y_index, sizes[-1]),
        ):
            if not 1 <= index <= n:
                problems.append(
                    f"{what} {index} does not exist: the network has {n} {what}s, numbered 1 to {n}"
                )
    if draws < 1:
        problems.append(f"draws: need at least 1; got {draws}")
    lo, hi = (float(v) for v in x_range)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        problems.append(
            f"range: need two finite numbers low < high such as -10,10; got {list(x_range)}"
        )
    if problems:
        raise NnexpError("cannot probe: " + "; ".join(problems))


def probe_networks(
    sizes: Sequence[int],
    rows: Sequence[ProbeRow],
    *,
    rng: np.random.Generator,
    draws: int = 3,
    x_index: int = 1,
    y_index: int = 1,
    x_range: Sequence[float] = (-10.0, 10.0),
    initializer: Any = "randn_average",
    points: int = 401,
) -> ProbeResult:
    """Draw ``draws`` networks per row and evaluate y_o along x_i (1-based indices).

    Returns
    -------
    ProbeResult with ``curves`` of shape (len(rows), draws, points)
    """
    sizes = [int(s) for s in sizes]
    check_probe_args(sizes, draws, x_index, y_index, x_range)
    inputs = rng.standard_normal(sizes[0])
    inputs[x_index - 1] = np.nan
    seeds = rng.integers(0, 2**63 - 1, size=draws)
    x = np.linspace(float(x_range[0]), float(x_range[1]), points)
    X = design_matrix(inputs, x, x_index)
    curves = np.empty((len(rows), draws, points))
    for i, row in enumerate(rows):
        for j, seed in enumerate(seeds):
            net = build_network(
                sizes, activation=list(row.hidden), output_activation=row.output,
                initializer=initializer, rng=np.random.default_rng(int(seed)),
            )  # fmt: skip
            curves[i, j] = net.predict(X)[:, y_index - 1]
    init = _label(initializer)
    labels = [r.label for r in rows]
    return ProbeResult(sizes, labels, x, inputs, x_index, y_index, curves, init)


def probe(
    model: str | Path | Sequence[int] | RunSpec,
    *,
    activations: Sequence[Any] | None = None,
    draws: int = 3,
    input: int = 1,
    output: int = 1,
    x_range: Sequence[float] = (-10.0, 10.0),
    initializer: Any = None,
    seed: int = 0,
) -> ProbeResult:
    """``nnexp probe`` as a function: the curves of random networks (see ``.figure()``).

    Parameters
    ----------
    model : layer sizes (``[5, 5, 5, 5]`` or ``"5,5,5,5"``), or a run spec (a YAML
        path or a :class:`RunSpec`) whose model section is used
    activations : one grid row each, used in every layer including the output
        (default :data:`DEFAULT_ACTIVATIONS`); with a spec they replace its hidden
        activations (default: the spec's own, one row)
    draws : random networks per row (grid columns)
    input, output : 1-based indices of the probed input and the plotted output
    x_range : (low, high) of the probed input
    initializer : a name or ``{name: ..., gain: ...}``; default the spec's, else
        ``randn_average``
    seed : seed of the fixed inputs and the weights
    """
    sizes, rows, init, name = probe_model(model, activations, seed)
    result = probe_networks(
        sizes, rows, rng=stream(seed, "probe"), draws=draws, x_index=input,
        y_index=output, x_range=x_range,
        initializer=init if initializer is None else initializer,
    )  # fmt: skip
    return replace(result, name=name)


def probe_model(
    model: str | Path | Sequence[int] | RunSpec,
    activations: Sequence[Any] | None,
    seed: int,
) -> tuple[list[int], list[ProbeRow], Any, str]:
    """Sizes, grid rows, initialiser and a name, from layer sizes or a run spec."""
    if isinstance(model, str) and _SIZES.match(model):
        model = [int(s) for s in re.split(r"[,x-]", model.replace(" ", ""))]
    if not isinstance(model, str | Path | RunSpec):
        sizes = [int(s) for s in model]
        rows = same_activation_rows(activations or DEFAULT_ACTIVATIONS, len(sizes) - 2)
        return sizes, rows, "randn_average", "-".join(map(str, sizes))
    if isinstance(model, RunSpec):
        return spec_model(model, activations, seed)
    path = Path(model)
    if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
        return spec_model(load_spec(path), activations, seed)
    raise NnexpError(
        "SPEC_OR_SIZES must be a run spec file (.yaml) or layer sizes such as"
        f" 5,5,5,5; got {str(model)!r}"
    )


def spec_model(
    spec: RunSpec, activations: Sequence[Any] | None, seed: int
) -> tuple[list[int], list[ProbeRow], Any, str]:
    """Sizes, grid rows, initialiser and a name from a run spec's model section.

    Without ``activations`` the grid has one row: the spec's own activations.  With
    them, each replaces the hidden ones while the spec's output activation stays.
    Sizes given as ``hidden`` take input and output sizes from the data set, which
    is then loaded (the loader the spec's validation built).
    """
    model, info = spec.model, None
    if model.layers is None:
        _, info = load_dataset(
            spec.dataset.built, seed_rng=stream(seed, "split"), dtype="float64"
        )
    output = model.output_activation.build()
    out_name = model.output_activation.describe()
    if activations is None:
        hidden = tuple(c.build() for c in model.hidden_activations)
        label = (
            ", ".join(c.describe() for c in model.hidden_activations)
            or "no hidden layer"
        )
        rows = [ProbeRow(f"{label} → {out_name}", hidden, output)]
    else:
        rows = [
            ProbeRow(f"{_label(a)} → {out_name}", (a,) * model.n_hidden, output)
            for a in activations
        ]
    return layer_sizes(spec, info), rows, model.initializer.build(), spec.name


def probe_figure(result: ProbeResult) -> Any:
    """The rows × draws grid, one curve per panel; rows coloured by activation."""
    n_rows, n_draws, _ = result.curves.shape
    fig = new_figure(2.7 * n_draws + 0.8, 2.1 * n_rows + 0.9)
    axes = np.atleast_2d(fig.subplots(n_rows, n_draws, sharex=True, squeeze=False))
    colors = color_map(result.labels)
    xi, yo = sub(result.x_index), sub(result.y_index)
    for i, label in enumerate(result.labels):
        for j in range(n_draws):
            ax = axes[i, j]
            ax.plot(result.x, result.curves[i, j], color=colors[label], lw=1.6)
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(f"draw {j + 1}", fontsize=9)
            if i == n_rows - 1:
                ax.set_xlabel(f"x{xi}", fontsize=9)
        axes[i, 0].set_ylabel(f"{label}\ny{yo}", fontsize=9)
    fig.suptitle(_title(result), fontsize=10)
    return fig


def _title(result: ProbeResult) -> str:
    sizes = "-".join(map(str, result.sizes))
    head = f"y{sub(result.y_index)} against x{sub(result.x_index)} of random {sizes} networks ({result.initializer})"
    fixed = [(k + 1, v) for k, v in enumerate(result.inputs) if np.isfinite(v)]
    if not fixed:
        return head
    shown = ", ".join(f"x{sub(k)} = {v:.2f}" for k, v in fixed[:4])
    more = f", … (all {len(fixed)} drawn from N(0, 1))" if len(fixed) > 4 else ""
    return f"{head}\nother inputs fixed: {shown}{more}"
