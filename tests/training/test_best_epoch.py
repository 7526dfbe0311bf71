"""The best-epoch rule shared by run summaries and comparisons."""

import math

import pandas as pd

from nnexp.training.history import best_epoch


def frame(**cols):
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"epoch": range(1, n + 1), **cols})


def test_a_tie_in_validation_accuracy_goes_to_the_lower_validation_loss():
    # a small validation set: epoch 1 and epoch 3 classify as well, epoch 3 is far better
    f = frame(
        train_loss=[3.0, 2.0, 1.0],
        val_loss=[0.455, 0.2, 0.055],
        val_accuracy=[0.9, 0.8, 0.9],
    )
    assert best_epoch(f) == 3


def test_a_full_tie_goes_to_the_earlier_epoch():
    f = frame(train_loss=[1.0, 1.0], val_loss=[0.3, 0.3], val_accuracy=[0.5, 0.5])
    assert best_epoch(f) == 1


def test_higher_accuracy_wins_over_lower_loss():
    f = frame(train_loss=[1.0, 1.0], val_loss=[0.1, 0.9], val_accuracy=[0.5, 0.6])
    assert best_epoch(f) == 2


def test_regression_uses_validation_loss_then_training_loss():
    assert best_epoch(frame(train_loss=[3.0, 2.0, 1.0], val_loss=[0.5, 0.2, 0.3])) == 2
    nan = math.nan
    assert best_epoch(frame(train_loss=[3.0, 1.0, 2.0], val_loss=[nan] * 3)) == 2


def test_non_finite_values_never_win():
    inf = math.inf
    f = frame(train_loss=[1.0, inf], val_loss=[0.5, -inf], val_accuracy=[0.1, inf])
    assert best_epoch(f) == 1
    assert best_epoch(frame(train_loss=[])) is None


def test_training_loss_does_not_break_a_tie_in_validation():
    # validation cannot tell epochs 1 and 2 apart: the earlier one wins, whatever
    # the training loss says
    f = frame(train_loss=[1.0, 0.1], val_loss=[0.3, 0.3], val_accuracy=[0.5, 0.5])
    assert best_epoch(f) == 1
    assert best_epoch(frame(train_loss=[1.0, 0.1], val_loss=[0.3, 0.3])) == 1
