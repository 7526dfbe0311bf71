"""Findings in plain words: what a run's per-epoch diagnostics mean (issue 15).

:func:`findings` reads a metrics table (metrics.csv, or a trainer's history frame)
and returns a short list of :class:`Finding` objects, each with the rule that found
it, the layer and epoch it concerns, a sentence a student can act on, and the numbers
behind it.  Every rule reads columns the run already records and has thresholds in
:class:`Thresholds` (a spec's ``output.findings`` mapping or ``nnexp show
--threshold NAME=VALUE`` changes them).  The rules, with their default thresholds:

``dead_units``
    a hidden layer's ``dead_fraction`` (units whose activation derivative is 0 on
    every validation sample) is ≥ ``dead_fraction`` (0.5) from some epoch to the end;
    in the output layer any dead unit counts (its output is stuck: E1's dying ReLU
    leaves one of three outputs dead, 33 %).
``saturation``
    a hidden layer's ``saturation`` (share of a bounded activation's outputs beyond
    0.99 of the way to a bound) is ≥ ``saturation`` (0.5) from some epoch to the end.
``vanishing_gradients`` / ``exploding_gradients``
    the median over the epochs of the last layer's gradient norm over the first's is
    above ``gradient_ratio`` (1e3), or below its inverse.
``update_ratio``
    the median over the epochs of a layer's ``update_ratio`` (‖ΔW‖/‖W‖ per step) is
    outside [``update_ratio_low``, ``update_ratio_high``] ([1e-4, 1e-1]).
``rising_before_divergence``
    the training loss became non-finite, and its last finite value was more than
    ``divergence_rise`` (1.5) times its lowest: the loss climbed before it blew up.
``explosion``
    the training loss never became non-finite but exceeded ``explosion_factor`` (100)
    times its first epoch's value.
``plateau``
    the validation loss (training loss without a validation split) has stayed within
    ``plateau_improvement`` (1 %) of its final best for the last ``plateau_epochs``
    (10) epochs or more.
A run whose training loss fell to ``converged`` (1e-6) times its first epoch's or
less has learned its data to the last digits: the ``plateau`` rule and the "too low"
side of ``update_ratio`` stay silent for it (its gradients, and so its updates, are
near 0 because nothing is left to learn).

``overfitting``
    (classification) train and validation accuracy part by more than ``overfit_gap``
    (0.10) at the last epoch while the validation loss rose in each of the last
    ``overfit_rising`` (3) epochs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is loaded with the metrics table, not with this module
    import pandas as pd


@dataclass(frozen=True)
class Thresholds:
    """The thresholds of the finding rules (see the module's docstring)."""

    dead_fraction: float = 0.5
    saturation: float = 0.5
    gradient_ratio: float = 1e3
    update_ratio_low: float = 1e-4
    update_ratio_high: float = 1e-1
    divergence_rise: float = 1.5
    explosion_factor: float = 100.0
    plateau_improvement: float = 0.01
    plateau_epochs: int = 10
    overfit_gap: float = 0.10
    overfit_rising: int = 3
    converged: float = 1e-6

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def with_values(self, values: dict[str, Any]) -> Thresholds:
        """A copy with ``values`` set; ValueError naming an unknown key or a value
        that is not a positive number."""
        checked: dict[str, Any] = {}
        for key, value in values.items():
            if key not in self.names():
                raise ValueError(
                    f"unknown finding threshold {key!r}; allowed: "
                    + ", ".join(self.names())
                )
            kind = int if key in ("plateau_epochs", "overfit_rising") else float
            try:
                number = kind(value)
            except (TypeError, ValueError):
                number = -1
            if isinstance(value, bool) or not number > 0:
                raise ValueError(
                    f"finding threshold {key} must be a positive"
                    f" {'whole ' if kind is int else ''}number, got {value!r}"
                )
            checked[key] = number
        return replace(self, **checked)


@dataclass(frozen=True)
class Finding:
    """One finding: ``rule``, the ``layer`` (1-based dense layer) and ``epoch`` it
    concerns (None when it has none), the ``message`` and the ``evidence``."""

    rule: str
    message: str
    epoch: int | None = None
    layer: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The form summary.json keeps (keys rule, layer, epoch, message, evidence)."""
        d = asdict(self)
        return {k: d[k] for k in ("rule", "layer", "epoch", "message", "evidence")}


def findings(
    frame: pd.DataFrame, thresholds: Thresholds | None = None
) -> list[Finding]:
    """Every rule's findings on the metrics table ``frame``, in the rules' order."""
    t = thresholds or Thresholds()
    if frame is None or not len(frame) or "epoch" not in frame:
        return []
    import pandas as pd

    frame = frame.apply(pd.to_numeric, errors="coerce")
    n_layers = _n_layers(frame)
    out: list[Finding] = []
    for layer in range(1, n_layers + 1):
        out += _dead(frame, layer, t, output=layer == n_layers)
    for layer in range(1, n_layers):
        out += _saturation(frame, layer, t)
    out += _gradients(frame, n_layers, t)
    for layer in range(1, n_layers + 1):
        out += _update_ratio(frame, layer, t)
    out += _divergence(frame, t) + _explosion(frame, t)
    out += _plateau(frame, t) + _overfitting(frame, t)
    if _converged(frame, t):
        out = [f for f in out if f.rule != "plateau" and not _slow(f, t)]
    return out


def _slow(finding: Finding, t: Thresholds) -> bool:
    """An update_ratio finding of too small steps."""
    medians = [v for k, v in finding.evidence.items() if k.startswith("median_")]
    return finding.rule == "update_ratio" and medians[0] < t.update_ratio_low


def _converged(frame: pd.DataFrame, t: Thresholds) -> bool:
    finite, broke = _losses(frame)
    if broke or len(finite) < 2 or not float(finite.iloc[0]) > 0:
        return False
    return float(finite.iloc[-1]) <= t.converged * float(finite.iloc[0])


# the rules ---------------------------------------------------------------------------


def _persistent(frame: pd.DataFrame, column: str, at_least: float) -> int | None:
    """The epoch from which ``column`` stays ≥ ``at_least`` to the last finite
    row, or None (also when the column is missing or empty)."""
    if column not in frame:
        return None
    rows = frame[["epoch", column]].dropna()
    if not len(rows):
        return None
    above = (rows[column] >= at_least).to_numpy()
    if not above[-1]:
        return None
    first = len(above) - int(np.argmin(above[::-1])) if not above.all() else 0
    return int(rows["epoch"].iloc[first])


def _dead(
    frame: pd.DataFrame, layer: int, t: Thresholds, *, output: bool
) -> list[Finding]:
    column = f"layer{layer}_dead_fraction"
    # a dead output unit is a finding however few: its output is stuck (E1's ReLU)
    threshold = 1e-12 if output else t.dead_fraction
    since = _persistent(frame, column, threshold)
    if since is None:
        return []
    final = float(frame[column].dropna().iloc[-1])
    if output:
        what = (
            f"layer {layer} (the output layer): {_pct(final)} of the output units"
            f" dead from epoch {since}: such an output is stuck at a constant for"
            " every input, and no gradient can bring it back"
        )
    else:
        what = (
            f"layer {layer}: {_pct(final)} of units dead from epoch {since}: their"
            " activation's derivative is 0 on every validation sample, so no"
            " gradient reaches their weights and they stopped learning"
        )
    evidence = {column: final, "threshold": 0.0 if output else t.dead_fraction}
    return [Finding("dead_units", what, since, layer, evidence)]


def _saturation(frame: pd.DataFrame, layer: int, t: Thresholds) -> list[Finding]:
    column = f"layer{layer}_saturation"
    since = _persistent(frame, column, t.saturation)
    if since is None:
        return []
    final = float(frame[column].dropna().iloc[-1])
    return [
        Finding(
            "saturation",
            f"layer {layer}: {_pct(final)} of its outputs sit at the bounds of the"
            f" activation from epoch {since}: there its slope is nearly 0, so the"
            " layer learns slowly (smaller initial weights or inputs help)",
            since,
            layer,
            {column: final, "threshold": t.saturation},
        )
    ]


def _gradients(frame: pd.DataFrame, n_layers: int, t: Thresholds) -> list[Finding]:
    first, last = "layer1_grad_norm", f"layer{n_layers}_grad_norm"
    if n_layers < 2 or first not in frame or last not in frame:
        return []
    g1, g_last = frame[first], frame[last]
    usable = np.isfinite(g1) & np.isfinite(g_last) & (g1 > 0) & (g_last > 0)
    ratio = g_last[usable] / g1[usable]
    if not len(ratio):
        return []
    median = float(np.median(ratio))
    evidence = {"median_last_over_first": median, "threshold": t.gradient_ratio}
    if median > t.gradient_ratio:
        epoch = int(frame.loc[ratio.index[ratio > t.gradient_ratio][0], "epoch"])
        return [
            Finding(
                "vanishing_gradients",
                f"gradients vanish towards the input: layer 1's gradient norm is"
                f" {_times(median)} smaller than layer {n_layers}'s (median over the"
                " epochs), so the first layers barely learn",
                epoch,
                1,
                evidence,
            )
        ]
    if median < 1.0 / t.gradient_ratio:
        epoch = int(frame.loc[ratio.index[ratio < 1.0 / t.gradient_ratio][0], "epoch"])
        return [
            Finding(
                "exploding_gradients",
                f"gradients grow towards the input: layer 1's gradient norm is"
                f" {_times(1.0 / median if median > 0 else math.inf)} larger than"
                f" layer {n_layers}'s (median over the epochs)",
                epoch,
                1,
                evidence,
            )
        ]
    return []


def _update_ratio(frame: pd.DataFrame, layer: int, t: Thresholds) -> list[Finding]:
    column = f"layer{layer}_update_ratio"
    if column not in frame:
        return []
    values = frame[column].replace([np.inf, -np.inf], np.nan).dropna()
    if not len(values):
        return []
    median = float(np.median(values))
    evidence = {
        f"median_{column}": median,
        "range": [t.update_ratio_low, t.update_ratio_high],
    }
    if median > t.update_ratio_high:
        why = "each step changes the weights by a large share of their size: the learning rate is likely too high"
    elif median == 0:
        why = "most steps do not change the weights at all: no gradient reaches them"
    elif median < t.update_ratio_low:
        why = "each step barely changes the weights: the learning rate is likely too low (or the gradients vanish)"
    else:
        return []
    return [
        Finding(
            "update_ratio",
            f"layer {layer}: updates are {median:.1e} of the weights per step (median"
            f" over the epochs; about 1e-3 is healthy): {why}",
            None,
            layer,
            evidence,
        )
    ]


def _losses(frame: pd.DataFrame) -> tuple[pd.Series, bool]:
    """The finite training losses and whether a non-finite one was recorded."""
    if "train_loss" not in frame:
        return frame["epoch"].iloc[:0].astype(float), False
    loss = frame["train_loss"]
    finite = np.isfinite(loss)
    return loss[finite], bool((~finite).any())


def _divergence(frame: pd.DataFrame, t: Thresholds) -> list[Finding]:
    finite, broke = _losses(frame)
    if not broke or len(finite) < 2:
        return []
    lowest, last = float(finite.min()), float(finite.iloc[-1])
    if not last > t.divergence_rise * lowest:
        return []
    epochs = frame["epoch"][finite.index].to_numpy()
    low_epoch = int(epochs[int(np.argmin(finite.to_numpy()))])
    last_epoch = int(epochs[-1])
    return [
        Finding(
            "rising_before_divergence",
            f"the training loss rose from {lowest:.3g} (epoch {low_epoch}) to"
            f" {last:.3g} (epoch {last_epoch}) before it became non-finite: the"
            " learning rate is likely too high",
            last_epoch,
            None,
            {"lowest": lowest, "last_finite": last, "threshold": t.divergence_rise},
        )
    ]


def _explosion(frame: pd.DataFrame, t: Thresholds) -> list[Finding]:
    finite, broke = _losses(frame)
    if broke or len(finite) < 2:
        return []
    first = float(finite.iloc[0])
    if not first > 0:
        return []
    over = finite[finite > t.explosion_factor * first]
    if not len(over):
        return []
    peak = float(finite.max())
    epoch = int(frame.loc[over.index[0], "epoch"])
    return [
        Finding(
            "explosion",
            f"the training loss exploded to {peak:.3g} ({_times(peak / first)} its"
            f" first epoch's {first:.3g}, first beyond {t.explosion_factor:g}× at"
            f" epoch {epoch}) without ever becoming non-finite: the run finished, but"
            " its weights are not a solution (the learning rate is likely too high)",
            epoch,
            None,
            {"first": first, "peak": peak, "threshold": t.explosion_factor},
        )
    ]


def _plateau(frame: pd.DataFrame, t: Thresholds) -> list[Finding]:
    has_val = "val_loss" in frame and frame["val_loss"].notna().any()
    column = "val_loss" if has_val else "train_loss"
    if column not in frame:
        return []
    loss = frame[column][np.isfinite(frame[column])]
    if len(loss) <= t.plateau_epochs:
        return []
    best = loss.cummin().to_numpy()
    final = best[-1]
    within = best - final <= t.plateau_improvement * np.abs(best)
    since_pos = len(within) - int(np.argmin(within[::-1])) if not within.all() else 0
    epochs = frame.loc[loss.index, "epoch"].to_numpy()
    stalled = int(epochs[-1] - epochs[since_pos])
    if stalled < t.plateau_epochs:
        return []
    since = int(epochs[since_pos])
    name = "validation" if column == "val_loss" else "training"
    return [
        Finding(
            "plateau",
            f"the {name} loss has improved by less than"
            f" {_pct(t.plateau_improvement)} since epoch {since} ({stalled} epochs;"
            f" best {final:.3g}): training has stalled, and more epochs of the same"
            " will not help",
            since,
            None,
            {
                "column": column,
                "best": float(final),
                "epochs": stalled,
                "threshold": t.plateau_improvement,
            },  # fmt: skip
        )
    ]


def _overfitting(frame: pd.DataFrame, t: Thresholds) -> list[Finding]:
    need = ("train_accuracy", "val_accuracy", "val_loss")
    if not all(c in frame for c in need):
        return []
    rows = frame[["epoch", *need]].dropna()
    if len(rows) < t.overfit_rising + 1:
        return []
    gap = float(rows["train_accuracy"].iloc[-1] - rows["val_accuracy"].iloc[-1])
    tail = rows["val_loss"].iloc[-(t.overfit_rising + 1) :].to_numpy()
    rising = bool(np.all(np.diff(tail) > 0))
    if not (gap > t.overfit_gap and rising):
        return []
    start = int(rows["epoch"].iloc[-(t.overfit_rising + 1)])
    return [
        Finding(
            "overfitting",
            f"overfitting: training accuracy is {gap * 100:.0f} points above"
            f" validation accuracy, and the validation loss has risen every epoch"
            f" since epoch {start}: the network memorises the training set"
            " (regularise, add data or stop earlier)",
            start,
            None,
            {
                "gap": gap,
                "val_loss_rising_epochs": t.overfit_rising,
                "threshold": t.overfit_gap,
            },  # fmt: skip
        )
    ]


# helpers -----------------------------------------------------------------------------


def _n_layers(frame: pd.DataFrame) -> int:
    n = 0
    while f"layer{n + 1}_grad_norm" in frame or f"layer{n + 1}_weight_norm" in frame:
        n += 1
    return n


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _times(x: float) -> str:
    return f"{x:.1e}×" if math.isfinite(x) else "infinitely"
