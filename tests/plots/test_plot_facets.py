"""Grouped curves pool only seeds unless asked: other settings give rows of panels,
and a figure whose bands pool them says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose
from plots_fixtures import classification_history

from nnexp.analysis.figures import curves_figure
from nnexp.plots.curves import make_grouped_curves
from nnexp.plots.facets import arrange_groups
from nnexp.runs.reader import Run
from nnexp.sweep.plots import SweepPlotInput, _grouped

LABELS = ["activation=relu"] * 4 + ["activation=tanh"] * 4


def test_other_settings_become_rows_and_settings_fixed_per_group_are_ignored():
    others = [
        {"lr": lr, "init": "he" if label.endswith("relu") else "xavier"}
        for label, lr in zip(LABELS, ["0.05", "1000"] * 4, strict=True)
    ]
    plan = arrange_groups(LABELS, others)
    assert plan.labels == LABELS and plan.note is None
    assert plan.facets == ["lr=0.05", "lr=1000"] * 4  # init follows the activation


def test_pooling_is_explicit_and_said():
    others = [{"lr": lr} for lr in ["0.05", "1000"] * 4]
    plan = arrange_groups(LABELS, others, pool=True)
    assert plan.facets is None and plan.labels == LABELS
    assert plan.note == "each band pools lr (2 values) as well as seeds"
    only_seeds = arrange_groups(LABELS, [{}] * 8)
    assert only_seeds.facets is None and only_seeds.note is None


def test_too_many_combinations_join_the_labels_instead_of_pooling():
    others = [{"lr": str(i)} for i in range(8)]
    plan = arrange_groups(LABELS, others, max_rows=3)
    assert plan.facets is None and plan.note is None
    assert plan.labels[:2] == ["activation=relu, lr=0", "activation=relu, lr=1"]


def runs_by_lr(rng) -> list[tuple[str, str, pd.DataFrame]]:
    """relu at lr 0.05 (low loss) and lr 1000 (high loss), two seeds each."""
    out = []
    for lr, scale in (("0.05", 1.0), ("1000", 100.0)):
        for _ in range(2):
            h = classification_history(rng, 5)
            h[["train_loss", "val_loss"]] *= scale
            out.append((lr, "relu", h))
    return out


def test_faceted_figure_has_a_row_per_setting_and_bands_within_it(rng):
    runs = runs_by_lr(rng)
    fig = make_grouped_curves(
        [(label, h) for _, label, h in runs],
        metrics=["loss"],
        facets=[f"lr={lr}" for lr, _, _ in runs],
    )
    assert [ax.get_title() for ax in fig.axes] == ["Loss: lr=0.05", "Loss: lr=1000"]
    for ax, members in zip(fig.axes, (runs[:2], runs[2:]), strict=True):
        line = [ln for ln in ax.get_lines() if ln.get_label() == "relu (validation)"]
        assert_allclose(
            line[0].get_ydata(), np.mean([h["val_loss"] for *_, h in members], axis=0)
        )
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "relu (n=2)"


def _run(activation: str, lr: float, seed: int, history: pd.DataFrame) -> Run:
    config = {
        "name": "q",
        "seed": seed,
        "model": {"activation": activation},
        "optimizer": {"name": "sgd", "lr": lr},
    }
    return Run(path=Path(f"/r/{activation}{lr}{seed}"), config=config, summary={},
               history=history)  # fmt: skip


def test_plot_by_one_setting_keeps_the_others_apart_unless_pooled(rng):
    runs = [
        _run(act, lr, seed, classification_history(rng, 4))
        for act in ("relu", "tanh")
        for lr in (0.05, 1000.0)
        for seed in (0, 1)
    ]
    fig = curves_figure(runs, by=["activation"])
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes][::2] == [
        "Loss: lr=0.05",
        "Loss: lr=1000.0",
    ]
    assert "pools" not in fig.get_suptitle()
    pooled = curves_figure(runs, by=["activation"], pool=True)
    assert len(pooled.axes) == 2
    assert "each band pools lr (2 values) as well as seeds" in pooled.get_suptitle()


def test_sweep_curves_by_a_key_put_the_other_key_in_rows(rng):
    frame = pd.DataFrame(
        [
            {"cell": f"{act},{lr},{seed}", "model.activation": act,
             "optimizer.lr": lr, "seed": seed}
            for act in ("relu", "tanh") for lr in ("0.05", "1.0") for seed in (0, 1)
        ]
    )  # fmt: skip
    runs = {
        c: Run(Path(c), {"loss": "cross_entropy"}, {}, classification_history(rng, 4))
        for c in frame["cell"]
    }

    def sweep(sampled):
        inputs = SweepPlotInput(Path("sweep"), None, frame)  # type: ignore[arg-type]
        inputs.__dict__.update(
            runs=runs,
            keys=["model.activation", "optimizer.lr"],
            short={"model.activation": "activation", "optimizer.lr": "lr"},
            numeric=sampled,
        )
        return inputs

    fig = _grouped(sweep([]), "model.activation")
    assert [ax.get_title() for ax in fig.axes] == [
        "Loss: lr=0.05", "Accuracy: lr=0.05", "Loss: lr=1.0", "Accuracy: lr=1.0",
    ]  # fmt: skip
    assert fig.axes[0].get_ylabel() == "loss (cross-entropy)"
    sampled = _grouped(sweep(["optimizer.lr"]), "model.activation")
    assert len(sampled.axes) == 2 and "pools lr (2 values)" in sampled.get_suptitle()
