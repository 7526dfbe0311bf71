"""The loss landscape around trained networks (``nnexp landscape RUN…``, issue 15).

Everything here evaluates one network architecture at other weights, on a fixed
subset of a run's training data:

* :func:`line`: the loss and accuracy along the straight line between two sets of
  weights, ``θ(t) = (1 − t)·θa + t·θb`` — from a run's initial to its final weights
  (Goodfellow, Vinyals and Saxe 2015), or between the solutions of two runs;
  :func:`barrier` reads the barrier on it (linear mode connectivity, Frankle et al.
  2020): how far the loss rises above the straight interpolation of its end values;
* :func:`plane`: a 2-D slice ``θ* + α·δ + β·η`` around a solution along two random
  directions, each filter-normalised (Li et al. 2018): every output unit's column of
  a direction is scaled to the norm of that unit's weights, biases get no direction,
  so the slice is comparable between networks of different weight scales;
* :func:`trajectory`: the weights a run kept over its epochs projected on the first
  two principal directions of their differences from the final weights (Li et al.
  2018, §7), with the share of the variance each direction explains.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nnexp.training.evaluation import evaluate

Weights = dict[str, np.ndarray]
#: progress(what, done, total)
Progress = Callable[[str, int, int], None]


def _quiet(what: str, done: int, total: int) -> None:
    return None


@dataclass
class Evaluator:
    """Loss (and accuracy, NaN for a regression) of ``network`` at given weights on
    the subset ``x``, ``y`` (``labels`` for classification)."""

    network: Any
    loss: Any
    x: np.ndarray
    y: np.ndarray
    labels: np.ndarray | None

    def __call__(self, weights: Mapping[str, np.ndarray]) -> tuple[float, float]:
        self.network.set_weights(weights)
        with np.errstate(all="ignore"):
            result = evaluate(self.network, self.loss, self.x, self.y, self.labels)
        return float(result["loss"]), float(result.get("accuracy", math.nan))


def check_same_shapes(named: Mapping[str, Weights]) -> None:
    """ValueError naming the first two weight sets whose names or shapes differ."""
    items = list(named.items())
    first_name, first = items[0]
    for name, weights in items[1:]:
        mine = {k: tuple(v.shape) for k, v in first.items()}
        theirs = {k: tuple(v.shape) for k, v in weights.items()}
        if mine != theirs:
            raise ValueError(
                f"{name} and {first_name} have different architectures"
                f" ({_shapes(theirs)} against {_shapes(mine)}): a landscape compares"
                " weights of one architecture"
            )


def _shapes(shapes: dict[str, tuple[int, ...]]) -> str:
    return ", ".join(f"{k} {'×'.join(map(str, s))}" for k, s in shapes.items())


def combine(base: Weights, *terms: tuple[float, Weights]) -> Weights:
    """``base + Σ c·d`` per array (in float64, cast back to each array's dtype)."""
    out = {}
    for name, array in base.items():
        total = array.astype(np.float64)
        for coef, direction in terms:
            if name in direction:
                total = total + coef * direction[name]
        out[name] = total.astype(array.dtype)
    return out


def filter_normalised_direction(weights: Weights, rng: np.random.Generator) -> Weights:
    """A Gaussian direction with each output unit's column scaled to the norm of
    that unit's incoming weights (Li et al. 2018); zero for the biases."""
    out: Weights = {}
    for name, w in weights.items():
        if not name.startswith("W"):
            out[name] = np.zeros(w.shape)
            continue
        d = rng.standard_normal(w.shape)
        d *= np.linalg.norm(w.astype(np.float64), axis=0) / np.linalg.norm(d, axis=0)
        out[name] = d
    return out


def line(
    evaluator: Evaluator,
    start: Weights,
    end: Weights,
    ts: np.ndarray,
    progress: Progress = _quiet,
    what: str = "line",
) -> pd.DataFrame:
    """Loss and accuracy at ``(1 − t)·start + t·end`` for each t (columns t, loss,
    accuracy)."""
    step = {k: end[k].astype(np.float64) - start[k] for k in start}
    rows = []
    for i, t in enumerate(ts):
        loss, acc = evaluator(combine(start, (float(t), step)))
        rows.append({"t": float(t), "loss": loss, "accuracy": acc})
        progress(what, i + 1, len(ts))
    return pd.DataFrame(rows)


def barrier(frame: pd.DataFrame) -> dict[str, float]:
    """The barrier on a line between two solutions (t in [0, 1]): the largest rise of
    the loss above the straight interpolation of its two end values, and the largest
    fall of the accuracy below that of its end accuracies (NaN for a regression)."""
    inner = frame[(frame["t"] >= 0) & (frame["t"] <= 1)]
    t = inner["t"].to_numpy()
    ends = inner.iloc[[0, -1]]
    out = {}
    for column, sign in (("loss", 1.0), ("accuracy", -1.0)):
        a, b = ends[column].to_numpy()
        straight = (1 - t) * a + t * b
        values = inner[column].to_numpy()
        out[f"{column}_barrier"] = float(np.max(sign * (values - straight)))
        out[f"{column}_ends"] = [float(a), float(b)]  # type: ignore[assignment]
    return out


def plane(
    evaluator: Evaluator,
    center: Weights,
    directions: tuple[Weights, Weights],
    alphas: np.ndarray,
    progress: Progress = _quiet,
    what: str = "plane",
) -> tuple[np.ndarray, np.ndarray]:
    """Loss and accuracy on the grid ``center + α·δ + β·η`` (rows: β, columns: α)."""
    n = len(alphas)
    loss = np.empty((n, n))
    acc = np.empty((n, n))
    d1, d2 = directions
    for i, beta in enumerate(alphas):
        for j, alpha in enumerate(alphas):
            loss[i, j], acc[i, j] = evaluator(
                combine(center, (float(alpha), d1), (float(beta), d2))
            )
        progress(what, (i + 1) * n, n * n)
    return loss, acc


@dataclass
class Trajectory:
    """A run's kept weights projected on two principal directions."""

    epochs: list[int]
    coords: np.ndarray  # (epochs, 2), relative to the final weights
    explained: np.ndarray  # (2,) share of the variance of each direction
    directions: tuple[Weights, Weights]


def trajectory(kept: Mapping[int, Weights], final: Weights) -> Trajectory:
    """PCA of the kept weights' differences from ``final`` (≥ 2 epochs kept besides
    the final one)."""
    epochs = sorted(kept)
    names = list(final)
    flat_final = np.concatenate([final[k].astype(np.float64).ravel() for k in names])
    diffs = np.stack(
        [
            np.concatenate([kept[e][k].astype(np.float64).ravel() for k in names])
            - flat_final
            for e in epochs
        ]
    )
    _, s, vt = np.linalg.svd(diffs - diffs.mean(axis=0), full_matrices=False)
    basis = vt[:2]
    if len(basis) < 2:  # a single kept epoch: a second direction orthogonal to it
        basis = np.vstack([basis, np.zeros_like(basis[0])])
    coords = diffs @ basis.T
    variance = s**2
    explained = variance[:2] / variance.sum() if variance.sum() > 0 else np.zeros(2)
    explained = np.pad(explained, (0, 2 - len(explained)))
    directions = []
    for row in basis:
        d, at = {}, 0
        for k in names:
            size = final[k].size
            d[k] = row[at : at + size].reshape(final[k].shape)
            at += size
        directions.append(d)
    return Trajectory(epochs, coords, explained, (directions[0], directions[1]))


# the study: what `nnexp landscape RUN…` computes and writes -------------------------


@dataclass
class RunLandscape:
    """The landscape of one or two trained runs (see :func:`study`)."""

    names: list[str]
    task: str
    samples: int
    seconds: dict[str, float]
    init_line: pd.DataFrame | None = None
    between: pd.DataFrame | None = None
    barrier: dict[str, float] | None = None
    alphas: np.ndarray | None = None
    plane_loss: np.ndarray | None = None
    plane_accuracy: np.ndarray | None = None
    path: Trajectory | None = None
    path_alphas: tuple[np.ndarray, np.ndarray] | None = None
    path_loss: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    folder: Any = None

    def summary(self) -> dict[str, Any]:
        """summary.json of the landscape folder."""
        out: dict[str, Any] = {
            "kind": "trained_landscape",
            "runs": self.names,
            "task": self.task,
            "samples": self.samples,
            "seconds": self.seconds,
            "notes": list(self.notes),
        }
        if self.init_line is not None:
            at = self.init_line.set_index("t")["loss"]
            out["init_to_final"] = {
                "loss_at_init": at.get(0.0),
                "loss_at_final": at.get(1.0),
            }
        if self.barrier is not None:
            out["barrier"] = self.barrier
        if self.plane_loss is not None and self.alphas is not None:
            out["plane"] = {
                "grid": len(self.alphas),
                "span": float(self.alphas[-1]),
                "loss_min": float(np.nanmin(self.plane_loss)),
                "loss_center": float(
                    self.plane_loss[len(self.alphas) // 2, len(self.alphas) // 2]
                ),
            }
        if self.path is not None:
            out["trajectory"] = {
                "epochs": self.path.epochs,
                "explained_variance": [float(v) for v in self.path.explained],
            }
        return out


@dataclass(frozen=True)
class StudySettings:
    """How much of the landscape to compute: ``samples`` training examples (a seeded
    subset), a ``grid`` × ``grid`` slice over ±``span`` filter-normalised units,
    ``points`` along each line (t from −0.25 to 1.25), a ``path_grid`` × ``path_grid``
    plane under the trajectory, and the ``seed`` of the subset and directions."""

    samples: int = 1000
    grid: int = 41
    span: float = 1.0
    points: int = 61
    path_grid: int = 25
    seed: int = 0


def line_ts(points: int) -> np.ndarray:
    return np.linspace(-0.25, 1.25, points)


def study(
    evaluator: Evaluator,
    names: list[str],
    finals: list[Weights],
    initial: Weights | None,
    kept: Mapping[int, Weights],
    settings: StudySettings,
    task: str,
    progress: Progress = _quiet,
) -> RunLandscape:
    """Every view the runs allow: the line from the first run's ``initial`` to its
    final weights, the line and barrier to a second run's solution, the
    filter-normalised slice around the first solution, and the first run's
    trajectory (its ``kept`` weights by epoch)."""
    import time

    named = {n: w for n, w in zip(names, finals, strict=True)}
    check_same_shapes(named if initial is None else {**named, "initial": initial})
    seconds: dict[str, float] = {}
    notes: list[str] = []
    result = RunLandscape(list(names), task, len(evaluator.x), seconds)
    final = finals[0]
    ts = line_ts(settings.points)
    t0 = time.perf_counter()
    if initial is not None:
        result.init_line = line(evaluator, initial, final, ts, progress, "init → final")
        seconds["init_line"] = time.perf_counter() - t0
    else:
        notes.append(
            f"{names[0]} kept no initial weights (initial.npz): no init → final line"
        )
    if len(finals) > 1:
        t0 = time.perf_counter()
        result.between = line(
            evaluator, final, finals[1], ts, progress, "between the runs"
        )
        result.barrier = barrier(result.between)
        seconds["between"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rng = np.random.default_rng(settings.seed)
    directions = (
        filter_normalised_direction(final, rng),
        filter_normalised_direction(final, rng),
    )
    result.alphas = np.linspace(-settings.span, settings.span, settings.grid)
    result.plane_loss, result.plane_accuracy = plane(
        evaluator, final, directions, result.alphas, progress, "2-D slice"
    )
    seconds["plane"] = time.perf_counter() - t0
    path_weights = {e: w for e, w in kept.items()}
    if len(path_weights) >= 2:
        t0 = time.perf_counter()
        path = trajectory(path_weights, final)
        result.path = path
        pad = 0.2 * float(np.max(np.abs(path.coords))) or 1.0
        lim = float(np.max(np.abs(path.coords))) + pad
        a = np.linspace(-lim, lim, settings.path_grid)
        loss, _ = plane(
            evaluator, final, path.directions, a, progress, "trajectory plane"
        )
        result.path_alphas, result.path_loss = (a, a), loss
        seconds["trajectory"] = time.perf_counter() - t0
    else:
        notes.append(
            f"{names[0]} kept fewer than two sets of weights over its epochs: no"
            " trajectory (train with output.snapshots=N)"
        )
    result.notes = tuple(notes)
    return result


def write_study(result: RunLandscape, folder: Any) -> list[str]:
    """summary.json, lines.csv, plane.npz and the figures into ``folder`` (which
    exists); returns the figure files written."""
    from pathlib import Path

    from nnexp.plots import trained_landscape as figs
    from nnexp.plots.base import save_figure
    from nnexp.runs.checkpoint import atomic_write_json, save_npz_atomic
    from nnexp.runs.summary import clean

    folder = Path(folder)
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    written: list[str] = []
    first = result.names[0]
    lines: dict[str, pd.DataFrame] = {}
    if result.init_line is not None:
        lines[f"{first}: initial → final weights"] = result.init_line
    if result.between is not None:
        lines[f"{first} → {result.names[1]}"] = result.between
    if lines:
        frame = pd.concat([f.assign(line=name) for name, f in lines.items()])
        frame.to_csv(folder / "lines.csv", index=False, float_format="%.10g")
        barrier_text = ""
        if result.barrier is not None:
            barrier_text = f"; loss barrier {result.barrier['loss_barrier']:.3g}"
        title = (
            f"loss along straight lines between weights ({result.samples} training"
            f" samples{barrier_text})"
        )
        save_figure(figs.draw_lines(lines, title, result.task == "classification"),
                    plots / "lines.png")  # fmt: skip
        written.append("lines.png")
    if result.plane_loss is not None and result.alphas is not None:
        save_npz_atomic(folder / "plane.npz", {
            "alphas": result.alphas, "loss": result.plane_loss,
            "accuracy": result.plane_accuracy if result.plane_accuracy is not None
            else np.full_like(result.plane_loss, np.nan),
        })  # fmt: skip
        title = (
            f"{first}: loss around the final weights along two filter-normalised"
            f" random directions ({result.samples} training samples)"
        )
        save_figure(figs.draw_plane(result.alphas, result.plane_loss, title,
                                    "final weights"), plots / "plane.png")  # fmt: skip
        written.append("plane.png")
    if result.path is not None and result.path_alphas is not None:
        assert result.path_loss is not None
        title = f"{first}: the training trajectory on its two principal directions"
        fig = figs.draw_trajectory(result.path_alphas[0], result.path_loss,
                                   result.path.coords, result.path.epochs,
                                   result.path.explained, title)  # fmt: skip
        save_figure(fig, plots / "trajectory.png")
        written.append("trajectory.png")
    atomic_write_json(
        folder / "summary.json", clean({**result.summary(), "plots": written})
    )
    return written
