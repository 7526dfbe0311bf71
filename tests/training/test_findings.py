"""Every finding rule: a constructed run that must trigger it, and a healthy run (and
a near miss) that must not."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nnexp.training.findings import Thresholds, findings
from nnexp.training.history import columns

EPOCHS = 20


def healthy(task: str = "classification", epochs: int = EPOCHS) -> pd.DataFrame:
    """A run that learns steadily: every rule stays quiet."""
    t = np.arange(1, epochs + 1, dtype=float)
    frame = pd.DataFrame({c: np.nan for c in columns(task, 3)}, index=range(epochs))
    frame["epoch"] = t.astype(int)
    frame["train_loss"] = 1.0 * 0.8**t
    frame["val_loss"] = 1.1 * 0.8**t
    if task == "classification":
        frame["train_accuracy"] = 1 - 0.5 * 0.8**t
        frame["val_accuracy"] = 1 - 0.55 * 0.8**t
    for i, grad in enumerate([0.5, 1.0, 2.0], start=1):
        frame[f"layer{i}_weight_norm"] = 3.0
        frame[f"layer{i}_grad_norm"] = grad
        frame[f"layer{i}_dead_fraction"] = 0.1 if i < 3 else 0.0
        frame[f"layer{i}_saturation"] = 0.2
        frame[f"layer{i}_update_ratio"] = 1e-3
    return frame


def rules(frame: pd.DataFrame, **thresholds) -> list[str]:
    return [f.rule for f in findings(frame, Thresholds().with_values(thresholds))]


def only(frame: pd.DataFrame, rule: str):
    found = findings(frame)
    assert [f.rule for f in found] == [rule]
    return found[0]


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_healthy_run_has_no_findings(task):
    assert rules(healthy(task)) == []


def test_an_empty_table_has_no_findings():
    assert findings(healthy().iloc[:0]) == []


def test_dead_units_from_the_epoch_they_stay_dead():
    frame = healthy()
    frame.loc[2:, "layer1_dead_fraction"] = 0.625  # epochs 3..20
    frame.loc[0, "layer1_dead_fraction"] = 0.75  # dead at epoch 1, then revived
    f = only(frame, "dead_units")
    assert (f.layer, f.epoch) == (1, 3)
    assert f.message.startswith("layer 1: 62 % of units dead from epoch 3")
    assert f.evidence["layer1_dead_fraction"] == 0.625


def test_dead_units_below_the_threshold_or_revived():
    frame = healthy()
    frame["layer3_dead_fraction"] = 0.0
    frame["layer1_dead_fraction"] = 0.49
    frame.loc[:10, "layer2_dead_fraction"] = 0.9  # revived by epoch 12
    assert rules(frame) == []
    assert rules(frame, dead_fraction=0.4) == ["dead_units"]


def test_no_validation_split_means_no_dead_units_measured():
    frame = healthy()
    frame["layer1_dead_fraction"] = np.nan
    assert rules(frame) == []


def test_saturation():
    frame = healthy()
    frame.loc[4:, "layer2_saturation"] = 0.8
    f = only(frame, "saturation")
    assert (f.layer, f.epoch) == (2, 5)
    assert "80 %" in f.message
    frame["layer2_saturation"] = 0.5 - 1e-9
    assert rules(frame) == []


def test_vanishing_and_exploding_gradients():
    frame = healthy()
    frame["layer1_grad_norm"] = 1e-4  # layer 3's is 2.0: a ratio of 2e4
    f = only(frame, "vanishing_gradients")
    assert f.epoch == 1 and f.evidence["median_last_over_first"] == pytest.approx(2e4)
    frame["layer1_grad_norm"] = 2.0 / 999  # ratio 999: below 1e3
    assert rules(frame) == []
    frame["layer1_grad_norm"] = 1e4
    assert only(frame, "exploding_gradients").layer == 1
    frame["layer1_grad_norm"] = 2.0 * 999
    assert rules(frame) == []


def test_update_ratio_outside_the_healthy_range():
    frame = healthy()
    frame["layer2_update_ratio"] = 0.3
    f = only(frame, "update_ratio")
    assert f.layer == 2 and "too high" in f.message
    frame["layer2_update_ratio"] = 5e-5
    assert "too low" in only(frame, "update_ratio").message
    frame["layer2_update_ratio"] = 0.09  # inside [1e-4, 1e-1]
    assert rules(frame) == []
    frame.loc[:4, "layer2_update_ratio"] = 10.0  # a few wild epochs: the median holds
    assert rules(frame) == []


def test_a_loss_that_rose_before_it_diverged():
    frame = healthy().iloc[:8].copy()
    frame.loc[4:6, "train_loss"] = [0.5, 1.2, 3.0]  # lowest 0.33 at epoch 4
    frame.loc[7, "train_loss"] = math.inf
    f = only(frame, "rising_before_divergence")
    assert f.epoch == 7 and "learning rate is likely too high" in f.message
    assert f.evidence["last_finite"] == 3.0


def test_a_sudden_divergence_is_not_a_rise():
    frame = healthy().iloc[:8].copy()
    frame.loc[7, "train_loss"] = math.nan
    assert rules(frame) == []


def test_the_loss_exploded_to_1e16_but_the_run_completed():
    frame = healthy()
    frame.loc[5:, "train_loss"] = 10.0 ** np.arange(2, 17)  # 1e2 … 1e16, all finite
    frame.loc[5:, "val_loss"] = 1e16
    found = findings(frame)
    f = next(f for f in found if f.rule == "explosion")
    assert f.epoch == 6  # 1e2 > 100 × 0.8, its first epoch's loss
    assert f.evidence["peak"] == 1e16
    assert "1e+16" in f.message and "without ever becoming non-finite" in f.message


def test_a_loss_that_grows_less_than_100_times_is_no_explosion():
    frame = healthy()
    frame.loc[10:, "train_loss"] = 79.0  # < 100 × 0.8
    assert "explosion" not in rules(frame)


def test_a_plateau():
    frame = healthy(epochs=30)
    frame.loc[14:, "val_loss"] = frame.loc[14, "val_loss"] * (1 - 1e-4 * np.arange(16))
    f = only(frame, "plateau")
    assert f.epoch == 15 and f.evidence["epochs"] == 15
    assert rules(frame, plateau_epochs=16) == []


def test_a_short_pause_is_not_a_plateau():
    frame = healthy()
    frame.loc[10:18, "val_loss"] = frame.loc[10, "val_loss"]  # 9 epochs
    assert rules(frame) == []


def test_without_validation_the_plateau_reads_the_training_loss():
    frame = healthy(epochs=30)
    frame["val_loss"] = np.nan
    frame.loc[10:, "train_loss"] = 0.1
    assert only(frame, "plateau").evidence["column"] == "train_loss"


def test_overfitting():
    frame = healthy()
    frame.loc[15:, "val_loss"] = [0.1, 0.2, 0.3, 0.4, 0.5]
    frame["train_accuracy"] = 1.0
    frame.loc[19, "val_accuracy"] = 0.85
    f = only(frame, "overfitting")
    assert f.epoch == 17 and f.evidence["gap"] == pytest.approx(0.15)
    frame.loc[18, "val_loss"] = 0.25  # fell in the last three epochs
    assert rules(frame) == []


def test_a_gap_without_a_rising_validation_loss_is_not_overfitting():
    frame = healthy()
    frame["train_accuracy"] = 1.0
    frame["val_accuracy"] = 0.7
    assert rules(frame) == []


def test_thresholds_are_checked_by_name_and_value():
    with pytest.raises(ValueError, match="unknown finding threshold 'dead'"):
        Thresholds().with_values({"dead": 0.3})
    with pytest.raises(ValueError, match="plateau_epochs must be a positive whole"):
        Thresholds().with_values({"plateau_epochs": 0})
    assert Thresholds().with_values({"dead_fraction": "0.3"}).dead_fraction == 0.3


def test_a_finding_as_summary_json_keeps_it():
    frame = healthy()
    frame["layer1_dead_fraction"] = 1.0
    assert findings(frame)[0].to_dict() == {
        "rule": "dead_units",
        "layer": 1,
        "epoch": 1,
        "message": findings(frame)[0].message,
        "evidence": {"layer1_dead_fraction": 1.0, "threshold": 0.5},
    }


def test_a_run_learned_to_machine_precision_has_no_plateau_nor_slow_updates():
    """E1's logic gates: the loss falls to 1e-31 and the gradients, and updates, to
    0; nothing is left to learn, so neither a plateau nor too-small steps are news."""
    frame = healthy(task="regression", epochs=30)
    frame["train_loss"] = np.r_[0.3 * 0.01 ** np.arange(15), np.full(15, 1e-31)]
    frame["val_loss"] = frame["train_loss"]
    frame["layer1_update_ratio"] = 0.0
    assert rules(frame) == []
    assert rules(frame, converged=1e-40) == ["update_ratio", "plateau"]


def test_a_dead_relu_output_layer_and_weights_that_no_longer_move():
    """E1's stalled runs: ReLU output units dead, so their updates are exactly 0."""
    frame = healthy(task="regression")
    frame.loc[5:, "layer3_dead_fraction"] = 1 / 3  # any dead output unit counts
    frame.loc[5:, "layer3_update_ratio"] = 0.0
    found = findings(frame)
    assert [(f.rule, f.layer) for f in found] == [
        ("dead_units", 3),
        ("update_ratio", 3),
    ]
    assert "do not change the weights at all" in found[1].message
