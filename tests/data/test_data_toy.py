"""The course's toy tasks (SPEC E1, E2) and the generated sets: exact values where the
maths fixes them, shapes, class balance and seeding otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from nnexp.data import DATASETS, load_dataset
from nnexp.errors import RegistryError


def load(ref, seed=0, dtype="float64", **kw):
    return load_dataset(ref, seed_rng=np.random.default_rng(seed), dtype=dtype, **kw)


def test_logic_gates_truth_tables():
    splits, info = load("logic_gates", dtype="float32")
    x, y = splits.train.x, splits.train.y
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [[0, 0, 0], [0, 1, 1], [0, 1, 1], [1, 1, 0]])
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert info.task == "regression" and info.output_names == ["AND", "OR", "XOR"]
    assert info.sizes == {"train": 4, "val": 4, "test": 4}
    assert "training, validation and test set alike" in info.notes[0]
    for s in (splits.val, splits.test):
        np.testing.assert_array_equal(s.x, x)
        np.testing.assert_array_equal(s.y, y)
        assert s.x is not x  # copies: a trainer that shuffles one cannot change another


def test_logic_gates_subset_in_given_order():
    splits, info = load({"name": "logic", "gates": ["xor", "NAND"]})
    np.testing.assert_array_equal(splits.train.y, [[0, 1], [1, 1], [1, 1], [0, 0]])
    assert info.n_outputs == 2 and info.output_names == ["XOR", "NAND"]
    with pytest.raises(
        RegistryError, match="gates must be a non-empty list of AND, OR"
    ):
        DATASETS.build({"name": "logic_gates", "gates": ["IMPLIES"]})
    with pytest.raises(RegistryError, match="twice"):
        DATASETS.build({"name": "logic_gates", "gates": ["OR", "or"]})


def test_sincos_is_spec_e2():
    splits, info = load("sincos")
    x = np.linspace(0, np.pi / 2, 2000)
    np.testing.assert_array_equal(splits.train.x[:, 0], x[0::2])
    np.testing.assert_array_equal(splits.test.x[:, 0], x[1::2])
    np.testing.assert_allclose(splits.test.y[:, 0], np.sin(x[1::2]) / 2 + 0.5)
    np.testing.assert_allclose(splits.test.y[:, 1], np.cos(x[1::2]) / 2 + 0.5)
    assert info.sizes == {"train": 1000, "val": 0, "test": 1000}
    assert info.output_names == ["sin", "cos"] and info.n_outputs == 2
    _, info = load({"name": "sincos", "validation": 0.1})
    assert info.sizes == {"train": 900, "val": 100, "test": 1000}


@pytest.mark.parametrize(
    "ref, classes",
    [("spirals", 2), ({"name": "spirals", "classes": 3}, 3), ("circles", 2),
     ("blobs", 3), ({"name": "blobs", "classes": 5, "features": 4}, 5)],
)  # fmt: skip
def test_generated_classification_sets(ref, classes):
    splits, info = load(ref)
    assert info.task == "classification" and info.n_classes == classes
    assert info.sizes == {"train": 720, "val": 80, "test": 200}
    assert splits.train.y.shape == (720, classes)
    for s in (splits.train, splits.val, splits.test):
        counts = np.bincount(s.labels, minlength=classes)
        assert counts.max() - counts.min() <= 1 + (classes > 2)  # balanced classes
    again, _ = load(ref)
    other, _ = load(ref, seed=1)
    np.testing.assert_array_equal(again.train.x, splits.train.x)
    assert not np.allclose(other.train.x[:10], splits.train.x[:10])


def test_noise_free_shapes_are_exact():
    circles, _ = load({"name": "circles", "noise": 0, "factor": 0.3})
    r = np.linalg.norm(circles.train.x, axis=1)
    np.testing.assert_allclose(r, np.where(circles.train.labels == 0, 1.0, 0.3))
    blobs, _ = load({"name": "blobs", "noise": 0, "n": 90})
    for k in range(3):  # every point of a blob sits on its centre
        pts = blobs.train.x[blobs.train.labels == k]
        np.testing.assert_array_equal(pts, np.broadcast_to(pts[0], pts.shape))
    spirals, _ = load({"name": "spirals", "noise": 0})
    r = np.linalg.norm(spirals.train.x, axis=1)
    assert r.min() >= 0.1 - 1e-12 and r.max() <= 1 + 1e-12


@pytest.mark.parametrize(
    "function, f",
    [("sin", lambda x: np.sin(np.pi * x)), ("cubic", lambda x: x**3),
     ("abs", np.abs), ("step", lambda x: (x > 0) * 1.0)],
)  # fmt: skip
def test_noisy_1d_without_noise_is_the_function(function, f):
    splits, info = load({"name": "noisy_1d", "noise": 0.0, "function": function})
    assert info.task == "regression" and info.sizes == {
        "train": 360,
        "val": 40,
        "test": 100,
    }
    for s in (splits.train, splits.val, splits.test):
        np.testing.assert_allclose(s.y[:, 0], f(s.x[:, 0]))
        assert np.all(np.diff(s.x[:, 0]) >= 0)  # sorted by x for plotting


def test_noisy_1d_noise_level():
    splits, _ = load({"name": "noisy_1d", "noise": 0.5, "n": 4000, "test": None})
    resid = splits.train.y[:, 0] - np.sin(np.pi * splits.train.x[:, 0])
    assert abs(resid.std() - 0.5) < 0.03


@pytest.mark.parametrize(
    "ref, message",
    [({"name": "spirals", "n": 1}, "n must be an integer >= 2"),
     ({"name": "circles", "noise": -0.1}, "noise must be a number >= 0"),
     ({"name": "circles", "factor": 1.5}, "factor"),
     ({"name": "blobs", "test": 1.0}, "test must be a fraction"),
     ({"name": "noisy_1d", "function": "tan"}, "function must be one of sin"),
     ({"name": "sincos", "normalize": "unit"}, "normalize must be one of")],
)  # fmt: skip
def test_bad_parameters(ref, message):
    with pytest.raises(RegistryError, match=message):
        DATASETS.build(ref, key="dataset")
