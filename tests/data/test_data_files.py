"""The user's own files: CSV tables and npz arrays, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnexp.data import DATASETS, load_dataset
from nnexp.errors import DataError, RegistryError

IRIS_LIKE = """sepal,petal,width,species
5.1,1.4,0.2,setosa
7.0,4.7,1.4,versicolor
6.3,6.0,2.5,virginica
4.9,1.4,0.2,setosa
6.4,4.5,1.5,versicolor
5.8,5.1,1.9,virginica
5.0,1.5,0.1,setosa
5.7,4.2,1.3,versicolor
6.5,5.8,2.2,virginica
4.6,1.0,0.2,setosa
"""


def load(ref, seed=0, **kw):
    return load_dataset(
        ref, seed_rng=np.random.default_rng(seed), dtype="float64", **kw
    )


def write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_with_header_and_text_labels(tmp_path):
    path = write(tmp_path, IRIS_LIKE)
    splits, info = load({"name": "csv", "path": str(path), "test": None})
    assert info.class_names == ["setosa", "versicolor", "virginica"]  # sorted
    np.testing.assert_array_equal(splits.train.labels, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    np.testing.assert_array_equal(splits.train.x[1], [7.0, 4.7, 1.4])
    assert info.n_features == 3 and info.sizes == {"train": 10, "val": 0, "test": 0}


def test_csv_class_names_fix_the_order_and_test_is_stratified(tmp_path):
    path = write(tmp_path, IRIS_LIKE)
    ref = {
        "name": "csv",
        "path": str(path),
        "test": 3,
        "class_names": ["virginica", "versicolor", "setosa"],
    }
    splits, info = load(ref)
    assert info.class_names == ["virginica", "versicolor", "setosa"]
    np.testing.assert_array_equal(np.bincount(splits.test.labels), [1, 1, 1])
    assert info.sizes["train"] == 7


def test_csv_without_header_columns_by_index(tmp_path):
    path = write(tmp_path, "1,0.5,10\n0,0.25,20\n1,0.75,30\n2,1.0,40\n")
    splits, info = load(
        {"name": "csv", "path": str(path), "target": 0, "test": None, "columns": [2, 1]}
    )
    np.testing.assert_array_equal(splits.train.x[:, 0], [10, 20, 30, 40])
    np.testing.assert_array_equal(splits.train.labels, [1, 0, 1, 2])
    assert info.n_classes == 3 and info.class_names is None


def test_csv_regression_with_two_named_targets(tmp_path):
    path = write(tmp_path, "x;u;v\n0;0;1\n1;2;3\n2;4;5\n3;6;7\n", name="r.csv")
    ref = {
        "name": "csv",
        "path": str(path),
        "task": "regression",
        "delimiter": ";",
        "target": ["u", "v"],
        "test": None,
    }
    splits, info = load(ref)
    np.testing.assert_array_equal(splits.train.y, [[0, 1], [2, 3], [4, 5], [6, 7]])
    assert splits.train.labels is None and info.output_names == ["u", "v"]


def test_csv_test_path(tmp_path):
    train = write(tmp_path, IRIS_LIKE)
    test = write(
        tmp_path, "sepal,petal,width,species\n5.9,4.0,1.2,versicolor\n", "b.csv"
    )
    splits, info = load(
        {"name": "csv", "path": "t.csv", "test_path": "b.csv"}, base_dir=tmp_path
    )
    assert info.sizes == {"train": 10, "val": 0, "test": 1}
    assert splits.test.labels.tolist() == [1] and info.source == str(train)
    assert test.exists()


def test_csv_non_numeric_cell_names_row_and_column(tmp_path):
    path = write(tmp_path, IRIS_LIKE.replace("7.0,4.7", "7.0,n/a"))
    with pytest.raises(DataError) as err:
        load({"name": "csv", "path": str(path)})
    msg = str(err.value)
    assert (
        f"{path}, row 2 (line 3), column 2 ('petal'): 'n/a' is not a finite number"
        in msg
    )


def test_csv_empty_cell_ragged_row_and_unknown_column(tmp_path):
    path = write(tmp_path, "a,b,y\n1,,0\n")
    with pytest.raises(
        DataError, match=r"row 1 \(line 2\), column 2 \('b'\): an empty cell"
    ):
        load({"name": "csv", "path": str(path), "test": None})
    path = write(tmp_path, "a,b,y\n1,2,0\n1,2\n")
    with pytest.raises(
        DataError, match=r"row 2 \(line 3\): 2 cells, but the header has 3"
    ):
        load({"name": "csv", "path": str(path)})
    path = write(tmp_path, "a,b,y\n1,2,0\n3,4,1\n")
    with pytest.raises(
        DataError,
        match=r"target column 'label' is not in the header; "
        r"the columns are a, b, y",
    ):
        load({"name": "csv", "path": str(path), "target": "label"})


def test_csv_labels_out_of_range(tmp_path):
    path = write(tmp_path, "1,0\n2,1\n3,5\n")
    with pytest.raises(
        DataError, match=r"labels out of range: target column 2 row 2 is 5"
    ):
        load({"name": "csv", "path": str(path), "classes": 3, "test": None})
    path = write(tmp_path, "1,0\n2,1.5\n")
    with pytest.raises(DataError, match="whole numbers"):
        load({"name": "csv", "path": str(path), "test": None})


def test_csv_missing_file(tmp_path):
    with pytest.raises(DataError, match="nope.csv: file not found"):
        load({"name": "csv", "path": str(tmp_path / "nope.csv")})
    with pytest.raises(RegistryError, match="path"):
        DATASETS.build({"name": "csv"})


def test_npz_x_y_layout_with_stratified_test(tmp_path):
    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    y = np.repeat([0, 1], [15, 5])
    np.savez(tmp_path / "d.npz", x=x, y=y)
    splits, info = load({"name": "npz", "path": str(tmp_path / "d.npz"), "test": 0.2})
    assert info.sizes == {"train": 16, "val": 0, "test": 4}
    np.testing.assert_array_equal(np.bincount(splits.test.labels), [3, 1])
    rows = {tuple(r) for r in splits.train.x} | {tuple(r) for r in splits.test.x}
    assert len(rows) == 20  # every sample in exactly one split


def test_npz_train_test_layout_with_fixed_validation_and_one_hot_labels(tmp_path):
    eye = np.eye(3)
    np.savez(
        tmp_path / "d.npz",
        x_train=np.ones((6, 2)),
        y_train=eye[[0, 1, 2, 0, 1, 2]],
        x_test=np.zeros((3, 2)),
        y_test=[2, 1, 0],
        x_val=np.ones((2, 2)),
        y_val=[1, 1],
    )
    splits, info = load({"name": "npz", "path": str(tmp_path / "d.npz")})
    assert info.sizes == {"train": 6, "val": 2, "test": 3} and info.n_classes == 3
    np.testing.assert_array_equal(splits.train.labels, [0, 1, 2, 0, 1, 2])
    assert any("fixed split" in n for n in info.notes)


def test_npz_regression(tmp_path):
    np.savez(tmp_path / "r.npz", x=np.linspace(0, 1, 10), y=np.linspace(0, 2, 10))
    splits, info = load(
        {
            "name": "npz",
            "path": str(tmp_path / "r.npz"),
            "task": "regression",
            "test": None,
        }
    )
    assert splits.train.x.shape == (10, 1) and splits.train.y.shape == (10, 1)
    np.testing.assert_allclose(splits.train.y, 2 * splits.train.x)


def test_npz_missing_keys_lists_found_and_expected(tmp_path):
    np.savez(tmp_path / "k.npz", inputs=np.ones(3), targets=np.ones(3))
    with pytest.raises(DataError) as err:
        load({"name": "npz", "path": str(tmp_path / "k.npz")})
    assert str(err.value) == (
        f"{tmp_path / 'k.npz'}: missing keys: found inputs, targets; expected "
        "(x_train, y_train, x_test, y_test) or (x, y)."
    )


def test_npz_label_errors(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.ones((4, 2)), y=[0, 1, 2, 3])
    with pytest.raises(
        DataError, match=r"labels out of range: y row 3 is 3.*0\.\.2 for 3"
    ):
        load({"name": "npz", "path": str(tmp_path / "a.npz"), "classes": 3})
    np.savez(tmp_path / "b.npz", x=np.ones((3, 2)), y=[0, -1, 1])
    with pytest.raises(DataError, match=r"labels out of range: y row 1 is -1"):
        load({"name": "npz", "path": str(tmp_path / "b.npz")})
    np.savez(tmp_path / "c.npz", x=np.ones((2, 2)), y=[[0.5, 0.5], [1, 0]])
    with pytest.raises(DataError, match=r"row 0 is \[0\.5, 0\.5\]"):
        load({"name": "npz", "path": str(tmp_path / "c.npz")})


def test_npz_mismatched_lengths_and_corrupt_file(tmp_path):
    np.savez(
        tmp_path / "m.npz",
        x_train=np.ones((4, 2)),
        y_train=[0, 1, 0],
        x_test=np.ones((1, 2)),
        y_test=[0],
    )
    with pytest.raises(DataError, match="x_train has 4 rows but y_train has 3"):
        load({"name": "npz", "path": str(tmp_path / "m.npz")})
    data = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"cut\.npz: not a readable \.npz file"):
        load({"name": "npz", "path": str(tmp_path / "cut.npz")})
