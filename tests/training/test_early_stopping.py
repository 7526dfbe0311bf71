"""Early stopping's rule at its boundaries, and its state through a checkpoint."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from nnexp.training.callbacks import EarlyStopping


def feed(es, values):
    """The epoch at which ``es`` says stop (None: never)."""
    for epoch, value in enumerate(values, start=1):
        if es.update(epoch, value, lambda e=epoch: {"W1": np.full(2, float(e))}):
            return epoch
    return None


def test_an_improvement_must_beat_the_best_by_more_than_min_delta():
    es = EarlyStopping(monitor="val_loss", patience=1, min_delta=0.25)
    # 0.75 is exactly best − min_delta: not an improvement, so it stops at epoch 2
    assert feed(es, [1.0, 0.75]) == 2 and es.best_epoch == 1
    es = EarlyStopping(monitor="val_loss", patience=1, min_delta=0.25)
    assert feed(es, [1.0, 0.7499, 0.5]) == 3 and es.best_epoch == 2


def test_equal_values_do_not_improve_in_either_direction():
    assert feed(EarlyStopping(monitor="val_loss", patience=1), [1.0, 1.0]) == 2
    es = EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.1)
    assert es.minimise is False
    assert feed(es, [0.5, 0.6]) == 2  # 0.6 = best + min_delta
    es = EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.1)
    assert feed(es, [0.5, 0.61, 0.6]) == 3 and es.best_epoch == 2


def test_non_finite_values_never_improve():
    es = EarlyStopping(monitor="val_loss", patience=5)
    assert feed(es, [math.nan, -math.inf, 3.0]) is None
    assert es.best_epoch == 3  # the first finite value is the first best


@pytest.mark.parametrize(
    ("mode", "monitor", "minimise"),
    [
        ("min", "val_accuracy", True),
        ("max", "val_loss", False),
        ("auto", "val_mse", True),
        ("auto", "train_max_abs_error", True),
        ("auto", "val_accuracy", False),
    ],
)
def test_modes(mode, monitor, minimise):
    assert EarlyStopping(monitor=monitor, mode=mode).minimise is minimise


def test_patience_zero_is_allowed_and_negative_values_are_not():
    assert feed(EarlyStopping(patience=0), [1.0, 2.0]) == 2
    with pytest.raises(ValueError, match="patience and min_delta"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="patience and min_delta"):
        EarlyStopping(min_delta=-0.1)
    with pytest.raises(ValueError, match="must be auto, min or max"):
        EarlyStopping(mode="minimum")


def test_state_round_trip_with_and_without_best_weights():
    es = EarlyStopping(monitor="val_loss", patience=3)
    feed(es, [1.0, 0.5, 0.6])
    state = es.state_dict()
    assert state["best"] == 0.5 and state["best_epoch"] == 2 and state["wait"] == 1
    assert_array_equal(state["best_weights/W1"], [2.0, 2.0])
    again = EarlyStopping(monitor="val_loss", patience=3)
    again.load_state_dict({k: np.asarray(v) for k, v in state.items()})
    assert (again.best, again.best_epoch, again.wait) == (0.5, 2, 1)
    assert type(again.best_epoch) is int and type(again.wait) is int
    assert_array_equal(again.best_weights["W1"], [2.0, 2.0])
    # it goes on exactly as the original would
    assert feed(again, [0.7, 0.8]) == 2 and again.wait == 3  # 1 + 2 ≥ patience
    plain = EarlyStopping(restore_best=False)
    feed(plain, [1.0])
    assert "best_weights/W1" not in plain.state_dict()
    fresh = EarlyStopping(restore_best=False)
    fresh.load_state_dict(plain.state_dict())
    assert fresh.best_weights is None and fresh.best == 1.0
