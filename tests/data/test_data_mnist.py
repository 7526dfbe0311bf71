"""MNIST and Fashion-MNIST on disk: the search order (path, $NNEXP_DATA, cache, Debian
folder), the course's npz, checksums of local files, and the full Fashion-MNIST."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnexp.data import load_dataset, mnist
from nnexp.data.download import Checksum
from nnexp.errors import DataError

DEBIAN = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def no_sums(monkeypatch):
    """Synthetic files cannot match the real sums: trust the IDX checks alone."""
    monkeypatch.setitem(mnist.CHECKSUMS, "mnist", {p: Checksum() for p in mnist.PARTS})


def load(ref, **kw):
    return load_dataset(ref, seed_rng=np.random.default_rng(0), dtype="float32", **kw)


def test_search_order_path_then_env_then_cache(
    tmp_path, isolated, helpers, no_sums, monkeypatch
):
    helpers.fake_mnist(tmp_path / "mine", 30, 10)
    helpers.fake_mnist(tmp_path / "data" / "mnist", 40, 10)
    helpers.fake_mnist(isolated / "mnist", 50, 10)
    monkeypatch.setenv("NNEXP_DATA", str(tmp_path / "data"))
    ref = {"name": "mnist", "validation": None}
    _, info = load({**ref, "path": str(tmp_path / "mine")})
    assert info.sizes["train"] == 30 and info.source == str(tmp_path / "mine")
    _, info = load(ref)
    assert info.sizes["train"] == 40 and info.source == str(tmp_path / "data" / "mnist")
    monkeypatch.delenv("NNEXP_DATA")
    _, info = load(ref)
    assert info.sizes["train"] == 50 and info.source == str(isolated / "mnist")


def test_relative_path_is_resolved_against_the_spec_folder(tmp_path, helpers, no_sums):
    helpers.fake_mnist(tmp_path / "specs" / "digits", 20, 10, gz=False)  # plain IDX
    _, info = load(
        {"name": "mnist", "path": "digits", "validation": None},
        base_dir=tmp_path / "specs",
    )
    assert info.sizes == {"train": 20, "val": 0, "test": 10}


def test_dotted_original_file_names_are_found(tmp_path, helpers, no_sums):
    arrays = helpers.fake_mnist(tmp_path / "a", 20, 10)
    for f in (tmp_path / "a").iterdir():
        f.rename(f.with_name(f.name.replace("-idx", ".idx")))
    splits, _ = load({"name": "mnist", "path": str(tmp_path / "a"), "validation": None})
    np.testing.assert_array_equal(splits.test.labels, arrays["y_test"])


def test_explicit_path_that_lacks_the_data_is_an_error(tmp_path, helpers, no_sums):
    helpers.fake_mnist(isolated_copy := tmp_path / "partial", 20, 10)
    (isolated_copy / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(
        DataError, match=r"partial: the folder lacks t10k-labels-idx1-ubyte"
    ):
        load({"name": "mnist", "path": str(isolated_copy)})
    with pytest.raises(DataError, match=r"nowhere: no such file or folder"):
        load({"name": "mnist", "path": str(tmp_path / "nowhere")})


def test_local_files_are_checked_against_the_real_sums(isolated, helpers):
    helpers.fake_mnist(isolated / "mnist", 20, 10)  # right format, wrong content
    with pytest.raises(
        DataError, match=r"train-labels-idx1-ubyte\.gz: checksum mismatch"
    ):
        load("mnist")


def test_labels_out_of_range_and_mismatched_counts(tmp_path, helpers, no_sums):
    helpers.fake_mnist(tmp_path / "m", 20, 10)
    helpers.write_idx(
        tmp_path / "m" / "t10k-labels-idx1-ubyte.gz",
        np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 10], dtype=np.uint8),
    )
    with pytest.raises(
        DataError, match=r"labels out of range: y_test row 9 is 10.*0\.\.9"
    ):
        load({"name": "mnist", "path": str(tmp_path / "m")})
    helpers.write_idx(
        tmp_path / "m" / "t10k-labels-idx1-ubyte.gz", np.arange(9, dtype=np.uint8)
    )
    with pytest.raises(DataError, match=r"9 labels for 10 images"):
        load({"name": "mnist", "path": str(tmp_path / "m")})


def course_npz(path: Path, n_train=30, n_test=10, **override) -> Path:
    rng = np.random.default_rng(5)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": np.arange(n_train) % 10,
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": np.arange(n_test) % 10,
    }
    arrays.update(override)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


def test_course_npz_format(tmp_path):
    path = course_npz(tmp_path / "mnist.npz")
    splits, info = load({"name": "mnist", "path": str(path), "validation": 10})
    assert info.sizes == {"train": 20, "val": 10, "test": 10}
    assert info.source == str(path) and info.class_names == [str(d) for d in range(10)]
    np.testing.assert_array_equal(np.bincount(splits.val.labels), np.ones(10))
    assert splits.train.x.max() <= 1.0


def test_course_npz_in_nnexp_data(tmp_path, monkeypatch):
    course_npz(tmp_path / "mnist.npz", n_train=12)
    monkeypatch.setenv("NNEXP_DATA", str(tmp_path))
    _, info = load({"name": "mnist", "validation": None})
    assert info.sizes["train"] == 12


def test_course_npz_without_expected_keys(tmp_path):
    path = course_npz(tmp_path / "m.npz", y_test=None)
    with pytest.raises(DataError) as err:
        load({"name": "mnist", "path": str(path)})
    msg = str(err.value)
    assert "m.npz: missing keys: found x_test, x_train, y_train;" in msg
    assert "expected (x_train, y_train, x_test, y_test)" in msg


def test_course_npz_with_wrong_image_shape(tmp_path):
    path = course_npz(tmp_path / "m.npz", x_test=np.zeros((10, 27, 28), np.uint8))
    with pytest.raises(DataError, match=r"x_test has shape \(10, 27, 28\)"):
        load({"name": "mnist", "path": str(path)})


def test_debian_folder_is_searched_for_fashion(tmp_path, helpers, monkeypatch):
    monkeypatch.setitem(
        mnist.CHECKSUMS, "fashion_mnist", {p: Checksum() for p in mnist.PARTS}
    )
    helpers.fake_mnist(tmp_path / "usr-share", 25, 10)
    monkeypatch.setitem(mnist.SYSTEM_FOLDERS, "fashion_mnist", [tmp_path / "usr-share"])
    _, info = load({"name": "fashionmnist", "validation": None})
    assert info.source == str(tmp_path / "usr-share") and info.sizes["train"] == 25
    assert info.class_names[0] == "T-shirt/top" and info.class_names[9] == "Ankle boot"


@pytest.fixture(scope="module")
def fashion():
    """The full Fashion-MNIST from the Debian package, loaded once for this module."""
    if not DEBIAN.is_dir():
        pytest.skip("dataset-fashion-mnist is not installed")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("NNEXP_DATA", raising=False)
        mp.setenv("NNEXP_CACHE", "/nonexistent-nnexp-cache")
        return load("fashion_mnist")


def test_full_fashion_mnist(fashion):
    splits, info = fashion
    assert info.source == str(DEBIAN)
    assert info.sizes == {"train": 54000, "val": 6000, "test": 10000}
    assert len(splits.train) + len(splits.val) == 60000
    assert info.class_names == mnist.FASHION_CLASSES and info.n_classes == 10
    # Fashion-MNIST is balanced: 6,000 per class in train, 1,000 in test
    np.testing.assert_array_equal(np.bincount(splits.val.labels), np.full(10, 600))
    np.testing.assert_array_equal(np.bincount(splits.train.labels), np.full(10, 5400))
    np.testing.assert_array_equal(np.bincount(splits.test.labels), np.full(10, 1000))
    assert splits.train.x.shape == (54000, 784) and splits.train.x.dtype == np.float32
    assert splits.train.x.min() == 0.0 and splits.train.x.max() == 1.0
