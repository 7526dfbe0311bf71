"""Stratified sampling and the shared preprocessing pipeline (limit, validation,
normalize, flatten, dtype, targets) on small arrays whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnexp.data import DATASETS
from nnexp.data.base import RawData, prepare
from nnexp.data.checks import check_common
from nnexp.data.sampling import largest_remainder, pick, validation_count
from nnexp.errors import DataError, RegistryError


@given(
    counts=st.lists(st.integers(0, 500), min_size=1, max_size=12).filter(
        lambda c: sum(c)
    ),
    frac=st.floats(0, 1),
)
def test_largest_remainder_is_exact_and_proportional(counts, frac):
    total = round(frac * sum(counts))
    quota = largest_remainder(np.array(counts), total)
    assert quota.sum() == total
    exact = np.array(counts) * total / sum(counts)
    assert np.all(quota >= np.floor(exact) - 1e-9) and np.all(
        quota <= np.ceil(exact) + 1e-9
    )
    assert np.all(quota <= np.array(counts))


def test_largest_remainder_worked_example():
    # 10 over (3, 3, 4): exact 3.33, 3.33, 4.0 → floors 3, 3, 4 already sum to 10
    np.testing.assert_array_equal(largest_remainder(np.array([3, 3, 4]), 10), [3, 3, 4])
    # 2 over three equal groups: remainders tie, lower index first
    np.testing.assert_array_equal(largest_remainder(np.array([5, 5, 5]), 2), [1, 1, 0])
    # 7 over (1, 2, 7): exact 0.7, 1.4, 4.9 → floors 0, 1, 4; two more go to .9 and .7
    np.testing.assert_array_equal(largest_remainder(np.array([1, 2, 7]), 7), [1, 1, 5])


def test_pick_is_stratified_sorted_and_seeded():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    idx = pick(100, 10, np.random.default_rng(3), labels)
    assert np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(np.bincount(labels[idx]), [5, 3, 2])
    np.testing.assert_array_equal(idx, pick(100, 10, np.random.default_rng(3), labels))
    assert not np.array_equal(idx, pick(100, 10, np.random.default_rng(4), labels))


def test_validation_count():
    assert validation_count(0.1, 8000, "d") == 800
    assert validation_count(0.001, 50, "d") == 1  # never an empty validation set
    assert validation_count(25, 100, "d") == 25
    with pytest.raises(DataError, match="leaves none to train on"):
        validation_count(100, 100, "d")


@pytest.mark.parametrize("bad", [1.0, 1.5, -3, -0.1, True, False, "0.1"])
def test_bad_validation_values(bad):
    with pytest.raises(ValueError, match="validation must be"):
        check_common("d", validation=bad)


@pytest.mark.parametrize("zero", [0, 0.0])
def test_validation_zero_means_no_split_as_null_does(zero):
    check_common("d", validation=zero)  # accepted
    splits, info = run(table(), validation=zero)
    reference, _ = run(table(), validation=None)
    assert splits.val is None and info.sizes["val"] == 0
    np.testing.assert_array_equal(splits.train.x, reference.train.x)
    built = DATASETS.build({"name": "blobs", "n": 60, "validation": zero}, key="d")
    splits, _ = built.load(rng=np.random.default_rng(0), dtype="float64")
    assert splits.val is None


def test_bad_normalize_and_limit():
    with pytest.raises(ValueError, match="normalize must be one of scale, standardize"):
        check_common("d", normalize="minmax")
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="limit must be"):
            check_common("d", limit=bad)


def test_registry_reports_bad_parameter_with_its_key():
    with pytest.raises(RegistryError, match=r"dataset.*validation must be a fraction"):
        DATASETS.build({"name": "mnist_10k", "validation": 2.0}, key="dataset")
    with pytest.raises(RegistryError, match=r"unknown parameter.*mnist_10k"):
        DATASETS.build({"name": "mnist_10k", "vaildation": 0.1}, key="dataset")


def table(n=40, features=3, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(5.0, 3.0, (n, features))
    x[:, -1] = 2.0  # a constant feature
    y = np.arange(n) % classes
    return RawData(x, y, x[:8] + 1, y[:8], task="classification", source="t")


def run(raw, **kw):
    kw.setdefault("rng", np.random.default_rng(0))
    kw.setdefault("dtype", "float64")
    return prepare(raw, name="t", **kw)


def test_standardize_uses_training_statistics_only():
    splits, info = run(table(), normalize="standardize", validation=8)
    x = splits.train.x
    np.testing.assert_allclose(x[:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(x[:, :2].std(axis=0), 1, rtol=1e-12)
    np.testing.assert_array_equal(x[:, 2], 0)  # constant feature: 0, no division by 0
    assert abs(splits.val.x[:, 0].mean()) > 1e-6  # val is not standardised on itself
    assert "standardize per feature" in " ".join(info.notes)


def test_scale_per_feature_without_known_range():
    splits, _ = run(table(), normalize="scale")
    x = splits.train.x
    np.testing.assert_allclose(x[:, :2].min(axis=0), 0)
    np.testing.assert_allclose(x[:, :2].max(axis=0), 1)


def test_scale_and_standardize_images_with_known_range():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (30, 4, 4), dtype=np.uint8)
    raw = RawData(
        img,
        np.arange(30) % 3,
        img[:5],
        np.arange(5) % 3,
        task="classification",
        source="t",
        value_range=(0.0, 255.0),
    )
    scaled, _ = run(raw, normalize="scale")
    np.testing.assert_allclose(scaled.train.x, img.reshape(30, 16) / 255.0)
    std, info = run(raw, normalize="standardize", dtype="float32")
    f = img.astype(np.float64)
    expected = (f - f.mean()) / f.std()  # one mean and std over every pixel
    np.testing.assert_allclose(
        std.train.x, expected.reshape(30, 16), rtol=1e-5, atol=1e-5
    )
    none, _ = run(raw, normalize="none", flatten=False)
    assert none.train.x.shape == (30, 4, 4)
    np.testing.assert_array_equal(none.train.x, img)


def test_dtype_targets_and_one_hot():
    splits, info = run(table(), dtype="float32")
    for s in (splits.train, splits.test):
        assert s.x.dtype == np.float32 and s.y.dtype == np.float32
        assert s.labels.dtype == np.int64
        np.testing.assert_array_equal(s.y.sum(axis=1), 1)
        np.testing.assert_array_equal(s.y.argmax(axis=1), s.labels)
    assert info.n_classes == info.n_outputs == 4
    plain, info2 = run(table(), one_hot=False)
    np.testing.assert_array_equal(plain.train.y[:, 0], plain.train.labels)
    assert plain.train.y.shape == (40, 1) and info2.n_outputs == 4


def test_limit_then_validation_are_stratified():
    raw = table(n=400, classes=4)
    raw.y_train = np.repeat([0, 1, 2, 3], [200, 100, 60, 40])
    splits, info = run(raw, limit=100, validation=0.2)
    assert info.sizes == {"train": 80, "val": 20, "test": 8}
    np.testing.assert_array_equal(np.bincount(splits.train.labels), [40, 20, 12, 8])
    np.testing.assert_array_equal(np.bincount(splits.val.labels), [10, 5, 3, 2])


def test_limit_larger_than_training_set_uses_all():
    splits, info = run(table(), limit=1000)
    assert len(splits.train) == 40
    assert any("all are used" in n for n in info.notes)


def test_regression_targets_and_random_validation():
    x = np.linspace(0, 1, 50)[:, None]
    raw = RawData(x, np.hstack([x, 2 * x]), None, None, task="regression", source="t")
    splits, info = run(raw, validation=10)
    assert splits.train.labels is None and splits.test is None
    assert info.n_outputs == 2 and info.n_classes is None
    assert info.sizes == {"train": 40, "val": 10, "test": 0}
    np.testing.assert_allclose(splits.val.y[:, 1], 2 * splits.val.x[:, 0])


def test_fixed_validation_split_conflicts_with_a_fraction():
    raw = table()
    raw.x_val, raw.y_val = raw.x_test, raw.y_test
    splits, _ = run(raw)
    assert len(splits.val) == 8
    with pytest.raises(DataError, match="has its own validation split"):
        run(raw, validation=0.1)


def test_integer_run_dtype_is_refused():
    with pytest.raises(ValueError, match="float32 or float64"):
        run(table(), dtype="int32")
