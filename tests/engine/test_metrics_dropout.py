"""Predicted labels, accuracy and dead units at their boundaries; dropout's mask."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.layers import Dropout
from nnexp.engine.metrics import accuracy, dead_units, predicted_labels


def test_one_output_unit_predicts_class_1_from_one_half_or_logit_zero():
    out = np.array([[0.4999], [0.5], [0.7], [-0.1], [0.0]])
    assert_array_equal(predicted_labels(out), [0, 1, 1, 0, 0])
    assert_array_equal(predicted_labels(out, logits=True), [1, 1, 1, 0, 1])
    assert predicted_labels(out).dtype == np.int64


def test_several_outputs_predict_the_argmax():
    out = np.array([[0.1, 0.7, 0.2], [3.0, -1.0, 2.0]])
    assert_array_equal(predicted_labels(out), [1, 0])
    assert_array_equal(predicted_labels(out, logits=True), [1, 0])


def test_accuracy_and_the_accuracy_of_nothing():
    assert accuracy(np.array([1, 0, 2, 2]), np.array([1, 1, 2, 0])) == 0.5
    assert math.isnan(accuracy(np.array([], int), np.array([], int)))


def test_dead_units_need_a_zero_derivative_on_every_row():
    relu = ACTIVATIONS.build("relu")
    z = np.array([[-1.0, 2.0, -3.0], [-2.0, -1.0, -0.5]])
    assert_array_equal(dead_units(z, relu.forward(z), relu), [True, False, True])
    softmax = ACTIVATIONS.build("softmax")  # not elementwise: never dead
    zero = np.zeros((2, 3))
    assert_array_equal(dead_units(zero, softmax.forward(zero), softmax), [False] * 3)


def test_dropout_rate_range_and_identity_outside_training():
    assert Dropout(0.0).rate == 0.0
    for bad in (1.0, -0.1):
        with pytest.raises(ValueError, match="dropout rate"):
            Dropout(bad)
    x = np.ones((4, 5))
    out, cache = Dropout(0.5).forward(x)  # evaluation mode by default
    assert out is x and cache.mask is None
    out, cache = Dropout(0.0).forward(x, train=True, rng=np.random.default_rng(0))
    assert out is x and cache.mask is None


def test_dropout_keeps_a_unit_when_its_draw_reaches_the_rate_and_rescales():
    class Draws:  # a generator whose draws are chosen
        def random(self, shape, dtype):
            assert dtype == np.float32
            return np.array([[0.25, 0.2499, 0.9, 0.0]], dtype=dtype)

    x = np.full((1, 4), 2.0, dtype=np.float32)
    out, cache = Dropout(0.25).forward(x, train=True, rng=Draws())
    scale = np.float32(1 / 0.75)
    assert_array_equal(cache.mask, np.array([[scale, 0, scale, 0]], np.float32))
    assert_array_equal(out, 2 * cache.mask)
    assert out.dtype == np.float32
    d = np.full((1, 4), 3.0, dtype=np.float32)
    assert_array_equal(Dropout(0.25).backward(d, cache), 3 * cache.mask)
