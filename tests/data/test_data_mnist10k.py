"""mnist_10k: the bundled genuine MNIST test split, its fixed 8,000/2,000 split, and the
run-seeded validation split taken from the 8,000."""

from __future__ import annotations

import gzip
import hashlib
import shutil

import numpy as np
import pytest

from nnexp.data import bundled, load_dataset
from nnexp.errors import DataError

# CHECKSUMS.md: class counts of the 10,000 digits, 0 to 9
COUNTS = np.array([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
# count/5 by hand: 196, 227, 206.4, 202, 196.4, 178.4, 191.6, 205.6, 194.8, 201.8; the
# floors sum to 1,996, and the four largest remainders (.8, .8, .6, .6: digits 8, 9,
# 6, 7) get one more each.
TEST_COUNTS = np.array([196, 227, 206, 202, 196, 178, 192, 206, 195, 202])


def load(seed=0, **params):
    return load_dataset(
        {"name": "mnist_10k", **params},
        seed_rng=np.random.default_rng(seed),
        dtype="float32",
    )


def test_bundled_files_match_the_published_sums():
    sums = {  # CHECKSUMS.md, decompressed content
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77"
        "db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351"
        "222c34898ecbeaf847f06e48f7ec33f2",
    }
    for part, expected in sums.items():
        raw = gzip.decompress((bundled.BUNDLED / f"{part}.gz").read_bytes())
        assert hashlib.sha256(raw).hexdigest() == expected
    assert (bundled.BUNDLED / "README.md").read_text().count("LeCun") >= 1


def test_shapes_sizes_and_metadata():
    splits, info = load()
    assert info.sizes == {"train": 7200, "val": 800, "test": 2000}
    assert splits.train.x.shape == (7200, 784) and splits.train.y.shape == (7200, 10)
    assert splits.test.x.shape == (2000, 784)
    assert info.task == "classification" and info.n_classes == info.n_outputs == 10
    assert info.n_features == 784 and info.input_shape == (784,)
    assert info.class_names == [str(d) for d in range(10)]
    assert "LeCun" in info.notes[0]
    for s in (splits.train, splits.val, splits.test):
        assert s.x.dtype == np.float32 and s.y.dtype == np.float32
        assert 0.0 <= s.x.min() and s.x.max() <= 1.0


def test_exact_stratified_class_counts():
    splits, _ = load(validation=None)
    train = np.bincount(splits.train.labels, minlength=10)
    test = np.bincount(splits.test.labels, minlength=10)
    np.testing.assert_array_equal(test, TEST_COUNTS)
    np.testing.assert_array_equal(train, COUNTS - TEST_COUNTS)
    assert train.sum() == 8000 and test.sum() == 2000


def test_validation_comes_stratified_out_of_the_8000():
    splits, _ = load(validation=0.1)
    train = COUNTS - TEST_COUNTS
    val = np.bincount(splits.val.labels, minlength=10)
    assert val.sum() == 800
    exact = train * 800 / 8000
    assert np.all((val == np.floor(exact)) | (val == np.ceil(exact)))
    np.testing.assert_array_equal(
        np.bincount(splits.train.labels, minlength=10), train - val
    )
    # validation digits are not training digits
    seen = {row.tobytes() for row in splits.train.x}
    assert not any(row.tobytes() in seen for row in splits.val.x)


def test_same_seed_same_split_other_seed_other_validation_same_test():
    a, _ = load(seed=1)
    b, _ = load(seed=1)
    c, _ = load(seed=2)
    np.testing.assert_array_equal(a.val.x, b.val.x)
    np.testing.assert_array_equal(a.train.labels, b.train.labels)
    assert not np.array_equal(a.val.x, c.val.x)
    np.testing.assert_array_equal(a.test.x, c.test.x)  # the fixed 2,000
    np.testing.assert_array_equal(a.test.labels, c.test.labels)


def test_limit_is_a_stratified_subsample_before_validation():
    splits, info = load(limit=1000, validation=0.1)
    assert info.sizes == {"train": 900, "val": 100, "test": 2000}
    both = np.concatenate([splits.train.labels, splits.val.labels])
    exact = (COUNTS - TEST_COUNTS) * 1000 / 8000
    counts = np.bincount(both, minlength=10)
    assert counts.sum() == 1000
    assert np.all((counts == np.floor(exact)) | (counts == np.ceil(exact)))


def test_normalize_modes_and_flatten():
    scaled, _ = load(validation=None)
    raw, _ = load(validation=None, normalize="none", flatten=False)
    assert raw.train.x.shape == (8000, 28, 28) and raw.train.x.max() == 255.0
    np.testing.assert_allclose(scaled.train.x, raw.train.x.reshape(8000, 784) / 255.0)
    std, info = load(validation=None, normalize="standardize")
    assert abs(float(std.train.x.mean(dtype=np.float64))) < 1e-5
    assert abs(float(std.train.x.std(dtype=np.float64)) - 1) < 1e-4
    assert "standardize" in info.notes[-1]


def test_one_hot_off_gives_index_column():
    splits, info = load(validation=None)
    plain, _ = load_dataset(
        "mnist-10k", seed_rng=np.random.default_rng(0), dtype="float64", one_hot=False
    )
    assert plain.train.y.shape == (7200, 1) and plain.train.y.dtype == np.float64
    np.testing.assert_array_equal(plain.train.y[:, 0], plain.train.labels)
    np.testing.assert_array_equal(splits.train.y.argmax(axis=1), splits.train.labels)


def test_corrupt_bundled_file_is_refused(tmp_path, monkeypatch):
    for f in bundled.BUNDLED.glob("*.gz"):
        shutil.copy(f, tmp_path / f.name)
    labels = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(labels.read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # one wrong label: a valid IDX file, a wrong sum
    labels.write_bytes(gzip.compress(bytes(raw)))
    monkeypatch.setattr(bundled, "BUNDLED", tmp_path)
    bundled.bundled_digits.cache_clear()
    try:
        with pytest.raises(
            DataError, match=r"t10k-labels-idx1-ubyte\.gz: checksum mismatch"
        ):
            load()
    finally:
        bundled.bundled_digits.cache_clear()
